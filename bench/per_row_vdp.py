"""PyTorch anchors for neurode's per-row (independent step size per batch row) solver benchmark:
one shared clock (torchdiffeq) vs one clock per row (torchode) on a stiffness-spread Van der Pol batch.

Workload: 256 rows of x' = y, y' = mu (1 - x^2) y - x, mu = numpy.logspace(log10(0.1), log10(20), 256),
(x, y)(0) = (2, 0) for every row, t in [0, 20] with outputs only at t = 0 and t = 20, float64,
torch.set_num_threads(1), Dormand-Prince 5(4) with rtol = atol = 1e-6, no torch.compile / TorchScript.

* torchdiffeq `odeint(f, y0[256, 2], [0, 20], method="dopri5")`: one step size for the whole batch
  (its error norm is the RMS over all 512 entries), so every row takes every shared step:
  row_steps = accepted steps x 256. Accepted/rejected steps are counted with torchdiffeq's
  `callback_accept_step` / `callback_reject_step` hooks on the vector-field module, NFE with a
  counter in `forward`.
* torchode `AutoDiffAdjoint(Dopri5, IntegralController)`: a step size per row (RMS norm per row);
  `sol.stats` gives n_steps / n_accepted per row (summed = row-steps) and n_f_evals (torchode bumps
  every row's counter on each batched f call, so it is the same for all rows = batched f calls).
* Both final states are checked against scipy solve_ivp(DOP853, rtol = atol = 1e-10) per row.
* Wall time: median of 5 timed runs after 1 warm-up (all runs in this process).

    python bench/per_row_vdp.py --json bench/results/per_row_vdp.json
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import scipy
import torch
import torchdiffeq
import torchode
from scipy.integrate import solve_ivp

N_ROWS, T_END, TOL, MU_MIN, MU_MAX = 256, 20.0, 1e-6, 0.1, 20.0
REF_TOL = 1e-10


class VdP(torch.nn.Module):
    """Batched Van der Pol field with counters (torchdiffeq finds the callback_* hooks by name)."""

    def __init__(self, mu):
        super().__init__()
        self.mu = mu
        self.reset()

    def reset(self):
        self.nfe = self.accepted = self.rejected = 0

    def forward(self, t, z):
        self.nfe += 1
        x, y = z[:, 0], z[:, 1]
        return torch.stack([y, self.mu * (1.0 - x * x) * y - x], dim=1)

    def callback_accept_step(self, t0, y0, dt):
        self.accepted += 1

    def callback_reject_step(self, t0, y0, dt):
        self.rejected += 1


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def scipy_reference(mus):
    out = np.empty((len(mus), 2))
    for i, mu in enumerate(mus):
        f = lambda t, z, mu=float(mu): [z[1], mu * (1.0 - z[0] ** 2) * z[1] - z[0]]
        r = solve_ivp(f, (0.0, T_END), [2.0, 0.0], method="DOP853", rtol=REF_TOL, atol=REF_TOL)
        assert r.success, r.message
        out[i] = r.y[:, -1]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(1)
    mus_np = np.logspace(np.log10(MU_MIN), np.log10(MU_MAX), N_ROWS)
    mu = torch.tensor(mus_np, dtype=torch.float64)
    y0 = torch.tensor([[2.0, 0.0]], dtype=torch.float64).repeat(N_ROWS, 1)
    t_span = torch.tensor([0.0, T_END], dtype=torch.float64)

    t0 = time.perf_counter()
    ref = scipy_reference(mus_np)
    print(f"scipy DOP853 reference: {time.perf_counter() - t0:.1f} s")

    # --- torchdiffeq: one shared clock --------------------------------------------------------
    f_tdq = VdP(mu)
    tdq_out = {}

    def run_tdq():
        f_tdq.reset()
        with torch.no_grad():
            tdq_out["ys"] = torchdiffeq.odeint(f_tdq, y0, t_span, method="dopri5", rtol=TOL, atol=TOL)

    tdq_wall, tdq_times = timed(run_tdq, args.repeats)
    tdq_row_err = np.max(np.abs(tdq_out["ys"][-1].numpy() - ref), axis=1)
    tdq_err = float(tdq_row_err.max())
    tdq = {
        "accepted_steps": f_tdq.accepted,
        "rejected_steps": f_tdq.rejected,
        "nfe": f_tdq.nfe,
        "row_steps": f_tdq.accepted * N_ROWS,
        "wall_s_median": tdq_wall,
        "wall_s_runs": tdq_times,
        "max_abs_err_final_vs_scipy": tdq_err,
        "worst_row_mu": float(mus_np[int(tdq_row_err.argmax())]),
        "notes": "odeint(..., method='dopri5'); shared step size, error norm = RMS over all 256x2 "
                 "entries; steps counted via callback_accept_step/callback_reject_step; NFE includes "
                 "the initial f0 and initial-step-selection evaluations",
    }
    print("torchdiffeq:", {k: v for k, v in tdq.items() if k not in ("wall_s_runs", "notes")})

    # --- torchode: one clock per row ----------------------------------------------------------
    def f_to(t, z):
        x, y = z[:, 0], z[:, 1]
        return torch.stack([y, mu * (1.0 - x * x) * y - x], dim=1)

    term = torchode.ODETerm(f_to)
    step_method = torchode.Dopri5(term=term)
    controller = torchode.IntegralController(atol=TOL, rtol=TOL, term=term)
    solver = torchode.AutoDiffAdjoint(step_method, controller)
    problem = torchode.InitialValueProblem(y0=y0, t_eval=t_span.repeat(N_ROWS, 1))
    to_out = {}

    def run_to():
        with torch.no_grad():
            to_out["sol"] = solver.solve(problem)

    to_wall, to_times = timed(run_to, args.repeats)
    sol = to_out["sol"]
    st = sol.stats
    n_steps, n_acc, n_f = st["n_steps"].cpu(), st["n_accepted"].cpu(), st["n_f_evals"].cpu()
    assert bool((sol.status == 0).all()), sol.status
    to_row_err = np.max(np.abs(sol.ys[:, -1].numpy() - ref), axis=1)
    to_err = float(to_row_err.max())
    to = {
        "row_steps_accepted_sum": int(n_acc.sum()),
        "row_steps_attempted_sum": int(n_steps.sum()),
        "accepted_per_row_max": int(n_acc.max()),
        "accepted_per_row_min": int(n_acc.min()),
        "accepted_per_row_mean": float(n_acc.double().mean()),
        "attempted_per_row_max": int(n_steps.max()),
        "rejected_sum": int((n_steps - n_acc).sum()),
        "n_f_evals_per_row_max": int(n_f.max()),
        "n_f_evals_per_row_min": int(n_f.min()),
        "accepted_first_row_mu_min": int(n_acc[0]),
        "accepted_last_row_mu_max": int(n_acc[-1]),
        "wall_s_median": to_wall,
        "wall_s_runs": to_times,
        "max_abs_err_final_vs_scipy": to_err,
        "worst_row_mu": float(mus_np[int(to_row_err.argmax())]),
        "torch_compile": False,
        "notes": "AutoDiffAdjoint(Dopri5, IntegralController(atol, rtol)), eager (no torch.compile, no "
                 "TorchScript); per-row step size, error norm = RMS per row; n_f_evals is incremented for "
                 "every row on each batched f call (finished rows are still evaluated, masked), so it "
                 "equals the number of batched f calls",
    }
    print("torchode:", {k: v for k, v in to.items() if k not in ("wall_s_runs", "notes")})

    out = {
        "workload": {
            "system": "van der pol: x' = y, y' = mu (1 - x^2) y - x",
            "rows": N_ROWS,
            "mu": f"numpy.logspace(log10({MU_MIN}), log10({MU_MAX}), {N_ROWS})",
            "y0": [2.0, 0.0],
            "t": [0.0, T_END],
            "dtype": "float64",
            "method": "dopri5",
            "rtol": TOL,
            "atol": TOL,
            "torch_threads": torch.get_num_threads(),
            "timing": f"median of {args.repeats} after 1 warm-up",
            "reference": f"scipy solve_ivp DOP853 rtol=atol={REF_TOL}",
        },
        "torchdiffeq": tdq,
        "torchode": to,
        "row_steps_ratio_torchdiffeq_over_torchode": tdq["row_steps"] / to["row_steps_accepted_sum"],
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchdiffeq": torchdiffeq.__version__,
            "torchode": getattr(torchode, "__version__", "unknown"),
            "scipy": scipy.__version__,
            "numpy": np.__version__,
        },
        "machine": {
            "cpu_model": cpu_model(),
            "platform_processor": platform.processor(),
            "platform": platform.platform(),
            "os_cpu_count": os.cpu_count(),
            "loadavg_at_end": list(os.getloadavg()),
        },
    }
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
