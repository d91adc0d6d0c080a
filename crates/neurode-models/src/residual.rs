//! Residual-64 dynamics (paper 000 §3.2, eqs 18–20): a skip connection inside `f`.

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;

use crate::error::at_least;
use crate::field::{Time, vector_field};
use crate::init::{Init, LayerInit, linear_params};
use crate::mlp::{cubic_layer_forward, layer_forward};
use crate::{Activation, ModelError};

/// `z = σ(W₁ h³ + b₁)`, `z_res = σ(W₂ z + b₂)`, `f = W₃ (z + z_res) + b₃`. Width 64 on a 2-D
/// state is paper 000's Residual-64: 4,482 parameters.
#[derive(Config, Debug, PartialEq)]
pub struct ResidualConfig {
    /// Hidden width.
    #[config(default = 64)]
    pub width: usize,
    /// Hidden activation (tanh in the paper).
    #[config(default = "Activation::Tanh")]
    pub activation: Activation,
    /// Apply `h ⊙ h ⊙ h` before the network.
    #[config(default = true)]
    pub cubic: bool,
}

impl ResidualConfig {
    /// Builds the network for a `dim`-dimensional state with seeded parameters.
    pub fn init(
        &self,
        dim: usize,
        init: &mut Init,
        device: &Device,
    ) -> Result<Residual, ModelError> {
        at_least("dim", dim, 1)?;
        at_least("width", self.width, 1)?;
        Ok(Residual {
            w1: init.linear(dim, self.width, LayerInit::Uniform, device),
            w2: init.linear(self.width, self.width, LayerInit::Uniform, device),
            w3: init.linear(self.width, dim, LayerInit::Uniform, device),
            activation: self.activation,
            cubic: self.cubic,
            dim,
        })
    }

    /// Exact parameter count for a `dim`-dimensional state.
    pub fn num_params(&self, dim: usize) -> usize {
        linear_params(dim, self.width)
            + linear_params(self.width, self.width)
            + linear_params(self.width, dim)
    }
}

/// Residual dynamics (see [`ResidualConfig`]).
#[derive(Module, Debug)]
pub struct Residual {
    w1: Linear,
    w2: Linear,
    w3: Linear,
    #[module(skip)]
    activation: Activation,
    cubic: bool,
    dim: usize,
}

vector_field!(Residual, autonomous: true, {
    fn field(&self, _t: &Time, h: Tensor<2>) -> Tensor<2> {
        let act = Some(self.activation);
        let z = if self.cubic {
            cubic_layer_forward(&self.w1, h, act)
        } else {
            layer_forward(&self.w1, h, act)
        };
        let z_res = layer_forward(&self.w2, z.clone(), act);
        layer_forward(&self.w3, z + z_res, None)
    }
});

impl crate::TorchNames for Residual {
    /// `l1`, `l2`, `l3` (eqs 18–20).
    fn torch_layers(&self) -> Vec<(String, String)> {
        [("w1", "l1"), ("w2", "l2"), ("w3", "l3")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .to_vec()
    }
}
