//! Every setting by its flat name, each optional: how a version-1 `config.toml` (no `version`
//! key, every setting a top-level key) reads into today's typed [`RunConfig`], and how a
//! command line's flags are applied to one. One mapping from flat names to typed places.

use std::path::PathBuf;
use std::sync::LazyLock;

use neurode_backend::{Backend, Precision};
use neurode_solvers::Method;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};

use crate::{AnyArch, ControllerKind, GradientConfig, RunConfig, TaskKind};
use neurode_train::{Algorithm, Flow, Schedule, Shooting, Stage, TrainError};

/// What to do with a setting the run's task or model does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inapplicable {
    /// Ignore it: version-1 files hold every key for every task (`seq_len` of a classifier).
    Ignore,
    /// Refuse it, naming the setting (a command line's flags).
    Refuse,
}

/// Settings by their flat (version-1) names; `None` leaves a setting as it is. Fields whose
/// value may itself be "none" (`clip = "none"`) are `Some(None)` for that.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlatSettings {
    /// What is learned.
    pub task: Option<TaskKind>,
    /// The model (by name; any task's).
    #[serde(default, deserialize_with = "arch")]
    pub model: Option<AnyArch>,
    /// Hidden width (or units) of a model that has one.
    pub hidden: Option<usize>,
    /// Affine layers of a model that has them.
    pub layers: Option<usize>,
    /// Augmented dimensions (dynamics).
    pub augment: Option<usize>,
    /// Compute backend.
    pub backend: Option<Backend>,
    /// Float precision.
    pub precision: Option<Precision>,
    /// The solver's method.
    pub solver: Option<Method>,
    /// Relative tolerance (adaptive stepping).
    pub rtol: Option<f64>,
    /// Absolute tolerance (adaptive stepping).
    pub atol: Option<f64>,
    /// The step-size controller (adaptive stepping).
    pub controller: Option<ControllerKind>,
    /// Fixed steps (`Some(None)`: adaptive).
    #[serde(default, deserialize_with = "present")]
    pub steps: Option<Option<usize>>,
    /// The gradient method.
    #[serde(default, deserialize_with = "gradient")]
    pub gradient: Option<GradientConfig>,
    /// The adjoint's seminorm.
    pub seminorm: Option<bool>,
    /// States held by checkpointed gradients.
    #[serde(default, deserialize_with = "present")]
    pub gradient_checkpoints: Option<Option<usize>>,
    /// Training iterations (dynamics, density, sequence).
    pub iters: Option<u64>,
    /// Training epochs (classify).
    pub epochs: Option<u64>,
    /// Batch size.
    pub batch_size: Option<usize>,
    /// Window length in samples (dynamics).
    pub seq_len: Option<usize>,
    /// Learning rate.
    pub lr: Option<f64>,
    /// Weight decay.
    pub weight_decay: Option<f64>,
    /// Adam's β₁.
    pub beta1: Option<f64>,
    /// Adam's β₂ (RMSprop's α).
    pub beta2: Option<f64>,
    /// Adam's ε.
    pub eps: Option<f64>,
    /// The update rule.
    pub optimizer: Option<Algorithm>,
    /// Gradient-norm clip.
    #[serde(default, deserialize_with = "present")]
    pub clip: Option<Option<f64>>,
    /// α of the time-weighted loss (dynamics).
    #[serde(default, deserialize_with = "present")]
    pub time_weighted: Option<Option<f64>>,
    /// Learning-rate schedule.
    pub schedule: Option<Schedule>,
    /// Warm-up steps.
    pub warmup: Option<u64>,
    /// Curriculum stages (dynamics).
    pub curriculum: Option<Vec<Stage>>,
    /// Early-stopping target.
    #[serde(default, deserialize_with = "present")]
    pub stop_below: Option<Option<f64>>,
    /// Multiple shooting (dynamics).
    pub shooting: Option<Shooting>,
    /// The flow (density).
    pub flow: Option<Flow>,
    /// Checkpoints kept in the run folder.
    pub keep_checkpoints: Option<usize>,
    /// Seed of the parameters and batches.
    pub seed: Option<u64>,
    /// Seed of the data and splits.
    pub data_seed: Option<u64>,
    /// Evaluation interval.
    pub eval_every: Option<u64>,
    /// Reported test-loss threshold.
    pub loss_threshold: Option<f64>,
    /// Held-out share (classify, density).
    pub test_fraction: Option<f64>,
    /// Users' data file.
    #[serde(default, deserialize_with = "present")]
    pub data: Option<Option<PathBuf>>,
    /// Initial PyTorch weights.
    #[serde(default, deserialize_with = "present")]
    pub init: Option<Option<PathBuf>>,
}

/// A key that is present, its value possibly "none".
fn present<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    neurode_train::optional::deserialize(d).map(Some)
}

/// A model by its name.
fn arch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AnyArch>, D::Error> {
    let name = String::deserialize(d)?;
    AnyArch::from_name(&name)
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("unknown model `{name}`: {}", *MODELS)))
}

/// A gradient method by its name.
fn gradient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<GradientConfig>, D::Error> {
    let name = String::deserialize(d)?;
    GradientConfig::named(&name).map(Some).ok_or_else(|| {
        D::Error::custom(format!(
            "unknown gradient method `{name}`: adjoint, backprop, checkpoint or interpolated"
        ))
    })
}

/// Every task's models, for messages.
pub(crate) static MODELS: LazyLock<String> = LazyLock::new(AnyArch::names_by_task);

impl RunConfig {
    /// Reads a version-1 config (flat keys) onto `base`.
    pub(crate) fn from_flat(table: toml::Table, base: &RunConfig) -> Result<Self, TrainError> {
        let flat: FlatSettings =
            table
                .try_into()
                .map_err(|e: toml::de::Error| TrainError::Toml {
                    message: e.to_string(),
                })?;
        let mut c = base.clone();
        flat.apply(&mut c, Inapplicable::Ignore)?;
        Ok(c)
    }
}

impl RunConfig {
    /// This config with `settings` applied (refusing any its task or model lacks), e.g.
    /// `RunConfig::dynamics().with(FlatSettings { iters: Some(10), ..Default::default() })`.
    pub fn with(mut self, settings: FlatSettings) -> Result<Self, TrainError> {
        settings.apply(&mut self, Inapplicable::Refuse)?;
        Ok(self)
    }
}
