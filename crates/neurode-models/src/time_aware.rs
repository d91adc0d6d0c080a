//! Time-aware dynamics (paper 000 §3.3, eqs 21–22): `f = NN([h³; φ(t)])`, `φ(t) = tanh(W_t t + b_t)`.

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;

use crate::error::at_least;
use crate::field::{Time, cube, vector_field};
use crate::init::{Init, LayerInit, linear_params};
use crate::{Activation, ModelError};

/// A time embedding of width `time_dim` concatenated with `h³`, then a dense network of
/// `layers` affine layers of width `width`. Width 64, embedding 16, 3 layers on a 2-D state is
/// paper 000's TimeAware-64: 5,538 parameters (32 + 1,216 + 4,160 + 130).
#[derive(Config, Debug, PartialEq)]
pub struct TimeAwareConfig {
    /// Hidden width.
    #[config(default = 64)]
    pub width: usize,
    /// Width of the time embedding `φ(t)`.
    #[config(default = 16)]
    pub time_dim: usize,
    /// Affine layers after the concatenation (≥ 2).
    #[config(default = 3)]
    pub layers: usize,
    /// Hidden activation.
    #[config(default = "Activation::Tanh")]
    pub activation: Activation,
    /// Apply `h ⊙ h ⊙ h` before the network.
    #[config(default = true)]
    pub cubic: bool,
}

impl TimeAwareConfig {
    /// Builds the network for a `dim`-dimensional state with seeded parameters.
    pub fn init(
        &self,
        dim: usize,
        init: &mut Init,
        device: &Device,
    ) -> Result<TimeAware, ModelError> {
        at_least("dim", dim, 1)?;
        at_least("width", self.width, 1)?;
        at_least("time_dim", self.time_dim, 1)?;
        at_least("layers", self.layers, 2)?;
        let embed = init.linear(1, self.time_dim, LayerInit::Uniform, device);
        let layers = self
            .sizes(dim)
            .windows(2)
            .map(|w| init.linear(w[0], w[1], LayerInit::Uniform, device))
            .collect();
        Ok(TimeAware {
            embed,
            layers,
            activation: self.activation,
            cubic: self.cubic,
            dim,
        })
    }

    /// Exact parameter count for a `dim`-dimensional state.
    pub fn num_params(&self, dim: usize) -> usize {
        linear_params(1, self.time_dim) + crate::mlp::params(&self.sizes(dim))
    }

    fn sizes(&self, dim: usize) -> Vec<usize> {
        crate::mlp::sizes(dim + self.time_dim, self.width, self.layers, dim)
    }
}

/// Time-aware dynamics (see [`TimeAwareConfig`]).
#[derive(Module, Debug)]
pub struct TimeAware {
    embed: Linear,
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
    cubic: bool,
    dim: usize,
}

vector_field!(TimeAware, autonomous: false, {
    fn field(&self, t: &Time, h: Tensor<2>) -> Tensor<2> {
        let phi = crate::mlp::layer_forward(&self.embed, t.column(&h), Some(Activation::Tanh));
        let x = if self.cubic { cube(h) } else { h };
        let x = Tensor::cat(vec![x, phi], 1);
        crate::mlp::forward(&self.layers, self.activation, x, false)
    }
});

impl crate::TorchNames for TimeAware {
    /// `temb` (the time embedding) and `net.0`, `net.2`, ….
    fn torch_layers(&self) -> Vec<(String, String)> {
        let mut names = vec![("embed".to_string(), "temb".to_string())];
        names.extend(crate::mlp::torch_sequential(
            "layers.",
            self.layers.len(),
            "net.",
        ));
        names
    }
}
