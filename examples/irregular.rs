//! Irregularly sampled time series, each on its own clock: a batch of series with their own
//! spans and 5–50 observation times each (latent-ODE-like data) fitted by a Neural ODE with one
//! batched per-row solve per iteration — no union of everyone's times, no solve per series.
//!
//! `cargo run --release --example irregular [-- ITERATIONS]` (default 300). Draws four held-out
//! series (observations and the model's trajectory from their first one) to
//! `out/irregular.png`.
//!
//! The data: a damped pendulum `θ'' = −sin θ − 0.2 θ'` from random initial states, observed
//! at random times on `[0, T]` with `T` drawn in `[3, 10]`, plus noise uniform in ±0.01. The model sees
//! each series' first observation and predicts the rest.

use std::error::Error;
use std::time::Instant;

use burn::Tensor;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::TensorData;
use neurode::backend::{Backend, Device, Precision};
use neurode::models::{DenseConfig, DynamicsNetConfig, NeuralOdeConfig};
use neurode::run::plot::{Line, Panel, save_figure};
use neurode::solvers::{FailurePolicy, RowGrid, SolveOptions, solve};
use plotters::style::RGBColor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One observed series: its times (the first is 0) and states `[len, 2]` row-major.
struct Observed {
    ts: Vec<f64>,
    ys: Vec<f64>,
}

fn pendulum(n: usize, seed: u64) -> Result<Vec<Observed>, Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let f = |_t: f64, y: &Vec<f64>| vec![y[1], -y[0].sin() - 0.2 * y[1]];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let span = rng.random_range(3.0..10.0);
        let len = rng.random_range(5..=50);
        let mut ts: Vec<f64> = (1..len).map(|_| rng.random_range(0.0..span)).collect();
        ts.push(0.0);
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let y0 = vec![rng.random_range(-2.0..2.0), rng.random_range(-1.0..1.0)];
        let sol = solve(&f, y0, &ts, &SolveOptions::adaptive(1e-10, 1e-12))?;
        let ys = sol
            .ys
            .iter()
            .flatten()
            .map(|v| v + 0.01 * (rng.random::<f64>() - 0.5) * 2.0)
            .collect();
        out.push(Observed { ts, ys });
    }
    Ok(out)
}

/// The batch as per-row initial states, the grid, and padded targets `[max_len, batch, 2]`.
fn batch(
    series: &[&Observed],
    device: &Device,
) -> Result<(Tensor<2>, RowGrid, Tensor<3>, usize), Box<dyn Error>> {
    let grid = RowGrid::new(series.iter().map(|s| s.ts.clone()).collect())?;
    let (l, b) = (grid.max_len(), series.len());
    let mut target = vec![0.0; l * b * 2];
    let mut y0 = Vec::with_capacity(b * 2);
    for (r, s) in series.iter().enumerate() {
        y0.extend_from_slice(&s.ys[..2]);
        for k in 0..s.ts.len() {
            target[(k * b + r) * 2..(k * b + r) * 2 + 2].copy_from_slice(&s.ys[k * 2..k * 2 + 2]);
        }
    }
    let observations = grid.lens().iter().sum::<usize>();
    Ok((
        Tensor::from_data(TensorData::new(y0, [b, 2]), device),
        grid,
        Tensor::from_data(TensorData::new(target, [l, b, 2]), device),
        observations,
    ))
}

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::args().nth(1).map_or(Ok(300), |n| n.parse())?;
    let plain = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let device = plain.clone().autodiff();
    let train = pendulum(256, 0)?;
    let test = pendulum(64, 1)?;
    let net = DenseConfig::new()
        .with_width(64)
        .with_layers(3)
        .with_cubic(false);
    let mut model = NeuralOdeConfig::new(DynamicsNetConfig::Dense(net))
        .with_solver(SolveOptions::adaptive(1e-4, 1e-6))
        .init(0, &device)?;
    let mut optim = AdamConfig::new().init();
    let mut rng = StdRng::seed_from_u64(2);
    // Masked MSE: padded outputs and targets are both zero, so they add nothing.
    let mse = |model: &neurode::models::NeuralOde<_>, series: &[&Observed], device: &Device| {
        let (y0, grid, target, n) = batch(series, device)?;
        let out = model.forward_rows(y0, &grid, FailurePolicy::FailBatch)?;
        let loss = (out.ys.clone() - target)
            .powi_scalar(2)
            .sum()
            .div_scalar((2 * n) as f64);
        Ok::<_, Box<dyn Error>>((loss, out))
    };
    let test_refs: Vec<&Observed> = test.iter().collect();
    let (start_mse, _) = mse(&model.valid(), &test_refs, &plain)?;
    println!(
        "{} training series, {} held out; 5–50 observations each on spans of 3–10 s",
        train.len(),
        test.len()
    );
    println!(
        "held-out MSE before training: {:.5}",
        start_mse.into_scalar::<f64>()
    );
    let start = Instant::now();
    let (mut nfe, mut row_steps) = (0, 0);
    for it in 1..=iterations {
        let picked: Vec<&Observed> = (0..32)
            .map(|_| &train[rng.random_range(0..train.len())])
            .collect();
        let (loss, out) = mse(&model, &picked, &device)?;
        let value: f64 = loss.clone().into_scalar();
        nfe += out.stats.nfe;
        row_steps += out.stats.accepted_steps;
        let grads = out.backward(loss)?;
        let lr = 1e-2 * 0.5 * (1.0 + (std::f64::consts::PI * it as f64 / iterations as f64).cos());
        model = optim.step(lr.max(1e-4), model, grads.params);
        if it % 50 == 0 || it == iterations {
            let (test_mse, _) = mse(&model.valid(), &test_refs, &plain)?;
            println!(
                "iteration {it:4}: batch MSE {value:.5}, held-out MSE {:.5}, {:.1} batched NFE and {:.0} row-steps per iteration, {:.1} s",
                test_mse.into_scalar::<f64>(),
                nfe as f64 / it as f64,
                row_steps as f64 / it as f64,
                start.elapsed().as_secs_f64()
            );
        }
    }
    figure(&model.valid(), &test[..4], &plain)?;
    println!("wrote out/irregular.png");
    Ok(())
}

/// Observations of `series` (dots) and the model's trajectory from each first one (lines), on
/// 200 times per series: one per-row solve for all of them.
fn figure(
    model: &neurode::models::NeuralOde<neurode::models::DynamicsNet>,
    series: &[Observed],
    device: &Device,
) -> Result<(), Box<dyn Error>> {
    let fine: Vec<Vec<f64>> = series
        .iter()
        .map(|s| {
            let end = s.ts[s.ts.len() - 1];
            (0..200).map(|i| end * i as f64 / 199.0).collect()
        })
        .collect();
    let grid = RowGrid::new(fine.clone())?;
    let y0: Vec<f64> = series.iter().flat_map(|s| s.ys[..2].to_vec()).collect();
    let y0 = Tensor::<2>::from_data(TensorData::new(y0, [series.len(), 2]), device);
    let out = model.forward_rows(y0, &grid, FailurePolicy::FailBatch)?;
    let ys: Vec<f64> = out.ys.to_data().iter::<f64>().collect();
    let b = series.len();
    let colors = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];
    let panels: Vec<Panel> = series
        .iter()
        .enumerate()
        .map(|(r, s)| {
            let mut panel = Panel::new(
                &format!("held-out series {r}: {} observations", s.ts.len()),
                "t",
                "state",
            );
            for (j, (name, color)) in ["θ", "θ'"].iter().zip(colors).enumerate() {
                let line: Vec<(f64, f64)> = (0..200)
                    .map(|k| (fine[r][k], ys[(k * b + r) * 2 + j]))
                    .collect();
                panel
                    .lines
                    .push(Line::new(&format!("{name} model"), line, color));
                for (k, &t) in s.ts.iter().enumerate() {
                    panel.points.push((t, s.ys[k * 2 + j], color, 3));
                }
            }
            panel
        })
        .collect();
    save_figure(
        std::path::Path::new("out/irregular.png"),
        &panels,
        2,
        (560, 360),
    )?;
    Ok(())
}
