//! Curricula: a run as a sequence of phases, each with its own number of steps, learning rate
//! and training horizon (diffrax's neural-ODE example trains on the first 10 % of each series
//! before the whole of it, "to avoid getting caught in a local minimum").

use serde::{Deserialize, Serialize};

use crate::{Setting, TrainError};

/// How much of each training series one window covers.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Horizon {
    /// The task's own window (e.g. [`crate::Regression::seq_len`]).
    #[default]
    Full,
    /// Windows of this many samples.
    Samples(usize),
    /// Windows covering this share of the shortest series, in (0, 1] (rounded to samples, at
    /// least 2 and at most one less than the series: windows start at one of the first
    /// `len − window` samples, as torchdiffeq's example draws them).
    Fraction(f64),
}

impl Horizon {
    /// The window length in samples for series of at least `shortest` samples, `own` being
    /// the task's own window; an error when the horizon does not fit.
    pub fn samples(self, own: usize, shortest: usize) -> Result<usize, TrainError> {
        let n = match self {
            Horizon::Full => own,
            Horizon::Samples(n) => n,
            Horizon::Fraction(f) => {
                if !(f.is_finite() && f > 0.0 && f <= 1.0) {
                    return Err(TrainError::Invalid {
                        setting: Setting::Horizon,
                        value: format!("fraction {f}"),
                        expected: "a share of the series in (0, 1]",
                    });
                }
                ((f * shortest as f64).round() as usize).clamp(2, shortest.saturating_sub(1))
            }
        };
        if n < 2 || n >= shortest {
            return Err(TrainError::Invalid {
                setting: Setting::Horizon,
                value: format!("{n} samples"),
                expected: "windows of at least 2 samples, shorter than the shortest series",
            });
        }
        Ok(n)
    }
}

/// One phase of a curriculum: `steps` steps at learning rate `lr` on windows of `horizon`.
/// The schedule (and its warm-up) restarts at `lr` when the phase begins; Adam's moments carry
/// over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// Steps (iterations or epochs) in this phase.
    pub steps: u64,
    /// The learning rate the phase starts at.
    pub lr: f64,
    /// The training horizon.
    #[serde(default)]
    pub horizon: Horizon,
}

impl Phase {
    /// `steps` steps at `lr` on the task's own windows.
    pub fn new(steps: u64, lr: f64) -> Self {
        Self {
            steps,
            lr,
            horizon: Horizon::Full,
        }
    }

    /// Another horizon.
    pub fn with_horizon(mut self, horizon: Horizon) -> Self {
        self.horizon = horizon;
        self
    }
}

/// Where step `step` (1-based) falls in `phases`: the phase's index and the number of steps
/// before it. Steps past the end belong to the last phase.
pub fn phase_of(phases: &[Phase], step: u64) -> (usize, u64) {
    let mut start = 0;
    for (i, p) in phases.iter().enumerate() {
        if step <= start + p.steps || i + 1 == phases.len() {
            return (i, start);
        }
        start += p.steps;
    }
    (0, 0)
}

/// Checks a curriculum: at least one phase, each with at least one step and a finite rate > 0.
pub fn check_phases(phases: &[Phase]) -> Result<(), TrainError> {
    if phases.is_empty() {
        return Err(TrainError::Invalid {
            setting: Setting::Curriculum,
            value: "no phases".into(),
            expected: "at least one phase",
        });
    }
    for (i, p) in phases.iter().enumerate() {
        if p.steps == 0 {
            return Err(TrainError::Invalid {
                setting: Setting::Curriculum,
                value: format!("phase {} with 0 steps", i + 1),
                expected: "phases of at least 1 step",
            });
        }
        if !(p.lr.is_finite() && p.lr > 0.0) {
            return Err(TrainError::Invalid {
                setting: Setting::Lr,
                value: format!("{} (phase {})", p.lr, i + 1),
                expected: "a finite learning rate > 0",
            });
        }
    }
    Ok(())
}

/// A stage of a curriculum written as shares of a run's budget, so that the budget and the
/// learning rate of a config stay one number each: a stage runs `share` of the steps (shares
/// are normalised) at `lr_scale` times the config's rate on windows of `horizon`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Share of the budget, > 0 (normalised over the stages).
    pub share: f64,
    /// The stage's training horizon.
    #[serde(default)]
    pub horizon: Horizon,
    /// Multiplier on the config's learning rate, > 0.
    #[serde(default = "one")]
    pub lr_scale: f64,
}

fn one() -> f64 {
    1.0
}

/// The phases of `stages` over `budget` steps from rate `lr`: each stage's share of the
/// budget rounded down (at least one step), the rest to the last stage. No stages: one phase
/// of the whole budget. A budget smaller than the number of stages is an error.
pub fn phases_of(stages: &[Stage], budget: u64, lr: f64) -> Result<Vec<Phase>, TrainError> {
    if stages.is_empty() {
        return Ok(vec![Phase::new(budget, lr)]);
    }
    for s in stages {
        if !(s.share.is_finite() && s.share > 0.0 && s.lr_scale.is_finite() && s.lr_scale > 0.0) {
            return Err(TrainError::Invalid {
                setting: Setting::Curriculum,
                value: format!("share {} lr_scale {}", s.share, s.lr_scale),
                expected: "stages with a share > 0 and an lr_scale > 0",
            });
        }
    }
    if budget < stages.len() as u64 {
        return Err(TrainError::Invalid {
            setting: Setting::Budget,
            value: format!("{budget} ({} curriculum stages)", stages.len()),
            expected: "at least one step per curriculum stage",
        });
    }
    let total: f64 = stages.iter().map(|s| s.share).sum();
    let mut left = budget;
    let mut phases = Vec::with_capacity(stages.len());
    for (i, s) in stages.iter().enumerate() {
        // At least one step per stage, and one left for each stage after this one.
        let later = (stages.len() - i - 1) as u64;
        let steps = if later == 0 {
            left
        } else {
            ((s.share / total * budget as f64).floor() as u64).clamp(1, left - later)
        };
        left -= steps;
        phases.push(Phase {
            steps,
            lr: lr * s.lr_scale,
            horizon: s.horizon,
        });
    }
    check_phases(&phases)?;
    Ok(phases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_cover_their_steps() {
        let phases = [Phase::new(3, 1.0), Phase::new(2, 0.5), Phase::new(1, 0.1)];
        let at: Vec<_> = (1..=7).map(|s| phase_of(&phases, s)).collect();
        assert_eq!(at, [(0, 0), (0, 0), (0, 0), (1, 3), (1, 3), (2, 5), (2, 5)]);
    }

    #[test]
    fn horizons_resolve_to_samples() {
        assert_eq!(Horizon::Full.samples(40, 1000).unwrap(), 40);
        assert_eq!(Horizon::Samples(100).samples(40, 1000).unwrap(), 100);
        assert_eq!(Horizon::Fraction(0.1).samples(40, 1000).unwrap(), 100);
        assert_eq!(Horizon::Fraction(1.0).samples(40, 1000).unwrap(), 999);
        assert_eq!(Horizon::Fraction(1e-9).samples(40, 1000).unwrap(), 2);
        for bad in [
            Horizon::Samples(1),
            Horizon::Samples(1000),
            Horizon::Fraction(0.0),
            Horizon::Fraction(1.5),
            Horizon::Fraction(f64::NAN),
        ] {
            let e = bad.samples(40, 1000).unwrap_err().to_string();
            assert!(e.contains("horizon"), "{e}");
        }
    }

    #[test]
    fn stages_split_the_budget() {
        let stages = [
            Stage {
                share: 1.0,
                horizon: Horizon::Fraction(0.1),
                lr_scale: 2.0,
            },
            Stage {
                share: 2.0,
                horizon: Horizon::Full,
                lr_scale: 1.0,
            },
        ];
        let p = phases_of(&stages, 1000, 1e-3).unwrap();
        assert_eq!(
            p,
            [
                Phase::new(333, 2e-3).with_horizon(Horizon::Fraction(0.1)),
                Phase::new(667, 1e-3)
            ]
        );
        assert_eq!(phases_of(&[], 7, 0.5).unwrap(), [Phase::new(7, 0.5)]);
        assert!(phases_of(&stages, 1, 1e-3).is_err(), "a stage of 0 steps");
        let two = phases_of(&stages, 2, 1e-3).unwrap();
        assert_eq!(
            (two[0].steps, two[1].steps),
            (1, 1),
            "small budgets: a step each"
        );
        let bad = Stage {
            share: -1.0,
            ..stages[0]
        };
        assert!(phases_of(&[bad], 10, 1e-3).is_err());
    }

    #[test]
    fn bad_curricula_are_errors() {
        assert!(check_phases(&[]).is_err());
        assert!(check_phases(&[Phase::new(0, 1.0)]).is_err());
        assert!(check_phases(&[Phase::new(1, f64::NAN)]).is_err());
        assert!(check_phases(&[Phase::new(1, 1e-3), Phase::new(5, 1e-4)]).is_ok());
    }
}
