//! Learn the dynamics behind your own time series: a CSV of `t, x1, x2, …` rows, sampled at
//! irregular times, fitted by a Neural ODE from Rust.
//!
//! `cargo run --release --example fit_series [-- PATH.csv [ITERATIONS]]` (default: the
//! predator–prey data in `examples/data/`, 300 iterations).

use neurode::backend::{Backend, Precision};
use neurode::datasets::load_series;
use neurode::models::{DenseConfig, DynamicsNetConfig, NeuralOdeConfig};
use neurode::run::{Progress, Unit};
use neurode::solvers::SolveOptions;
use neurode::train::{Regression, Schedule, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i| std::env::args().nth(i);
    let path = arg(1).unwrap_or("examples/data/lotka_volterra.csv".into());
    let iterations = arg(2).map_or(Ok(300), |n| n.parse())?;
    let device = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let series = load_series(path.as_ref(), 10)?;
    let net = DenseConfig::new().with_width(64).with_cubic(false);
    let model = NeuralOdeConfig::new(DynamicsNetConfig::Dense(net))
        .with_dim(series[0].dim)
        .with_solver(SolveOptions::adaptive(1e-4, 1e-6))
        .init(0, &device.clone().autodiff())?;
    let task = Regression::new(series, 16, 10, &device);
    let fitted = Trainer::new(iterations, 1e-2)
        .with_schedule(Schedule::Cosine {
            total: iterations,
            min_lr: 0.0,
        })
        .with_eval_every(50)
        .fit(model, &task, &mut Progress::new(Unit::Iteration))?;
    for row in &fitted.state.rows {
        println!("iteration {:>4}: test MSE {:.5}", row.step, row.test_loss);
    }
    Ok(())
}
