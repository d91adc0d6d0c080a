//! Gradients through solves in f64 on the CPU backends: every method against exact gradients
//! of a linear ODE, against each other and finite differences on a tanh MLP, the seminorm, an
//! optimizer step, and every error.

#[macro_use]
mod common;

use burn::optim::{AdamConfig, GradientsParams};
use common::nets::{LinearField, TanhMlp};
use common::problems::*;
use common::*;
use neurode::adjoint::{
    AdjointError, AdjointOptions, CheckpointOptions, GradientMethod, adjoint_backward, odeint,
};
use neurode::solvers::{SolveOptions, solve};

fn tight() -> SolveOptions {
    SolveOptions::adaptive(1e-11, 1e-13)
}

fn tight_adjoint() -> GradientMethod {
    GradientMethod::Adjoint(AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-11, 1e-13)))
}

fn tight_interpolated() -> GradientMethod {
    let solve = SolveOptions::adaptive(1e-11, 1e-13);
    GradientMethod::Interpolated(AdjointOptions::new().with_solve(solve))
}

/// Checkpointed backprop with a budget small enough to recompute.
fn checkpointed() -> GradientMethod {
    GradientMethod::Checkpointed(CheckpointOptions::with_budget(3))
}

// ---- matrix exponential (scaling and squaring with Taylor), for exact gradients -----------

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            for j in 0..n {
                c[i * n + j] += a[i * n + k] * b[k * n + j];
            }
        }
    }
    c
}

fn expm(a: &[f64], n: usize) -> Vec<f64> {
    let norm = a.iter().fold(0.0f64, |m, x| m.max(x.abs())) * n as f64;
    let squarings = norm.log2().ceil().max(0.0) as i32 + 4;
    let scaled: Vec<f64> = a.iter().map(|x| x / 2f64.powi(squarings)).collect();
    let mut result: Vec<f64> = (0..n * n)
        .map(|i| if i % (n + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    let mut term = result.clone();
    for k in 1..30 {
        term = matmul(&term, &scaled, n)
            .iter()
            .map(|x| x / k as f64)
            .collect();
        result.iter_mut().zip(&term).for_each(|(r, t)| *r += t);
    }
    for _ in 0..squarings {
        result = matmul(&result, &result, n);
    }
    result
}

/// `∂ exp(M T) / ∂M_ij` as the upper-right block of `exp([[MT, E_ij T], [0, MT]])`.
fn expm_derivative(m: &[f64], t: f64, i: usize, j: usize) -> Vec<f64> {
    let mut big = vec![0.0; 16];
    for r in 0..2 {
        for c in 0..2 {
            big[r * 4 + c] = m[r * 2 + c] * t;
            big[(r + 2) * 4 + c + 2] = m[r * 2 + c] * t;
        }
    }
    big[i * 4 + j + 2] = t;
    let e = expm(&big, 4);
    vec![e[2], e[3], e[6], e[7]]
}

const M: [f64; 4] = [-0.3, 1.1, -0.8, -0.2];
const Y0: [[f64; 2]; 2] = [[1.0, 0.5], [-0.3, 2.0]];
const C: [f64; 2] = [0.7, -1.3];
const T_END: f64 = 1.5;

/// `L = Σ_b y_b(T)·c` for `y' = y M`: `y_b(T) = y0_b E`, `E = exp(M T)`.
fn exact_linear_gradients() -> (Vec<f64>, Vec<f64>) {
    let e = expm(&M.iter().map(|x| x * T_END).collect::<Vec<_>>(), 2);
    // dL/dy0_b = E cᵀ (the same for every row).
    let ec = [e[0] * C[0] + e[1] * C[1], e[2] * C[0] + e[3] * C[1]];
    let dy0: Vec<f64> = Y0.iter().flat_map(|_| ec).collect();
    let mut dm = Vec::new();
    for i in 0..2 {
        for j in 0..2 {
            let d = expm_derivative(&M, T_END, i, j);
            let dc = [d[0] * C[0] + d[1] * C[1], d[2] * C[0] + d[3] * C[1]];
            dm.push(Y0.iter().map(|y| y[0] * dc[0] + y[1] * dc[1]).sum());
        }
    }
    (dy0, dm)
}

fn linear_ode_gradients_are_exact(device: &Device, method: GradientMethod) {
    let ad = device.clone().autodiff();
    let model = LinearField::new(&M, 2, &ad);
    let ts = [0.0, 0.4, 1.1, T_END];
    let traj = odeint(&model, tensor(&Y0, &ad), &ts, &tight(), &method).unwrap();
    let last = traj.ys.clone().slice(3..4).reshape([2, 2]);
    let loss = (last * tensor(&[C], &ad)).sum();
    let grads = traj.backward(loss).unwrap();
    let (dy0, dm) = exact_linear_gradients();
    let got_m = values(&grads.params.get::<2>(model.m.id).unwrap());
    assert!(
        rel_err(&values(&grads.y0), &dy0) < 1e-5,
        "{:?} vs {dy0:?}",
        values(&grads.y0)
    );
    assert!(rel_err(&got_m, &dm) < 1e-5, "{got_m:?} vs {dm:?}");
}

fn linear_exact_backprop(device: &Device) {
    linear_ode_gradients_are_exact(device, GradientMethod::Backprop);
}

fn linear_exact_adjoint(device: &Device) {
    linear_ode_gradients_are_exact(device, tight_adjoint());
}

fn linear_exact_checkpointed(device: &Device) {
    linear_ode_gradients_are_exact(device, checkpointed());
}

fn linear_exact_interpolated(device: &Device) {
    linear_ode_gradients_are_exact(device, tight_interpolated());
}

fn linear_exact_adjoint_seminorm(device: &Device) {
    let opts = AdjointOptions::new()
        .with_solve(SolveOptions::adaptive(1e-11, 1e-13))
        .with_seminorm(true);
    linear_ode_gradients_are_exact(device, GradientMethod::Adjoint(opts));
}

fn weight_decay_term_reaches_the_adjoint_gradients(device: &Device) {
    // L = Σ y(T)·c + ½ Σ M²: the direct term adds M to dL/dM.
    let ad = device.clone().autodiff();
    let model = LinearField::new(&M, 2, &ad);
    for method in [tight_adjoint(), tight_interpolated(), checkpointed()] {
        let ts = [0.0, T_END];
        let traj = odeint(&model, tensor(&Y0, &ad), &ts, &tight(), &method).unwrap();
        let last = traj.ys.clone().slice(1..2).reshape([2, 2]);
        let decay = model.m.val().powi_scalar(2).sum().mul_scalar(0.5);
        let grads = traj
            .backward((last * tensor(&[C], &ad)).sum() + decay)
            .unwrap();
        let (_, dm) = exact_linear_gradients();
        let expected: Vec<f64> = dm.iter().zip(M).map(|(g, m)| g + m).collect();
        let got = values(&grads.params.get::<2>(model.m.id).unwrap());
        assert!(
            rel_err(&got, &expected) < 1e-5,
            "{method:?}: {got:?} vs {expected:?}"
        );
    }
}

// ---- tanh MLP: adjoint vs backprop vs finite differences -----------------------------------

const MLP_Y0: [[f64; 2]; 2] = [[1.0, -0.5], [0.3, 0.8]];

fn mlp_loss_tensor(ys: Tensor<3>) -> Tensor<1> {
    // Weighted squares over 10 output times: a loss on the whole trajectory.
    let [n, b, d] = ys.dims();
    let weights: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let w = Tensor::<3>::from_data(
        burn::tensor::TensorData::new(weights, [n, 1, 1]),
        &ys.device(),
    );
    (ys.clone() * ys * w).sum().div_scalar((n * b * d) as f64)
}

fn mlp_gradients(device: &Device, method: GradientMethod) -> (Vec<f64>, Vec<f64>, TanhMlp) {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 16, false, 7, &ad);
    let ts = linspace(0.0, 1.0, 10);
    let traj = odeint(&model, tensor(&MLP_Y0, &ad), &ts, &tight(), &method).unwrap();
    let loss = mlp_loss_tensor(traj.ys.clone());
    let grads = traj.backward(loss).unwrap();
    (model.flat_grad(&grads.params), values(&grads.y0), model)
}

fn mlp_loss_host(params: &[f64], y0: &[[f64; 2]; 2], device: &Device) -> f64 {
    let model = TanhMlp::from_flat(params, 2, 16, false, device);
    let f = |t: f64, y: &Tensor<2>| neurode::adjoint::NeuralDynamics::forward(&model, t, y.clone());
    let sol = solve(&f, tensor(y0, device), &linspace(0.0, 1.0, 10), &tight()).unwrap();
    mlp_loss_tensor(sol.stacked()).into_scalar::<f64>()
}

fn mlp_adjoint_matches_backprop(device: &Device) {
    let (gb, yb, _) = mlp_gradients(device, GradientMethod::Backprop);
    let (ga, ya, _) = mlp_gradients(device, tight_adjoint());
    assert!(rel_err(&ga, &gb) < 1e-4, "params: {}", rel_err(&ga, &gb));
    assert!(rel_err(&ya, &yb) < 1e-4, "y0: {}", rel_err(&ya, &yb));
}

fn mlp_gradients_match_central_differences(device: &Device) {
    let (ga, ya, model) = mlp_gradients(device, tight_adjoint());
    let (gb, _, _) = mlp_gradients(device, GradientMethod::Backprop);
    let (gi, _, _) = mlp_gradients(device, tight_interpolated());
    let (gc, _, _) = mlp_gradients(device, checkpointed());
    let base = model.flat();
    let h = 1e-5;
    // A spread of entries across every parameter tensor, and both y0 entries of a row.
    for &k in &[0usize, 5, 31, 33, 40, 50, 64, 70, 81, 97, base.len() - 1] {
        let (mut up, mut down) = (base.clone(), base.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (mlp_loss_host(&up, &MLP_Y0, device) - mlp_loss_host(&down, &MLP_Y0, device))
            / (2.0 * h);
        let all = [
            ("adjoint", ga[k]),
            ("backprop", gb[k]),
            ("interpolated", gi[k]),
            ("checkpointed", gc[k]),
        ];
        for (name, g) in all {
            assert!(
                (g - fd).abs() <= 1e-5 * fd.abs().max(1e-2),
                "param {k} {name}: {g} vs fd {fd}"
            );
        }
    }
    for (i, j) in [(0, 0), (0, 1)] {
        let (mut up, mut down) = (MLP_Y0, MLP_Y0);
        up[i][j] += h;
        down[i][j] -= h;
        let fd =
            (mlp_loss_host(&base, &up, device) - mlp_loss_host(&base, &down, device)) / (2.0 * h);
        let g = ya[i * 2 + j];
        assert!(
            (g - fd).abs() <= 1e-5 * fd.abs().max(1e-2),
            "y0[{i}][{j}]: {g} vs fd {fd}"
        );
    }
}

// ---- seminorm on the spiral ----------------------------------------------------------------

fn spiral_gradients(device: &Device, seminorm: bool) -> (Vec<f64>, usize) {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 32, true, 3, &ad);
    let ts = linspace(0.0, 5.0, 10);
    let a = spiral_matrix(device);
    let truth = solve(&spiral(&a), tensor(&[[2.0, 0.0]], device), &ts, &tight())
        .unwrap()
        .stacked();
    let opts = SolveOptions::adaptive(1e-6, 1e-8);
    let adj = AdjointOptions::new()
        .with_solve(SolveOptions::adaptive(1e-6, 1e-8))
        .with_seminorm(seminorm);
    let traj = odeint(
        &model,
        tensor(&[[2.0, 0.0]], &ad),
        &ts,
        &opts,
        &GradientMethod::Adjoint(adj),
    )
    .unwrap();
    let loss = (traj.ys.clone() - Tensor::from_inner(truth))
        .powi_scalar(2)
        .mean();
    let grads = traj.backward(loss).unwrap();
    (model.flat_grad(&grads.params), grads.backward.nfe)
}

fn seminorm_cuts_backward_nfe_with_the_same_gradient(device: &Device) {
    let (full, full_nfe) = spiral_gradients(device, false);
    let (semi, semi_nfe) = spiral_gradients(device, true);
    assert!(rel_err(&semi, &full) < 1e-3, "{}", rel_err(&semi, &full));
    assert!(
        semi_nfe < full_nfe,
        "seminorm {semi_nfe} vs full {full_nfe} backward NFE"
    );
}

// ---- optimizer ---------------------------------------------------------------------------

fn one_adam_step(device: &Device, method: GradientMethod) -> Vec<f64> {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 16, false, 7, &ad);
    let traj = odeint(
        &model,
        tensor(&MLP_Y0, &ad),
        &linspace(0.0, 1.0, 10),
        &tight(),
        &method,
    )
    .unwrap();
    let loss = mlp_loss_tensor(traj.ys.clone());
    let grads = traj.backward(loss).unwrap();
    let mut optim = AdamConfig::new().init();
    let params: GradientsParams = grads.params;
    optim.step(1e-2, model, params).flat()
}

fn adam_step_is_the_same_with_either_method(device: &Device) {
    let b = one_adam_step(device, GradientMethod::Backprop);
    let start = TanhMlp::seeded(2, 16, 7);
    assert!(
        rel_err(&b, &start) > 1e-4,
        "the step must move the parameters"
    );
    for method in [tight_adjoint(), tight_interpolated(), checkpointed()] {
        let a = one_adam_step(device, method.clone());
        assert!(
            max_abs_diff(&a, &b) < 1e-7,
            "{method:?}: {}",
            max_abs_diff(&a, &b)
        );
    }
}

// ---- errors ------------------------------------------------------------------------------

fn gradient_errors_are_typed(device: &Device) {
    let ad = device.clone().autodiff();
    let model = LinearField::new(&M, 2, &ad);
    let ts = [0.0, 0.5, 1.0];
    let opts = AdjointOptions::new();
    // Plain device: no gradients possible.
    let plain = tensor(&Y0, device);
    assert!(matches!(
        odeint(&model, plain, &ts, &tight(), &GradientMethod::Backprop),
        Err(AdjointError::NotAutodiff)
    ));
    // A non-scalar loss.
    let traj = odeint(&model, tensor(&Y0, &ad), &ts, &tight(), &tight_adjoint()).unwrap();
    let err = traj.backward(Tensor::<1>::zeros([2], &ad)).unwrap_err();
    assert_eq!(err, AdjointError::LossNotScalar(vec![2]));
    // Trajectory gradients of the wrong shape or count, and non-finite ones.
    let ys: Vec<Tensor<2>> = (0..3).map(|_| tensor(&Y0, device)).collect();
    let good: Vec<Tensor<2>> = (0..3)
        .map(|_| tensor(&[[1.0, 0.0], [0.0, 1.0]], device))
        .collect();
    let short = &good[..2];
    assert!(matches!(
        adjoint_backward(&model, &ts, &ys, short, &opts),
        Err(AdjointError::GradientShape { .. })
    ));
    let wide: Vec<Tensor<2>> = (0..3).map(|_| tensor(&[[1.0, 0.0, 0.0]], device)).collect();
    assert!(matches!(
        adjoint_backward(&model, &ts, &ys, &wide, &opts),
        Err(AdjointError::GradientShape { .. })
    ));
    let mut bad = good.clone();
    bad[1] = tensor(&[[f64::NAN, 0.0], [0.0, 1.0]], device);
    assert_eq!(
        adjoint_backward(&model, &ts, &ys, &bad, &opts).unwrap_err(),
        AdjointError::NonFiniteGradient { index: 1, t: 0.5 }
    );
    // A backward solve that cannot finish names its interval.
    let starved = AdjointOptions::new().with_solve(SolveOptions::new().with_max_steps(1));
    match adjoint_backward(&model, &ts, &ys, &good, &starved).unwrap_err() {
        AdjointError::Backward {
            index,
            t_from,
            t_to,
            ..
        } => assert_eq!((index, t_from, t_to), (2, 1.0, 0.5)),
        other => panic!("expected a backward error, got {other}"),
    }
}

cpu_backend_tests!(F64;
    linear_exact_backprop,
    linear_exact_adjoint,
    linear_exact_adjoint_seminorm,
    linear_exact_checkpointed,
    linear_exact_interpolated,
    weight_decay_term_reaches_the_adjoint_gradients,
    mlp_adjoint_matches_backprop,
    mlp_gradients_match_central_differences,
    seminorm_cuts_backward_nfe_with_the_same_gradient,
    adam_step_is_the_same_with_either_method,
    gradient_errors_are_typed,
);
