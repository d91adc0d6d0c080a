"""Reference solutions of the stiff test problems (scipy Radau, rtol = atol = 1e-12 or tighter).

Writes tests/data/stiff/van_der_pol_mu1000.csv: t, y1, y2 of Van der Pol with mu = 1000,
y0 = (2, 0), at t = 0, 250, ..., 3000: MATLAB's `vdp1000` (the ode15s demo),
y1' = y2, y2' = mu (1 - y1^2) y2 - y1. HIRES's reference at t = 321.8122 is the published
one (Hairer-Wanner test set, Mazzia & Magherini's "Test Set for IVP Solvers"), printed in
tests/stiff/problems.rs; this script re-derives it with Radau as a cross-check.

Run: python bench/stiff/references.py   (numpy, scipy)
"""
import numpy as np
from scipy.integrate import solve_ivp

MU = 1000.0


def vdp(t, y):
    return [y[1], MU * (1 - y[0] ** 2) * y[1] - y[0]]


def vdp_jac(t, y):
    return [[0.0, 1.0], [-2 * MU * y[0] * y[1] - 1, MU * (1 - y[0] ** 2)]]


ts = np.arange(0.0, 3000.0 + 1, 250.0)
sol = solve_ivp(vdp, (0, 3000), [2.0, 0.0], method="Radau", jac=vdp_jac, t_eval=ts,
                rtol=1e-12, atol=1e-12)
assert sol.success, sol.message
with open("tests/data/stiff/van_der_pol_mu1000.csv", "w") as out:
    out.write("t,y1,y2\n")
    for t, a, b in zip(sol.t, sol.y[0], sol.y[1]):
        out.write(f"{t:.1f},{a:.17e},{b:.17e}\n")
print("vdp", sol.nfev, "nfev", sol.njev, "jac", sol.y[:, -1])


def hires(t, y):
    y1, y2, y3, y4, y5, y6, y7, y8 = y
    return [
        -1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007,
        1.71 * y1 - 8.75 * y2,
        -10.03 * y3 + 0.43 * y4 + 0.035 * y5,
        8.32 * y2 + 1.71 * y3 - 1.12 * y4,
        -1.745 * y5 + 0.43 * y6 + 0.43 * y7,
        -280.0 * y6 * y8 + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
        280.0 * y6 * y8 - 1.81 * y7,
        -280.0 * y6 * y8 + 1.81 * y7,
    ]


y0 = [1, 0, 0, 0, 0, 0, 0, 0.0057]
h = solve_ivp(hires, (0, 321.8122), y0, method="Radau", rtol=1e-13, atol=1e-15)
print("hires", repr(list(h.y[:, -1])))
