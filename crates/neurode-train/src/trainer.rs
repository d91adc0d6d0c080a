//! The training loop: one skeleton for every task. A [`Task`] says what a step's batches are,
//! what one batch's loss and gradients are, and how a model is evaluated; the [`Trainer`]
//! runs Adam, the schedule and the evaluations over it and tells its observers.
//!
//! A step's work on one batch ([`Task::step`]) is a pure function of the model and the batch.
//! That is the seam for running past one device: a multi-device strategy (burn-train's
//! `ExecutionStrategy`, data parallel over Burn's collectives) can run `Task::step` per device
//! on shards of the batch and all-reduce the `GradientsParams` before the optimizer step
//! (ARCHITECTURE.md, *Scale-out*).

use std::time::Instant;

use burn::module::Module;
use neurode_adjoint::AdjointError;
use neurode_models::ModelError;

use crate::curriculum::{check_phases, phase_of};
use crate::setters::setters;
use crate::{
    AdamSettings, Horizon, Interrupt, MetricsRow, Moment, Nfe, Observer, Phase, Schedule,
    ScheduleState, Setting, StepOutput, StepReport, TrainError, TrainState,
};

/// Which batches a step draws: the step (1-based), the run's seed and the phase's horizon.
/// The same draw gives the same batches (resume depends on it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// The step, 1-based.
    pub step: u64,
    /// The run's seed.
    pub seed: u64,
    /// The windows of the step's phase.
    pub horizon: Horizon,
}

impl Draw {
    /// The seed of this step's random draws ([`step_seed`](crate::step_seed) of the run's
    /// seed and the step).
    pub fn step_seed(&self) -> u64 {
        crate::step_seed(self.seed, self.step)
    }
}

/// What is learned: the batches of a step, one batch's loss and gradients, an evaluation.
pub trait Task {
    /// The model trained.
    type Model: Module;
    /// One batch (one optimizer update).
    type Batch;

    /// The batches of a step, on windows of its horizon: an iteration is one batch, an epoch
    /// many.
    fn batches(&self, draw: Draw) -> Result<Vec<Self::Batch>, TrainError>;

    /// The window length, in samples, of `horizon` (recorded in the metrics), or an error when
    /// the task cannot train on it. Tasks without time windows accept only [`Horizon::Full`].
    fn window(&self, horizon: Horizon) -> Result<Option<usize>, TrainError> {
        match horizon {
            Horizon::Full => Ok(None),
            other => Err(TrainError::Invalid {
                setting: Setting::Horizon,
                value: format!("{other:?}"),
                expected: "the full horizon (this task has no time windows)",
            }),
        }
    }

    /// The loss of one batch and its gradients, with the model on an autodiff device.
    fn step(&self, model: &Self::Model, batch: &Self::Batch) -> Result<StepOutput, TrainError>;

    /// Test metrics of a model on a plain device (`model.valid()`); `test_loss` decides the
    /// best model and drives plateau schedules.
    fn evaluate(&self, model: &Self::Model) -> Result<MetricsRow, TrainError>;
}

/// How a model is trained: Adam (PyTorch's semantics), a learning-rate schedule with an
/// optional warm-up, a curriculum of phases (steps, rate, horizon), how often to evaluate, the
/// seed of the batches and an optional early stop.
///
/// ```no_run
/// # use neurode_train::{Trainer, Schedule, AdamSettings, Phase, Horizon, Plateau};
/// // Paper 003's recipe: one phase, cosine annealing.
/// let paper = Trainer::new(500, 0.01)
///     .with_schedule(Schedule::Cosine { total: 500, min_lr: 0.0 })
///     .with_eval_every(10);
/// // A length curriculum: 10 % of the series, then all of it, with a plateau schedule.
/// let curriculum = Trainer::curriculum(vec![
///     Phase::new(500, 3e-3).with_horizon(Horizon::Fraction(0.1)),
///     Phase::new(500, 1e-3),
/// ])
/// .with_optimizer(AdamSettings { clip: Some(1.0), ..AdamSettings::default() })
/// .with_schedule(Schedule::Plateau(Plateau::new(0.5, 5).with_cooldown(2)))
/// .with_warmup(20)
/// .with_eval_every(50);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trainer {
    /// The phases, run in order (one for a plain run).
    pub phases: Vec<Phase>,
    /// Adam's settings (β₁, β₂, ε, weight decay, global-norm clipping).
    pub optimizer: AdamSettings,
    /// The learning-rate schedule (advanced after every step, told every evaluation,
    /// restarted at each phase).
    pub schedule: Schedule,
    /// Steps of linear warm-up at the start of each phase (0 = none).
    pub warmup: u64,
    /// Evaluate every this many steps (and after the last).
    pub eval_every: u64,
    /// Seed of the batches.
    pub seed: u64,
    /// Stop once an evaluation's test loss is at or below this (early stopping; off when
    /// absent).
    pub stop_below: Option<f64>,
    /// Checked after every step: when raised, the run ends with
    /// [`TrainError::Interrupted`] (observers checkpoint it in `finished`).
    pub interrupt: Option<Interrupt>,
}

/// The end of a run.
#[derive(Debug, Clone)]
pub struct Fitted<M> {
    /// The model after the last step.
    pub model: M,
    /// The model of the best evaluation (lowest test loss).
    pub best: M,
    /// Evaluations, counters, optimizer state.
    pub state: TrainState,
}

impl Trainer {
    /// `steps` steps of PyTorch-default Adam at `lr`, a constant rate, one evaluation at the
    /// end, seed 0.
    pub fn new(steps: u64, lr: f64) -> Self {
        Self::curriculum(vec![Phase::new(steps, lr)])
    }

    /// A run of these phases, otherwise as [`Trainer::new`].
    pub fn curriculum(phases: Vec<Phase>) -> Self {
        let mut t = Self {
            phases,
            optimizer: AdamSettings::default(),
            schedule: Schedule::None,
            warmup: 0,
            eval_every: 1,
            seed: 0,
            stop_below: None,
            interrupt: None,
        };
        t.eval_every = t.steps().max(1);
        t
    }

    /// Steps of all phases.
    pub fn steps(&self) -> u64 {
        self.phases.iter().map(|p| p.steps).sum()
    }

    setters! {
        /// Stops the run cleanly after the step in which `interrupt` is raised.
        with_interrupt(interrupt: Interrupt) as Some;
        /// A linear warm-up over the first `warmup` steps of each phase.
        with_warmup(warmup: u64);
        /// Stop at the first evaluation whose test loss is at or below `stop_below`.
        with_stop_below(stop_below: f64) as Some;
        /// Other optimizer settings.
        with_optimizer(optimizer: AdamSettings);
        /// Another learning-rate schedule.
        with_schedule(schedule: Schedule);
        /// Evaluate every `eval_every` steps.
        with_eval_every(eval_every: u64);
        /// Another seed for the batches.
        with_seed(seed: u64);
    }

    /// The state of a run that has not started.
    pub fn fresh_state(&self) -> TrainState {
        let lr = self.phases.first().map_or(0.0, |p| p.lr);
        TrainState::new(self.optimizer, lr)
    }

    /// Trains `model` on `task` from scratch, telling `observer` (`&mut ()` for none, or a
    /// slice of observers).
    pub fn fit<T: Task>(
        &self,
        model: T::Model,
        task: &T,
        observer: &mut (impl Observer<T::Model> + ?Sized),
    ) -> Result<Fitted<T::Model>, TrainError> {
        self.resume(model, self.fresh_state(), task, observer)
    }

    /// Continues a run from a checkpoint: `model` and `state` as they were after `state.step`
    /// steps. The result equals that of a run that never stopped.
    pub fn resume<T: Task>(
        &self,
        model: T::Model,
        state: TrainState,
        task: &T,
        observer: &mut (impl Observer<T::Model> + ?Sized),
    ) -> Result<Fitted<T::Model>, TrainError> {
        if self.eval_every == 0 {
            return Err(TrainError::Invalid {
                setting: Setting::EvalEvery,
                value: "0".into(),
                expected: "at least 1",
            });
        }
        check_phases(&self.phases)?;
        for p in &self.phases {
            task.window(p.horizon)?;
        }
        if let Some(t) = self.stop_below
            && t.is_nan()
        {
            return Err(TrainError::Invalid {
                setting: Setting::StopBelow,
                value: t.to_string(),
                expected: "a test loss (a number)",
            });
        }
        let mut run = Run {
            trainer: self,
            best: model.clone(),
            model,
            state,
            started: Instant::now(),
            wall_offset: 0.0,
        };
        run.wall_offset = run.state.wall_seconds;
        observer.started(&run.state, self.steps())?;
        let outcome = run.steps(task, observer);
        run.state.wall_seconds = run.wall();
        let now = Moment {
            model: &run.model,
            state: &run.state,
        };
        let told = observer.finished(now, &outcome);
        outcome?;
        told?;
        Ok(Fitted {
            model: run.model,
            best: run.best,
            state: run.state,
        })
    }
}

/// One run in progress.
struct Run<'a, M> {
    trainer: &'a Trainer,
    model: M,
    best: M,
    state: TrainState,
    started: Instant,
    wall_offset: f64,
}

impl<M: Module> Run<'_, M> {
    fn wall(&self) -> f64 {
        self.wall_offset + self.started.elapsed().as_secs_f64()
    }

    fn steps<T: Task<Model = M>>(
        &mut self,
        task: &T,
        observer: &mut (impl Observer<M> + ?Sized),
    ) -> Result<(), TrainError> {
        let t = self.trainer;
        if self.state.rows.is_empty() {
            self.state.window = task.window(t.phases[0].horizon)?;
            // The untrained model: a run that diverges at once still leaves a best model.
            self.evaluate(task, observer)?;
        }
        let total = t.steps();
        while self.state.step < total && !self.state.stopped {
            let step = self.state.step + 1;
            let (phase, start) = phase_of(&t.phases, step);
            let horizon = t.phases[phase].horizon;
            if step == start + 1 || self.state.phase != phase {
                // A phase begins (or a run resumes into another one): its window length.
                self.state.window = task.window(horizon)?;
            }
            self.state.phase = phase;
            let started = Instant::now();
            let batches = task.batches(Draw {
                step,
                seed: t.seed,
                horizon,
            })?;
            let (mut loss_sum, mut nfe) = (0.0, Nfe::default());
            for batch in &batches {
                let out = task
                    .step(&self.model, batch)
                    .map_err(|e| solver_failure(e, step))?;
                if !out.loss.is_finite() {
                    return Err(TrainError::Diverged {
                        step,
                        what: "the training loss",
                        value: out.loss,
                    });
                }
                let lr = self.state.schedule.rate(t.warmup);
                let (next, info) = self.state.adam.step(self.model.clone(), &out.grads, lr);
                if !info.grad_norm.is_finite() {
                    return Err(TrainError::Diverged {
                        step,
                        what: "the gradient norm",
                        value: info.grad_norm,
                    });
                }
                self.model = next;
                loss_sum += out.loss;
                nfe += out.nfe;
            }
            let loss = loss_sum / batches.len().max(1) as f64;
            self.state
                .schedule
                .advance(&t.schedule, t.phases[phase].steps);
            let phase_end = step == start + t.phases[phase].steps;
            if phase_end && phase + 1 < t.phases.len() {
                // The next phase: the schedule restarts at its rate (before the evaluation, so
                // the checkpoint taken there continues with it).
                self.state.schedule = ScheduleState::new(t.phases[phase + 1].lr);
            }
            self.state
                .record_step(loss, nfe, started.elapsed().as_secs_f64());
            let mut test_loss = None;
            if step.is_multiple_of(t.eval_every)
                || step == total
                || step == start + t.phases[phase].steps
            {
                let value = self.evaluate(task, observer)?;
                test_loss = Some(value);
            }
            observer.stepped(&StepReport {
                step,
                total,
                loss,
                test_loss,
                nfe,
                lr: self.state.schedule.rate(t.warmup),
                phase: phase + 1,
                phases: t.phases.len(),
                window: self.state.window,
            });
            if t.interrupt.as_ref().is_some_and(Interrupt::is_requested) && step < total {
                return Err(TrainError::Interrupted { step });
            }
        }
        Ok(())
    }

    /// Evaluates the current model, records it and tells the observer; returns the test loss.
    fn evaluate<T: Task<Model = M>>(
        &mut self,
        task: &T,
        observer: &mut (impl Observer<M> + ?Sized),
    ) -> Result<f64, TrainError> {
        let row = task
            .evaluate(&self.model.valid())
            .map_err(|e| solver_failure(e, self.state.step))?;
        let test_loss = row.test_loss;
        self.state.wall_seconds = self.wall();
        let t = self.trainer;
        let improved = self.state.evaluated(row, &t.schedule, t.warmup);
        if self.state.step > 0 && t.stop_below.is_some_and(|target| test_loss <= target) {
            self.state.stopped = true;
        }
        if improved {
            self.best = self.model.clone();
        }
        let now = Moment {
            model: &self.model,
            state: &self.state,
        };
        observer.evaluated(now, improved)?;
        Ok(test_loss)
    }
}

/// A solver failure inside a step becomes [`TrainError::SolverFailed`] at that step.
fn solver_failure(e: TrainError, step: u64) -> TrainError {
    match e {
        TrainError::Model(
            m @ (ModelError::Solve(_)
            | ModelError::Gradient(AdjointError::Forward(_))
            | ModelError::Gradient(AdjointError::Backward { .. })),
        ) => TrainError::SolverFailed { step, source: m },
        other => other,
    }
}
