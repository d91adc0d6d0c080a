//! What one training step on one batch computes.

use burn::optim::GradientsParams;

/// The loss of one batch, the gradient of every parameter, and the work done.
#[derive(Debug)]
pub struct StepOutput {
    /// The batch loss (before the update). Not finite: the gradients are empty.
    pub loss: f64,
    /// Gradients of every parameter of the model.
    pub grads: GradientsParams,
    /// Function evaluations of the forward and backward passes.
    pub nfe: (u64, u64),
}
