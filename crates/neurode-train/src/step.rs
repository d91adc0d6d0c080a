//! One training step as a pure function of a model and a batch: the loss, the gradient of
//! every parameter and the NFE, whatever the gradient method. The training loops call these;
//! so can a loop of your own, or a test that replays a PyTorch trace batch by batch.

use burn::Tensor;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, TensorData};
use neurode_datasets::SegmentBatch;
use neurode_models::{Dynamics, NeuralOde};

use crate::TrainError;
use crate::build::Classifier;
use crate::loss::{cross_entropy, mse, time_weights, weighted_mse};

/// What one step computed.
#[derive(Debug)]
pub struct StepOutput {
    /// The batch loss (before the update). Not finite: the gradients are empty.
    pub loss: f64,
    /// Gradients of every parameter of the model.
    pub grads: GradientsParams,
    /// Function evaluations of the forward and backward passes.
    pub nfe: (u64, u64),
}

/// Paper 000's time weighting (eq 25): `w(t) = 1 + α t / T` on absolute times `t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeWeighting {
    /// α.
    pub alpha: f64,
    /// `T`, the end of the training data.
    pub horizon: f64,
}

/// One mini-batch of classification: mean cross-entropy of `model`'s logits on `x`
/// (`[batch, features]`) against `labels`, and its gradients. The model must live on an
/// autodiff device.
pub fn classification_step(
    model: &Classifier,
    x: Tensor<2>,
    labels: Tensor<1, Int>,
) -> Result<StepOutput, TrainError> {
    let (logits, ode) = model.logits(x)?;
    let loss = cross_entropy(logits, labels);
    let value: f64 = loss.clone().into_scalar();
    if !value.is_finite() {
        return Ok(StepOutput {
            loss: value,
            grads: GradientsParams::new(),
            nfe: (0, 0),
        });
    }
    match (model, ode) {
        (Classifier::Ode(m), Some(out)) => {
            let g = out.backward(loss, m)?;
            Ok(StepOutput {
                loss: value,
                grads: g.params,
                nfe: (g.forward.nfe as u64, g.backward.nfe as u64),
            })
        }
        _ => Ok(StepOutput {
            loss: value,
            grads: GradientsParams::from_grads(loss.backward(), model),
            nfe: (0, 0),
        }),
    }
}

/// One batch of trajectory windows: the (time-weighted) MSE of `model`'s predictions from each
/// window's first state, and its gradients. Windows on a shared relative grid are solved
/// together; unevenly sampled ones one by one, gradients summed. The model must live on the
/// autodiff `device`.
pub fn regression_step(
    model: &NeuralOde<Dynamics>,
    batch: &SegmentBatch,
    weighting: Option<TimeWeighting>,
    device: &Device,
) -> Result<StepOutput, TrainError> {
    let (b, l, d) = (batch.batch(), batch.seq_len, batch.dim);
    let weights = weighting.map(|w| time_weights(&batch.times, w.alpha, w.horizon));
    let loss_of = |pred: Tensor<3>, target: Tensor<3>, w: Option<Vec<f64>>, cols: usize| match w {
        Some(w) => {
            let w = Tensor::<2>::from_data(TensorData::new(w, [pred.dims()[0], cols]), device);
            weighted_mse(pred, target, w)
        }
        None => mse(pred, target),
    };
    if let Some(rel) = &batch.rel_ts {
        let y0 = Tensor::<2>::from_data(TensorData::new(batch.y0.clone(), [b, d]), device);
        let target =
            Tensor::<3>::from_data(TensorData::new(batch.targets.clone(), [l, b, d]), device);
        let out = model.forward_segments(y0, &batch.start_times, rel)?;
        let loss = loss_of(out.ys.clone(), target, weights, b);
        let value: f64 = loss.clone().into_scalar();
        if !value.is_finite() {
            return Ok(StepOutput {
                loss: value,
                grads: GradientsParams::new(),
                nfe: (out.stats.nfe as u64, 0),
            });
        }
        let g = out.backward(loss)?;
        return Ok(StepOutput {
            loss: value,
            grads: g.params,
            nfe: (g.forward.nfe as u64, g.backward.nfe as u64),
        });
    }
    // Unevenly sampled data: each window on its own time grid, gradients summed.
    let mut total = StepOutput {
        loss: 0.0,
        grads: GradientsParams::new(),
        nfe: (0, 0),
    };
    for j in 0..b {
        let y0 = Tensor::<2>::from_data(
            TensorData::new(batch.y0[j * d..(j + 1) * d].to_vec(), [1, d]),
            device,
        );
        let target: Vec<f64> = (0..l)
            .flat_map(|k| {
                let at = (k * b + j) * d;
                batch.targets[at..at + d].to_vec()
            })
            .collect();
        let target = Tensor::<3>::from_data(TensorData::new(target, [l, 1, d]), device);
        let ts = batch.window_times(j);
        let w = weights
            .as_ref()
            .map(|w| (0..l).map(|k| w[k * b + j]).collect());
        let out = model.forward(y0, &ts)?;
        let loss = loss_of(out.ys.clone(), target, w, 1).div_scalar(b as f64);
        let value: f64 = loss.clone().into_scalar();
        total.loss += value;
        if !value.is_finite() {
            return Ok(total);
        }
        let g = out.backward(loss)?;
        total.nfe = (
            total.nfe.0 + g.forward.nfe as u64,
            total.nfe.1 + g.backward.nfe as u64,
        );
        total.grads = neurode_adjoint::add_gradients(total.grads, g.params, model);
    }
    Ok(total)
}
