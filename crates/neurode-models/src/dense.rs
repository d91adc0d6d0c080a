//! Dense MLP dynamics (paper 000 eqs 15–16 and 31–34): `f(h) = W_L σ(⋯σ(W₁ h³ + b₁)⋯) + b_L`.

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;

use crate::error::at_least;
use crate::field::{Time, vector_field};
use crate::init::{Init, LayerInit};
use crate::{Activation, ModelError};

/// A dense dynamics network: `layers` affine layers of width `width` with `activation`
/// between them, on `h³` when `cubic`. Paper 000's Baseline 128-4L is `width 128, layers 4`
/// (33,666 parameters); Compact-32-L2 / -64-L3 / -96-L3 are 162 / 4,482 / 9,794.
#[derive(Config, Debug, PartialEq)]
pub struct DenseConfig {
    /// Hidden width.
    #[config(default = 64)]
    pub width: usize,
    /// Number of affine layers (≥ 2: input and output).
    #[config(default = 3)]
    pub layers: usize,
    /// Hidden activation.
    #[config(default = "Activation::Tanh")]
    pub activation: Activation,
    /// Apply `h ⊙ h ⊙ h` before the network (paper 000 eq 16).
    #[config(default = true)]
    pub cubic: bool,
}

impl DenseConfig {
    /// Builds the network for a `dim`-dimensional state with seeded parameters.
    pub fn init(&self, dim: usize, init: &mut Init, device: &Device) -> Result<Dense, ModelError> {
        self.check(dim)?;
        let sizes = self.sizes(dim);
        let layers = sizes
            .windows(2)
            .map(|w| init.linear(w[0], w[1], LayerInit::Uniform, device))
            .collect();
        Ok(Dense {
            layers,
            activation: self.activation,
            cubic: self.cubic,
            dim,
        })
    }

    /// Exact parameter count for a `dim`-dimensional state.
    pub fn num_params(&self, dim: usize) -> usize {
        crate::mlp::params(&self.sizes(dim))
    }

    fn sizes(&self, dim: usize) -> Vec<usize> {
        crate::mlp::sizes(dim, self.width, self.layers, dim)
    }

    fn check(&self, dim: usize) -> Result<(), ModelError> {
        at_least("dim", dim, 1)?;
        at_least("width", self.width, 1)?;
        at_least("layers", self.layers, 2)
    }
}

/// A dense dynamics network (see [`DenseConfig`]).
#[derive(Module, Debug)]
pub struct Dense {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
    cubic: bool,
    dim: usize,
}

vector_field!(Dense, autonomous: true, {
    fn field(&self, _t: &Time, h: Tensor<2>) -> Tensor<2> {
        crate::mlp::forward(&self.layers, self.activation, h, self.cubic)
    }
});

impl crate::TorchNames for Dense {
    /// `net.0`, `net.2`, … (the layers of an `nn.Sequential` with `Tanh` between them).
    fn torch_layers(&self) -> Vec<(String, String)> {
        crate::mlp::torch_sequential("layers.", self.layers.len(), "net.")
    }
}
