//! Paper 003's ResNet-MLP baseline: the same lift and head around 20 independent residual
//! blocks, `h ← h + (1/n)·block(h)` (a forward-Euler discretisation with untied weights).

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;

use crate::error::at_least;
use crate::init::{ClassifierEnds, LayerInit, linear_params};
use crate::mlp::layer_forward;
use crate::{Activation, Init, ModelError};

/// Lift `input_dim → lifted_dim`, `blocks` residual blocks `lifted → width → width → lifted`
/// (tanh; last layer zero-initialised like the ODE's), head `lifted → head_width → classes`.
/// Defaults: 20 blocks, exactly 364,236 parameters.
#[derive(Config, Debug, PartialEq)]
pub struct ResNetMlpConfig {
    /// Input features.
    #[config(default = 2)]
    pub input_dim: usize,
    /// Lifted dimension.
    #[config(default = 6)]
    pub lifted_dim: usize,
    /// Hidden width of each block.
    #[config(default = 128)]
    pub width: usize,
    /// Number of residual blocks.
    #[config(default = 20)]
    pub blocks: usize,
    /// Hidden width of the head.
    #[config(default = 64)]
    pub head_width: usize,
    /// Number of classes.
    #[config(default = 2)]
    pub classes: usize,
    /// Start every block at zero output (identity network).
    #[config(default = true)]
    pub zero_init: bool,
}

impl ResNetMlpConfig {
    /// Builds the model with parameters drawn from `seed`.
    pub fn init(&self, seed: u64, device: &Device) -> Result<ResNetMlp, ModelError> {
        let ends = ClassifierEnds {
            input_dim: self.input_dim,
            lifted_dim: self.lifted_dim,
            head_width: self.head_width,
            classes: self.classes,
        };
        ends.check()?;
        at_least("width", self.width, 1)?;
        at_least("blocks", self.blocks, 1)?;
        let mut init = Init::new(seed);
        let lift = ends.lift(&mut init, device);
        let last = if self.zero_init {
            LayerInit::Zeros
        } else {
            LayerInit::Uniform
        };
        let (d, w) = (self.lifted_dim, self.width);
        let blocks = (0..self.blocks)
            .map(|_| Block {
                l1: init.linear(d, w, LayerInit::Uniform, device),
                l2: init.linear(w, w, LayerInit::Uniform, device),
                l3: init.linear(w, d, last, device),
            })
            .collect();
        let (head1, head2) = ends.head(&mut init, device);
        Ok(ResNetMlp {
            lift,
            blocks,
            head1,
            head2,
            input_dim: self.input_dim,
        })
    }

    /// Exact parameter count (364,236 with the defaults).
    pub fn num_params(&self) -> usize {
        let (d, w) = (self.lifted_dim, self.width);
        linear_params(self.input_dim, d)
            + self.blocks * (linear_params(d, w) + linear_params(w, w) + linear_params(w, d))
            + linear_params(d, self.head_width)
            + linear_params(self.head_width, self.classes)
    }
}

/// One residual block `lifted → width → width → lifted`.
#[derive(Module, Debug)]
struct Block {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

/// The ResNet-MLP baseline (see [`ResNetMlpConfig`]).
#[derive(Module, Debug)]
pub struct ResNetMlp {
    lift: Linear,
    blocks: Vec<Block>,
    head1: Linear,
    head2: Linear,
    input_dim: usize,
}

impl ResNetMlp {
    /// Logits `[batch, classes]` for `x` (`[batch, input_dim]`).
    pub fn forward(&self, x: Tensor<2>) -> Result<Tensor<2>, ModelError> {
        crate::error::check_batch("x", x.dims(), self.input_dim)?;
        let scale = 1.0 / self.blocks.len() as f64;
        let tanh = Some(Activation::Tanh);
        let mut h = layer_forward(&self.lift, x, None);
        for b in &self.blocks {
            let z = layer_forward(&b.l1, h.clone(), tanh);
            let z = layer_forward(&b.l2, z, tanh);
            h = h + layer_forward(&b.l3, z, None).mul_scalar(scale);
        }
        let z = layer_forward(&self.head1, h, tanh);
        Ok(layer_forward(&self.head2, z, None))
    }

    /// Number of residual blocks.
    pub fn depth(&self) -> usize {
        self.blocks.len()
    }
}

impl crate::TorchNames for ResNetMlp {
    /// `lift`, `blocks.{k}.0/2/4` (each block an `nn.Sequential` with `Tanh` between), `head.0`,
    /// `head.2`.
    fn torch_layers(&self) -> Vec<(String, String)> {
        let mut names = vec![
            ("head1".to_string(), "head.0".to_string()),
            ("head2".to_string(), "head.2".to_string()),
        ];
        for k in 0..self.blocks.len() {
            for (i, l) in ["l1", "l2", "l3"].iter().enumerate() {
                names.push((format!("blocks.{k}.{l}"), format!("blocks.{k}.{}", 2 * i)));
            }
        }
        names
    }
}
