//! Everything a run needs, in one serialisable value (written to `config.toml`): the task with
//! its own settings, the solver, the gradient method and the optimizer as the libraries' own
//! option types, and what every run has (backend, seeds, evaluation, checkpoints).

use std::path::PathBuf;

use neurode_backend::{Backend, Precision};
use neurode_solvers::SolveOptions;
use serde::{Deserialize, Serialize};

use crate::{GradientConfig, TaskConfig, TaskKind};
use neurode_train::{AdamSettings, Phase, Schedule, TrainError, phases_of};

/// The version of the `config.toml` layout this crate writes. Version 1 (no `version` key,
/// every setting a top-level key) still reads ([`RunConfig::from_toml`]).
pub const CONFIG_VERSION: u32 = 2;

/// The optimizer: its update rule's settings, the learning rate and its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    /// Initial learning rate.
    pub lr: f64,
    /// Steps of linear warm-up at the start of each stage (0 = none).
    #[serde(default)]
    pub warmup: u64,
    /// Learning-rate schedule (restarted at each curriculum stage).
    pub schedule: Schedule,
    /// The update rule and its settings (Adam's β, ε, weight decay; gradient clipping).
    pub settings: AdamSettings,
}

/// A complete, reproducible description of one training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The layout's version ([`CONFIG_VERSION`]).
    pub version: u32,
    /// Compute backend.
    pub backend: Backend,
    /// Float precision.
    pub precision: Precision,
    /// Seed of the parameters and the batches.
    pub seed: u64,
    /// Seed of the built-in data and of every train/test split (fixed across model seeds,
    /// so seeds vary the model, not the data).
    pub data_seed: u64,
    /// Evaluate every this many iterations (epochs for classification).
    pub eval_every: u64,
    /// Test loss threshold whose first crossing is reported (paper 000: 0.05).
    pub loss_threshold: f64,
    /// Early stopping: stop at the first evaluation whose test loss is at or below this.
    #[serde(default, with = "neurode_train::optional")]
    pub stop_below: Option<f64>,
    /// Checkpoints kept in the run folder (the newest; a damaged newest one falls back to
    /// the one before). Not a training setting: a resumed run may change it.
    #[serde(default = "default_keep")]
    pub keep_checkpoints: usize,
    /// Initial weights from a PyTorch `state_dict` (`.safetensors`, `.pt`, `.pth`; names as
    /// in [`neurode_models::TorchNames`]) instead of the seeded initialisation.
    #[serde(default, with = "neurode_train::optional")]
    pub init: Option<PathBuf>,
    /// What is learned, with the task's own settings.
    pub task: TaskConfig,
    /// The forward solve (the adjoint's backward solve uses the same). For the dynamics task
    /// `Stepping::Steps(n)` counts steps per sample interval of the data, so windows and the
    /// whole test trajectory take steps of one length; for the classifier, over its ODE block
    /// on [0, 1].
    pub solver: SolveOptions,
    /// How gradients flow through the solves.
    pub gradient: GradientConfig,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
}

impl RunConfig {
    /// Which task.
    pub fn kind(&self) -> TaskKind {
        self.task.kind()
    }

    /// Whether `next` continues this run: the same settings but for the budget (iterations or
    /// epochs, which a resumed run may extend) and a cosine schedule's span, which follows it.
    pub fn continued_by(&self, next: &RunConfig) -> bool {
        self.differences(next).is_empty()
    }

    /// The density task's flow (`None` for the other tasks).
    pub fn flow(&self) -> Option<&neurode_train::Flow> {
        self.task.density().map(|d| &d.flow)
    }

    /// Steps of the run: iterations (dynamics, density, sequence) or epochs (classification).
    pub fn budget(&self) -> u64 {
        self.task.budget()
    }

    /// The phases of the run: the curriculum's stages over the budget.
    pub fn phases(&self) -> Result<Vec<Phase>, TrainError> {
        phases_of(self.task.curriculum(), self.budget(), self.optimizer.lr)
    }

    /// The optimizer's settings.
    pub fn adam(&self) -> AdamSettings {
        self.optimizer.settings
    }

    /// The gradient method as the libraries take it.
    pub fn gradient_method(&self) -> neurode_adjoint::GradientMethod {
        self.gradient.method(&self.solver)
    }

    /// The config as TOML (the current layout, [`CONFIG_VERSION`]).
    ///
    /// # Panics
    /// If a count (a seed, iterations, …) exceeds `i64::MAX`, which TOML cannot hold;
    /// [`RunConfig::validate`] refuses such configs, so validate configs from users first.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a RunConfig always serialises")
    }

    /// The config as a TOML table.
    pub(crate) fn table(&self) -> toml::Table {
        toml::Table::try_from(self).expect("a RunConfig always serialises")
    }
}

/// Checkpoints a run folder keeps unless its config says otherwise.
fn default_keep() -> usize {
    2
}
