//! Trainable dynamics: a Burn module that computes `f(t, y)`.

use burn::Tensor;
use burn::module::Module;

/// A Burn module whose forward pass is the right-hand side `f_θ(t, y)` of a Neural ODE on a
/// `[batch, dim]` state. Both gradient methods differentiate through it: backprop by recording
/// every solver step, the adjoint by vector–Jacobian products `aᵀ ∂f/∂y`, `aᵀ ∂f/∂θ`.
pub trait NeuralDynamics: Module {
    /// Evaluates `f_θ(t, y)`; must return the shape of `y`.
    fn forward(&self, t: f64, y: Tensor<2>) -> Tensor<2>;
}
