//! Dense output: the solution anywhere inside an accepted step, at no extra evaluations.
//!
//! Every interpolant is written as `y(θ) = y₀ + c(θ)·(y₁ − y₀) + h Σ wᵢ(θ) kᵢ` with host-side
//! scalar weights, so one linear combination on the device gives each output.

use crate::State;
use crate::tableau::InterpolantKind;

/// The data of one accepted step that the interpolants need.
pub(crate) struct StepData<'a, S> {
    pub h: f64,
    pub y0: &'a S,
    pub y1: &'a S,
    /// Stage derivatives of the step (`ks[0] = f(t₀, y₀)`).
    pub ks: &'a [S],
    /// `f(t₁, y₁)`.
    pub f1: &'a S,
}

/// The solution at `t₀ + θ h`, `θ ∈ [0, 1]`.
pub(crate) fn interpolate<S: State>(
    kind: InterpolantKind,
    step: &StepData<'_, S>,
    theta: f64,
) -> S {
    let h = step.h;
    let th = theta;
    let th1 = 1.0 - theta;
    match kind {
        InterpolantKind::Hermite => {
            let c = th * th * (3.0 - 2.0 * th);
            let w0 = th * th1 * th1;
            let w1 = -th * th * th1;
            step.y0.add_scaled(&[
                (c, step.y1),
                (-c, step.y0),
                (h * w0, &step.ks[0]),
                (h * w1, step.f1),
            ])
        }
        InterpolantKind::Dopri5(d) => {
            // Hairer's CONTD5: y₀ + θ r₂ + θθ₁ r₃ + θ²θ₁ r₄ + θ²θ₁² r₅ with
            // r₂ = Δ, r₃ = h k₁ − Δ, r₄ = 2Δ − h k₁ − h k₇, r₅ = h Σ dᵢ kᵢ.
            let q = th * th * th1 * th1;
            let c = th - th * th1 + 2.0 * th * th * th1;
            let mut terms: Vec<(f64, &S)> = vec![(c, step.y1), (-c, step.y0)];
            for (i, k) in step.ks.iter().enumerate().take(7) {
                let mut w = q * d[i];
                if i == 0 {
                    w += th * th1 - th * th * th1;
                }
                if i == 6 {
                    w -= th * th * th1;
                }
                terms.push((h * w, k));
            }
            step.y0.add_scaled(&terms)
        }
    }
}
