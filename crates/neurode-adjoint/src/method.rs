//! How gradients flow through a solve: one enum, so switching is a one-word change.

use burn::config::Config;
use neurode_solvers::SolveOptions;
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
    /// Backprop: exact gradients of the solve that was taken, and on the small networks of
    /// Neural ODEs the faster of the two (diffrax's default is the same kind of gradient).
    fn default() -> Self {
        GradientMethod::Backprop
    }
}

/// Options of the adjoint method: how the backward solve steps, and what its error control
/// counts.
#[derive(Config, Debug, PartialEq)]
pub struct AdjointOptions {
    /// The backward solve of `[y, a, ∫ aᵀ∂f/∂θ]`, run over each interval between output times
    /// (adaptive by default; `Stepping::Steps(n)` is `n` steps per interval).
    #[config(default = "SolveOptions::new()")]
    pub solve: SolveOptions,
    /// Leave the parameter-gradient channels out of the backward error norm (Kidger, Chen &
    /// Lyons, "Hey, that's not an ODE", ICML 2021): same gradients, fewer backward steps.
    #[config(default = false)]
    pub seminorm: bool,
}

impl AdjointOptions {
    /// The adjoint with a backward solve of DOPRI5 at tolerances `rtol`, `atol`.
    pub fn with_tolerances(rtol: f64, atol: f64) -> Self {
        Self::new().with_solve(SolveOptions::adaptive(rtol, atol))
    }
}
