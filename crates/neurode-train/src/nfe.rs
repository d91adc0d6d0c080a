//! Counting the work of training steps in function evaluations.

use std::ops::{Add, AddAssign};

/// Function evaluations (batched calls of the right-hand side) of a training step, a batch or
/// a run: those of the forward solves and those of the backward pass (zero for backprop,
/// which differentiates the forward steps instead of solving again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nfe {
    /// Evaluations of the forward solves.
    pub forward: u64,
    /// Evaluations of the backward solves (adjoints) or re-runs (checkpointing).
    pub backward: u64,
}

impl Nfe {
    /// `forward` and `backward` evaluations.
    pub fn new(forward: u64, backward: u64) -> Self {
        Self { forward, backward }
    }

    /// The forward and backward evaluations a gradient computation reports.
    pub fn of_gradients(g: &neurode_adjoint::OdeGradients) -> Self {
        Self::new(g.forward.nfe as u64, g.backward.nfe as u64)
    }
}

impl Add for Nfe {
    type Output = Nfe;

    fn add(self, other: Nfe) -> Nfe {
        Nfe::new(self.forward + other.forward, self.backward + other.backward)
    }
}

impl AddAssign for Nfe {
    fn add_assign(&mut self, other: Nfe) {
        *self = *self + other;
    }
}
