//! Stiff solves (BENCHMARKS.md, "Stiff problems"): Robertson at 1e-4 and 1e-8, Van der Pol
//! μ = 1000 over [0, 3000] (MATLAB's `vdp1000`), HIRES to t = 321.8122, and 1,024 Robertson
//! rows with rate constants perturbed by up to ±20 % in one batch: wall time (median), steps,
//! NFE, Jacobians and LUs, f64 on flex, differenced Jacobians (what a user gets by default).
//! `bench/stiff/anchors.py` runs scipy's Radau and BDF on the same problems.
//!
//! `cargo bench --bench stiff`

use std::time::Instant;

use burn::Tensor;
use burn::tensor::TensorData;
use neurode::backend::{Backend, Device, Precision};
use neurode::solvers::{Adaptive, Method, SolveOptions, SolveStats, Stepping, WithJacobian, solve};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn col(y: &Tensor<2>, j: usize) -> Tensor<2> {
    y.clone().narrow(1, j, 1)
}

/// Robertson with per-row rate constants `k = [rows, 3]` (k₁, k₂, k₃).
fn robertson(k: &Tensor<2>) -> impl Fn(f64, &Tensor<2>) -> Tensor<2> + '_ {
    move |_t, y| {
        let r1 = col(y, 0) * col(k, 0);
        let r2 = col(y, 1) * col(y, 1) * col(k, 1);
        let r3 = col(y, 1) * col(y, 2) * col(k, 2);
        Tensor::cat(vec![r3.clone() - r1.clone(), r1 - r3 - r2.clone(), r2], 1)
    }
}

fn van_der_pol(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let (y1, y2) = (col(y, 0), col(y, 1));
    let y2dot = (y1.clone() * y1.clone()).neg().add_scalar(1.0) * y2.clone();
    Tensor::cat(vec![y2, y2dot.mul_scalar(1000.0) - y1], 1)
}

fn hires(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let c: Vec<Tensor<2>> = (0..8).map(|j| col(y, j)).collect();
    let lin = |terms: &[(f64, usize)]| {
        terms[1..].iter().fold(
            c[terms[0].1].clone().mul_scalar(terms[0].0),
            |acc, (k, j)| acc + c[*j].clone().mul_scalar(*k),
        )
    };
    let r = (c[5].clone() * c[7].clone()).mul_scalar(280.0);
    Tensor::cat(
        vec![
            lin(&[(-1.71, 0), (0.43, 1), (8.32, 2)]).add_scalar(0.0007),
            lin(&[(1.71, 0), (-8.75, 1)]),
            lin(&[(-10.03, 2), (0.43, 3), (0.035, 4)]),
            lin(&[(8.32, 1), (1.71, 2), (-1.12, 3)]),
            lin(&[(-1.745, 4), (0.43, 5), (0.43, 6)]),
            lin(&[(0.69, 3), (1.71, 4), (-0.43, 5), (0.69, 6)]) - r.clone(),
            lin(&[(-1.81, 6)]) + r.clone(),
            lin(&[(1.81, 6)]) - r,
        ],
        1,
    )
}

/// HIRES's exact Jacobian, each row's 8 × 8 row-major.
fn hires_jacobian(_t: f64, y: &Tensor<2>) -> Vec<f64> {
    let v: Vec<f64> = y.to_data().iter::<f64>().collect();
    v.chunks_exact(8)
        .flat_map(|r| {
            let (y6, y8) = (r[5], r[7]);
            let mut j = [0.0; 64];
            let mut set = |i: usize, k: usize, x: f64| j[i * 8 + k] = x;
            set(0, 0, -1.71);
            set(0, 1, 0.43);
            set(0, 2, 8.32);
            set(1, 0, 1.71);
            set(1, 1, -8.75);
            set(2, 2, -10.03);
            set(2, 3, 0.43);
            set(2, 4, 0.035);
            set(3, 1, 8.32);
            set(3, 2, 1.71);
            set(3, 3, -1.12);
            set(4, 4, -1.745);
            set(4, 5, 0.43);
            set(4, 6, 0.43);
            set(5, 3, 0.69);
            set(5, 4, 1.71);
            set(5, 5, -0.43 - 280.0 * y8);
            set(5, 6, 0.69);
            set(5, 7, -280.0 * y6);
            set(6, 5, 280.0 * y8);
            set(6, 6, -1.81);
            set(6, 7, 280.0 * y6);
            set(7, 5, -280.0 * y8);
            set(7, 6, 1.81);
            set(7, 7, -280.0 * y6);
            j
        })
        .collect()
}

/// Robertson's exact Jacobian (rate constants 0.04, 3e7, 1e4), each row's 3 × 3.
fn robertson_jacobian(_t: f64, y: &Tensor<2>) -> Vec<f64> {
    let v: Vec<f64> = y.to_data().iter::<f64>().collect();
    v.chunks_exact(3)
        .flat_map(|r| {
            let (y2, y3) = (r[1], r[2]);
            [
                -0.04,
                1e4 * y3,
                1e4 * y2,
                0.04,
                -1e4 * y3 - 6e7 * y2,
                -1e4 * y2,
                0.0,
                6e7 * y2,
                0.0,
            ]
        })
        .collect()
}

fn rows(values: Vec<f64>, n: usize, device: &Device) -> Tensor<2> {
    let r = values.len() / n;
    Tensor::from_data(TensorData::new(values, [r, n]), device)
}

fn opts(method: Method, tol: f64) -> SolveOptions {
    SolveOptions::new()
        .with_method(method)
        .with_stepping(Stepping::Adaptive(Adaptive::new(tol, tol)))
        .with_max_steps(10_000_000)
}

/// Median seconds of `reps` solves and the solve's statistics.
fn time(reps: usize, mut run: impl FnMut() -> SolveStats) -> (f64, SolveStats) {
    let stats = run();
    let mut ts: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    (ts[reps / 2], stats)
}

fn report(name: &str, (secs, s): (f64, SolveStats)) {
    println!(
        "{name:<34} {:>10.3} ms  steps {:>6} (+{:>3} rejected)  NFE {:>8}  Jacobians {:>6}  LUs {:>6}",
        secs * 1e3,
        s.accepted_steps,
        s.rejected_steps,
        s.nfe,
        s.jacobians,
        s.lu_factorizations
    );
}

fn main() {
    let device = neurode::backend::device(Backend::Flex, Precision::F64).expect("flex f64");
    let k1 = rows(vec![0.04, 3e7, 1e4], 3, &device);
    let y1 = rows(vec![1.0, 0.0, 0.0], 3, &device);
    let span = [0.0, 100.0];
    for (method, tol) in [
        (Method::Rosenbrock23, 1e-4),
        (Method::Rodas5p, 1e-4),
        (Method::Rodas5p, 1e-8),
    ] {
        let run = || {
            solve(&robertson(&k1), y1.clone(), &span, &opts(method, tol))
                .unwrap()
                .stats
        };
        report(&format!("robertson {method} {tol:e}"), time(21, run));
    }
    let vdp0 = rows(vec![2.0, 0.0], 2, &device);
    for method in [Method::Rodas5p, Method::Auto] {
        let run = || {
            let o = opts(method, 1e-6);
            solve(&van_der_pol, vdp0.clone(), &[0.0, 3000.0], &o)
                .unwrap()
                .stats
        };
        report(&format!("van der pol mu=1000 {method} 1e-6"), time(7, run));
    }
    let h0 = rows(vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057], 8, &device);
    let run = || {
        solve(
            &hires,
            h0.clone(),
            &[0.0, 321.8122],
            &opts(Method::Rodas5p, 1e-8),
        )
        .unwrap()
        .stats
    };
    report("hires rodas5p 1e-8", time(11, run));
    // The same with exact Jacobians (`WithJacobian`, autonomous): no differencing evaluations.
    let exact = WithJacobian::new(hires, hires_jacobian).autonomous();
    let o = opts(Method::Rodas5p, 1e-8);
    let run = || {
        solve(&exact, h0.clone(), &[0.0, 321.8122], &o)
            .unwrap()
            .stats
    };
    report("hires rodas5p 1e-8 exact J", time(11, run));
    let exact = WithJacobian::new(robertson(&k1), robertson_jacobian).autonomous();
    let run = || solve(&exact, y1.clone(), &span, &o).unwrap().stats;
    report("robertson rodas5p 1e-8 exact J", time(21, run));
    // 1,024 rows, each its own rate constants (±20 %), one batch on one clock.
    let mut rng = StdRng::seed_from_u64(7);
    let batch = 1024;
    let k: Vec<f64> = (0..batch)
        .flat_map(|_| [0.04, 3e7, 1e4].map(|k| k * rng.random_range(0.8..1.2)))
        .collect();
    let kb = rows(k, 3, &device);
    let yb = rows([1.0, 0.0, 0.0].repeat(batch), 3, &device);
    for tol in [1e-4, 1e-8] {
        let run = || {
            solve(
                &robertson(&kb),
                yb.clone(),
                &span,
                &opts(Method::Rodas5p, tol),
            )
            .unwrap()
            .stats
        };
        report(&format!("robertson x1024 rodas5p {tol:e}"), time(5, run));
    }
}
