//! One vector–Jacobian product of the dynamics: what every adjoint backward pass evaluates.

use burn::Tensor;

use crate::NeuralDynamics;
use crate::params::ParamLayout;

/// `(f(t, y), aᵀ ∂f/∂y, aᵀ ∂f/∂θ)` from one forward and one backward pass of the module on the
/// autodiff device; inputs and outputs are plain tensors.
pub(crate) fn vjp<M: NeuralDynamics>(
    model: &M,
    layout: &ParamLayout,
    t: f64,
    y: &Tensor<2>,
    a: &Tensor<2>,
    device: &burn::tensor::Device,
) -> (Tensor<2>, Tensor<2>, Tensor<1>) {
    let y_ad = Tensor::from_inner(y.clone()).require_grad();
    let f = model.forward(t, y_ad.clone());
    let grads = (f.clone() * Tensor::from_inner(a.clone())).sum().backward();
    let a_dot = y_ad.grad(&grads).unwrap_or_else(|| y.zeros_like());
    let g_dot = layout.flatten(model, &grads, device);
    (f.inner(), a_dot, g_dot)
}
