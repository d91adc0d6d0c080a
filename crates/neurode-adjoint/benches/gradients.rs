//! Time for one gradient of paper 000's Residual-64 dynamics: 32 spiral segments of 40 points
//! solved in one batched call, DOPRI5 rtol 1e-5 / atol 1e-7, MSE loss; every gradient method.
//! torchdiffeq's figures for the same workload: `../shared/anchors/w1_dynamics.py`.
#![allow(missing_docs)] // criterion's macros and bench helpers are not public API

mod common;

/// The allocator of neurode's binaries (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use burn::Tensor;
use criterion::{Criterion, criterion_group, criterion_main};
use neurode_adjoint::{AdjointOptions, CheckpointOptions, GradientMethod, odeint};
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
    // W1's iteration (40 outputs 0.025 apart: one backward step per interval), and the same
    // start states over a long span with few outputs (the backward steps are chosen by error
    // control, which the interpolating adjoint runs on `a` alone).
    let long_ts: Vec<f64> = (0..=4).map(|i| 2.5 * i as f64).collect();
    let workloads = [
        ("seq40", ts.clone(), Some(target)),
        ("span10_out5", long_ts, None),
    ];
    for (workload, ts, target) in workloads {
        let mut group = c.benchmark_group(format!("residual64_{workload}_b32_{precision}"));
        group.sample_size(20);
        for (name, method) in methods(&adjoint) {
            let grad = || {
                let traj = odeint(&model, y0.clone(), &ts, &opts, &method).unwrap();
                let loss = match &target {
                    Some(target) => (traj.ys.clone() - target.clone()).powi_scalar(2).mean(),
                    None => traj.ys.clone().powi_scalar(2).mean(),
                };
                traj.backward(loss).unwrap()
            };
            let g = grad();
            eprintln!(
                "{workload} {name}: forward {:?}, recomputed {:?}, backward {:?}, states {}",
                g.forward, g.recompute, g.backward, g.checkpoints
            );
            group.bench_function(name, |b| b.iter(|| black_box(grad())));
        }
        group.finish();
    }
}

fn methods(adjoint: &AdjointOptions) -> Vec<(&'static str, GradientMethod)> {
    vec![
        ("backprop", GradientMethod::Backprop),
        ("adjoint", GradientMethod::Adjoint(adjoint.clone())),
        (
            "adjoint_seminorm",
            GradientMethod::Adjoint(adjoint.clone().with_seminorm(true)),
        ),
        (
            "checkpoint",
            GradientMethod::Checkpointed(CheckpointOptions::new()),
        ),
        (
            "interpolated",
            GradientMethod::Interpolated(adjoint.clone()),
        ),
        (
            "interpolated_seminorm",
            GradientMethod::Interpolated(adjoint.clone().with_seminorm(true)),
        ),
    ]
}

criterion_group!(benches, bench);
criterion_main!(benches);
