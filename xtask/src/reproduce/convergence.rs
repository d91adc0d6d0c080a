//! Paper 000 Figure 6: convergence of the baseline and the optimized model.

use neurode_run::plot::{Line, Panel, colors};
use neurode_train::TrainError;

use super::Opts;
use super::extrapolation::baseline_and_full;
use super::report::{item_dir, mean_sd, pm, preamble, table, write_data, write_report};
use super::runs::eval_rows;
use super::spiral::{col, last, save_both};

/// Figure 6: test loss per iteration, first iteration at 0.05, parameter memory.
pub fn convergence(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "convergence");
    let (baseline, full) = baseline_and_full(opts)?;
    let mut panel = Panel::new("Convergence", "iteration", "log10(test MSE)");
    let mut md = Vec::new();
    let mut data = Vec::new();
    for (name, runs, color, paper_iter, paper_kb) in [
        ("Baseline (128-4L)", &baseline, colors::BLUE, 2100.0, 134.7),
        ("Residual-64 (optimized)", &full, colors::RED, 1500.0, 17.9),
    ] {
        let steps: Vec<u64> = runs[0].rows.iter().map(|r| r.step).collect();
        let curve: Vec<(f64, f64)> = steps
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let v: Vec<f64> = runs
                    .iter()
                    .filter_map(|d| d.rows.get(k).map(|r| r.test_loss))
                    .collect();
                (s as f64, mean_sd(&v).0.log10())
            })
            .collect();
        panel.lines.push(Line::new(name, curve, color));
        let final_loss = mean_sd(&col(runs, |d| last(d).test_loss)).0;
        panel.lines.push(
            Line::new(
                "",
                vec![
                    (0.0, final_loss.log10()),
                    (*steps.last().unwrap_or(&0) as f64, final_loss.log10()),
                ],
                color,
            )
            .dashed(),
        );
        let firsts: Vec<Option<u64>> = runs.iter().map(|d| d.summary.threshold_step).collect();
        let reached: Vec<f64> = firsts.iter().flatten().map(|&s| s as f64).collect();
        let kb = runs[0].summary.param_bytes as f64 / 1000.0;
        md.push(vec![
            name.to_string(),
            format!(
                "{paper_iter} / {}",
                if reached.is_empty() {
                    "not reached".into()
                } else {
                    format!(
                        "{} ({} of {} seeds)",
                        pm(&reached, 0),
                        reached.len(),
                        runs.len()
                    )
                }
            ),
            format!("{paper_kb} / {kb:.1}"),
            pm(&col(runs, |d| last(d).test_loss), 4),
        ]);
        data.extend(eval_rows(&[name], runs, |_| Vec::new()));
    }
    panel.lines.push(
        Line::new(
            "0.05",
            vec![
                (0.0, 0.05f64.log10()),
                (full[0].summary.steps as f64, 0.05f64.log10()),
            ],
            colors::GREY,
        )
        .dashed(),
    );
    save_both(&dir, "fig6", &[panel], 1, (900, 480))?;
    write_data(&dir, &["model", "seed", "iteration", "test_loss"], &data)?;
    let mut text = preamble(
        opts,
        "convergence",
        "Convergence: test loss per iteration (Fig 6)",
        "000 §5.5, Figure 6",
    );
    text += "Test MSE every 50 iterations (mean over seeds in the figure), the first evaluation at or below 0.05, and parameter memory (f32 bytes, 10³ per KB). Cells are `paper / ours`.\n\n";
    text += &table(
        &[
            "model",
            "first iteration with test loss ≤ 0.05",
            "parameter memory (KB)",
            "final test loss (ours)",
        ],
        &md,
    );
    text += "\n![Figure 6](fig6.png)\n\n## Notes\n\n- Evaluations are every 50 iterations, so the first-crossing iteration is resolved to 50.\n- Parameter memory matches exactly (4,482 × 4 B = 17.9 KB; 33,666 × 4 B = 134.7 KB).\n";
    write_report(&dir, &text)
}
