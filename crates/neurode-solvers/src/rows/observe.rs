//! Watching a per-row solve: every iteration's accepted row steps, with their interpolants
//! when wanted — what per-row gradient methods keep of the forward pass.

use burn::Tensor;

use super::ops::combine_per_row;
use crate::interpolate::Prepared;
use crate::tableau::Tableau;

/// One row's accepted step, exactly as the solver took it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowStepRecord {
    /// The batch row.
    pub row: usize,
    /// Where the step started.
    pub t0: f64,
    /// Where it ended (the row's last output time when the step was cut to land on it).
    pub t1: f64,
    /// The signed step length the Runge–Kutta stages used (`t1 − t0` up to rounding).
    pub h: f64,
}

/// The interpolants of some rows' accepted steps: row `i` of the basis tensors is batch row
/// `rows[i]` on its step `t0[i] → t0[i] + h[i]`.
#[derive(Clone)]
pub struct RowInterpolants {
    pub(crate) rows: Vec<usize>,
    pub(crate) t0: Vec<f64>,
    pub(crate) h: Vec<f64>,
    pub(crate) prepared: Prepared<Tensor<2>>,
}

impl RowInterpolants {
    /// The batch rows, one per interpolant.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }
}

/// The rows whose steps were accepted in one iteration of a per-row solve: row `i` of every
/// tensor belongs to `steps[i]`.
pub struct AcceptedRows<'a> {
    /// The method (stage nodes and coefficients: stage `i` of row `r` is at
    /// `t0 + cᵢ·h` and `y0 + h·Σⱼ aᵢⱼ·kⱼ`).
    pub tableau: &'static Tableau,
    /// The steps, in increasing batch row.
    pub steps: &'a [RowStepRecord],
    /// The states at the steps' starts.
    pub y0: &'a Tensor<2>,
    /// The states at their ends.
    pub y1: &'a Tensor<2>,
    /// The stage derivatives (`ks[0] = f(t0, y0)`).
    pub ks: &'a [Tensor<2>],
    /// The steps' interpolants, when [`RowObserver::wants_dense`] said so.
    pub dense: Option<RowInterpolants>,
}

/// Called by [`crate::solve_rows_observed`] after every iteration that accepted steps.
pub trait RowObserver {
    /// Whether [`RowObserver::accepted`] should receive the steps' interpolants (costs
    /// `f(t₁, y₁)` for methods without FSAL, and DOP853's extra stages).
    fn wants_dense(&self) -> bool {
        false
    }

    /// Steps of some rows were accepted.
    fn accepted(&mut self, steps: AcceptedRows<'_>);

    /// Batch rows to stop after the steps just reported (an event fired in them): they leave
    /// the solve with status [`crate::RowStatus::Event`]. Asked after every
    /// [`RowObserver::accepted`]; none by default.
    fn stops(&mut self) -> Vec<usize> {
        Vec::new()
    }
}

/// Logs the accepted steps only, one entry per iteration (for replaying them,
/// [`crate::replay_rows`]).
#[derive(Debug, Clone, Default)]
pub struct RowStepLog {
    /// Each iteration's accepted steps, in order.
    pub iterations: Vec<Vec<RowStepRecord>>,
}

/// Observes nothing: a per-row solve with a custom norm and no observer.
impl RowObserver for () {
    fn accepted(&mut self, _: AcceptedRows<'_>) {}
}

impl RowObserver for RowStepLog {
    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        self.iterations.push(steps.steps.to_vec());
    }
}

/// The solution of a per-row solve as a function of each row's time: every accepted step's
/// interpolant, recorded by passing it as the observer of [`crate::solve_rows_observed`].
/// [`RowDenseOutput::at`] gathers any rows at any of their times in one combination.
#[derive(Default)]
pub struct RowDenseOutput {
    /// Per batch row, its steps: `(t0, h, index)` in order of integration, `index` the row of
    /// the step in the concatenated basis.
    steps: Vec<Vec<(f64, f64, usize)>>,
    /// Per iteration, the basis tensors (`[y₀, basis…]`, each `[k, dim]`).
    parts: Vec<Vec<Tensor<2>>>,
    /// The concatenation of `parts`, one tensor per basis vector (built on first use).
    basis: Vec<Tensor<2>>,
    /// One interpolant, to compute weights (the kind and unit step are the same for all).
    weights_of: Option<Prepared<Tensor<2>>>,
    len: usize,
}

impl RowDenseOutput {
    /// An empty recording.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of recorded row steps.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no step was recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Joins the recorded steps into one tensor per basis vector, so that [`RowDenseOutput::at`]
    /// gathers from them directly (call it once the solve is done; `at` works without it, at
    /// the cost of joining them on every call).
    pub fn freeze(&mut self) {
        if !self.parts.is_empty() {
            self.basis = self.joined();
            self.parts.clear();
        }
    }

    /// The joined basis and the parts recorded since, one tensor per basis vector.
    fn joined(&self) -> Vec<Tensor<2>> {
        let m = self.parts.first().map_or(0, Vec::len);
        (0..m)
            .map(|j| {
                let earlier = self.basis.get(j).cloned().into_iter();
                let parts = self.parts.iter().map(|p| p[j].clone());
                Tensor::cat(earlier.chain(parts).collect(), 0)
            })
            .collect()
    }

    /// The solution of batch row `rows[i]` at time `t[i]` for every `i`, `[rows, dim]`, from
    /// the step that holds it (the first or last step's polynomial outside a row's span).
    /// `None` when a row has no recorded step.
    pub fn at(&self, rows: &[usize], t: &[f64]) -> Option<Tensor<2>> {
        let joined;
        let basis: &[Tensor<2>] = if self.parts.is_empty() {
            &self.basis
        } else {
            joined = self.joined();
            &joined
        };
        let prepared = self.weights_of.as_ref()?;
        let mut at = Vec::with_capacity(rows.len());
        let mut weights = Vec::with_capacity(rows.len());
        for (&r, &t) in rows.iter().zip(t) {
            let steps = self.steps.get(r).filter(|s| !s.is_empty())?;
            let forward = steps[0].1 > 0.0;
            let end = |s: &(f64, f64, usize)| s.0 + s.1;
            let before = steps.partition_point(|s| if forward { end(s) < t } else { end(s) > t });
            let (t0, h, index) = steps[before.min(steps.len() - 1)];
            at.push(index);
            weights.push(prepared.weights((t - t0) / h));
        }
        let basis: Vec<&Tensor<2>> = basis.iter().collect();
        Some(combine_per_row(&basis, &at, &weights))
    }
}

impl RowObserver for RowDenseOutput {
    fn wants_dense(&self) -> bool {
        true
    }

    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        let dense = steps
            .dense
            .expect("wants_dense: the solver passes the interpolants");
        for (i, &r) in dense.rows.iter().enumerate() {
            if self.steps.len() <= r {
                self.steps.resize_with(r + 1, Vec::new);
            }
            self.steps[r].push((dense.t0[i], dense.h[i], self.len + i));
        }
        self.len += dense.rows.len();
        self.parts
            .push(dense.prepared.full_basis().into_iter().cloned().collect());
        if self.weights_of.is_none() {
            self.weights_of = Some(dense.prepared);
        }
    }
}
