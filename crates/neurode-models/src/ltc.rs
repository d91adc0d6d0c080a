//! Liquid time-constant networks (Hasani et al., "Liquid Time-constant Networks", AAAI 2021),
//! as the dynamics of a Neural ODE with inputs (paper 003, "Connections to Other
//! Architectures"): `dh/dt = −[1/τ + f(h, x)] ⊙ h + f(h, x) ⊙ A` with
//! `f = σ(h W_r + x W_s + b)`, time constants `τ > 0` and biases `A` learned per unit.

use burn::Tensor;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{sigmoid, softplus};
use burn::tensor::{Device, TensorData};
use neurode_adjoint::NeuralDynamics;

use crate::error::at_least;
use crate::init::{Init, LayerInit};
use crate::{InputSignal, ModelError};

/// Shape of an LTC cell.
#[derive(Config, Debug, PartialEq)]
pub struct LtcConfig {
    /// Number of LTC units (the state dimension).
    #[config(default = 16)]
    pub units: usize,
    /// Input features.
    #[config(default = 1)]
    pub inputs: usize,
}

impl LtcConfig {
    /// A cell with seeded parameters (`τ` starts at 1, `A` uniform in [−1, 1]), driven by
    /// zeros until [`LtcCell::driven_by`] gives it an input.
    pub fn init(&self, init: &mut Init, device: &Device) -> Result<LtcCell, ModelError> {
        at_least("units", self.units, 1)?;
        at_least("inputs", self.inputs, 1)?;
        let recurrent = init.linear(self.units, self.units, LayerInit::Uniform, device);
        let sensory = init.linear(self.inputs, self.units, LayerInit::Uniform, device);
        // softplus(0.5413) = 1: unit time constants.
        let tau = vec![0.541_324_854_612_918_1; self.units];
        // A leaf of its own (a reshape would be a recorded op on an autodiff device).
        let a = init
            .linear(1, self.units, LayerInit::Uniform, device)
            .weight
            .val()
            .reshape([self.units])
            .into_data();
        let a = Tensor::from_data(a, device);
        Ok(LtcCell {
            recurrent,
            sensory,
            tau_raw: Param::from_tensor(Tensor::from_data(
                TensorData::new(tau, [self.units]),
                device,
            )),
            bias_a: Param::from_tensor(a),
            input: InputSignal::zeros(1, self.inputs),
        })
    }
}

/// A liquid time-constant cell: the dynamics `dh/dt` of `[batch, units]` states under its
/// input signal.
#[derive(Module, Debug)]
pub struct LtcCell {
    /// `h W_r + b` inside `f`.
    pub recurrent: Linear,
    /// `x W_s + b_s` inside `f`.
    pub sensory: Linear,
    /// `τ = softplus(tau_raw)` per unit (always positive).
    pub tau_raw: Param<Tensor<1>>,
    /// The reversal potentials `A` per unit.
    pub bias_a: Param<Tensor<1>>,
    /// The input driving the cell.
    #[module(skip)]
    pub input: InputSignal,
}

impl LtcCell {
    /// The same cell (shared parameters) driven by `input`.
    pub fn driven_by(&self, input: InputSignal) -> Self {
        Self {
            input,
            ..self.clone()
        }
    }

    /// The time constants `τ`.
    pub fn tau(&self) -> Tensor<1> {
        softplus(self.tau_raw.val(), 1.0)
    }

    /// The gate `f(h, x) = σ(h W_r + x W_s + b)`, in (0, 1).
    pub fn gate(&self, t: f64, h: Tensor<2>) -> Tensor<2> {
        let x = self.input.tensor_at(t, &h.device());
        sigmoid(self.recurrent.forward(h) + self.sensory.forward(x))
    }
}

impl NeuralDynamics for LtcCell {
    fn forward(&self, t: f64, h: Tensor<2>) -> Tensor<2> {
        let f = self.gate(t, h.clone());
        let inv_tau = self.tau().recip().unsqueeze::<2>();
        let a = self.bias_a.val().unsqueeze::<2>();
        // −(1/τ + f) ⊙ h + f ⊙ A = −h/τ + f ⊙ (A − h)
        f * (a - h.clone()) - h * inv_tau
    }
}

impl crate::DrivenCell for LtcCell {
    fn driven_by(&self, input: InputSignal) -> Self {
        LtcCell::driven_by(self, input)
    }

    fn units(&self) -> usize {
        self.tau_raw.dims()[0]
    }
}
