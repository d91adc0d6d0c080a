//! Paper 003's ODE-block dynamics: an MLP on the state with the time appended,
//! `f(h, t) = MLP([h; t])`.

use burn::Tensor;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;

use crate::field::{Time, vector_field};
use crate::init::{Init, LayerInit};
use crate::{Activation, ModelError, error::at_least};

/// `Linear(dim+1, width) – σ – (Linear(width, width) – σ)^(layers−2) – Linear(width, dim)`;
/// the last layer may start at zero so the flow starts as the identity (paper 003, lesson 2).
#[derive(Module, Debug)]
pub struct TimeConcat {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
    dim: usize,
}

impl TimeConcat {
    /// Builds the network (`layers ≥ 2` affine layers).
    pub fn new(
        dim: usize,
        width: usize,
        layers: usize,
        zero_last: bool,
        init: &mut Init,
        device: &Device,
    ) -> Result<Self, ModelError> {
        at_least("dim", dim, 1)?;
        at_least("width", width, 1)?;
        at_least("layers", layers, 2)?;
        let sizes = sizes(dim, width, layers);
        let last = sizes.len() - 2;
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let how = if zero_last && i == last {
                    LayerInit::Zeros
                } else {
                    LayerInit::Uniform
                };
                init.linear(w[0], w[1], how, device)
            })
            .collect();
        Ok(Self {
            layers,
            activation: Activation::Tanh,
            dim,
        })
    }

    /// Exact parameter count.
    pub fn num_params(dim: usize, width: usize, layers: usize) -> usize {
        crate::mlp::params(&sizes(dim, width, layers))
    }
}

fn sizes(dim: usize, width: usize, layers: usize) -> Vec<usize> {
    crate::mlp::sizes(dim + 1, width, layers, dim)
}

vector_field!(TimeConcat, autonomous: false, {
    fn field(&self, t: &Time, h: Tensor<2>) -> Tensor<2> {
        let x = Tensor::cat(vec![h.clone(), t.column(&h)], 1);
        crate::mlp::forward(&self.layers, self.activation, x, false)
    }
});

impl crate::TorchNames for TimeConcat {
    /// `net.0`, `net.2`, … (an `nn.Sequential` on `[h; t]`).
    fn torch_layers(&self) -> Vec<(String, String)> {
        crate::mlp::torch_sequential("layers.", self.layers.len(), "net.")
    }
}
