//! Trains a liquid time-constant network (Hasani et al. 2021: an `LtcCell` of 16 units and a
//! linear readout) to predict a driven damped oscillator `x'' + 0.4 x' + 4 x = u(t)` from its
//! input alone, `u` a random staircase held for 0.5 time units, on 16 training and 8 held-out
//! sequences over [0, 10]; prints the mean squared errors as it trains (against predicting
//! zeros).
//!
//! `cargo run --release --example ltc [-- ITERATIONS]`

use std::error::Error;

use burn::Tensor;
use burn::module::Module;
use burn::nn::Linear;
use burn::optim::AdamConfig;
use burn::tensor::TensorData;
use neurode::adjoint::{GradientMethod, Trajectory, odeint};
use neurode::backend::{Backend, Device, Precision};
use neurode::models::{Init, InputSignal, LayerInit, LtcCell, LtcConfig};
use neurode::solvers::SolveOptions;
use rand::{Rng, SeedableRng, rngs::StdRng};

const UNITS: usize = 16;
const HOLD: f64 = 0.5;
const T_END: f64 = 10.0;
const SAMPLE: f64 = 0.25;

/// The LTC cell and its readout.
#[derive(Module, Debug)]
struct LtcModel {
    cell: LtcCell,
    readout: Linear,
}

/// Input staircases and the oscillator's response at the sample times, `n` sequences.
struct Sequences {
    signal: InputSignal,
    /// `[time][sequence]` positions at `0, SAMPLE, …, T_END`.
    targets: Vec<Vec<f64>>,
}

fn sequences(n: usize, seed: u64) -> Result<Sequences, Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let holds = (T_END / HOLD) as usize;
    let levels: Vec<Vec<f64>> = (0..holds)
        .map(|_| (0..n).map(|_| rng.random_range(-2.0..2.0)).collect())
        .collect();
    let times: Vec<f64> = (0..holds).map(|k| k as f64 * HOLD).collect();
    // The oscillator by RK4 with 100 steps per sample (host, f64).
    let samples = (T_END / SAMPLE) as usize;
    let mut state = vec![[0.0f64, 0.0]; n];
    let mut targets = vec![vec![0.0; n]];
    let h = SAMPLE / 100.0;
    for s in 0..samples {
        for k in 0..100 {
            let t = s as f64 * SAMPLE + k as f64 * h;
            let hold = ((t + 1e-12) / HOLD) as usize;
            for (i, y) in state.iter_mut().enumerate() {
                let u = levels[hold.min(holds - 1)][i];
                let f = |y: [f64; 2]| [y[1], u - 0.4 * y[1] - 4.0 * y[0]];
                let k1 = f(*y);
                let k2 = f([y[0] + h / 2.0 * k1[0], y[1] + h / 2.0 * k1[1]]);
                let k3 = f([y[0] + h / 2.0 * k2[0], y[1] + h / 2.0 * k2[1]]);
                let k4 = f([y[0] + h * k3[0], y[1] + h * k3[1]]);
                for j in 0..2 {
                    y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
                }
            }
        }
        targets.push(state.iter().map(|y| y[0]).collect());
    }
    let signal = InputSignal::new(times, n, 1, levels)?;
    Ok(Sequences { signal, targets })
}

/// The MSE of the predictions, and the solve behind it (on an autodiff device).
type Prediction = (Tensor<1>, Option<Trajectory<LtcCell>>);

/// Predictions `[time, sequence, 1]` and their MSE against the targets.
fn predict(
    model: &LtcModel,
    data: &Sequences,
    device: &Device,
) -> Result<Prediction, Box<dyn Error>> {
    let [n, _] = data.signal.shape();
    let ts: Vec<f64> = (0..data.targets.len()).map(|k| k as f64 * SAMPLE).collect();
    let cell = model.cell.driven_by(data.signal.clone());
    let opts = SolveOptions::adaptive(1e-4, 1e-6);
    let h0 = Tensor::<2>::zeros([n, UNITS], device);
    let flat: Vec<f64> = data.targets.iter().flatten().copied().collect();
    let target = Tensor::<3>::from_data(TensorData::new(flat, [ts.len(), n, 1]), device);
    let (ys, traj) = if device.is_autodiff() {
        let traj = odeint(&cell, h0, &ts, &opts, &GradientMethod::Backprop)?;
        (traj.ys.clone(), Some(traj))
    } else {
        let f =
            |t: f64, h: &Tensor<2>| neurode::adjoint::NeuralDynamics::forward(&cell, t, h.clone());
        (
            neurode::solvers::solve(&f, h0, &ts, &opts)?.into_stacked(),
            None,
        )
    };
    let out = model.readout.forward(ys);
    Ok(((out - target).powi_scalar(2).mean(), traj))
}

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::args().nth(1).map_or(Ok(300), |a| a.parse())?;
    let plain = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let device = plain.clone().autodiff();
    let mut init = Init::new(0);
    let mut model = LtcModel {
        cell: LtcConfig::new()
            .with_units(UNITS)
            .with_inputs(1)
            .init(&mut init, &device)?,
        readout: init.linear(UNITS, 1, LayerInit::Uniform, &device),
    };
    let (train, test) = (sequences(16, 1)?, sequences(8, 2)?);
    let zeros = |d: &Sequences| {
        let all: Vec<f64> = d.targets.iter().flatten().copied().collect();
        all.iter().map(|x| x * x).sum::<f64>() / all.len() as f64
    };
    println!(
        "predicting zeros: train MSE {:.4}, held-out MSE {:.4}; {} parameters",
        zeros(&train),
        zeros(&test),
        model.num_params()
    );
    let mut optim = AdamConfig::new().init();
    for it in 1..=iterations {
        let (loss, traj) = predict(&model, &train, &device)?;
        let value: f64 = loss.clone().into_scalar();
        let traj = traj.expect("autodiff device");
        let nfe = traj.stats.nfe;
        let grads = traj.backward_for(loss, &model)?;
        model = optim.step(1e-2, model, grads.params);
        if it % 25 == 0 || it == iterations {
            let (held_out, _) = predict(&model.valid(), &test, &plain)?;
            println!(
                "iteration {it:4}: train MSE {value:.4}, held-out MSE {:.4}, NFE {nfe}",
                held_out.into_scalar::<f64>()
            );
        }
    }
    Ok(())
}
