//! Hairer's stiffness test, `auto`, and what the implicit methods refuse.

use burn::Tensor;
use neurode::solvers::{
    DenseOutput, Method, RmsNorm, SolveError, SolveOptions, StepLog, replay, solve, solve_observed,
};

use super::problems::*;
use crate::common::problems::*;
use crate::common::*;

/// DOPRI5 on Van der Pol μ = 1000 stops within 300 steps with the stiffness error; DOP853
/// too; `stiff_at` says where the test fired.
fn dopri5_and_dop853_detect_van_der_pol(device: &Device) {
    for method in [Method::Dopri5, Method::Dop853] {
        let opts = SolveOptions::adaptive(1e-6, 1e-6)
            .with_method(method)
            .with_max_steps(300);
        let err = solve(
            &van_der_pol,
            tensor(&[[2.0, 0.0]], device),
            &[0.0, 3000.0],
            &opts,
        )
        .unwrap_err();
        let SolveError::Stiff { stiff_at, t, .. } = &err else {
            panic!("{method}: {err}");
        };
        assert!(*stiff_at > 0.0 && stiff_at <= t, "{err}");
        let message = err.to_string();
        assert!(
            message.contains("stiff") && message.contains("rodas5p"),
            "{message}"
        );
    }
}

/// Never on the cubic spiral or Lotka–Volterra, over thousands of checked steps.
fn no_false_alarm_on_non_stiff_problems(device: &Device) {
    let a = spiral_matrix(device);
    let opts = SolveOptions::adaptive(1e-12, 1e-12);
    let sol = solve(
        &spiral(&a),
        tensor(&[[2.0, 0.0]], device),
        &[0.0, 25.0],
        &opts,
    )
    .unwrap();
    assert!(sol.stats.accepted_steps > 1000, "{:?}", sol.stats);
    assert_eq!(sol.stats.stiff_at, None);
    let lv = |_t: f64, y: &Tensor<2>| {
        let (x, z) = (y.clone().narrow(1, 0, 1), y.clone().narrow(1, 1, 1));
        let xz = x.clone() * z.clone();
        Tensor::cat(
            vec![x.mul_scalar(1.5) - xz.clone(), xz - z.mul_scalar(3.0)],
            1,
        )
    };
    for method in [Method::Dopri5, Method::Dop853] {
        let opts = SolveOptions::adaptive(1e-12, 1e-12).with_method(method);
        let sol = solve(&lv, tensor(&[[1.0, 1.0]], device), &[0.0, 200.0], &opts).unwrap();
        assert!(sol.stats.accepted_steps > 1000, "{:?}", sol.stats);
        assert_eq!(sol.stats.stiff_at, None, "{method}");
    }
}

/// `auto` solves Van der Pol μ = 1000 over [0, 3000] to the Radau reference, switching both
/// ways, with at least 20× fewer evaluations than DOPRI5 needs.
fn auto_switches_on_van_der_pol(device: &Device) {
    let reference = van_der_pol_reference();
    let ts: Vec<f64> = reference.iter().map(|(t, _)| *t).collect();
    let opts = SolveOptions::adaptive(1e-6, 1e-6).with_method(Method::Auto);
    let sol = solve(&van_der_pol, tensor(&[[2.0, 0.0]], device), &ts, &opts).unwrap();
    for ((t, want), got) in reference.iter().zip(&sol.ys) {
        let err = max_rel_err(&values(got), want, 1.0);
        assert!(err < 1e-3, "t = {t}: {:?} vs {want:?}", values(got));
    }
    assert!(
        sol.stats.stiff_at.is_some() && sol.stats.jacobians > 0,
        "{:?}",
        sol.stats
    );
    // DOPRI5's NFE on the same problem and tolerances, on the host (a tensor solve would take
    // minutes): the count is the same, the dynamics are.
    let host = |_t: f64, y: &Vec<f64>| vec![y[1], 1000.0 * (1.0 - y[0] * y[0]) * y[1] - y[0]];
    let explicit = SolveOptions::adaptive(1e-6, 1e-6).with_max_steps(10_000_000);
    let dopri5 = solve(&host, vec![2.0, 0.0], &ts, &explicit).unwrap();
    assert!(
        dopri5.stats.nfe >= 20 * sol.stats.nfe,
        "auto {:?} vs dopri5 {:?}",
        sol.stats,
        dopri5.stats
    );
}

/// Implicit methods refuse what they do not do yet, with errors that say so.
fn implicit_methods_refuse_clearly(device: &Device) {
    let y0 = tensor(&[[1.0, 0.0, 0.0]], device);
    let torch = SolveOptions::adaptive(1e-6, 1e-6)
        .with_method(Method::Rodas5p)
        .with_convention(neurode::solvers::Convention::Torchdiffeq);
    assert!(matches!(
        torch.validate(),
        Err(SolveError::OptionNotApplicable {
            option: "convention",
            ..
        })
    ));
    let fixed_auto = SolveOptions::steps(Method::Auto, 10);
    assert!(matches!(
        fixed_auto.validate(),
        Err(SolveError::OptionNotApplicable { method: "auto", .. })
    ));
    // Observers see implicit steps (the interpolating adjoint keeps their dense output), but
    // recorded steps replay through explicit methods only.
    let opts = SolveOptions::adaptive(1e-6, 1e-6).with_method(Method::Rosenbrock23);
    let ts = [0.0, 0.3, 1.0];
    let mut dense = DenseOutput::new();
    let sol = solve_observed(&robertson, y0.clone(), &ts, &opts, &RmsNorm, &mut dense).unwrap();
    assert_eq!(dense.len(), sol.stats.accepted_steps);
    for (t, y) in ts.iter().zip(&sol.ys) {
        let err = max_abs_diff(&values(&dense.at(*t).unwrap()), &values(y));
        assert!(err < 1e-15, "t = {t}: {err:e}");
    }
    let mut log = StepLog::default();
    solve_observed(&robertson, y0.clone(), &ts, &opts, &RmsNorm, &mut log).unwrap();
    let err = replay(&robertson, y0.clone(), &log.steps, &ts, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            SolveError::ExplicitOnly {
                method: "rosenbrock23",
                ..
            }
        ),
        "{err}"
    );
    let bad =
        neurode::solvers::WithJacobian::new(robertson, |_t: f64, _y: &Tensor<2>| vec![0.0; 4]);
    let err = solve(&bad, y0, &[0.0, 1.0], &opts).unwrap_err();
    assert!(
        matches!(
            err,
            SolveError::JacobianShape {
                expected: 9,
                got: 4,
                ..
            }
        ),
        "{err}"
    );
}

cpu_backend_tests!(F64;
    dopri5_and_dop853_detect_van_der_pol,
    no_false_alarm_on_non_stiff_problems,
    auto_switches_on_van_der_pol,
    implicit_methods_refuse_clearly,
);
