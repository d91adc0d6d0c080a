//! Learning-rate schedules: ReduceLROnPlateau (paper 000), cosine annealing (paper 003), a
//! constant rate, each with an optional linear warm-up. A schedule restarts at every phase of a
//! curriculum ([`crate::Phase`]), at that phase's rate.

use crate::setters::setters;
use serde::{Deserialize, Serialize};

/// PyTorch's `ReduceLROnPlateau(eps=1e-8)`: a rate change of at most this much is ignored.
pub const PLATEAU_EPS: f64 = 1e-8;

/// Which schedule, with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    /// A constant learning rate.
    None,
    /// PyTorch's `ReduceLROnPlateau(mode="min")` on the test loss.
    Plateau(Plateau),
    /// PyTorch's `CosineAnnealingLR(T_max = total)`:
    /// `lr(k) = min_lr + (lr₀ − min_lr)(1 + cos(π k / total)) / 2`, stepped per epoch (or
    /// iteration), computed by PyTorch's recursive form
    /// `lr(k) = min_lr + (lr(k−1) − min_lr)(1 + cos(πk/T)) / (1 + cos(π(k−1)/T))`, so the rates
    /// equal PyTorch's to the last bit. After `total` steps the rate stays at `min_lr`
    /// (PyTorch's would rise again along the cosine). `k` counts from the start of the phase.
    Cosine {
        /// Steps to anneal over (paper 003: the number of epochs).
        total: u64,
        /// Final rate.
        min_lr: f64,
    },
    /// Cosine annealing over each phase of a curriculum: [`Schedule::Cosine`] with `total` the
    /// current phase's steps, so every phase ends at `min_lr` (one phase: the whole run).
    Anneal {
        /// Final rate of each phase.
        min_lr: f64,
    },
}

/// How an evaluation counts as an improvement on the best test loss so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdMode {
    /// `loss < best · (1 − threshold)` (PyTorch's default, `"rel"`).
    #[default]
    Rel,
    /// `loss < best − threshold` (`"abs"`).
    Abs,
}

/// PyTorch's `ReduceLROnPlateau(mode="min", factor, patience, threshold, threshold_mode,
/// cooldown, min_lr, eps=1e-8)`, told the test loss at every evaluation. `patience` and
/// `cooldown` count **evaluations** (PyTorch counts `step(metric)` calls, which is the same
/// when it is called once per evaluation, as in paper 000's recipe).
///
/// Per evaluation: an improvement resets the bad count, anything else adds one; during a
/// cooldown the bad count stays 0; once it exceeds `patience` the rate becomes
/// `max(lr · factor, min_lr)` (skipped when that changes it by at most [`PLATEAU_EPS`]) and a
/// cooldown of `cooldown` evaluations starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    /// Multiplier on a plateau, in (0, 1).
    pub factor: f64,
    /// Evaluations without improvement tolerated.
    pub patience: u32,
    /// Smallest change that counts as an improvement (PyTorch: 1e-4).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Relative or absolute threshold.
    #[serde(default)]
    pub threshold_mode: ThresholdMode,
    /// Evaluations after a reduction during which bad evaluations are not counted.
    #[serde(default)]
    pub cooldown: u32,
    /// Lower bound on the rate.
    #[serde(default)]
    pub min_lr: f64,
}

fn default_threshold() -> f64 {
    1e-4
}

impl Plateau {
    /// PyTorch's defaults (threshold 1e-4 relative, no cooldown, no floor) with this factor
    /// and patience.
    pub fn new(factor: f64, patience: u32) -> Self {
        Self {
            factor,
            patience,
            threshold: default_threshold(),
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
        }
    }

    /// Another threshold and mode.
    pub fn with_threshold(mut self, threshold: f64, mode: ThresholdMode) -> Self {
        self.threshold = threshold;
        self.threshold_mode = mode;
        self
    }

    setters! {
        /// A cooldown of `cooldown` evaluations after each reduction.
        with_cooldown(cooldown: u32);
        /// A floor on the rate.
        with_min_lr(min_lr: f64);
    }

    fn improves(&self, loss: f64, best: f64) -> bool {
        match self.threshold_mode {
            ThresholdMode::Rel => loss < best * (1.0 - self.threshold),
            ThresholdMode::Abs => loss < best - self.threshold,
        }
    }
}

/// The schedule's running state (serialisable, so a resumed run continues exactly).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The schedule's current rate (before warm-up).
    pub lr: f64,
    /// The rate the schedule (re)started from.
    pub base_lr: f64,
    /// Best monitored value so far (plateau); `f64::MAX` before the first (PyTorch: `inf`,
    /// which compares the same with every loss and, unlike `inf`, survives JSON).
    #[serde(deserialize_with = "max_if_null")]
    pub best: f64,
    /// Evaluations since the last improvement (plateau).
    pub bad: u32,
    /// Evaluations of cooldown left (plateau).
    #[serde(default)]
    pub cooldown: u32,
    /// Steps taken since the schedule (re)started.
    pub steps: u64,
}

/// Reads `best`, taking `null` (how JSON wrote the `inf` of older state files) as `f64::MAX`.
fn max_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::MAX))
}

impl ScheduleState {
    /// Starts at `lr`.
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            base_lr: lr,
            best: f64::MAX,
            bad: 0,
            cooldown: 0,
            steps: 0,
        }
    }

    /// The rate of the next step: the schedule's rate, scaled by a linear warm-up over the
    /// first `warmup` steps since the (re)start (`(k + 1) / warmup` for the `k`-th, 0-based).
    pub fn rate(&self, warmup: u64) -> f64 {
        if self.steps >= warmup {
            self.lr
        } else {
            self.lr * (self.steps + 1) as f64 / warmup as f64
        }
    }

    /// Reports an evaluation's monitored loss (plateau schedules react).
    pub fn observe(&mut self, schedule: &Schedule, loss: f64) {
        let Schedule::Plateau(p) = *schedule else {
            return;
        };
        if p.improves(loss, self.best) {
            self.best = loss;
            self.bad = 0;
        } else {
            self.bad += 1;
        }
        if self.cooldown > 0 {
            self.cooldown -= 1;
            self.bad = 0;
        }
        if self.bad > p.patience {
            let new = (self.lr * p.factor).max(p.min_lr);
            if self.lr - new > PLATEAU_EPS {
                self.lr = new;
            }
            self.cooldown = p.cooldown;
            self.bad = 0;
        }
    }

    /// Advances one epoch / iteration of a phase of `phase_steps` steps (cosine schedules and
    /// warm-ups react).
    pub fn advance(&mut self, schedule: &Schedule, phase_steps: u64) {
        self.steps += 1;
        let cosine = match *schedule {
            Schedule::Cosine { total, min_lr } => Some((total, min_lr)),
            Schedule::Anneal { min_lr } => Some((phase_steps, min_lr)),
            _ => None,
        };
        if let Some((total, min_lr)) = cosine {
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
#[path = "schedule_tests.rs"]
mod tests;
