//! FFJORD's time-dependent MLP (`ConcatSquashLinear` layers) with its Jacobian–vector product
//! written out, for continuous normalizing flows.

use burn::Tensor;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::Device;
use burn::tensor::activation::sigmoid;

use crate::ModelError;
use crate::error::at_least;
use crate::init::{Init, LayerInit};

/// Dynamics `f(t, z)` that also give Jacobian–vector products `(∂f/∂z) v` for a stack of
/// tangents, as ordinary (first-order differentiable) tensor operations.
///
/// Written by hand per architecture because a CNF's trace `tr(∂f/∂z)` must itself be
/// differentiated with respect to the parameters, and Burn's autodiff has no higher-order
/// gradients (no `create_graph`): a forward-mode product through the layers is one more
/// first-order expression, so backprop, checkpointing and the adjoints all apply to it.
pub trait JvpDynamics: Module + burn::module::ModuleDisplay {
    /// State dimension `d`.
    fn dim(&self) -> usize;

    /// `f(t, z)` for `z: [batch, d]`, and `(∂f/∂z) vₖ` for tangents `v: [k, batch, d]`.
    fn forward_jvp(&self, t: f64, z: Tensor<2>, v: Tensor<3>) -> (Tensor<2>, Tensor<3>);
}

/// One `ConcatSquashLinear` layer: `(z W + b) ⊙ σ(t w_g + b_g) + t w_b`.
#[derive(Module, Debug)]
pub struct ConcatSquash {
    /// `z W + b`.
    pub linear: Linear,
    /// The time gate `t w_g + b_g`.
    pub gate: Linear,
    /// The time bias weights `w_b`, `[1, out]` (FFJORD's bias-free `hyper_bias` layer).
    pub hyper_bias: Param<Tensor<2>>,
}

impl ConcatSquash {
    fn time_parts(&self, t: f64, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let t = Tensor::<2>::from_data(burn::tensor::TensorData::new(vec![t], [1, 1]), device);
        let gate = sigmoid(self.gate.forward(t.clone()));
        let bias = t.matmul(self.hyper_bias.val());
        (gate, bias)
    }
}

/// Shape of a [`ConcatSquashMlp`].
#[derive(Config, Debug, PartialEq)]
pub struct ConcatSquashConfig {
    /// Hidden widths (FFJORD's 2-D toys: 64-64-64).
    #[config(default = "vec![64, 64, 64]")]
    pub hidden: Vec<usize>,
}

impl ConcatSquashConfig {
    /// The network on a `dim`-dimensional state, with seeded parameters (the last layer at
    /// zero: the flow starts as the identity).
    pub fn init(
        &self,
        dim: usize,
        init: &mut Init,
        device: &Device,
    ) -> Result<ConcatSquashMlp, ModelError> {
        at_least("dim", dim, 1)?;
        let mut widths = vec![dim];
        for &h in &self.hidden {
            at_least("hidden", h, 1)?;
            widths.push(h);
        }
        widths.push(dim);
        let n = widths.len() - 1;
        let layers = (0..n)
            .map(|i| {
                let how = if i + 1 == n {
                    LayerInit::Zeros
                } else {
                    LayerInit::Uniform
                };
                ConcatSquash {
                    linear: init.linear(widths[i], widths[i + 1], how, device),
                    gate: init.linear(1, widths[i + 1], LayerInit::Uniform, device),
                    hyper_bias: init.linear(1, widths[i + 1], how, device).weight,
                }
            })
            .collect();
        Ok(ConcatSquashMlp { layers, dim })
    }
}

/// FFJORD's ODE network: `ConcatSquash` layers with `tanh` between them.
#[derive(Module, Debug)]
pub struct ConcatSquashMlp {
    /// The layers, input to output.
    pub layers: Vec<ConcatSquash>,
    dim: usize,
}

impl JvpDynamics for ConcatSquashMlp {
    fn dim(&self) -> usize {
        self.dim
    }

    fn forward_jvp(&self, t: f64, z: Tensor<2>, v: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        let [k, batch, d] = v.dims();
        let device = z.device();
        let mut h = z;
        // The k tangents side by side as k·batch rows.
        let mut dh = v.reshape([k * batch, d]);
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            let (gate, bias) = layer.time_parts(t, &device);
            let pre = layer.linear.forward(h) * gate.clone() + bias;
            let dpre = dh.matmul(layer.linear.weight.val()) * gate;
            if i == last {
                h = pre;
                dh = dpre;
            } else {
                let act = pre.tanh();
                // tanh' = 1 − tanh², the same for each of the k tangents.
                let slope = act.clone().powi_scalar(2).neg().add_scalar(1.0);
                let width = slope.dims()[1];
                let slope = slope.unsqueeze_dim::<3>(0).expand([k, batch, width]);
                dh = dpre * slope.reshape([k * batch, width]);
                h = act;
            }
        }
        let out = h.dims()[1];
        (h, dh.reshape([k, batch, out]))
    }
}
