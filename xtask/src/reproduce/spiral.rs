//! Shared pieces of paper 000's items (`table1`, `table2`, `extrapolation`, `convergence`):
//! the training recipes and small helpers.
//!
//! Recipes (the paper's words, §5.2–5.4): *baseline* = Adam lr 5e-4, weight decay 1e-5,
//! batch 32, windows of 20 samples, global-norm clip 1.0, constant rate, plain MSE;
//! *full* = the same with windows of 40, time-weighted loss (α = 1) and ReduceLROnPlateau
//! (patience 5, factor 0.1 — the factor is not given; PyTorch's default). Table 1's
//! architectures train 1,000 iterations with the baseline recipe (its Residual-64 drift of
//! 1.25 is the paper's "before longer sequences" value); its Extended row is the full recipe
//! at 3,000. DOPRI5 rtol 1e-5 / atol 1e-7 everywhere, evaluation every 50 iterations.

use neurode_models::Preset;
use neurode_run::plot::{Panel, save_figure};
use neurode_run::{DynamicsArch, FlatSettings, RunConfig};
use neurode_train::{Schedule, TrainError};

use super::Opts;
use super::runs::Done;

pub(super) fn recipe(opts: &Opts, model: DynamicsArch, iters: u64, full: bool) -> RunConfig {
    let base = RunConfig::paper_dynamics()
        .with(FlatSettings {
            model: Some(model.into()),
            iters: Some(opts.budget(iters, iters / 50)),
            eval_every: Some(if opts.quick { 10 } else { 50 }),
            gradient: Some(opts.gradient),
            backend: Some(opts.backend),
            ..Default::default()
        })
        .expect("valid settings");
    if full {
        base
    } else {
        base.with(FlatSettings {
            seq_len: Some(20),
            time_weighted: Some(None),
            schedule: Some(Schedule::None),
            ..Default::default()
        })
        .expect("valid settings")
    }
}

pub(super) fn baseline_recipe(opts: &Opts, model: DynamicsArch, iters: u64) -> RunConfig {
    recipe(opts, model, iters, false)
}

pub(super) fn full_recipe(opts: &Opts) -> RunConfig {
    recipe(opts, DynamicsArch::Preset(Preset::Residual64), 3000, true)
}

pub(super) fn last(d: &Done) -> &neurode_train::MetricsRow {
    d.summary
        .last
        .as_ref()
        .expect("a completed run has evaluations")
}

pub(super) fn col(runs: &[Done], f: impl Fn(&Done) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

pub(super) fn save_both(
    dir: &std::path::Path,
    name: &str,
    panels: &[Panel],
    cols: usize,
    size: (u32, u32),
) -> Result<(), TrainError> {
    for ext in ["png", "svg"] {
        save_figure(&dir.join(format!("{name}.{ext}")), panels, cols, size)?;
    }
    Ok(())
}
