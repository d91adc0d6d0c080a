//! Typed errors: every message says what was wrong and what to change.

use thiserror::Error;

/// Why a solve could not start or could not finish.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SolveError {
    /// The output time grid is empty.
    #[error("the time grid is empty: pass at least the initial time, e.g. `[0.0, 1.0]`")]
    EmptyTimeGrid,

    /// A time in the grid is NaN or infinite.
    #[error("time grid entry {index} is {value}: every output time must be a finite number")]
    NonFiniteTime {
        /// Position in the grid.
        index: usize,
        /// The offending value.
        value: f64,
    },

    /// The grid is not strictly increasing (or strictly decreasing).
    #[error(
        "time grid is not strictly monotonic at index {index} ({previous} then {next}): \
         output times must all increase, or all decrease for a backward solve, with no repeats"
    )]
    NonMonotonicTimes {
        /// Index of the entry that breaks monotonicity.
        index: usize,
        /// The entry before it.
        previous: f64,
        /// The entry itself.
        next: f64,
    },

    /// A tolerance is zero, negative or not finite.
    #[error(
        "{name} = {value} is invalid: tolerances must be finite and > 0 (typical: rtol 1e-5, atol 1e-7)"
    )]
    InvalidTolerance {
        /// `"rtol"` or `"atol"`.
        name: &'static str,
        /// The offending value.
        value: f64,
    },

    /// A step-size option is out of range.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidOption {
        /// Option name (`"first_step"`, `"max_step"`, ...).
        name: &'static str,
        /// The offending value.
        value: f64,
        /// What is accepted.
        expected: &'static str,
    },

    /// A fixed-step method was given no step size.
    #[error(
        "method `{method}` takes fixed steps: set `step_size` (e.g. 0.05) or `steps` (e.g. 20), \
         or choose an adaptive method such as dopri5"
    )]
    MissingStepSize {
        /// Method name.
        method: &'static str,
    },

    /// A step-size option that only applies to the other kind of method.
    #[error("`{option}` does not apply to {method}: {hint}")]
    OptionNotApplicable {
        /// Option name.
        option: &'static str,
        /// Method name.
        method: &'static str,
        /// What to do instead.
        hint: &'static str,
    },

    /// The initial state holds NaN or infinity.
    #[error(
        "the initial state y0 contains NaN or infinite values: check the data fed to the solver"
    )]
    NonFiniteInitialState,

    /// The dynamics returned a tensor whose shape differs from the state's.
    #[error(
        "the dynamics returned shape {returned} for a state of shape {state}: f(t, y) must \
         return a derivative with exactly the shape of y"
    )]
    ShapeMismatch {
        /// Shape of the state.
        state: String,
        /// Shape returned by the dynamics.
        returned: String,
    },

    /// The state (or its derivative) became NaN or infinite.
    #[error(
        "the solution became non-finite (NaN or inf) at t = {t} (step size {dt:e}): the dynamics \
         blow up there; check the model and its inputs, tighten the tolerances or shorten the span"
    )]
    NonFiniteState {
        /// Time at which the non-finite value was detected.
        t: f64,
        /// Step size in use.
        dt: f64,
    },

    /// The controller asked for a step smaller than the time resolution (or `min_step`).
    #[error(
        "step size underflow at t = {t}: the controller asked for dt = {dt:e}, below what the \
         time resolution (or `min_step`) allows; the problem may be stiff or singular near t, \
         loosen rtol/atol or use an implicit solver elsewhere"
    )]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// The step size requested.
        dt: f64,
    },

    /// More steps were needed than `max_steps` allows.
    #[error(
        "reached max_steps = {max_steps} at t = {t} before the end of the time grid: raise \
         `max_steps`, loosen rtol/atol, or check whether the dynamics are stiff"
    )]
    MaxStepsExceeded {
        /// Time reached.
        t: f64,
        /// The limit.
        max_steps: usize,
    },

    /// A per-row solve was given no rows.
    #[error(
        "the batch has no rows: a per-row solve needs at least one row (and one output time per row)"
    )]
    EmptyBatch,

    /// One row's output times are unusable.
    #[error("output times of row {row}: {reason}")]
    InvalidRowGrid {
        /// The row.
        row: usize,
        /// What was wrong with its times.
        reason: String,
    },

    /// The state has an empty dimension.
    #[error(
        "the state has shape {shape}: every dimension must be at least 1 (a [batch, dim] state \
         with batch ≥ 1 and dim ≥ 1)"
    )]
    EmptyState {
        /// The state's shape.
        shape: String,
    },

    /// The per-row grid and the state disagree on the number of rows.
    #[error(
        "the time grid has {grid} rows but the initial state has {state}: give one list of \
         output times per row of y0"
    )]
    RowCountMismatch {
        /// Rows of the grid.
        grid: usize,
        /// Rows of the state.
        state: usize,
    },

    /// An event was given no conditions.
    #[error(
        "the event has no conditions: give one `Crossing` per column its condition returns \
         (e.g. `vec![Crossing::down()]`)"
    )]
    NoEventConditions,

    /// An event condition returned the wrong shape.
    #[error(
        "the event condition returned shape {returned} for {rows} rows: it must return \
         [rows, {expected}], one column per `Crossing` of the event"
    )]
    ConditionShape {
        /// Number of conditions the event declares.
        expected: usize,
        /// Rows evaluated.
        rows: usize,
        /// Shape returned.
        returned: String,
    },

    /// An event condition evaluated to NaN or infinity.
    #[error(
        "event condition {condition} is {value} at t = {t}: conditions must be finite wherever \
         the solution goes (check the condition's formula and its inputs)"
    )]
    NonFiniteCondition {
        /// The condition (its column).
        condition: usize,
        /// Where.
        t: f64,
        /// The value.
        value: f64,
    },

    /// The root finder could not narrow a crossing to the event tolerance.
    #[error(
        "event condition {condition} changes sign between t = {t0} and t = {t1}, but its \
         crossing could not be narrowed within {iterations} iterations: the condition is not \
         a function of (t, y) there (it changes between evaluations); check its formula"
    )]
    EventNotLocated {
        /// The condition.
        condition: usize,
        /// Start of the step holding the crossing.
        t0: f64,
        /// End of that step.
        t1: f64,
        /// Iterations taken.
        iterations: usize,
    },

    /// An explicit method's solve failed after Hairer's stiffness test had fired.
    #[error(
        "{method} stopped at t = {t} ({cause}); the problem looks stiff from t = {stiff_at} on \
         (Hairer's test: the step size times the dominant eigenvalue estimate stayed above \
         {method}'s stability bound on 15 checks in a row): solve it with an implicit method, \
         rodas5p (tight tolerances), rosenbrock23 (loose ones) or auto (switches by itself)"
    )]
    Stiff {
        /// The explicit method.
        method: &'static str,
        /// Where the solve stopped.
        t: f64,
        /// Where the stiffness test fired.
        stiff_at: f64,
        /// The failure the test explains (`"max_steps = 1000 reached"`, …).
        cause: String,
    },

    /// An implicit method was asked for something only the explicit methods do yet.
    #[error(
        "{method} is an implicit (Rosenbrock) method, and {what} take explicit methods only: \
         use dopri5, tsit5 or dop853 there"
    )]
    ExplicitOnly {
        /// The implicit method.
        method: &'static str,
        /// The feature (`"per-row clocks"`, …).
        what: &'static str,
    },

    /// The state has no row layout the implicit methods can factor.
    #[error(
        "{method} needs the state's values as rows of components (a tensor [rows, …] or a \
         Vec<f64>) to factor its Jacobian, and a state of shape {shape} has none: use an \
         explicit method for it"
    )]
    NoRowLayout {
        /// The implicit method.
        method: &'static str,
        /// The state's shape.
        shape: String,
    },

    /// A Jacobian or time derivative the dynamics supplied has the wrong number of values.
    #[error(
        "the dynamics' {what} has {got} values for {rows} rows of {n} components: it must hold \
         {expected} ({layout})"
    )]
    JacobianShape {
        /// `"Jacobian ∂f/∂y"` or `"time derivative ∂f/∂t"`.
        what: &'static str,
        /// Rows of the state.
        rows: usize,
        /// Components per row.
        n: usize,
        /// Values expected.
        expected: usize,
        /// Values given.
        got: usize,
        /// The layout expected.
        layout: &'static str,
    },

    /// A fixed implicit step met a singular linear system.
    #[error(
        "the linear system I − hγJ of row {row} is singular at t = {t} (step {dt:e}): take \
         other fixed steps, or adaptive ones (which retry smaller)"
    )]
    SingularStep {
        /// Start of the step.
        t: f64,
        /// The step.
        dt: f64,
        /// The batch row.
        row: usize,
    },

    /// A row of a per-row solve failed (the batch fails with it under
    /// `FailurePolicy::FailBatch`).
    #[error("row {row} failed: {error}")]
    Row {
        /// The row.
        row: usize,
        /// What happened to it.
        error: Box<SolveError>,
    },
}
