//! A batch of windows or segments solved by a Neural ODE: on one shared clock (every row on
//! the same relative grid), or each row on its own clock (unevenly sampled data). The
//! regression and multiple-shooting steps build their loss the same way from either.

use burn::Tensor;
use burn::module::Module;
use neurode_adjoint::OdeGradients;
use neurode_models::{ModelError, OdeOutput, RowOdeOutput, VectorField};

/// One solve of a batch; one per training step, so the variants' sizes are no concern.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Solved<M> {
    /// On one shared clock ([`neurode_models::NeuralOde::forward_segments`]).
    Shared(OdeOutput<M>),
    /// Each row on its own clock ([`neurode_models::NeuralOde::forward_rows`]).
    Rows(RowOdeOutput<M>),
}

impl<M: VectorField> Solved<M> {
    /// The predictions, `[time, batch, dim]`.
    pub fn ys(&self) -> Tensor<3> {
        match self {
            Solved::Shared(o) => o.ys.clone(),
            Solved::Rows(o) => o.ys.clone(),
        }
    }

    /// Evaluations of the forward solve.
    pub fn nfe(&self) -> usize {
        match self {
            Solved::Shared(o) => o.stats.nfe,
            Solved::Rows(o) => o.stats.nfe,
        }
    }

    /// Gradients of `loss` w.r.t. every parameter of `outer` (the model, or a larger one
    /// containing it).
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, ModelError> {
        match self {
            Solved::Shared(o) => o.backward_for(loss, outer),
            Solved::Rows(o) => o.backward_for(loss, outer),
        }
    }
}
