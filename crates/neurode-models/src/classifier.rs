//! Paper 003's Neural ODE classifier: lift 2→6, an ODE block on t ∈ [0, 1], head 6→64→2.

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;
use neurode_adjoint::{GradientMethod, OdeGradients};
use neurode_solvers::{Method, SolveOptions, SolveStats};

use crate::init::{ClassifierEnds, linear_params};
use crate::mlp::layer_forward;
use crate::{Activation, Init, ModelError, NeuralOde, OdeOutput, TimeConcat};

/// The ODE classifier of paper 003: `x → Linear(2,6) → ODE block (f = MLP([h; t]),
/// 7-128-128-6, tanh, last layer zero-initialised) on [0, 1] → Linear(6,64) – tanh –
/// Linear(64,2)`. With the defaults: exactly 18,906 parameters; 20 Euler steps (RK4 with
/// `solver.method = Rk4`).
#[derive(Config, Debug, PartialEq)]
pub struct OdeClassifierConfig {
    /// Input features.
    #[config(default = 2)]
    pub input_dim: usize,
    /// Dimension of the lifted state the ODE acts on.
    #[config(default = 6)]
    pub lifted_dim: usize,
    /// Hidden width of the dynamics.
    #[config(default = 128)]
    pub width: usize,
    /// Affine layers of the dynamics.
    #[config(default = 3)]
    pub layers: usize,
    /// Hidden width of the head.
    #[config(default = 64)]
    pub head_width: usize,
    /// Number of classes.
    #[config(default = 2)]
    pub classes: usize,
    /// Start the dynamics at `dy/dt = 0` (zero last layer; paper 003, lesson 2).
    #[config(default = true)]
    pub zero_init: bool,
    /// The ODE block's solver: 20 fixed Euler steps by default.
    #[config(default = "SolveOptions::steps(Method::Euler, 20)")]
    pub solver: SolveOptions,
    /// How gradients flow through the ODE block.
    #[config(default = "GradientMethod::default()")]
    pub gradient: GradientMethod,
}

impl OdeClassifierConfig {
    /// Builds the model with parameters drawn from `seed`.
    pub fn init(&self, seed: u64, device: &Device) -> Result<OdeClassifier, ModelError> {
        let ends = ClassifierEnds {
            input_dim: self.input_dim,
            lifted_dim: self.lifted_dim,
            head_width: self.head_width,
            classes: self.classes,
        };
        ends.check()?;
        let mut init = Init::new(seed);
        let lift = ends.lift(&mut init, device);
        let field = TimeConcat::new(
            self.lifted_dim,
            self.width,
            self.layers,
            self.zero_init,
            &mut init,
            device,
        )?;
        let ode = NeuralOde::new(
            field,
            self.lifted_dim,
            self.solver.clone(),
            self.gradient.clone(),
        )?;
        let (head1, head2) = ends.head(&mut init, device);
        Ok(OdeClassifier {
            lift,
            ode,
            head1,
            head2,
            input_dim: self.input_dim,
        })
    }

    /// Exact parameter count (18,906 with the defaults).
    pub fn num_params(&self) -> usize {
        linear_params(self.input_dim, self.lifted_dim)
            + TimeConcat::num_params(self.lifted_dim, self.width, self.layers)
            + linear_params(self.lifted_dim, self.head_width)
            + linear_params(self.head_width, self.classes)
    }
}

/// The Neural ODE classifier (see [`OdeClassifierConfig`]).
#[derive(Module, Debug)]
pub struct OdeClassifier {
    lift: Linear,
    /// The ODE block.
    pub ode: NeuralOde<TimeConcat>,
    head1: Linear,
    head2: Linear,
    input_dim: usize,
}

/// Logits plus what the backward pass needs.
pub struct ClassifierOutput {
    /// `[batch, classes]` logits.
    pub logits: Tensor<2>,
    /// Statistics of the ODE block's solve.
    pub stats: SolveStats,
    ode: OdeOutput<TimeConcat>,
}

impl OdeClassifier {
    /// Classifies `x` (`[batch, input_dim]`).
    pub fn forward(&self, x: Tensor<2>) -> Result<ClassifierOutput, ModelError> {
        let h0 = self.lift(x)?;
        let out = self.ode.forward(h0, &[0.0, 1.0])?;
        let [_, b, d] = out.ys.dims();
        let h1 = out.ys.clone().slice([1..2, 0..b, 0..d]).reshape([b, d]);
        Ok(ClassifierOutput {
            logits: self.head(h1),
            stats: out.stats,
            ode: out,
        })
    }

    /// The lifted state's trajectory at `ts` (within [0, 1]), `[time, batch, lifted_dim]`:
    /// how the flow untangles the classes (paper 003, trajectory analysis).
    pub fn trajectory(&self, x: Tensor<2>, ts: &[f64]) -> Result<Tensor<3>, ModelError> {
        let h0 = self.lift(x)?;
        Ok(self.ode.forward(h0, ts)?.ys)
    }

    fn lift(&self, x: Tensor<2>) -> Result<Tensor<2>, ModelError> {
        crate::error::check_batch("x", x.dims(), self.input_dim)?;
        Ok(layer_forward(&self.lift, x, None))
    }

    fn head(&self, h: Tensor<2>) -> Tensor<2> {
        let z = layer_forward(&self.head1, h, Some(Activation::Tanh));
        layer_forward(&self.head2, z, None)
    }
}

impl crate::TorchNames for OdeClassifier {
    /// `lift`, `func.net.0/2/4` (the vector field handed to `odeint`), `head.0`, `head.2`.
    fn torch_layers(&self) -> Vec<(String, String)> {
        let mut names = vec![
            ("head1".to_string(), "head.0".to_string()),
            ("head2".to_string(), "head.2".to_string()),
        ];
        for (ours, theirs) in self.ode.torch_layers() {
            names.push((format!("ode.{ours}"), format!("func.{theirs}")));
        }
        names
    }
}

impl ClassifierOutput {
    /// Gradients of `loss` (built from `logits`) w.r.t. every parameter of `model` (lift,
    /// dynamics, head), by the ODE block's gradient method.
    pub fn backward(
        self,
        loss: Tensor<1>,
        model: &OdeClassifier,
    ) -> Result<OdeGradients, ModelError> {
        self.ode.backward_for(loss, model)
    }
}
