//! The right-hand side of a per-row solve: every row at its own time.

use burn::Tensor;
use burn::tensor::TensorData;

use super::ops::index;

/// Which batch rows an evaluation of per-row dynamics covers, and each one's time: row `i`
/// of the evaluated state is batch row `rows[i]` at time `t[i]`. Rows that have finished
/// leave the evaluated batch, so `rows` may be a subset of the batch (in increasing order in a
/// solve; the per-row adjoints also evaluate stacked stages, where a batch row appears once per
/// stage, at different times).
#[derive(Debug, Clone, Copy)]
pub struct RowsAt<'a> {
    /// Each evaluated row's time.
    pub t: &'a [f64],
    /// Each evaluated row's index in the batch.
    pub rows: &'a [usize],
}

impl RowsAt<'_> {
    /// The times as a `[rows, 1]` column on `device` (for time-dependent networks).
    pub fn time_column(&self, device: &burn::tensor::Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(self.t.to_vec(), [self.t.len(), 1]), device)
    }

    /// The evaluated rows of a per-batch-row tensor (parameters or inputs given for every
    /// batch row, e.g. `[batch, k]`): `per_row` itself when every row is evaluated.
    pub fn gather<const D: usize>(&self, per_row: &Tensor<D>) -> Tensor<D> {
        let n = per_row.dims()[0];
        if self.rows.len() == n && self.rows.iter().enumerate().all(|(i, &r)| i == r) {
            return per_row.clone();
        }
        per_row
            .clone()
            .select(0, index(self.rows, &per_row.device()))
    }
}

/// The dynamics `dy/dt = f(t, y)` of a per-row solve: row `i` of the `[rows, dim]` state `y`
/// is batch row `at.rows[i]` at time `at.t[i]`. The returned derivative has the shape of `y`.
///
/// Any `Fn(&RowsAt, &Tensor<2>) -> Tensor<2>` is per-row dynamics; a time-independent
/// right-hand side ignores `at`, one with per-row parameters gathers them:
///
/// ```
/// use burn::Tensor;
/// use neurode_solvers::{RowDynamics, RowsAt};
///
/// let decay = |_at: &RowsAt, y: &Tensor<2>| y.clone().neg();
/// fn takes(_f: &impl RowDynamics) {}
/// takes(&decay);
/// ```
pub trait RowDynamics {
    /// Evaluates `f(tᵢ, yᵢ)` for every row `i` of `y`.
    fn eval_rows(&self, at: &RowsAt<'_>, y: &Tensor<2>) -> Tensor<2>;
}

impl<F> RowDynamics for F
where
    F: Fn(&RowsAt<'_>, &Tensor<2>) -> Tensor<2>,
{
    fn eval_rows(&self, at: &RowsAt<'_>, y: &Tensor<2>) -> Tensor<2> {
        self(at, y)
    }
}
