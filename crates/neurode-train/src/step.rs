//! What one training step on one batch computes.

use burn::optim::GradientsParams;

use crate::Nfe;

/// The loss of one batch, the gradient of every parameter, and the work done.
#[derive(Debug)]
pub struct StepOutput {
    /// The batch loss (before the update). Not finite: the gradients are empty.
    pub loss: f64,
    /// Gradients of every parameter of the model.
    pub grads: GradientsParams,
    /// Function evaluations of the forward and backward passes.
    pub nfe: Nfe,
}

impl StepOutput {
    /// A batch's `loss` and the gradients a solve's backward pass gave for it, with that
    /// pass's forward and backward NFE.
    pub fn of_gradients(loss: f64, g: neurode_adjoint::OdeGradients) -> Self {
        Self {
            loss,
            nfe: Nfe::of_gradients(&g),
            grads: g.params,
        }
    }

    /// A batch whose loss is not finite: no gradients (the trainer stops on it).
    pub fn non_finite(loss: f64, forward_nfe: usize) -> Self {
        Self {
            loss,
            grads: GradientsParams::new(),
            nfe: Nfe::new(forward_nfe as u64, 0),
        }
    }
}

/// A per-step seed: batches of step `k` do not depend on how many steps ran before (resume).
pub fn step_seed(seed: u64, step: u64) -> u64 {
    // SplitMix64 of (seed, step).
    let mut z = seed
        ^ step
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
