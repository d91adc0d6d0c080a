"""PyTorch anchor for neurode's event benchmark (BENCHMARKS.md, "Events"): torchdiffeq's
odeint_event on 64 dropped balls, forward + gradient of the summed event times.

Workload (as benches/events.rs): 64 balls, heights uniform in [1, 10] m, y = (height, velocity),
y' = (v, -g) with g = 9.81 a learnable parameter, event = the height reaching zero, dopri5 with
rtol = atol = 1e-8, float64, torch.set_num_threads(1). torchdiffeq's odeint_event stops a batch at
its first row's event (its event function returns one value), so its users solve row by row:
64 calls of odeint_event(func, y0[2], t0, event_fn) per batch, each followed by the backward pass
of its event time (the gradient w.r.t. the height and g). Two variants: odeint_interface=odeint
(backprop through the solver) and odeint_interface=odeint_adjoint. Checked against the closed
forms t* = sqrt(2h/g) and dt*/dh = 1/sqrt(2gh).

Wall time: median of 7 timed batches after 1 warm-up.

    python bench/events.py --json bench/results/events.json
"""
import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch
import torchdiffeq
from torchdiffeq import odeint, odeint_adjoint, odeint_event

ROWS, G, TOL = 64, 9.81, 1e-8


class Ball(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.g = torch.nn.Parameter(torch.tensor(G, dtype=torch.float64))
        self.nfe = 0

    def forward(self, t, y):
        self.nfe += 1
        return torch.stack([y[1], -self.g])


def floor(t, y):
    return y[0]


def batch(heights, interface):
    """Forward + gradient of every row's event time, row by row; returns errors and NFE."""
    ball = Ball()
    err_t = err_g = 0.0
    for h in heights:
        y0 = torch.tensor([h, 0.0], dtype=torch.float64, requires_grad=True)
        t0 = torch.tensor(0.0, dtype=torch.float64)
        event_t, _ = odeint_event(
            ball, y0, t0, event_fn=floor, odeint_interface=interface,
            method="dopri5", rtol=TOL, atol=TOL,
        )
        event_t.backward()
        err_t = max(err_t, abs(event_t.item() - np.sqrt(2 * h / G)))
        err_g = max(err_g, abs(y0.grad[0].item() - 1 / np.sqrt(2 * G * h)))
    return err_t, err_g, ball.nfe


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    heights = np.random.default_rng(0).uniform(1.0, 10.0, ROWS)
    out = {
        "torch": torch.__version__,
        "torchdiffeq": torchdiffeq.__version__,
        "machine": platform.processor() or platform.machine(),
        "rows": ROWS,
    }
    for name, interface in [("odeint", odeint), ("odeint_adjoint", odeint_adjoint)]:
        batch(heights, interface)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            err_t, err_g, nfe = batch(heights, interface)
            times.append(time.perf_counter() - start)
        ms = statistics.median(times) * 1e3
        out[name] = {"ms_per_batch": ms, "nfe": nfe, "max_t_error": err_t, "max_dtdh_error": err_g}
        print(f"torchdiffeq odeint_event ({name}), {ROWS} rows one by one: forward + gradient "
              f"{ms:.1f} ms per batch (median of 7), NFE {nfe}, max |t* error| {err_t:.1e}, "
              f"max |dt*/dh error| {err_g:.1e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
