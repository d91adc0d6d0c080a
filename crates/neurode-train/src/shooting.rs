//! Multiple shooting (DiffEqFlux's `multiple_shoot`; Bock and Plitt's method with free nodes):
//! each training series is cut into `K` segments of equal length, every segment is solved from
//! its own initial state — the series' first state for the first segment; for the others the
//! data there, or a learned *node* initialised from it — all segments of all series in one
//! batched solve, and the loss adds a continuity penalty that pulls each segment's end onto the
//! next segment's start. Short solves keep the gradients well conditioned over long horizons.

use burn::Tensor;
use burn::module::{Module, Param};
use burn::tensor::TensorData;
use neurode_datasets::Series;
use neurode_models::{NeuralOde, VectorField};

use neurode_models::{ModelError, TorchNames};
use neurode_solvers::{FailurePolicy, RowGrid};
use serde::{Deserialize, Serialize};

use crate::loss::mse;
use crate::solved::Solved;
use crate::{Draw, MetricsRow, Nfe, Regression, Setting, StepOutput, Task, TrainError};

/// Multiple shooting in a run's config (`neurode-run`'s `RunConfig::shooting`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shooting {
    /// Segments per series (`K`).
    pub segments: usize,
    /// Weight of the continuity penalty.
    pub continuity: f64,
    /// Learned segment starts ([`Nodes::Free`]) instead of the data's ([`Nodes::Data`]).
    pub free_nodes: bool,
}

impl Shooting {
    /// Where segments start.
    pub fn nodes(&self) -> Nodes {
        if self.free_nodes {
            Nodes::Free
        } else {
            Nodes::Data
        }
    }
}

/// Where segments after the first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// At the data (DiffEqFlux's `multiple_shoot`): the continuity penalty weighs the error
    /// at each segment's end once more.
    Data,
    /// At learned states, initialised from the data and trained with the model.
    Free,
}

/// A Neural ODE with the learned segment starts of multiple shooting with [`Nodes::Free`].
#[derive(Module, Debug)]
pub struct Shot<M> {
    /// The Neural ODE.
    pub ode: NeuralOde<M>,
    /// The starts of segments 2…K of every series, `[series · (K − 1), dim]`, initialised
    /// from the data (left untouched with [`Nodes::Data`], which takes no gradient for them).
    pub nodes: Param<Tensor<2>>,
}

impl<M: VectorField> Shot<M> {
    /// `ode` with `rows` zero nodes of `dim` values: the shape a saved model of `series`
    /// series in `segments` segments has (`rows = series · (segments − 1)`), to load it into.
    pub fn blank(
        ode: NeuralOde<M>,
        rows: usize,
        dim: usize,
        device: &burn::tensor::Device,
    ) -> Self {
        Shot {
            ode,
            nodes: Param::from_tensor(Tensor::zeros([rows, dim], device)),
        }
    }
}

impl<M: TorchNames> TorchNames for Shot<M> {
    fn torch_layers(&self) -> Vec<(String, String)> {
        self.ode.torch_layers_under("ode.")
    }
}

/// Multiple shooting over whole series (each at least `K + 1` samples; evenly sampled series
/// share one clock, unevenly sampled ones are solved segment by segment on their own clocks in
/// one per-row solve): `K` segments of `m = ⌊(len − 1)/K⌋` intervals each (samples past `K·m` are left out of the
/// loss), weight `continuity` on the mean squared gap between a segment's end and the next
/// start. Evaluation is [`Regression`]'s (prediction of each whole series from its first state).
#[derive(Debug, Clone)]
pub struct MultipleShooting<M> {
    /// The evaluation (and the series).
    pub regression: Regression<M>,
    /// Segments per series.
    pub segments: usize,
    /// Weight of the continuity penalty.
    pub continuity: f64,
    /// Where segments start.
    pub nodes: Nodes,
    /// Intervals per segment.
    intervals: usize,
    /// The segments' relative time grid (`intervals + 1` times from 0).
    rel_ts: Vec<f64>,
    /// Each segment's own absolute times when the series are unevenly sampled (a per-row
    /// solve), series-major; `None` when every segment shares `rel_ts`.
    grid: Option<RowGrid>,
    /// Absolute start time of each segment, series-major (series 0 segments 0…K−1, …).
    starts: Vec<f64>,
    /// The data at each segment's start, `[series · K, dim]` row-major.
    data_starts: Vec<f64>,
    /// The data each segment is fitted to, `[intervals + 1, series · K, dim]` row-major.
    targets: Vec<f64>,
}

impl<M> MultipleShooting<M> {
    /// `segments` segments of every series of `regression`, continuity weight `continuity`.
    pub fn new(
        regression: Regression<M>,
        segments: usize,
        continuity: f64,
        nodes: Nodes,
    ) -> Result<Self, TrainError> {
        let invalid = |value: String, expected: &'static str| TrainError::Invalid {
            setting: Setting::MultipleShooting,
            value,
            expected,
        };
        let shortest = regression.series.iter().map(Series::len).min().unwrap_or(0);
        if segments == 0 || shortest < segments + 1 {
            return Err(invalid(
                format!("{segments} segments of series of {shortest} samples"),
                "at least 1 segment, with at least 2 samples per segment",
            ));
        }
        if !(continuity.is_finite() && continuity >= 0.0) {
            return Err(invalid(
                format!("continuity {continuity}"),
                "a finite weight ≥ 0",
            ));
        }
        let intervals = (shortest - 1) / segments;
        let s = &regression.series[0];
        let rel_ts: Vec<f64> = s.ts[..=intervals].iter().map(|t| t - s.ts[0]).collect();
        // Segments that all share that relative grid are solved on one clock; otherwise
        // (unevenly sampled series) each segment on its own clock, in one per-row solve.
        let shared = regression.series.iter().all(|s| {
            (0..segments).all(|k| {
                let at = k * intervals;
                rel_ts.iter().enumerate().all(|(i, r)| {
                    let here = s.ts[at + i] - s.ts[at];
                    (here - r).abs() <= 1e-9 * r.abs().max(1.0)
                })
            })
        });
        let grid = if shared {
            None
        } else {
            let rows = regression
                .series
                .iter()
                .flat_map(|s| {
                    (0..segments).map(move |k| s.ts[k * intervals..=(k + 1) * intervals].to_vec())
                })
                .collect();
            Some(RowGrid::new(rows).map_err(ModelError::from)?)
        };
        // The segments are fixed: their starts and targets are laid out once, here.
        let (k, m, dim) = (segments, intervals, s.dim);
        let n = regression.series.len() * k;
        let mut starts = Vec::with_capacity(n);
        let mut data_starts = Vec::with_capacity(n * dim);
        let mut targets = vec![0.0; (m + 1) * n * dim];
        for (j, s) in regression.series.iter().enumerate() {
            for seg in 0..k {
                let b = j * k + seg;
                starts.push(s.ts[seg * m]);
                data_starts.extend_from_slice(s.row(seg * m));
                for i in 0..=m {
                    let at = (i * n + b) * dim;
                    targets[at..at + dim].copy_from_slice(s.row(seg * m + i));
                }
            }
        }
        Ok(Self {
            regression,
            segments,
            continuity,
            nodes,
            intervals,
            rel_ts,
            grid,
            starts,
            data_starts,
            targets,
        })
    }

    /// The data starts of segments 2…K of every series (the nodes' initial values).
    fn later_starts(&self) -> Vec<f64> {
        let (k, dim) = (self.segments, self.regression.series[0].dim);
        self.data_starts
            .chunks(k * dim)
            .flat_map(|series| series[dim..].iter().copied())
            .collect()
    }

    /// `model` with nodes at the data (every series' states at the segment starts 2…K), ready
    /// to train with this task. A series of one segment has no nodes: with `K = 1` the nodes
    /// tensor has no rows and is never read.
    pub fn shot(&self, model: NeuralOde<M>) -> Shot<M>
    where
        M: VectorField,
    {
        let device = self.regression.device.clone();
        let dim = self.regression.series[0].dim;
        let rows = self.regression.series.len() * (self.segments - 1);
        let values = self.later_starts();
        let nodes = Tensor::<2>::from_data(TensorData::new(values, [rows, dim]), &device);
        Shot {
            ode: model,
            nodes: Param::from_tensor(nodes),
        }
    }
}

impl<M: VectorField> Task for MultipleShooting<M> {
    type Model = Shot<M>;
    type Batch = ();

    fn batches(&self, draw: Draw) -> Result<Vec<()>, TrainError> {
        self.window(draw.horizon)?;
        Ok(vec![()])
    }

    fn step(&self, model: &Shot<M>, _: &()) -> Result<StepOutput, TrainError> {
        let device = &self.regression.device;
        let series = &self.regression.series;
        let (k, m, dim) = (self.segments, self.intervals, series[0].dim);
        let n = series.len() * k;
        // The solve starts from plain values; the nodes' gradient is assembled below from the
        // solve's ∂L/∂y₀ and the continuity term (the nodes' graph is then used once).
        let free = self.nodes == Nodes::Free && k > 1;
        let mut y0_values = self.data_starts.clone();
        if free {
            let nodes: Vec<f64> = model.nodes.val().to_data().iter::<f64>().collect();
            for (series, learned) in y0_values
                .chunks_mut(k * dim)
                .zip(nodes.chunks((k - 1) * dim))
            {
                series[dim..].copy_from_slice(learned);
            }
        }
        let y0 = Tensor::<2>::from_data(TensorData::new(y0_values, [n, dim]), device);
        let target = Tensor::<3>::from_data(
            TensorData::new(self.targets.clone(), [m + 1, n, dim]),
            device,
        );
        let out = match &self.grid {
            None => Solved::Shared(model.ode.forward_segments(
                y0.clone(),
                &self.starts,
                &self.rel_ts,
            )?),
            Some(grid) => Solved::Rows(model.ode.forward_rows(
                y0.clone(),
                grid,
                FailurePolicy::FailBatch,
            )?),
        };
        let mut loss = mse(out.ys(), target);
        if k > 1 && self.continuity > 0.0 {
            // Segment ends 1…K−1 of each series against the starts 2…K.
            let s = series.len();
            let ends = out.ys().narrow(0, m, 1).reshape([s, k, dim]);
            let next = if free {
                model.nodes.val().reshape([s, k - 1, dim])
            } else {
                y0.reshape([s, k, dim]).narrow(1, 1, k - 1)
            };
            let gap = ends.narrow(1, 0, k - 1) - next;
            loss = loss + gap.powi_scalar(2).mean().mul_scalar(self.continuity);
        }
        let value: f64 = loss.clone().into_scalar();
        if !value.is_finite() {
            return Ok(StepOutput::non_finite(value, out.nfe()));
        }
        let g = out.backward_for(loss, model)?;
        let nfe = Nfe::of_gradients(&g);
        let mut grads = g.params;
        if free {
            // ∂L/∂(start of segment 2…K) through the solves, plus the continuity term's part.
            let through =
                g.y0.narrow(1, 0, dim)
                    .reshape([series.len(), k, dim])
                    .narrow(1, 1, k - 1)
                    .reshape([series.len() * (k - 1), dim]);
            let id = model.nodes.id;
            let total = match grads.remove::<2>(id) {
                Some(direct) => direct + through,
                None => through,
            };
            grads.register::<2>(id, total);
        }
        Ok(StepOutput {
            loss: value,
            grads,
            nfe,
        })
    }

    fn evaluate(&self, model: &Shot<M>) -> Result<MetricsRow, TrainError> {
        self.regression.evaluate(&model.ode)
    }
}
