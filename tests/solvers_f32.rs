//! Solver behaviour in f32 on every compiled backend: exact solutions, dense output, backward
//! integration, statistics, and every error variant.

#[macro_use]
mod common;

use common::problems::*;
use common::*;
use neurode::solvers::{Adaptive, Method, SolveError, SolveOptions, Stepping, solve};

fn adaptive(method: Method) -> SolveOptions {
    SolveOptions::adaptive(1e-6, 1e-8).with_method(method)
}

fn exponential_decay_is_exact_for(device: &Device, method: Method) {
    let y0 = [1.0, 2.0, -0.5];
    let ts = linspace(0.0, 3.0, 31);
    let sol = solve(
        &decay,
        tensor(&[[y0[0]], [y0[1]], [y0[2]]], device),
        &ts,
        &adaptive(method),
    )
    .unwrap();
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = max_abs_diff(&values(y), &decay_exact(&y0, *t));
        assert!(err < 2e-5, "{method} at t = {t}: error {err}");
    }
}

per_method!(exponential_decay_is_exact_for;
    exponential_decay_dopri5 => Dopri5,
    exponential_decay_tsit5 => Tsit5,
    exponential_decay_bosh3 => Bosh3,
    exponential_decay_dop853 => Dop853,
);

fn rotation_decay_matches_the_matrix_exponential(device: &Device) {
    let y0 = [[1.0, 0.0], [0.3, -2.0]];
    let m = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(m.clone());
    let ts = linspace(0.0, 10.0, 101);
    let sol = solve(&f, tensor(&y0, device), &ts, &adaptive(Method::Dopri5)).unwrap();
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = max_abs_diff(&values(y), &rotation_exact(&y0, *t));
        assert!(err < 5e-5, "t = {t}: error {err}");
    }
}

fn rotation_decay_with_fixed_rk4(device: &Device) {
    let y0 = [[1.0, 0.0]];
    let m = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(m.clone());
    let opts = SolveOptions::new()
        .with_method(Method::Rk4)
        .with_stepping(Stepping::Steps(200));
    let sol = solve(&f, tensor(&y0, device), &[0.0, 10.0], &opts).unwrap();
    let err = max_abs_diff(&values(sol.last()), &rotation_exact(&y0, 10.0));
    assert!(err < 1e-5, "error {err}");
    assert_eq!(sol.stats.nfe, 800);
    assert_eq!(sol.stats.accepted_steps, 200);
}

fn non_autonomous_forced_decay(device: &Device) {
    let ts = linspace(0.0, 8.0, 41);
    let sol = solve(
        &forced,
        tensor(&[[1.0]], device),
        &ts,
        &adaptive(Method::Dopri5),
    )
    .unwrap();
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = (values(y)[0] - forced_exact(*t)).abs();
        assert!(err < 2e-5, "t = {t}: error {err}");
    }
}

fn backward_integration_recovers_the_start(device: &Device) {
    // From y(2) = e^{-1.4} back to t = 0 must give y(0) = 1.
    let y2 = decay_exact(&[1.0], 2.0)[0];
    let ts = linspace(2.0, 0.0, 5);
    let sol = solve(
        &decay,
        tensor(&[[y2]], device),
        &ts,
        &adaptive(Method::Dopri5),
    )
    .unwrap();
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = (values(y)[0] - decay_exact(&[1.0], *t)[0]).abs();
        assert!(err < 2e-5, "t = {t}: error {err}");
    }
    let fixed = SolveOptions::new()
        .with_method(Method::Rk4)
        .with_stepping(Stepping::StepSize(0.01));
    let sol = solve(&decay, tensor(&[[y2]], device), &ts, &fixed).unwrap();
    assert!((values(sol.last())[0] - 1.0).abs() < 1e-5);
}

fn dense_output_does_not_force_steps(device: &Device) {
    let a = spiral_matrix(device);
    let f = spiral(&a);
    let opts = SolveOptions::adaptive(1e-5, 1e-7);
    let y0 = || tensor(&[[2.0, 0.0]], device);
    let coarse = solve(&f, y0(), &[0.0, 25.0], &opts).unwrap();
    let fine = solve(&f, y0(), &linspace(0.0, 25.0, 1000), &opts).unwrap();
    assert_eq!(
        coarse.stats, fine.stats,
        "1,000 outputs must not change the steps taken"
    );
    assert!(fine.stats.accepted_steps < 400, "{:?}", fine.stats);
    assert_eq!(fine.ys.len(), 1000);
    let end = max_abs_diff(&values(coarse.last()), &values(fine.last()));
    assert!(end < 1e-6, "same steps give the same end state: {end}");
    assert_eq!(fine.stacked().dims(), [1000, 1, 2]);
}

fn loose_tolerance_takes_far_fewer_steps(device: &Device) {
    let a = spiral_matrix(device);
    let f = spiral(&a);
    let y0 = || tensor(&[[2.0, 0.0]], device);
    // Steps scale like tol^(-1/(q+1)): a 1e5 tolerance ratio predicts ≥ 4.2× (DOP853, q = 7).
    for method in [Method::Bosh3, Method::Dopri5, Method::Tsit5, Method::Dop853] {
        let loose = SolveOptions::adaptive(1e-2, 1e-4).with_method(method);
        let tight = SolveOptions::adaptive(1e-7, 1e-9).with_method(method);
        let l = solve(&f, y0(), &[0.0, 25.0], &loose).unwrap().stats;
        let t = solve(&f, y0(), &[0.0, 25.0], &tight).unwrap().stats;
        assert!(
            3 * l.accepted_steps < t.accepted_steps,
            "{method}: loose {l:?} vs tight {t:?}"
        );
        assert!(2 * l.nfe < t.nfe, "{method}: loose {l:?} vs tight {t:?}");
    }
}

fn batch_shares_one_step_size(device: &Device) {
    // Every row of a batch is integrated with the same steps, so each row matches its own
    // single-row solve only to tolerance, and the batch costs the NFE of one solve.
    let y0 = [[1.0, 0.0], [0.3, -2.0], [-1.5, 0.7]];
    let m = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(m.clone());
    let sol = solve(
        &f,
        tensor(&y0, device),
        &[0.0, 5.0],
        &adaptive(Method::Tsit5),
    )
    .unwrap();
    let err = max_abs_diff(&values(sol.last()), &rotation_exact(&y0, 5.0));
    assert!(err < 5e-5, "{err}");
    let single = solve(
        &f,
        tensor(&y0[..1], device),
        &[0.0, 5.0],
        &adaptive(Method::Tsit5),
    )
    .unwrap();
    assert!(sol.stats.nfe < 3 * single.stats.nfe);
}

fn fsal_methods_reuse_their_last_stage_at_fixed_steps(device: &Device) {
    // DOPRI5 has 7 stages, the last being f(t₁, y₁): at fixed steps a step costs 6 new
    // evaluations plus the very first f(t₀, y₀).
    let opts = SolveOptions::new().with_stepping(Stepping::Steps(10));
    let ts = linspace(0.0, 1.0, 11);
    let sol = solve(&decay, tensor(&[[1.0]], device), &ts, &opts).unwrap();
    assert_eq!(sol.stats.nfe, 1 + 6 * 10);
    let err = (values(sol.last())[0] - decay_exact(&[1.0], 1.0)[0]).abs();
    assert!(err < 1e-6, "{err}");
}

// ---- every error variant -------------------------------------------------------------------

fn bad_time_grids_are_rejected(device: &Device) {
    let y0 = || tensor(&[[1.0]], device);
    let opts = SolveOptions::new();
    assert_eq!(
        solve(&decay, y0(), &[], &opts).unwrap_err(),
        SolveError::EmptyTimeGrid
    );
    assert!(matches!(
        solve(&decay, y0(), &[0.0, 1.0, 0.5], &opts).unwrap_err(),
        SolveError::NonMonotonicTimes { index: 2, .. }
    ));
    assert!(matches!(
        solve(&decay, y0(), &[0.0, f64::INFINITY], &opts).unwrap_err(),
        SolveError::NonFiniteTime { index: 1, .. }
    ));
}

fn bad_options_are_rejected(device: &Device) {
    let y0 = || tensor(&[[1.0]], device);
    let ts = [0.0, 1.0];
    let run = |o: SolveOptions| solve(&decay, y0(), &ts, &o).unwrap_err();
    assert_eq!(
        run(SolveOptions::adaptive(0.0, 1e-9)),
        SolveError::InvalidTolerance {
            name: "rtol",
            value: 0.0
        }
    );
    assert!(matches!(
        run(SolveOptions::adaptive(1e-7, f64::NAN)),
        SolveError::InvalidTolerance { name: "atol", .. }
    ));
    assert!(matches!(
        run(SolveOptions::new().with_stepping(Stepping::Adaptive(
            Adaptive::default().with_first_step(-0.1)
        ))),
        SolveError::InvalidOption {
            name: "first_step",
            ..
        }
    ));
    assert_eq!(
        run(SolveOptions::new().with_method(Method::Rk4)),
        SolveError::MissingStepSize { method: "rk4" }
    );
    assert!(matches!(
        run(SolveOptions::new()
            .with_method(Method::Euler)
            .with_stepping(Stepping::Steps(0))),
        SolveError::InvalidOption { name: "steps", .. }
    ));
    let msg = run(SolveOptions::adaptive(-1.0, 1e-9)).to_string();
    assert!(msg.contains("rtol") && msg.contains("> 0"), "{msg}");
}

fn non_finite_initial_state_is_rejected(device: &Device) {
    let y0 = tensor(&[[1.0], [f64::NAN]], device);
    assert_eq!(
        solve(&decay, y0, &[0.0, 1.0], &SolveOptions::new()).unwrap_err(),
        SolveError::NonFiniteInitialState
    );
}

fn wrong_derivative_shape_is_rejected(device: &Device) {
    let f = |_t: f64, y: &Tensor<2>| Tensor::cat(vec![y.clone(), y.clone()], 1);
    let err = solve(
        &f,
        tensor(&[[1.0]], device),
        &[0.0, 1.0],
        &SolveOptions::new(),
    )
    .unwrap_err();
    assert!(matches!(err, SolveError::ShapeMismatch { .. }), "{err}");
}

/// `y' = 1 + √(1.5 − y)` from `y = 1` reaches `y = 1.5` in finite time and is NaN beyond.
fn sqrt_wall(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    y.clone().neg().add_scalar(1.5).sqrt().add_scalar(1.0)
}

fn non_finite_state_is_an_error_with_t(device: &Device) {
    // A model that starts emitting NaN at t = 0.5 (what diverging weights look like).
    let nan_after =
        |t: f64, y: &Tensor<2>| y.clone().mul_scalar(if t > 0.5 { f64::NAN } else { -1.0 });
    match solve(
        &nan_after,
        tensor(&[[1.0]], device),
        &[0.0, 2.0],
        &SolveOptions::new(),
    )
    .unwrap_err()
    {
        SolveError::NonFiniteState { t, dt } => {
            assert!((t - 0.5).abs() < 1e-6 && dt.abs() < 1e-6, "t={t} dt={dt}")
        }
        other => panic!("expected NonFiniteState, got {other}"),
    }
    // A state that runs into a wall where the dynamics are NaN (√ of a negative number).
    let opts = SolveOptions::new().with_max_steps(2_000);
    match solve(&sqrt_wall, tensor(&[[1.0]], device), &[0.0, 2.0], &opts).unwrap_err() {
        SolveError::NonFiniteState { t, .. } => assert!(t > 0.2 && t < 0.5, "t={t}"),
        other => panic!("expected NonFiniteState, got {other}"),
    }
    let fixed = SolveOptions::new()
        .with_method(Method::Rk4)
        .with_stepping(Stepping::Steps(20));
    let ts = linspace(0.0, 2.0, 21);
    match solve(&sqrt_wall, tensor(&[[1.0]], device), &ts, &fixed).unwrap_err() {
        SolveError::NonFiniteState { t, dt } => {
            assert!(t > 0.2 && t <= 0.6, "t={t}");
            assert!((dt - 0.1).abs() < 1e-12);
        }
        other => panic!("expected NonFiniteState, got {other}"),
    }
}

fn step_size_underflow_below_min_step(device: &Device) {
    // y' = y² blows up at t = 1: the controller must shrink the step below min_step.
    let f = |_t: f64, y: &Tensor<2>| y.clone() * y.clone();
    let opts = SolveOptions::new().with_stepping(Stepping::Adaptive(
        Adaptive::new(1e-6, 1e-6).with_min_step(1e-3),
    ));
    match solve(&f, tensor(&[[1.0]], device), &[0.0, 2.0], &opts).unwrap_err() {
        SolveError::StepSizeUnderflow { t, dt } => {
            assert!(t > 0.9 && t < 1.0, "t = {t}");
            assert!(dt < 1e-3 && dt > 0.0, "dt = {dt}");
        }
        other => panic!("expected StepSizeUnderflow, got {other}"),
    }
}

fn max_steps_is_an_error_with_t(device: &Device) {
    let a = spiral_matrix(device);
    let f = spiral(&a);
    let opts = SolveOptions::adaptive(1e-5, 1e-7).with_max_steps(10);
    match solve(&f, tensor(&[[2.0, 0.0]], device), &[0.0, 25.0], &opts).unwrap_err() {
        SolveError::MaxStepsExceeded { t, max_steps } => {
            assert_eq!(max_steps, 10);
            assert!(t > 0.0 && t < 25.0, "t = {t}");
        }
        other => panic!("expected MaxStepsExceeded, got {other}"),
    }
}

/// Prothero–Robinson, `y' = −1000 (y − cos t) − sin t`, `y(0) = 1`, exact `cos t`, in f32 with
/// differenced Jacobians: the difference step follows the device's precision (an f64-sized step
/// vanishes in f32 and leaves a zero Jacobian), so the implicit methods keep their few steps.
fn implicit_methods_in_f32(device: &Device) {
    let f = |t: f64, y: &Tensor<2>| {
        let c = y.clone().zeros_like().add_scalar(t.cos());
        (y.clone() - c).mul_scalar(-1000.0).sub_scalar(t.sin())
    };
    let ts = [0.0, 0.5, 1.0, 2.0];
    // Step budgets: 12 and 125 measured; a zero Jacobian would need over a thousand.
    for (method, budget) in [(Method::Rodas5p, 60), (Method::Rosenbrock23, 150)] {
        let opts = SolveOptions::adaptive(1e-4, 1e-6).with_method(method);
        let sol = solve(&f, tensor(&[[1.0], [1.0]], device), &ts, &opts).unwrap();
        for (t, y) in ts.iter().zip(&sol.ys) {
            let err = max_abs_diff(&values(y), &[t.cos(), t.cos()]);
            assert!(
                err < 2e-4,
                "{method} t = {t}: error {err:e}, {:?}",
                sol.stats
            );
        }
        // DOPRI5 needs about 600 steps for stability alone.
        assert!(
            sol.stats.accepted_steps < budget,
            "{method}: {:?}",
            sol.stats
        );
    }
}

all_backend_tests!(F32;
    implicit_methods_in_f32,
    exponential_decay_dopri5,
    exponential_decay_tsit5,
    exponential_decay_bosh3,
    exponential_decay_dop853,
    rotation_decay_matches_the_matrix_exponential,
    rotation_decay_with_fixed_rk4,
    non_autonomous_forced_decay,
    backward_integration_recovers_the_start,
    dense_output_does_not_force_steps,
    loose_tolerance_takes_far_fewer_steps,
    batch_shares_one_step_size,
    fsal_methods_reuse_their_last_stage_at_fixed_steps,
    bad_time_grids_are_rejected,
    bad_options_are_rejected,
    non_finite_initial_state_is_rejected,
    wrong_derivative_shape_is_rejected,
    non_finite_state_is_an_error_with_t,
    step_size_underflow_below_min_step,
    max_steps_is_an_error_with_t,
);
