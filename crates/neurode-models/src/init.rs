//! Seeded, host-side parameter initialisation: the same seed gives the same weights on every
//! backend and in any access order (Burn's own initialisers draw lazily from a process-global
//! RNG).

use burn::Tensor;
use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, TensorData};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// A seeded source of layer parameters.
#[derive(Debug, Clone)]
pub struct Init {
    rng: StdRng,
}

/// How a layer's parameters start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerInit {
    /// PyTorch's `nn.Linear` default: weight and bias `U(−1/√fan_in, 1/√fan_in)`.
    Uniform,
    /// All zeros (paper 003, lesson 2: a dynamics' last layer starts at `dy/dt = 0`).
    Zeros,
}

impl Init {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A `fan_in → fan_out` affine layer (Burn's layout: weight `[fan_in, fan_out]`).
    pub fn linear(
        &mut self,
        fan_in: usize,
        fan_out: usize,
        how: LayerInit,
        device: &Device,
    ) -> Linear {
        let k = 1.0 / (fan_in as f64).sqrt();
        let mut draw = |n: usize| -> Vec<f64> {
            match how {
                LayerInit::Uniform => (0..n).map(|_| self.rng.random_range(-k..k)).collect(),
                LayerInit::Zeros => vec![0.0; n],
            }
        };
        let weight = draw(fan_in * fan_out);
        let bias = draw(fan_out);
        Linear {
            weight: param(weight, [fan_in, fan_out], device),
            bias: Some(param(bias, [fan_out], device)),
        }
    }
}

fn param<const D: usize>(values: Vec<f64>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// Parameters of a `fan_in → fan_out` affine layer.
pub(crate) const fn linear_params(fan_in: usize, fan_out: usize) -> usize {
    fan_in * fan_out + fan_out
}

/// The sizes paper 003's two classifiers share: `input_dim → lifted_dim` (the lift), then the
/// head `lifted_dim → head_width → classes`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClassifierEnds {
    pub input_dim: usize,
    pub lifted_dim: usize,
    pub head_width: usize,
    pub classes: usize,
}

impl ClassifierEnds {
    /// Checks the sizes (at least one of each, two classes).
    pub fn check(&self) -> Result<(), crate::ModelError> {
        use crate::error::at_least;
        at_least("input_dim", self.input_dim, 1)?;
        at_least("lifted_dim", self.lifted_dim, 1)?;
        at_least("head_width", self.head_width, 1)?;
        at_least("classes", self.classes, 2)
    }

    /// The lift, drawn from `init`.
    pub fn lift(&self, init: &mut Init, device: &Device) -> Linear {
        init.linear(self.input_dim, self.lifted_dim, LayerInit::Uniform, device)
    }

    /// The head's two layers, drawn from `init`.
    pub fn head(&self, init: &mut Init, device: &Device) -> (Linear, Linear) {
        let head1 = init.linear(self.lifted_dim, self.head_width, LayerInit::Uniform, device);
        let head2 = init.linear(self.head_width, self.classes, LayerInit::Uniform, device);
        (head1, head2)
    }
}
