//! What a per-row solve returns: the padded outputs, each row's statistics and status.

use burn::Tensor;
use burn::tensor::{Bool, TensorData};
use serde::{Deserialize, Serialize};

use super::RowGrid;
use super::ops::index;
use crate::{SolveError, SolveStats};

/// What happens to the batch when one row fails (step budget, step-size underflow, non-finite
/// values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// The solve returns [`SolveError::Row`] for the first row that fails (torchdiffeq's and
    /// torchode's behaviour).
    #[default]
    FailBatch,
    /// The failing row stops and reports its [`RowStatus`]; the other rows finish. The failed
    /// row's missing outputs are zeros in [`RowSolution::ys`] and `false` in
    /// [`RowSolution::mask`]. (Bad input — an initial state that is already NaN, a wrong
    /// shape — is an error of the whole call under either policy.)
    FinishOthers,
}

/// How a row's solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Every output time reached.
    Success,
    /// The row used up `max_steps` (accepted + rejected).
    MaxSteps,
    /// The controller asked for a step below the time resolution (or `min_step`).
    StepUnderflow,
    /// The row's state or derivative became NaN or infinite (or, in an event solve, its
    /// condition did, or its crossing could not be located: the row's `error` says which).
    NonFinite,
    /// An observer stopped the row: a terminal event fired ([`crate::solve_event`]).
    Event,
}

impl RowStatus {
    /// The status a solver error stands for.
    pub(crate) fn of(error: &SolveError) -> Self {
        match error {
            SolveError::MaxStepsExceeded { .. } => RowStatus::MaxSteps,
            SolveError::StepSizeUnderflow { .. } => RowStatus::StepUnderflow,
            _ => RowStatus::NonFinite,
        }
    }
}

/// One row's work and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RowStats {
    /// Evaluations of the dynamics that included this row (its share of the batched NFE).
    pub nfe: usize,
    /// This row's accepted steps.
    pub accepted_steps: usize,
    /// This row's rejected steps.
    pub rejected_steps: usize,
    /// How the row ended.
    pub status: RowStatus,
    /// The error that stopped the row (`None` on success).
    pub error: Option<SolveError>,
}

impl RowStats {
    pub(crate) fn new() -> Self {
        Self {
            nfe: 0,
            accepted_steps: 0,
            rejected_steps: 0,
            status: RowStatus::Success,
            error: None,
        }
    }
}

/// The solution of a per-row solve.
///
/// Layout of [`RowSolution::ys`]: `[max_len, batch, dim]`, time-major like a shared-clock
/// [`crate::Solution::stacked`]; entry `[k, r]` is row `r` at its `k`-th output time
/// `grid.times(r)[k]` for `k < grid.len(r)`, and zeros past a row's length (or past the
/// point where a row failed under [`FailurePolicy::FinishOthers`]); [`RowSolution::mask`]
/// marks the real entries.
#[derive(Debug, Clone)]
pub struct RowSolution {
    /// The output times.
    pub grid: RowGrid,
    /// The outputs, `[max_len, batch, dim]`, zero-padded.
    pub ys: Tensor<3>,
    /// How many outputs each row produced (its grid length unless it failed).
    pub produced: Vec<usize>,
    /// Per-row work and status.
    pub rows: Vec<RowStats>,
    /// The batch's work: `nfe` counts batched evaluations of the dynamics (each on the rows
    /// still integrating), `accepted_steps`/`rejected_steps` sum every row's steps.
    pub stats: SolveStats,
}

impl RowSolution {
    /// Whether every row succeeded.
    pub fn is_success(&self) -> bool {
        self.rows.iter().all(|r| r.status == RowStatus::Success)
    }

    /// Row evaluations: the sum over rows of [`RowStats::nfe`] (the work in rows of state).
    pub fn row_evaluations(&self) -> usize {
        self.rows.iter().map(|r| r.nfe).sum()
    }

    /// `[max_len, batch]` mask of the real outputs (row-major host copy, time-major order).
    pub fn mask(&self) -> Vec<bool> {
        self.grid.mask(&self.produced)
    }

    /// [`RowSolution::mask`] as a `[max_len, batch, 1]` boolean tensor on the outputs' device.
    pub fn mask_tensor(&self) -> Tensor<3, Bool> {
        let (l, b) = (self.grid.max_len(), self.grid.rows());
        Tensor::from_data(TensorData::new(self.mask(), [l, b, 1]), &self.ys.device())
    }

    /// Row `r`'s outputs, `[produced[r], dim]` (at least its initial state).
    pub fn row(&self, r: usize) -> Tensor<2> {
        let [l, _, d] = self.ys.dims();
        let n = self.produced[r].clamp(1, l);
        self.ys
            .clone()
            .slice([0..l, r..r + 1, 0..d])
            .reshape([l, d])
            .narrow(0, 0, n)
    }

    /// Each row's last produced output, `[batch, dim]` (its end state on success).
    pub fn last(&self) -> Tensor<2> {
        let [l, b, d] = self.ys.dims();
        let flat = self.ys.clone().reshape([l * b, d]);
        let rows: Vec<usize> = self
            .produced
            .iter()
            .enumerate()
            .map(|(r, &n)| n.saturating_sub(1) * b + r)
            .collect();
        flat.select(0, index(&rows, &self.ys.device()))
    }
}
