//! Events: solves that stop (or record) where a condition `g(t, y)` crosses zero, every row on
//! its own clock (torchdiffeq's `odeint_event`, diffrax's `Event`, SciML's
//! `VectorContinuousCallback`).
//!
//! * **Several conditions**, one [`Crossing`] each: a [`Direction`] (up, down, either) and
//!   whether it stops its row (terminal) or is only recorded.
//! * **Located on the dense output**: after each accepted step, the conditions at its end are
//!   compared with their values at its start; a sign change is narrowed on the step's
//!   interpolant (each method's own, fixed-step methods included) by the Illinois method to
//!   the event's tolerance in time — no extra steps of the solver.
//! * **The earliest crossing wins**: when several conditions cross inside one step, the one
//!   crossing first in time fires (diffrax #639 picks by condition order instead).
//! * **Per row**: a row whose event fired leaves the solve ([`crate::RowStatus::Event`]); the
//!   others go on (torchdiffeq stops the whole batch at the first row's event).
//! * A condition does not fire where its row starts (exactly zero there, or crossing within
//!   the tolerance of the start): a solve restarted at an event does not see it again.
//!
//! Gradients through event times and states (implicit-function theorem) are in
//! `neurode-adjoint`'s `odeint_event`.

mod root;
mod spec;
mod watch;

use burn::Tensor;

pub use spec::{Crossing, Direction, Event, EventCondition};

use crate::rows::ops::{index, row_finite};
use crate::{
    AcceptedRows, FailurePolicy, RowDynamics, RowGrid, RowObserver, RowRmsNorm, RowSolution,
    RowStatus, SolveError, SolveOptions, solve_rows_observed,
};
use watch::EventWatch;

/// A crossing found in one row: when, and which condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowEvent {
    /// The crossing time (the end of the narrowed bracket after the crossing).
    pub t: f64,
    /// The condition that crossed (its column in the condition's output).
    pub condition: usize,
}

/// The result of [`solve_event`].
#[derive(Debug, Clone)]
pub struct EventSolution {
    /// The outputs at each row's grid times before its event (a row whose event fired
    /// produced fewer than its grid's length), with each row's statistics; rows that stopped
    /// at an event have status [`RowStatus::Event`].
    pub solution: RowSolution,
    /// Per row, the terminal event that stopped it (`None`: no terminal condition crossed, the
    /// row ran to its last time, or it failed).
    pub events: Vec<Option<RowEvent>>,
    /// Per row, the crossings of non-terminal conditions up to its end, in order of time.
    pub crossings: Vec<Vec<RowEvent>>,
    /// Per row, where it ended: its event's time, else its last output time.
    pub t: Vec<f64>,
    /// Per row, the state there (`[batch, dim]`): interpolated at the event, else its last
    /// output.
    pub y: Tensor<2>,
    /// Batched evaluations of the conditions (at the starts, at step ends, while locating).
    pub condition_evaluations: usize,
}

/// Integrates every row of `y0` on its own clock over its `grid` times (as
/// [`crate::solve_rows`]) until a terminal condition of `event` crosses zero in that row.
///
/// ```
/// use burn::Tensor;
/// use neurode_backend::{Backend, Precision};
/// use neurode_solvers::{Crossing, Event, FailurePolicy, RowGrid, RowsAt, SolveOptions, solve_event};
///
/// let device = neurode_backend::device(Backend::Flex, Precision::F64).unwrap();
/// // A ball dropped from 1 m and from 2 m: y = (height, velocity), y' = (v, −9.81).
/// let y0 = Tensor::<2>::from_data([[1.0, 0.0], [2.0, 0.0]], &device);
/// let f = |_: &RowsAt, y: &Tensor<2>| {
///     let n = y.dims()[0];
///     Tensor::cat(vec![y.clone().slice([0..n, 1..2]), y.clone().slice([0..n, 1..2]).zeros_like().sub_scalar(9.81)], 1)
/// };
/// // The height falling through zero stops the row.
/// let floor = |_: &Tensor<2>, y: &Tensor<2>| y.clone().slice([0..y.dims()[0], 0..1]);
/// let event = Event::new(floor, vec![Crossing::down()]).with_tolerance(1e-12);
/// let grid = RowGrid::new(vec![vec![0.0, 10.0]; 2]).unwrap();
/// let opts = SolveOptions::adaptive(1e-8, 1e-10);
/// let sol = solve_event(&f, y0, &grid, &event, &opts, FailurePolicy::FailBatch).unwrap();
/// for (row, h0) in [1.0f64, 2.0].iter().enumerate() {
///     let t_hit = (2.0 * h0 / 9.81).sqrt();
///     assert!((sol.t[row] - t_hit).abs() < 1e-11);
///     assert_eq!(sol.events[row].unwrap().condition, 0);
/// }
/// ```
pub fn solve_event<F: RowDynamics, G: EventCondition>(
    f: &F,
    y0: Tensor<2>,
    grid: &RowGrid,
    event: &Event<G>,
    opts: &SolveOptions,
    policy: FailurePolicy,
) -> Result<EventSolution, SolveError> {
    solve_event_observed(f, y0, grid, event, opts, policy, &mut ())
}

/// [`solve_event`], reporting every iteration's accepted row steps (with their interpolants)
/// to `observer` as well — up to and including each row's event step (e.g. a
/// [`crate::RowDenseOutput`]: the solution up to the events, which the interpolating adjoint
/// reads). Rows the observer itself stops ([`RowObserver::stops`]) end there with status
/// [`RowStatus::Event`] but no event (`events[r]` is `None`; `t`, `y` are their last output).
pub fn solve_event_observed<F: RowDynamics, G: EventCondition>(
    f: &F,
    y0: Tensor<2>,
    grid: &RowGrid,
    event: &Event<G>,
    opts: &SolveOptions,
    policy: FailurePolicy,
    observer: &mut dyn RowObserver,
) -> Result<EventSolution, SolveError> {
    event.validate()?;
    opts.validate()?;
    let b = y0.dims()[0];
    if grid.rows() != b {
        return Err(SolveError::RowCountMismatch {
            grid: grid.rows(),
            state: b,
        });
    }
    // The state's own checks before the conditions see it.
    let [_, d] = y0.dims();
    if d == 0 {
        return Err(SolveError::EmptyState {
            shape: format!("{:?}", y0.dims()),
        });
    }
    if let Some(row) = row_finite(&y0).iter().position(|ok| !ok) {
        return Err(SolveError::Row {
            row,
            error: Box::new(SolveError::NonFiniteInitialState),
        });
    }
    let mut watch = EventWatch::new(event, &y0, grid)?;
    let mut tee = Tee {
        watch: &mut watch,
        other: observer,
    };
    let mut solution = solve_rows_observed(f, y0, grid, opts, policy, &RowRmsNorm, &mut tee)?;
    for (row, error) in std::mem::take(&mut watch.failures) {
        if policy == FailurePolicy::FailBatch {
            return Err(match error {
                e @ SolveError::Row { .. } => e,
                e => SolveError::Row {
                    row,
                    error: Box::new(e),
                },
            });
        }
        let stats = &mut solution.rows[row];
        let inner = match error {
            SolveError::Row { error, .. } => *error,
            e => e,
        };
        stats.status = RowStatus::NonFinite;
        stats.error = Some(inner);
    }
    drop_after_events(&mut solution, &watch.fired);
    let t: Vec<f64> = (0..b)
        .map(|r| match watch.fired[r] {
            Some(e) => e.t,
            None => grid.times(r)[solution.produced[r].max(1) - 1],
        })
        .collect();
    let y = ends(&solution, &watch);
    Ok(EventSolution {
        events: watch.fired,
        crossings: watch.passed,
        t,
        y,
        condition_evaluations: watch.evaluations,
        solution,
    })
}

/// The event watcher and the caller's observer, told the same steps.
struct Tee<'a, 'b, G> {
    watch: &'a mut EventWatch<'b, G>,
    other: &'a mut dyn RowObserver,
}

impl<G: EventCondition> RowObserver for Tee<'_, '_, G> {
    fn wants_dense(&self) -> bool {
        true
    }

    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        let copy = AcceptedRows {
            dense: if self.other.wants_dense() {
                steps.dense.clone()
            } else {
                None
            },
            ..steps
        };
        self.other.accepted(copy);
        self.watch.accepted(steps);
    }

    fn stops(&mut self) -> Vec<usize> {
        let mut stops = self.watch.stops();
        stops.extend(self.other.stops());
        stops
    }
}

/// Each row's end state: interpolated at its event, else its last output.
fn ends<G>(solution: &RowSolution, watch: &EventWatch<'_, G>) -> Tensor<2> {
    let last = solution.last();
    let b = last.dims()[0];
    let mut source: Vec<usize> = (0..b).collect();
    let mut parts = vec![last];
    let mut offset = b;
    for (states, rows) in &watch.states {
        for (i, &r) in rows.iter().enumerate() {
            if watch.fired[r].is_some() {
                source[r] = offset + i;
            }
        }
        offset += rows.len();
        parts.push(states.clone());
    }
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    let all = Tensor::cat(parts, 0);
    let idx = index(&source, &all.device());
    all.select(0, idx)
}

/// Outputs a fired row emitted past its event (grid times inside the event's step) are not
/// part of its solution: they leave `produced` and are zeroed.
fn drop_after_events(solution: &mut RowSolution, fired: &[Option<RowEvent>]) {
    let mut changed = false;
    for (r, e) in fired.iter().enumerate() {
        let Some(e) = e else { continue };
        let times = solution.grid.times(r);
        let dir = solution.grid.direction(r);
        let before = times.iter().take_while(|&&t| (e.t - t) * dir > 0.0).count();
        if solution.produced[r] > before {
            solution.produced[r] = before;
            changed = true;
        }
    }
    if changed {
        let mask = solution.mask_tensor().float();
        solution.ys = solution.ys.clone() * mask;
    }
}
