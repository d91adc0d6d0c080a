//! Rosenbrock solves against references, and their orders of convergence.

use burn::Tensor;
use neurode::solvers::{
    Adaptive, Method, PiController, SolveOptions, Stepping, WithJacobian, solve,
};

use super::problems::*;
use crate::common::problems::*;
use crate::common::*;

/// Robertson over [0, 100] at rtol = atol = 1e-8 with Rodas5P and diffrax's step-size rule
/// (its `PIDController` defaults: the integral rule): diffrax's Kvaerno5 value to 1e-6
/// relative, in at most 1.5 × its 34 steps, with a differenced and with the exact Jacobian.
fn robertson_rodas5p_matches_diffrax(device: &Device) {
    let adaptive = Adaptive::new(1e-8, 1e-8).with_controller(PiController::integral());
    let opts = SolveOptions::new()
        .with_method(Method::Rodas5p)
        .with_stepping(Stepping::Adaptive(adaptive));
    let y0 = tensor(&[[1.0, 0.0, 0.0]], device);
    let differenced = solve(&robertson, y0.clone(), &[0.0, 100.0], &opts).unwrap();
    let exact_jac = WithJacobian::new(robertson, robertson_jacobian).autonomous();
    let exact = solve(&exact_jac, y0, &[0.0, 100.0], &opts).unwrap();
    for sol in [&differenced, &exact] {
        let err = max_rel_err(&values(sol.last()), &ROBERTSON_AT_100, 0.0);
        assert!(err < 1e-6, "relative error {err:e}, {:?}", sol.stats);
        assert!(sol.stats.accepted_steps <= 51, "{:?}", sol.stats);
        assert_eq!(
            sol.stats.jacobians, sol.stats.accepted_steps,
            "{:?}",
            sol.stats
        );
    }
    // f(t₀, y₀) and the initial step's probe; per Jacobian 3 differenced columns and ∂f/∂t;
    // per attempt 7 new stages; per accepted step but the last, f at its end.
    let s = differenced.stats;
    let expected = 2 + 4 * s.jacobians + 7 * s.lu_factorizations + s.accepted_steps - 1;
    assert_eq!(s.nfe, expected, "{s:?}");
}

/// Rosenbrock23 at loose tolerances (1e-4 relative, 1e-8 absolute): the same values to the
/// tolerance's order, in a few dozen steps.
fn robertson_rosenbrock23_at_loose_tolerance(device: &Device) {
    let opts = SolveOptions::adaptive(1e-4, 1e-8).with_method(Method::Rosenbrock23);
    let y0 = tensor(&[[1.0, 0.0, 0.0]], device);
    let sol = solve(&robertson, y0, &[0.0, 100.0], &opts).unwrap();
    let err = max_rel_err(&values(sol.last()), &ROBERTSON_AT_100, 0.0);
    assert!(err < 2e-3, "relative error {err:e}, {:?}", sol.stats);
    assert!(sol.stats.accepted_steps < 100, "{:?}", sol.stats);
}

/// Van der Pol μ = 1000 over [0, 3000] against scipy's Radau at 1e-12, at every 250.
fn van_der_pol_rodas5p_matches_radau(device: &Device) {
    let reference = van_der_pol_reference();
    let ts: Vec<f64> = reference.iter().map(|(t, _)| *t).collect();
    let opts = SolveOptions::adaptive(1e-10, 1e-10).with_method(Method::Rodas5p);
    let sol = solve(&van_der_pol, tensor(&[[2.0, 0.0]], device), &ts, &opts).unwrap();
    for ((t, want), got) in reference.iter().zip(&sol.ys) {
        let err = max_abs_diff(&values(got), want);
        assert!(
            err < 1e-5,
            "t = {t}: {:?} vs {want:?}, {:?}",
            values(got),
            sol.stats
        );
    }
}

/// HIRES at t = 321.8122 against the published reference.
fn hires_rodas5p_matches_the_test_set(device: &Device) {
    let opts = SolveOptions::adaptive(1e-10, 1e-12).with_method(Method::Rodas5p);
    let sol = solve(&hires, tensor(&[HIRES_Y0], device), &[0.0, 321.8122], &opts).unwrap();
    let err = max_rel_err(&values(sol.last()), &HIRES_AT_END, 0.0);
    assert!(err < 1e-7, "relative error {err:e}, {:?}", sol.stats);
}

/// Fitted slope of log error against log h over the three smallest steps above round-off.
fn observed_order(mut error_at: impl FnMut(usize) -> f64, t_end: f64) -> f64 {
    let mut points = Vec::new();
    for k in 1..=12 {
        let n = 1usize << k;
        let err = error_at(n);
        if err < 1e-13 {
            break;
        }
        if err < 1e-2 {
            points.push(((t_end / n as f64).ln(), err.ln()));
        }
    }
    let p = &points[points.len().saturating_sub(3)..];
    assert_eq!(p.len(), 3, "too few points: {points:?}");
    let (mx, my) = (
        p.iter().map(|q| q.0).sum::<f64>() / 3.0,
        p.iter().map(|q| q.1).sum::<f64>() / 3.0,
    );
    let sxy: f64 = p.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = p.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// Fixed steps on a linear system (eigenvalues −1 and −4; exact by diagonalisation)
/// and on the nonlinear, non-autonomous `mixed` pair, both with exact Jacobians: the fitted
/// slope is the method's order, from 0.3 below to 0.7 above (Rodas5P reaches round-off
/// within four halvings, where its fitted slopes read 5.5–5.6; Rosenbrock23's read 2.0).
fn rosenbrock_convergence_orders(device: &Device) {
    for method in [Method::Rosenbrock23, Method::Rodas5p] {
        let order = f64::from(method.order());
        // y₁' = −y₁ + 3y₂, y₂' = −4y₂ from (1, 1): y = (2e^{−t} − e^{−4t}, e^{−4t}).
        let a = tensor(&[[-1.0, 0.0], [3.0, -4.0]], device);
        let linear = WithJacobian::new(
            |_t: f64, y: &Tensor<2>| y.clone().matmul(a.clone()),
            |_t: f64, _y: &Tensor<2>| vec![-1.0, 3.0, 0.0, -4.0],
        )
        .autonomous();
        let t_end: f64 = 10.0;
        let exact = [
            2.0 * (-t_end).exp() - (-4.0 * t_end).exp(),
            (-4.0 * t_end).exp(),
        ];
        let slope = observed_order(
            |n| {
                let opts = SolveOptions::new()
                    .with_method(method)
                    .with_stepping(Stepping::Steps(n));
                let sol = solve(&linear, tensor(&[[1.0, 1.0]], device), &[0.0, t_end], &opts);
                max_abs_diff(&values(sol.unwrap().last()), &exact)
            },
            t_end,
        );
        assert!(
            (order - 0.3..=order + 0.7).contains(&slope),
            "{method} linear: slope {slope:.3}"
        );
        let nonlinear = WithJacobian::new(
            |t: f64, y: &Tensor<2>| mixed(t, y, device),
            |_t: f64, y: &Tensor<2>| {
                let z = values(y)[1];
                vec![-1.0, 0.0, 0.0, 1.0 - 2.0 * z]
            },
        );
        let t_end = 10.0;
        let exact = mixed_exact(t_end);
        let slope = observed_order(
            |n| {
                let opts = SolveOptions::new()
                    .with_method(method)
                    .with_stepping(Stepping::Steps(n));
                let sol = solve(
                    &nonlinear,
                    tensor(&[[1.0, 0.2]], device),
                    &[0.0, t_end],
                    &opts,
                );
                max_abs_diff(&values(sol.unwrap().last()), &exact)
            },
            t_end,
        );
        assert!(
            (order - 0.3..=order + 0.7).contains(&slope),
            "{method} nonlinear: slope {slope:.3}"
        );
    }
}

cpu_backend_tests!(F64;
    robertson_rodas5p_matches_diffrax,
    robertson_rosenbrock23_at_loose_tolerance,
    van_der_pol_rodas5p_matches_radau,
    hires_rodas5p_matches_the_test_set,
    rosenbrock_convergence_orders,
);
