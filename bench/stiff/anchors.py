"""scipy's stiff solvers on the problems of `benches/stiff.rs` (BENCHMARKS.md, "Stiff problems"):
Radau and BDF with exact Jacobians (scipy's best case), median wall time, steps, NFE, Jacobians
and LUs. Run: python bench/stiff/anchors.py   (numpy, scipy)
"""
import time
import numpy as np
from scipy.integrate import solve_ivp


def robertson(t, y, k1=0.04, k2=3e7, k3=1e4):
    return [-k1 * y[0] + k3 * y[1] * y[2], k1 * y[0] - k3 * y[1] * y[2] - k2 * y[1] ** 2, k2 * y[1] ** 2]


def robertson_jac(t, y, k1=0.04, k2=3e7, k3=1e4):
    return [[-k1, k3 * y[2], k3 * y[1]], [k1, -k3 * y[2] - 2 * k2 * y[1], -k3 * y[1]], [0, 2 * k2 * y[1], 0]]


def vdp(t, y):
    return [y[1], 1000 * (1 - y[0] ** 2) * y[1] - y[0]]


def vdp_jac(t, y):
    return [[0, 1], [-2000 * y[0] * y[1] - 1, 1000 * (1 - y[0] ** 2)]]


def hires(t, y):
    y1, y2, y3, y4, y5, y6, y7, y8 = y
    r = 280.0 * y6 * y8
    return [-1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007, 1.71 * y1 - 8.75 * y2,
            -10.03 * y3 + 0.43 * y4 + 0.035 * y5, 8.32 * y2 + 1.71 * y3 - 1.12 * y4,
            -1.745 * y5 + 0.43 * y6 + 0.43 * y7, -r + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
            r - 1.81 * y7, -r + 1.81 * y7]


def run(name, f, jac, span, y0, tol, reps):
    for method in ["Radau", "BDF"]:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            s = solve_ivp(f, span, y0, method=method, jac=jac, rtol=tol, atol=tol)
            times.append(time.perf_counter() - t0)
        assert s.success, s.message
        print(f"{name:<28} {method:<6} {np.median(times) * 1e3:>10.3f} ms  steps {len(s.t) - 1:>6}"
              f"  NFE {s.nfev:>8}  Jacobians {s.njev:>6}  LUs {s.nlu:>6}", flush=True)


run("robertson 1e-4", robertson, robertson_jac, (0, 100), [1, 0, 0], 1e-4, 11)
run("robertson 1e-8", robertson, robertson_jac, (0, 100), [1, 0, 0], 1e-8, 11)
run("van der pol mu=1000 1e-6", vdp, vdp_jac, (0, 3000), [2, 0], 1e-6, 3)
run("hires 1e-8", hires, None, (0, 321.8122), [1, 0, 0, 0, 0, 0, 0, 0.0057], 1e-8, 5)
