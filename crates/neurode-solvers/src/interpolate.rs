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
#[derive(Clone)]
pub(crate) struct Prepared<S> {
    kind: InterpolantKind,
    h: f64,
    y0: S,
    /// Hermite: `[y₁, f₀, f₁]`; Tsit5: `[k₁ … k₇]`; DOPRI5: `[y₁, k₁ … k₇]`; DOP853: `[F₀ … F₆]`;
    /// linear: `[y₁]`; midpoint quartic: `[y₁, f₁, k₁ … kₛ]`.
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
            InterpolantKind::Linear => vec![y1.clone()],
            InterpolantKind::MidpointQuartic(_) => {
                let mut b = vec![y1.clone(), f1.clone()];
                b.extend(step.ks.iter().cloned());
                b
            }
            InterpolantKind::Tsit5 => step.ks.iter().take(7).cloned().collect(),
            InterpolantKind::Rosenbrock(_) => {
                // `ks` holds the stage values uᵢ.
                let mut b = vec![y1.clone()];
                b.extend(step.ks.iter().cloned());
                b
            }
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
        let basis = self.full_basis();
        let weights: Vec<Vec<f64>> = thetas.iter().map(|&th| self.weights(th)).collect();
        S::combine_rows(&basis, &weights)
    }

    /// `[y₀, basis…]`: what [`Prepared::weights`] weighs.
    pub(crate) fn full_basis(&self) -> Vec<&S> {
        let mut basis: Vec<&S> = vec![&self.y0];
        basis.extend(self.basis.iter());
        basis
    }

    /// Weights on `[y₀, basis…]` at `θ`.
    pub(crate) fn weights(&self, theta: f64) -> Vec<f64> {
        weights_of(self.kind, theta, self.h)
    }
}

/// Weights on `[y₀, basis…]` at `θ` of a step of length `h` whose basis holds the unscaled
/// stages (every kind but DOP853's, whose basis depends on `h` itself).
pub(crate) fn weights_of(kind: InterpolantKind, theta: f64, h: f64) -> Vec<f64> {
    {
        let (th, th1) = (theta, 1.0 - theta);
        match kind {
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
            InterpolantKind::Linear => vec![th1, th],
            InterpolantKind::MidpointQuartic(mid) => {
                // torchdiffeq's `_interp_fit`: p(θ) = e + dθ + cθ² + bθ³ + aθ⁴ with
                // a = 2h(f₁−f₀) − 8(y₁+y₀) + 16y½, b = h(5f₀−3f₁) + 18y₀ + 14y₁ − 32y½,
                // c = h(f₁−4f₀) − 11y₀ − 5y₁ + 16y½, d = hf₀, e = y₀, y½ = y₀ + h Σ mᵢkᵢ;
                // collected here as weights on y₀, y₁, f₁ and the stages.
                let (t2, t3, t4) = (th * th, th * th * th, th * th * th * th);
                let on_mid = 16.0 * t2 - 32.0 * t3 + 16.0 * t4;
                let mut w = vec![
                    1.0 + 5.0 * t2 - 14.0 * t3 + 8.0 * t4,
                    -5.0 * t2 + 14.0 * t3 - 8.0 * t4,
                    h * (t2 - 3.0 * t3 + 2.0 * t4),
                ];
                for (i, m) in mid.iter().enumerate() {
                    let mut wi = m * on_mid;
                    if i == 0 {
                        wi += th - 4.0 * t2 + 5.0 * t3 - 2.0 * t4;
                    }
                    w.push(h * wi);
                }
                w
            }
            InterpolantKind::Tsit5 => {
                let mut w = vec![1.0];
                w.extend(tsit5_weights(th).iter().map(|b| h * b));
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
            InterpolantKind::Rosenbrock(dense) => dense.weights(th),
        }
    }
}

/// Tsitouras' dense-output polynomials `bᵢ(θ)`, `i = 1 … 7` (Tsitouras 2011; the factored form
/// used by diffrax).
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
fn tsit5_weights(t: f64) -> [f64; 7] {
    let t2 = t * t;
    [
        -1.053_088_497_729_021_6
            * t
            * (t - 1.329_989_018_975_141_2)
            * (t2 - 1.436_402_854_171_635_1 * t + 0.713_981_691_707_420_9),
        0.1017 * t2 * (t2 - 2.196_656_833_824_975_4 * t + 1.294_985_250_737_463_1),
        2.490_627_285_651_252_8 * t2 * (t2 - 2.385_356_454_720_616_6 * t + 1.578_034_682_080_924_9),
        -16.548_102_889_244_902
            * (t - 1.217_129_272_955_332_4)
            * (t - 0.616_204_060_378_000_9)
            * t2,
        47.379_521_962_819_28 * (t - 1.203_071_208_372_362_6) * (t - 0.658_047_292_653_547_4) * t2,
        -34.870_657_861_496_61 * (t - 1.2) * (t - 0.666_666_666_666_666_7) * t2,
        2.5 * (t - 1.0) * (t - 0.6) * t2,
    ]
}

#[cfg(test)]
mod tests {
    use super::{InterpolantKind, Prepared, StepData, tsit5_weights};
    use crate::tableau::{DOPRI5, TSIT5};

    /// torchdiffeq's quartic through the step's midpoint: y₀ at θ = 0, the midpoint estimate
    /// at θ = ½, y₁ at θ = 1, and slopes f₀, f₁ at the ends.
    #[test]
    fn midpoint_quartic_passes_through_its_five_conditions() {
        let mid = DOPRI5.midpoint.unwrap();
        let h = 0.3;
        let y0 = vec![1.0, -2.0];
        let y1 = vec![1.5, -1.0];
        let ks: Vec<Vec<f64>> = (0..7)
            .map(|i| vec![0.1 * i as f64 + 1.0, 0.7 - 0.2 * i as f64])
            .collect();
        let f1 = ks[6].clone();
        let step = StepData {
            t0: 0.0,
            h,
            y0: &y0,
            y1: &y1,
            ks: &ks,
        };
        let p = Prepared::new(
            InterpolantKind::MidpointQuartic(mid),
            &step,
            &f1,
            &mut |_, _| unreachable!("no extra stages"),
        );
        let at = |th: f64| p.at(&[th]).remove(0);
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
        assert!(close(&at(0.0), &y0));
        assert!(close(&at(1.0), &y1));
        let y_mid: Vec<f64> = (0..2)
            .map(|d| y0[d] + h * mid.iter().zip(&ks).map(|(m, k)| m * k[d]).sum::<f64>())
            .collect();
        assert!(close(&at(0.5), &y_mid));
        // Slopes by central differences at the ends (one-sided inside the step).
        let e = 1e-6;
        for (th, f) in [(0.0, &ks[0]), (1.0, &f1)] {
            let (a, b) = if th == 0.0 { (0.0, e) } else { (1.0 - e, 1.0) };
            let slope: Vec<f64> = (0..2).map(|d| (at(b)[d] - at(a)[d]) / (e * h)).collect();
            assert!(
                slope
                    .iter()
                    .zip(f.iter())
                    .all(|(s, f)| (s - f).abs() < 1e-4),
                "θ = {th}: {slope:?} vs {f:?}"
            );
        }
    }

    #[test]
    fn tsit5_interpolant_ends_on_the_step_weights() {
        for (w, b) in tsit5_weights(1.0).iter().zip(TSIT5.b) {
            assert!((w - b).abs() < 1e-9, "{w} vs {b}");
        }
        assert!(tsit5_weights(0.0).iter().all(|w| *w == 0.0));
    }

    #[test]
    fn tsit5_interpolant_is_consistent() {
        // Σ bᵢ(θ) = θ: a constant derivative is integrated exactly at every θ.
        for th in [0.1, 0.37, 0.5, 0.83] {
            let s: f64 = tsit5_weights(th).iter().sum();
            assert!((s - th).abs() < 1e-9, "θ = {th}: {s}");
        }
    }
}
