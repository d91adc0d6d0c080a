//! Solver throughput on paper 000's cubic spiral `y' = (y∘y∘y) A` over [0, 25] (f64, flex):
//! DOPRI5 rtol 1e-5 / atol 1e-7 with 1,000 dense outputs at batch 1 and 1,024, RK4 with
//! 1,000 fixed steps, and the same algorithms hand-written over `f64` slices (the floor).
//! Compare with `../shared/anchors/w3_solver_throughput.py` (torchdiffeq) on the same machine.
#![allow(missing_docs)] // criterion's macros and bench helpers are not public API

mod floor;

/// The allocator of neurode's binaries (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use burn::Tensor;
use burn::tensor::TensorData;
use criterion::{Criterion, criterion_group, criterion_main};
use neurode_backend::{Backend, Device, Precision};
use neurode_solvers::{Method, SolveOptions, Stepping, solve};
use rand::{Rng, SeedableRng, rngs::StdRng};

fn grid(n: usize) -> Vec<f64> {
    (0..n).map(|i| 25.0 * i as f64 / (n - 1) as f64).collect()
}

fn random_y0(batch: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(0);
    (0..2 * batch)
        .map(|_| rng.random_range(-2.0..2.0))
        .collect()
}

fn t2(v: &[f64], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len() / 2, 2]), device)
}

fn bench(c: &mut Criterion) {
    let device = neurode_backend::device(Backend::Flex, Precision::F64).expect("flex device");
    let a = t2(&[-0.1, 2.0, -2.0, -0.1], &device);
    let f = |_t: f64, y: &Tensor<2>| (y.clone() * y.clone() * y.clone()).matmul(a.clone());
    let adaptive = SolveOptions::adaptive(1e-5, 1e-7);
    let ts = grid(1000);
    let mut group = c.benchmark_group("spiral");
    group.sample_size(20);

    for (name, y0) in [("b1", vec![2.0, 0.0]), ("b1024", random_y0(1024))] {
        let sol = solve(&f, t2(&y0, &device), &ts, &adaptive).unwrap();
        let (_, nfe, acc, rej) = floor::dopri5(&y0, &ts, 1e-5, 1e-7);
        eprintln!(
            "dopri5 {name}: neurode {:?}; plain-Rust floor nfe {nfe}, accepted {acc}, rejected {rej}",
            sol.stats
        );
        group.bench_function(format!("dopri5_{name}_neurode"), |b| {
            b.iter(|| black_box(solve(&f, t2(&y0, &device), &ts, &adaptive).unwrap()))
        });
        group.bench_function(format!("dopri5_{name}_plain_rust"), |b| {
            b.iter(|| black_box(floor::dopri5(&y0, &ts, 1e-5, 1e-7)))
        });
    }

    let rk4 = SolveOptions::new()
        .with_method(Method::Rk4)
        .with_stepping(Stepping::Steps(1000));
    let ts_rk4 = grid(1001);
    let y0 = [2.0, 0.0];
    group.bench_function("rk4_1000_steps_b1_neurode", |b| {
        b.iter(|| black_box(solve(&f, t2(&y0, &device), &ts_rk4, &rk4).unwrap()))
    });
    group.bench_function("rk4_1000_steps_b1_plain_rust", |b| {
        b.iter(|| black_box(floor::rk4(&y0, 25.0, 1000)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
