//! Error norms for step-size control.

use crate::{HostRows, State};

/// A norm of the local error estimate, scaled by the tolerances.
///
/// The step is accepted when the norm is ≤ 1. Implement it to change which components count
/// (the adjoint's *seminorm* leaves the parameter-gradient channels out).
pub trait ErrorNorm<S> {
    /// The sum of squared scaled errors over the components that count, and how many counted.
    /// The default mixed RMS norm is `√(sum / count)`.
    fn sq_sum(&self, err: &S, y0: &S, y1: &S, rtol: f64, atol: f64) -> (f64, usize);

    /// The norm itself: root mean square of the scaled errors.
    fn norm(&self, err: &S, y0: &S, y1: &S, rtol: f64, atol: f64) -> f64 {
        let (sum, n) = self.sq_sum(err, y0, y1, rtol, atol);
        (sum / n.max(1) as f64).sqrt()
    }

    /// [`ErrorNorm::sq_sum`] of values already on the host (the implicit methods' steps);
    /// `None` (the default) makes the solver bring them back to `S` and call `sq_sum`.
    fn host_sq_sum(
        &self,
        err: &HostRows,
        y0: &HostRows,
        y1: &HostRows,
        rtol: f64,
        atol: f64,
    ) -> Option<(f64, usize)> {
        let _ = (err, y0, y1, rtol, atol);
        None
    }
}

/// Hairer's mixed RMS norm over every component:
/// `√(mean((errᵢ / (atol + rtol·max(|y0ᵢ|, |y1ᵢ|)))²))` — what torchdiffeq, scipy and
/// Hairer's codes use. One shared step size for the whole batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct RmsNorm;

impl<S: State> ErrorNorm<S> for RmsNorm {
    fn sq_sum(&self, err: &S, y0: &S, y1: &S, rtol: f64, atol: f64) -> (f64, usize) {
        S::scaled_sq_sum(err, y0, y1, rtol, atol)
    }

    fn host_sq_sum(
        &self,
        err: &HostRows,
        y0: &HostRows,
        y1: &HostRows,
        rtol: f64,
        atol: f64,
    ) -> Option<(f64, usize)> {
        Some(<Vec<f64> as State>::scaled_sq_sum(
            &err.values,
            &y0.values,
            &y1.values,
            rtol,
            atol,
        ))
    }
}
