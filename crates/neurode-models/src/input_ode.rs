//! A Neural ODE whose input is concatenated to its state: `dh/dt = −h/τ + tanh(h W_r + x W_s
//! + b)` — the continuous-time RNN that Hasani et al. (AAAI 2021) compare liquid
//! time-constant networks against, at the same size (an [`LtcCell`](crate::LtcCell) of `n`
//! units has `n` more parameters: its reversal potentials `A`).

use burn::Tensor;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{softplus, tanh};
use burn::tensor::{Device, TensorData};
use neurode_adjoint::NeuralDynamics;

use crate::error::at_least;
use crate::init::{Init, LayerInit};
use crate::{InputSignal, ModelError};

/// Shape of an [`InputOdeCell`].
#[derive(Config, Debug, PartialEq)]
pub struct InputOdeConfig {
    /// State dimension.
    #[config(default = 16)]
    pub units: usize,
    /// Input features.
    #[config(default = 1)]
    pub inputs: usize,
}

impl InputOdeConfig {
    /// A cell with seeded parameters (`τ` starts at 1), driven by zeros until
    /// [`DrivenCell::driven_by`](crate::DrivenCell::driven_by) gives it an input.
    pub fn init(&self, init: &mut Init, device: &Device) -> Result<InputOdeCell, ModelError> {
        at_least("units", self.units, 1)?;
        at_least("inputs", self.inputs, 1)?;
        let recurrent = init.linear(self.units, self.units, LayerInit::Uniform, device);
        let sensory = init.linear(self.inputs, self.units, LayerInit::Uniform, device);
        // softplus(0.5413) = 1: unit time constants.
        let tau = vec![0.541_324_854_612_918_1; self.units];
        Ok(InputOdeCell {
            recurrent,
            sensory,
            tau_raw: Param::from_tensor(Tensor::from_data(
                TensorData::new(tau, [self.units]),
                device,
            )),
            input: InputSignal::zeros(1, self.inputs),
        })
    }
}

/// Input-concatenated dynamics `dh/dt = −h/τ + tanh(h W_r + x W_s + b)` of `[batch, units]`
/// states under their input signal.
#[derive(Module, Debug)]
pub struct InputOdeCell {
    /// `h W_r + b`.
    pub recurrent: Linear,
    /// `x W_s + b_s`.
    pub sensory: Linear,
    /// `τ = softplus(tau_raw)` per unit.
    pub tau_raw: Param<Tensor<1>>,
    /// The input driving the cell.
    #[module(skip)]
    pub input: InputSignal,
}

impl NeuralDynamics for InputOdeCell {
    fn forward(&self, t: f64, h: Tensor<2>) -> Tensor<2> {
        let x = self.input.tensor_at(t, &h.device());
        let inv_tau = softplus(self.tau_raw.val(), 1.0).recip().unsqueeze::<2>();
        tanh(self.recurrent.forward(h.clone()) + self.sensory.forward(x)) - h * inv_tau
    }
}

impl crate::DrivenCell for InputOdeCell {
    fn driven_by(&self, input: InputSignal) -> Self {
        Self {
            input,
            ..self.clone()
        }
    }

    fn units(&self) -> usize {
        self.tau_raw.dims()[0]
    }
}
