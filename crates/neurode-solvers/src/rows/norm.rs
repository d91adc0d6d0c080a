//! Per-row error norms: each row's step is accepted or rejected on its own error.

use burn::Tensor;
use neurode_kernels::RowErrorStep;

use super::ops::{column, row_scaled};
use crate::state::scaled_error;

/// What scales a step's error: the states at both ends of the step and the tolerances
/// (`atol + rtol·max(|y0|, |y1|)` per component).
#[derive(Debug, Clone, Copy)]
pub struct ErrorScale<'a> {
    /// The state at the start of the step.
    pub y0: &'a Tensor<2>,
    /// The state at its end.
    pub y1: &'a Tensor<2>,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

/// A norm of each row's local error estimate, scaled by the tolerances (accept a row's step
/// when its norm is ≤ 1): the per-row counterpart of [`crate::ErrorNorm`].
pub trait RowErrorNorm {
    /// Per row, the sum of squared scaled errors over the components that count, and how many
    /// components count per row. By default every column counts (Hairer's mixed sums, as
    /// [`RowRmsNorm`] takes them): `Σⱼ (errᵢⱼ / (atol + rtol·max(|y0ᵢⱼ|, |y1ᵢⱼ|)))²`, summed on
    /// the host in a fixed order, so a row's sum never depends on the other rows.
    fn row_sq_sums(&self, err: &Tensor<2>, s: ErrorScale<'_>) -> (Vec<f64>, usize) {
        let [rows, cols] = err.dims();
        let ratio = scaled_error(err, s.y0, s.y1, s.rtol, s.atol);
        let host: Vec<f64> = (ratio.clone() * ratio).into_data().iter::<f64>().collect();
        let sums = (0..rows)
            .map(|r| host[r * cols..(r + 1) * cols].iter().sum())
            .collect();
        (sums, cols)
    }

    /// [`row_sq_sums`](Self::row_sq_sums) of a step's error estimate `h ⊙ Σ cᵢ·kᵢ` (one `h`
    /// per row, the error weights `cᵢ` of the stages `kᵢ`, zero weights already left out).
    /// By default the estimate is formed and passed on; a norm may compute both at once.
    fn step_sq_sums(&self, h: &[f64], terms: &[(f64, &Tensor<2>)], s: ErrorScale<'_>) -> RowSqSums {
        let err = row_scaled(&column(h, &s.y0.device()), terms);
        self.row_sq_sums(&err, s)
    }

    /// Per row, the root mean square of the scaled errors.
    fn row_norms(&self, err: &Tensor<2>, s: ErrorScale<'_>) -> Vec<f64> {
        let (sums, n) = self.row_sq_sums(err, s);
        sums.into_iter()
            .map(|s| (s / n.max(1) as f64).sqrt())
            .collect()
    }
}

/// Per row, a sum of squared scaled errors, and how many components it sums.
pub type RowSqSums = (Vec<f64>, usize);

/// Hairer's mixed RMS norm over each row's components (torchode's per-row norm):
/// `√(mean_j((errᵢⱼ / (atol + rtol·max(|y0ᵢⱼ|, |y1ᵢⱼ|)))²))` for row `i` (the trait's
/// default sums, a step's formed in one fused pass where a kernel applies).
#[derive(Debug, Clone, Copy, Default)]
pub struct RowRmsNorm;

impl RowErrorNorm for RowRmsNorm {
    /// One fused pass over the stages on flex (the same arithmetic), else the default.
    fn step_sq_sums(&self, h: &[f64], terms: &[(f64, &Tensor<2>)], s: ErrorScale<'_>) -> RowSqSums {
        let (y0, y1, rtol, atol) = (s.y0, s.y1, s.rtol, s.atol);
        let step = RowErrorStep {
            y0,
            y1,
            h,
            terms,
            rtol,
            atol,
        };
        match neurode_kernels::row_error_sq_sums(step) {
            Some(sums) => (sums, y0.dims()[1]),
            None => self.row_sq_sums(&row_scaled(&column(h, &y0.device()), terms), s),
        }
    }
}
