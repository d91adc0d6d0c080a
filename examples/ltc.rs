//! Trains a liquid time-constant network (Hasani et al. 2021: an `LtcCell` of 16 units and a
//! linear readout, as a `SequenceModel`) to predict a driven damped oscillator
//! `x'' + 0.4 x' + 4 x = u(t)` from its input alone (`u` a random staircase held for 0.5 time
//! units; `DrivenOscillator::default`), on 16 training and 8 held-out sequences over [0, 10];
//! prints the mean squared errors as it trains (against predicting zeros).
//!
//! The same run from the command line, with a run folder and figures:
//! `neurode train --task sequence` (`--model input-ode` for the same-size Neural ODE).
//!
//! `cargo run --release --example ltc [-- ITERATIONS]`

use std::error::Error;

use burn::module::Module;
use burn::optim::AdamConfig;
use neurode::adjoint::GradientMethod;
use neurode::backend::{Backend, Precision};
use neurode::datasets::DrivenOscillator;
use neurode::models::{Init, LayerInit, LtcConfig, SequenceModel};
use neurode::solvers::SolveOptions;
use neurode::train::{SequenceNet, input_signal, metrics, targets};

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::args().nth(1).map_or(Ok(300), |a| a.parse())?;
    let plain = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let device = plain.clone().autodiff();
    let mut init = Init::new(0);
    let cell = LtcConfig::new()
        .with_units(16)
        .with_inputs(1)
        .init(&mut init, &device)?;
    let readout = init.linear(16, 1, LayerInit::Uniform, &device);
    let opts = SolveOptions::adaptive(1e-4, 1e-6);
    let mut model = SequenceModel::new(cell, readout, opts, GradientMethod::Backprop)?;
    let oscillator = DrivenOscillator::default();
    let (train, test) = (oscillator.generate(16, 1)?, oscillator.generate(8, 2)?);
    println!(
        "predicting zeros: train MSE {:.4}, held-out MSE {:.4}; {} parameters",
        train.zero_mse(),
        test.zero_mse(),
        model.num_params()
    );
    let (input, target) = (input_signal(&train)?, targets(&train, &device));
    let mut optim = AdamConfig::new().init();
    for it in 1..=iterations {
        let out = model.forward(input.clone(), &train.ts)?;
        let loss = (out.ys.clone() - target.clone()).powi_scalar(2).mean();
        let value: f64 = loss.clone().into_scalar();
        let nfe = out.stats.nfe;
        let grads = out.backward(loss, &model)?;
        model = optim.step(1e-2, model, grads.params);
        if it % 25 == 0 || it == iterations {
            let held_out = SequenceNet::Ltc(model.valid()).predict(&test)?;
            println!(
                "iteration {it:4}: train MSE {value:.4}, held-out MSE {:.4}, NFE {nfe}",
                metrics::mse(&held_out, &test.flat_targets())
            );
        }
    }
    Ok(())
}
