//! Paper 003 from Rust: a Neural ODE classifier learns the two interleaved spirals.
//!
//! `cargo run --release --example classify [-- EPOCHS]` (default 100).

use neurode::backend::{Backend, Precision};
use neurode::datasets::TwoSpirals;
use neurode::models::OdeClassifierConfig;
use neurode::run::{Progress, Unit};
use neurode::train::{Classification, Schedule, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs = std::env::args().nth(1).map_or(Ok(100), |n| n.parse())?;
    let device = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let (train, test) = TwoSpirals::default().generate(0)?.split(0.2, 0)?;
    let model = OdeClassifierConfig::new().init(0, &device.clone().autodiff())?;
    let task = Classification::new(train, test, 128, &device);
    let fitted = Trainer::new(epochs, 0.01)
        .with_schedule(Schedule::Cosine {
            total: epochs,
            min_lr: 0.0,
        })
        .with_eval_every(10)
        .fit(model, &task, &mut Progress::new(Unit::Epoch))?;
    let last = fitted.state.rows.last().expect("an evaluation");
    println!(
        "after {epochs} epochs: train accuracy {:.1} %, held-out accuracy {:.1} %",
        100.0 * last.train_acc.unwrap_or(0.0),
        100.0 * last.test_acc.unwrap_or(0.0)
    );
    Ok(())
}
