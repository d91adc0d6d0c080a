//! What a solve returns: the states at the output times and the statistics.

use std::ops::AddAssign;

use burn::Tensor;
use serde::{Deserialize, Serialize};

/// Work done by a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolveStats {
    /// Number of evaluations of the dynamics (NFE), including the initial-step heuristic.
    pub nfe: usize,
    /// Accepted steps (every step of a fixed-step method).
    pub accepted_steps: usize,
    /// Rejected steps (adaptive methods).
    pub rejected_steps: usize,
}

impl AddAssign for SolveStats {
    fn add_assign(&mut self, rhs: Self) {
        self.nfe += rhs.nfe;
        self.accepted_steps += rhs.accepted_steps;
        self.rejected_steps += rhs.rejected_steps;
    }
}

/// The solution at the requested output times.
#[derive(Debug, Clone)]
pub struct Solution<S> {
    /// The output times, as requested.
    pub ts: Vec<f64>,
    /// The state at each output time (`ys[0]` is `y0`).
    pub ys: Vec<S>,
    /// Work done.
    pub stats: SolveStats,
}

impl<S> Solution<S> {
    /// The state at the last output time.
    pub fn last(&self) -> &S {
        self.ys
            .last()
            .expect("a solution holds at least the initial state")
    }
}

impl Solution<Tensor<2>> {
    /// The trajectory as one `[time, batch, dim]` tensor.
    pub fn stacked(&self) -> Tensor<3> {
        stack_states(self.ys.clone())
    }

    /// [`Solution::stacked`], consuming the solution.
    pub fn into_stacked(self) -> Tensor<3> {
        stack_states(self.ys)
    }
}

/// `[batch, dim]` states (at least one: a solution always holds `y0`) → one
/// `[time, batch, dim]` tensor in two operations (one concatenation and one reshape;
/// `Tensor::stack` records one more operation per state, which matters on an autodiff tape).
fn stack_states(ys: Vec<Tensor<2>>) -> Tensor<3> {
    let t = ys.len();
    let [b, d] = ys[0].dims();
    Tensor::cat(ys, 0).reshape([t, b, d])
}
