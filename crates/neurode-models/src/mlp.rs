//! The pieces every plain MLP of this crate shares: layer sizes, parameter count, forward.

use burn::Tensor;
use burn::nn::Linear;
use neurode_kernels::FusedActivation;

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
    mut x: Tensor<2>,
    cubic: bool,
) -> Tensor<2> {
    let last = layers.len() - 1;
    for (i, layer) in layers.iter().enumerate() {
        x = fused_layer(layer, x, (i < last).then_some(activation), cubic && i == 0);
    }
    x
}

/// `activation(layer(x))`, as one fused operation where the backend has one (flex, f32:
/// one recorded node instead of four; see `neurode_kernels::affine`), else Burn's ops.
pub(crate) fn layer_forward(layer: &Linear, x: Tensor<2>, act: Option<Activation>) -> Tensor<2> {
    fused_layer(layer, x, act, false)
}

/// `activation(layer(x³))`, the cube folded into the fused operation where there is one.
pub(crate) fn cubic_layer_forward(l: &Linear, x: Tensor<2>, act: Option<Activation>) -> Tensor<2> {
    fused_layer(l, x, act, true)
}

/// `activation(layer(x))`, on `x³` when `cubic`: the fused kernel where it applies, else
/// Burn's ops (the same values).
fn fused_layer(
    layer: &Linear,
    x: Tensor<2>,
    activation: Option<Activation>,
    cubic: bool,
) -> Tensor<2> {
    if let (Some(fused), Some(bias)) = (fused(activation), &layer.bias) {
        let (w, b) = (layer.weight.val(), bias.val());
        let y = if cubic {
            neurode_kernels::affine_of_cube(&x, &w, &b, fused)
        } else {
            neurode_kernels::affine(&x, &w, &b, fused)
        };
        if let Some(y) = y {
            return y;
        }
    }
    let x = if cubic { crate::field::cube(x) } else { x };
    let y = layer.forward(x);
    match activation {
        Some(activation) => activation.apply(y),
        None => y,
    }
}

/// The fused kernel's name for `activation` (`None`: no fused kernel for it).
fn fused(activation: Option<Activation>) -> Option<FusedActivation> {
    match activation {
        None => Some(FusedActivation::Identity),
        Some(Activation::Tanh) => Some(FusedActivation::Tanh),
        Some(Activation::Softplus) => None,
    }
}

/// PyTorch names of `n` affine layers at `ours.{i}`: an `nn.Sequential` with an activation
/// between layers names them `theirs.0`, `theirs.2`, ….
pub(crate) fn torch_sequential(ours: &str, n: usize, theirs: &str) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("{ours}{i}"), format!("{theirs}{}", 2 * i)))
        .collect()
}
