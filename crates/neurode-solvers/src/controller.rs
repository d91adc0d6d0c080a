//! The PI step-size controller: a pure function of error norms, unit-tested on numbers.

use serde::{Deserialize, Serialize};

/// Proportional–integral step-size control (Gustafsson), with Hairer's DOPRI5 gains by default
/// (`β₁ = 0.17`, `β₂ = 0.04` for a 5(4) pair, i.e. `p = 0.85`, `i = 0.2`):
/// after an accepted step with error norm `e` (previous accepted `e_prev`), the next step is
/// `dt · clamp(safety · e^(-β₁) · e_prev^(β₂), min_factor, max_factor)` with `β₁ = p/k`,
/// `β₂ = i/k` and `k` the error estimator's order + 1. After an accepted step with `e < 1` the
/// lower clamp is `min_accept_factor` instead of `min_factor` (1 for torchdiffeq's and diffrax's
/// controllers: an accepted step never shrinks the next one). After a rejection the step
/// shrinks by `clamp(safety · e^(-1/k), min_factor, safety)` and never grows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PiController {
    /// Safety factor (< 1) applied to every proposal.
    pub safety: f64,
    /// Smallest factor by which one step may shrink the step size.
    pub min_factor: f64,
    /// Largest factor by which one step may grow the step size.
    pub max_factor: f64,
    /// Proportional gain numerator (`β₁ = p / k`).
    pub p_gain: f64,
    /// Integral gain numerator on the previous error (`β₂ = i / k`); 0 gives a plain I controller.
    pub i_gain: f64,
    /// Smallest factor after an accepted step with error norm `e < 1` (Hairer's codes: the same
    /// as `min_factor`; torchdiffeq and diffrax: 1, so an accepted step never shrinks the next).
    #[serde(default = "default_min_accept_factor")]
    pub min_accept_factor: f64,
}

fn default_min_accept_factor() -> f64 {
    PiController::default().min_accept_factor
}

impl Default for PiController {
    fn default() -> Self {
        Self {
            safety: 0.9,
            min_factor: 0.2,
            max_factor: 10.0,
            p_gain: 0.85,
            i_gain: 0.2,
            min_accept_factor: 0.2,
        }
    }
}

impl PiController {
    /// torchdiffeq's controller (`_optimal_step_size`), also diffrax's default: the pure
    /// integral rule `dt · safety / e^(1/k)` clamped to `[0.2, 10]`, and to `[1, 10]` after an
    /// accepted step with `e < 1` (an accepted step never shrinks the next).
    pub fn integral() -> Self {
        Self {
            p_gain: 1.0,
            i_gain: 0.0,
            min_accept_factor: 1.0,
            ..Self::default()
        }
    }

    /// Factor for the next step after an accepted step with error norm `err` (≤ 1); `prev_err`
    /// is the norm of the previous accepted step (1 for the first step). `k` = error order + 1.
    pub fn accept_factor(&self, err: f64, prev_err: f64, k: u32) -> f64 {
        let k = f64::from(k.max(1));
        if err <= 0.0 {
            return self.max_factor;
        }
        let floor = if err < 1.0 {
            self.min_accept_factor
        } else {
            self.min_factor
        };
        let err = err.max(1e-10);
        let prev = prev_err.max(1e-4);
        // Written as torchdiffeq writes it (`safety / e^(1/k)` for the integral rule), so the
        // integral controller proposes the same step sizes to the last bit.
        let factor = self.safety * prev.powf(self.i_gain / k) / err.powf(self.p_gain / k);
        factor.clamp(floor, self.max_factor)
    }

    /// Factor (< 1) for the retry after a rejected step with error norm `err` (> 1, or not finite).
    pub fn reject_factor(&self, err: f64, k: u32) -> f64 {
        if !err.is_finite() {
            return self.min_factor;
        }
        let k = f64::from(k.max(1));
        (self.safety / err.powf(1.0 / k)).clamp(self.min_factor, self.safety)
    }

    /// Whether the fields are usable (finite, `0 < safety ≤ 1`, `0 < min ≤ 1 ≤ max`, gains ≥ 0).
    pub fn is_valid(&self) -> bool {
        let all_finite = [
            self.safety,
            self.min_factor,
            self.max_factor,
            self.p_gain,
            self.i_gain,
            self.min_accept_factor,
        ]
        .iter()
        .all(|x| x.is_finite());
        all_finite
            && self.safety > 0.0
            && self.safety <= 1.0
            && self.min_factor > 0.0
            && self.min_factor <= 1.0
            && self.max_factor >= 1.0
            && self.min_accept_factor > 0.0
            && self.min_accept_factor <= self.max_factor
            && self.p_gain > 0.0
            && self.i_gain >= 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// torchdiffeq's `_optimal_step_size(dt, e, 0.9, 10, 0.2, order=5)`, written out.
    fn torchdiffeq(e: f64) -> f64 {
        if e == 0.0 {
            return 10.0;
        }
        let dfactor = if e < 1.0 { 1.0 } else { 0.2 };
        f64::min(10.0, f64::max(0.9 / e.powf(0.2), dfactor))
    }

    #[test]
    fn integral_controller_is_torchdiffeqs_to_the_bit() {
        let c = PiController::integral();
        for e in [0.0, 1e-12, 1e-3, 0.3, 0.5, 0.59, 0.6, 0.9, 0.999_999, 1.0] {
            assert_eq!(
                c.accept_factor(e, 0.7, 5),
                torchdiffeq(e),
                "accepted, e = {e}"
            );
        }
        for e in [1.000_001, 1.5, 7.0, 1e6] {
            assert_eq!(c.reject_factor(e, 5), torchdiffeq(e), "rejected, e = {e}");
        }
        // An accepted step never shrinks the next one (0.9 · 0.8^(-1/5) < 1).
        assert_eq!(c.accept_factor(0.8, 1.0, 5), 1.0);
        assert!(PiController::default().accept_factor(0.8, 1.0, 5) < 1.0);
    }

    #[test]
    fn pi_controller_uses_the_previous_error() {
        let c = PiController::default();
        let f = c.accept_factor(0.5, 0.25, 5);
        // Hairer's DOPRI5: fac = err^(-0.17) · err_prev^(0.04) · 0.9.
        let expected = 0.9 * 0.5f64.powf(-0.17) * 0.25f64.powf(0.04);
        assert!((f - expected).abs() < 1e-15);
        // A smaller previous error damps the growth.
        assert!(c.accept_factor(0.5, 0.01, 5) < c.accept_factor(0.5, 0.9, 5));
    }

    #[test]
    fn factors_are_clamped() {
        let c = PiController::default();
        assert_eq!(c.accept_factor(0.0, 1.0, 5), 10.0);
        assert_eq!(c.accept_factor(1e-30, 1.0, 5), 10.0);
        assert_eq!(c.reject_factor(1e12, 5), 0.2);
        assert_eq!(c.reject_factor(f64::NAN, 5), 0.2);
        let r = c.reject_factor(2.0, 5);
        assert!((r - 0.9 * 2f64.powf(-0.2)).abs() < 1e-15 && r < 1.0);
    }

    #[test]
    fn validity() {
        assert!(PiController::default().is_valid());
        assert!(
            !PiController {
                safety: 1.5,
                ..Default::default()
            }
            .is_valid()
        );
        assert!(
            !PiController {
                max_factor: 0.5,
                ..Default::default()
            }
            .is_valid()
        );
        assert!(
            !PiController {
                min_factor: f64::NAN,
                ..Default::default()
            }
            .is_valid()
        );
    }
}
