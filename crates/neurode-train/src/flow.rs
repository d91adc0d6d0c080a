//! The settings of the density task (continuous normalizing flows, FFJORD).

use neurode_datasets::Toy2d;
use neurode_models::{Probe, Trace};
use serde::{Deserialize, Serialize};

use crate::{Setting, TrainError};

/// How a flow's divergence `tr(∂f/∂z)` is computed in training (evaluation is always exact).
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceKind {
    /// Exactly, from `d` Jacobian–vector products (FFJORD's `brute_force`; small `d`).
    #[default]
    Exact,
    /// Hutchinson's estimator with a Gaussian probe drawn per step (FFJORD's `approximate`).
    Gaussian,
    /// Hutchinson's estimator with a Rademacher (±1) probe drawn per step.
    Rademacher,
}

impl TraceKind {
    /// The trace for a batch of `batch` points of dimension `dim`, its probe drawn from `seed`.
    pub fn trace(self, batch: usize, dim: usize, seed: u64) -> Trace {
        match self {
            TraceKind::Exact => Trace::Exact,
            TraceKind::Gaussian => Trace::Hutchinson(Probe::gaussian(batch, dim, seed)),
            TraceKind::Rademacher => Trace::Hutchinson(Probe::rademacher(batch, dim, seed)),
        }
    }
}

/// The settings of the density task: the flow and its built-in data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Flow {
    /// The built-in 2-D distribution (FFJORD's toys), unless the run has its own data.
    #[serde(with = "toy_name")]
    pub dataset: Toy2d,
    /// Flow time `T`: data at `t = 0`, the standard normal base at `t = T`.
    pub time: f64,
    /// The divergence in training.
    pub trace: TraceKind,
    /// RNODE's weight λ (Finlay et al. 2020): the loss adds `λ (∫‖f‖² + ∫‖∂f/∂z‖²_F)` per point.
    #[serde(with = "crate::optional")]
    pub rnode: Option<f64>,
    /// Held-out points drawn from the built-in distribution (the test NLL's sample).
    pub test_points: usize,
}

impl Default for Flow {
    /// FFJORD's 2-D toy settings: two moons, `T = 0.5`, exact trace, no regularisation,
    /// 2,000 held-out points.
    fn default() -> Self {
        Self {
            dataset: Toy2d::TwoMoons,
            time: 0.5,
            trace: TraceKind::Exact,
            rnode: None,
            test_points: 2000,
        }
    }
}

impl Flow {
    /// Checks every value and says what is accepted (errors name `flow_time`, `rnode`,
    /// `test_points`).
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |setting: Setting, value: String, expected: &'static str| {
            Err(TrainError::Invalid {
                setting,
                value,
                expected,
            })
        };
        if !(self.time.is_finite() && self.time > 0.0) {
            return bad(
                Setting::FlowTime,
                self.time.to_string(),
                "a finite flow time T > 0",
            );
        }
        if let Some(l) = self.rnode
            && !(l.is_finite() && l >= 0.0)
        {
            return bad(Setting::Rnode, l.to_string(), "a finite RNODE weight λ ≥ 0");
        }
        if self.test_points < 2 || !self.test_points.is_multiple_of(2) || self.test_points > 1 << 20
        {
            return bad(
                Setting::TestPoints,
                self.test_points.to_string(),
                "an even number of held-out points from 2 to 1048576",
            );
        }
        Ok(())
    }
}

/// [`Toy2d`] by FFJORD's names in a config file (`moons`, `8gaussians`, …).
mod toy_name {
    use neurode_datasets::Toy2d;
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(v: &Toy2d, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Toy2d, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(de::Error::custom)
    }
}
