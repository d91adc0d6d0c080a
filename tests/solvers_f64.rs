//! Solver accuracy in f64 on the CPU backends: empirical order of convergence of every method,
//! the paper-000 spiral against a tight reference, and tight-tolerance exact solutions.
//! (f64 is a process-wide device setting, so these live in their own test binary.)

#[macro_use]
mod common;
mod events;
mod per_row;
mod stiff;

use common::problems::*;
use common::*;
use neurode::solvers::{Method, SolveError, SolveOptions, SolveStats, Stepping, solve};

/// Least-squares slope of `log(err)` against `log(h)`.
fn fitted_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|(h, _)| h.ln()).collect();
    let ys: Vec<f64> = points.iter().map(|(_, e)| e.ln()).collect();
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// Solves the nonlinear, non-autonomous `mixed` problem on [0, 10] with 4, 8, 16, … fixed steps
/// and fits the slope of the three smallest-h errors that are still above round-off (2e-14):
/// the asymptotic range, where the leading error term dominates.
fn assert_convergence_order(device: &Device, method: Method) {
    let t_end = 10.0;
    let exact = mixed_exact(t_end);
    let f = |t: f64, y: &Tensor<2>| mixed(t, y, device);
    let mut points = Vec::new();
    for k in 2..=13 {
        let n = 1usize << k;
        let opts = SolveOptions::new()
            .with_method(method)
            .with_stepping(Stepping::Steps(n));
        let sol = solve(&f, tensor(&[[1.0, 0.2]], device), &[0.0, t_end], &opts).unwrap();
        let err = max_abs_diff(&values(sol.last()), &exact);
        if err < 2e-14 {
            break;
        }
        if err < 1e-2 {
            points.push((t_end / n as f64, err));
        }
    }
    let points = &points[points.len().saturating_sub(3)..];
    assert!(
        points.len() == 3,
        "{method}: too few points in range: {points:?}"
    );
    let slope = fitted_slope(points);
    let order = f64::from(method.order());
    assert!(
        (slope - order).abs() <= 0.3,
        "{method}: slope {slope:.3}, order {order}, {points:?}"
    );
}

per_method!(assert_convergence_order;
    order_euler => Euler,
    order_midpoint => Midpoint,
    order_heun => Heun,
    order_rk4 => Rk4,
    order_rk38 => Rk38,
    order_bosh3 => Bosh3,
    order_dopri5 => Dopri5,
    order_tsit5 => Tsit5,
    order_dop853 => Dop853,
);

fn spiral_reference(device: &Device, ts: &[f64], method: Method) -> Vec<Vec<f64>> {
    let a = spiral_matrix(device);
    let opts = SolveOptions::adaptive(1e-12, 1e-14).with_method(method);
    let sol = solve(&spiral(&a), tensor(&[[2.0, 0.0]], device), ts, &opts).unwrap();
    sol.ys.iter().map(values).collect()
}

/// Paper 000's cubic spiral, DOPRI5 at rtol 1e-5 / atol 1e-7 with 1,000 outputs on [0, 25].
fn spiral_dopri5_matches_a_tight_reference(device: &Device) {
    let ts = linspace(0.0, 25.0, 1000);
    let a = spiral_matrix(device);
    let opts = SolveOptions::adaptive(1e-5, 1e-7);
    let sol = solve(&spiral(&a), tensor(&[[2.0, 0.0]], device), &ts, &opts).unwrap();
    let reference = spiral_reference(device, &ts, Method::Dop853);
    let err = sol
        .ys
        .iter()
        .zip(&reference)
        .map(|(y, r)| max_abs_diff(&values(y), r))
        .fold(0.0, f64::max);
    assert!(err <= 1e-4, "max abs error {err:e}, stats {:?}", sol.stats);
    // Far fewer steps than outputs: the 1,000 outputs come from dense output.
    assert!(sol.stats.accepted_steps < 300, "{:?}", sol.stats);
}

fn spiral_references_from_two_methods_agree(device: &Device) {
    // Both through their own dense output, at 50 times.
    let ts = linspace(0.0, 25.0, 50);
    let a = spiral_reference(device, &ts, Method::Dop853);
    let b = spiral_reference(device, &ts, Method::Dopri5);
    let err = a
        .iter()
        .zip(&b)
        .map(|(x, y)| max_abs_diff(x, y))
        .fold(0.0, f64::max);
    assert!(err < 1e-9, "{err:e}");
}

fn spiral_forward_then_backward_returns_home(device: &Device) {
    let a = spiral_matrix(device);
    let opts = SolveOptions::adaptive(1e-10, 1e-12).with_method(Method::Tsit5);
    let fwd = solve(
        &spiral(&a),
        tensor(&[[2.0, 0.0]], device),
        &[0.0, 10.0],
        &opts,
    )
    .unwrap();
    let back = solve(&spiral(&a), fwd.last().clone(), &[10.0, 0.0], &opts).unwrap();
    let err = max_abs_diff(&values(back.last()), &[2.0, 0.0]);
    assert!(err < 1e-7, "{err:e}");
}

fn rotation_decay_to_tight_tolerance(device: &Device) {
    let y0 = [[1.0, 0.0], [0.3, -2.0]];
    let m = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(m.clone());
    let ts = linspace(0.0, 10.0, 201);
    let opts = SolveOptions::adaptive(1e-11, 1e-13);
    let sol = solve(&f, tensor(&y0, device), &ts, &opts).unwrap();
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = max_abs_diff(&values(y), &rotation_exact(&y0, *t));
        assert!(err < 1e-9, "t = {t}: error {err:e}");
    }
}

/// Solves the forced decay on [0, 8] at `n` evenly spaced outputs; max error and stats.
fn forced_max_error(device: &Device, n: usize, opts: &SolveOptions) -> (f64, SolveStats) {
    let ts = linspace(0.0, 8.0, n);
    let sol = solve(&forced, tensor(&[[1.0]], device), &ts, opts).unwrap();
    let err = ts
        .iter()
        .zip(&sol.ys)
        .map(|(t, y)| (values(y)[0] - forced_exact(*t)).abs())
        .fold(0.0, f64::max);
    (err, sol.stats)
}

fn forced_decay_to_tight_tolerance(device: &Device) {
    let opts = SolveOptions::adaptive(1e-11, 1e-13).with_method(Method::Dop853);
    let (err, _) = forced_max_error(device, 81, &opts);
    assert!(err < 1e-8, "{err:e}");
}

fn tsit5_dense_output_to_tight_tolerance(device: &Device) {
    // Its own 4th-order interpolant keeps outputs between steps as accurate as the steps; many
    // more outputs than steps, so nearly all are interpolated.
    let opts = SolveOptions::adaptive(1e-9, 1e-11).with_method(Method::Tsit5);
    let (err, stats) = forced_max_error(device, 801, &opts);
    assert!(err < 2e-8, "{err:e} {stats:?}");
    assert!(stats.accepted_steps < 200, "{stats:?}");
}

fn singularity_gives_step_size_underflow(device: &Device) {
    // y' = y² from y(0) = 1 is 1/(1 − t): the steps shrink to nothing at t = 1.
    let f = |_t: f64, y: &Tensor<2>| y.clone() * y.clone();
    let opts = SolveOptions::adaptive(1e-8, 1e-10);
    match solve(&f, tensor(&[[1.0]], device), &[0.0, 2.0], &opts).unwrap_err() {
        SolveError::StepSizeUnderflow { t, dt } => {
            assert!((t - 1.0).abs() < 1e-6, "t = {t}");
            assert!(dt.abs() < 1e-12, "dt = {dt:e}");
        }
        other => panic!("expected StepSizeUnderflow, got {other}"),
    }
}

cpu_backend_tests!(F64;
    order_euler,
    order_midpoint,
    order_heun,
    order_rk4,
    order_rk38,
    order_bosh3,
    order_dopri5,
    order_tsit5,
    order_dop853,
    spiral_dopri5_matches_a_tight_reference,
    spiral_references_from_two_methods_agree,
    spiral_forward_then_backward_returns_home,
    rotation_decay_to_tight_tolerance,
    forced_decay_to_tight_tolerance,
    tsit5_dense_output_to_tight_tolerance,
    singularity_gives_step_size_underflow,
);
