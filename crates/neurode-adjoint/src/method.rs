//! How gradients flow through a solve: one enum, so switching is a one-word change.

use burn::config::Config;
use neurode_solvers::{SolveError, SolveOptions};

use crate::error::AdjointError;
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
    /// Backprop at bounded memory (diffrax's `RecursiveCheckpointAdjoint`): a tape-free
    /// forward solve keeps a few states, then each stretch of steps is re-run on the tape,
    /// newest first, and backpropagated. The gradients of [`GradientMethod::Backprop`] (to
    /// rounding); memory of a few states and one step's tape; each step computed about two to
    /// three times.
    Checkpointed(CheckpointOptions),
    /// The interpolating adjoint (SciML's `InterpolatingAdjoint`): the forward solve keeps its
    /// dense output, and the backward solve integrates only `[a, ∫ aᵀ∂f/∂θ]`, reading `y(t)`
    /// from it. Never reconstructs `y` backwards, so it stays right where the backsolve
    /// adjoint fails (strongly contracting dynamics); memory of a few states per forward step
    /// (no tape); gradients accurate to the tolerances of both solves.
    Interpolated(AdjointOptions),
}

impl GradientMethod {
    /// Backprop and checkpointed backprop differentiate the solver's own steps, and an implicit
    /// step's linear algebra runs on the host, off the tape: refused rather than silently cut. The
    /// backsolve adjoint integrates `y` backwards, where a stiff problem's decaying modes grow:
    /// its backward solve refuses implicit methods (the interpolating adjoint takes them).
    pub(crate) fn refuse_implicit_where_unsupported(
        &self,
        opts: &SolveOptions,
    ) -> Result<(), AdjointError> {
        if let GradientMethod::Adjoint(a) = self
            && a.solve.method.is_implicit()
        {
            return Err(AdjointError::BackwardOptions(SolveError::ExplicitOnly {
                method: a.solve.method.name(),
                what: "the backsolve adjoint's backward solves (they integrate y backwards, where \
                       a stiff problem's decaying modes grow; GradientMethod::Interpolated takes \
                       implicit methods)",
            }));
        }
        let taped = matches!(
            self,
            GradientMethod::Backprop | GradientMethod::Checkpointed(_)
        );
        if taped && opts.method.is_implicit() {
            return Err(AdjointError::Forward(SolveError::ExplicitOnly {
                method: opts.method.name(),
                what: "backprop and checkpointed backprop (an implicit step's linear algebra runs \
                       on the host, off the tape)",
            }));
        }
        Ok(())
    }
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

/// Options of checkpointed backprop: how many states it may hold at once.
#[derive(Config, Debug, PartialEq)]
pub struct CheckpointOptions {
    /// The most states held at once, the initial state included (at least 1; 1 recomputes
    /// every step from the start: time quadratic in the number of steps). `None`: about
    /// `2√n` for `n` steps.
    ///
    /// With the number of steps known in advance (fixed steps) the recomputations follow
    /// Griewank–Walther binomial checkpointing (revolve): the fewest recomputed steps for the
    /// budget. Adaptive solves keep up to half the budget during the forward solve, evenly
    /// spaced (doubling the spacing whenever they run out), and reverse each stretch between
    /// them with the binomial schedule and the rest of the budget.
    #[config(default = "None")]
    pub checkpoints: Option<usize>,
}

impl CheckpointOptions {
    /// At most `n` states held at once.
    pub fn with_budget(n: usize) -> Self {
        Self::new().with_checkpoints(Some(n))
    }
}
