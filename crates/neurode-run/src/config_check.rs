//! Checking a [`RunConfig`]: every value against what is accepted, named in the library's
//! terms (the binary maps the names to its flags).

use crate::{RunConfig, TaskKind};
use neurode_train::{Schedule, TrainError};

impl RunConfig {
    /// Checks every value and says what is accepted.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(TrainError::Invalid {
                name,
                value,
                expected,
            })
        };
        if !self.model.fits(self.task) {
            return bad(
                "model",
                format!("{:?}", self.model).to_lowercase(),
                "for the dynamics task: baseline, compact32, compact64, compact96, residual64, timeaware64, dense; for the classify task: ode-euler, ode-rk4, resnet; for the density task: cnf; for the sequence task: ltc, input-ode",
            );
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.lr) {
            return bad("lr", self.lr.to_string(), "a finite learning rate > 0");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad(
                "weight_decay",
                self.weight_decay.to_string(),
                "a finite value ≥ 0",
            );
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return bad(name, b.to_string(), "in [0, 1)");
            }
        }
        if !positive(self.eps) {
            return bad("eps", self.eps.to_string(), "a finite value > 0");
        }
        if let Some(c) = self.clip
            && !positive(c)
        {
            return bad(
                "clip",
                c.to_string(),
                "a finite norm > 0 (none turns clipping off)",
            );
        }
        if let Some(a) = self.time_weighted
            && !(a.is_finite() && a >= 0.0)
        {
            return bad("time_weighted", a.to_string(), "a finite α ≥ 0");
        }
        if self.solver.is_adaptive() && !(positive(self.rtol) && positive(self.atol)) {
            return bad(
                "rtol/atol",
                format!("{}/{}", self.rtol, self.atol),
                "finite tolerances > 0",
            );
        }
        if !self.solver.is_adaptive() && self.steps.is_none() {
            return bad(
                "steps",
                "none".into(),
                "a number of fixed steps for a fixed-step solver (e.g. 20)",
            );
        }
        if self.steps == Some(0) {
            return bad("steps", "0".into(), "at least 1");
        }
        for (name, v) in [
            ("batch_size", self.batch_size as u64),
            ("eval_every", self.eval_every),
            ("hidden", self.hidden as u64),
        ] {
            if v == 0 {
                return bad(name, "0".into(), "at least 1");
            }
        }
        if self.task != TaskKind::Classify && self.iters == 0 {
            return bad("iters", "0".into(), "at least 1");
        }
        if self.task == TaskKind::Classify && self.epochs == 0 {
            return bad("epochs", "0".into(), "at least 1");
        }
        if self.seq_len < 2 {
            return bad("seq_len", self.seq_len.to_string(), "at least 2");
        }
        if self.layers < 2 {
            return bad(
                "layers",
                self.layers.to_string(),
                "at least 2 affine layers",
            );
        }
        if !(0.0..1.0).contains(&self.test_fraction) {
            return bad("test_fraction", self.test_fraction.to_string(), "in [0, 1)");
        }
        if !positive(self.loss_threshold) {
            return bad(
                "loss_threshold",
                self.loss_threshold.to_string(),
                "a finite value > 0",
            );
        }
        if let Some(t) = self.stop_below
            && !t.is_finite()
        {
            return bad("stop_below", t.to_string(), "a finite test loss");
        }
        // Counts a config file can hold (TOML integers are signed 64-bit), and sizes that
        // would be an allocation, not a model, above a bound.
        let toml_max = i64::MAX as u128;
        let span = match self.schedule {
            Schedule::Cosine { total, .. } => total as u128,
            _ => 0,
        };
        for (name, value) in [
            ("seed", self.seed as u128),
            ("data_seed", self.data_seed as u128),
            ("iters", self.iters as u128),
            ("epochs", self.epochs as u128),
            ("eval_every", self.eval_every as u128),
            ("warmup", self.warmup as u128),
            ("steps", self.steps.unwrap_or(0) as u128),
            ("seq_len", self.seq_len as u128),
            ("keep_checkpoints", self.keep_checkpoints as u128),
            (
                "gradient_checkpoints",
                self.gradient_checkpoints.unwrap_or(0) as u128,
            ),
            ("schedule", span),
        ] {
            if value > toml_max {
                return bad(name, value.to_string(), "at most 9223372036854775807");
            }
        }
        for (name, value, max, expected) in [
            ("hidden", self.hidden, 1 << 16, "at most 65536"),
            ("layers", self.layers, 1 << 10, "at most 1024"),
            ("augment", self.augment, 1 << 16, "at most 65536"),
            ("batch_size", self.batch_size, 1 << 20, "at most 1048576"),
        ] {
            if value > max {
                return bad(name, value.to_string(), expected);
            }
        }
        match (self.gradient_checkpoints, self.gradient) {
            (Some(0), _) => {
                return bad(
                    "gradient_checkpoints",
                    "0".into(),
                    "at least 1 state (the initial one)",
                );
            }
            (Some(n), g) if g != crate::GradientKind::Checkpoint => {
                return bad(
                    "gradient_checkpoints",
                    n.to_string(),
                    "a checkpoint budget only with checkpointed gradients",
                );
            }
            _ => {}
        }
        if self.keep_checkpoints == 0 {
            return bad("keep_checkpoints", "0".into(), "at least 1 checkpoint");
        }
        if let Some(s) = self.shooting {
            if self.task != crate::TaskKind::Dynamics {
                return bad(
                    "shooting",
                    format!("{} segments", s.segments),
                    "multiple shooting only for the dynamics task",
                );
            }
            if s.segments == 0 {
                return bad("shooting", "0 segments".into(), "at least 1 segment");
            }
            if !(s.continuity.is_finite() && s.continuity >= 0.0) {
                return bad(
                    "shooting",
                    format!("continuity {}", s.continuity),
                    "a finite continuity weight ≥ 0",
                );
            }
            if self.init.is_some() {
                return bad(
                    "shooting",
                    format!("{} segments with initial weights", s.segments),
                    "multiple shooting from the model's own initialisation (no init file)",
                );
            }
        }
        match (&self.flow, self.task) {
            (Some(_), task) if task != TaskKind::Density => {
                return bad(
                    "flow",
                    format!("{task:?}").to_lowercase(),
                    "flow settings only for the density task",
                );
            }
            (_, TaskKind::Density) => {
                self.flow().validate()?;
                if !self.curriculum.is_empty() {
                    return bad(
                        "curriculum",
                        format!("{} stages", self.curriculum.len()),
                        "no curriculum for the density task (it has no time windows)",
                    );
                }
                if self.data.is_none() && !self.batch_size.is_multiple_of(2) {
                    return bad(
                        "batch_size",
                        self.batch_size.to_string(),
                        "an even number of points for the built-in densities (half from each part of the two-part sets)",
                    );
                }
            }
            (_, TaskKind::Sequence) => {
                if let Some(path) = &self.data {
                    return bad(
                        "data",
                        path.display().to_string(),
                        "no data file for the sequence task: it trains on the built-in driven oscillator",
                    );
                }
                if !self.curriculum.is_empty() {
                    return bad(
                        "curriculum",
                        format!("{} stages", self.curriculum.len()),
                        "no curriculum for the sequence task (it trains on whole sequences)",
                    );
                }
            }
            _ => {}
        }
        self.phases()?;
        match self.schedule {
            Schedule::Plateau(p) if !(p.factor > 0.0 && p.factor < 1.0) => bad(
                "schedule",
                format!("plateau factor {}", p.factor),
                "a plateau factor in (0, 1)",
            ),
            Schedule::Plateau(p) if !(p.threshold.is_finite() && p.threshold >= 0.0) => bad(
                "schedule",
                format!("plateau threshold {}", p.threshold),
                "a finite threshold ≥ 0",
            ),
            Schedule::Plateau(p) if !(p.min_lr.is_finite() && p.min_lr >= 0.0) => bad(
                "schedule",
                format!("plateau min_lr {}", p.min_lr),
                "a finite rate ≥ 0",
            ),
            Schedule::Cosine { total: 0, .. } => bad(
                "schedule",
                "cosine over 0 steps".into(),
                "a cosine schedule over at least 1 step",
            ),
            _ => Ok(()),
        }
    }
}
