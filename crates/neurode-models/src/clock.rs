//! The adapter between a [`VectorField`] and the solver: optionally carries a clock column so
//! that rows starting at different absolute times share one batched solve.

use burn::Tensor;
use burn::module::Module;
use neurode_adjoint::NeuralDynamics;

use crate::field::{Time, VectorField};

/// `dy/dt = f(y, t)`; when `clocked`, the state is `[h, τ]` with `dτ/dt = 1` and `f` sees the
/// per-row absolute time `τ` (exact for non-autonomous fields on batched segments).
#[derive(Module, Debug)]
pub(crate) struct Clocked<M> {
    pub(crate) inner: M,
    pub(crate) clocked: bool,
}

impl<M: VectorField> NeuralDynamics for Clocked<M> {
    fn forward(&self, t: f64, y: Tensor<2>) -> Tensor<2> {
        if !self.clocked {
            return self.inner.field(&Time::Scalar(t), y);
        }
        let [b, d] = y.dims();
        let h = y.clone().slice([0..b, 0..d - 1]);
        let tau = y.slice([0..b, d - 1..d]);
        let ones = tau.ones_like();
        let f = self.inner.field(&Time::Rows(tau), h);
        Tensor::cat(vec![f, ones], 1)
    }

    /// Per-row solves need no clock column: each row is evaluated at its own time.
    fn forward_rows(&self, at: &neurode_solvers::RowsAt<'_>, y: Tensor<2>) -> Tensor<2> {
        if self.clocked {
            // A clocked state carries its own absolute time; the solver's is relative.
            return self.forward(at.t[0], y);
        }
        crate::field::field_rows(&self.inner, at, y)
    }
}
