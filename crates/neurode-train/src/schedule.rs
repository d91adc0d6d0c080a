//! Learning-rate schedules: ReduceLROnPlateau (paper 000) and cosine annealing (paper 003).

use serde::{Deserialize, Serialize};

/// PyTorch's `ReduceLROnPlateau(eps=1e-8)`: a rate change of at most this much is ignored.
pub const PLATEAU_EPS: f64 = 1e-8;

/// Which schedule, with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    /// A constant learning rate.
    None,
    /// PyTorch's `ReduceLROnPlateau(mode="min", threshold=1e-4, threshold_mode="rel")`:
    /// multiply the rate by `factor` after more than `patience` evaluations without a relative
    /// improvement of the monitored (test) loss. As in PyTorch (`eps = 1e-8`), a reduction
    /// smaller than [`PLATEAU_EPS`] is skipped, so the rate stops falling near 1e-8.
    Plateau {
        /// Multiplier on a plateau (PyTorch 0.1; the paper does not say).
        factor: f64,
        /// Evaluations without improvement tolerated (paper: 5).
        patience: u32,
        /// Lower bound on the rate.
        min_lr: f64,
    },
    /// PyTorch's `CosineAnnealingLR(T_max = total)`:
    /// `lr(k) = min_lr + (lr₀ − min_lr)(1 + cos(π k / total)) / 2`, stepped per epoch (or
    /// iteration), computed by PyTorch's recursive form
    /// `lr(k) = min_lr + (lr(k−1) − min_lr)(1 + cos(πk/T)) / (1 + cos(π(k−1)/T))`, so the rates
    /// equal PyTorch's to the last bit. After `total` steps the rate stays at `min_lr`
    /// (PyTorch's would rise again along the cosine).
    Cosine {
        /// Steps to anneal over (paper 003: the number of epochs).
        total: u64,
        /// Final rate.
        min_lr: f64,
    },
}

/// The schedule's running state (serialisable, so a resumed run continues exactly).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The current learning rate.
    pub lr: f64,
    /// The initial learning rate.
    pub base_lr: f64,
    /// Best monitored value so far (plateau).
    pub best: f64,
    /// Evaluations since the last improvement (plateau).
    pub bad: u32,
    /// Schedule steps taken (cosine).
    pub steps: u64,
}

impl ScheduleState {
    /// Starts at `lr`.
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            base_lr: lr,
            best: f64::INFINITY,
            bad: 0,
            steps: 0,
        }
    }

    /// Reports an evaluation's monitored loss (plateau schedules react).
    pub fn observe(&mut self, schedule: &Schedule, loss: f64) {
        if let Schedule::Plateau {
            factor,
            patience,
            min_lr,
        } = *schedule
        {
            if loss < self.best * (1.0 - 1e-4) {
                self.best = loss;
                self.bad = 0;
            } else {
                self.bad += 1;
                if self.bad > patience {
                    let new = (self.lr * factor).max(min_lr);
                    if self.lr - new > PLATEAU_EPS {
                        self.lr = new;
                    }
                    self.bad = 0;
                }
            }
        }
    }

    /// Advances one epoch / iteration (cosine schedules react).
    pub fn advance(&mut self, schedule: &Schedule) {
        if let Schedule::Cosine { total, min_lr } = *schedule {
            self.steps += 1;
            let total = total.max(1);
            if self.steps > total {
                self.lr = min_lr;
                return;
            }
            let cos = |k: u64| (std::f64::consts::PI * k as f64 / total as f64).cos();
            let k = self.steps;
            self.lr = (1.0 + cos(k)) / (1.0 + cos(k - 1)) * (self.lr - min_lr) + min_lr;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_reduces_after_patience_evaluations() {
        let s = Schedule::Plateau {
            factor: 0.1,
            patience: 2,
            min_lr: 0.0,
        };
        let mut st = ScheduleState::new(1.0);
        for loss in [1.0, 0.5, 0.5, 0.5] {
            st.observe(&s, loss);
        }
        assert_eq!(st.lr, 1.0, "2 bad evaluations are tolerated");
        st.observe(&s, 0.5);
        assert!((st.lr - 0.1).abs() < 1e-15);
        st.observe(&s, 0.1);
        assert_eq!((st.bad, st.best), (0, 0.1));
    }

    #[test]
    fn plateau_stops_reducing_like_pytorch_eps() {
        let s = Schedule::Plateau {
            factor: 0.1,
            patience: 0,
            min_lr: 0.0,
        };
        let mut st = ScheduleState::new(1e-3);
        st.observe(&s, 1.0);
        let mut rates = Vec::new();
        for _ in 0..8 {
            st.observe(&s, 1.0);
            rates.push(st.lr);
        }
        // 1e-3 → … → 1e-8; then 1e-8 − 1e-9 < eps: PyTorch keeps 1e-8.
        let expected = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-8, 1e-8, 1e-8];
        for (got, want) in rates.iter().zip(expected) {
            assert!((got / want - 1.0).abs() < 1e-9, "{rates:?}");
        }
    }

    /// The rates of `CosineAnnealingLR(Adam(lr=0.01), T_max=500)` after 1–4 `step()`s, as
    /// PyTorch 2 prints them (`../shared/parity/classifier_*.json`): its recursive form, which
    /// differs from the closed form in the last digits.
    #[test]
    fn cosine_equals_pytorch_bit_for_bit() {
        let s = Schedule::Cosine {
            total: 500,
            min_lr: 0.0,
        };
        let mut st = ScheduleState::new(0.01);
        let pytorch = [
            0.009999901304280686,
            0.009999605221019083,
            0.009999111761904047,
            0.009998420946416502,
        ];
        for want in pytorch {
            st.advance(&s);
            assert_eq!(st.lr, want);
        }
    }

    #[test]
    fn cosine_matches_pytorch_closed_form() {
        let s = Schedule::Cosine {
            total: 500,
            min_lr: 0.0,
        };
        let mut st = ScheduleState::new(0.01);
        st.advance(&s);
        assert!((st.lr - 0.01 * (1.0 + (std::f64::consts::PI / 500.0).cos()) / 2.0).abs() < 1e-15);
        for _ in 1..250 {
            st.advance(&s);
        }
        assert!((st.lr - 0.005).abs() < 1e-12);
        for _ in 250..500 {
            st.advance(&s);
        }
        assert!(st.lr.abs() < 1e-15);
        st.advance(&s);
        assert_eq!(st.lr, 0.0, "holds min_lr after `total` steps");
    }
}
