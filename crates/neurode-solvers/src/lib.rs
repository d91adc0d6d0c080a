//! Batched ODE solvers on Burn tensors: explicit Runge–Kutta methods, and Rosenbrock methods
//! for stiff problems.
//!
//! ```
//! use burn::Tensor;
//! use neurode_backend::{Backend, Precision};
//! use neurode_solvers::{SolveOptions, solve};
//!
//! let device = neurode_backend::device(Backend::Flex, Precision::F32).unwrap();
//! // dy/dt = -y on a batch of two scalar states.
//! let y0 = Tensor::<2>::from_floats([[1.0], [2.0]], &device);
//! let ts: Vec<f64> = (0..=10).map(|i| i as f64 * 0.1).collect();
//! let opts = SolveOptions::adaptive(1e-6, 1e-8);
//! let sol = solve(&|_t: f64, y: &Tensor<2>| y.clone().neg(), y0, &ts, &opts).unwrap();
//! let y1: Vec<f32> = sol.last().to_data().to_vec().unwrap();
//! assert!((y1[0] - (-1.0f32).exp()).abs() < 1e-5);
//! println!("{} evaluations, {} steps", sol.stats.nfe, sol.stats.accepted_steps);
//! ```
//!
//! * One engine ([`solve`]) runs every method; a method is a [`Tableau`](tableau::Tableau) of
//!   `const` coefficients ([`Method`] picks one).
//! * Adaptive methods: mixed RMS error norm ([`RmsNorm`], replaceable through [`ErrorNorm`]),
//!   PI step-size control ([`PiController`]), Hairer's initial step, dense output.
//! * States are any [`State`]: every `Tensor<D>` (usually `[batch, dim]`), or composite states.
//! * Integration runs forwards or backwards in time; failures are [`SolveError`]s with `t`, `dt`.
//! * [`solve_observed`] reports every accepted step to a [`StepObserver`] (a [`StepLog`] of the
//!   steps, a [`DenseOutput`] of the whole solution); [`replay`] re-takes recorded steps from
//!   a stored state, exactly.
//! * [`solve_rows`] gives every batch row its own clock: own output times ([`RowGrid`]), step
//!   size, accept/reject, statistics and status; finished rows leave the evaluated batch.
//! * [`solve_event`] stops each row where a condition `g(t, y)` crosses zero (several
//!   conditions, directions, terminal or recorded), located on the dense output.
//! * Stiff problems: Rosenbrock methods ([`Method::Rodas5p`], [`Method::Rosenbrock23`]; a
//!   [`RosenbrockTableau`] each) with differenced or exact ([`WithJacobian`]) Jacobians;
//!   Hairer's stiffness test in DOPRI5 and DOP853 ([`SolveStats::stiff_at`],
//!   [`SolveError::Stiff`]); [`Method::Auto`] switches between DOPRI5 and Rodas5P.

mod const_math;
mod controller;
mod dense;
mod dynamics;
mod error;
mod event;
mod explicit;
mod host;
mod host_rows;
mod implicit;
mod initial_step;
mod interpolate;
mod method;
mod norm;
mod observe;
mod options;
mod replay;
mod rows;
mod solution;
mod solve;
mod state;
mod stepper;
mod stiffness;
pub mod tableau;
mod time_grid;

pub use controller::PiController;
pub use dense::DenseOutput;
pub use dynamics::Dynamics;
pub use error::SolveError;
pub use event::{
    Crossing, Direction, Event, EventCondition, EventSolution, RowEvent, solve_event,
    solve_event_observed,
};
pub use host_rows::HostRows;
pub use implicit::{RODAS5P, ROSENBROCK23, RosenbrockDense, RosenbrockTableau, WithJacobian};
pub use method::{Method, MethodKind, UnknownMethod};
pub use norm::{ErrorNorm, RmsNorm};
pub use observe::{StepInterpolant, StepLog, StepObserver, StepRecord};
pub use options::{Adaptive, Convention, SolveOptions, Stepping};
pub use replay::{Replayed, replay};
pub use rows::{
    AcceptedRows, ErrorScale, FailurePolicy, RowDenseOutput, RowDynamics, RowErrorNorm, RowGrid,
    RowInterpolants, RowObserver, RowReplayed, RowRmsNorm, RowSolution, RowSqSums, RowStats,
    RowStatus, RowStepLog, RowStepRecord, RowsAt, replay_rows, solve_rows, solve_rows_observed,
};
pub use solution::{Solution, SolveStats};
pub use solve::{solve, solve_observed, solve_with_norm};
pub use state::State;
pub use time_grid::validate_time_grid;
