//! `NeuralOde`: dynamics + solver options + gradient method, as one module.

use burn::Tensor;
use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, TensorData};
use neurode_adjoint::{GradientMethod, OdeGradients, Trajectory, odeint};
use neurode_solvers::{SolveOptions, SolveStats, solve};

use crate::clock::Clocked;
use crate::error::at_least;
use crate::field::VectorField;
use crate::{DynamicsNet, DynamicsNetConfig, Init, ModelError};

/// A Neural ODE: its dynamics architecture, state dimension, augmentation, solver and
/// gradient method.
#[derive(Config, Debug, PartialEq)]
pub struct NeuralOdeConfig {
    /// The dynamics network.
    pub dynamics: DynamicsNetConfig,
    /// Dimension of the observed state (2 for the spiral).
    #[config(default = 2)]
    pub dim: usize,
    /// Augmented Neural ODE (paper 000 §3.4, Dupont et al. 2019): `p` extra state dimensions,
    /// zero at the start and discarded at the output. 0 = a plain Neural ODE.
    #[config(default = 0)]
    pub augment: usize,
    /// Solver options of the forward solve.
    #[config(default = "SolveOptions::new()")]
    pub solver: SolveOptions,
    /// How gradients are computed (backprop by default).
    #[config(default = "GradientMethod::default()")]
    pub gradient: GradientMethod,
}

impl NeuralOdeConfig {
    /// Builds the model with parameters drawn from `seed`.
    pub fn init(&self, seed: u64, device: &Device) -> Result<NeuralOde<DynamicsNet>, ModelError> {
        at_least("dim", self.dim, 1)?;
        let dynamics = self
            .dynamics
            .init(self.dim + self.augment, &mut Init::new(seed), device)?;
        NeuralOde::new(
            dynamics,
            self.dim,
            self.solver.clone(),
            self.gradient.clone(),
        )
    }

    /// Exact parameter count.
    pub fn num_params(&self) -> usize {
        self.dynamics.num_params(self.dim + self.augment)
    }
}

/// A Neural ODE module: `ŷ(t) = y₀ + ∫ f_θ(y, s) ds`, solved by `solver`, differentiated by
/// `gradient`. When the dynamics act on more dimensions than the observed `dim`, the model is
/// an augmented Neural ODE: the extra dimensions start at zero and are dropped from outputs.
#[derive(Module, Debug)]
pub struct NeuralOde<M> {
    /// The vector field `f_θ`.
    pub dynamics: M,
    dim: usize,
    #[module(skip)]
    solver: SolveOptions,
    #[module(skip)]
    gradient: GradientMethod,
}

/// The output of a Neural ODE forward pass.
pub struct OdeOutput<M> {
    /// The predicted observed state at every output time, `[time, batch, dim]`.
    pub ys: Tensor<3>,
    /// Statistics of the forward solve.
    pub stats: SolveStats,
    traj: Option<Trajectory<Clocked<M>>>,
}

impl<M: VectorField> NeuralOde<M> {
    /// Wraps `dynamics` acting on `dynamics.dim()` ≥ `dim` dimensions (the extra ones are the
    /// augmentation).
    pub fn new(
        dynamics: M,
        dim: usize,
        solver: SolveOptions,
        gradient: GradientMethod,
    ) -> Result<Self, ModelError> {
        if dim == 0 || dynamics.dim() < dim {
            return Err(ModelError::InvalidConfig {
                name: "dim",
                value: dim.to_string(),
                expected: "between 1 and the dynamics' state dimension",
            });
        }
        solver.validate()?;
        Ok(Self {
            dynamics,
            dim,
            solver,
            gradient,
        })
    }

    /// The observed state dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of zero-initialised augmented dimensions.
    pub fn augment(&self) -> usize {
        self.dynamics.dim() - self.dim
    }

    /// The solver options.
    pub fn solver(&self) -> &SolveOptions {
        &self.solver
    }

    /// The gradient method.
    pub fn gradient(&self) -> &GradientMethod {
        &self.gradient
    }

    /// A copy with other solver options (e.g. tighter ones for evaluation).
    pub fn with_solver(mut self, solver: SolveOptions) -> Result<Self, ModelError> {
        solver.validate()?;
        self.solver = solver;
        Ok(self)
    }

    /// A copy with another gradient method.
    pub fn with_gradient(mut self, gradient: GradientMethod) -> Self {
        self.gradient = gradient;
        self
    }

    /// Solves from `y0` (`[batch, dim]`, at `ts[0]`) and returns the states at every time of
    /// `ts`. On an autodiff device the output is differentiable ([`OdeOutput::backward`]); on
    /// a plain device the solve records no tape.
    pub fn forward(&self, y0: Tensor<2>, ts: &[f64]) -> Result<OdeOutput<M>, ModelError> {
        self.check_y0(&y0)?;
        let y0 = self.pad(y0);
        self.run(y0, ts, false)
    }

    /// Solves a batch of trajectory segments: row `i` starts from `y0[i]` at the absolute time
    /// `starts[i]` and is reported at `starts[i] + (rel_ts[k] − rel_ts[0])`. Autonomous
    /// dynamics share one solve on `rel_ts`; time-dependent ones carry a per-row clock.
    pub fn forward_segments(
        &self,
        y0: Tensor<2>,
        starts: &[f64],
        rel_ts: &[f64],
    ) -> Result<OdeOutput<M>, ModelError> {
        self.check_y0(&y0)?;
        let [b, _] = y0.dims();
        if starts.len() != b {
            return Err(ModelError::Shape {
                name: "starts",
                got: vec![starts.len()],
                expected: format!("[{b}] (one start time per row of y0)"),
            });
        }
        if !starts.iter().all(|s| s.is_finite()) {
            return Err(ModelError::NonFinite { name: "starts" });
        }
        let y0 = self.pad(y0);
        if self.dynamics.is_autonomous() {
            return self.run(y0, rel_ts, false);
        }
        let t0 = rel_ts.first().copied().unwrap_or(0.0);
        // The clock column reads the absolute time: τ = start at the first output, dτ/dt = 1.
        let clock = Tensor::<2>::from_data(TensorData::new(starts.to_vec(), [b, 1]), &y0.device());
        let shifted: Vec<f64> = rel_ts.iter().map(|t| t - t0).collect();
        self.run(Tensor::cat(vec![y0, clock], 1), &shifted, true)
    }

    pub(crate) fn check_y0(&self, y0: &Tensor<2>) -> Result<(), ModelError> {
        crate::error::check_batch("y0", y0.dims(), self.dim)
    }

    /// Appends the zero-initialised augmented dimensions.
    pub(crate) fn pad(&self, y0: Tensor<2>) -> Tensor<2> {
        let extra = self.augment();
        if extra == 0 {
            return y0;
        }
        let [b, _] = y0.dims();
        let zeros = Tensor::<2>::zeros([b, extra], &y0.device());
        Tensor::cat(vec![y0, zeros], 1)
    }

    fn run(&self, y0: Tensor<2>, ts: &[f64], clocked: bool) -> Result<OdeOutput<M>, ModelError> {
        let field = Clocked {
            inner: self.dynamics.clone(),
            clocked,
        };
        let dim = self.dim;
        let observed = |ys: Tensor<3>| {
            let [t, b, d] = ys.dims();
            if d == dim {
                ys
            } else {
                ys.slice([0..t, 0..b, 0..dim])
            }
        };
        if y0.device().is_autodiff() {
            let traj = odeint(&field, y0, ts, &self.solver, &self.gradient)?;
            Ok(OdeOutput {
                ys: observed(traj.ys.clone()),
                stats: traj.stats,
                traj: Some(traj),
            })
        } else {
            use neurode_adjoint::NeuralDynamics;
            let f = |t: f64, y: &Tensor<2>| field.forward(t, y.clone());
            let sol = solve(&f, y0, ts, &self.solver)?;
            let stats = sol.stats;
            Ok(OdeOutput {
                ys: observed(sol.into_stacked()),
                stats,
                traj: None,
            })
        }
    }
}

impl<M: crate::TorchNames> crate::TorchNames for NeuralOde<M> {
    /// The dynamics' names: a PyTorch Neural ODE is its vector field (`func`) plus `odeint`.
    fn torch_layers(&self) -> Vec<(String, String)> {
        self.dynamics.torch_layers_under("dynamics.")
    }
}

impl<M: VectorField> OdeOutput<M> {
    /// Gradients of `loss` (built from [`OdeOutput::ys`]) w.r.t. the dynamics' parameters
    /// and `y0`. Needs the forward pass on an autodiff device.
    pub fn backward(self, loss: Tensor<1>) -> Result<OdeGradients, ModelError> {
        Ok(taped(self.traj)?.backward(loss)?)
    }

    /// Gradients of `loss` w.r.t. every parameter of `outer`, a larger model containing this
    /// Neural ODE (layers before it that produced `y0`, layers after it).
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, ModelError> {
        Ok(taped(self.traj)?.backward_for(loss, outer)?)
    }
}

/// The trajectory of a forward pass that ran on an autodiff device (its tape), or the error
/// that says it did not.
pub(crate) fn taped<T>(traj: Option<T>) -> Result<T, ModelError> {
    Ok(traj.ok_or(neurode_adjoint::AdjointError::NotAutodiff)?)
}
