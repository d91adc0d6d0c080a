"""diffrax's Kvaerno5 on the problems of `benches/stiff.rs` (BENCHMARKS.md, "Stiff problems"):
JAX on CPU in f64, jit-compiled (the first call excluded), median wall time and steps.
Robertson x1024 is `vmap` over rate constants perturbed by up to +-20 %.
Run: python bench/stiff/diffrax_anchor.py   (jax[cpu], diffrax)
"""
import time
import jax
import jax.numpy as jnp
import numpy as np
import diffrax

jax.config.update("jax_enable_x64", True)


def robertson(t, y, k):
    k1, k2, k3 = k
    return jnp.stack([-k1 * y[0] + k3 * y[1] * y[2], k1 * y[0] - k3 * y[1] * y[2] - k2 * y[1] ** 2, k2 * y[1] ** 2])


def vdp(t, y, args):
    return jnp.stack([y[1], 1000.0 * (1 - y[0] ** 2) * y[1] - y[0]])


def hires(t, y, args):
    y1, y2, y3, y4, y5, y6, y7, y8 = y
    r = 280.0 * y6 * y8
    return jnp.stack([-1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007, 1.71 * y1 - 8.75 * y2,
                      -10.03 * y3 + 0.43 * y4 + 0.035 * y5, 8.32 * y2 + 1.71 * y3 - 1.12 * y4,
                      -1.745 * y5 + 0.43 * y6 + 0.43 * y7, -r + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
                      r - 1.81 * y7, -r + 1.81 * y7])


def solver(f, t1, tol):
    def run(y0, args):
        sol = diffrax.diffeqsolve(diffrax.ODETerm(f), diffrax.Kvaerno5(), 0.0, t1, None, y0, args=args,
                                  stepsize_controller=diffrax.PIDController(rtol=tol, atol=tol),
                                  max_steps=1_000_000)
        return sol.ys[-1], sol.stats["num_accepted_steps"], sol.stats["num_rejected_steps"]
    return jax.jit(run)


def bench(name, run, y0, args, reps):
    out = jax.block_until_ready(run(y0, args))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(run(y0, args))
        times.append(time.perf_counter() - t0)
    steps = np.asarray(out[1]).max()
    rejected = np.asarray(out[2]).max()
    print(f"{name:<30} {np.median(times) * 1e3:>10.3f} ms  steps {steps:>6} (+{rejected} rejected)", flush=True)


k = jnp.array([0.04, 3e7, 1e4])
for tol in [1e-4, 1e-8]:
    bench(f"robertson kvaerno5 {tol:e}", solver(robertson, 100.0, tol), jnp.array([1.0, 0, 0]), k, 11)
bench("van der pol kvaerno5 1e-6", solver(vdp, 3000.0, 1e-6), jnp.array([2.0, 0.0]), None, 5)
bench("hires kvaerno5 1e-8", solver(hires, 321.8122, 1e-8), jnp.array([1.0, 0, 0, 0, 0, 0, 0, 0.0057]), None, 5)
rng = np.random.default_rng(7)
kb = jnp.array(np.array([0.04, 3e7, 1e4]) * rng.uniform(0.8, 1.2, size=(1024, 3)))
yb = jnp.tile(jnp.array([1.0, 0, 0]), (1024, 1))
for tol in [1e-4, 1e-8]:
    run = jax.jit(jax.vmap(solver(robertson, 100.0, tol)))
    bench(f"robertson x1024 kvaerno5 {tol:e}", run, yb, kb, 3)
