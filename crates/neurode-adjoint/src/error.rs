//! Typed errors of gradient computations.

use neurode_solvers::SolveError;
use thiserror::Error;

/// Why gradients could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AdjointError {
    /// The forward solve failed.
    #[error("forward solve failed: {0}")]
    Forward(SolveError),

    /// The backward (adjoint) solve failed on one output interval.
    #[error(
        "backward adjoint solve failed between t = {t_from} and t = {t_to} (output {index}): {source}"
    )]
    Backward {
        /// Output index at the start (later time) of the failing interval.
        index: usize,
        /// Start of the interval (the later time).
        t_from: f64,
        /// End of the interval (the earlier time).
        t_to: f64,
        /// What the solver said.
        source: SolveError,
    },

    /// The gradient of the loss w.r.t. the trajectory has the wrong shape.
    #[error(
        "the trajectory gradient has shape {got:?} but the trajectory has shape {expected:?}: \
         pass one dL/dy(tᵢ) of shape [batch, dim] per output time"
    )]
    GradientShape {
        /// Shape of the trajectory `[time, batch, dim]`.
        expected: Vec<usize>,
        /// Shape given.
        got: Vec<usize>,
    },

    /// The gradient of the loss w.r.t. the state at some output time holds NaN or infinity.
    #[error(
        "dL/dy at output {index} (t = {t}) is not finite: the loss is NaN/inf there; check the \
         loss and the targets"
    )]
    NonFiniteGradient {
        /// Output index.
        index: usize,
        /// Output time.
        t: f64,
    },

    /// The loss is not a single number.
    #[error(
        "the loss must be a scalar (a tensor of one element), got shape {0:?}: reduce it with .sum() or .mean()"
    )]
    LossNotScalar(Vec<usize>),

    /// Gradients need an autodiff device.
    #[error(
        "the initial state is on a device without autodiff: create the model and y0 on \
         `device.autodiff()` to compute gradients"
    )]
    NotAutodiff,

    /// A checkpoint budget of zero states.
    #[error(
        "checkpointed backprop needs a budget of at least 1 state (the initial state), got 0; \
         leave it unset for about 2√n states over n steps"
    )]
    NoCheckpoints,

    /// Re-running recorded steps failed (the dynamics changed between the forward pass and
    /// the backward pass).
    #[error("recomputing recorded forward steps failed: {0}")]
    Recompute(SolveError),

    /// The dynamics has no trainable parameters.
    #[error(
        "the dynamics module has no float parameters: there is nothing to differentiate (use neurode_solvers::solve)"
    )]
    NoParameters,

    /// The options of the adjoint's backward solve are unusable (checked before the forward
    /// solve starts).
    #[error("the adjoint's backward-solve options are invalid: {0}")]
    BackwardOptions(SolveError),

    /// The start times or ends of an event solve do not fit the batch.
    #[error("event solve span: {reason}")]
    EventSpan {
        /// What was wrong.
        reason: String,
    },

    /// An event's condition crosses zero tangentially: its time has no derivative.
    #[error(
        "the event of row {row} at t = {t} is tangential (its condition's rate of change along \
         the solution, dg/dt + ∂g/∂y·f, is {slope}): the event time is not differentiable \
         there; use a condition that crosses zero transversally"
    )]
    TangentialEvent {
        /// The row.
        row: usize,
        /// The event time.
        t: f64,
        /// The rate of change found.
        slope: f64,
    },

    /// The backward solve of a per-row adjoint failed in one of its phases.
    #[error(
        "per-row backward adjoint solve failed in phase {phase} (the rows' {phase}-th interval from their last output): {source}"
    )]
    RowBackward {
        /// The phase (1 = every row's last interval).
        phase: usize,
        /// What the solver said.
        source: SolveError,
    },
}
