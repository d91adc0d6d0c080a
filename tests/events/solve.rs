//! Locating events: directions, order, ends, starts, batches, recorded crossings, bad input.

use std::f64::consts::PI;

use burn::Tensor;
use neurode::solvers::{
    Adaptive, Convention, Crossing, Direction, Event, EventSolution, FailurePolicy, Method,
    PiController, RowGrid, RowStatus, RowsAt, SolveError, SolveOptions, Stepping, solve_event,
};

use super::{fall, states, tight};

/// A condition behind a reference, to try several in one table.
type Cond = dyn Fn(&Tensor<2>, &Tensor<2>) -> Tensor<2>;
use crate::common::*;

/// `y' = cos t` from `y(t₀) = sin t₀`: `y = sin t`.
fn sine(at: &RowsAt<'_>, y: &Tensor<2>) -> Tensor<2> {
    at.time_column(&y.device()).cos()
}

fn first_column(_: &Tensor<2>, y: &Tensor<2>) -> Tensor<2> {
    y.clone().slice([0..y.dims()[0], 0..1])
}

fn sine_event(device: &Device, crossing: Crossing, t0: f64) -> EventSolution {
    let y0 = tensor(&[[t0.sin()]], device);
    let grid = RowGrid::new(vec![vec![t0, 10.0]]).unwrap();
    let event = Event::new(first_column, vec![crossing]).with_tolerance(1e-12);
    solve_event(&sine, y0, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap()
}

/// sin t from 0.5: falls through zero at π, rises through it at 2π; backwards from 4, rises
/// through zero (in the order of integration) at π.
pub(crate) fn directions_sin(device: &Device) {
    for (crossing, expected) in [
        (Crossing::down(), PI),
        (Crossing::up(), 2.0 * PI),
        (Crossing::either(), PI),
    ] {
        let s = sine_event(device, crossing, 0.5);
        assert!(
            (s.t[0] - expected).abs() < 1e-10,
            "{crossing:?}: {}",
            s.t[0]
        );
        assert_eq!(s.solution.rows[0].status, RowStatus::Event);
        // Reported just past the crossing, within the tolerance.
        let y = values(&s.y)[0];
        assert!(y.abs() < 1e-9, "{y}");
        let past = match crossing.direction {
            Direction::Up => y >= 0.0,
            _ => y <= 0.0,
        };
        assert!(past, "{crossing:?}: y = {y}");
    }
    // Backwards in time from t = 4 (sin 4 < 0): sin rises through zero at π in the order of
    // integration; the state is reported past the crossing.
    let y0 = tensor(&[[4f64.sin()]], device);
    let grid = RowGrid::new(vec![vec![4.0, 0.5]]).unwrap();
    for (crossing, fires) in [(Crossing::up(), true), (Crossing::down(), false)] {
        let event = Event::new(first_column, vec![crossing]).with_tolerance(1e-12);
        let s = solve_event(
            &sine,
            y0.clone(),
            &grid,
            &event,
            &tight(),
            FailurePolicy::FailBatch,
        )
        .unwrap();
        if fires {
            assert!((s.t[0] - PI).abs() < 1e-10, "{}", s.t[0]);
            assert!(values(&s.y)[0] >= 0.0, "past the crossing");
        } else {
            assert_eq!((s.events[0], s.t[0]), (None, 0.5));
        }
    }
}

/// Two conditions crossing inside one step (one RK4 step over [0, 1]): the earlier in time
/// fires, whatever their order.
pub(crate) fn earliest_of_two_in_one_step(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| y.ones_like();
    let g = |_: &Tensor<2>, y: &Tensor<2>| {
        Tensor::cat(
            vec![y.clone().sub_scalar(0.7), y.clone().sub_scalar(0.6)],
            1,
        )
    };
    let grid = RowGrid::new(vec![vec![0.0, 1.0]]).unwrap();
    for opts in [
        SolveOptions::steps(Method::Rk4, 1),
        SolveOptions::new().with_stepping(Stepping::Adaptive(
            Adaptive::new(1e-10, 1e-12).with_first_step(1.0),
        )),
    ] {
        let event = Event::new(g, vec![Crossing::up(), Crossing::up()]).with_tolerance(1e-12);
        let y0 = tensor(&[[0.0]], device);
        let s = solve_event(&f, y0, &grid, &event, &opts, FailurePolicy::FailBatch).unwrap();
        let e = s.events[0].expect("an event");
        assert_eq!(e.condition, 1, "condition 1 crosses first");
        assert!((e.t - 0.6).abs() < 1e-12, "{}", e.t);
    }
}

/// No crossing: the solve ends at t₁ with no event, as a plain per-row solve.
pub(crate) fn no_crossing_ends_at_t1(device: &Device) {
    let y0 = tensor(&[[0.0]], device);
    let grid = RowGrid::new(vec![vec![0.0, 1.0, 2.0]]).unwrap();
    let never = |_: &Tensor<2>, y: &Tensor<2>| y.clone().add_scalar(10.0);
    let event = Event::new(never, vec![Crossing::either()]);
    let s = solve_event(&sine, y0, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap();
    assert_eq!(s.events, vec![None]);
    assert_eq!(s.t, vec![2.0]);
    assert_eq!(s.solution.rows[0].status, RowStatus::Success);
    assert_eq!(s.solution.produced, vec![3]);
    assert!((values(&s.y)[0] - 2f64.sin()).abs() < 1e-9);
    // torchdiffeq's convention steps past the end (here one step from 0 to 1 for a solve
    // ending at 0.6): the floor crossing at 0.6386, inside that step, is after the end.
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let past = SolveOptions::new()
        .with_stepping(Stepping::Adaptive(
            Adaptive::new(1e-10, 1e-12)
                .with_controller(PiController::integral())
                .with_first_step(1.0),
        ))
        .with_convention(Convention::Torchdiffeq);
    let grid = RowGrid::new(vec![vec![0.0, 0.6]]).unwrap();
    let floor = Event::new(first_column, vec![Crossing::down()]);
    let y0 = states(&[(2.0, 0.0)], device);
    let s = solve_event(&f, y0, &grid, &floor, &past, FailurePolicy::FailBatch).unwrap();
    assert_eq!(s.solution.rows[0].accepted_steps, 1);
    assert_eq!((s.events[0], s.t[0]), (None, 0.6));
    assert!((values(&s.y)[0] - (2.0 - 0.5 * 9.81 * 0.36)).abs() < 1e-12);
    // A crossing just before the end (1e-5 s), located to 1e-3: its bracket may straddle the
    // end; it fires, reported no later than the end.
    let hit = (4.0f64 / 9.81).sqrt();
    let grid = RowGrid::new(vec![vec![0.0, hit + 1e-5]]).unwrap();
    let coarse = Event::new(first_column, vec![Crossing::down()]).with_tolerance(1e-3);
    let y0 = states(&[(2.0, 0.0)], device);
    let s = solve_event(&f, y0, &grid, &coarse, &past, FailurePolicy::FailBatch).unwrap();
    assert!(s.events[0].is_some(), "the crossing before the end fires");
    let end = hit + 1e-5;
    assert_eq!(s.t[0], end, "reported at the end: its bracket straddles it");
    assert!((values(&s.y)[0] - (2.0 - 4.905 * end * end)).abs() < 1e-12);
    // A condition exactly zero at the end of a step that passes the row's end (t − 1.5 over
    // one step [0, 1.5] of a row ending at 1.2): after the end, it does not fire.
    let at_step_end = |t: &Tensor<2>, _: &Tensor<2>| t.clone().sub_scalar(1.5);
    let late = Event::new(at_step_end, vec![Crossing::up()]);
    let long = SolveOptions::new()
        .with_stepping(Stepping::Adaptive(
            Adaptive::new(1e-10, 1e-12)
                .with_controller(PiController::integral())
                .with_first_step(1.5),
        ))
        .with_convention(Convention::Torchdiffeq);
    let still = |_: &RowsAt<'_>, y: &Tensor<2>| y.zeros_like();
    let grid = RowGrid::new(vec![vec![0.0, 1.2]]).unwrap();
    let y0 = tensor(&[[1.0]], device);
    let s = solve_event(&still, y0, &grid, &late, &long, FailurePolicy::FailBatch).unwrap();
    assert_eq!(s.solution.rows[0].accepted_steps, 1);
    assert_eq!((s.events[0], s.t[0]), (None, 1.2));
}

/// A condition that is zero at the start does not fire there (sin t from 0 first crosses at
/// π; restarted at that event, next at 2π), nor does one crossing within the event tolerance
/// of the start.
pub(crate) fn start_on_zero_does_not_fire(device: &Device) {
    let y0 = tensor(&[[0.0]], device);
    let grid = RowGrid::new(vec![vec![0.0, 10.0]]).unwrap();
    let event = Event::new(first_column, vec![Crossing::either()]).with_tolerance(1e-12);
    let s = solve_event(&sine, y0, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap();
    assert!(
        (s.t[0] - PI).abs() < 1e-10,
        "first crossing after t0 = 0: {}",
        s.t[0]
    );
    // Restarted at the event (state just past zero): the next crossing is 2π, not π again.
    let grid = RowGrid::new(vec![vec![s.t[0], 10.0]]).unwrap();
    let again = solve_event(
        &sine,
        s.y,
        &grid,
        &event,
        &tight(),
        FailurePolicy::FailBatch,
    )
    .unwrap();
    assert!((again.t[0] - 2.0 * PI).abs() < 1e-9, "{}", again.t[0]);
    // A restart a rounding error off the crossing (an apex at v = +1e-14, falling through
    // zero 1e-15 s later): within the tolerance of the start, it does not fire either.
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let velocity = |_: &Tensor<2>, y: &Tensor<2>| y.clone().slice([0..y.dims()[0], 1..2]);
    let apex = Event::new(velocity, vec![Crossing::down()]).with_tolerance(1e-12);
    let grid = RowGrid::new(vec![vec![0.0, 1.0]]).unwrap();
    let y0 = states(&[(1.0, 1e-14)], device);
    let s = solve_event(&f, y0, &grid, &apex, &tight(), FailurePolicy::FailBatch).unwrap();
    assert_eq!((s.events[0], s.t[0]), (None, 1.0));
    // One that far off the start does fire.
    let y0 = states(&[(1.0, 1e-3)], device);
    let s = solve_event(&f, y0, &grid, &apex, &tight(), FailurePolicy::FailBatch).unwrap();
    assert!((s.t[0] - 1e-3 / 9.81).abs() < 1e-12, "{}", s.t[0]);
}

/// Balls from different heights, starts and velocities in one batch: each row's event time
/// and state are those of its solo solve, bit for bit; rows that fired left the batch.
pub(crate) fn batch_rows_equal_solo_solves(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let rows = [(1.0, 0.0), (5.0, 2.0), (0.2, -1.0), (3.0, 0.0), (50.0, 0.0)];
    let starts = [0.0, 1.0, -2.0, 0.5, 0.0];
    let ends = [10.0, 11.0, 8.0, 10.5, 2.0];
    let event = Event::new(first_column, vec![Crossing::down()]).with_tolerance(1e-12);
    let grid = RowGrid::new((0..5).map(|r| vec![starts[r], ends[r]]).collect()).unwrap();
    let all = solve_event(
        &f,
        states(&rows, device),
        &grid,
        &event,
        &tight(),
        FailurePolicy::FailBatch,
    )
    .unwrap();
    let ys = values(&all.y);
    for r in 0..5 {
        let grid = RowGrid::new(vec![vec![starts[r], ends[r]]]).unwrap();
        let y0 = states(&rows[r..r + 1], device);
        let solo = solve_event(&f, y0, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap();
        assert_eq!(all.t[r].to_bits(), solo.t[0].to_bits(), "row {r}");
        assert_eq!(all.events[r], solo.events[0], "row {r}");
        assert_eq!(values(&solo.y), ys[2 * r..2 * r + 2].to_vec(), "row {r}");
        assert_eq!(
            all.solution.rows[r].accepted_steps,
            solo.solution.rows[0].accepted_steps
        );
    }
    // The 50 m ball does not land before t = 2 (it needs 3.19 s): it ends there.
    assert_eq!(all.events[4], None);
    assert_eq!(all.t[4], 2.0);
    let h = (2.0f64 * 1.0 / 9.81).sqrt();
    assert!((all.t[0] - h).abs() < 1e-11);
}

/// A non-terminal condition (height through 1) is recorded on the way down; the terminal one
/// (the floor) stops the row.
pub(crate) fn non_terminal_crossings_are_recorded(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let g = |_: &Tensor<2>, y: &Tensor<2>| {
        let h = y.clone().slice([0..y.dims()[0], 0..1]);
        Tensor::cat(vec![h.clone().sub_scalar(1.0), h], 1)
    };
    let crossings = vec![Crossing::either().non_terminal(), Crossing::down()];
    let event = Event::new(g, crossings).with_tolerance(1e-12);
    // Outputs every 0.2 s: those after the event (at 0.6386) are not part of the solution.
    let grid = RowGrid::new(vec![(0..=10).map(|i| i as f64 * 0.2).collect()]).unwrap();
    let y0 = states(&[(2.0, 0.0)], device);
    let s = solve_event(&f, y0, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap();
    assert_eq!(s.solution.produced, vec![4]);
    let ys = values(&s.solution.ys);
    assert!((ys[6] - (2.0 - 0.5 * 9.81 * 0.36)).abs() < 1e-10);
    assert!(ys[8..].iter().all(|v| *v == 0.0), "zeros past the event");
    assert_eq!(s.crossings[0].len(), 1);
    let passed = s.crossings[0][0];
    assert_eq!(passed.condition, 0);
    assert!((passed.t - (2.0f64 / 9.81).sqrt()).abs() < 1e-11);
    assert_eq!(s.events[0].unwrap().condition, 1);
    assert!((s.t[0] - (4.0f64 / 9.81).sqrt()).abs() < 1e-11);
}

/// Fixed-step methods locate events on their own interpolant: RK4's cubic Hermite (exact for
/// the ball's quadratic), Euler's linear one under torchdiffeq's conventions.
pub(crate) fn fixed_step_methods_use_their_interpolant(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let event = Event::new(first_column, vec![Crossing::down()]).with_tolerance(1e-13);
    let grid = RowGrid::new(vec![vec![0.0, 1.0]]).unwrap();
    let y0 = states(&[(2.0, 0.0)], device);
    let opts = SolveOptions::steps(Method::Rk4, 7);
    let s = solve_event(
        &f,
        y0.clone(),
        &grid,
        &event,
        &opts,
        FailurePolicy::FailBatch,
    )
    .unwrap();
    assert!(
        (s.t[0] - (4.0f64 / 9.81).sqrt()).abs() < 1e-11,
        "{}",
        s.t[0]
    );
    // Euler, 10 steps of 0.1: heights 2, 2, 1.9019, 1.7057, …, at t = 0.6 the height is
    // 2 − 9.81·0.1²·(0+1+2+3+4+5) = 0.5285 and the velocity −5.886: it reaches zero inside
    // the 7th step, at 0.6 + 0.5285/5.886 on the linear interpolant.
    let s = solve_event(
        &f,
        y0,
        &grid,
        &event,
        &SolveOptions::steps(Method::Euler, 10).with_convention(Convention::Torchdiffeq),
        FailurePolicy::FailBatch,
    )
    .unwrap();
    let expected = 0.6 + (2.0 - 9.81 * 0.01 * 15.0) / (9.81 * 0.6);
    assert!(
        (s.t[0] - expected).abs() < 1e-12,
        "{} vs {expected}",
        s.t[0]
    );
}

/// Non-finite conditions, a tolerance ≤ 0, no conditions, a wrong number of columns, and a
/// condition that cannot be evaluated inside the step where it changes sign: typed errors.
pub(crate) fn bad_input_is_refused(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, super::times(&[9.81], &y.device()));
    let grid = RowGrid::new(vec![vec![0.0, 1.0]]).unwrap();
    let y0 = || states(&[(2.0, 0.0)], device);
    let run = |event: &Event<&Cond>| {
        solve_event(&f, y0(), &grid, event, &tight(), FailurePolicy::FailBatch).unwrap_err()
    };
    let nan: &Cond = &|_, y| first_column(y, y).log().sub_scalar(f64::INFINITY);
    let err = run(&Event::new(nan, vec![Crossing::down()]));
    assert!(
        matches!(&err, SolveError::Row { row: 0, error } if matches!(**error, SolveError::NonFiniteCondition { condition: 0, .. })),
        "{err}"
    );
    assert!(err.to_string().contains("must be finite"), "{err}");
    let floor: &Cond = &first_column;
    for tol in [0.0, -1e-9, f64::NAN] {
        let err = run(&Event::new(floor, vec![Crossing::down()]).with_tolerance(tol));
        assert!(
            matches!(
                err,
                SolveError::InvalidOption {
                    name: "event tolerance",
                    ..
                }
            ),
            "{err}"
        );
    }
    let err = run(&Event::new(floor, vec![]));
    assert_eq!(err, SolveError::NoEventConditions);
    let err = run(&Event::new(floor, vec![Crossing::down(), Crossing::up()]));
    assert!(
        matches!(
            err,
            SolveError::ConditionShape {
                expected: 2,
                rows: 1,
                ..
            }
        ),
        "{err}"
    );
    // Defined at the step ends but NaN near the crossing (|h − 1| < 0.15): the sign change
    // cannot be narrowed; the message names the condition and where.
    let holed: &Cond = &|_, y| {
        let h = first_column(y, y).sub_scalar(1.0);
        let hole = h.clone().abs().lower_elem(0.15).float();
        h + hole.neg().add_scalar(1.0).log()
    };
    let err = solve_event(
        &f,
        y0(),
        &grid,
        &Event::new(holed, vec![Crossing::down()]),
        &SolveOptions::steps(Method::Rk4, 2),
        FailurePolicy::FailBatch,
    )
    .unwrap_err();
    assert!(
        matches!(&err, SolveError::Row { row: 0, error } if matches!(**error, SolveError::NonFiniteCondition { condition: 0, .. })),
        "{err}"
    );
    // Under FinishOthers the row stops with its status and error, the others finish.
    let two = states(&[(2.0, 0.0), (0.5, 0.0)], device);
    let grid2 = RowGrid::new(vec![vec![0.0, 1.0]; 2]).unwrap();
    let s = solve_event(
        &f,
        two,
        &grid2,
        &Event::new(holed, vec![Crossing::down()]),
        &SolveOptions::steps(Method::Rk4, 2),
        FailurePolicy::FinishOthers,
    )
    .unwrap();
    assert_eq!(s.solution.rows[0].status, RowStatus::NonFinite);
    assert!(s.events[0].is_none());
    assert_eq!(s.solution.rows[1].status, RowStatus::Success);
}
