//! Training throughput of the papers' workloads, side by side with `../shared/anchors`
//! (`w1_dynamics.py iter`, `w2_spiral_classification.py`), one thread each:
//!
//! * seconds per training iteration (forward + backward + Adam) of paper 000's Residual-64
//!   and Baseline, batch 32 × 40, DOPRI5 1e-5/1e-7, backprop and adjoint;
//! * seconds per epoch of paper 003's Euler/RK4 Neural ODE and ResNet-MLP (800 points,
//!   batch 128).
//!
//! Each figure is the mean over every step of a run, from the run's own per-step clock
//! (evaluation excluded; the first step's warm-up included). `cargo bench -p neurode-train` (or `cargo xtask bench`);
//! `NEURODE_BENCH_QUICK=1` for a smoke run.
#![allow(missing_docs)]

use neurode_train::{GradientKind, ModelKind, RunConfig, RunDir, Schedule, TrainOptions, train};

fn run(config: RunConfig, name: &str) -> (f64, u64, u64, u64) {
    let dir = std::env::temp_dir().join(format!("neurode-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = TrainOptions {
        quiet: true,
        resume: false,
        figures: false,
    };
    let steps = match config.task {
        neurode_train::Task::Dynamics => config.iters,
        neurode_train::Task::Classify => config.epochs,
    };
    let s = train(&config, &RunDir::new(&dir), &opts).expect("benchmark run");
    let _ = std::fs::remove_dir_all(&dir);
    (
        s.seconds_per_step,
        s.total_nfe_forward / steps,
        s.total_nfe_backward / steps,
        steps,
    )
}

fn main() {
    let quick = std::env::var_os("NEURODE_BENCH_QUICK").is_some();
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
    println!(
        "{:<34} {:>12} {:>10} {:>10}",
        "workload", "s/step", "NFE fwd", "NFE bwd"
    );
    for model in [ModelKind::Residual64, ModelKind::Baseline] {
        for gradient in [GradientKind::Backprop, GradientKind::Adjoint] {
            let name = format!("w1 {model:?} {gradient:?}").to_lowercase();
            if !wanted(&name) {
                continue;
            }
            let iters = match (quick, gradient) {
                (true, _) => 3,
                (false, GradientKind::Backprop) => 50,
                (false, GradientKind::Adjoint) => 20,
            };
            // One evaluation at the end only; the plain per-step mean excludes it.
            let config = RunConfig {
                model,
                gradient,
                iters,
                eval_every: iters,
                schedule: Schedule::None,
                ..RunConfig::dynamics()
            };
            let (s, f, b, n) = run(config, &name.replace(' ', "-"));
            println!(
                "{name:<34} {:>9.2} ms {f:>10} {b:>10}   ({n} iterations)",
                1e3 * s
            );
        }
    }
    for (model, solver) in [
        (ModelKind::Ode, neurode_solvers::Method::Euler),
        (ModelKind::Ode, neurode_solvers::Method::Rk4),
        (ModelKind::Resnet, neurode_solvers::Method::Euler),
    ] {
        let name = match model {
            ModelKind::Resnet => "w2 resnet".to_string(),
            _ => format!("w2 ode-{solver}"),
        };
        if !wanted(&name) {
            continue;
        }
        let epochs = if quick { 2 } else { 20 };
        let config = RunConfig {
            model,
            solver,
            epochs,
            eval_every: epochs,
            schedule: Schedule::Cosine {
                total: epochs,
                min_lr: 0.0,
            },
            ..RunConfig::classify()
        };
        let (s, f, b, n) = run(config, &name.replace(' ', "-"));
        println!(
            "{name:<34} {:>9.2} ms {f:>10} {b:>10}   ({n} epochs)",
            1e3 * s
        );
    }
}
