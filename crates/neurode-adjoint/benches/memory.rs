//! Peak heap memory and time of one gradient vs the number of solver steps (RK4 with 10, 100,
//! 1,000, 10,000 fixed steps; 64-unit tanh MLP; batch 32; f32 on flex), for backprop,
//! checkpointed backprop (automatic budget), the backsolve adjoint and the interpolating
//! adjoint. Each configuration runs in its own child process, so peaks never mix; a counting
//! global allocator measures the bytes live at the peak above the baseline before the
//! gradient (the counting allocator slows every method alike).
//!
//! `cargo bench -p neurode-adjoint --bench memory`
#![allow(missing_docs)] // criterion's macros and bench helpers are not public API

mod common;

use std::process::Command;
use std::time::Instant;

use burn::Tensor;
use neurode_adjoint::{AdjointOptions, CheckpointOptions, GradientMethod, odeint};
use neurode_backend::{Backend, Precision};
use neurode_solvers::{Method, SolveOptions};

#[global_allocator]
static ALLOC: neurode_backend::memory::CountingAlloc = neurode_backend::memory::CountingAlloc;

/// The gradient method called `name` on the solver `opts` (the adjoints solve backwards
/// with the same fixed steps).
fn method(name: &str, opts: &SolveOptions) -> GradientMethod {
    let adjoint = AdjointOptions::new().with_solve(opts.clone());
    match name {
        "backprop" => GradientMethod::Backprop,
        "checkpoint" => GradientMethod::Checkpointed(CheckpointOptions::new()),
        "interpolated" => GradientMethod::Interpolated(adjoint),
        _ => GradientMethod::Adjoint(adjoint),
    }
}

/// Peak bytes above the baseline during one gradient, the fastest of three gradients'
/// seconds, and the second gradient's work.
fn measure(name: &str, steps: usize) -> (usize, f64, String) {
    let plain = neurode_backend::device(Backend::Flex, Precision::F32).unwrap();
    let device = plain.clone().autodiff();
    let model = common::Mlp64::new(&device);
    let y0 = Tensor::<2>::random(
        [32, 2],
        burn::tensor::Distribution::Uniform(-2.0, 2.0),
        &device,
    );
    let opts = SolveOptions::steps(Method::Rk4, steps);
    let method = method(name, &opts);
    // Warm up (lazy parameter init, caches), then measure above the live baseline.
    let run = || {
        let traj = odeint(&model, y0.clone(), &[0.0, 1.0], &opts, &method).unwrap();
        let loss = traj.ys.clone().powi_scalar(2).mean();
        traj.backward(loss).unwrap()
    };
    drop(run());
    let base = neurode_backend::memory::reset_peak();
    let start = Instant::now();
    let g = run();
    let mut secs = start.elapsed().as_secs_f64();
    let peak = neurode_backend::memory::peak() - base;
    let work = format!(
        "{} / {} / {} NFE, {} states",
        g.forward.nfe, g.recompute.nfe, g.backward.nfe, g.checkpoints
    );
    drop(g);
    for _ in 0..2 {
        let start = Instant::now();
        drop(run());
        secs = secs.min(start.elapsed().as_secs_f64());
    }
    (peak, secs, work)
}

const METHODS: [&str; 4] = ["backprop", "checkpoint", "adjoint", "interpolated"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let (name, steps) = (&args[i + 1], args[i + 2].parse().unwrap());
        let (peak, secs, work) = measure(name, steps);
        println!("{peak}\t{secs}\t{work}");
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // criterion-style discovery: no named benchmarks here
    }
    println!("one gradient (RK4 fixed steps over [0, 1], MLP 2-64-2, batch 32, f32, flex)");
    println!("peak heap above the baseline; time: the fastest of three; vs backprop in ( )");
    println!("work: forward / recomputed / backward (or taped) NFE, most states held");
    println!("| steps | method | peak heap | time per gradient | work |");
    println!("|---:|---|---:|---:|---|");
    for steps in [10, 100, 1000, 10_000] {
        let mut backprop = (f64::NAN, f64::NAN);
        for name in METHODS {
            let exe = std::env::current_exe().unwrap();
            let out = Command::new(exe)
                .args(["--child", name, &steps.to_string()])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let mut fields = text.trim().split('\t');
            let mut next = || fields.next().unwrap_or("").to_string();
            let bytes: f64 = next().parse().unwrap_or(f64::NAN);
            let secs: f64 = next().parse().unwrap_or(f64::NAN);
            let work = next();
            if name == "backprop" {
                backprop = (bytes, secs);
            }
            println!(
                "| {steps} | {name} | {:.1} KiB ({:.1} %) | {:.2} ms ({:.2}×) | {work} |",
                bytes / 1024.0,
                100.0 * bytes / backprop.0,
                secs * 1e3,
                secs / backprop.1,
            );
        }
    }
}
