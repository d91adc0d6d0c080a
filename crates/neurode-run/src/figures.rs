//! The PNG figures of a run folder.

use burn::tensor::Device;
use neurode_datasets::{Labeled, Series};
use neurode_models::{DynamicsNet, NeuralOde};
use plotters::style::RGBColor;

use crate::RunDir;
use crate::plot::{Line, Panel, colors, save_figure};
use neurode_train::{Classifier, MetricsRow, TrainError};

fn log10_points(rows: &[MetricsRow], f: impl Fn(&MetricsRow) -> f64) -> Vec<(f64, f64)> {
    rows.iter()
        .map(|r| (r.step as f64, f(r)))
        .filter(|(_, v)| v.is_finite() && *v > 0.0)
        .map(|(s, v)| (s, v.log10()))
        .collect()
}

/// `loss.png`: training and test loss per evaluation (log scale).
pub(crate) fn loss_figure(
    dir: &RunDir,
    rows: &[MetricsRow],
    unit: &str,
    test_name: &str,
) -> Result<(), TrainError> {
    let mut p = Panel::new("Loss", unit, "log10(loss)");
    p.lines.push(Line::new(
        "train loss",
        log10_points(rows, |r| r.train_loss.unwrap_or(f64::NAN)),
        colors::BLUE,
    ));
    p.lines.push(Line::new(
        test_name,
        log10_points(rows, |r| r.test_loss),
        colors::RED,
    ));
    let mut panels = vec![p];
    if rows.iter().any(|r| r.test_acc.is_some()) {
        let mut a = Panel::new("Accuracy", unit, "accuracy");
        let acc = |f: fn(&MetricsRow) -> Option<f64>| {
            rows.iter()
                .filter_map(|r| f(r).map(|v| (r.step as f64, v)))
                .collect()
        };
        a.lines
            .push(Line::new("train", acc(|r| r.train_acc), colors::BLUE));
        a.lines
            .push(Line::new("test", acc(|r| r.test_acc), colors::RED));
        a.y_range = Some((0.0, 1.02));
        panels.push(a);
    }
    let n = panels.len();
    save_figure(&dir.figure("loss.png"), &panels, n, (640, 420))
}

/// Phase portrait and time series of a prediction against the truth.
pub fn trajectory_panels(
    truth: &Series,
    pred: &[f64],
    train_end: f64,
    title: &str,
) -> (Panel, Panel, Panel) {
    let d = truth.dim;
    let pair = |v: &[f64], i: usize| (v[i * d], v[i * d + 1.min(d - 1)]);
    let mut phase = Panel::new(&format!("Phase portrait, {title}"), "x", "y");
    phase.lines.push(Line::new(
        "truth",
        (0..truth.len()).map(|i| pair(&truth.values, i)).collect(),
        colors::BLUE,
    ));
    phase.lines.push(
        Line::new(
            "prediction",
            (0..truth.len()).map(|i| pair(pred, i)).collect(),
            colors::RED,
        )
        .dashed(),
    );
    let mut series = Panel::new(&format!("Time series, {title}"), "t", "state");
    let end = truth.ts[truth.len() - 1];
    let (lo, hi) = truth
        .values
        .iter()
        .chain(pred)
        .fold((f64::MAX, f64::MIN), |a, &v| (a.0.min(v), a.1.max(v)));
    let (lo, hi) = (lo.max(-10.0), hi.min(10.0));
    if end > train_end {
        series
            .rects
            .push((train_end, lo, end, hi, colors::ORANGE, 0.12));
    }
    for (c, name) in (0..d).zip(["x", "y", "z", "w"]) {
        let col = |v: &[f64]| component(&truth.ts, v, d, c);
        series.lines.push(Line::new(
            &format!("{name} truth"),
            col(&truth.values),
            colors::CYCLE[2 * c % 7],
        ));
        series.lines.push(
            Line::new(
                &format!("{name} prediction"),
                col(pred),
                colors::CYCLE[(2 * c + 1) % 7],
            )
            .dashed(),
        );
    }
    let mut error = Panel::new(&format!("Prediction error, {title}"), "t", "log10 |ŷ − y|");
    let err: Vec<(f64, f64)> = truth
        .ts
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let e: f64 = (0..d)
                .map(|c| (pred[i * d + c] - truth.values[i * d + c]).powi(2))
                .sum();
            (t, e.sqrt().max(1e-12).log10())
        })
        .collect();
    if end > train_end {
        let (lo, hi) = err
            .iter()
            .fold((f64::MAX, f64::MIN), |a, &(_, v)| (a.0.min(v), a.1.max(v)));
        error
            .rects
            .push((train_end, lo, end, hi, colors::ORANGE, 0.12));
    }
    error.lines.push(Line::new("|error|", err, colors::RED));
    (phase, series, error)
}

/// `loss.png`, `phase.png` (train and extrapolation ranges), `series.png`, `error.png`.
pub fn dynamics_figures(
    dir: &RunDir,
    rows: &[MetricsRow],
    model: &NeuralOde<DynamicsNet>,
    train: &Series,
    extended: Option<&Series>,
    device: &Device,
) -> Result<(), TrainError> {
    loss_figure(dir, rows, "iteration", "test MSE (full trajectory)")?;
    let train_end = train.ts[train.len() - 1];
    let pred = neurode_train::predict(model, train, device)?;
    let (p1, s1, e1) = trajectory_panels(train, &pred, train_end, "training range");
    let (mut phase, mut series, mut error) = (vec![p1], vec![s1], vec![e1]);
    if let Some(ext) = extended {
        let pred = neurode_train::predict(model, ext, device)?;
        let (p2, s2, e2) = trajectory_panels(ext, &pred, train_end, "extrapolation range");
        phase.push(p2);
        series.push(s2);
        error.push(e2);
    }
    let n = phase.len();
    save_figure(&dir.figure("phase.png"), &phase, n, (560, 520))?;
    save_figure(&dir.figure("series.png"), &series, 1, (1000, 380))?;
    save_figure(&dir.figure("error.png"), &error, n, (620, 400))
}

/// A decision-boundary panel: class-1 probability on a grid, and the points.
pub fn boundary_panel(
    model: &Classifier,
    points: &Labeled,
    title: &str,
    device: &Device,
) -> Result<Panel, TrainError> {
    let n = 100;
    // The square around the points, with a margin (paper 003's spirals: about [-1.5, 1.5]).
    let extent = points
        .x
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-3)
        * 1.15;
    let (lo, hi) = (-extent, extent);
    let h = (hi - lo) / n as f64;
    let mut grid = Vec::with_capacity(2 * n * n);
    for i in 0..n {
        for j in 0..n {
            grid.push(lo + (j as f64 + 0.5) * h);
            grid.push(lo + (i as f64 + 0.5) * h);
        }
    }
    let logits = neurode_train::predict_logits(model, &grid, 2, device)?;
    let classes = logits.len() / (n * n);
    let mut p = Panel::new(title, "x₁", "x₂");
    p.x_range = Some((lo, hi));
    p.y_range = Some((lo, hi));
    for (k, row) in logits.chunks(classes).enumerate() {
        let m = row.iter().copied().fold(f64::MIN, f64::max);
        let z: f64 = row.iter().map(|v| (v - m).exp()).sum();
        let p1 = (row[1.min(classes - 1)] - m).exp() / z;
        let (x, y) = (grid[2 * k], grid[2 * k + 1]);
        let c = blend(colors::BLUE, colors::RED, p1);
        p.rects
            .push((x - h / 2.0, y - h / 2.0, x + h / 2.0, y + h / 2.0, c, 0.35));
    }
    for (k, &label) in points.labels.iter().enumerate() {
        let c = if label == 0 {
            colors::BLUE
        } else {
            colors::RED
        };
        p.points.push((points.x[2 * k], points.x[2 * k + 1], c, 2));
    }
    Ok(p)
}

fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t.clamp(0.0, 1.0)).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// `loss.png` (loss and accuracy) and, for 2-D inputs, `boundary.png`.
pub fn classify_figures(
    dir: &RunDir,
    rows: &[MetricsRow],
    model: &Classifier,
    train: &Labeled,
    test: &Labeled,
    device: &Device,
) -> Result<(), TrainError> {
    loss_figure(dir, rows, "epoch", "test cross-entropy")?;
    if train.dim == 2 {
        let panels = [
            boundary_panel(model, train, "Decision boundary (training points)", device)?,
            boundary_panel(model, test, "Decision boundary (test points)", device)?,
        ];
        save_figure(&dir.figure("boundary.png"), &panels, 2, (560, 540))?;
    }
    Ok(())
}

/// A solution's phase portrait (first two components) and time series, saved to `path` (PNG
/// or SVG); `values` is `[time, dim]` row-major at the times `ts`, `what` names it.
pub fn solution_figure(
    path: &std::path::Path,
    ts: &[f64],
    values: &[f64],
    dim: usize,
    what: &str,
) -> Result<(), TrainError> {
    let mut phase = Panel::new(&format!("Phase portrait ({what})"), "x₁", "x₂");
    let portrait = values
        .chunks(dim)
        .map(|p| (p[0], p[1.min(dim - 1)]))
        .collect();
    phase.lines.push(Line::new("", portrait, colors::BLUE));
    let mut series = Panel::new("Time series", "t", "state");
    for c in 0..dim {
        let pts = component(ts, values, dim, c);
        series
            .lines
            .push(Line::new(&format!("x{}", c + 1), pts, colors::CYCLE[c % 7]));
    }
    save_figure(path, &[phase, series], 2, (560, 480))
}

/// Component `c` of `values` (row-major `[time, dim]`) against the times `ts`: a line to draw.
pub fn component(ts: &[f64], values: &[f64], dim: usize, c: usize) -> Vec<(f64, f64)> {
    ts.iter()
        .enumerate()
        .map(|(i, &t)| (t, values[i * dim + c]))
        .collect()
}
