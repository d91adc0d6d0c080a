//! Edge cases of differentiable event solves: bad input, rows without events (ended before
//! their event, or with an end equal to their start), fixed steps.

use burn::Tensor;
use burn::module::Module;
use neurode::adjoint::odeint_event;
use neurode::solvers::{
    Convention, Crossing, Event, FailurePolicy, Method, RowGrid, RowsAt, SolveOptions, solve_event,
};

use super::{Drop, fall, from_zero, methods, states, tight, times};
use crate::common::*;

/// Bad input to the differentiable event solve: start times of the wrong shape, end times that
/// do not match the batch, a device without autodiff, a tangential crossing.
pub(crate) fn event_solve_bad_input(device: &Device) {
    use neurode::adjoint::AdjointError;
    let ad = device.clone().autodiff();
    let drop = Drop::new(9.81, 0.0, &ad);
    let event = Event::new(drop.level.clone(), vec![Crossing::down()]);
    let bp = neurode::adjoint::GradientMethod::Backprop;
    let y0 = || states(&[(1.0, 0.0), (2.0, 0.0)], &ad);
    let solve = |y0, t0, t1: &[f64]| odeint_event(&drop.ball, &event, y0, t0, t1, &tight(), &bp);
    let err = solve(y0(), times(&[0.0], &ad), &[10.0]).err().unwrap();
    assert!(matches!(err, AdjointError::EventSpan { .. }), "{err}");
    assert!(err.to_string().contains("one start time per row"), "{err}");
    let err = solve(y0(), times(&[0.0, 0.0], &ad), &[1.0, 2.0, 3.0])
        .err()
        .unwrap();
    assert!(err.to_string().contains("3 end times for 2 rows"), "{err}");
    let plain = states(&[(1.0, 0.0)], device);
    let err = solve(plain, times(&[0.0], device), &[1.0]).err().unwrap();
    assert_eq!(err, AdjointError::NotAutodiff);
    // A condition that jumps through zero (sign(t − 1)): located at t = 1, but its rate of
    // change there is zero, so the event time has no derivative.
    let event = Event::new(Jump, vec![Crossing::up()]).with_tolerance(1e-12);
    let hit = odeint_event(
        &drop.ball,
        &event,
        y0(),
        times(&[0.0, 0.0], &ad),
        &[5.0],
        &tight(),
        &bp,
    );
    let err = hit.err().unwrap();
    assert!(
        matches!(err, AdjointError::TangentialEvent { row: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("tangential"), "{err}");
}

/// `sign(t − 1)`: crosses zero at t = 1 with a zero derivative.
#[derive(Module, Debug)]
struct Jump;

impl neurode::adjoint::NeuralCondition for Jump {
    fn forward(&self, t: Tensor<2>, _y: Tensor<2>) -> Tensor<2> {
        t.sub_scalar(1.0).sign()
    }
}

/// A batch mixing rows whose event fires (not next to each other), one that reaches its end
/// first and one whose end is its start; and a batch where no row fires with a loss of the times alone (a constant: no
/// gradient, no error). Every gradient method.
pub(crate) fn rows_without_events(device: &Device) {
    let ad = device.clone().autodiff();
    let g = 9.81f64;
    for (name, method) in methods() {
        let drop = Drop::new(g, 0.0, &ad);
        let event = Event::new(drop.level.clone(), vec![Crossing::down()]).with_tolerance(1e-12);
        let y0 = states(&[(2.0, 0.0), (50.0, 0.0), (1.0, 0.0), (1.0, 0.0)], &ad).require_grad();
        let t0 = times(&[0.0, 0.0, 0.0, 0.0], &ad);
        let ends = [1.0, 1.0, 0.0, 1.0];
        let hit = odeint_event(&drop.ball, &event, y0, t0, &ends, &tight(), &method).unwrap();
        let fired: Vec<bool> = hit.events.iter().map(Option::is_some).collect();
        assert_eq!(fired, vec![true, false, false, true]);
        let t = values(&hit.t);
        assert!((t[0] - (4.0 / g).sqrt()).abs() < 1e-10 && t[1] == 1.0 && t[2] == 0.0);
        assert!((t[3] - (2.0 / g).sqrt()).abs() < 1e-10);
        let [n, _] = hit.y.dims();
        let loss = hit.t.clone().sum() + hit.y.clone().slice([0..n, 0..1]).sum();
        let grads = hit.backward(loss).unwrap();
        let dh0: Vec<f64> = values(&grads.y0).iter().step_by(2).copied().collect();
        // Fired: dt*/dh₀ + dh*/dh₀ = 1/√(2gh₀) + 0; the others: dh(t)/dh₀ = 1.
        let want = [1.0 / (4.0 * g).sqrt(), 1.0, 1.0, 1.0 / (2.0 * g).sqrt()];
        for r in 0..4 {
            assert!(
                (dh0[r] - want[r]).abs() < 1e-10,
                "{name}: row {r}: {} vs {}",
                dh0[r],
                want[r]
            );
        }
        // No row fires, the loss reads only the times.
        let y0 = states(&[(50.0, 0.0)], &ad).require_grad();
        let hit = from_zero(&drop.ball, &event, y0, 1.0, &method);
        let loss = hit.t.clone().sum();
        let grads = hit.backward(loss).unwrap();
        assert_eq!(values(&grads.y0), vec![0.0, 0.0], "{name}");
    }
}

/// Fixed steps (Euler, 10 steps over [0, 1], torchdiffeq's linear interpolant): every method
/// reports the search's event time and state — past the crossing, so a restart does not see it
/// again — although backprop and checkpointed backprop differentiate a solve of 10 steps over
/// the shorter span [0, t*].
pub(crate) fn fixed_steps_report_the_search(device: &Device) {
    let ad = device.clone().autodiff();
    let opts = SolveOptions::steps(Method::Euler, 10).with_convention(Convention::Torchdiffeq);
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| fall(y, times(&[9.81], &y.device()));
    let floor = |_: &Tensor<2>, y: &Tensor<2>| y.clone().slice([0..y.dims()[0], 0..1]);
    let event = Event::new(floor, vec![Crossing::down()]).with_tolerance(1e-12);
    let grid = RowGrid::new(vec![vec![0.0, 1.0]]).unwrap();
    let search = solve_event(
        &f,
        states(&[(2.0, 0.0)], device),
        &grid,
        &event,
        &opts,
        FailurePolicy::FailBatch,
    )
    .unwrap();
    let (t_search, y_search) = (search.t[0], values(&search.y));
    assert!(y_search[0] <= 0.0 && y_search[0] > -1e-9, "{}", y_search[0]);
    for (name, method) in methods() {
        let drop = Drop::new(9.81, 0.0, &ad);
        let event = Event::new(drop.level.clone(), vec![Crossing::down()]).with_tolerance(1e-12);
        let y0 = states(&[(2.0, 0.0)], &ad).require_grad();
        let hit = odeint_event(
            &drop.ball,
            &event,
            y0,
            times(&[0.0], &ad),
            &[1.0],
            &opts,
            &method,
        )
        .unwrap();
        assert_eq!(values(&hit.t)[0], t_search, "{name}");
        assert_eq!(values(&hit.y), y_search, "{name}");
        let loss = hit.t.clone().sum();
        let grads = hit.backward(loss).unwrap();
        // The height at any time moves one for one with h₀ (whatever the steps), so
        // dt*/dh₀ = −1/v at the reported state: −1/(−5.886 … −6.867) on Euler's linear
        // interpolant, not the exact solution's 1/√(2gh₀) = 0.160.
        let d = values(&grads.y0)[0];
        assert!(
            (d + 1.0 / y_search[1]).abs() < 1e-12,
            "{name}: {d} vs {}",
            -1.0 / y_search[1]
        );
    }
}
