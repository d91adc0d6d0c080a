//! Paper 000 Figure 1: the true cubic spiral, phase portrait and time series.

use neurode_datasets::{SpiralDataConfig, SpiralSystem};
use neurode_run::figures::component;
use neurode_run::plot::{Line, Panel, colors, save_figure};
use neurode_train::TrainError;

use super::Opts;
use super::report::{item_dir, preamble, table, write_data, write_report};

/// Writes `results/fig1/`.
pub fn run(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "fig1");
    let data = SpiralDataConfig::default().generate(&SpiralSystem::PAPER)?;
    let s = &data.train;
    let mut phase = Panel::new("True dynamics: phase portrait", "x", "y");
    phase.lines.push(Line::new(
        "",
        s.values.chunks(2).map(|p| (p[0], p[1])).collect(),
        colors::BLUE,
    ));
    phase.points.push((2.0, 0.0, colors::RED, 5));
    let mut series = Panel::new("True dynamics: time series", "t", "state");
    for (c, (name, color)) in [("x(t)", colors::BLUE), ("y(t)", colors::RED)]
        .into_iter()
        .enumerate()
    {
        series
            .lines
            .push(Line::new(name, component(&s.ts, &s.values, 2, c), color));
    }
    for ext in ["png", "svg"] {
        save_figure(
            &dir.join(format!("fig1.{ext}")),
            &[phase.clone(), series.clone()],
            2,
            (560, 480),
        )?;
    }
    let rows: Vec<Vec<String>> = (0..s.len())
        .map(|i| {
            vec![
                s.ts[i].to_string(),
                s.values[2 * i].to_string(),
                s.values[2 * i + 1].to_string(),
            ]
        })
        .collect();
    write_data(&dir, &["t", "x", "y"], &rows)?;
    let r = |i: usize| (s.values[2 * i].powi(2) + s.values[2 * i + 1].powi(2)).sqrt();
    let mut text = preamble(
        opts,
        "fig1",
        "Figure 1: the true cubic spiral",
        "000 §5.1, eq 30, Figure 1",
    );
    text += "The ODE `d/dt [x y] = [x y]^{⊙3} A`, `A = [[-0.1, 2], [-2, -0.1]]`, `y₀ = [2, 0]`, integrated with neurode's DOP853 at rtol 1e-12 / atol 1e-14 in f64 on 1,000 evenly spaced times on [0, 25] (`data.csv`). No numbers are printed in the paper for this figure; the shape (an inward spiral, slowing rotation as the radius shrinks) is what it shows.\n\n";
    text += &table(
        &["quantity", "value"],
        &[
            vec!["radius at t = 0".into(), format!("{:.4}", r(0))],
            vec![
                "radius at t = 12.5".into(),
                format!("{:.4}", r(s.len() / 2)),
            ],
            vec!["radius at t = 25".into(), format!("{:.4}", r(s.len() - 1))],
        ],
    );
    text += "\n![Figure 1](fig1.png)\n";
    write_report(&dir, &text)
}
