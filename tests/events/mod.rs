//! Events (`solve_event`, `odeint_event`) in f64 on the CPU backends: directions, several
//! conditions in one step, no crossing, no re-trigger at the start, per-row batches equal to
//! solo solves, bad input; the dropped ball's event time, velocity and their derivatives
//! against the closed forms for every gradient method, five chained bounces and a learnable
//! condition against finite differences. (A module of the `solvers_f64` test binary.)

mod edges;
mod gradients;
mod solve;

use burn::Tensor;
use burn::module::{Module, Param};
use neurode::adjoint::{
    AdjointOptions, CheckpointOptions, EventTrajectory, GradientMethod, NeuralCondition,
    NeuralDynamics, odeint_event,
};
use neurode::solvers::{
    Crossing, Event, FailurePolicy, RowGrid, RowsAt, SolveOptions, solve_event,
};

use crate::common::*;

/// A falling ball: `y = (height, velocity)`, `y' = (v, −g)`, gravity `g` learnable.
#[derive(Module, Debug)]
pub(crate) struct Ball {
    pub gravity: Param<Tensor<1>>,
}

impl Ball {
    pub fn new(g: f64, device: &Device) -> Self {
        let t = Tensor::from_data(burn::tensor::TensorData::new(vec![g], [1]), device);
        Self {
            gravity: Param::from_tensor(t),
        }
    }
}

/// `(v, −g)` for a `[n, 2]` state.
pub(crate) fn fall(y: &Tensor<2>, g: Tensor<1>) -> Tensor<2> {
    let n = y.dims()[0];
    let v = y.clone().slice([0..n, 1..2]);
    let dv = v.zeros_like() - g.reshape([1, 1]);
    Tensor::cat(vec![v, dv], 1)
}

impl NeuralDynamics for Ball {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        fall(&y, self.gravity.val())
    }
    fn forward_rows(&self, _at: &RowsAt<'_>, y: Tensor<2>) -> Tensor<2> {
        fall(&y, self.gravity.val())
    }
}

/// The height minus a learnable level `φ` (the floor at `φ = 0`).
#[derive(Module, Debug)]
pub(crate) struct Level {
    pub level: Param<Tensor<1>>,
}

impl Level {
    pub fn new(level: f64, device: &Device) -> Self {
        let t = Tensor::from_data(burn::tensor::TensorData::new(vec![level], [1]), device);
        Self {
            level: Param::from_tensor(t),
        }
    }
}

impl NeuralCondition for Level {
    fn forward(&self, _t: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let n = y.dims()[0];
        y.slice([0..n, 0..1]) - self.level.val().reshape([1, 1])
    }
}

/// The dynamics and the condition together: both get gradients.
#[derive(Module, Debug)]
pub(crate) struct Drop {
    pub ball: Ball,
    pub level: Level,
}

impl Drop {
    pub fn new(g: f64, level: f64, device: &Device) -> Self {
        Self {
            ball: Ball::new(g, device),
            level: Level::new(level, device),
        }
    }

    /// The balls `y0` dropped at `t0` until they fall through the level (or t = 10).
    pub fn solve(
        &self,
        y0: Tensor<2>,
        t0: Tensor<1>,
        method: &neurode::adjoint::GradientMethod,
    ) -> EventTrajectory<Ball> {
        let event = Event::new(self.level.clone(), vec![Crossing::down()]).with_tolerance(1e-12);
        odeint_event(&self.ball, &event, y0, t0, &[10.0], &tight(), method).unwrap()
    }
}

/// One row from `y0` at t = 0 until its event or `end`, by `method`.
pub(crate) fn from_zero<
    M: neurode::adjoint::NeuralDynamics,
    C: neurode::adjoint::NeuralCondition,
>(
    model: &M,
    event: &Event<C>,
    y0: Tensor<2>,
    end: f64,
    method: &neurode::adjoint::GradientMethod,
) -> EventTrajectory<M> {
    let t0 = times(&[0.0], &y0.device());
    odeint_event(model, event, y0, t0, &[end], &tight(), method).unwrap()
}

/// DOPRI5 at `rtol = 1e-10`, `atol = 1e-12`.
pub(crate) fn tight() -> SolveOptions {
    SolveOptions::adaptive(1e-10, 1e-12)
}

/// The four gradient methods (adjoints with tight backward solves).
pub(crate) fn methods() -> Vec<(&'static str, GradientMethod)> {
    let backward = AdjointOptions::new().with_solve(tight());
    vec![
        ("backprop", GradientMethod::Backprop),
        (
            "checkpointed",
            GradientMethod::Checkpointed(CheckpointOptions::with_budget(3)),
        ),
        (
            "adjoint",
            GradientMethod::Adjoint(backward.clone().with_seminorm(true)),
        ),
        ("interpolated", GradientMethod::Interpolated(backward)),
    ]
}

/// Heights and velocities `[n, 2]` from `(h, v)` pairs.
pub(crate) fn states(rows: &[(f64, f64)], device: &Device) -> Tensor<2> {
    let flat: Vec<[f64; 2]> = rows.iter().map(|&(h, v)| [h, v]).collect();
    tensor(&flat, device)
}

/// A `[n]` tensor.
pub(crate) fn times(values_: &[f64], device: &Device) -> Tensor<1> {
    Tensor::from_data(
        burn::tensor::TensorData::new(values_.to_vec(), [values_.len()]),
        device,
    )
}

/// The last bounce time of a ball dropped from `h0` under `g`, bouncing with restitution `e`
/// `bounces` times (tape-free solves, for finite differences).
pub(crate) fn last_bounce(device: &Device, h0: f64, g: f64, e: f64, bounces: usize) -> f64 {
    let f = move |_: &RowsAt<'_>, y: &Tensor<2>| {
        let gt = Tensor::from_data(burn::tensor::TensorData::new(vec![g], [1]), &y.device());
        fall(y, gt)
    };
    let floor = |_: &Tensor<2>, y: &Tensor<2>| y.clone().slice([0..y.dims()[0], 0..1]);
    let event = Event::new(floor, vec![Crossing::down()]).with_tolerance(1e-13);
    let (mut y, mut t) = (states(&[(h0, 0.0)], device), 0.0);
    for _ in 0..bounces {
        let grid = RowGrid::new(vec![vec![t, t + 100.0]]).unwrap();
        let s = solve_event(&f, y, &grid, &event, &tight(), FailurePolicy::FailBatch).unwrap();
        assert!(s.events[0].is_some());
        t = s.t[0];
        let v = values(&s.y);
        y = states(&[(v[0], -e * v[1])], device);
    }
    t
}

cpu_backend_tests!(F64;
    directions_sin,
    earliest_of_two_in_one_step,
    no_crossing_ends_at_t1,
    start_on_zero_does_not_fire,
    batch_rows_equal_solo_solves,
    non_terminal_crossings_are_recorded,
    fixed_step_methods_use_their_interpolant,
    bad_input_is_refused,
    dropped_ball_closed_forms,
    five_bounces_against_finite_differences,
    learnable_condition_against_closed_form_and_differences,
    chained_start_time_gradient,
    event_solve_bad_input,
    nonlinear_event_against_finite_differences,
    rows_without_events,
    fixed_steps_report_the_search,
);

use edges::*;
use gradients::*;
use solve::*;
