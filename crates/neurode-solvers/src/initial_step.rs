//! Hairer's automatic initial step size (Hairer, Nørsett & Wanner, *Solving ODEs I*, II.4).

use crate::stepper::Counted;
use crate::{Dynamics, ErrorNorm, State};

/// Chooses `|h₀|` from the scale of `y₀`, `f₀` and a finite-difference estimate of the second
/// derivative, so that the first step's error is about the tolerance. Costs one evaluation.
/// `error_order` is the order `q` of the embedded error estimate: the exponent is `1/(q + 1)`,
/// as in Hairer's `HINIT` (`IORD = 5` for DOPRI5), scipy and torchdiffeq.
#[allow(clippy::too_many_arguments)]
pub(crate) fn initial_step<S, F, N>(
    f: &mut Counted<'_, F>,
    norm: &N,
    t0: f64,
    y0: &S,
    f0: &S,
    dir: f64,
    error_order: u32,
    rtol: f64,
    atol: f64,
) -> f64
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let d0 = norm.norm(y0, y0, y0, rtol, atol);
    let d1 = norm.norm(f0, y0, y0, rtol, atol);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    let y1 = y0.add_scaled(&[(dir * h0, f0)]);
    let f1 = f.eval(t0 + dir * h0, &y1);
    let diff = S::combine(&[(1.0, &f1), (-1.0, f0)]);
    let d2 = norm.norm(&diff, y0, y0, rtol, atol) / h0;
    let h1 = if d1.max(d2) <= 1e-15 {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / d1.max(d2)).powf(1.0 / f64::from(error_order + 1))
    };
    let h = (100.0 * h0).min(h1);
    if h.is_finite() && h > 0.0 { h } else { h0 }
}
