//! The settings a training run has, by name: what [`TrainError::Invalid`](crate::TrainError)
//! names, and what a command line maps to its flags.

/// One setting of a training run: a key of `neurode-run`'s `config.toml`, or an option of
/// the training library itself. Errors name a setting with it (in the library's terms, by
/// [`Setting::key`]); a binary maps every one of them to what its user types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Setting {
    /// What is learned (dynamics, classify, density, sequence).
    Task,
    /// The model.
    Model,
    /// Hidden width.
    Hidden,
    /// Number of layers.
    Layers,
    /// Extra state dimensions (augmented Neural ODE).
    Augment,
    /// The compute backend.
    Backend,
    /// The float precision.
    Precision,
    /// The ODE solver.
    Solver,
    /// Relative tolerance.
    Rtol,
    /// Absolute tolerance.
    Atol,
    /// Both tolerances together.
    Tolerances,
    /// The step-size controller.
    Controller,
    /// Fixed steps of a fixed-step solver.
    Steps,
    /// The gradient method.
    Gradient,
    /// The adjoint's seminorm.
    Seminorm,
    /// The checkpoint budget of checkpointed gradients.
    GradientCheckpoints,
    /// Training iterations.
    Iters,
    /// Training epochs.
    Epochs,
    /// The run's length: iterations or epochs, whichever the task counts.
    Budget,
    /// Batch size.
    BatchSize,
    /// Window length in samples.
    SeqLen,
    /// Learning rate.
    Lr,
    /// The optimizer's algorithm.
    Optimizer,
    /// Weight decay.
    WeightDecay,
    /// Adam's β₁.
    Beta1,
    /// Adam's β₂.
    Beta2,
    /// Adam's ε.
    Eps,
    /// Gradient clipping norm.
    Clip,
    /// Time-weighted loss exponent.
    TimeWeighted,
    /// The learning-rate schedule.
    Schedule,
    /// Warm-up steps.
    Warmup,
    /// The length curriculum.
    Curriculum,
    /// A curriculum stage's window.
    Horizon,
    /// Early stopping's target test loss.
    StopBelow,
    /// Multiple shooting's settings.
    Shooting,
    /// Multiple shooting applied to a batch.
    MultipleShooting,
    /// The density task's settings.
    Flow,
    /// The flow's integration time.
    FlowTime,
    /// RNODE's weight.
    Rnode,
    /// Held-out points of the density task.
    TestPoints,
    /// Checkpoints kept in a run folder.
    KeepCheckpoints,
    /// The parameters' seed.
    Seed,
    /// The data's seed.
    DataSeed,
    /// Steps between evaluations.
    EvalEvery,
    /// The loss threshold the summary reports the first step below.
    LossThreshold,
    /// Held-out fraction of the data.
    TestFraction,
    /// A data file.
    Data,
    /// Initial weights (a PyTorch file).
    Init,
    /// The device a computation needs.
    Device,
    /// Points given to a figure or a model.
    Points,
}

impl Setting {
    /// Every setting.
    pub const ALL: [Setting; Setting::Points as usize + 1] = [
        Setting::Task,
        Setting::Model,
        Setting::Hidden,
        Setting::Layers,
        Setting::Augment,
        Setting::Backend,
        Setting::Precision,
        Setting::Solver,
        Setting::Rtol,
        Setting::Atol,
        Setting::Tolerances,
        Setting::Controller,
        Setting::Steps,
        Setting::Gradient,
        Setting::Seminorm,
        Setting::GradientCheckpoints,
        Setting::Iters,
        Setting::Epochs,
        Setting::Budget,
        Setting::BatchSize,
        Setting::SeqLen,
        Setting::Lr,
        Setting::Optimizer,
        Setting::WeightDecay,
        Setting::Beta1,
        Setting::Beta2,
        Setting::Eps,
        Setting::Clip,
        Setting::TimeWeighted,
        Setting::Schedule,
        Setting::Warmup,
        Setting::Curriculum,
        Setting::Horizon,
        Setting::StopBelow,
        Setting::Shooting,
        Setting::MultipleShooting,
        Setting::Flow,
        Setting::FlowTime,
        Setting::Rnode,
        Setting::TestPoints,
        Setting::KeepCheckpoints,
        Setting::Seed,
        Setting::DataSeed,
        Setting::EvalEvery,
        Setting::LossThreshold,
        Setting::TestFraction,
        Setting::Data,
        Setting::Init,
        Setting::Device,
        Setting::Points,
    ];

    /// The library's name of the setting (a `config.toml` key where it is one).
    pub fn key(self) -> &'static str {
        match self {
            Setting::Task => "task",
            Setting::Model => "model",
            Setting::Hidden => "hidden",
            Setting::Layers => "layers",
            Setting::Augment => "augment",
            Setting::Backend => "backend",
            Setting::Precision => "precision",
            Setting::Solver => "solver",
            Setting::Rtol => "rtol",
            Setting::Atol => "atol",
            Setting::Tolerances => "rtol/atol",
            Setting::Controller => "controller",
            Setting::Steps => "steps",
            Setting::Gradient => "gradient",
            Setting::Seminorm => "seminorm",
            Setting::GradientCheckpoints => "gradient_checkpoints",
            Setting::Iters => "iters",
            Setting::Epochs => "epochs",
            Setting::Budget => "budget",
            Setting::BatchSize => "batch_size",
            Setting::SeqLen => "seq_len",
            Setting::Lr => "lr",
            Setting::Optimizer => "optimizer",
            Setting::WeightDecay => "weight_decay",
            Setting::Beta1 => "beta1",
            Setting::Beta2 => "beta2",
            Setting::Eps => "eps",
            Setting::Clip => "clip",
            Setting::TimeWeighted => "time_weighted",
            Setting::Schedule => "schedule",
            Setting::Warmup => "warmup",
            Setting::Curriculum => "curriculum",
            Setting::Horizon => "horizon",
            Setting::StopBelow => "stop_below",
            Setting::Shooting => "shooting",
            Setting::MultipleShooting => "multiple_shooting",
            Setting::Flow => "flow",
            Setting::FlowTime => "flow_time",
            Setting::Rnode => "rnode",
            Setting::TestPoints => "test_points",
            Setting::KeepCheckpoints => "keep_checkpoints",
            Setting::Seed => "seed",
            Setting::DataSeed => "data_seed",
            Setting::EvalEvery => "eval_every",
            Setting::LossThreshold => "loss_threshold",
            Setting::TestFraction => "test_fraction",
            Setting::Data => "data",
            Setting::Init => "init",
            Setting::Device => "device",
            Setting::Points => "points",
        }
    }

    /// The setting a `config.toml` key names.
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_listed_once_with_its_own_key() {
        // In declaration order, so every variant is there exactly once.
        for (i, s) in Setting::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i, "{s:?}");
        }
        let mut keys: Vec<&str> = Setting::ALL.iter().map(|s| s.key()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key named twice");
        for s in Setting::ALL {
            assert_eq!(Setting::from_key(s.key()), Some(s));
        }
        assert_eq!(Setting::from_key("no_such_key"), None);
    }
}
