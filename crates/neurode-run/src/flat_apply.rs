//! Applying [`FlatSettings`] to a typed [`RunConfig`]: the task first, then the model and its
//! sizes, the run's own settings, the solver's method before its stepping, the gradient
//! method, the optimizer and the task's settings.

use neurode_solvers::{Adaptive, Stepping};

use crate::flat::MODELS;
use crate::{AnyArch, FlatSettings, GradientConfig, Inapplicable, RunConfig, TaskKind};
use neurode_train::{Setting, TrainError};

impl FlatSettings {
    /// Applies every present setting to `c`, in an order that makes each well defined (the
    /// task first, then the model and its sizes, the solver's method before its stepping).
    /// Settings `c`'s task or model lacks are ignored or refused as `inapplicable` says.
    pub fn apply(&self, c: &mut RunConfig, inapplicable: Inapplicable) -> Result<(), TrainError> {
        let refuse = inapplicable == Inapplicable::Refuse;
        if let Some(kind) = self.task
            && kind != c.kind()
        {
            c.task = RunConfig::for_task(kind).task;
        }
        self.apply_model(c, refuse)?;
        self.apply_run(c);
        self.apply_solver(c);
        self.apply_gradient(c, refuse)?;
        self.apply_optimizer(c);
        self.apply_task(c, refuse)
    }

    /// The model and its sizes.
    fn apply_model(&self, c: &mut RunConfig, refuse: bool) -> Result<(), TrainError> {
        if let Some(m) = self.model
            && !c.task.set_arch(m)
        {
            return Err(TrainError::Invalid {
                setting: Setting::Model,
                value: format!("{} for the {} task", m.name(), c.kind().name()),
                expected: &MODELS,
            });
        }
        let sizes = [
            (
                Setting::Hidden,
                self.hidden,
                AnyArch::with_hidden as fn(_, _) -> _,
            ),
            (Setting::Layers, self.layers, AnyArch::with_layers),
        ];
        for (setting, value, with) in sizes {
            let Some(v) = value else { continue };
            match with(c.task.arch(), v) {
                Some(sized) => {
                    c.task.set_arch(sized);
                }
                None if refuse => {
                    return Err(TrainError::Invalid {
                        setting,
                        value: format!("{v} for the {} model", c.task.arch().name()),
                        expected: "a size only for a model that has one (dense, cnf; the hidden units of ltc and input-ode)",
                    });
                }
                None => {}
            }
        }
        Ok(())
    }

    /// What every run has: backend, seeds, evaluation, checkpoints, initial weights.
    fn apply_run(&self, c: &mut RunConfig) {
        macro_rules! set {
            ($($field:ident),+) => {$( if let Some(v) = self.$field.clone() { c.$field = v; } )+};
        }
        set!(
            backend,
            precision,
            seed,
            data_seed,
            eval_every,
            loss_threshold,
            stop_below,
            keep_checkpoints,
            init
        );
    }

    /// The method, then how it steps: fixed steps when `steps` is given, else adaptive with
    /// the tolerances and controller given (on the solve's own adaptive settings, or
    /// neurode's run defaults when it took fixed steps).
    fn apply_solver(&self, c: &mut RunConfig) {
        if let Some(m) = self.solver {
            c.solver.method = m;
        }
        match self.steps {
            Some(Some(n)) => c.solver.stepping = Stepping::Steps(n),
            Some(None) => c.solver.stepping = Stepping::Adaptive(self.adaptive(c)),
            None if self.rtol.is_some() || self.atol.is_some() || self.controller.is_some() => {
                c.solver.stepping = Stepping::Adaptive(self.adaptive(c));
            }
            None => {}
        }
    }

    /// The adaptive settings after these overrides.
    fn adaptive(&self, c: &RunConfig) -> Adaptive {
        let mut a = match c.solver.stepping {
            Stepping::Adaptive(a) => a,
            _ => *RunConfig::paper_dynamics()
                .solver
                .adaptive_settings()
                .expect("paper 000's solver is adaptive"),
        };
        if let Some(r) = self.rtol {
            a.rtol = r;
        }
        if let Some(t) = self.atol {
            a.atol = t;
        }
        if let Some(k) = self.controller {
            a.controller = k.settings();
        }
        a
    }

    /// The gradient method and its options.
    fn apply_gradient(&self, c: &mut RunConfig, refuse: bool) -> Result<(), TrainError> {
        if let Some(g) = self.gradient {
            c.gradient = g;
        }
        if let Some(on) = self.seminorm {
            match c.gradient.with_seminorm(on) {
                Some(g) => c.gradient = g,
                None if refuse && on => {
                    return Err(TrainError::Invalid {
                        setting: Setting::Seminorm,
                        value: format!("with {} gradients", c.gradient.name()),
                        expected: "the seminorm only with the adjoint or interpolated gradients (they solve backwards)",
                    });
                }
                None => {}
            }
        }
        if let Some(n) = self.gradient_checkpoints {
            match &mut c.gradient {
                GradientConfig::Checkpoint { checkpoints } => *checkpoints = n,
                // A version-1 file's "none" on another method.
                _ if n.is_none() => {}
                _ => {
                    return Err(TrainError::Invalid {
                        setting: Setting::GradientCheckpoints,
                        value: n.map_or_else(String::new, |n| n.to_string()),
                        expected: "a checkpoint budget only with checkpointed gradients",
                    });
                }
            }
        }
        Ok(())
    }

    /// The optimizer: rate, schedule, warm-up and the update rule's settings.
    fn apply_optimizer(&self, c: &mut RunConfig) {
        let o = &mut c.optimizer;
        let s = &mut o.settings;
        o.lr = self.lr.unwrap_or(o.lr);
        s.beta1 = self.beta1.unwrap_or(s.beta1);
        s.beta2 = self.beta2.unwrap_or(s.beta2);
        s.eps = self.eps.unwrap_or(s.eps);
        s.weight_decay = self.weight_decay.unwrap_or(s.weight_decay);
        s.algorithm = self.optimizer.unwrap_or(s.algorithm);
        s.clip = self.clip.unwrap_or(s.clip);
        o.schedule = self.schedule.unwrap_or(o.schedule);
        o.warmup = self.warmup.unwrap_or(o.warmup);
    }

    /// The task's own settings.
    fn apply_task(&self, c: &mut RunConfig, refuse: bool) -> Result<(), TrainError> {
        let kind = c.kind();
        let not_here = |setting: Setting, expected: &'static str| {
            Err(TrainError::Invalid {
                setting,
                value: format!("for the {} task", kind.name()),
                expected,
            })
        };
        // The budget: iterations, or epochs for classification.
        let (budget, other, other_setting) = match kind {
            TaskKind::Classify => (self.epochs, self.iters, Setting::Iters),
            _ => (self.iters, self.epochs, Setting::Epochs),
        };
        if let Some(n) = budget {
            c.task.set_budget(n);
        }
        if refuse && other.is_some() {
            return not_here(
                other_setting,
                "iterations for the dynamics, density and sequence tasks, epochs for the classify task",
            );
        }
        if let Some(n) = self.batch_size {
            c.task.set_batch_size(n);
        }
        if let Some(v) = self.test_fraction {
            match c.task.test_fraction_mut() {
                Some(slot) => *slot = v,
                None if refuse => {
                    return not_here(
                        Setting::TestFraction,
                        "a held-out share only for the classify and density tasks",
                    );
                }
                None => {}
            }
        }
        if let Some(d) = &self.data {
            match c.task.data_mut() {
                Some(slot) => *slot = d.clone(),
                None if d.is_some() => {
                    return not_here(
                        Setting::Data,
                        "no data file for the sequence task: it trains on the built-in driven oscillator",
                    );
                }
                None => {}
            }
        }
        self.apply_dynamics(c, refuse)?;
        self.apply_flow(c)
    }

    /// The dynamics task's settings (windows, loss, curriculum, shooting, augmentation).
    fn apply_dynamics(&self, c: &mut RunConfig, refuse: bool) -> Result<(), TrainError> {
        let kind = c.kind();
        let Some(t) = c.task.dynamics_mut() else {
            // Another task: its version-1 file holds these at their defaults.
            let given = [
                (
                    Setting::Augment,
                    self.augment.is_some_and(|a| a > 0 || refuse),
                ),
                (Setting::SeqLen, refuse && self.seq_len.is_some()),
                (
                    Setting::TimeWeighted,
                    refuse && self.time_weighted.is_some(),
                ),
                (
                    Setting::Curriculum,
                    self.curriculum.as_ref().is_some_and(|s| !s.is_empty()),
                ),
                (Setting::Shooting, self.shooting.is_some()),
            ];
            return match given.into_iter().find(|(_, g)| *g) {
                Some((setting, _)) => Err(TrainError::Invalid {
                    setting,
                    value: format!("for the {} task", kind.name()),
                    expected: "a setting of the dynamics task only",
                }),
                None => Ok(()),
            };
        };
        t.augment = self.augment.unwrap_or(t.augment);
        t.seq_len = self.seq_len.unwrap_or(t.seq_len);
        t.time_weighted = self.time_weighted.unwrap_or(t.time_weighted);
        if let Some(v) = &self.curriculum {
            t.curriculum = v.clone();
        }
        t.shooting = self.shooting.or(t.shooting);
        Ok(())
    }

    /// The density task's flow.
    fn apply_flow(&self, c: &mut RunConfig) -> Result<(), TrainError> {
        let Some(flow) = &self.flow else {
            return Ok(());
        };
        let kind = c.kind();
        match c.task.density_mut() {
            Some(d) => {
                d.flow = flow.clone();
                Ok(())
            }
            None => Err(TrainError::Invalid {
                setting: Setting::Flow,
                value: kind.name().into(),
                expected: "flow settings only for the density task",
            }),
        }
    }
}
