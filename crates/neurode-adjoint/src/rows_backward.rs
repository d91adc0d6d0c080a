//! The adjoints in per-row mode: each row's backward solve on its own clock (its own output
//! times, steps and error control), the parameter gradient one shared accumulator.
//!
//! The backward pass runs in phases: phase `p` integrates, for every row with more than `p`
//! outputs, the interval between its `p`-th and `(p+1)`-th output from the end, in one per-row
//! solve; between phases `a` jumps by `∂L/∂y(tₖ)` (and the backsolve's `y` is reset to the
//! stored forward state), as in the shared-clock pass. The state is `[y, a]` per row (the
//! backsolve adjoint) or `a` alone (the interpolating adjoint, which reads `y` from the forward
//! solve's per-row dense output).
//!
//! The parameter integral `∫ aᵀ ∂f/∂θ dt` is summed over rows, so it cannot live in the rows'
//! states without a copy of every parameter per row (torchode's `B × P`). Instead, after each
//! iteration of a phase, the accepted rows' stage values are stacked and one vector–Jacobian
//! product with the cotangents `−bᵢ·h·aᵢ` adds that iteration's quadrature to one shared `[P]`
//! accumulator: the Runge–Kutta quadrature the shared-clock pass integrates in its state. It
//! never enters the error control (a seminorm; with rows on their own clocks there is no
//! per-row norm it could join), and the stage evaluations of the solve take gradients with
//! respect to `y` only.

use burn::Tensor;
use burn::module::Module;
use burn::tensor::TensorData;
use neurode_solvers::{
    AcceptedRows, Convention, ErrorScale, FailurePolicy, RowDenseOutput, RowErrorNorm, RowGrid,
    RowObserver, RowRmsNorm, RowsAt, SolveOptions, SolveStats, State, solve_rows_observed,
};

use crate::params::ParamLayout;
use crate::rows_checkpointed::{index, put_rows};
use crate::{AdjointError, NeuralDynamics};

/// Where the per-row backward pass gets the forward state `y(t)`.
pub(crate) enum RowSource<'a> {
    /// Integrated backwards with the adjoint, reset to the stored outputs.
    Backsolve,
    /// Read from the forward solve's per-row dense output.
    Dense(&'a RowDenseOutput),
}

/// The inputs of a per-row backward pass.
pub(crate) struct RowBackward<'a, M> {
    pub model: &'a M,
    pub grid: &'a RowGrid,
    /// How many outputs each row produced (its grid length unless it failed).
    pub produced: &'a [usize],
    /// The forward outputs, `[max_len, batch, dim]` (plain).
    pub ys: Tensor<3>,
    /// `∂L/∂y` at every output, `[max_len, batch, dim]` (plain).
    pub dl_dys: Tensor<3>,
    pub solve: &'a SolveOptions,
    pub source: RowSource<'a>,
}

/// `∂L/∂θ` (flat, in the layout's order), `∂L/∂y₀` (`[batch, dim]`) and the backward work.
pub(crate) fn row_backward<M: NeuralDynamics>(
    b: RowBackward<'_, M>,
) -> Result<(Tensor<1>, Tensor<2>, SolveStats), AdjointError> {
    let layout = ParamLayout::of(b.model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let [l, batch, d] = b.ys.dims();
    let device = b.ys.device();
    let backsolve = matches!(b.source, RowSource::Backsolve);
    let mut pass = Pass {
        flat_ys: b.ys.clone().reshape([l * batch, d]),
        flat_dl: b.dl_dys.clone().reshape([l * batch, d]),
        stepping: b.model.clone().no_grad(),
        // Each phase ends exactly on the rows' output times (the accumulator integrates whole
        // steps, so no step may run past them as torchdiffeq's convention would).
        solve: b.solve.clone().with_convention(Convention::Neurode),
        norm: AugRowNorm {
            y_cols: if backsolve { d } else { 0 },
        },
        stats: SolveStats::default(),
        b: &b,
    };
    let all: Vec<usize> = (0..batch).collect();
    let last = |r: usize| b.produced[r].max(1) - 1;
    let mut a = pass.at_outputs(&pass.flat_dl, &all, &last);
    let mut y = pass.at_outputs(&pass.flat_ys, &all, &last);
    let mut g = GAccumulator {
        model: b.model,
        layout: &layout,
        dim: d,
        backsolve,
        dense: match b.source {
            RowSource::Dense(dense) => Some(dense),
            RowSource::Backsolve => None,
        },
        rows: Vec::new(),
        sum: Tensor::zeros([layout.total()], &device),
        evaluations: 0,
    };
    let phases = b.produced.iter().copied().max().unwrap_or(1);
    for p in 1..phases {
        pass.phase(p, &mut a, &mut y, &mut g)?;
    }
    let mut stats = pass.stats;
    stats.nfe += g.evaluations;
    Ok((g.sum, a, stats))
}

/// One backward pass over the phases.
struct Pass<'a, 'b, M: NeuralDynamics> {
    b: &'a RowBackward<'b, M>,
    flat_ys: Tensor<2>,
    flat_dl: Tensor<2>,
    /// The model with untracked parameters: the stages take `y`-gradients only.
    stepping: M,
    solve: SolveOptions,
    norm: AugRowNorm,
    stats: SolveStats,
}

impl<M: NeuralDynamics> Pass<'_, '_, M> {
    /// Rows `rows` at their output `k(r)`, gathered from a `[max_len · batch, dim]` tensor.
    fn at_outputs(&self, t: &Tensor<2>, rows: &[usize], k: &dyn Fn(usize) -> usize) -> Tensor<2> {
        let batch = self.b.grid.rows();
        let at: Vec<usize> = rows.iter().map(|&r| k(r) * batch + r).collect();
        t.clone().select(0, index(&at, &t.device()))
    }

    /// Phase `p`: every row with more than `p` outputs integrates back from its output
    /// `produced − p` to the one before; then `a` jumps and the backsolve's `y` restarts.
    fn phase(
        &mut self,
        p: usize,
        a: &mut Tensor<2>,
        y: &mut Tensor<2>,
        g: &mut GAccumulator<'_, M>,
    ) -> Result<(), AdjointError> {
        let b = self.b;
        let d = a.dims()[1];
        let backsolve = g.backsolve;
        let rows: Vec<usize> = (0..b.grid.rows()).filter(|&r| b.produced[r] > p).collect();
        let from = |r: usize| b.produced[r] - p;
        let to = |r: usize| b.produced[r] - p - 1;
        let times = |r: usize| vec![b.grid.times(r)[from(r)], b.grid.times(r)[to(r)]];
        let grid = RowGrid::new(rows.iter().map(|&r| times(r)).collect())
            .map_err(AdjointError::Forward)?;
        let a_rows = at_rows(a, &rows);
        let state = if backsolve {
            Tensor::cat(vec![at_rows(y, &rows), a_rows], 1)
        } else {
            a_rows
        };
        let (dense, stepping) = (g.dense, &self.stepping);
        let dynamics = |at: &RowsAt<'_>, s: &Tensor<2>| {
            let batch_rows: Vec<usize> = at.rows.iter().map(|&i| rows[i]).collect();
            let at = RowsAt {
                t: at.t,
                rows: &batch_rows,
            };
            let (y, a) = match dense {
                None => split(s, d),
                Some(dense) => (
                    dense.at(&batch_rows, at.t).expect("a forward step per row"),
                    s.clone(),
                ),
            };
            let (f, a_dot) = vjp_y(stepping, &at, y, a);
            if backsolve {
                Tensor::cat(vec![f, a_dot.neg()], 1)
            } else {
                a_dot.neg()
            }
        };
        g.rows = rows.clone();
        let policy = FailurePolicy::FailBatch;
        let sol = solve_rows_observed(&dynamics, state, &grid, &self.solve, policy, &self.norm, g)
            .map_err(|source| AdjointError::RowBackward { phase: p, source })?;
        self.stats += sol.stats;
        let end = sol.last();
        let a_end = if backsolve { split(&end, d).1 } else { end };
        let a_new = a_end + self.at_outputs(&self.flat_dl, &rows, &to);
        *a = put_rows(a, &a_new, &rows);
        if backsolve {
            *y = put_rows(y, &self.at_outputs(&self.flat_ys, &rows, &to), &rows);
        }
        Ok(())
    }
}

/// `[rows, 2d]` → its `y` and `a` halves.
fn split(s: &Tensor<2>, d: usize) -> (Tensor<2>, Tensor<2>) {
    (s.clone().narrow(1, 0, d), s.clone().narrow(1, d, d))
}

fn at_rows(t: &Tensor<2>, rows: &[usize]) -> Tensor<2> {
    if rows.len() == t.dims()[0] {
        return t.clone();
    }
    t.clone().select(0, index(rows, &t.device()))
}

/// `(f(t, y), aᵀ ∂f/∂y)` with every row at its own time, from one forward and one backward
/// pass of `model` (parameters not tracked) on the autodiff device; plain tensors in and out.
fn vjp_y<M: NeuralDynamics>(
    model: &M,
    at: &RowsAt<'_>,
    y: Tensor<2>,
    a: Tensor<2>,
) -> (Tensor<2>, Tensor<2>) {
    let y_ad = Tensor::from_inner(y.clone()).require_grad();
    let f = model.forward_rows(at, y_ad.clone());
    let grads = (f.clone() * Tensor::from_inner(a)).sum().backward();
    let a_dot = y_ad.grad(&grads).unwrap_or_else(|| y.zeros_like());
    (f.inner(), a_dot)
}

/// Per row, the largest of the RMS norms of its `y` columns (the first `y_cols`) and its `a`
/// columns: torchdiffeq's adjoint norm with the seminorm, row by row.
struct AugRowNorm {
    y_cols: usize,
}

impl AugRowNorm {
    fn parts(&self, t: &Tensor<2>) -> Vec<Tensor<2>> {
        let [_, c] = t.dims();
        if self.y_cols == 0 {
            return vec![t.clone()];
        }
        vec![
            t.clone().narrow(1, 0, self.y_cols),
            t.clone().narrow(1, self.y_cols, c - self.y_cols),
        ]
    }
}

/// The squared sums are the default's, over every column; the norms are the largest part's.
impl RowErrorNorm for AugRowNorm {
    fn row_norms(&self, err: &Tensor<2>, s: ErrorScale<'_>) -> Vec<f64> {
        let (e, a, b) = (self.parts(err), self.parts(s.y0), self.parts(s.y1));
        let mut norms: Vec<f64> = vec![0.0; err.dims()[0]];
        for i in 0..e.len() {
            let part = RowRmsNorm.row_norms(
                &e[i],
                ErrorScale {
                    y0: &a[i],
                    y1: &b[i],
                    ..s
                },
            );
            for (n, p) in norms.iter_mut().zip(part) {
                *n = n.max(p);
            }
        }
        norms
    }
}

/// Adds each iteration's `−Σᵢ bᵢ·h·aᵢᵀ ∂f/∂θ(tᵢ, yᵢ)` over the accepted rows' stages to
/// one shared `[P]` sum, with one vector–Jacobian product of the stacked stages.
struct GAccumulator<'a, M> {
    model: &'a M,
    layout: &'a ParamLayout,
    dim: usize,
    backsolve: bool,
    dense: Option<&'a RowDenseOutput>,
    /// The current phase's batch rows (the solve's row `i` is batch row `rows[i]`).
    rows: Vec<usize>,
    sum: Tensor<1>,
    /// Batched evaluations of the dynamics the accumulator made (one per stage it stacks).
    evaluations: usize,
}

impl<M: NeuralDynamics> RowObserver for GAccumulator<'_, M> {
    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        let tab = steps.tableau;
        let device = steps.y0.device();
        let h: Vec<f64> = steps.steps.iter().map(|s| s.h).collect();
        let rows: Vec<usize> = steps.steps.iter().map(|s| self.rows[s.row]).collect();
        let hcol = Tensor::<2>::from_data(TensorData::new(h.clone(), [h.len(), 1]), &device);
        let (mut ys, mut cots, mut ts, mut at_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, &bi) in tab.b.iter().enumerate() {
            if bi == 0.0 {
                continue;
            }
            let stage = if i == 0 {
                steps.y0.clone()
            } else {
                let terms: Vec<(f64, &Tensor<2>)> =
                    tab.a[i].iter().copied().zip(steps.ks).collect();
                steps.y0.clone() + Tensor::combine(&terms) * hcol.clone()
            };
            let t: Vec<f64> = steps.steps.iter().map(|s| s.t0 + tab.c[i] * s.h).collect();
            let (y, a) = if self.backsolve {
                split(&stage, self.dim)
            } else {
                let dense = self
                    .dense
                    .expect("the interpolating adjoint has a dense output");
                (dense.at(&rows, &t).expect("a forward step per row"), stage)
            };
            let weight: Vec<f64> = h.iter().map(|h| -bi * h).collect();
            let w = Tensor::<2>::from_data(TensorData::new(weight, [h.len(), 1]), &device);
            ys.push(y);
            cots.push(a * w);
            self.evaluations += 1;
            ts.extend(t);
            at_rows.extend(rows.iter().copied());
        }
        let y = Tensor::from_inner(Tensor::cat(ys, 0));
        let cot = Tensor::from_inner(Tensor::cat(cots, 0));
        let at = RowsAt {
            t: &ts,
            rows: &at_rows,
        };
        let f = self.model.forward_rows(&at, y);
        let grads = (f * cot).sum().backward();
        let g = self.layout.flatten(self.model, &grads, &device);
        self.sum = self.sum.clone() + g;
    }
}

/// The model's parameters' gradient from a flat sum.
pub(crate) fn unflatten<M: Module>(model: &M, flat: Tensor<1>) -> burn::optim::GradientsParams {
    ParamLayout::of(model).unflatten(model, flat)
}
