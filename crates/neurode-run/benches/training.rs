//! Training throughput of the papers' workloads, side by side with `../shared/anchors`
//! (`w1_dynamics.py iter`, `w2_spiral_classification.py`), one thread each:
//!
//! * seconds per training iteration (forward + backward + Adam) of paper 000's Residual-64
//!   and Baseline, batch 32 × 40, DOPRI5 1e-5/1e-7, backprop and adjoint;
//! * seconds per epoch of paper 003's Euler/RK4 Neural ODE and ResNet-MLP (800 points,
//!   batch 128).
//!
//! Figures come from the runs' own per-step clocks (evaluation excluded). Paper 000 (W1) uses
//! the anchor's window: iterations 4–23 of training (the anchor times 20 iterations after 3
//! warm-up ones; the NFE per iteration grows as the model trains, so the window matters). It
//! is measured as the difference of a 23- and a 3-iteration run from the same seed (training
//! is deterministic), i.e. the mean over the window. Paper 003 (W2): the mean over 20 epochs.
//! Each figure is the median of `NEURODE_BENCH_REPS` (default 5) such measurements, with
//! their range, after one untimed warm-up run: one Residual-64 window is only ~30 ms of work,
//! and single windows vary by ±30% on a shared machine.
//! `cargo bench -p neurode-run --bench training` (or `cargo xtask bench`);
//! `NEURODE_BENCH_QUICK=1` for a smoke run.
#![allow(missing_docs)]

/// The allocator of neurode's binaries (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use neurode_models::Preset;
use neurode_run::{
    ClassifierArch, DynamicsArch, FlatSettings, GradientConfig, RunConfig, RunDir, TrainOptions,
    train,
};
use neurode_train::Schedule;

/// Totals of one run: training seconds, forward and backward NFE, steps.
struct Totals {
    seconds: f64,
    nfe_forward: u64,
    nfe_backward: u64,
    steps: u64,
}

fn run(config: RunConfig, name: &str) -> Totals {
    let dir = std::env::temp_dir().join(format!("neurode-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = TrainOptions {
        quiet: true,
        resume: false,
        figures: false,
        interrupt: None,
    };
    let steps = config.budget();
    let s = train(&config, &RunDir::new(&dir), &opts).expect("benchmark run");
    let _ = std::fs::remove_dir_all(&dir);
    Totals {
        seconds: s.seconds_per_step * steps as f64,
        nfe_forward: s.total_nfe_forward,
        nfe_backward: s.total_nfe_backward,
        steps,
    }
}

/// Per-step figures over the steps a `long` run takes beyond a `short` one.
fn window(short: &Totals, long: &Totals) -> (f64, u64, u64, u64) {
    let n = long.steps - short.steps;
    (
        (long.seconds - short.seconds) / n as f64,
        (long.nfe_forward - short.nfe_forward) / n,
        (long.nfe_backward - short.nfe_backward) / n,
        n,
    )
}

/// Median, minimum and maximum of `xs` (not empty).
fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn main() {
    let quick = std::env::var_os("NEURODE_BENCH_QUICK").is_some();
    let reps: usize = match std::env::var("NEURODE_BENCH_REPS") {
        Ok(v) => v.parse().ok().filter(|&n| n > 0).unwrap_or_else(|| {
            eprintln!("NEURODE_BENCH_REPS must be a whole number ≥ 1, got `{v}`");
            std::process::exit(2)
        }),
        Err(_) if quick => 1,
        Err(_) => 5,
    };
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
    println!(
        "{:<34} {:>12} {:>10} {:>10}",
        "workload", "s/step", "NFE fwd", "NFE bwd"
    );
    for model in [Preset::Residual64, Preset::Baseline].map(DynamicsArch::Preset) {
        for gradient in [
            GradientConfig::Backprop {},
            GradientConfig::Checkpoint { checkpoints: None },
            GradientConfig::Adjoint { seminorm: false },
            GradientConfig::Interpolated { seminorm: false },
        ] {
            let name = format!(
                "w1 {} {}",
                neurode_run::AnyArch::from(model).name(),
                gradient.name()
            );
            if !wanted(&name) {
                continue;
            }
            // The anchor's window: 3 warm-up iterations, then 20 timed.
            let (warmup, iters) = if quick { (1, 3) } else { (3, 23) };
            let config = |iters| {
                RunConfig::paper_dynamics()
                    .with(FlatSettings {
                        model: Some(model.into()),
                        gradient: Some(gradient),
                        iters: Some(iters),
                        // One evaluation at the end only; the per-step clock excludes it.
                        eval_every: Some(iters),
                        schedule: Some(Schedule::None),
                        ..Default::default()
                    })
                    .expect("valid settings")
            };
            let tag = name.replace(' ', "-");
            let mut per_step = Vec::with_capacity(reps);
            let mut nfe = (0, 0, 0);
            // One untimed pair first: the first runs of a process also pay for growing the
            // heap (fresh pages), which a 40 ms window feels.
            if reps > 1 {
                run(config(warmup), &format!("{tag}-warmup"));
            }
            for _ in 0..reps {
                let short = run(config(warmup), &format!("{tag}-warmup"));
                let long = run(config(iters), &tag);
                let (s, f, b, n) = window(&short, &long);
                per_step.push(1e3 * s);
                nfe = (f, b, n);
            }
            let (median, lo, hi) = spread(per_step);
            let (f, b, n) = nfe;
            println!(
                "{name:<34} {median:>9.2} ms {f:>10} {b:>10}   (iterations {}–{iters}: {n}; \
                 {reps} runs {lo:.2}–{hi:.2})",
                warmup + 1
            );
        }
    }
    for (model, solver) in [
        (ClassifierArch::Ode, neurode_solvers::Method::Euler),
        (ClassifierArch::Ode, neurode_solvers::Method::Rk4),
        (ClassifierArch::Resnet, neurode_solvers::Method::Euler),
    ] {
        let name = match model {
            ClassifierArch::Resnet => "w2 resnet".to_string(),
            _ => format!("w2 ode-{solver}"),
        };
        if !wanted(&name) {
            continue;
        }
        let epochs = if quick { 2 } else { 20 };
        let config = RunConfig::paper_classify()
            .with(FlatSettings {
                model: Some(model.into()),
                solver: Some(solver),
                epochs: Some(epochs),
                eval_every: Some(epochs),
                schedule: Some(Schedule::Cosine {
                    total: epochs,
                    min_lr: 0.0,
                }),
                ..Default::default()
            })
            .expect("valid settings");
        let runs: Vec<Totals> = (0..reps)
            .map(|_| run(config.clone(), &name.replace(' ', "-")))
            .collect();
        let n = runs[0].steps;
        let (median, lo, hi) = spread(runs.iter().map(|t| 1e3 * t.seconds / n as f64).collect());
        println!(
            "{name:<34} {median:>9.2} ms {:>10} {:>10}   ({n} epochs; {reps} runs {lo:.2}–{hi:.2})",
            runs[0].nfe_forward / n,
            runs[0].nfe_backward / n,
        );
    }
}
