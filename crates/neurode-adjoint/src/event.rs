//! Differentiable event solves: the event time and the state there as functions of the
//! initial state, the start time, the dynamics' parameters and the condition's own parameters
//! (implicit-function theorem).
//!
//! The event is found by a tape-free per-row search ([`neurode_solvers::solve_event`]); then
//! each row is solved to its event time `t̂` by the chosen [`GradientMethod`] (so every method
//! applies), and the event time is made differentiable by the implicit-function theorem on
//! `g(t*, y(t*)) = 0`:
//!
//! `τ = t̂ − (g(t̂, ŷ) − ⌊g(t̂, ŷ)⌋) / ⌊ġ⌋`, `ġ = ∂g/∂t + ∂g/∂y · f(t̂, ŷ)`,
//! `y* = ŷ + ⌊f(t̂, ŷ)⌋ · (τ − ⌊τ⌋)`
//!
//! (`⌊·⌋`: detached). Both equal their values (`τ = t̂`, `y* = ŷ`) and their derivatives are
//! `dτ = −(∂g/∂y dŷ + ∂g/∂φ dφ)/ġ` and `dy* = dŷ + f dτ`: the total derivatives of the event
//! time and state. A start time that depends on parameters (a chained solve starting at the
//! previous event) enters as `y₀ − ⌊f(t₀, y₀)⌋ · (t₀ − ⌊t₀⌋)`, which moves the solution as a
//! later start does (`∂y(t)/∂t₀ = −Φ(t, t₀) f(t₀, y₀)`).

use burn::Tensor;
use burn::module::Module;
use burn::tensor::TensorData;
use neurode_solvers::{
    Event, EventSolution, FailurePolicy, RowDenseOutput, RowEvent, RowGrid, RowObserver, RowStats,
    RowsAt, SolveOptions, SolveStats, solve_event_observed,
};

use crate::rows::{Forward, RowTrajectory, check_method, odeint_rows};
use crate::{AdjointError, GradientMethod, NeuralDynamics};

/// A Burn module whose forward pass is an event's conditions `g_φ(t, y)`: `t` a `[rows, 1]`
/// column of each row's time, `y` the `[rows, dim]` state, returning `[rows, k]` (one column
/// per [`neurode_solvers::Crossing`]). Its parameters `φ` get gradients through the event
/// time (torchdiffeq's `odeint_event` cannot: there they must ride in the state).
pub trait NeuralCondition: Module {
    /// Evaluates `g_φ(t, y)`.
    fn forward(&self, t: Tensor<2>, y: Tensor<2>) -> Tensor<2>;
}

/// A differentiable event solve ([`odeint_event`]): where each row's event fired (or its end),
/// the state there, and what the backward pass needs.
pub struct EventTrajectory<M> {
    /// Per row, its event time (or its end time when no terminal condition crossed), `[batch]`
    /// on the autodiff device. A leaf: build losses from it, or start the next solve at it.
    pub t: Tensor<1>,
    /// Per row, the state at [`EventTrajectory::t`], `[batch, dim]` (a leaf, as `t`).
    pub y: Tensor<2>,
    /// Per row, the terminal event that stopped it (`None`: it reached its end).
    pub events: Vec<Option<RowEvent>>,
    /// Per row, the crossings of non-terminal conditions, in order of time.
    pub crossings: Vec<Vec<RowEvent>>,
    /// Per row, the search's work and status.
    pub rows: Vec<RowStats>,
    /// The tape-free search for the events.
    pub search: SolveStats,
    /// The solve to the events by the gradient method: backprop and checkpointed backprop solve
    /// again to the located times; for the two adjoints the search is their forward pass (zero).
    pub stats: SolveStats,
    pub(crate) inner: Inner<M>,
}

/// The differentiable graph behind an event trajectory's leaves.
pub(crate) struct Inner<M> {
    /// The solve of each row to its event time.
    pub traj: RowTrajectory<M>,
    /// `τ`, `[batch, 1]`: the event times with their implicit derivatives.
    pub tau: Tensor<2>,
    /// `y*`, `[batch, dim]`.
    pub y_event: Tensor<2>,
    /// What the solve started from: `y₀`, moved with a tracked start time.
    pub y0_input: Tensor<2>,
    /// `f(t₀, y₀)` (plain) when the start time is tracked: `∂L/∂t₀ = −∂L/∂y₀ · f`.
    pub f0: Option<Tensor<2>>,
}

/// Solves `dy/dt = model(t, y)` from `y0` at the start times `t0` (`[batch]`, on the autodiff
/// device; tracked when it depends on parameters, e.g. a previous event's time) until each
/// row's terminal event (or its end `t1`: one per row, or one for all), differentiably: the
/// returned event times and states carry gradients to `y0`, `t0`, the dynamics' parameters
/// and the condition's, by any [`GradientMethod`] ([`EventTrajectory::backward_for`],
/// [`crate::backward_events`] for chained solves).
pub fn odeint_event<M: NeuralDynamics, C: NeuralCondition>(
    model: &M,
    event: &Event<C>,
    y0: Tensor<2>,
    t0: Tensor<1>,
    t1: &[f64],
    opts: &SolveOptions,
    method: &GradientMethod,
) -> Result<EventTrajectory<M>, AdjointError> {
    if !y0.device().is_autodiff() {
        return Err(AdjointError::NotAutodiff);
    }
    event.validate().map_err(AdjointError::Forward)?;
    let [b, _] = y0.dims();
    let (starts, grid) = span(&t0, t1, b)?;
    check_method(opts, method)?;
    let plain = model.valid();
    let (y0_input, f0) = moved_start(&plain, y0, &t0, &starts);
    let (found, traj) = solve_to_events(model, event, y0_input.clone(), &grid, opts, method)?;
    // The search's event states (what `t`, `y` report; a chained solve restarts there), with
    // the derivative of the trajectory's last outputs (for backprop and checkpointed backprop a
    // solve to the located times, which may differ from the search's state by the tolerance,
    // and for fixed steps is `n` steps over the shorter span).
    let y_last = last_outputs(&traj.ys, &traj.produced);
    let y_hat = Tensor::from_inner(found.y.clone()) + (y_last.clone() - y_last.detach());
    let fired: Vec<Option<usize>> = found
        .events
        .iter()
        .map(|e| e.map(|e| e.condition))
        .collect();
    let (tau, y_event) = implicit(&plain, &event.condition, &found.t, y_hat, &fired)?;
    let t_leaf = Tensor::from_inner(tau.clone().inner().reshape([b])).require_grad();
    let y_leaf = Tensor::from_inner(y_event.clone().inner()).require_grad();
    Ok(EventTrajectory {
        t: t_leaf,
        y: y_leaf,
        events: found.events,
        crossings: found.crossings,
        rows: found.solution.rows,
        search: found.solution.stats,
        stats: match method {
            GradientMethod::Backprop | GradientMethod::Checkpointed(_) => traj.stats,
            _ => SolveStats::default(),
        },
        inner: Inner {
            traj,
            tau,
            y_event,
            y0_input,
            f0,
        },
    })
}

/// The search for the events and the differentiable solve from each row's start to its
/// event. The two adjoints take the tape-free search as their forward pass (the interpolating
/// adjoint keeps its dense output); backprop and checkpointed backprop solve again to the
/// located times, on the tape or recording their steps. (Searching on the tape instead, with
/// the event state the taped interpolant, halves backprop's NFE but was measured 1.5–2× slower:
/// every step's interpolant and every root-finding evaluation go on the tape.)
fn solve_to_events<M: NeuralDynamics, C: NeuralCondition>(
    model: &M,
    event: &Event<C>,
    y0_input: Tensor<2>,
    grid: &RowGrid,
    opts: &SolveOptions,
    method: &GradientMethod,
) -> Result<(EventSolution, RowTrajectory<M>), AdjointError> {
    let policy = FailurePolicy::FailBatch;
    let y0 = y0_input.clone().detach().require_grad();
    let plain = model.valid();
    let condition = event.condition.valid();
    let f = |at: &RowsAt<'_>, y: &Tensor<2>| plain.forward_rows(at, y.clone());
    let g = |t: &Tensor<2>, y: &Tensor<2>| condition.forward(t.clone(), y.clone());
    let interpolated = matches!(method, GradientMethod::Interpolated(_));
    let mut dense = RowDenseOutput::new();
    let observer: &mut dyn RowObserver = if interpolated { &mut dense } else { &mut () };
    let y0_plain = y0.clone().inner();
    let found = solve_event_observed(
        &f,
        y0_plain.clone(),
        grid,
        &event.map(g),
        opts,
        policy,
        observer,
    )
    .map_err(AdjointError::Forward)?;
    let hits = hits(grid, &found)?;
    if let GradientMethod::Backprop | GradientMethod::Checkpointed(_) = method {
        let traj = odeint_rows(model, y0_input, &hits, opts, method, policy)?;
        return Ok((found, traj));
    }
    let ys = Tensor::from_inner(Tensor::stack(vec![y0_plain, found.y.clone()], 0)).require_grad();
    let forward = Forward::new(ys, &found, hits, interpolated.then_some(dense));
    let traj = RowTrajectory::from_forward(model, (y0, y0_input), forward, opts, method);
    Ok((found, traj))
}

/// Each row from its start to its event time (its start alone when they coincide).
fn hits(grid: &RowGrid, found: &EventSolution) -> Result<RowGrid, AdjointError> {
    let rows = (0..grid.rows())
        .map(|r| match found.t[r] == grid.start(r) {
            true => vec![grid.start(r)],
            false => vec![grid.start(r), found.t[r]],
        })
        .collect();
    RowGrid::new(rows).map_err(AdjointError::Forward)
}

/// The start times as host values, checked against the batch and the ends, and the grid from
/// each start to its end.
fn span(t0: &Tensor<1>, t1: &[f64], b: usize) -> Result<(Vec<f64>, RowGrid), AdjointError> {
    if t0.dims() != [b] {
        return Err(AdjointError::EventSpan {
            reason: format!(
                "t0 has shape {:?} for {b} rows of y0: give one start time per row, [{b}]",
                t0.dims()
            ),
        });
    }
    if t1.len() != 1 && t1.len() != b {
        return Err(AdjointError::EventSpan {
            reason: format!(
                "{} end times for {b} rows: give one end time per row, or one for all",
                t1.len()
            ),
        });
    }
    let starts: Vec<f64> = t0.to_data().iter::<f64>().collect();
    let end = |r: usize| if t1.len() == 1 { t1[0] } else { t1[r] };
    // A row whose end is its start has nothing to solve: it ends where it starts.
    let rows = (0..b)
        .map(|r| match starts[r] == end(r) {
            true => vec![starts[r]],
            false => vec![starts[r], end(r)],
        })
        .collect();
    let grid = RowGrid::new(rows).map_err(AdjointError::Forward)?;
    Ok((starts, grid))
}

/// The initial state as the solve sees it: `y₀ − ⌊f(t₀, y₀)⌋ (t₀ − ⌊t₀⌋)` when the start
/// time is tracked (a later start moves the solution as `∂y(t)/∂t₀ = −Φ f(t₀, y₀)`), with that
/// `f(t₀, y₀)`; `y₀` itself otherwise.
fn moved_start<M: NeuralDynamics>(
    plain: &M,
    y0: Tensor<2>,
    t0: &Tensor<1>,
    starts: &[f64],
) -> (Tensor<2>, Option<Tensor<2>>) {
    if !t0.is_tracked() {
        return (y0, None);
    }
    let b = starts.len();
    let all: Vec<usize> = (0..b).collect();
    let at = RowsAt {
        t: starts,
        rows: &all,
    };
    let f0 = plain.forward_rows(&at, y0.clone().inner());
    let shift = (t0.clone() - t0.clone().detach()).reshape([b, 1]);
    (y0 - Tensor::from_inner(f0.clone()) * shift, Some(f0))
}

/// Row `r`'s last output of a per-row trajectory, `[batch, dim]` (differentiable).
fn last_outputs(ys: &Tensor<3>, produced: &[usize]) -> Tensor<2> {
    let [l, b, d] = ys.dims();
    let rows: Vec<i64> = produced
        .iter()
        .enumerate()
        .map(|(r, &n)| (n.max(1) - 1) as i64 * b as i64 + r as i64)
        .collect();
    let idx = Tensor::from_data(TensorData::new(rows, [b]), &ys.device());
    ys.clone().reshape([l * b, d]).select(0, idx)
}

/// A `[n, 1]` column on `device`.
fn column(values: &[f64], device: &burn::tensor::Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), device)
}

/// The event times `τ` and states `y*` with their implicit derivatives (rows without an
/// event: their end time, constant, and `ŷ`). The conditions and the dynamics are evaluated on
/// the fired rows only (another row's end may lie where they are not finite).
fn implicit<M: NeuralDynamics, C: NeuralCondition>(
    plain: &M,
    condition: &C,
    t_hat: &[f64],
    y_hat: Tensor<2>,
    fired: &[Option<usize>],
) -> Result<(Tensor<2>, Tensor<2>), AdjointError> {
    let device = y_hat.device();
    let t_col = column(t_hat, &device);
    let rows: Vec<usize> = (0..fired.len()).filter(|&r| fired[r].is_some()).collect();
    if rows.is_empty() {
        return Ok((t_col, y_hat));
    }
    let m = rows.len();
    let t_fired: Vec<f64> = rows.iter().map(|&r| t_hat[r]).collect();
    let y_fired = y_hat.clone().select(0, index(&rows, &device));
    let at = RowsAt {
        t: &t_fired,
        rows: &rows,
    };
    let f_fired = plain.forward_rows(&at, y_fired.clone().inner());
    let t_fired_col = column(&t_fired, &device);
    let g = condition.forward(t_fired_col.clone(), y_fired.clone());
    let k = g.dims()[1];
    let mut pick = vec![0.0; m * k];
    for (i, &r) in rows.iter().enumerate() {
        pick[i * k + fired[r].expect("a fired row")] = 1.0;
    }
    let pick = Tensor::<2>::from_data(TensorData::new(pick, [m, k]), &device);
    let slope = slopes(condition, &t_fired_col, &y_fired, &f_fired, &pick);
    let mut scale = Vec::with_capacity(m);
    for (i, &r) in rows.iter().enumerate() {
        if slope[i] == 0.0 || !slope[i].is_finite() {
            return Err(AdjointError::TangentialEvent {
                row: r,
                t: t_hat[r],
                slope: slope[i],
            });
        }
        scale.push(-1.0 / slope[i]);
    }
    let g_fired = (g * pick).sum_dim(1);
    let shift = (g_fired.clone() - g_fired.detach()) * column(&scale, &device);
    let moved = Tensor::from_inner(f_fired) * shift.clone();
    // Row r of the batch from row `at[r]` of `[0; fired rows]` (0: not fired).
    let mut at = vec![0usize; fired.len()];
    for (i, &r) in rows.iter().enumerate() {
        at[r] = i + 1;
    }
    let idx = index(&at, &device);
    let spread = |x: Tensor<2>| {
        let zero = x.clone().narrow(0, 0, 1).zeros_like();
        Tensor::cat(vec![zero, x], 0).select(0, idx.clone())
    };
    let tau = t_col + spread(shift);
    let y_event = y_hat + spread(moved);
    Ok((tau, y_event))
}

/// Batch rows as an index tensor.
fn index(rows: &[usize], device: &burn::tensor::Device) -> Tensor<1, burn::tensor::Int> {
    let rows: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
    let n = rows.len();
    Tensor::from_data(TensorData::new(rows, [n]), device)
}

/// Each row's `ġ = ∂g/∂t + ∂g/∂y · f` for its fired condition (`pick`), by one backward pass
/// on fresh leaves through a copy of the condition without parameter gradients.
fn slopes<C: NeuralCondition>(
    condition: &C,
    t_col: &Tensor<2>,
    y_hat: &Tensor<2>,
    f_hat: &Tensor<2>,
    pick: &Tensor<2>,
) -> Vec<f64> {
    let t = Tensor::from_inner(t_col.clone().inner()).require_grad();
    let y = Tensor::from_inner(y_hat.clone().inner()).require_grad();
    let condition = condition.clone().no_grad();
    let grads = (condition.forward(t.clone(), y.clone()) * pick.clone())
        .sum()
        .backward();
    let gt = t
        .grad(&grads)
        .unwrap_or_else(|| t_col.clone().inner().zeros_like());
    let gy = y.grad(&grads).unwrap_or_else(|| f_hat.clone().zeros_like());
    let rate = gt + (gy * f_hat.clone()).sum_dim(1);
    rate.to_data().iter::<f64>().collect()
}
