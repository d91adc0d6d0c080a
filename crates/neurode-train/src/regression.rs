//! Trajectory regression (paper 000): a Neural ODE learns the dynamics behind time series from
//! windows of consecutive samples.

use std::marker::PhantomData;

use burn::Tensor;
use burn::optim::GradientsParams;
use burn::tensor::{Device, TensorData};
use neurode_datasets::{SegmentBatch, SegmentSampler, Series};
use neurode_models::{ModelError, NeuralOde, VectorField};
use neurode_solvers::{FailurePolicy, RowGrid};

use crate::loss::{mse, time_weights, weighted_mse};
use crate::setters::setters;
use crate::solved::Solved;
use crate::{Draw, Horizon, MetricsRow, Nfe, StepOutput, Task, TrainError, metrics};

/// Paper 000's time weighting (eq 25): `w(t) = 1 + α t / T` on absolute times `t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeWeighting {
    /// α.
    pub alpha: f64,
    /// `T`, the end of the training data.
    pub horizon: f64,
}

/// Learn the dynamics of `series` (one or several trajectories, any sampling) from random
/// windows of `seq_len` samples, `batch_size` windows per iteration; evaluate the prediction
/// of each whole trajectory from its first state (test MSE, drift ratio) and, when given, of
/// an `extended` trajectory beyond the training range (extrapolation MAE).
#[derive(Debug)]
pub struct Regression<M> {
    /// The training trajectories (also the test trajectories: prediction from `y₀`).
    pub series: Vec<Series>,
    /// A longer trajectory for extrapolation metrics.
    pub extended: Option<Series>,
    /// Windows per iteration.
    pub batch_size: usize,
    /// Samples per window.
    pub seq_len: usize,
    /// Time-weighted loss (eq 25), or plain MSE.
    pub weighting: Option<TimeWeighting>,
    /// Unevenly sampled windows in one per-row solve (each window on its own clock; the
    /// default), or one solve per window (`false`; what neurode did before per-row solves).
    pub per_row: bool,
    /// The autodiff device of training.
    pub device: Device,
    /// The dynamics of the model trained.
    dynamics: PhantomData<fn() -> M>,
}

impl<M> Clone for Regression<M> {
    fn clone(&self) -> Self {
        Self {
            series: self.series.clone(),
            extended: self.extended.clone(),
            batch_size: self.batch_size,
            seq_len: self.seq_len,
            weighting: self.weighting,
            per_row: self.per_row,
            device: self.device.clone(),
            dynamics: PhantomData,
        }
    }
}

impl<M> Regression<M> {
    /// Windows of `seq_len` samples of `series`, `batch_size` per iteration, plain MSE, on the
    /// autodiff version of `device`.
    pub fn new(series: Vec<Series>, batch_size: usize, seq_len: usize, device: &Device) -> Self {
        Self {
            series,
            extended: None,
            batch_size,
            seq_len,
            weighting: None,
            per_row: true,
            device: device.clone().autodiff(),
            dynamics: PhantomData,
        }
    }

    /// Paper 000's time-weighted loss with this α (`T` = the end of the data).
    pub fn with_time_weighting(mut self, alpha: f64) -> Self {
        let horizon = self
            .series
            .iter()
            .map(|s| s.ts[s.len() - 1])
            .fold(f64::MIN, f64::max);
        self.weighting = Some(TimeWeighting { alpha, horizon });
        self
    }

    setters! {
        /// Unevenly sampled windows one solve each (`false`) instead of one per-row solve.
        with_per_row(per_row: bool);
        /// Extrapolation metrics on a longer trajectory.
        with_extended(extended: Series) as Some;
    }

    /// Samples in the shortest training series.
    fn shortest(&self) -> usize {
        self.series.iter().map(Series::len).min().unwrap_or(0)
    }

    /// The end of the training range.
    fn train_end(&self) -> f64 {
        self.series
            .iter()
            .map(|s| s.ts[s.len() - 1])
            .fold(f64::MIN, f64::max)
    }
}

impl<M: VectorField> Task for Regression<M> {
    type Model = NeuralOde<M>;
    type Batch = SegmentBatch;

    fn batches(&self, draw: Draw) -> Result<Vec<SegmentBatch>, TrainError> {
        let window = draw.horizon.samples(self.seq_len, self.shortest())?;
        let mut sampler = SegmentSampler::new(self.batch_size, window, draw.step_seed())?;
        Ok(vec![sampler.sample(&self.series)?])
    }

    fn window(&self, horizon: Horizon) -> Result<Option<usize>, TrainError> {
        horizon.samples(self.seq_len, self.shortest()).map(Some)
    }

    fn step(&self, model: &NeuralOde<M>, batch: &SegmentBatch) -> Result<StepOutput, TrainError> {
        regression_step(model, batch, self.weighting, self.per_row, &self.device)
    }

    fn evaluate(&self, model: &NeuralOde<M>) -> Result<MetricsRow, TrainError> {
        let plain = self.device.clone().inner();
        let (mut mse_sum, mut drift_sum) = (0.0, 0.0);
        for s in &self.series {
            let pred = predict(model, s, &plain)?;
            mse_sum += metrics::mse(&pred, &s.values);
            drift_sum += metrics::drift_ratio(&pred, &s.values, s.dim);
        }
        let n = self.series.len() as f64;
        let (extrap, beyond) = match &self.extended {
            Some(ext) => {
                let pred = predict(model, ext, &plain)?;
                let first = ext
                    .ts
                    .iter()
                    .position(|&t| t > self.train_end())
                    .unwrap_or(ext.len());
                let d = ext.dim;
                (
                    Some(metrics::mae(&pred, &ext.values)),
                    Some(metrics::mae(&pred[first * d..], &ext.values[first * d..])),
                )
            }
            None => (None, None),
        };
        Ok(MetricsRow {
            test_loss: mse_sum / n,
            drift_ratio: Some(drift_sum / n),
            extrap_mae: extrap,
            beyond_mae: beyond,
            ..MetricsRow::blank()
        })
    }
}

/// The model's trajectory from the series' first state at its times, `[len, dim]` row-major.
pub fn predict<M: VectorField>(
    model: &NeuralOde<M>,
    s: &Series,
    device: &Device,
) -> Result<Vec<f64>, TrainError> {
    let y0 = Tensor::<2>::from_data(TensorData::new(s.row(0).to_vec(), [1, s.dim]), device);
    let out = model.forward(y0, &s.ts)?;
    Ok(out.ys.to_data().iter::<f64>().collect())
}

/// One batch of trajectory windows: the (time-weighted) MSE of `model`'s predictions from each
/// window's first state, and its gradients. Windows on a shared relative grid are solved
/// together on one clock; unevenly sampled ones together too, each on its own clock (a
/// per-row solve, [`NeuralOde::forward_rows`]), or one by one with their gradients summed
/// (`per_row = false`). The model
/// must live on the autodiff `device`.
pub fn regression_step<M: VectorField>(
    model: &NeuralOde<M>,
    batch: &SegmentBatch,
    weighting: Option<TimeWeighting>,
    per_row: bool,
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
    if batch.rel_ts.is_some() || per_row {
        // One batched solve: on the windows' shared relative grid, or (unevenly sampled data)
        // each window on its own clock.
        let y0 = Tensor::<2>::from_data(TensorData::new(batch.y0.clone(), [b, d]), device);
        let target =
            Tensor::<3>::from_data(TensorData::new(batch.targets.clone(), [l, b, d]), device);
        let out = match &batch.rel_ts {
            Some(rel) => Solved::Shared(model.forward_segments(y0, &batch.start_times, rel)?),
            None => {
                let grid = RowGrid::new((0..b).map(|j| batch.window_times(j)).collect())
                    .map_err(ModelError::from)?;
                Solved::Rows(model.forward_rows(y0, &grid, FailurePolicy::FailBatch)?)
            }
        };
        let loss = loss_of(out.ys(), target, weights, b);
        let value: f64 = loss.clone().into_scalar();
        if !value.is_finite() {
            return Ok(StepOutput::non_finite(value, out.nfe()));
        }
        let g = out.backward_for(loss, model)?;
        return Ok(StepOutput::of_gradients(value, g));
    }
    // Unevenly sampled data one window at a time (as asked): each window on its own time
    // grid, gradients summed.
    let mut total = StepOutput {
        loss: 0.0,
        grads: GradientsParams::new(),
        nfe: Nfe::default(),
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
        total.nfe += Nfe::of_gradients(&g);
        total.grads = neurode_adjoint::add_gradients(total.grads, g.params, model);
    }
    Ok(total)
}
