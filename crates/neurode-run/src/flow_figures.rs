//! Figures of a density run: the learned density next to the data, samples, and the flow of a
//! grid (FFJORD's 2-D toy figures).

use burn::tensor::Device;
use neurode_datasets::Labeled;
use neurode_models::{Cnf, JvpDynamics, Trace};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

use crate::RunDir;
use crate::plot::{Line, Panel, colors, save_figure};
use neurode_train::{Density, MetricsRow, Setting, TrainError, points};

/// Cells per side of the density heat map.
const CELLS: usize = 80;
/// Grid lines per direction of the base-space grid.
const GRID_LINES: usize = 9;
/// Points along each grid line.
const LINE_POINTS: usize = 61;

fn flat(p: &[f64], dim: usize) -> Labeled {
    Labeled {
        x: p.to_vec(),
        labels: vec![0; p.len() / dim],
        dim,
    }
}

/// Four panels of a 2-D flow (solved as it says, [`Cnf::solve`]): `truth` (the data), the learned density
/// `p(x)` on a grid, 2,000 samples, and a grid of the base space carried to the data space.
/// The square shown is `[−extent, extent]²`, `extent` covering the data.
pub fn flow_panels<F: JvpDynamics>(
    flow: &Cnf<F>,
    truth: &Labeled,
    device: &Device,
) -> Result<Vec<Panel>, TrainError> {
    if truth.dim != 2 {
        return Err(TrainError::Invalid {
            setting: Setting::Points,
            value: format!("{}-dimensional", truth.dim),
            expected: "2-D points for the flow's figures",
        });
    }
    let flow = flow.with_trace(Trace::Exact);
    let extent = truth.x.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0) * 1.1;
    let square = |p: &mut Panel| {
        p.x_range = Some((-extent, extent));
        p.y_range = Some((-extent, extent));
    };
    // The data.
    let mut data = Panel::new("data", "x₁", "x₂");
    square(&mut data);
    for xy in truth.x.chunks(2) {
        data.points.push((xy[0], xy[1], colors::BLUE, 1));
    }
    let mut heat = density_panel(&flow, extent, device)?;
    square(&mut heat);
    // Samples: base points flowed back to the data space.
    let mut rng = StdRng::seed_from_u64(7);
    let z: Vec<f64> = (0..4000).map(|_| rng.sample(StandardNormal)).collect();
    let samples = flow.sample(points(&flat(&z, 2), device))?;
    let mut drawn = Panel::new("samples", "x₁", "x₂");
    square(&mut drawn);
    for xy in samples
        .end
        .to_data()
        .iter::<f64>()
        .collect::<Vec<_>>()
        .chunks(2)
    {
        drawn.points.push((xy[0], xy[1], colors::RED, 1));
    }
    let mut warp = grid_flow_panel(&flow, device)?;
    square(&mut warp);
    Ok(vec![data, heat, drawn, warp])
}

/// The learned density `p(x)` on a grid of `[−extent, extent]²`: white → deep blue with
/// `√(p / max p)`.
fn density_panel<F: JvpDynamics>(
    flow: &Cnf<F>,
    extent: f64,
    device: &Device,
) -> Result<Panel, TrainError> {
    // The density on a grid: white → deep blue with √(p / max p).
    let h = 2.0 * extent / CELLS as f64;
    let grid: Vec<f64> = (0..CELLS * CELLS)
        .flat_map(|k| {
            let (i, j) = (k % CELLS, k / CELLS);
            [
                -extent + (i as f64 + 0.5) * h,
                -extent + (j as f64 + 0.5) * h,
            ]
        })
        .collect();
    let log_p = flow.log_density(points(&flat(&grid, 2), device))?.log_px;
    let density: Vec<f64> = log_p.to_data().iter::<f64>().map(f64::exp).collect();
    let top = density.iter().copied().fold(0.0, f64::max).max(1e-300);
    let mut heat = Panel::new("learned density", "x₁", "x₂");
    for (xy, p) in grid.chunks(2).zip(&density) {
        let v = (p / top).sqrt();
        let shade = |to: f64| (255.0 + (to - 255.0) * v).round() as u8;
        let c = plotters::style::RGBColor(shade(20.0), shade(40.0), shade(140.0));
        heat.rects.push((
            xy[0] - h / 2.0,
            xy[1] - h / 2.0,
            xy[0] + h / 2.0,
            xy[1] + h / 2.0,
            c,
            1.0,
        ));
    }
    Ok(heat)
}

/// A grid of the base space, `[−3, 3]²`, carried to the data space by the flow.
fn grid_flow_panel<F: JvpDynamics>(flow: &Cnf<F>, device: &Device) -> Result<Panel, TrainError> {
    // A grid of the base space, [−3, 3]², carried to the data space.
    let line = |k: usize, along: bool| {
        let c = -3.0 + 6.0 * k as f64 / (GRID_LINES - 1) as f64;
        (0..LINE_POINTS).flat_map(move |i| {
            let u = -3.0 + 6.0 * i as f64 / (LINE_POINTS - 1) as f64;
            if along { [u, c] } else { [c, u] }
        })
    };
    let base: Vec<f64> = (0..GRID_LINES)
        .flat_map(|k| line(k, true).chain(line(k, false)))
        .collect();
    let moved = flow.sample(points(&flat(&base, 2), device))?;
    let moved: Vec<f64> = moved.end.to_data().iter::<f64>().collect();
    let mut warp = Panel::new("flow of a base-space grid", "x₁", "x₂");
    for l in moved.chunks(2 * LINE_POINTS) {
        let pts = l.chunks(2).map(|p| (p[0], p[1])).collect();
        warp.lines.push(Line::new("", pts, colors::GREY));
    }
    Ok(warp)
}

/// `loss.png` (training and held-out negative log-likelihood) and, for 2-D data,
/// `flow.png` ([`flow_panels`]: data, density, samples, grid flow).
pub fn density_figures<F: JvpDynamics>(
    dir: &RunDir,
    rows: &[MetricsRow],
    flow: &Cnf<F>,
    task: &Density<F>,
    device: &Device,
) -> Result<(), TrainError> {
    let curve = |f: fn(&MetricsRow) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| f(r).filter(|v| v.is_finite()).map(|v| (r.step as f64, v)))
            .collect()
    };
    let mut p = Panel::new("Negative log-likelihood", "iteration", "nats per point");
    p.lines.push(Line::new(
        "train (batch)",
        curve(|r| r.train_loss),
        colors::BLUE,
    ));
    p.lines.push(Line::new(
        "held out",
        curve(|r| Some(r.test_loss)),
        colors::RED,
    ));
    save_figure(&dir.figure("loss.png"), &[p], 1, (640, 420))?;
    if task.data.dim() != 2 {
        return Ok(());
    }
    let truth = task.data.draw(2000, 1)?;
    let panels = flow_panels(flow, &truth, device)?;
    save_figure(&dir.figure("flow.png"), &panels, 4, (480, 480))
}
