//! Time for one gradient of paper 000's Residual-64 dynamics: 32 spiral segments of 40 points
//! solved in one batched call, DOPRI5 rtol 1e-5 / atol 1e-7, MSE loss; adjoint and backprop.
//! torchdiffeq's figures for the same workload: `../shared/anchors/w1_dynamics.py`.
#![allow(missing_docs)] // criterion's macros and bench helpers are not public API

mod common;

/// The allocator of neurode's binaries (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use burn::Tensor;
use criterion::{Criterion, criterion_group, criterion_main};
use neurode_adjoint::{AdjointOptions, GradientMethod, odeint};
use neurode_backend::{Backend, Precision};
use neurode_solvers::SolveOptions;

fn bench(c: &mut Criterion) {
    let precision = match std::env::var("NEURODE_BENCH_PRECISION").as_deref() {
        Ok("f64") => Precision::F64,
        _ => Precision::F32,
    };
    let plain = neurode_backend::device(Backend::Flex, precision).unwrap();
    let device = plain.clone().autodiff();
    let (y0, ts, target) = common::spiral_segments(&plain);
    let (y0, target) = (Tensor::from_inner(y0), Tensor::from_inner(target));
    let model = common::Residual64::new(&device);
    let opts = SolveOptions::adaptive(1e-5, 1e-7);
    let adjoint = AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-5, 1e-7));
    let mut group = c.benchmark_group(format!("residual64_seq40_b32_{precision}"));
    group.sample_size(20);
    for (name, method) in [
        ("backprop", GradientMethod::Backprop),
        ("adjoint", GradientMethod::Adjoint(adjoint.clone())),
        (
            "adjoint_seminorm",
            GradientMethod::Adjoint(adjoint.clone().with_seminorm(true)),
        ),
    ] {
        let grad = || {
            let traj = odeint(&model, y0.clone(), &ts, &opts, &method).unwrap();
            let loss = (traj.ys.clone() - target.clone()).powi_scalar(2).mean();
            traj.backward(loss).unwrap()
        };
        let g = grad();
        eprintln!("{name}: forward {:?}, backward {:?}", g.forward, g.backward);
        group.bench_function(name, |b| b.iter(|| black_box(grad())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
