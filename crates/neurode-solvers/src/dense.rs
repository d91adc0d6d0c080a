//! The dense output of a whole solve, kept for later: the solution at any time of the span.

use crate::State;
use crate::observe::{StepInterpolant, StepObserver, StepRecord};

/// The solution of a solve as a function of time: every accepted step's interpolant, recorded
/// by passing it as the observer of [`crate::solve_observed`]. Memory grows with the number
/// of steps (a few states per step, no autodiff tape).
pub struct DenseOutput<S> {
    /// Step boundaries `t₀ … tₙ` (monotonic in the direction of integration).
    bounds: Vec<f64>,
    steps: Vec<StepInterpolant<S>>,
}

impl<S> Default for DenseOutput<S> {
    fn default() -> Self {
        Self {
            bounds: Vec::new(),
            steps: Vec::new(),
        }
    }
}

impl<S: State> DenseOutput<S> {
    /// An empty recording.
    pub fn new() -> Self {
        Self::default()
    }

    /// The recorded steps' boundaries `t₀ … tₙ` (empty when nothing was recorded).
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// Number of recorded steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether no step was recorded (a solve over a single time).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The solution at `t`, from the step that holds it (the first or last step's
    /// polynomial outside the recorded span). `None` when nothing was recorded.
    pub fn at(&self, t: f64) -> Option<S> {
        let n = self.steps.len();
        if n == 0 {
            return None;
        }
        let dir = if self.bounds[n] >= self.bounds[0] {
            1.0
        } else {
            -1.0
        };
        // Steps whose end lies before t (in the direction of integration).
        let before = self.bounds[1..].partition_point(|&b| (b - t) * dir < 0.0);
        Some(self.steps[before.min(n - 1)].at(t))
    }
}

impl<S: State> StepObserver<S> for DenseOutput<S> {
    fn wants_dense(&self) -> bool {
        true
    }

    fn accepted(&mut self, _: usize, step: &StepRecord, _: &S, dense: Option<StepInterpolant<S>>) {
        if self.bounds.is_empty() {
            self.bounds.push(step.t0);
        }
        self.bounds.push(step.t1);
        self.steps
            .push(dense.expect("wants_dense: the solver passes every step's interpolant"));
    }
}
