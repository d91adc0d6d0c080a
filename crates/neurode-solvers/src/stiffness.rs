//! Hairer's stiffness test for DOPRI5 and DOP853: an estimate of `|hλ|` from two evaluations
//! every step already makes, and the bookkeeping that turns checks into a verdict.

use crate::State;
use crate::tableau::StiffnessProbe;

/// Consecutive checks above the bound that make a problem stiff (`dopri5.f`: 15).
const STIFF_CHECKS: usize = 15;
/// Consecutive checks below the bound that clear a run of stiff ones (`dopri5.f`: 6).
const CALM_CHECKS: usize = 6;
/// Checks run every this many accepted steps until one is above the bound, then at every
/// step (Hairer's `NSTIFF`, 1000 there): each check reads two sums from the device, so not
/// every step; 100 lets the test fire within the first few hundred steps of a stiff solve.
pub(crate) const CHECK_EVERY: usize = 100;

/// The state of the test over a solve.
pub(crate) struct StiffnessTest {
    probe: StiffnessProbe,
    every: usize,
    above: usize,
    below: usize,
    /// Where the test first fired.
    pub stiff_at: Option<f64>,
}

impl StiffnessTest {
    /// A test with `probe`, checked every `every` accepted steps while the problem looks calm.
    pub fn new(probe: StiffnessProbe, every: usize) -> Self {
        Self {
            probe,
            every: every.max(1),
            above: 0,
            below: 0,
            stiff_at: None,
        }
    }

    /// The stage whose point the check needs.
    pub fn stage(&self) -> usize {
        self.probe.stage
    }

    /// Whether the accepted step number `accepted` (1-based) is checked.
    pub fn due(&self, accepted: usize) -> bool {
        self.above > 0 || accepted.is_multiple_of(self.every)
    }

    /// One check after the accepted step `t → t1` of length `h`: `f1 = f(t1, y1)`, and the
    /// probe stage's point `ys` and derivative `ks`. Returns whether the problem now counts
    /// as stiff (15 checks above the bound in a row, 6 below reset the count).
    pub fn check<S: State>(&mut self, t1: f64, h: f64, f1: &S, ks: &S, y1: &S, ys: &S) -> bool {
        let h_lambda = h.abs() * (sq_diff(f1, ks) / sq_diff(y1, ys)).sqrt();
        self.record(t1, h_lambda)
    }

    /// Records one estimate of `|hλ|` (`NaN`, from `0 / 0`, counts as below).
    pub fn record(&mut self, t: f64, h_lambda: f64) -> bool {
        if h_lambda > self.probe.bound {
            self.below = 0;
            self.above += 1;
            if self.above >= STIFF_CHECKS {
                self.stiff_at.get_or_insert(t);
                return true;
            }
        } else {
            self.below += 1;
            if self.below >= CALM_CHECKS {
                self.above = 0;
            }
        }
        false
    }

    /// Starts counting afresh (after `auto` switched methods).
    pub fn reset(&mut self) {
        (self.above, self.below) = (0, 0);
    }
}

/// `Σ (a − b)²` over every component, off the tape (one read).
fn sq_diff<S: State>(a: &S, b: &S) -> f64 {
    let d = S::combine(&[(1.0, &a.detached()), (-1.0, &b.detached())]);
    S::scaled_sq_sum(&d, &d, &d, 0.0, 1.0).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_in_a_row_fire_and_six_calm_ones_reset() {
        let probe = StiffnessProbe {
            stage: 5,
            bound: 3.25,
        };
        let mut test = StiffnessTest::new(probe, 100);
        assert!(!test.due(99) && test.due(100));
        for i in 0..14 {
            assert!(!test.record(i as f64, 4.0));
            assert!(test.due(101), "checked every step once one is above");
        }
        for i in 0..5 {
            assert!(!test.record(20.0 + i as f64, 1.0));
        }
        // Five calm checks do not reset: the 15th stiff one fires.
        assert!(test.record(30.0, 4.0));
        assert_eq!(test.stiff_at, Some(30.0));
        test.reset();
        for i in 0..6 {
            test.record(40.0 + i as f64, 1.0);
        }
        for i in 0..14 {
            assert!(!test.record(50.0 + i as f64, 4.0), "{i}");
        }
        assert!(test.record(64.0, 4.0));
        assert_eq!(test.stiff_at, Some(30.0), "the first time is kept");
    }

    #[test]
    fn the_estimate_is_h_times_the_eigenvalue_on_a_linear_problem() {
        // y' = λy: f(y₁) − f(yₛ) = λ(y₁ − yₛ), so |hλ| comes out exactly.
        let probe = StiffnessProbe {
            stage: 5,
            bound: 3.25,
        };
        let mut test = StiffnessTest::new(probe, 1);
        let (lambda, h) = (-1000.0, 0.004);
        let (y1, ys) = (vec![0.5, 0.25], vec![0.4, 0.3]);
        let f = |y: &Vec<f64>| y.iter().map(|v| lambda * v).collect::<Vec<f64>>();
        for i in 0..15 {
            let fired = test.check(i as f64, h, &f(&y1), &f(&ys), &y1, &ys);
            assert_eq!(fired, i == 14, "|hλ| = 4 > 3.25");
        }
        let mut calm = StiffnessTest::new(probe, 1);
        for i in 0..30 {
            assert!(!calm.check(i as f64, 0.003, &f(&y1), &f(&ys), &y1, &ys));
        }
    }
}
