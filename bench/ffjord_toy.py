"""PyTorch/torchdiffeq anchor for neurode's 2-D continuous normalizing flow benchmark.

Mirrors `examples/cnf_two_moons.rs` (with `crates/neurode-models/src/{concat_squash,cnf}.rs`
and `crates/neurode-datasets/src/toy2d.rs`), i.e. FFJORD's `train_toy.py` with
`--layer_type concatsquash --dims 64-64-64 --nonlinearity tanh --divergence_fn brute_force
--time_length 0.5 --solver dopri5 --atol 1e-5 --rtol 1e-5`, batch 512:

* field: ConcatSquashLinear 2 -> 64 -> 64 -> 64 -> 2, tanh between layers,
  `layer(z) * sigmoid(hyper_gate(t)) + hyper_bias(t)` (hyper_bias bias-free); PyTorch default
  init, except (as neurode) the last layer's `layer` and `hyper_bias` start at zero (flow = id);
* state [z, dlogp] (+ RNODE's [int |f|^2, int |df/dz|_F^2]), dz/dt = f, d(dlogp)/dt =
  -tr(df/dz) exact (d autograd calls), data at t=0 -> base N(0, I) at t=T=0.5,
  log p(x) = log N(z(T)) - dlogp(T);
* torchdiffeq dopri5, rtol = atol = 1e-5, backprop through the solver (`--adjoint`:
  odeint_adjoint); Adam lr 1e-3 (weight decay 1e-5, eps 1e-8: FFJORD's train_toy.py and neurode's density task), fresh batch of 512
  per iteration; held-out NLL on 2000 fixed points every 100 iterations.

    python bench/ffjord_toy.py --data moons --iters 1000 --json bench/results/moons.json
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torchdiffeq

T_END, BATCH, N_TEST, LR, TOL, D = 0.5, 512, 2000, 1e-3, 1e-5, 2


def toy(name, n, rng):
    """FFJORD's lib/toy_data.py (`make_moons` written out: no shuffle, noise from `rng`)."""
    if name == "moons":
        n_out, n_in = n // 2, n - n // 2
        a, b = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
        x = np.stack([np.append(np.cos(a), 1 - np.cos(b)),
                      np.append(np.sin(a), 1 - np.sin(b) - 0.5)], 1)
        x = (x + rng.normal(scale=0.1, size=x.shape)).astype("float32")
        return x * 2 + np.array([-1, -0.2])
    if name == "8gaussians":
        s = 1.0 / np.sqrt(2)
        centers = 4.0 * np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)])
        pts = []
        for _ in range(n):
            p = rng.randn(2) * 0.5
            pts.append(p + centers[rng.randint(8)])
        return np.array(pts, dtype="float32") / 1.414
    raise ValueError(name)


class ConcatSquashLinear(nn.Module):
    def __init__(self, d_in, d_out, zero=False):
        super().__init__()
        self.layer = nn.Linear(d_in, d_out)
        self.hyper_gate = nn.Linear(1, d_out)
        self.hyper_bias = nn.Linear(1, d_out, bias=False)
        if zero:
            for p in (self.layer.weight, self.layer.bias, self.hyper_bias.weight):
                nn.init.zeros_(p)

    def forward(self, t, x):
        t = t.reshape(1, 1).to(x)
        return self.layer(x) * torch.sigmoid(self.hyper_gate(t)) + self.hyper_bias(t)


class ConcatSquashMlp(nn.Module):
    def __init__(self, widths=(D, 64, 64, 64, D)):
        super().__init__()
        n = len(widths) - 1
        self.layers = nn.ModuleList(
            ConcatSquashLinear(widths[i], widths[i + 1], zero=i == n - 1) for i in range(n))

    def forward(self, t, z):
        for i, layer in enumerate(self.layers):
            z = layer(t, z)
            if i < len(self.layers) - 1:
                z = torch.tanh(z)
        return z


class CnfField(nn.Module):
    """Augmented dynamics over [z, dlogp] (+ [|f|^2, |df/dz|_F^2] with RNODE), counting calls."""

    def __init__(self, net, rnode):
        super().__init__()
        self.net, self.rnode, self.nfe = net, rnode, 0

    def forward(self, t, y):
        self.nfe += 1
        graph = torch.is_grad_enabled()  # training (or adjoint backward): differentiable trace
        with torch.enable_grad():
            z = y[:, :D]
            if not z.requires_grad:
                z = z.detach().requires_grad_(True)
            f = self.net(t, z)
            # Brute force (FFJORD `--divergence_fn brute_force`): row i of the Jacobian per call.
            jac = torch.stack([torch.autograd.grad(f[:, i].sum(), z, create_graph=True)[0]
                               for i in range(D)], 1)
            parts = [f, -jac.diagonal(dim1=1, dim2=2).sum(1, keepdim=True)]
            if self.rnode:
                # neurode's cnf.rs: sum over the k = d unit tangents of |J e_k|^2, divided by k.
                parts += [f.pow(2).sum(1, keepdim=True), jac.pow(2).sum((1, 2))[:, None]]
            out = torch.cat(parts, 1)
        return out if graph else out.detach()


def log_density(cnf, x, adjoint):
    """log p(x) and the final augmented state, solving data (t=0) -> base (t=T)."""
    y0 = torch.cat([x, x.new_zeros(x.shape[0], 3 if cnf.rnode else 1)], 1)
    ts = torch.tensor([0.0, T_END], dtype=torch.float64)
    solve = torchdiffeq.odeint_adjoint if adjoint else torchdiffeq.odeint
    end = solve(cnf, y0, ts, rtol=TOL, atol=TOL, method="dopri5")[-1]
    z = end[:, :D]
    log_pz = -0.5 * z.pow(2).sum(1) - 0.5 * D * math.log(2 * math.pi)
    return log_pz - end[:, D], end


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", choices=["moons", "8gaussians"], default="moons")
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--adjoint", action="store_true")
    ap.add_argument("--rnode", type=float, default=0.0, metavar="LAMBDA")
    ap.add_argument("--eval_every", type=int, default=100)
    ap.add_argument("--json", metavar="OUT")
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--weight_decay", type=float, default=1e-5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    train_rng, test_rng = np.random.RandomState(a.seed), np.random.RandomState(2**32 - 1)
    test = torch.from_numpy(toy(a.data, N_TEST, test_rng)).float()
    cnf = CnfField(ConcatSquashMlp(), a.rnode > 0)
    # FFJORD's train_toy.py: Adam(lr=1e-3, weight_decay=1e-5), PyTorch's eps (as
    # `neurode train --task density`); --eps 1e-5 --weight_decay 0 is the cnf_two_moons example.
    opt = torch.optim.Adam(cnf.parameters(), lr=LR, eps=a.eps, weight_decay=a.weight_decay)
    rows, times, nfe_f, nfe_b, last = [], [], [], [], [0]

    def evaluate(it):
        cnf.nfe = 0
        with torch.no_grad():
            nll = -log_density(cnf, test, False)[0].mean().item()
        w = slice(last[0], None)  # the iterations since the previous evaluation
        last[0] = len(times)
        row = {"iteration": it, "heldout_nll": nll, "eval_nfe": cnf.nfe,
               "nfe_forward": float(np.mean(nfe_f[w])) if it else None,
               "nfe_backward": float(np.mean(nfe_b[w])) if it else None,
               "nfe_forward_last": nfe_f[-1] if it else None,
               "train_nll_last": train_nll if it else None,
               "seconds": float(sum(times))}
        rows.append(row)
        print(json.dumps(row), flush=True)
        if a.json:
            summary = {"task": "ffjord_toy", "data": a.data, "iters_done": it, "iters": a.iters,
                       "seed": a.seed, "adjoint": a.adjoint, "rnode": a.rnode, "batch": BATCH,
                       "t_end": T_END, "rtol": TOL, "atol": TOL, "lr": LR,
                       "seconds_per_iter": float(np.mean(times)) if times else None,
                       "nfe_forward_mean": float(np.mean(nfe_f)) if nfe_f else None,
                       "nfe_backward_mean": float(np.mean(nfe_b)) if nfe_b else None,
                       "final_heldout_nll": nll, "torch": torch.__version__,
                       "torchdiffeq": torchdiffeq.__version__, "threads": torch.get_num_threads()}
            os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
            with open(a.json + ".tmp", "w") as fh:
                json.dump({"summary": summary, "evaluations": rows}, fh, indent=1)
            os.replace(a.json + ".tmp", a.json)

    train_nll = None
    evaluate(0)
    for it in range(1, a.iters + 1):
        start = time.perf_counter()
        x = torch.from_numpy(toy(a.data, BATCH, train_rng)).float()
        cnf.nfe = 0
        log_px, end = log_density(cnf, x, a.adjoint)
        loss = -log_px.mean()
        train_nll = loss.item()
        if cnf.rnode:
            loss = loss + a.rnode * (end[:, D + 1].mean() + end[:, D + 2].mean())
        nfe_f.append(cnf.nfe)
        opt.zero_grad()
        loss.backward()
        nfe_b.append(cnf.nfe - nfe_f[-1])
        opt.step()
        times.append(time.perf_counter() - start)
        if it % a.eval_every == 0 or it == a.iters:
            evaluate(it)


if __name__ == "__main__":
    main()
