//! Checkpointed backprop and the interpolating adjoint in f64 on the CPU backends:
//! checkpointed gradients equal backprop's to rounding for every budget, fixed and adaptive
//! steps; on a strongly contracting system the backsolve adjoint is wrong while both new
//! methods match backprop; the work they report.

#[macro_use]
mod common;

use burn::module::{Module, Param};
use common::nets::TanhMlp;
use common::problems::linspace;
use common::*;
use neurode::adjoint::{
    AdjointError, AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics, OdeGradients,
    odeint,
};
use neurode::models::{Init, ResidualConfig};
use neurode::solvers::{Convention, Method, SolveOptions};

const Y0: [[f64; 2]; 3] = [[1.0, -0.5], [0.3, 0.8], [-0.7, 0.2]];

/// Gradients of a loss on the whole trajectory (weighted squares at every output time).
fn gradients<M: NeuralDynamics>(
    model: &M,
    ts: &[f64],
    opts: &SolveOptions,
    method: GradientMethod,
    device: &Device,
) -> (Vec<f64>, Vec<f64>, OdeGradients) {
    let traj = odeint(model, tensor(&Y0, device), ts, opts, &method).unwrap();
    let n = ts.len();
    let w: Vec<f64> = (1..=n).map(|i| i as f64 / n as f64).collect();
    let w = Tensor::<3>::from_data(burn::tensor::TensorData::new(w, [n, 1, 1]), device);
    let ys = traj.ys.clone();
    let loss = (ys.clone() * ys * w).sum() + traj.ys.clone().sum().mul_scalar(0.3);
    let g = traj.backward(loss).unwrap();
    (grad_values(model, &g.params), values(&g.y0), g)
}

fn checkpointed(budget: Option<usize>) -> GradientMethod {
    GradientMethod::Checkpointed(CheckpointOptions::new().with_checkpoints(budget))
}

/// For each solve and every budget from one state to one per step: the gradients of
/// backprop to 1e-12, every step re-run on the tape exactly once, the budget respected.
fn equal_to_backprop<M: NeuralDynamics>(model: &M, device: &Device, solves: &[SolveOptions]) {
    let ts = linspace(0.0, 1.5, 7);
    for opts in solves {
        let (gb, yb, b) = gradients(model, &ts, opts, GradientMethod::Backprop, device);
        let n = b.forward.accepted_steps;
        for budget in [
            Some(1),
            Some(2),
            Some(3),
            Some(5),
            Some(n / 2),
            Some(n + 1),
            None,
        ] {
            let (gc, yc, c) = gradients(model, &ts, opts, checkpointed(budget), device);
            let what = format!("{:?} {:?}, budget {budget:?}", opts.method, opts.stepping);
            assert!(rel_err(&gc, &gb) < 1e-12, "{what}: θ {}", rel_err(&gc, &gb));
            assert!(
                rel_err(&yc, &yb) < 1e-12,
                "{what}: y0 {}",
                rel_err(&yc, &yb)
            );
            assert_eq!(c.forward.accepted_steps, n, "{what}");
            assert_eq!(c.backward.accepted_steps, n, "{what}: each step taped once");
            if let Some(budget) = budget {
                assert!(c.checkpoints <= budget.max(1), "{what}: {}", c.checkpoints);
            }
            if budget == Some(n + 1) && opts.is_fixed_step() {
                assert_eq!(
                    c.recompute.accepted_steps, 0,
                    "{what}: nothing to recompute"
                );
            }
            if budget == Some(1) {
                // Only y0: step i is recomputed i times from it.
                assert_eq!(c.recompute.accepted_steps, n * (n - 1) / 2, "{what}");
            }
        }
    }
}

fn solves() -> Vec<SolveOptions> {
    vec![
        SolveOptions::steps(Method::Rk4, 24),
        SolveOptions::step_size(Method::Euler, 0.07),
        SolveOptions::adaptive(1e-7, 1e-9),
        SolveOptions::adaptive(1e-7, 1e-9).with_method(Method::Dop853),
        SolveOptions::adaptive(1e-6, 1e-8).with_convention(Convention::Torchdiffeq),
    ]
}

fn checkpointed_equals_backprop_on_a_tanh_mlp(device: &Device) {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 16, true, 5, &ad);
    equal_to_backprop(&model, &ad, &solves());
}

fn checkpointed_equals_backprop_on_residual_64(device: &Device) {
    let ad = device.clone().autodiff();
    let model = ResidualConfig::new()
        .init(2, &mut Init::new(3), &ad)
        .unwrap();
    let solves = [
        SolveOptions::steps(Method::Rk4, 30),
        SolveOptions::adaptive(1e-6, 1e-8),
    ];
    equal_to_backprop(&model, &ad, &solves);
}

fn a_budget_of_zero_is_refused(device: &Device) {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 4, false, 1, &ad);
    let opts = SolveOptions::steps(Method::Rk4, 4);
    let err = odeint(
        &model,
        tensor(&Y0, &ad),
        &[0.0, 1.0],
        &opts,
        &checkpointed(Some(0)),
    )
    .err()
    .unwrap();
    assert_eq!(err, AdjointError::NoCheckpoints);
    assert!(err.to_string().contains("at least 1"), "{err}");
}

// ---- a strongly contracting system: why the backsolve adjoint is not enough -----------------

/// `y' = −κ ⊙ y + tanh(y W + b)` with `κ = (50, 0.5)`: the first component falls onto its
/// slow manifold within ~0.1 time units (backwards in time, an expansion by `e^{50 t}`), the
/// second moves slowly and keeps the adjoint alive over the whole span.
///
/// (With the same fast rate in every direction, `κ = (50, 50)`, the backsolve's error in `y`
/// grows exactly as fast as the adjoint decays, their product stays at rounding level, and
/// the backsolve's gradients are right to ~1e-11: measured. A slow mode beside the fast one
/// is what exposes it.)
#[derive(Module, Debug)]
struct Contracting {
    w: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
}

impl NeuralDynamics for Contracting {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        let kappa = burn::tensor::TensorData::new(vec![50.0, 0.5], [1, 2]);
        let kappa = Tensor::<2>::from_data(kappa, &y.device());
        let drive = (y.clone().matmul(self.w.val()) + self.b.val().unsqueeze::<2>()).tanh();
        drive - y * kappa
    }
}

fn contracting_system_needs_more_than_the_backsolve(device: &Device) {
    let ad = device.clone().autodiff();
    let model = Contracting {
        w: Param::from_tensor(tensor(&[[0.8, -1.1], [0.6, 0.9]], &ad)),
        b: Param::from_tensor(Tensor::from_data(
            burn::tensor::TensorData::new(vec![0.7, -0.4], [2]),
            &ad,
        )),
    };
    let ts = linspace(0.0, 5.0, 6);
    let opts = SolveOptions::adaptive(1e-10, 1e-12);
    let backward = AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-10, 1e-12));
    let (gb, yb, _) = gradients(&model, &ts, &opts, GradientMethod::Backprop, &ad);
    // The backsolve adjoint reconstructs y(t) backwards from y(5): its error grows like e^{50t}.
    let traj = odeint(
        &model,
        tensor(&Y0, &ad),
        &ts,
        &opts,
        &GradientMethod::Adjoint(backward.clone()),
    )
    .unwrap();
    let loss = traj.ys.clone().powi_scalar(2).sum();
    match traj.backward(loss) {
        Ok(g) => {
            let ga = grad_values(&model, &g.params);
            let (gb_sq, _, _) = square_loss_gradients(&model, &ts, &opts, &ad);
            assert!(
                rel_err(&ga, &gb_sq) > 0.01,
                "the backsolve adjoint should be wrong here: {}",
                rel_err(&ga, &gb_sq)
            );
        }
        Err(e) => assert!(matches!(e, AdjointError::Backward { .. }), "{e}"),
    }
    for method in [
        GradientMethod::Interpolated(backward.clone()),
        GradientMethod::Interpolated(backward.clone().with_seminorm(true)),
        checkpointed(None),
    ] {
        let (g, y, _) = gradients(&model, &ts, &opts, method.clone(), &ad);
        assert!(
            rel_err(&g, &gb) < 1e-6,
            "{method:?}: θ {}",
            rel_err(&g, &gb)
        );
        assert!(
            rel_err(&y, &yb) < 1e-6,
            "{method:?}: y0 {}",
            rel_err(&y, &yb)
        );
    }
}

/// Backprop's gradients of `Σ y²` over the trajectory (the backsolve test's loss).
fn square_loss_gradients<M: NeuralDynamics>(
    model: &M,
    ts: &[f64],
    opts: &SolveOptions,
    device: &Device,
) -> (Vec<f64>, Vec<f64>, OdeGradients) {
    let traj = odeint(
        model,
        tensor(&Y0, device),
        ts,
        opts,
        &GradientMethod::Backprop,
    )
    .unwrap();
    let loss = traj.ys.clone().powi_scalar(2).sum();
    let g = traj.backward(loss).unwrap();
    (grad_values(model, &g.params), values(&g.y0), g)
}

fn interpolated_matches_backprop_on_a_tanh_mlp(device: &Device) {
    let ad = device.clone().autodiff();
    let model = TanhMlp::new(2, 16, true, 5, &ad);
    let ts = linspace(0.0, 1.5, 7);
    let opts = SolveOptions::adaptive(1e-11, 1e-13);
    let tight = SolveOptions::adaptive(1e-11, 1e-13);
    let (gb, yb, _) = gradients(&model, &ts, &opts, GradientMethod::Backprop, &ad);
    let interpolated = GradientMethod::Interpolated(AdjointOptions::new().with_solve(tight));
    let (gi, yi, i) = gradients(&model, &ts, &opts, interpolated, &ad);
    assert!(rel_err(&gi, &gb) < 1e-7, "θ {}", rel_err(&gi, &gb));
    assert!(rel_err(&yi, &yb) < 1e-7, "y0 {}", rel_err(&yi, &yb));
    assert!(i.backward.nfe > 0 && i.recompute.nfe == 0 && i.checkpoints == 0);
}

cpu_backend_tests!(F64;
    checkpointed_equals_backprop_on_a_tanh_mlp,
    checkpointed_equals_backprop_on_residual_64,
    a_budget_of_zero_is_refused,
    contracting_system_needs_more_than_the_backsolve,
    interpolated_matches_backprop_on_a_tanh_mlp,
);
