//! Sequence regression with inputs (paper 003's liquid networks): a driven cell predicts a
//! target series from its input alone, trained by mean squared error over mini-batches of
//! sequences.

use burn::Tensor;
use burn::module::Module;
use burn::tensor::{Device, TensorData};
use neurode_datasets::DrivenSequences;
use neurode_models::{DrivenCell, InputOdeCell, InputSignal, LtcCell, SequenceModel, TorchNames};
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};

use crate::{Draw, MetricsRow, StepOutput, Task, TrainError};

/// A sequence model of either kind.
#[derive(Module, Debug)]
pub enum SequenceNet {
    /// A liquid time-constant network (Hasani et al. 2021) and its readout.
    Ltc(SequenceModel<LtcCell>),
    /// The same-size input-concatenated Neural ODE and its readout.
    InputOde(SequenceModel<InputOdeCell>),
}

impl TorchNames for SequenceNet {
    fn torch_layers(&self) -> Vec<(String, String)> {
        match self {
            SequenceNet::Ltc(m) => m.torch_layers(),
            SequenceNet::InputOde(m) => m.torch_layers(),
        }
    }
}

/// The input signal of `data`'s sequences.
pub fn input_signal(data: &DrivenSequences) -> Result<InputSignal, TrainError> {
    Ok(InputSignal::new(
        data.input_times.clone(),
        data.count,
        data.input_dim,
        data.inputs.clone(),
    )?)
}

fn mse_step<C: DrivenCell>(
    model: &SequenceModel<C>,
    input: InputSignal,
    ts: &[f64],
    target: &Tensor<3>,
) -> Result<StepOutput, TrainError> {
    let out = model.forward(input, ts)?;
    let loss = (out.ys.clone() - target.clone()).powi_scalar(2).mean();
    let value: f64 = loss.clone().into_scalar();
    if !value.is_finite() {
        return Ok(StepOutput::non_finite(value, out.stats.nfe));
    }
    let g = out.backward(loss, model)?;
    Ok(StepOutput::of_gradients(value, g))
}

impl SequenceNet {
    /// Predictions `[time, sequence, output]` (row-major, host) for `data`'s inputs, at its
    /// sample times.
    pub fn predict(&self, data: &DrivenSequences) -> Result<Vec<f64>, TrainError> {
        let input = input_signal(data)?;
        let ys = match self {
            SequenceNet::Ltc(m) => m.forward(input, &data.ts)?.ys,
            SequenceNet::InputOde(m) => m.forward(input, &data.ts)?.ys,
        };
        Ok(ys.to_data().iter::<f64>().collect())
    }

    /// The mean squared error of one batch and its gradients (on an autodiff device).
    pub fn step(
        &self,
        input: InputSignal,
        ts: &[f64],
        target: &Tensor<3>,
    ) -> Result<StepOutput, TrainError> {
        match self {
            SequenceNet::Ltc(m) => mse_step(m, input, ts, target),
            SequenceNet::InputOde(m) => mse_step(m, input, ts, target),
        }
    }
}

/// Learn to predict `train`'s targets from its inputs, `batch_size` sequences per iteration
/// (drawn without replacement); the test loss is the MSE on `test`.
#[derive(Debug)]
pub struct Sequences {
    /// The training sequences.
    pub train: DrivenSequences,
    /// The held-out sequences.
    pub test: DrivenSequences,
    /// Sequences per iteration (all of them when larger).
    pub batch_size: usize,
    /// The autodiff device of training.
    pub device: Device,
}

impl Sequences {
    /// Batches of `train`, metrics on `test`, on the autodiff version of `device`.
    pub fn new(
        train: DrivenSequences,
        test: DrivenSequences,
        batch_size: usize,
        device: &Device,
    ) -> Self {
        Self {
            train,
            test,
            batch_size,
            device: device.clone().autodiff(),
        }
    }
}

/// `data`'s targets as a `[time, sequence, output]` tensor.
pub fn targets(data: &DrivenSequences, device: &Device) -> Tensor<3> {
    Tensor::from_data(
        TensorData::new(
            data.flat_targets(),
            [data.ts.len(), data.count, data.output_dim],
        ),
        device,
    )
}

impl Task for Sequences {
    type Model = SequenceNet;
    /// The batch's input signal and targets.
    type Batch = (InputSignal, Tensor<3>);

    fn batches(&self, draw: Draw) -> Result<Vec<Self::Batch>, TrainError> {
        <Self as Task>::window(self, draw.horizon)?;
        let n = self.train.count;
        let batch = if self.batch_size >= n {
            self.train.clone()
        } else {
            let mut rng = StdRng::seed_from_u64(draw.step_seed());
            self.train
                .select(&sample(&mut rng, n, self.batch_size).into_vec())
        };
        Ok(vec![(input_signal(&batch)?, targets(&batch, &self.device))])
    }

    fn step(
        &self,
        model: &SequenceNet,
        (input, target): &Self::Batch,
    ) -> Result<StepOutput, TrainError> {
        model.step(input.clone(), &self.train.ts, target)
    }

    fn evaluate(&self, model: &SequenceNet) -> Result<MetricsRow, TrainError> {
        let pred = model.predict(&self.test)?;
        Ok(MetricsRow {
            test_loss: crate::metrics::mse(&pred, &self.test.flat_targets()),
            ..MetricsRow::blank()
        })
    }
}
