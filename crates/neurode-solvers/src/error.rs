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
