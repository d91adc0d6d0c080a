//! The pieces every plain MLP of this crate shares: layer sizes, parameter count, forward.

use burn::Tensor;
use burn::nn::Linear;
use neurode_backend::FusedActivation;

use crate::Activation;
use crate::init::linear_params;

/// `[input, width × (layers − 1), output]`: the sizes of `layers` affine layers.
pub(crate) fn sizes(input: usize, width: usize, layers: usize, output: usize) -> Vec<usize> {
    let mut s = vec![input];
    s.extend(std::iter::repeat_n(width, layers.saturating_sub(1)));
    s.push(output);
    s
}

/// Parameters of the affine layers with these sizes.
pub(crate) fn params(sizes: &[usize]) -> usize {
    sizes.windows(2).map(|w| linear_params(w[0], w[1])).sum()
}

/// The layers in turn, with `activation` between them (none after the last), on `x³` when
/// `cubic`.
pub(crate) fn forward(
    layers: &[Linear],
    activation: Activation,
    x: Tensor<2>,
    cubic: bool,
) -> Tensor<2> {
    let last = layers.len() - 1;
    let act = |i: usize| (i < last).then_some(activation);
    let mut x = if cubic {
        cubic_layer_forward(&layers[0], x, act(0))
    } else {
        layer_forward(&layers[0], x, act(0))
    };
    for (i, layer) in layers.iter().enumerate().skip(1) {
        x = layer_forward(layer, x, act(i));
    }
    x
}

/// `activation(layer(x³))`, the cube folded into the fused operation where there is one.
pub(crate) fn cubic_layer_forward(
    layer: &Linear,
    x: Tensor<2>,
    activation: Option<Activation>,
) -> Tensor<2> {
    if let (Some(fused), Some(bias)) = (fused(activation), &layer.bias)
        && let Some(y) =
            neurode_backend::affine_of_cube(&x, &layer.weight.val(), &bias.val(), fused)
    {
        return y;
    }
    layer_forward(layer, crate::field::cube(x), activation)
}

/// The fused kernel's name for `activation` (`None`: no fused kernel for it).
fn fused(activation: Option<Activation>) -> Option<FusedActivation> {
    match activation {
        None => Some(FusedActivation::Identity),
        Some(Activation::Tanh) => Some(FusedActivation::Tanh),
        Some(Activation::Softplus) => None,
    }
}

/// `activation(layer(x))`, as one fused operation where the backend has one (flex, f32:
/// one recorded node instead of four; see `neurode_backend::affine`), else Burn's ops.
pub(crate) fn layer_forward(
    layer: &Linear,
    x: Tensor<2>,
    activation: Option<Activation>,
) -> Tensor<2> {
    if let (Some(fused), Some(bias)) = (fused(activation), &layer.bias)
        && let Some(y) = neurode_backend::affine(&x, &layer.weight.val(), &bias.val(), fused)
    {
        return y;
    }
    let y = layer.forward(x);
    match activation {
        Some(activation) => activation.apply(y),
        None => y,
    }
}
