//! Paper 000 Table 2 (+ Figure 7): the ablation of the full model.

use std::path::Path;

use neurode_models::Preset;
use neurode_run::plot::{Line, Panel, colors};
use neurode_run::{DynamicsArch, FlatSettings, RunConfig};
use neurode_train::{Schedule, TrainError};

use super::Opts;
use super::report::{delta, item_dir, mean_sd, pm, preamble, table, write_item};
use super::runs::{Done, run_seeded};
use super::spiral::{col, full_recipe, last, save_both};

/// One Table 2 row: name, config, the paper's test loss and drift ratio.
type Row2 = (&'static str, RunConfig, f64, f64);

/// Table 2 and Figure 7: the ablation of the full model.
pub fn table2(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "table2");
    let rows = rows(opts);
    let configs: Vec<RunConfig> = rows.iter().map(|(_, c, ..)| c.clone()).collect();
    let done = run_seeded(&configs, opts)?;
    let (mut md, mut data) = (Vec::new(), Vec::new());
    for ((name, _, paper_loss, paper_drift), runs) in rows.iter().zip(&done) {
        let loss = col(runs, |d| last(d).test_loss);
        let drift = col(runs, |d| last(d).drift_ratio.unwrap_or(f64::NAN));
        md.push(vec![
            name.to_string(),
            format!("{paper_loss} / {}", pm(&loss, 4)),
            delta(mean_sd(&loss).0, Some(*paper_loss), 4),
            format!("{paper_drift} / {}", pm(&drift, 2)),
            delta(mean_sd(&drift).0, Some(*paper_drift), 2),
        ]);
        for d in runs {
            data.push(vec![
                name.to_string(),
                d.config.seed.to_string(),
                last(d).test_loss.to_string(),
                last(d).drift_ratio.unwrap_or(f64::NAN).to_string(),
            ]);
        }
    }
    figure(&dir, &done)?;
    write_item(
        &dir,
        &["configuration", "seed", "test_loss", "drift_ratio"],
        &data,
        &report(opts, &md, &done),
    )
}

/// The rows: the full model, then each component removed.
fn rows(opts: &Opts) -> Vec<Row2> {
    let full = full_recipe(opts);
    let without = |settings: FlatSettings| full.clone().with(settings).expect("valid settings");
    let none = FlatSettings::default;
    vec![
        ("Full model (all components)", full.clone(), 0.035, 0.13),
        (
            "Without residual connection",
            without(FlatSettings {
                model: Some(DynamicsArch::Preset(Preset::Compact64).into()),
                ..none()
            }),
            0.335,
            0.75,
        ),
        (
            "Without time-weighted loss",
            without(FlatSettings {
                time_weighted: Some(None),
                ..none()
            }),
            0.089,
            0.48,
        ),
        (
            "Without longer sequences",
            without(FlatSettings {
                seq_len: Some(20),
                ..none()
            }),
            0.156,
            1.08,
        ),
        (
            "Without weight decay",
            without(FlatSettings {
                weight_decay: Some(0.0),
                ..none()
            }),
            0.071,
            0.23,
        ),
        (
            "Without gradient clipping",
            without(FlatSettings {
                clip: Some(None),
                ..none()
            }),
            0.098,
            0.31,
        ),
        (
            "Without LR scheduling",
            without(FlatSettings {
                schedule: Some(Schedule::None),
                ..none()
            }),
            0.052,
            0.16,
        ),
    ]
}

/// Figure 7: each configuration's mean test loss and drift ratio (`done`: the runs of each row).
fn figure(dir: &Path, done: &[Vec<Done>]) -> Result<(), TrainError> {
    let mut loss_panel = Panel::new("Test loss (MSE)", "configuration", "log10(test loss)");
    let mut drift_panel = Panel::new("Drift ratio", "configuration", "late / early error");
    let rows = done.len();
    for (i, runs) in done.iter().enumerate() {
        let loss = col(runs, |d| last(d).test_loss);
        let drift = col(runs, |d| last(d).drift_ratio.unwrap_or(f64::NAN));
        let x = i as f64;
        let c = if i == 0 { colors::GREEN } else { colors::GREY };
        loss_panel
            .rects
            .push((x - 0.35, -3.0, x + 0.35, mean_sd(&loss).0.log10(), c, 0.9));
        drift_panel
            .rects
            .push((x - 0.35, 0.0, x + 0.35, mean_sd(&drift).0, c, 0.9));
        loss_panel.x_ticks.push((x, format!("{}", i + 1)));
        drift_panel.x_ticks.push((x, format!("{}", i + 1)));
    }
    loss_panel.y_range = Some((-3.0, 0.5));
    drift_panel.lines.push(
        Line::new(
            "equal early/late error",
            vec![(-0.5, 1.0), (rows as f64 - 0.5, 1.0)],
            colors::GREY,
        )
        .dashed(),
    );
    save_both(dir, "fig7", &[loss_panel, drift_panel], 2, (620, 420))
}

/// The report: the table, the figure, the notes with the measured learning rates.
fn report(opts: &Opts, md: &[Vec<String>], done: &[Vec<Done>]) -> String {
    let mut text = preamble(
        opts,
        "table2",
        "Table 2: ablation (+ Fig 7)",
        "000 Table 2, Figure 7",
    );
    text += "The full model is Residual-64 trained 3,000 iterations with the full recipe (see `xtask/src/reproduce/spiral.rs`); each row removes one component. Cells are `paper / ours`.\n\n";
    text += &table(
        &[
            "configuration",
            "test loss",
            "Δ test loss",
            "drift ratio",
            "Δ drift",
        ],
        md,
    );
    text += "\nFigure numbers follow the table's rows.\n\n![Figure 7](fig7.png)\n\n## Notes\n\n- \"Without residual connection\" is Compact-64-L3 (same 4,482 parameters) with the full recipe.\n- The paper's magnitudes come from one run each; ours are means over seeds, and the seed-to-seed spread shows how much of each difference is noise.\n";
    let (full, free) = (&done[0], &done[done.len() - 1]);
    let full_lr: Vec<f64> = full.iter().map(|d| last(d).lr).collect();
    let full_loss = mean_sd(&col(full, |d| last(d).test_loss)).0;
    let free_loss = mean_sd(&col(free, |d| last(d).test_loss)).0;
    text += &format!(
        "- Measured: the full recipe's ReduceLROnPlateau (factor 0.1, patience 5 evaluations = 250 iterations, eps 1e-8; the paper gives no factor, 0.1 and eps are PyTorch's defaults) had cut the learning rate to {:.1e} by the last iteration (mean over seeds), so most of the 3,000 iterations barely move the parameters. Without the schedule the rate stays 5e-4 and the test loss ends at {free_loss:.4} instead of {full_loss:.4}. This, not the architecture, dominates our ablation; the paper's schedule must have reacted far less often (a different factor, patience counted in epochs, or evaluations less frequent).\n",
        mean_sd(&full_lr).0
    );
    text += "- Predicting zeros for every time scores a test MSE of 0.394 (anchor README): rows above it have not learned the spiral's amplitude decay yet.\n";
    text
}
