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

use crate::{
    AdamSettings, MetricsRow, Observer, Schedule, StepOutput, StepReport, TrainError, TrainState,
};

/// What is learned: the batches of a step, one batch's loss and gradients, an evaluation.
pub trait Task {
    /// The model trained.
    type Model: Module;
    /// One batch (one optimizer update).
    type Batch;

    /// The batches of step `step` (1-based), drawn from `seed`: an iteration is one batch, an
    /// epoch many. The same `(step, seed)` gives the same batches (resume depends on it).
    fn batches(&self, step: u64, seed: u64) -> Result<Vec<Self::Batch>, TrainError>;

    /// The loss of one batch and its gradients, with the model on an autodiff device.
    fn step(&self, model: &Self::Model, batch: &Self::Batch) -> Result<StepOutput, TrainError>;

    /// Test metrics of a model on a plain device (`model.valid()`); `test_loss` decides the
    /// best model and drives plateau schedules.
    fn evaluate(&self, model: &Self::Model) -> Result<MetricsRow, TrainError>;
}

/// How a model is trained: Adam (PyTorch's semantics), a learning-rate schedule, how many
/// steps, how often to evaluate, and the seed of the batches.
///
/// ```no_run
/// # use neurode_train::{Trainer, Schedule, AdamSettings};
/// let trainer = Trainer::new(3_000, 5e-4)
///     .with_optimizer(AdamSettings { weight_decay: 1e-5, clip: Some(1.0), ..AdamSettings::default() })
///     .with_schedule(Schedule::Cosine { total: 3_000, min_lr: 0.0 })
///     .with_eval_every(50);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trainer {
    /// Steps to take (iterations or epochs, as the task counts them).
    pub steps: u64,
    /// The initial learning rate.
    pub lr: f64,
    /// Adam's settings (β₁, β₂, ε, weight decay, global-norm clipping).
    pub optimizer: AdamSettings,
    /// The learning-rate schedule (advanced after every step, told every evaluation).
    pub schedule: Schedule,
    /// Evaluate every this many steps (and after the last).
    pub eval_every: u64,
    /// Seed of the batches.
    pub seed: u64,
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
        Self {
            steps,
            lr,
            optimizer: AdamSettings::default(),
            schedule: Schedule::None,
            eval_every: steps.max(1),
            seed: 0,
        }
    }

    /// Other optimizer settings.
    pub fn with_optimizer(mut self, optimizer: AdamSettings) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// Another learning-rate schedule.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Evaluate every `every` steps.
    pub fn with_eval_every(mut self, every: u64) -> Self {
        self.eval_every = every;
        self
    }

    /// Another seed for the batches.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The state of a run that has not started.
    pub fn fresh_state(&self) -> TrainState {
        TrainState::new(self.optimizer, self.lr)
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
                name: "eval_every",
                value: "0".into(),
                expected: "at least 1",
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
        observer.started(&run.state, self.steps)?;
        let outcome = run.steps(task, observer);
        run.state.wall_seconds = run.wall();
        let told = observer.finished(&run.model, &run.state, &outcome);
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
            // The untrained model: a run that diverges at once still leaves a best model.
            self.evaluate(task, observer)?;
        }
        while self.state.step < t.steps {
            let step = self.state.step + 1;
            let started = Instant::now();
            let batches = task.batches(step, t.seed)?;
            let (mut loss_sum, mut nfe) = (0.0, (0, 0));
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
                let lr = self.state.schedule.lr;
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
                nfe = (nfe.0 + out.nfe.0, nfe.1 + out.nfe.1);
            }
            let loss = loss_sum / batches.len().max(1) as f64;
            self.state.schedule.advance(&t.schedule);
            self.state
                .record_step(loss, nfe, started.elapsed().as_secs_f64());
            let mut test_loss = None;
            if step.is_multiple_of(t.eval_every) || step == t.steps {
                test_loss = Some(self.evaluate(task, observer)?);
            }
            observer.stepped(&StepReport {
                step,
                total: t.steps,
                loss,
                test_loss,
                nfe,
                lr: self.state.schedule.lr,
            });
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
        let improved = self.state.evaluated(row, &self.trainer.schedule);
        if improved {
            self.best = self.model.clone();
        }
        observer.evaluated(&self.model, &self.state, improved)?;
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
