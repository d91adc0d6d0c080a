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
