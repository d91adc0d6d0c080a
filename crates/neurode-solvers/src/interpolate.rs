//! Dense output: the solution anywhere inside an accepted step.
//!
//! For each step that holds an output time, [`Prepared::new`] builds a small basis of state
//! vectors once (evaluating `f(t₁, y₁)` or extra stages only when the method's interpolant
//! needs them); every output in the step is then `y₀ + Σ wⱼ(θ) basisⱼ` with host-side weights:
//! one linear combination on the device.

use crate::State;
use crate::tableau::InterpolantKind;

/// An accepted step `t₀ → t₀ + h`.
pub(crate) struct StepData<'a, S> {
    pub t0: f64,
    pub h: f64,
    pub y0: &'a S,
    pub y1: &'a S,
    /// Stage derivatives of the step (`ks[0] = f(t₀, y₀)`).
    pub ks: &'a [S],
}

/// The per-step basis of an interpolant.
pub(crate) struct Prepared<S> {
    kind: InterpolantKind,
    h: f64,
    y0: S,
    /// Hermite: `[y₁, f₀, f₁]`; DOPRI5: `[y₁, k₁ … k₇]`; DOP853: `[F₀ … F₆]`.
    basis: Vec<S>,
}

impl<S: State> Prepared<S> {
    /// Builds the basis. `f1` is `f(t₁, y₁)`, computed by the caller when it was not known;
    /// `eval` evaluates the dynamics for DOP853's extra stages.
    pub fn new(
        kind: InterpolantKind,
        step: &StepData<'_, S>,
        f1: &S,
        eval: &mut dyn FnMut(f64, &S) -> S,
    ) -> Self {
        let (h, y0, y1) = (step.h, step.y0, step.y1);
        let basis = match kind {
            InterpolantKind::Hermite => vec![y1.clone(), step.ks[0].clone(), f1.clone()],
            InterpolantKind::Dopri5(_) => {
                let mut b = vec![y1.clone()];
                b.extend(step.ks.iter().take(7).cloned());
                b
            }
            InterpolantKind::Dop853(dense) => {
                // Stages 1–12, then k₁₃ = f(t₁, y₁), then the three extra stages.
                let mut k: Vec<S> = step.ks.to_vec();
                k.push(f1.clone());
                for (c, a) in dense.c.iter().zip(dense.a) {
                    let terms: Vec<(f64, &S)> = a.iter().zip(&k).map(|(a, k)| (h * a, k)).collect();
                    let yi = y0.add_scaled(&terms);
                    k.push(eval(step.t0 + c * h, &yi));
                }
                let delta = S::combine(&[(1.0, y1), (-1.0, y0)]);
                let f0 = &k[0];
                let mut f = vec![
                    delta.clone(),
                    S::combine(&[(h, f0), (-1.0, &delta)]),
                    S::combine(&[(2.0, &delta), (-h, f1), (-h, f0)]),
                ];
                for row in &dense.d {
                    let terms: Vec<(f64, &S)> =
                        row.iter().zip(&k).map(|(d, k)| (h * d, k)).collect();
                    f.push(S::combine(&terms));
                }
                f
            }
        };
        Self {
            kind,
            h,
            y0: y0.clone(),
            basis,
        }
    }

    /// The solution at `t₀ + θᵢ h` for every `θᵢ ∈ [0, 1]` of the step, in one batched
    /// linear combination.
    pub fn at(&self, thetas: &[f64]) -> Vec<S> {
        let mut basis: Vec<&S> = vec![&self.y0];
        basis.extend(self.basis.iter());
        let weights: Vec<Vec<f64>> = thetas.iter().map(|&th| self.weights(th)).collect();
        S::combine_rows(&basis, &weights)
    }

    /// Weights on `[y₀, basis…]` at `θ`.
    fn weights(&self, theta: f64) -> Vec<f64> {
        let (th, th1, h) = (theta, 1.0 - theta, self.h);
        match self.kind {
            InterpolantKind::Hermite => {
                let c = th * th * (3.0 - 2.0 * th);
                vec![1.0 - c, c, h * th * th1 * th1, -h * th * th * th1]
            }
            InterpolantKind::Dopri5(d) => {
                // Hairer's CONTD5: y₀ + θ r₂ + θθ₁ r₃ + θ²θ₁ r₄ + θ²θ₁² r₅ with
                // r₂ = Δ, r₃ = h k₁ − Δ, r₄ = 2Δ − h k₁ − h k₇, r₅ = h Σ dᵢ kᵢ.
                let q = th * th * th1 * th1;
                let c = th - th * th1 + 2.0 * th * th * th1;
                let mut w = vec![1.0 - c, c];
                for (i, di) in d.iter().enumerate() {
                    let mut wi = q * di;
                    if i == 0 {
                        wi += th * th1 - th * th * th1;
                    }
                    if i == 6 {
                        wi -= th * th * th1;
                    }
                    w.push(h * wi);
                }
                w
            }
            InterpolantKind::Dop853(_) => {
                // Hairer's CONTD8: y₀ + θ(F₀ + θ₁(F₁ + θ(F₂ + θ₁(F₃ + θ(F₄ + θ₁(F₅ + θF₆)))))).
                let mut w = vec![1.0];
                let mut prod = 1.0;
                for j in 0..7 {
                    prod *= if j % 2 == 0 { th } else { th1 };
                    w.push(prod);
                }
                w
            }
        }
    }
}
