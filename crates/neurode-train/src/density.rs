//! Density estimation (paper 003's continuous normalizing flows; FFJORD): a flow learns a
//! distribution from its samples by maximum likelihood, one batch per iteration.

use std::marker::PhantomData;

use burn::Tensor;
use burn::tensor::{Device, TensorData};
use neurode_datasets::{Labeled, Toy2d};
use neurode_models::{Cnf, ConcatSquashMlp, JvpDynamics, ModelError, Trace};
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};

use crate::setters::setters;
use crate::{Draw, MetricsRow, Setting, StepOutput, Task, TraceKind, TrainError};

/// Where a density task's training points come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DensityData {
    /// Fresh points of a built-in distribution every iteration (FFJORD's 2-D toys).
    Toy(Toy2d),
    /// A fixed set of points (a user's data), batches drawn from it without replacement.
    Points(Labeled),
}

impl DensityData {
    /// Coordinates per point.
    pub fn dim(&self) -> usize {
        match self {
            DensityData::Toy(_) => 2,
            DensityData::Points(p) => p.dim,
        }
    }

    /// `n` points (fewer from a smaller fixed set: all of them), row-major, drawn from `seed`.
    pub fn draw(&self, n: usize, seed: u64) -> Result<Labeled, TrainError> {
        match self {
            DensityData::Toy(toy) => {
                let x: Vec<f64> = toy.sample(n, seed)?.into_iter().flatten().collect();
                Ok(Labeled {
                    labels: vec![0; x.len() / 2],
                    x,
                    dim: 2,
                })
            }
            DensityData::Points(p) if n >= p.len() => Ok(p.clone()),
            DensityData::Points(p) => {
                let idx = sample(&mut StdRng::seed_from_u64(seed), p.len(), n).into_vec();
                Ok(p.select(&idx))
            }
        }
    }
}

/// Fit a continuous normalizing flow to `data`: each iteration draws a batch, computes
/// `log p(x)` by flowing it from `t = 0` to the base at `t = T` (the trace as `trace` says,
/// a fresh Hutchinson probe each step), and minimises the mean negative log-likelihood plus
/// RNODE's `λ (∫‖f‖² + ∫‖∂f/∂z‖²_F)` when the flow is regularised. The test loss is the
/// held-out NLL with the exact trace.
#[derive(Debug)]
pub struct Density<F = ConcatSquashMlp> {
    /// The training points.
    pub data: DensityData,
    /// The held-out points.
    pub test: Labeled,
    /// Points per iteration.
    pub batch_size: usize,
    /// The divergence in training.
    pub trace: TraceKind,
    /// RNODE's weight λ (the flow must be built regularised).
    pub rnode: Option<f64>,
    /// The autodiff device of training.
    pub device: Device,
    field: PhantomData<fn() -> F>,
}

impl<F: JvpDynamics> Density<F> {
    /// Batches of `batch_size` points of `data`, the held-out NLL on `test`, on the autodiff
    /// version of `device`; exact trace, no regularisation. Each flow is solved as it says
    /// ([`Cnf::solve`]), as the other tasks' models hold their solvers.
    pub fn new(data: DensityData, test: Labeled, batch_size: usize, device: &Device) -> Self {
        Self {
            data,
            test,
            batch_size,
            trace: TraceKind::Exact,
            rnode: None,
            device: device.clone().autodiff(),
            field: PhantomData,
        }
    }

    setters! {
        /// Another divergence in training.
        with_trace(trace: TraceKind);
        /// RNODE's regularisers with weight `rnode` = λ (the flow must integrate them:
        /// `Cnf::new(.., true)`).
        with_rnode(rnode: f64) as Some;
    }

    /// The held-out negative log-likelihood of `flow` (exact trace, no tape).
    pub fn test_nll(&self, flow: &Cnf<F>) -> Result<f64, TrainError> {
        let plain = self.device.clone().inner();
        let x = points(&self.test, &plain);
        // A plain device: a tape-free solve, whatever the gradient method.
        let out = flow.with_trace(Trace::Exact).log_density(x)?;
        Ok(-out.log_px.mean().into_scalar::<f64>())
    }
}

/// Points as a `[n, dim]` tensor.
pub fn points(p: &Labeled, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(p.x.clone(), [p.len(), p.dim]), device)
}

impl<F: JvpDynamics> Task for Density<F> {
    type Model = Cnf<F>;
    /// The points and the seed of the step's Hutchinson probe.
    type Batch = (Tensor<2>, u64);

    fn batches(&self, draw: Draw) -> Result<Vec<Self::Batch>, TrainError> {
        <Self as Task>::window(self, draw.horizon)?;
        let seed = draw.step_seed();
        let batch = self.data.draw(self.batch_size, seed)?;
        Ok(vec![(points(&batch, &self.device), seed ^ 0x5bd1_e995)])
    }

    fn step(&self, model: &Cnf<F>, (x, probe): &Self::Batch) -> Result<StepOutput, TrainError> {
        let [n, d] = x.dims();
        let flow = model.with_trace(self.trace.trace(n, d, *probe));
        let out = flow.log_density(x.clone())?;
        let nll = out.log_px.clone().mean().neg();
        let value: f64 = nll.clone().into_scalar();
        let traj = out.trajectory.ok_or_else(|| TrainError::Invalid {
            setting: Setting::Device,
            value: "a plain device".into(),
            expected: "an autodiff device for training",
        })?;
        if !value.is_finite() {
            return Ok(StepOutput::non_finite(value, traj.stats.nfe));
        }
        let loss = match (self.rnode, out.regularizers) {
            (Some(lambda), Some((kinetic, jacobian))) => {
                nll + (kinetic.mean() + jacobian.mean()).mul_scalar(lambda)
            }
            _ => nll,
        };
        let g = traj.backward(loss).map_err(ModelError::from)?;
        Ok(StepOutput::of_gradients(value, g))
    }

    fn evaluate(&self, model: &Cnf<F>) -> Result<MetricsRow, TrainError> {
        Ok(MetricsRow {
            test_loss: self.test_nll(model)?,
            ..MetricsRow::blank()
        })
    }
}
