//! How gradients flow through a solve: one enum, so switching is a one-word change.

use burn::config::Config;
use neurode_solvers::{Method, PiController};
use serde::{Deserialize, Serialize};

/// The gradient method of a Neural ODE solve (torchdiffeq's `odeint` vs `odeint_adjoint`,
/// diffrax's `adjoint=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GradientMethod {
    /// Differentiate through every solver step with Burn's autodiff. Exact gradients of the
    /// discretised solve; memory grows with the number of steps.
    Backprop,
    /// The adjoint sensitivity method (paper 000 §2.3, eqs 5–7): a tape-free forward solve, then
    /// a backward solve of the augmented state `[y, a, ∫ aᵀ ∂f/∂θ]`. Memory independent of the
    /// number of steps; gradients accurate to the backward tolerances.
    Adjoint(AdjointOptions),
}

impl Default for GradientMethod {
    fn default() -> Self {
        GradientMethod::Adjoint(AdjointOptions::new())
    }
}

/// Options of the backward (adjoint) solve.
#[derive(Config, Debug, PartialEq)]
pub struct AdjointOptions {
    /// Solver of the backward pass (adaptive, or fixed with `steps`/`step_size` below).
    #[config(default = "Method::Dopri5")]
    pub method: Method,
    /// Relative tolerance of the backward solve.
    #[config(default = 1e-7)]
    pub adjoint_rtol: f64,
    /// Absolute tolerance of the backward solve.
    #[config(default = 1e-9)]
    pub adjoint_atol: f64,
    /// Leave the parameter-gradient channels out of the backward error norm (Kidger, Chen &
    /// Lyons, "Hey, that's not an ODE", ICML 2021): same gradients, fewer backward steps.
    #[config(default = false)]
    pub seminorm: bool,
    /// Fixed step size of the backward solve, per output interval (fixed-step methods).
    pub step_size: Option<f64>,
    /// Fixed number of steps per output interval of the backward solve.
    pub steps: Option<usize>,
    /// Cap on backward steps per output interval.
    #[config(default = 100_000)]
    pub max_steps: usize,
    /// Step-size controller of the backward solve.
    #[config(default = "PiController::default()")]
    pub controller: PiController,
}

impl AdjointOptions {
    /// The solver options of one backward interval.
    pub(crate) fn solve_options(&self) -> neurode_solvers::SolveOptions {
        neurode_solvers::SolveOptions::new()
            .with_method(self.method)
            .with_rtol(self.adjoint_rtol)
            .with_atol(self.adjoint_atol)
            .with_step_size(self.step_size)
            .with_steps(self.steps)
            .with_max_steps(self.max_steps)
            .with_controller(self.controller)
    }
}
