//! What a training run tells the outside world: progress after each step, each evaluation with
//! the model (checkpoints, metrics files, figures), and the end. Run folders and progress bars
//! are observers; the trainer itself writes nothing.

use crate::{Nfe, TrainError, TrainState};

/// One finished step, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// Steps completed.
    pub step: u64,
    /// Steps the run will take.
    pub total: u64,
    /// Mean training loss of the step's batches.
    pub loss: f64,
    /// The test loss, when the step ended with an evaluation.
    pub test_loss: Option<f64>,
    /// Function evaluations of the step, forward and backward.
    pub nfe: Nfe,
    /// The learning rate of the next step.
    pub lr: f64,
    /// The curriculum phase (1-based).
    pub phase: usize,
    /// The number of curriculum phases.
    pub phases: usize,
    /// The training window length in samples (tasks with time windows).
    pub window: Option<usize>,
}

/// A model and the state that continues its run from it (a checkpoint is the two): what an
/// evaluation or the end of a run shows its observers.
#[derive(Debug)]
pub struct Moment<'a, M> {
    /// The model after `state.step` steps.
    pub model: &'a M,
    /// The run's state.
    pub state: &'a TrainState,
}

impl<M> Clone for Moment<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Moment<'_, M> {}

/// How a run ended: completed, or the error that stopped it.
pub type Outcome = Result<(), TrainError>;

/// Receives the events of a run. Every method has a default that does nothing.
pub trait Observer<M> {
    /// The run starts (or resumes) at `state.step`.
    fn started(&mut self, state: &TrainState, total: u64) -> Result<(), TrainError> {
        let _ = (state, total);
        Ok(())
    }

    /// A step finished.
    fn stepped(&mut self, report: &StepReport) {
        let _ = report;
    }

    /// An evaluation was recorded (the last row of `now.state.rows`); `improved` when it is
    /// the best so far.
    fn evaluated(&mut self, now: Moment<'_, M>, improved: bool) -> Outcome {
        let _ = (now, improved);
        Ok(())
    }

    /// The run ended, by completing or by `outcome`'s error.
    fn finished(&mut self, now: Moment<'_, M>, outcome: &Outcome) -> Outcome {
        let _ = (now, outcome);
        Ok(())
    }
}

/// Keeps nothing: a run with no observers.
impl<M> Observer<M> for () {}

/// Every observer of a list, in order.
impl<M> Observer<M> for [&mut dyn Observer<M>] {
    fn started(&mut self, state: &TrainState, total: u64) -> Result<(), TrainError> {
        self.iter_mut().try_for_each(|o| o.started(state, total))
    }

    fn stepped(&mut self, report: &StepReport) {
        self.iter_mut().for_each(|o| o.stepped(report));
    }

    fn evaluated(&mut self, now: Moment<'_, M>, improved: bool) -> Outcome {
        self.iter_mut().try_for_each(|o| o.evaluated(now, improved))
    }

    fn finished(&mut self, now: Moment<'_, M>, outcome: &Outcome) -> Outcome {
        // Every observer hears the end, even when an earlier one fails; the first error wins.
        let mut first = Ok(());
        for o in self.iter_mut() {
            let r = o.finished(now, outcome);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}
