//! Differentiable per-row solves: every batch row on its own clock, gradients by backprop,
//! the backsolve adjoint or the interpolating adjoint.

use burn::Tensor;
use burn::module::Module;
use neurode_solvers::{
    FailurePolicy, RowDenseOutput, RowGrid, RowRmsNorm, RowSolution, RowStats, RowsAt,
    SolveOptions, SolveStats, solve_rows, solve_rows_observed,
};

use crate::checkpointed::reverse;
use crate::odeint::{Leaves, Through, unchained_pass};
use crate::rows_backward::{RowBackward, RowSource, row_backward, unflatten};
use crate::rows_checkpointed::{RowIterations, RowRecorder};
use crate::schedule::Recorder;
use crate::{AdjointError, GradientMethod, NeuralDynamics, OdeGradients};

/// What the forward pass kept for the backward pass.
enum RowMemo {
    /// Nothing (backprop's tape, the backsolve adjoint).
    Nothing,
    /// The interpolating adjoint: the forward solve's per-row dense output.
    Dense(RowDenseOutput),
    /// Checkpointed backprop: every iteration's accepted steps and the stored states.
    Checkpoints(RowRecorder),
}

/// A differentiable per-row solve ([`odeint_rows`]): the padded trajectory to build a loss
/// from, each row's statistics, and what `backward` needs.
pub struct RowTrajectory<M> {
    /// Row `r` at its `k`-th output time is `ys[k, r]`, `[max_len, batch, dim]` on the
    /// autodiff device; zeros past a row's length ([`RowTrajectory::mask`]).
    pub ys: Tensor<3>,
    /// The output times.
    pub grid: RowGrid,
    /// Outputs produced per row (its grid length unless it failed).
    pub produced: Vec<usize>,
    /// Per-row work and status.
    pub rows: Vec<RowStats>,
    /// The batch's work (batched evaluations; row-steps summed).
    pub stats: SolveStats,
    pub(crate) model: M,
    y0: Tensor<2>,
    y0_input: Tensor<2>,
    opts: SolveOptions,
    method: GradientMethod,
    memo: RowMemo,
}

/// Solves `dy/dt = model(t, y)` from `y0` (on an autodiff device) with every row on its own
/// clock (see [`neurode_solvers::solve_rows`]), so that gradients of any loss of the padded
/// trajectory can be taken with [`RowTrajectory::backward`].
///
/// Gradients:
/// * [`GradientMethod::Backprop`] differentiates through every row's steps;
/// * [`GradientMethod::Adjoint`] and [`GradientMethod::Interpolated`] solve each row backwards
///   on its own clock (its own output intervals, steps and error control); the parameter
///   gradient is one shared accumulator (not a copy of the parameters per row) and stays out
///   of the error control, as the seminorm leaves it (`seminorm` has no further effect here);
/// * [`GradientMethod::Checkpointed`] keeps the full-batch state at evenly spaced iterations
///   (half the budget, thinned by doubling) and re-runs each iteration's accepted steps on the
///   tape, newest first: backprop's gradients at bounded memory.
///
/// Rows that failed under [`FailurePolicy::FinishOthers`] contribute only through the outputs
/// they produced.
pub fn odeint_rows<M: NeuralDynamics>(
    model: &M,
    y0: Tensor<2>,
    grid: &RowGrid,
    opts: &SolveOptions,
    method: &GradientMethod,
    policy: FailurePolicy,
) -> Result<RowTrajectory<M>, AdjointError> {
    if !y0.device().is_autodiff() {
        return Err(AdjointError::NotAutodiff);
    }
    check_method(opts, method)?;
    let y0_input = y0.clone();
    let y0 = y0.detach().require_grad();
    let mut memo = RowMemo::Nothing;
    let solution = match method {
        GradientMethod::Backprop => {
            let f = |at: &RowsAt<'_>, y: &Tensor<2>| model.forward_rows(at, y.clone());
            solve_rows(&f, y0.clone(), grid, opts, policy).map_err(AdjointError::Forward)?
        }
        _ => {
            // Tape-free forward: the outputs become a leaf whose gradient is ∂L/∂y(tᵢ).
            let plain = model.valid();
            let f = |at: &RowsAt<'_>, y: &Tensor<2>| plain.forward_rows(at, y.clone());
            let y0 = y0.clone().inner();
            let sol = match method {
                GradientMethod::Interpolated(_) => {
                    let mut dense = RowDenseOutput::new();
                    let sol =
                        solve_rows_observed(&f, y0, grid, opts, policy, &RowRmsNorm, &mut dense)
                            .map_err(AdjointError::Forward)?;
                    dense.freeze();
                    memo = RowMemo::Dense(dense);
                    sol
                }
                GradientMethod::Checkpointed(c) => {
                    // Half the budget forward (evenly spaced iterations, thinned by doubling);
                    // the other half reverses the stretches between.
                    let keep = Recorder::online(y0.clone(), c.checkpoints.map(|c| c.div_ceil(2)));
                    let mut rec = RowRecorder::new(y0.clone(), keep);
                    let sol =
                        solve_rows_observed(&f, y0, grid, opts, policy, &RowRmsNorm, &mut rec)
                            .map_err(AdjointError::Forward)?;
                    memo = RowMemo::Checkpoints(rec);
                    sol
                }
                _ => solve_rows(&f, y0, grid, opts, policy).map_err(AdjointError::Forward)?,
            };
            RowSolution {
                ys: Tensor::from_inner(sol.ys).require_grad(),
                ..sol
            }
        }
    };
    let RowSolution {
        grid,
        ys,
        produced,
        rows,
        stats,
    } = solution;
    let forward = Forward {
        ys,
        grid,
        produced,
        rows,
        stats,
        dense: None,
    };
    Ok(RowTrajectory::build(
        model,
        (y0, y0_input),
        forward,
        opts,
        method,
        memo,
    ))
}

/// Refuses forward options, backward-solve options or a checkpoint budget that cannot work.
pub(crate) fn check_method(
    opts: &SolveOptions,
    method: &GradientMethod,
) -> Result<(), AdjointError> {
    opts.validate().map_err(AdjointError::Forward)?;
    method.refuse_implicit_where_unsupported(opts)?;
    match method {
        GradientMethod::Adjoint(a) | GradientMethod::Interpolated(a) => {
            a.solve.validate().map_err(AdjointError::BackwardOptions)
        }
        GradientMethod::Checkpointed(c) if c.checkpoints == Some(0) => {
            Err(AdjointError::NoCheckpoints)
        }
        GradientMethod::Checkpointed(_) | GradientMethod::Backprop => Ok(()),
    }
}

/// A forward pass done elsewhere (an event search), as [`RowTrajectory::from_forward`] takes
/// it.
pub(crate) struct Forward {
    /// The outputs on the autodiff device, `[max_len, batch, dim]`: taped from the initial
    /// leaf (backprop), or a fresh leaf (the adjoints).
    pub ys: Tensor<3>,
    /// Their times.
    pub grid: RowGrid,
    /// Outputs per row.
    pub produced: Vec<usize>,
    /// Per-row work and status.
    pub rows: Vec<RowStats>,
    /// The batch's work.
    pub stats: SolveStats,
    /// The forward solve's dense output (the interpolating adjoint reads it).
    pub dense: Option<RowDenseOutput>,
}

impl Forward {
    /// The outputs `ys` at each row's start and event (`hits`) of an event search.
    pub fn new(
        ys: Tensor<3>,
        found: &neurode_solvers::EventSolution,
        hits: RowGrid,
        dense: Option<RowDenseOutput>,
    ) -> Self {
        Self {
            ys,
            produced: (0..hits.rows()).map(|r| hits.len(r)).collect(),
            grid: hits,
            rows: found.solution.rows.clone(),
            stats: found.solution.stats,
            dense,
        }
    }
}

impl<M: NeuralDynamics> RowTrajectory<M> {
    /// A trajectory for the two adjoints from a forward pass done elsewhere (an event search),
    /// `ys` a fresh leaf and `y0` the leaf `y0_input` detached (its dense output, if any, is
    /// frozen for the interpolating adjoint).
    pub(crate) fn from_forward(
        model: &M,
        (y0, y0_input): (Tensor<2>, Tensor<2>),
        forward: Forward,
        opts: &SolveOptions,
        method: &GradientMethod,
    ) -> Self {
        let mut forward = forward;
        let memo = match forward.dense {
            Some(ref mut dense) => {
                dense.freeze();
                RowMemo::Dense(std::mem::take(dense))
            }
            None => RowMemo::Nothing,
        };
        Self::build(model, (y0, y0_input), forward, opts, method, memo)
    }

    fn build(
        model: &M,
        (y0, y0_input): (Tensor<2>, Tensor<2>),
        forward: Forward,
        opts: &SolveOptions,
        method: &GradientMethod,
        memo: RowMemo,
    ) -> Self {
        Self {
            ys: forward.ys,
            grid: forward.grid,
            produced: forward.produced,
            rows: forward.rows,
            stats: forward.stats,
            model: model.clone(),
            y0,
            y0_input,
            opts: opts.clone(),
            method: method.clone(),
            memo,
        }
    }
}

impl<M: NeuralDynamics> RowTrajectory<M> {
    /// `[max_len, batch]` (time-major, row-major host copy): which entries of `ys` are real
    /// outputs.
    pub fn mask(&self) -> Vec<bool> {
        self.grid.mask(&self.produced)
    }

    /// Gradients of `loss` (a one-element tensor built from [`RowTrajectory::ys`]) w.r.t.
    /// the dynamics' parameters and `y0`.
    pub fn backward(self, loss: Tensor<1>) -> Result<OdeGradients, AdjointError> {
        let model = self.model.clone();
        self.backward_for(loss, &model)
    }

    /// [`RowTrajectory::backward`] for a larger model `outer` containing the dynamics (layers
    /// before the solve that produced `y0`, layers after it).
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, AdjointError> {
        let out = self.backward_unchained(loss, outer)?;
        Ok(out.chained(&self.y0_input, outer, self.stats))
    }

    /// [`RowTrajectory::backward_for`] up to `∂L/∂y₀`, not chained into `y0`'s producer.
    pub(crate) fn backward_unchained<N: Module>(
        &self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<Through, AdjointError> {
        let leaves = Leaves {
            ys: &self.ys,
            y0: &self.y0,
            y0_input: &self.y0_input,
        };
        let backprop = matches!(self.method, GradientMethod::Backprop);
        unchained_pass(loss, outer, leaves, backprop, |dl_dys| {
            self.check_finite(&dl_dys)?;
            self.through_solve(dl_dys)
        })
    }

    /// Refuses a NaN or infinite `∂L/∂y`, naming the first row and output that has one.
    fn check_finite(&self, dl_dys: &Tensor<3>) -> Result<(), AdjointError> {
        let [l, b, d] = dl_dys.dims();
        let host: Vec<f64> = dl_dys.to_data().iter::<f64>().collect();
        match (0..l * b).find(|&i| !host[i * d..(i + 1) * d].iter().all(|v| v.is_finite())) {
            Some(i) => Err(AdjointError::NonFiniteGradient {
                index: i / b,
                t: self.grid.times(i % b)[(i / b).min(self.grid.len(i % b) - 1)],
            }),
            None => Ok(()),
        }
    }

    /// The parameter and `y₀` gradients through the solve by the adjoints or checkpointed
    /// backprop, from `∂L/∂y` at every output.
    fn through_solve(&self, dl_dys: Tensor<3>) -> Result<Through, AdjointError> {
        match (&self.method, &self.memo) {
            (GradientMethod::Checkpointed(c), RowMemo::Checkpoints(rec)) => {
                let [l, b, d] = dl_dys.dims();
                let dl_flat = dl_dys.reshape([l * b, d]);
                let stretch = RowIterations {
                    model: &self.model,
                    plain: self.model.valid(),
                    iterations: &rec.iterations,
                    grid: &self.grid,
                    opts: &self.opts,
                    dl_flat: dl_flat.clone(),
                };
                let n = rec.iterations.len();
                let lambda = self.y0.clone().inner().zeros_like();
                let recorder = rec.recorder.clone();
                let r = reverse(&self.model, stretch, recorder, n, c.checkpoints, lambda)?;
                // ∂L/∂y(t₀) directly: every row's first output is its initial state.
                let y0 = r.y0 + dl_flat.narrow(0, 0, b);
                let mut out = Through::new(r.params, y0, r.taped);
                (out.recompute, out.checkpoints) = (r.recompute, r.peak);
                Ok(out)
            }
            (GradientMethod::Adjoint(opts) | GradientMethod::Interpolated(opts), memo) => {
                let source = match memo {
                    RowMemo::Dense(dense) => RowSource::Dense(dense),
                    _ => RowSource::Backsolve,
                };
                let (flat, y0, backward) = row_backward(RowBackward {
                    model: &self.model,
                    grid: &self.grid,
                    produced: &self.produced,
                    ys: self.ys.clone().inner(),
                    dl_dys,
                    solve: &opts.solve,
                    source,
                })?;
                Ok(Through::new(unflatten(&self.model, flat), y0, backward))
            }
            _ => unreachable!("the forward pass keeps what its method's backward needs"),
        }
    }
}
