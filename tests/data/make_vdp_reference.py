"""Writes `tests/data/vdp_reference.json`: high-accuracy reference trajectories of the Van der Pol
oscillator for neurode's per-row (ragged-grid) solver tests.

    x' = y,    y' = mu * (1 - x^2) * y - x,    (x, y)(0) = (2, 0)

* 8 rows, mu = numpy.logspace(log10(0.1), log10(20), 8) (0.1 .. 20: non-stiff to mildly stiff);
* row i (0-based) has its own output grid: 21 equally spaced times on [0, T_i], T_i = 8 + 2 i
  (T = 8, 10, ..., 22), so rows end at different times;
* reference: scipy.integrate.solve_ivp(method="Radau", rtol=1e-12, atol=1e-12, t_eval=grid),
  cross-checked against method="DOP853", rtol=atol=1e-13; the max abs difference between the two
  over all rows/times/components is stored as "agreement" (the Radau values are the ones stored).

Floats are written with json.dump (Python's repr: round-trips exactly to f64).
Run from the repository root (needs numpy + scipy; the file is committed, the tests need no Python):

    python tests/data/make_vdp_reference.py
"""
import json
import os

import numpy as np
import scipy
from scipy.integrate import solve_ivp

N_ROWS, N_T, Y0 = 8, 21, (2.0, 0.0)
RTOL = ATOL = 1e-12
CHECK_TOL = 1e-13


def vdp(mu):
    def f(t, z):
        x, y = z
        return [y, mu * (1.0 - x * x) * y - x]

    def jac(t, z):
        x, y = z
        return [[0.0, 1.0], [-2.0 * mu * x * y - 1.0, mu * (1.0 - x * x)]]

    return f, jac


def main():
    mus = np.logspace(np.log10(0.1), np.log10(20.0), N_ROWS)
    ts, ys, agreement = [], [], 0.0
    for i, mu in enumerate(mus):
        t_end = 8.0 + 2.0 * i
        grid = np.linspace(0.0, t_end, N_T)
        f, jac = vdp(float(mu))
        ref = solve_ivp(f, (0.0, t_end), Y0, method="Radau", jac=jac, rtol=RTOL, atol=ATOL, t_eval=grid)
        chk = solve_ivp(f, (0.0, t_end), Y0, method="DOP853", rtol=CHECK_TOL, atol=CHECK_TOL, t_eval=grid)
        assert ref.success and chk.success, (ref.message, chk.message)
        diff = float(np.max(np.abs(ref.y - chk.y)))
        agreement = max(agreement, diff)
        print(f"row {i}: mu = {mu:.6g}, T = {t_end:g}, |Radau - DOP853|_max = {diff:.3e}")
        ts.append([float(t) for t in grid])
        ys.append([[float(a), float(b)] for a, b in ref.y.T])
    print(f"agreement (max over rows) = {agreement:.3e}")
    out = {
        "description": "Van der Pol x'=y, y'=mu(1-x^2)y-x; row i: 21 equally spaced times on [0, 8+2i]; "
                       "made by tests/data/make_vdp_reference.py",
        "mu": [float(m) for m in mus],
        "y0": list(Y0),
        "ts": ts,
        "ys": ys,
        "method": "scipy.integrate.solve_ivp Radau (analytic Jacobian)",
        "rtol": RTOL,
        "atol": ATOL,
        "check_method": "scipy.integrate.solve_ivp DOP853",
        "check_rtol": CHECK_TOL,
        "check_atol": CHECK_TOL,
        "agreement": agreement,
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vdp_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
