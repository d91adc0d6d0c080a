//! Smooth activations for dynamics networks (paper 000 §3.1: tanh or softplus keep `f`
//! Lipschitz).

use std::fmt;
use std::str::FromStr;

use burn::Tensor;
use serde::{Deserialize, Serialize};

/// The hidden-layer non-linearity of a dynamics network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `tanh(x)` (every model of both papers).
    #[default]
    Tanh,
    /// `softplus(x) = ln(1 + eˣ)`.
    Softplus,
}

impl Activation {
    /// Applies the activation element-wise.
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Tanh => neurode_kernels::tanh(x),
            Activation::Softplus => burn::tensor::activation::softplus(x, 1.0),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
        })
    }
}

/// An activation name that is not one of `tanh`, `softplus`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown activation `{0}`: expected tanh or softplus")]
pub struct UnknownActivation(pub String);

impl FromStr for Activation {
    type Err = UnknownActivation;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tanh" => Ok(Activation::Tanh),
            "softplus" => Ok(Activation::Softplus),
            _ => Err(UnknownActivation(s.to_string())),
        }
    }
}
