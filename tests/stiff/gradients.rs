//! Gradients of stiff solves: the interpolating adjoint with Rodas5P forward and backward
//! against exact gradients of a stiff linear system and finite differences of a stiff MLP;
//! what the other gradient methods do with implicit methods.

use burn::Tensor;
use burn::module::{Module, Param};
use burn::tensor::TensorData;
use neurode::adjoint::{AdjointOptions, GradientMethod, NeuralDynamics, odeint};
use neurode::solvers::{Method, SolveError, SolveOptions, solve};

use crate::common::*;

/// `y' = y P diag(λ) P⁻¹` with `P = [[1, 1], [0, 1]]`: eigenvalues `λ` (learnable) and a fixed
/// coupling, so the system is stiff in both components for λ = (−1, −10⁴).
#[derive(Module, Debug)]
struct Modal {
    lambda: Param<Tensor<1>>,
}

impl NeuralDynamics for Modal {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        let device = y.device();
        let p = tensor(&[[1.0, 1.0], [0.0, 1.0]], &device);
        let p_inv = tensor(&[[1.0, -1.0], [0.0, 1.0]], &device);
        let z = y.matmul(p) * self.lambda.val().reshape([1, 2]);
        z.matmul(p_inv)
    }
}

/// A small MLP with a stiff linear part: `f(y) = tanh(yW)V + y ⊙ (−1, −1000)`.
#[derive(Module, Debug)]
struct StiffMlp {
    w: Param<Tensor<2>>,
    v: Param<Tensor<2>>,
}

impl NeuralDynamics for StiffMlp {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        let decay = tensor(&[[-1.0, -1000.0]], &y.device());
        y.clone().matmul(self.w.val()).tanh().matmul(self.v.val()) + y * decay
    }
}

fn param<const D: usize>(values: Vec<f64>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

fn rodas(tol: f64) -> SolveOptions {
    SolveOptions::adaptive(tol, tol).with_method(Method::Rodas5p)
}

fn interpolated(tol: f64) -> GradientMethod {
    GradientMethod::Interpolated(AdjointOptions::new().with_solve(rodas(tol)))
}

/// `L = Σₖ y(tₖ)·wₖ` through `odeint` with the interpolating adjoint; (∂L/∂y₀, ∂L/∂θ).
fn adjoint_gradients<M: NeuralDynamics>(
    model: &M,
    y0: [f64; 2],
    ts: &[f64],
    w: &[[f64; 2]],
    device: &Device,
) -> (Vec<f64>, Vec<f64>) {
    let traj = odeint(
        model,
        tensor(&[y0], device),
        ts,
        &rodas(1e-10),
        &interpolated(1e-10),
    )
    .unwrap();
    let weights: Vec<f64> = w.iter().flatten().copied().collect();
    let weights = Tensor::<3>::from_data(TensorData::new(weights, [ts.len(), 1, 2]), device);
    let loss = (traj.ys.clone() * weights).sum();
    let grads = traj.backward(loss).unwrap();
    (values(&grads.y0), grad_values(model, &grads.params))
}

const TS: [f64; 5] = [0.0, 1e-4, 1e-3, 0.5, 1.0];
const W: [[f64; 2]; 5] = [
    [0.0, 0.0],
    [1.0, -0.5],
    [0.3, 2.0],
    [-1.0, 0.7],
    [0.5, 0.25],
];

/// The stiff linear system against its exact gradients: in modal coordinates `z = yP`,
/// `zᵢ(t) = z₀ᵢ e^{λᵢt}` and `L = Σₖ z(tₖ)·vₖ` with `vₖ = P⁻¹wₖ`.
fn stiff_linear_adjoint_is_exact(device: &Device) {
    let ad = device.clone().autodiff();
    let lambda = [-1.0, -1e4];
    let model = Modal {
        lambda: param(lambda.to_vec(), [2], &ad),
    };
    let y0 = [1.0, 0.5];
    let (dy0, dlambda) = adjoint_gradients(&model, y0, &TS, &W, &ad);
    let z0 = [y0[0], y0[0] + y0[1]];
    let v = |k: usize| [W[k][0] - W[k][1], W[k][1]];
    let mut dz0 = [0.0; 2];
    let mut want_lambda = [0.0; 2];
    for (k, t) in TS.iter().enumerate() {
        for i in 0..2 {
            let e = (lambda[i] * t).exp();
            dz0[i] += v(k)[i] * e;
            want_lambda[i] += v(k)[i] * z0[i] * t * e;
        }
    }
    // dL/dy0 = P dL/dz0.
    let want_y0 = [dz0[0] + dz0[1], dz0[1]];
    // 5e-12 and 1e-13 measured (the issue asks 1e-6).
    assert!(rel_err(&dy0, &want_y0) < 1e-9, "{dy0:?} vs {want_y0:?}");
    assert!(
        rel_err(&dlambda, &want_lambda) < 1e-9,
        "{dlambda:?} vs {want_lambda:?}"
    );
}

/// The stiff MLP against central finite differences (step 1e-4) of Rodas5P solves at 1e-12.
fn stiff_mlp_adjoint_matches_finite_differences(device: &Device) {
    let ad = device.clone().autodiff();
    let w0 = vec![0.5, -0.3, 0.8, 0.2, -0.6, 0.4];
    let v0 = vec![0.7, -0.2, 0.1, 0.9, -0.4, 0.3];
    let build = |w: Vec<f64>, v: Vec<f64>, dev: &Device| StiffMlp {
        w: param(w, [2, 3], dev),
        v: param(v, [3, 2], dev),
    };
    let ts = [0.0, 0.5, 1.0];
    let weights = [[0.0, 0.0], [1.0, 2.0], [-0.5, 1.5]];
    let y0 = [1.0, 1.0];
    let model = build(w0.clone(), v0.clone(), &ad);
    let (dy0, dtheta) = adjoint_gradients(&model, y0, &ts, &weights, &ad);
    let loss = |theta: &[f64], y0: [f64; 2]| -> f64 {
        let plain = build(theta[..6].to_vec(), theta[6..].to_vec(), device);
        let f = |t: f64, y: &Tensor<2>| plain.forward(t, y.clone());
        let sol = solve(&f, tensor(&[y0], device), &ts, &rodas(1e-12)).unwrap();
        sol.ys
            .iter()
            .zip(&weights)
            .map(|(y, w)| values(y).iter().zip(w).map(|(a, b)| a * b).sum::<f64>())
            .sum()
    };
    let theta: Vec<f64> = w0.iter().chain(&v0).copied().collect();
    let eps = 1e-4;
    let fd_theta: Vec<f64> = (0..theta.len())
        .map(|i| {
            let (mut up, mut down) = (theta.clone(), theta.clone());
            up[i] += eps;
            down[i] -= eps;
            (loss(&up, y0) - loss(&down, y0)) / (2.0 * eps)
        })
        .collect();
    let fd_y0: Vec<f64> = (0..2)
        .map(|i| {
            let (mut up, mut down) = (y0, y0);
            up[i] += eps;
            down[i] -= eps;
            (loss(&theta, up) - loss(&theta, down)) / (2.0 * eps)
        })
        .collect();
    // 1.6e-8 and 1.5e-9 measured: the differences' own error (solves at 1e-12, step 1e-4).
    assert!(
        rel_err(&dtheta, &fd_theta) < 1e-7,
        "{dtheta:?} vs {fd_theta:?}"
    );
    assert!(rel_err(&dy0, &fd_y0) < 1e-7, "{dy0:?} vs {fd_y0:?}");
}

/// Backprop, checkpointed backprop and the backsolve adjoint refuse implicit methods with
/// errors that name the way that works.
fn taped_gradients_refuse_implicit_methods(device: &Device) {
    let ad = device.clone().autodiff();
    let model = Modal {
        lambda: param(vec![-1.0, -1e4], [2], &ad),
    };
    let y0 = tensor(&[[1.0, 0.5]], &ad);
    for method in [
        GradientMethod::Backprop,
        GradientMethod::Checkpointed(neurode::adjoint::CheckpointOptions::new()),
        GradientMethod::Adjoint(AdjointOptions::new().with_solve(rodas(1e-6))),
    ] {
        let opts = if matches!(method, GradientMethod::Adjoint(_)) {
            SolveOptions::adaptive(1e-6, 1e-6)
        } else {
            rodas(1e-6)
        };
        let Err(err) = odeint(&model, y0.clone(), &[0.0, 1.0], &opts, &method) else {
            panic!("implicit methods must be refused here");
        };
        let message = err.to_string();
        assert!(message.contains("rodas5p"), "{message}");
        assert!(
            matches!(
                err,
                neurode::adjoint::AdjointError::Forward(SolveError::ExplicitOnly { .. })
                    | neurode::adjoint::AdjointError::BackwardOptions(
                        SolveError::ExplicitOnly { .. }
                    )
            ),
            "{message}"
        );
    }
}

cpu_backend_tests!(F64;
    stiff_linear_adjoint_is_exact,
    stiff_mlp_adjoint_matches_finite_differences,
    taped_gradients_refuse_implicit_methods,
);
