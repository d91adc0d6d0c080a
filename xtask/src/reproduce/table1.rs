//! Paper 000 Table 1 (+ Figures 2 and 8): the architecture comparison.

use std::path::Path;

use neurode_models::Preset;
use neurode_run::plot::{Line, Panel, colors};
use neurode_run::{DynamicsArch, FlatSettings, RunConfig};
use neurode_train::TrainError;

use super::Opts;
use super::report::{delta, item_dir, mean_sd, pm, preamble, table, write_item};
use super::runs::{Done, run_seeded};
use super::spiral::{baseline_recipe, col, full_recipe, last, save_both};

/// One Table 1 row: name, config, the paper's (params, test loss, time, drift).
type Row1 = (
    &'static str,
    RunConfig,
    (usize, f64, Option<f64>, Option<f64>),
);

/// Table 1, Figure 2 and Figure 8.
pub fn table1(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "table1");
    let rows = rows(opts);
    let configs: Vec<RunConfig> = rows.iter().map(|(_, c, _)| c.clone()).collect();
    let done = run_seeded(&configs, opts)?;
    let mut md = Vec::new();
    let mut data = Vec::new();
    let mut summary = Vec::new();
    for ((name, _, paper), runs) in rows.iter().zip(&done) {
        let params = runs[0].summary.params;
        if paper.0 > 0 && params != paper.0 {
            return Err(TrainError::file(
                &dir,
                format!("{name}: {params} parameters, the paper says {}", paper.0),
            ));
        }
        let loss = col(runs, |d| last(d).test_loss);
        md.push(cells(name, *paper, params, &loss, runs));
        for d in runs {
            data.push(vec![
                name.to_string(),
                d.config.seed.to_string(),
                params.to_string(),
                d.summary.param_bytes.to_string(),
                last(d).test_loss.to_string(),
                d.summary.train_seconds.to_string(),
                last(d).drift_ratio.unwrap_or(f64::NAN).to_string(),
                d.summary.steps.to_string(),
            ]);
        }
        summary.push((name.to_string(), params, mean_sd(&loss).0));
    }
    figures(&dir, &summary)?;
    write_item(
        &dir,
        &[
            "model",
            "seed",
            "params",
            "param_bytes",
            "test_loss",
            "train_seconds",
            "drift_ratio",
            "iterations",
        ],
        &data,
        &report(opts, &md, &summary),
    )
}

/// The rows: each architecture with the paper's numbers.
fn rows(opts: &Opts) -> Vec<Row1> {
    let preset = |p| baseline_recipe(opts, DynamicsArch::Preset(p), 1000);
    let augmented = preset(Preset::Residual64)
        .with(FlatSettings {
            augment: Some(2),
            ..Default::default()
        })
        .expect("valid settings");
    let mut rows: Vec<Row1> = [
        (
            "Baseline (128-4L)",
            Preset::Baseline,
            (33_666, 0.024051, None, None),
        ),
        (
            "Compact-32-L2",
            Preset::Compact32,
            (162, 0.498, Some(279.0), Some(0.59)),
        ),
        (
            "Compact-64-L3",
            Preset::Compact64,
            (4_482, 0.335, Some(512.0), Some(0.75)),
        ),
        (
            "Compact-96-L3",
            Preset::Compact96,
            (9_794, 0.428, Some(615.0), Some(0.78)),
        ),
        (
            "Residual-64",
            Preset::Residual64,
            (4_482, 0.295, Some(510.0), Some(1.25)),
        ),
        (
            "TimeAware-64",
            Preset::TimeAware64,
            (5_538, 0.602, Some(656.0), Some(2.05)),
        ),
    ]
    .into_iter()
    .map(|(name, p, paper)| (name, preset(p), paper))
    .collect();
    rows.push((
        "Residual-64 (Extended)",
        full_recipe(opts),
        (4_482, 0.035, Some(1391.0), Some(0.13)),
    ));
    rows.push((
        "Augmented Residual-64 (+2 dims)",
        augmented,
        (0, f64::NAN, None, None),
    ));
    rows
}

/// One row of the markdown table: `paper / ours` per column.
fn cells(
    name: &str,
    paper: (usize, f64, Option<f64>, Option<f64>),
    params: usize,
    loss: &[f64],
    runs: &[Done],
) -> Vec<String> {
    let time = col(runs, |d| d.summary.train_seconds);
    let drift = col(runs, |d| last(d).drift_ratio.unwrap_or(f64::NAN));
    let has_paper = paper.0 > 0;
    vec![
        name.to_string(),
        if has_paper {
            format!("{} / {}", paper.0, params)
        } else {
            format!("— / {params}")
        },
        if has_paper {
            format!("{} / {}", paper.1, pm(loss, 4))
        } else {
            format!("— / {}", pm(loss, 4))
        },
        delta(mean_sd(loss).0, has_paper.then_some(paper.1), 4),
        format!(
            "{} / {}",
            paper.2.map_or("—".into(), |t| format!("{t:.0}")),
            pm(&time, 1)
        ),
        format!(
            "{} / {}",
            paper.3.map_or("—".into(), |d| format!("{d}")),
            pm(&drift, 2)
        ),
    ]
}

/// Figure 2 (parameters and test loss per architecture, log scale) and Figure 8 (the
/// trade-off with its Pareto front).
fn figures(dir: &Path, summary: &[(String, usize, f64)]) -> Result<(), TrainError> {
    let mut p = Panel::new("Parameters", "architecture", "log10(parameters)");
    let mut l = Panel::new("Test loss (MSE)", "architecture", "log10(test loss)");
    for (k, (name, params, loss)) in summary.iter().enumerate() {
        let x = k as f64;
        let c = if name.starts_with("Baseline") {
            colors::BLUE
        } else if name.starts_with("Residual-64") {
            colors::GREEN
        } else {
            colors::GREY
        };
        p.rects
            .push((x - 0.35, 0.0, x + 0.35, (*params as f64).log10(), c, 0.9));
        l.rects
            .push((x - 0.35, -3.0, x + 0.35, loss.log10(), c, 0.9));
        p.x_ticks.push((x, format!("{}", k + 1)));
        l.x_ticks.push((x, format!("{}", k + 1)));
    }
    l.y_range = Some((-3.0, 0.5));
    save_both(dir, "fig2", &[p, l], 2, (620, 420))?;
    let mut s = Panel::new(
        "Parameter efficiency",
        "log10(parameters)",
        "log10(test loss)",
    );
    let pts: Vec<(f64, f64)> = summary
        .iter()
        .map(|(_, p, l)| ((*p as f64).log10(), l.log10()))
        .collect();
    for (k, &(x, y)) in pts.iter().enumerate() {
        s.points.push((x, y, colors::CYCLE[k % 7], 6));
        s.labels.push((x, y, format!(" {}", k + 1)));
    }
    let mut front: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|&(x, y)| {
            !pts.iter()
                .any(|&(x2, y2)| (x2 <= x && y2 < y) || (x2 < x && y2 <= y))
        })
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    s.lines
        .push(Line::new("Pareto front", front, colors::GREY).dashed());
    save_both(dir, "fig8", &[s], 1, (700, 520))
}

/// The report: the table, the figures and the notes.
fn report(opts: &Opts, md: &[Vec<String>], summary: &[(String, usize, f64)]) -> String {
    let mut text = preamble(
        opts,
        "table1",
        "Table 1: architecture comparison (+ Figs 2, 8)",
        "000 Table 1, Figures 2 and 8",
    );
    text += "Cells are `paper / ours`. Test loss = MSE of the full trajectory predicted from y₀ on [0, 25] after the last iteration; drift ratio = mean late-half error / mean early-half error (see `neurode-train` metrics); training time = seconds in training steps on this machine (2 cores, two runs at a time, one thread each).\n\n";
    text += &table(
        &[
            "architecture",
            "parameters",
            "test loss",
            "Δ test loss (ours − paper)",
            "training time (s)",
            "drift ratio",
        ],
        md,
    );
    text += "\nFigure numbers: ";
    text += &summary
        .iter()
        .enumerate()
        .map(|(k, (n, ..))| format!("{} = {n}", k + 1))
        .collect::<Vec<_>>()
        .join(", ");
    text += ".\n\n![Figure 2](fig2.png)\n\n![Figure 8](fig8.png)\n\n";
    text += "## Notes\n\n- Parameter counts match the paper exactly (checked by the test suite too).\n- The paper's Baseline number (0.024051) is after 3,000 iterations (§5.2) although Table 1's caption says 1,000; our row trains 1,000 like the others, and `convergence` trains it 3,000.\n- The paper contradicts itself: it calls Residual-64 (0.035) better than the baseline (0.024). We report what we measure and draw no such conclusion.\n- The Augmented Neural ODE (§3.4) was left out by the paper; here: Residual-64 dynamics on 2 + 2 dimensions, the extra ones zero at t = 0 and dropped at the output.\n- Training times are not comparable with the paper's (different hardware, framework, and our runs are far faster); compare ratios between rows. Two runs shared the 2 cores at a time, and other work ran on the machine during the committed run, so times are upper bounds.\n- The Extended row uses the full recipe, whose ReduceLROnPlateau cuts the learning rate from 5e-4 to 5e-9 (PyTorch skips changes below eps = 1e-8, so it stops there) well before 3,000 iterations (see Table 2's report): that is why it ends no better than the 1,000-iteration rows.\n- Predicting zeros for every time scores a test MSE of 0.394: rows above it have not learned the spiral's decay yet. The torchdiffeq anchor trained with the same settings reached 0.50 after 1,000 iterations, like ours.\n";
    text
}
