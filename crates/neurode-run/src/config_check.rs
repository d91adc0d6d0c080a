//! Checking a [`RunConfig`]: every value against what is accepted, named in the library's
//! terms (the binary maps the names to its flags). What the types cannot rule out: numbers
//! out of range, the solver's own checks ([`SolveOptions::validate`]), sizes and budgets.

use neurode_solvers::{SolveError, SolveOptions};
use neurode_train::{Schedule, Setting, TrainError};

use crate::{CONFIG_VERSION, GradientConfig, OptimizerConfig, RunConfig, TaskConfig};

impl RunConfig {
    /// Checks every value and says what is accepted.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.version != CONFIG_VERSION {
            return bad(
                Setting::Task,
                format!("config version {}", self.version),
                "version 2 (a version-1 file reads through RunConfig::from_toml)",
            );
        }
        check_optimizer(&self.optimizer)?;
        check_solver(&self.solver)?;
        if self.gradient
            == (GradientConfig::Checkpoint {
                checkpoints: Some(0),
            })
        {
            return bad(
                Setting::GradientCheckpoints,
                "0".into(),
                "at least 1 state (the initial one)",
            );
        }
        self.check_run()?;
        self.check_limits()?;
        self.check_task()?;
        self.check_schedule()
    }

    /// What every run has: evaluation, thresholds, checkpoints kept.
    fn check_run(&self) -> Result<(), TrainError> {
        if self.eval_every == 0 {
            return bad(Setting::EvalEvery, "0".into(), "at least 1");
        }
        if self.keep_checkpoints == 0 {
            return bad(
                Setting::KeepCheckpoints,
                "0".into(),
                "at least 1 checkpoint",
            );
        }
        if !positive(self.loss_threshold) {
            return bad(
                Setting::LossThreshold,
                self.loss_threshold.to_string(),
                "a finite value > 0",
            );
        }
        if let Some(t) = self.stop_below
            && !t.is_finite()
        {
            return bad(Setting::StopBelow, t.to_string(), "a finite test loss");
        }
        Ok(())
    }

    /// Counts a config file can hold (TOML integers are signed 64-bit), and sizes that would
    /// be an allocation, not a model, above a bound.
    fn check_limits(&self) -> Result<(), TrainError> {
        let toml_max = i64::MAX as u128;
        let span = match self.optimizer.schedule {
            Schedule::Cosine { total, .. } => total as u128,
            _ => 0,
        };
        let budget = match self.task {
            TaskConfig::Classify(_) => Setting::Epochs,
            _ => Setting::Iters,
        };
        let steps = match self.solver.stepping {
            neurode_solvers::Stepping::Steps(n) => n as u128,
            _ => 0,
        };
        let checkpoints = match self.gradient {
            GradientConfig::Checkpoint { checkpoints } => checkpoints.unwrap_or(0) as u128,
            _ => 0,
        };
        let seq_len = self.task.dynamics().map_or(0, |d| d.seq_len as u128);
        for (name, value) in [
            (Setting::Seed, self.seed as u128),
            (Setting::DataSeed, self.data_seed as u128),
            (budget, self.budget() as u128),
            (Setting::EvalEvery, self.eval_every as u128),
            (Setting::Warmup, self.optimizer.warmup as u128),
            (Setting::Steps, steps),
            (Setting::SeqLen, seq_len),
            (Setting::KeepCheckpoints, self.keep_checkpoints as u128),
            (Setting::GradientCheckpoints, checkpoints),
            (Setting::Schedule, span),
        ] {
            if value > toml_max {
                return bad(name, value.to_string(), "at most 9223372036854775807");
            }
        }
        let arch = self.task.arch();
        let augment = self.task.dynamics().map_or(0, |d| d.augment);
        for (name, value, max, expected) in [
            (
                Setting::Hidden,
                arch.hidden().unwrap_or(1),
                1 << 16,
                "at most 65536",
            ),
            (
                Setting::Layers,
                arch.layers().unwrap_or(2),
                1 << 10,
                "at most 1024",
            ),
            (Setting::Augment, augment, 1 << 16, "at most 65536"),
            (
                Setting::BatchSize,
                self.task.batch_size(),
                1 << 20,
                "at most 1048576",
            ),
        ] {
            if value > max {
                return bad(name, value.to_string(), expected);
            }
        }
        Ok(())
    }

    /// The task's own settings: sizes, budget, windows, shooting, flows.
    fn check_task(&self) -> Result<(), TrainError> {
        let arch = self.task.arch();
        if arch.hidden() == Some(0) {
            return bad(Setting::Hidden, "0".into(), "at least 1");
        }
        if let Some(l) = arch.layers()
            && l < 2
        {
            return bad(Setting::Layers, l.to_string(), "at least 2 affine layers");
        }
        if self.task.batch_size() == 0 {
            return bad(Setting::BatchSize, "0".into(), "at least 1");
        }
        if self.budget() == 0 {
            let setting = match self.task {
                TaskConfig::Classify(_) => Setting::Epochs,
                _ => Setting::Iters,
            };
            return bad(setting, "0".into(), "at least 1");
        }
        match &self.task {
            TaskConfig::Dynamics(_) => self.check_dynamics(),
            TaskConfig::Classify(t) => check_fraction(t.test_fraction),
            TaskConfig::Density(t) => {
                check_fraction(t.test_fraction)?;
                t.flow.validate()?;
                if t.data.is_none() && !t.batch_size.is_multiple_of(2) {
                    return bad(
                        Setting::BatchSize,
                        t.batch_size.to_string(),
                        "an even number of points for the built-in densities (half from each part of the two-part sets)",
                    );
                }
                Ok(())
            }
            TaskConfig::Sequence(_) => Ok(()),
        }
    }

    /// The dynamics task: windows, loss weighting, multiple shooting.
    fn check_dynamics(&self) -> Result<(), TrainError> {
        let Some(t) = self.task.dynamics() else {
            return Ok(());
        };
        if t.seq_len < 2 {
            return bad(Setting::SeqLen, t.seq_len.to_string(), "at least 2");
        }
        if let Some(a) = t.time_weighted
            && !(a.is_finite() && a >= 0.0)
        {
            return bad(Setting::TimeWeighted, a.to_string(), "a finite α ≥ 0");
        }
        let Some(s) = t.shooting else {
            return Ok(());
        };
        if s.segments == 0 {
            return bad(Setting::Shooting, "0 segments".into(), "at least 1 segment");
        }
        if !(s.continuity.is_finite() && s.continuity >= 0.0) {
            return bad(
                Setting::Shooting,
                format!("continuity {}", s.continuity),
                "a finite continuity weight ≥ 0",
            );
        }
        if self.init.is_some() {
            return bad(
                Setting::Shooting,
                format!("{} segments with initial weights", s.segments),
                "multiple shooting from the model's own initialisation (no init file)",
            );
        }
        Ok(())
    }

    /// The curriculum's phases and the learning-rate schedule.
    fn check_schedule(&self) -> Result<(), TrainError> {
        self.phases()?;
        match self.optimizer.schedule {
            Schedule::Plateau(p) if !(p.factor > 0.0 && p.factor < 1.0) => bad(
                Setting::Schedule,
                format!("plateau factor {}", p.factor),
                "a plateau factor in (0, 1)",
            ),
            Schedule::Plateau(p) if !(p.threshold.is_finite() && p.threshold >= 0.0) => bad(
                Setting::Schedule,
                format!("plateau threshold {}", p.threshold),
                "a finite threshold ≥ 0",
            ),
            Schedule::Plateau(p) if !(p.min_lr.is_finite() && p.min_lr >= 0.0) => bad(
                Setting::Schedule,
                format!("plateau min_lr {}", p.min_lr),
                "a finite rate ≥ 0",
            ),
            Schedule::Cosine { total: 0, .. } => bad(
                Setting::Schedule,
                "cosine over 0 steps".into(),
                "a cosine schedule over at least 1 step",
            ),
            _ => Ok(()),
        }
    }
}

/// The optimizer's settings: rate, weight decay, β, ε, clipping.
fn check_optimizer(o: &OptimizerConfig) -> Result<(), TrainError> {
    let s = &o.settings;
    if !positive(o.lr) {
        return bad(Setting::Lr, o.lr.to_string(), "a finite learning rate > 0");
    }
    if !(s.weight_decay.is_finite() && s.weight_decay >= 0.0) {
        return bad(
            Setting::WeightDecay,
            s.weight_decay.to_string(),
            "a finite value ≥ 0",
        );
    }
    for (name, b) in [(Setting::Beta1, s.beta1), (Setting::Beta2, s.beta2)] {
        if !(0.0..1.0).contains(&b) {
            return bad(name, b.to_string(), "in [0, 1)");
        }
    }
    if !positive(s.eps) {
        return bad(Setting::Eps, s.eps.to_string(), "a finite value > 0");
    }
    if let Some(c) = s.clip
        && !positive(c)
    {
        return bad(
            Setting::Clip,
            c.to_string(),
            "a finite norm > 0 (none turns clipping off)",
        );
    }
    Ok(())
}

/// The solver's own checks, named as the run's settings.
fn check_solver(solver: &SolveOptions) -> Result<(), TrainError> {
    let Err(e) = solver.validate() else {
        return Ok(());
    };
    match e {
        SolveError::MissingStepSize { method } => bad(
            Setting::Steps,
            format!("none for {method}"),
            "a number of fixed steps for a fixed-step solver (e.g. 20)",
        ),
        SolveError::InvalidTolerance { name, value } => bad(
            Setting::Tolerances,
            format!("{name} {value}"),
            "finite tolerances > 0",
        ),
        SolveError::InvalidOption {
            name,
            value,
            expected,
        } => {
            let setting = match name {
                "steps" | "step_size" => Setting::Steps,
                "controller" => Setting::Controller,
                _ => Setting::Solver,
            };
            bad(setting, format!("{name} {value}"), expected)
        }
        other => Err(TrainError::Model(other.into())),
    }
}

/// A held-out share in [0, 1).
fn check_fraction(f: f64) -> Result<(), TrainError> {
    if (0.0..1.0).contains(&f) {
        Ok(())
    } else {
        bad(Setting::TestFraction, f.to_string(), "in [0, 1)")
    }
}

/// The error for `setting` holding `value`, with what is accepted.
fn bad(setting: Setting, value: String, expected: &'static str) -> Result<(), TrainError> {
    Err(TrainError::Invalid {
        setting,
        value,
        expected,
    })
}

/// A finite value above zero.
fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}
