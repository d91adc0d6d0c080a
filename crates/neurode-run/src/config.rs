//! Everything a run needs, in one serialisable value (written to `config.toml`).

use std::path::PathBuf;

use neurode_backend::{Backend, Precision};
use neurode_solvers::{Method, PiController};
use serde::{Deserialize, Serialize};

use neurode_train::{
    AdamSettings, Algorithm, Flow, Phase, Plateau, Schedule, Shooting, Stage, phases_of,
};
use neurode_train::{Setting, TrainError};

/// What is learned.
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// Trajectory regression (paper 000): learn `dy/dt` from a sampled trajectory.
    Dynamics,
    /// Classification (paper 003): the two-spiral benchmark or a labelled CSV.
    Classify,
    /// Density estimation (paper 003's continuous normalizing flows): learn a distribution
    /// from its samples (FFJORD's 2-D toys or a CSV of points).
    Density,
    /// Sequences with inputs (paper 003's liquid networks): predict a driven system's
    /// response from its input alone (the built-in driven damped oscillator).
    Sequence,
}

/// The model of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Paper 000 Baseline 128-4L.
    Baseline,
    /// Compact-32-L2.
    Compact32,
    /// Compact-64-L3.
    Compact64,
    /// Compact-96-L3.
    Compact96,
    /// Residual-64.
    Residual64,
    /// TimeAware-64.
    TimeAware64,
    /// A dense MLP of `hidden` × `layers`.
    Dense,
    /// Paper 003's Neural ODE classifier (Euler or RK4 from `solver`).
    Ode,
    /// Paper 003's ResNet-MLP.
    Resnet,
    /// A continuous normalizing flow on FFJORD's concat-squash MLP (`layers` affine layers,
    /// `hidden` wide; FFJORD's 2-D toys: 64-64-64, i.e. 4 layers).
    Cnf,
    /// A liquid time-constant network of `hidden` units and a linear readout.
    Ltc,
    /// The same-size Neural ODE with its input concatenated to the state
    /// (`dh/dt = −h/τ + tanh(h W_r + x W_s + b)`, `hidden` units) and a linear readout.
    InputOde,
}

impl ModelKind {
    /// Whether the model is for `task`.
    pub fn fits(self, task: TaskKind) -> bool {
        matches!(
            (self, task),
            (ModelKind::Ode | ModelKind::Resnet, TaskKind::Classify)
                | (ModelKind::Cnf, TaskKind::Density)
                | (ModelKind::Ltc | ModelKind::InputOde, TaskKind::Sequence)
                | (
                    ModelKind::Baseline
                        | ModelKind::Compact32
                        | ModelKind::Compact64
                        | ModelKind::Compact96
                        | ModelKind::Residual64
                        | ModelKind::TimeAware64
                        | ModelKind::Dense,
                    TaskKind::Dynamics
                )
        )
    }
}

/// How gradients flow through the solver.
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradientKind {
    /// The adjoint method (backward tolerances = forward ones, torchdiffeq's default).
    Adjoint,
    /// Backpropagation through the solver steps.
    Backprop,
    /// Backprop's gradients at bounded memory: checkpoints, then each stretch re-run on the
    /// tape (diffrax's `RecursiveCheckpointAdjoint`).
    Checkpoint,
    /// The interpolating adjoint: the backward solve reads `y(t)` from the forward solve's
    /// dense output instead of integrating it backwards (right for contracting dynamics).
    Interpolated,
}

/// The adaptive solvers' step-size controller (forward and adjoint solves).
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControllerKind {
    /// The plain integral controller `dt · 0.9 · e^(−1/k)`: the default of torchdiffeq (the
    /// reference implementation of `../shared/anchors`), diffrax and SciPy.
    Integral,
    /// Hairer's PI controller (DOPRI5: `β₁ = 0.17`, `β₂ = 0.04`), `neurode_solvers`' default:
    /// smoother step sequences and smaller errors at the same tolerances, for more steps
    /// (on paper 000's workload ~20% more evaluations).
    Pi,
}

impl ControllerKind {
    /// The controller's settings.
    pub fn settings(self) -> PiController {
        match self {
            ControllerKind::Integral => PiController::integral(),
            ControllerKind::Pi => PiController::default(),
        }
    }
}

/// A complete, reproducible description of one training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// What is learned.
    pub task: TaskKind,
    /// The model.
    pub model: ModelKind,
    /// Hidden width of a custom dense model.
    pub hidden: usize,
    /// Affine layers of a custom dense model.
    pub layers: usize,
    /// Augmented dimensions (dynamics task; 0 = plain Neural ODE).
    pub augment: usize,
    /// Compute backend.
    pub backend: Backend,
    /// Float precision.
    pub precision: Precision,
    /// ODE solver.
    pub solver: Method,
    /// Relative tolerance (adaptive solvers).
    pub rtol: f64,
    /// Absolute tolerance (adaptive solvers).
    pub atol: f64,
    /// Step-size controller (adaptive solvers).
    pub controller: ControllerKind,
    /// Fixed steps of a fixed-step solver: per sample interval of the data (dynamics), or
    /// over the classifier's ODE block on [0, 1] (classification).
    #[serde(with = "neurode_train::optional")]
    pub steps: Option<usize>,
    /// Gradient method.
    pub gradient: GradientKind,
    /// Seminorm in the adjoint's error control (adjoint and interpolated gradients).
    pub seminorm: bool,
    /// States held at once by checkpointed gradients (`gradient = "checkpoint"`); absent:
    /// about 2√n for n solver steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient_checkpoints: Option<usize>,
    /// Training iterations (dynamics).
    pub iters: u64,
    /// Training epochs (classification).
    pub epochs: u64,
    /// Windows (dynamics) or points (classification) per batch.
    pub batch_size: usize,
    /// Window length in samples (dynamics).
    pub seq_len: usize,
    /// Initial learning rate.
    pub lr: f64,
    /// Adam's L2 weight decay (coupled, PyTorch's `weight_decay`).
    pub weight_decay: f64,
    /// Adam's β₁ (PyTorch default 0.9).
    pub beta1: f64,
    /// Adam's β₂ (PyTorch default 0.999); RMSprop's α.
    pub beta2: f64,
    /// Adam's ε (PyTorch default 1e-8; Burn's is 1e-5).
    pub eps: f64,
    /// The optimizer's update rule (Adam unless set).
    #[serde(default)]
    pub optimizer: Algorithm,
    /// Global gradient-norm clip τ (eq 27); none when absent.
    #[serde(with = "neurode_train::optional")]
    pub clip: Option<f64>,
    /// α of the time-weighted loss (eq 25); plain MSE when absent.
    #[serde(with = "neurode_train::optional")]
    pub time_weighted: Option<f64>,
    /// Learning-rate schedule (restarted at each curriculum stage).
    pub schedule: Schedule,
    /// Steps of linear warm-up at the start of each stage (0 = none).
    #[serde(default)]
    pub warmup: u64,
    /// A curriculum: stages as shares of the budget, each with a horizon and a rate
    /// multiplier (empty = one stage on `seq_len` windows at `lr`).
    #[serde(default)]
    pub curriculum: Vec<Stage>,
    /// Early stopping: stop at the first evaluation whose test loss is at or below this.
    #[serde(default, with = "neurode_train::optional")]
    pub stop_below: Option<f64>,
    /// Multiple shooting (trajectory regression): the loss over each whole series in
    /// segments instead of windows; absent for the windowed loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shooting: Option<Shooting>,
    /// The flow and its built-in data (density task; absent: [`Flow::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// Checkpoints kept in the run folder (the newest; a damaged newest one falls back to
    /// the one before). Not a training setting: a resumed run may change it.
    #[serde(default = "default_keep")]
    pub keep_checkpoints: usize,
    /// Seed of the parameters and the batches.
    pub seed: u64,
    /// Seed of the built-in classification data and of every train/test split (fixed across
    /// model seeds, so seeds vary the model, not the data).
    pub data_seed: u64,
    /// Evaluate every this many iterations (dynamics) or epochs (classification).
    pub eval_every: u64,
    /// Test loss threshold whose first crossing is reported (paper 000: 0.05).
    pub loss_threshold: f64,
    /// Held-out share of a classification dataset (0 = evaluate on the training points).
    pub test_fraction: f64,
    /// Users' own CSV data instead of the built-in dataset.
    #[serde(with = "neurode_train::optional")]
    pub data: Option<PathBuf>,
    /// Initial weights from a PyTorch `state_dict` (`.safetensors`, `.pt`, `.pth`; names as
    /// in [`neurode_models::TorchNames`]) instead of the seeded initialisation.
    #[serde(with = "neurode_train::optional")]
    pub init: Option<PathBuf>,
}

impl RunConfig {
    /// Paper 000's settings: Residual-64, DOPRI5 1e-5/1e-7, adjoint, Adam 5e-4, weight decay
    /// 1e-5, clip 1.0, batch 32 × 40, time-weighted loss (α = 1), ReduceLROnPlateau
    /// (patience 5), 3,000 iterations, evaluation every 50 ([`crate::Recipe::Paper`]).
    pub fn paper_dynamics() -> Self {
        Self {
            task: TaskKind::Dynamics,
            model: ModelKind::Residual64,
            hidden: 64,
            layers: 3,
            augment: 0,
            backend: Backend::default(),
            precision: Precision::F32,
            solver: Method::Dopri5,
            rtol: 1e-5,
            atol: 1e-7,
            controller: ControllerKind::Integral,
            steps: None,
            gradient: GradientKind::Adjoint,
            seminorm: false,
            gradient_checkpoints: None,
            iters: 3000,
            epochs: 500,
            batch_size: 32,
            seq_len: 40,
            lr: 5e-4,
            weight_decay: 1e-5,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            optimizer: Algorithm::Adam,
            clip: Some(1.0),
            time_weighted: Some(1.0),
            schedule: Schedule::Plateau(Plateau::new(0.1, 5)),
            warmup: 0,
            curriculum: Vec::new(),
            stop_below: None,
            shooting: None,
            flow: None,
            keep_checkpoints: 2,
            seed: 0,
            data_seed: 0,
            eval_every: 50,
            loss_threshold: 0.05,
            test_fraction: 0.2,
            data: None,
            init: None,
        }
    }

    /// Paper 003's settings: the Euler Neural ODE classifier (20 steps, backprop), Adam 0.01,
    /// cosine annealing over 500 epochs, batch 128, 80/20 split ([`crate::Recipe::Paper`]).
    pub fn paper_classify() -> Self {
        Self {
            task: TaskKind::Classify,
            model: ModelKind::Ode,
            solver: Method::Euler,
            steps: Some(20),
            gradient: GradientKind::Backprop,
            epochs: 500,
            batch_size: 128,
            lr: 0.01,
            weight_decay: 0.0,
            clip: None,
            time_weighted: None,
            schedule: Schedule::Cosine {
                total: 500,
                min_lr: 0.0,
            },
            eval_every: 10,
            ..Self::paper_dynamics()
        }
    }

    /// Whether `next` continues this run: the same settings but for the budget (iterations or
    /// epochs, which a resumed run may extend) and a cosine schedule's span, which follows it.
    pub fn continued_by(&self, next: &RunConfig) -> bool {
        self.differences(next).is_empty()
    }

    /// The settings (top-level config keys, each a `Setting`, tested) in which `next` differs
    /// from this run, ignoring the budget and a cosine schedule's span (`continued_by`).
    pub fn differences(&self, next: &RunConfig) -> Vec<Setting> {
        let comparable = |c: &RunConfig| {
            let mut c = RunConfig {
                iters: 0,
                epochs: 0,
                keep_checkpoints: 0,
                ..c.clone()
            };
            if let Schedule::Cosine { min_lr, .. } = c.schedule {
                c.schedule = Schedule::Cosine { total: 0, min_lr };
            }
            toml::Table::try_from(&c).expect("a RunConfig always serialises")
        };
        let (a, b) = (comparable(self), comparable(next));
        let mut keys: Vec<String> = a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect();
        keys.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
        keys.iter().filter_map(|k| Setting::from_key(k)).collect()
    }

    /// The density task's settings ([`Flow::default`] when the config has none).
    pub fn flow(&self) -> Flow {
        self.flow.clone().unwrap_or_default()
    }

    /// Steps of the run: iterations (dynamics, density) or epochs (classification).
    pub fn budget(&self) -> u64 {
        match self.task {
            TaskKind::Dynamics | TaskKind::Density | TaskKind::Sequence => self.iters,
            TaskKind::Classify => self.epochs,
        }
    }

    /// The phases of the run: the curriculum's stages over the budget.
    pub fn phases(&self) -> Result<Vec<Phase>, TrainError> {
        phases_of(&self.curriculum, self.budget(), self.lr)
    }

    /// Adam's settings.
    pub fn adam(&self) -> AdamSettings {
        AdamSettings {
            algorithm: self.optimizer,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            weight_decay: self.weight_decay,
            clip: self.clip,
        }
    }

    /// The config as TOML.
    ///
    /// # Panics
    /// If a count (a seed, iterations, …) exceeds `i64::MAX`, which TOML cannot hold;
    /// [`RunConfig::validate`] refuses such configs, so validate configs from users first.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a RunConfig always serialises")
    }

    /// Reads a config: the keys present in `text` override `base` (so a partial file works).
    pub fn from_toml(text: &str, base: &RunConfig) -> Result<Self, TrainError> {
        let user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| TrainError::Toml {
                message: e.to_string(),
            })?;
        let mut merged = toml::Table::try_from(base).expect("a RunConfig always serialises");
        for (k, v) in user {
            merged.insert(k, v);
        }
        merged
            .try_into()
            .map_err(|e: toml::de::Error| TrainError::Toml {
                message: e.to_string(),
            })
    }
}

/// Checkpoints a run folder keeps unless its config says otherwise.
fn default_keep() -> usize {
    2
}
