//! Figures of a sequence run: the loss, and held-out predictions against the truth.

use neurode_datasets::DrivenSequences;

use crate::RunDir;
use crate::figures::loss_figure;
use crate::plot::{Line, Panel, colors, save_figure};
use neurode_train::{MetricsRow, SequenceNet, TrainError};

/// Held-out sequences drawn in `prediction.png`.
const SHOWN: usize = 4;

/// `loss.png` (training and held-out MSE) and `prediction.png`: the first held-out sequences'
/// input, target and prediction over time.
pub fn sequence_figures(
    dir: &RunDir,
    rows: &[MetricsRow],
    model: &SequenceNet,
    test: &DrivenSequences,
) -> Result<(), TrainError> {
    loss_figure(dir, rows, "iteration", "held-out MSE")?;
    let pred = model.predict(test)?;
    let (n, out) = (test.count, test.output_dim);
    let mut panels = Vec::new();
    for i in 0..test.count.min(SHOWN) {
        let mut p = Panel::new(&format!("held-out sequence {}", i + 1), "t", "x");
        let series = |v: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
            test.ts
                .iter()
                .enumerate()
                .map(|(k, &t)| (t, v(k)))
                .collect()
        };
        // The input staircase, scaled to the target's range.
        let end = *test.ts.last().unwrap_or(&0.0);
        let mut stairs = Vec::new();
        for (k, &t0) in test.input_times.iter().enumerate() {
            let t1 = test.input_times.get(k + 1).copied().unwrap_or(end);
            let u = test.inputs[k][i * test.input_dim] * 0.25;
            stairs.extend([(t0, u), (t1, u)]);
        }
        p.lines
            .push(Line::new("input u / 4", stairs, colors::GREY).dashed());
        p.lines.push(Line::new(
            "truth",
            series(&|k| test.targets[k][i * out]),
            colors::BLUE,
        ));
        p.lines.push(Line::new(
            "prediction",
            series(&|k| pred[(k * n + i) * out]),
            colors::RED,
        ));
        panels.push(p);
    }
    save_figure(&dir.figure("prediction.png"), &panels, 2, (620, 360))
}
