//! Watching a solve step by step: what checkpointed gradients and the interpolating adjoint
//! keep of the forward pass.

use crate::State;
use crate::interpolate::Prepared;

/// One accepted step, exactly as the solver took it: replaying it ([`crate::replay`]) from the
/// same state reproduces the step, output times and all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRecord {
    /// Where the step started.
    pub t0: f64,
    /// Where it ended (the last output time when the step was cut to land on it).
    pub t1: f64,
    /// The signed step length the Runge–Kutta stages used (`t1 − t0` up to rounding).
    pub h: f64,
}

/// Called by [`crate::solve_observed`] after every accepted step.
pub trait StepObserver<S> {
    /// Whether [`StepObserver::accepted`] should receive the step's dense output. Building it
    /// costs `f(t₁, y₁)` for methods without FSAL (reused as the next step's first stage) and
    /// DOP853's three extra stages.
    fn wants_dense(&self) -> bool {
        false
    }

    /// The step `index` (counting from 0) was accepted and ended at `y1`; `dense` is its
    /// interpolant when [`StepObserver::wants_dense`] said so.
    fn accepted(
        &mut self,
        index: usize,
        step: &StepRecord,
        y1: &S,
        dense: Option<StepInterpolant<S>>,
    );
}

/// Collects the accepted steps only (for replaying them later).
#[derive(Debug, Clone, Default)]
pub struct StepLog {
    /// The accepted steps, in order.
    pub steps: Vec<StepRecord>,
}

impl<S> StepObserver<S> for StepLog {
    fn accepted(&mut self, _: usize, step: &StepRecord, _: &S, _: Option<StepInterpolant<S>>) {
        self.steps.push(*step);
    }
}

/// The interpolant of one accepted step (the method's own dense output, or the convention's).
pub struct StepInterpolant<S> {
    pub(crate) t0: f64,
    pub(crate) h: f64,
    pub(crate) prepared: Prepared<S>,
}

impl<S: State> StepInterpolant<S> {
    /// The interpolant of the step `t0 → t0 + h`.
    pub(crate) fn new(t0: f64, h: f64, prepared: Prepared<S>) -> Self {
        Self { t0, h, prepared }
    }

    /// The solution at `t` (inside the step; outside it, the interpolating polynomial
    /// extrapolates).
    pub fn at(&self, t: f64) -> S {
        let theta = (t - self.t0) / self.h;
        self.prepared
            .at(&[theta])
            .pop()
            .expect("one weight row gives one state")
    }
}
