//! Checking a [`RunConfig`]: every value against what is accepted, named in the library's
//! terms (the binary maps the names to its flags).

use crate::{RunConfig, TaskKind};
use neurode_train::{Schedule, Setting, TrainError};

impl RunConfig {
    /// Checks every value and says what is accepted.
    pub fn validate(&self) -> Result<(), TrainError> {
        if !self.model.fits(self.task) {
            return bad(
                Setting::Model,
                format!("{:?}", self.model).to_lowercase(),
                "for the dynamics task: baseline, compact32, compact64, compact96, residual64, timeaware64, dense; for the classify task: ode-euler, ode-rk4, resnet; for the density task: cnf; for the sequence task: ltc, input-ode",
            );
        }
        self.check_optimizer()?;
        self.check_solver_and_loss()?;
        self.check_counts()?;
        self.check_limits()?;
        self.check_gradients()?;
        self.check_task_settings()?;
        self.check_schedule()
    }

    /// The optimizer's settings: rate, weight decay, β, ε, clipping.
    fn check_optimizer(&self) -> Result<(), TrainError> {
        if !positive(self.lr) {
            return bad(
                Setting::Lr,
                self.lr.to_string(),
                "a finite learning rate > 0",
            );
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad(
                Setting::WeightDecay,
                self.weight_decay.to_string(),
                "a finite value ≥ 0",
            );
        }
        for (name, b) in [(Setting::Beta1, self.beta1), (Setting::Beta2, self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return bad(name, b.to_string(), "in [0, 1)");
            }
        }
        if !positive(self.eps) {
            return bad(Setting::Eps, self.eps.to_string(), "a finite value > 0");
        }
        if let Some(c) = self.clip
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

    /// The loss's time weighting and the solver's tolerances and steps.
    fn check_solver_and_loss(&self) -> Result<(), TrainError> {
        if let Some(a) = self.time_weighted
            && !(a.is_finite() && a >= 0.0)
        {
            return bad(Setting::TimeWeighted, a.to_string(), "a finite α ≥ 0");
        }
        if self.solver.is_adaptive() && !(positive(self.rtol) && positive(self.atol)) {
            return bad(
                Setting::Tolerances,
                format!("{}/{}", self.rtol, self.atol),
                "finite tolerances > 0",
            );
        }
        if !self.solver.is_adaptive() && self.steps.is_none() {
            return bad(
                Setting::Steps,
                "none".into(),
                "a number of fixed steps for a fixed-step solver (e.g. 20)",
            );
        }
        if self.steps == Some(0) {
            return bad(Setting::Steps, "0".into(), "at least 1");
        }
        Ok(())
    }

    /// Counts that must be at least 1 (by task), the window length, the layer count, the test
    /// fraction and the loss thresholds.
    fn check_counts(&self) -> Result<(), TrainError> {
        for (name, v) in [
            (Setting::BatchSize, self.batch_size as u64),
            (Setting::EvalEvery, self.eval_every),
            (Setting::Hidden, self.hidden as u64),
        ] {
            if v == 0 {
                return bad(name, "0".into(), "at least 1");
            }
        }
        if self.task != TaskKind::Classify && self.iters == 0 {
            return bad(Setting::Iters, "0".into(), "at least 1");
        }
        if self.task == TaskKind::Classify && self.epochs == 0 {
            return bad(Setting::Epochs, "0".into(), "at least 1");
        }
        if self.seq_len < 2 {
            return bad(Setting::SeqLen, self.seq_len.to_string(), "at least 2");
        }
        if self.layers < 2 {
            return bad(
                Setting::Layers,
                self.layers.to_string(),
                "at least 2 affine layers",
            );
        }
        if !(0.0..1.0).contains(&self.test_fraction) {
            return bad(
                Setting::TestFraction,
                self.test_fraction.to_string(),
                "in [0, 1)",
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
        let span = match self.schedule {
            Schedule::Cosine { total, .. } => total as u128,
            _ => 0,
        };
        for (name, value) in [
            (Setting::Seed, self.seed as u128),
            (Setting::DataSeed, self.data_seed as u128),
            (Setting::Iters, self.iters as u128),
            (Setting::Epochs, self.epochs as u128),
            (Setting::EvalEvery, self.eval_every as u128),
            (Setting::Warmup, self.warmup as u128),
            (Setting::Steps, self.steps.unwrap_or(0) as u128),
            (Setting::SeqLen, self.seq_len as u128),
            (Setting::KeepCheckpoints, self.keep_checkpoints as u128),
            (
                Setting::GradientCheckpoints,
                self.gradient_checkpoints.unwrap_or(0) as u128,
            ),
            (Setting::Schedule, span),
        ] {
            if value > toml_max {
                return bad(name, value.to_string(), "at most 9223372036854775807");
            }
        }
        for (name, value, max, expected) in [
            (Setting::Hidden, self.hidden, 1 << 16, "at most 65536"),
            (Setting::Layers, self.layers, 1 << 10, "at most 1024"),
            (Setting::Augment, self.augment, 1 << 16, "at most 65536"),
            (
                Setting::BatchSize,
                self.batch_size,
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

    /// The checkpoint budgets: of checkpointed gradients and of the run folder.
    fn check_gradients(&self) -> Result<(), TrainError> {
        match (self.gradient_checkpoints, self.gradient) {
            (Some(0), _) => {
                return bad(
                    Setting::GradientCheckpoints,
                    "0".into(),
                    "at least 1 state (the initial one)",
                );
            }
            (Some(n), g) if g != crate::GradientKind::Checkpoint => {
                return bad(
                    Setting::GradientCheckpoints,
                    n.to_string(),
                    "a checkpoint budget only with checkpointed gradients",
                );
            }
            _ => {}
        }
        if self.keep_checkpoints == 0 {
            return bad(
                Setting::KeepCheckpoints,
                "0".into(),
                "at least 1 checkpoint",
            );
        }
        Ok(())
    }

    /// Settings that belong to one task: multiple shooting, flows, sequences.
    fn check_task_settings(&self) -> Result<(), TrainError> {
        if let Some(s) = self.shooting {
            if self.task != crate::TaskKind::Dynamics {
                return bad(
                    Setting::Shooting,
                    format!("{} segments", s.segments),
                    "multiple shooting only for the dynamics task",
                );
            }
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
        }
        match (&self.flow, self.task) {
            (Some(_), task) if task != TaskKind::Density => {
                return bad(
                    Setting::Flow,
                    format!("{task:?}").to_lowercase(),
                    "flow settings only for the density task",
                );
            }
            (_, TaskKind::Density) => {
                self.flow().validate()?;
                if !self.curriculum.is_empty() {
                    return bad(
                        Setting::Curriculum,
                        format!("{} stages", self.curriculum.len()),
                        "no curriculum for the density task (it has no time windows)",
                    );
                }
                if self.data.is_none() && !self.batch_size.is_multiple_of(2) {
                    return bad(
                        Setting::BatchSize,
                        self.batch_size.to_string(),
                        "an even number of points for the built-in densities (half from each part of the two-part sets)",
                    );
                }
            }
            (_, TaskKind::Sequence) => {
                if let Some(path) = &self.data {
                    return bad(
                        Setting::Data,
                        path.display().to_string(),
                        "no data file for the sequence task: it trains on the built-in driven oscillator",
                    );
                }
                if !self.curriculum.is_empty() {
                    return bad(
                        Setting::Curriculum,
                        format!("{} stages", self.curriculum.len()),
                        "no curriculum for the sequence task (it trains on whole sequences)",
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The curriculum's phases and the learning-rate schedule.
    fn check_schedule(&self) -> Result<(), TrainError> {
        self.phases()?;
        match self.schedule {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use neurode_train::{Flow, Setting, Shooting};

    use crate::RunConfig;

    /// A config with every optional setting present, so its TOML holds every key.
    fn every_key() -> RunConfig {
        RunConfig {
            steps: Some(10),
            gradient_checkpoints: Some(3),
            clip: Some(1.0),
            time_weighted: Some(1.0),
            stop_below: Some(1e-3),
            shooting: Some(Shooting {
                segments: 2,
                continuity: 1.0,
                free_nodes: false,
            }),
            flow: Some(Flow::default()),
            data: Some(PathBuf::from("data.csv")),
            init: Some(PathBuf::from("init.safetensors")),
            ..RunConfig::dynamics()
        }
    }

    #[test]
    fn every_config_key_is_a_setting() {
        let table = toml::Table::try_from(every_key()).unwrap();
        for key in table.keys() {
            assert!(Setting::from_key(key).is_some(), "`{key}` is no Setting");
        }
        let fields = include_str!("config.rs")
            .split("pub struct RunConfig {")
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap()
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split(':').next())
            .count();
        assert_eq!(table.len(), fields, "every field in the TOML");
    }

    #[test]
    fn a_changed_setting_is_named_by_its_setting() {
        let base = every_key();
        let next = RunConfig {
            lr: 1e-2,
            seq_len: 7,
            ..base.clone()
        };
        let mut got = base.differences(&next);
        got.sort();
        assert_eq!(got, [Setting::SeqLen, Setting::Lr]);
    }
}
