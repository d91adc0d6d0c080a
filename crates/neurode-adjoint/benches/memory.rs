//! Peak heap memory of one gradient vs the number of solver steps (RK4 with 10, 100, 1,000
//! fixed steps; 64-unit tanh MLP; batch 32; f32 on flex), for backprop and the adjoint. Each
//! configuration runs in its own child process, so peaks never mix; a counting global
//! allocator measures the bytes live at the peak above the baseline before the gradient.
//!
//! `cargo bench -p neurode-adjoint --bench memory`
#![allow(missing_docs)] // criterion's macros and bench helpers are not public API

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use burn::Tensor;
use neurode_adjoint::{AdjointOptions, GradientMethod, odeint};
use neurode_backend::{Backend, Precision};
use neurode_solvers::{Method, SolveOptions};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn measure(method: &str, steps: usize) -> usize {
    let plain = neurode_backend::device(Backend::Flex, Precision::F32).unwrap();
    let device = plain.clone().autodiff();
    let model = common::Mlp64::new(&device);
    let y0 = Tensor::<2>::random(
        [32, 2],
        burn::tensor::Distribution::Uniform(-2.0, 2.0),
        &device,
    );
    let opts = SolveOptions::steps(Method::Rk4, steps);
    let method = match method {
        "backprop" => GradientMethod::Backprop,
        _ => GradientMethod::Adjoint(AdjointOptions::new().with_solve(opts.clone())),
    };
    // Warm up (lazy parameter init, caches), then measure above the live baseline.
    let run = || {
        let traj = odeint(&model, y0.clone(), &[0.0, 1.0], &opts, &method).unwrap();
        let loss = traj.ys.clone().powi_scalar(2).mean();
        traj.backward(loss).unwrap()
    };
    drop(run());
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    drop(run());
    PEAK.load(Relaxed) - base
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let (method, steps) = (&args[i + 1], args[i + 2].parse().unwrap());
        println!("{}", measure(method, steps));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // criterion-style discovery: no named benchmarks here
    }
    println!("peak heap of one gradient (RK4, MLP 2-64-2, batch 32, f32, flex)");
    println!("| steps | backprop | adjoint |");
    println!("|---:|---:|---:|");
    for steps in [10, 100, 1000] {
        let mut row = format!("| {steps} |");
        for method in ["backprop", "adjoint"] {
            let exe = std::env::current_exe().unwrap();
            let out = Command::new(exe)
                .args(["--child", method, &steps.to_string()])
                .output()
                .unwrap();
            let bytes: f64 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .unwrap_or(f64::NAN);
            row += &format!(" {:.1} KiB |", bytes / 1024.0);
        }
        println!("{row}");
    }
}
