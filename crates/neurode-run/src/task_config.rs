//! What a run learns, with the settings only that task has: a tagged enum, so a setting of
//! one task cannot be written into another's config (`[task] kind = "dynamics"`, …).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::TaskKind;
use crate::arch::{AnyArch, ClassifierArch, DynamicsArch, FlowArch, SequenceArch};
use neurode_train::{Flow, Shooting, Stage};

/// A task and its own settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TaskConfig {
    /// Trajectory regression (paper 000).
    Dynamics(DynamicsTask),
    /// Classification (paper 003).
    Classify(ClassifyTask),
    /// Density estimation with a continuous normalizing flow.
    Density(DensityTask),
    /// Sequences with inputs (liquid networks).
    Sequence(SequenceTask),
}

/// Trajectory regression: learn `dy/dt` from windows of sampled trajectories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicsTask {
    /// The dynamics network.
    pub model: DynamicsArch,
    /// Augmented dimensions (0 = plain Neural ODE).
    pub augment: usize,
    /// Training iterations.
    pub iters: u64,
    /// Windows per batch.
    pub batch_size: usize,
    /// Window length in samples (when no curriculum stage sets the horizon).
    pub seq_len: usize,
    /// α of the time-weighted loss (eq 25); plain MSE when absent.
    #[serde(with = "neurode_train::optional")]
    pub time_weighted: Option<f64>,
    /// A curriculum: stages as shares of the budget, each with a horizon and a rate
    /// multiplier (empty = one stage on `seq_len` windows at the optimizer's rate).
    #[serde(default)]
    pub curriculum: Vec<Stage>,
    /// Multiple shooting: the loss over each whole series in segments instead of windows;
    /// absent for the windowed loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shooting: Option<Shooting>,
    /// Users' own trajectories (CSV) instead of paper 000's spiral.
    #[serde(default, with = "neurode_train::optional")]
    pub data: Option<PathBuf>,
}

/// Classification of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyTask {
    /// The classifier.
    pub model: ClassifierArch,
    /// Training epochs.
    pub epochs: u64,
    /// Points per batch.
    pub batch_size: usize,
    /// Held-out share of the points (0 = evaluate on the training points).
    pub test_fraction: f64,
    /// Users' own labelled points (CSV) instead of the two spirals.
    #[serde(default, with = "neurode_train::optional")]
    pub data: Option<PathBuf>,
}

/// Density estimation with a continuous normalizing flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DensityTask {
    /// The flow's network.
    pub model: FlowArch,
    /// The flow and its built-in data.
    pub flow: Flow,
    /// Training iterations.
    pub iters: u64,
    /// Points per batch.
    pub batch_size: usize,
    /// Held-out share of a CSV's points.
    pub test_fraction: f64,
    /// Users' own points (CSV) instead of the built-in distribution.
    #[serde(default, with = "neurode_train::optional")]
    pub data: Option<PathBuf>,
}

/// Sequences with inputs: the built-in driven oscillator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceTask {
    /// The sequence model.
    pub model: SequenceArch,
    /// Training iterations.
    pub iters: u64,
    /// Sequences per batch.
    pub batch_size: usize,
}

/// Every task's budget (iterations, or epochs for classification) and batch size, taken as
/// `$($by)*` (nothing: copied; `&mut`: to change).
macro_rules! counts {
    ($task:expr, $($by:tt)*) => {
        match $task {
            TaskConfig::Dynamics(t) => ($($by)* t.iters, $($by)* t.batch_size),
            TaskConfig::Classify(t) => ($($by)* t.epochs, $($by)* t.batch_size),
            TaskConfig::Density(t) => ($($by)* t.iters, $($by)* t.batch_size),
            TaskConfig::Sequence(t) => ($($by)* t.iters, $($by)* t.batch_size),
        }
    };
}

impl TaskConfig {
    /// Which task.
    pub fn kind(&self) -> TaskKind {
        match self {
            TaskConfig::Dynamics(_) => TaskKind::Dynamics,
            TaskConfig::Classify(_) => TaskKind::Classify,
            TaskConfig::Density(_) => TaskKind::Density,
            TaskConfig::Sequence(_) => TaskKind::Sequence,
        }
    }

    /// The model.
    pub fn arch(&self) -> AnyArch {
        match self {
            TaskConfig::Dynamics(t) => AnyArch::Dynamics(t.model),
            TaskConfig::Classify(t) => AnyArch::Classify(t.model),
            TaskConfig::Density(t) => AnyArch::Density(t.model),
            TaskConfig::Sequence(t) => AnyArch::Sequence(t.model),
        }
    }

    /// Sets the model; `false` (and nothing changes) when it is another task's.
    pub fn set_arch(&mut self, arch: AnyArch) -> bool {
        match (self, arch) {
            (TaskConfig::Dynamics(t), AnyArch::Dynamics(m)) => t.model = m,
            (TaskConfig::Classify(t), AnyArch::Classify(m)) => t.model = m,
            (TaskConfig::Density(t), AnyArch::Density(m)) => t.model = m,
            (TaskConfig::Sequence(t), AnyArch::Sequence(m)) => t.model = m,
            _ => return false,
        }
        true
    }

    /// The run's budget (iterations, or epochs for classification) and batch size.
    fn counts(&self) -> (u64, usize) {
        counts!(self,)
    }

    /// The budget and batch size, to change.
    fn counts_mut(&mut self) -> (&mut u64, &mut usize) {
        counts!(self, &mut)
    }

    /// Steps of the run: iterations, or epochs for classification.
    pub fn budget(&self) -> u64 {
        self.counts().0
    }

    /// Sets the run's budget (iterations or epochs, whichever the task counts).
    pub fn set_budget(&mut self, n: u64) {
        *self.counts_mut().0 = n;
    }

    /// Windows, points or sequences per batch.
    pub fn batch_size(&self) -> usize {
        self.counts().1
    }

    /// Sets the batch size.
    pub fn set_batch_size(&mut self, n: usize) {
        *self.counts_mut().1 = n;
    }

    /// The users' data file, if the task has one.
    pub fn data(&self) -> Option<&PathBuf> {
        match self {
            TaskConfig::Dynamics(t) => t.data.as_ref(),
            TaskConfig::Classify(t) => t.data.as_ref(),
            TaskConfig::Density(t) => t.data.as_ref(),
            TaskConfig::Sequence(_) => None,
        }
    }

    /// The data file slot (`None` for the sequence task, which has only built-in data).
    pub fn data_mut(&mut self) -> Option<&mut Option<PathBuf>> {
        match self {
            TaskConfig::Dynamics(t) => Some(&mut t.data),
            TaskConfig::Classify(t) => Some(&mut t.data),
            TaskConfig::Density(t) => Some(&mut t.data),
            TaskConfig::Sequence(_) => None,
        }
    }

    /// The held-out share slot (classification and density).
    pub fn test_fraction_mut(&mut self) -> Option<&mut f64> {
        match self {
            TaskConfig::Classify(t) => Some(&mut t.test_fraction),
            TaskConfig::Density(t) => Some(&mut t.test_fraction),
            _ => None,
        }
    }

    /// The curriculum (only the dynamics task has one).
    pub fn curriculum(&self) -> &[Stage] {
        match self {
            TaskConfig::Dynamics(t) => &t.curriculum,
            _ => &[],
        }
    }

    /// The dynamics task's settings.
    pub fn dynamics(&self) -> Option<&DynamicsTask> {
        match self {
            TaskConfig::Dynamics(t) => Some(t),
            _ => None,
        }
    }

    /// The dynamics task's settings, to change.
    pub fn dynamics_mut(&mut self) -> Option<&mut DynamicsTask> {
        match self {
            TaskConfig::Dynamics(t) => Some(t),
            _ => None,
        }
    }

    /// The density task's settings.
    pub fn density(&self) -> Option<&DensityTask> {
        match self {
            TaskConfig::Density(t) => Some(t),
            _ => None,
        }
    }

    /// The density task's settings, to change.
    pub fn density_mut(&mut self) -> Option<&mut DensityTask> {
        match self {
            TaskConfig::Density(t) => Some(t),
            _ => None,
        }
    }
}
