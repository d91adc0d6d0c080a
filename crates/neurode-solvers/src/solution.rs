//! What a solve returns: the states at the output times and the statistics.

use std::ops::AddAssign;

use burn::Tensor;
use serde::{Deserialize, Serialize};

/// Work done by a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveStats {
    /// Number of evaluations of the dynamics (NFE), including the initial-step heuristic and
    /// the evaluations that difference Jacobians.
    pub nfe: usize,
    /// Accepted steps (every step of a fixed-step method).
    pub accepted_steps: usize,
    /// Rejected steps (adaptive methods).
    pub rejected_steps: usize,
    /// Jacobians `∂f/∂y` formed (implicit methods; each covers every row of the batch).
    #[serde(default)]
    pub jacobians: usize,
    /// LU factorizations of `I − hγJ` (implicit methods; each covers every row).
    #[serde(default)]
    pub lu_factorizations: usize,
    /// Where Hairer's stiffness test first fired (DOPRI5, Tsit5 and DOP853 solves, and the
    /// explicit stretches of `auto`): the step size times the dominant eigenvalue estimate
    /// stayed above the method's stability bound on 15 checks in a row. `None`: it never did.
    #[serde(default)]
    pub stiff_at: Option<f64>,
}

impl AddAssign for SolveStats {
    fn add_assign(&mut self, rhs: Self) {
        self.nfe += rhs.nfe;
        self.accepted_steps += rhs.accepted_steps;
        self.rejected_steps += rhs.rejected_steps;
        self.jacobians += rhs.jacobians;
        self.lu_factorizations += rhs.lu_factorizations;
        self.stiff_at = self.stiff_at.or(rhs.stiff_at);
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
