//! Continuous normalizing flows in f64 on the CPU backends: the exact log-likelihood of an
//! affine flow against its closed form, Hutchinson's estimator unbiased (value and gradient),
//! sampling then density evaluation returning the base point and log-probability, every
//! gradient method through the flow, RNODE's channels.

#[macro_use]
mod common;

use burn::module::{Module, Param};
use common::*;
use neurode::adjoint::{AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics};
use neurode::models::{
    Cnf, ConcatSquashConfig, ConcatSquashMlp, Init, JvpDynamics, LayerInit, Probe, Trace,
    standard_normal_log_prob,
};
use neurode::solvers::SolveOptions;

/// `f(t, z) = z M`: an affine flow, `z(T) = x e^{MT}`.
#[derive(Module, Debug)]
struct LinearFlow {
    m: Param<Tensor<2>>,
}

impl JvpDynamics for LinearFlow {
    fn dim(&self) -> usize {
        2
    }
    fn forward_jvp(&self, _t: f64, z: Tensor<2>, v: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        let [k, b, d] = v.dims();
        let jv = v
            .reshape([k * b, d])
            .matmul(self.m.val())
            .reshape([k, b, d]);
        (z.matmul(self.m.val()), jv)
    }
}

const M: [[f64; 2]; 2] = [[-0.3, 0.8], [-0.5, 0.4]];
const T_END: f64 = 1.3;

/// `e^{A}` by scaling and squaring with a Taylor series (2×2).
fn expm(a: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let mul = |x: [[f64; 2]; 2], y: [[f64; 2]; 2]| {
        let mut r = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                r[i][j] = x[i][0] * y[0][j] + x[i][1] * y[1][j];
            }
        }
        r
    };
    let s = 1.0 / 1024.0;
    let a = [[a[0][0] * s, a[0][1] * s], [a[1][0] * s, a[1][1] * s]];
    let (mut e, mut term) = ([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]);
    for n in 1..20 {
        term = mul(term, a);
        term = term.map(|r| r.map(|x| x / n as f64));
        for i in 0..2 {
            for j in 0..2 {
                e[i][j] += term[i][j];
            }
        }
    }
    for _ in 0..10 {
        e = mul(e, e);
    }
    e
}

fn tight() -> SolveOptions {
    SolveOptions::adaptive(1e-12, 1e-14)
}

fn affine_flow_log_likelihood_is_the_closed_form(device: &Device) {
    let flow = LinearFlow {
        m: Param::from_tensor(tensor(&M, device)),
    };
    let x = [[0.5, -1.2], [2.0, 0.3], [-0.7, -0.1]];
    // On a plain device (evaluation, no tape) and on an autodiff one (training).
    let ad = device.clone().autodiff();
    let plain = Cnf::new(flow, Trace::Exact, false)
        .log_density_with(
            tensor(&x, device),
            &fs(T_END, &tight(), &GradientMethod::Backprop),
        )
        .unwrap();
    assert!(plain.trajectory.is_none());
    let cnf = Cnf::new(
        LinearFlow {
            m: Param::from_tensor(tensor(&M, &ad)),
        },
        Trace::Exact,
        false,
    );
    let taped = cnf
        .log_density_with(
            tensor(&x, &ad),
            &fs(T_END, &tight(), &GradientMethod::Backprop),
        )
        .unwrap();
    assert!(max_abs_diff(&values(&plain.log_px), &values(&taped.log_px)) < 1e-12);
    let out = plain;
    let e = expm(M.map(|r| r.map(|v| v * T_END)));
    let trace = M[0][0] + M[1][1];
    let got = values(&out.log_px);
    for (i, row) in x.iter().enumerate() {
        let z = [
            row[0] * e[0][0] + row[1] * e[1][0],
            row[0] * e[0][1] + row[1] * e[1][1],
        ];
        let log_n = -0.5 * (z[0] * z[0] + z[1] * z[1]) - (2.0 * std::f64::consts::PI).ln();
        let exact = log_n + T_END * trace;
        assert!(
            (got[i] - exact).abs() < 1e-6,
            "row {i}: {} vs {exact}",
            got[i]
        );
        let end = values(&out.end);
        assert!((end[2 * i] - z[0]).abs() < 1e-8 && (end[2 * i + 1] - z[1]).abs() < 1e-8);
    }
}

/// RNODE's channels of the affine flow in closed form: `∫₀ᵀ ‖∂f/∂z‖²_F = T ‖M‖²_F` (exact
/// trace), `T ‖ε M‖²` per row with a fixed Hutchinson probe `ε`, and the kinetic energy
/// `∫₀ᵀ ‖x e^{Mt}‖² dt` (Simpson's rule on 2,000 intervals of the exact solution).
fn rnode_channels_are_the_closed_form(device: &Device) {
    let flow = || LinearFlow {
        m: Param::from_tensor(tensor(&M, device)),
    };
    let x = [[0.5, -1.2], [2.0, 0.3], [-0.7, -0.1]];
    let frob = M.iter().flatten().map(|v| v * v).sum::<f64>();
    let exact = Cnf::new(flow(), Trace::Exact, true)
        .log_density_with(
            tensor(&x, device),
            &fs(T_END, &tight(), &GradientMethod::Backprop),
        )
        .unwrap();
    let (kinetic, jacobian) = exact.regularizers.unwrap();
    let (kinetic, jacobian) = (values(&kinetic), values(&jacobian));
    let n = 2000;
    let h = T_END / n as f64;
    for (i, row) in x.iter().enumerate() {
        assert!(
            (jacobian[i] - T_END * frob).abs() < 1e-9,
            "row {i}: {}",
            jacobian[i]
        );
        let speed2 = |t: f64| {
            let e = expm(M.map(|r| r.map(|v| v * t)));
            let z = [
                row[0] * e[0][0] + row[1] * e[1][0],
                row[0] * e[0][1] + row[1] * e[1][1],
            ];
            // f = z M
            let f = [
                z[0] * M[0][0] + z[1] * M[1][0],
                z[0] * M[0][1] + z[1] * M[1][1],
            ];
            f[0] * f[0] + f[1] * f[1]
        };
        let simpson = (0..=n)
            .map(|k| {
                let w = if k == 0 || k == n {
                    1.0
                } else if k % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * speed2(k as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0;
        assert!(
            (kinetic[i] - simpson).abs() < 1e-8,
            "row {i}: {} vs {simpson}",
            kinetic[i]
        );
    }
    let probe = Probe::rademacher(3, 2, 11);
    let eps = probe.values().to_vec();
    let hutch = Cnf::new(flow(), Trace::Hutchinson(probe), true)
        .log_density_with(
            tensor(&x, device),
            &fs(T_END, &tight(), &GradientMethod::Backprop),
        )
        .unwrap();
    let jacobian = values(&hutch.regularizers.unwrap().1);
    for (i, e) in eps.chunks(2).enumerate() {
        let em = [
            e[0] * M[0][0] + e[1] * M[1][0],
            e[0] * M[0][1] + e[1] * M[1][1],
        ];
        let expected = T_END * (em[0] * em[0] + em[1] * em[1]);
        assert!(
            (jacobian[i] - expected).abs() < 1e-9,
            "row {i}: {} vs {expected}",
            jacobian[i]
        );
    }
}

/// A FFJORD network with every layer random (its last layer starts at zero by default).
fn random_mlp(device: &Device) -> ConcatSquashMlp {
    let mut init = Init::new(5);
    let mut mlp = ConcatSquashConfig::new()
        .with_hidden(vec![16, 16])
        .init(2, &mut init, device)
        .unwrap();
    let last = mlp.layers.len() - 1;
    mlp.layers[last].linear = init.linear(16, 2, LayerInit::Uniform, device);
    mlp.layers[last].hyper_bias = init.linear(1, 2, LayerInit::Uniform, device).weight;
    mlp
}

fn hutchinson_is_unbiased(device: &Device) {
    // n copies of one point, each row with its own probe: n independent estimates at once.
    let n = 4000;
    let z = tensor(&vec![[0.3, -0.8]; n], device);
    let exact_field = Cnf::new(random_mlp(device), Trace::Exact, false);
    let dy = exact_field.forward(
        0.4,
        Tensor::cat(vec![z.clone(), Tensor::zeros([n, 1], device)], 1),
    );
    let exact = -values(&dy.narrow(1, 2, 1))[0];
    for (name, probe) in [
        ("gaussian", Probe::gaussian(n, 2, 1)),
        ("rademacher", Probe::rademacher(n, 2, 2)),
    ] {
        let field = Cnf::new(random_mlp(device), Trace::Hutchinson(probe), false);
        let dy = field.forward(
            0.4,
            Tensor::cat(vec![z.clone(), Tensor::zeros([n, 1], device)], 1),
        );
        let est: Vec<f64> = values(&dy.narrow(1, 2, 1)).iter().map(|v| -v).collect();
        let mean = est.iter().sum::<f64>() / n as f64;
        let var = est.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        assert!(se > 0.0, "{name}: the estimates must vary");
        assert!(
            (mean - exact).abs() < 3.0 * se,
            "{name}: {mean} ± {se} vs exact {exact}"
        );
    }
}

fn grads(cnf: &Cnf<ConcatSquashMlp>, x: Tensor<2>, method: &GradientMethod) -> Vec<f64> {
    let opts = SolveOptions::adaptive(1e-8, 1e-10);
    let out = cnf.log_density_with(x, &fs(1.0, &opts, method)).unwrap();
    let loss = out.log_px.clone().mean().neg();
    let g = out.trajectory.unwrap().backward(loss).unwrap();
    grad_values(&cnf.field, &g.params)
}

fn hutchinson_gradients_agree_with_exact_ones_in_expectation(device: &Device) {
    let ad = device.clone().autodiff();
    let points = [[0.3, -0.8], [1.1, 0.4], [-0.6, 0.9]];
    let n = 300;
    let x = tensor(&points.repeat(n), &ad);
    let exact = grads(
        &Cnf::new(random_mlp(&ad), Trace::Exact, false),
        x.clone(),
        &GradientMethod::Backprop,
    );
    let runs: Vec<Vec<f64>> = (0..8)
        .map(|seed| {
            let probe = Trace::Hutchinson(Probe::rademacher(3 * n, 2, 100 + seed));
            grads(
                &Cnf::new(random_mlp(&ad), probe, false),
                x.clone(),
                &GradientMethod::Backprop,
            )
        })
        .collect();
    let k = runs.len() as f64;
    let mut outside = 0;
    for j in 0..exact.len() {
        let mean = runs.iter().map(|r| r[j]).sum::<f64>() / k;
        let var = runs.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (k - 1.0);
        let se = (var / k).sqrt();
        if (mean - exact[j]).abs() > 4.0 * se + 1e-12 {
            outside += 1;
        }
    }
    // Over ~400 parameters, 4 standard errors (t-distribution, 7 dof): a handful at most.
    assert!(
        outside * 50 <= exact.len(),
        "{outside} of {} components outside",
        exact.len()
    );
}

fn sampling_then_density_returns_the_base_log_probability(device: &Device) {
    let ad = device.clone().autodiff();
    let cnf = Cnf::new(random_mlp(&ad), Trace::Exact, false);
    let z = [[0.2, -1.5], [1.0, 0.7], [-0.4, 0.1], [2.2, -0.3]];
    let opts = tight();
    let sampled = cnf
        .sample_with(tensor(&z, &ad), &fs(1.0, &opts, &GradientMethod::Backprop))
        .unwrap();
    let back = cnf
        .log_density_with(
            sampled.end.clone(),
            &fs(1.0, &opts, &GradientMethod::Backprop),
        )
        .unwrap();
    let d = max_abs_diff(&values(&back.end), &values(&tensor(&z, &ad)));
    assert!(d < 1e-6, "z back: {d}");
    let d = max_abs_diff(&values(&back.log_px), &values(&sampled.log_px));
    assert!(d < 1e-6, "log p(x) both ways: {d}");
    // And the flow moved the points and changed their density (it is not the identity).
    let base = values(&standard_normal_log_prob(tensor(&z, &ad)));
    assert!(max_abs_diff(&base, &values(&sampled.log_px)) > 1e-2);
}

fn every_gradient_method_through_the_flow(device: &Device) {
    let ad = device.clone().autodiff();
    let cnf = Cnf::new(random_mlp(&ad), Trace::Exact, true);
    let x = tensor(&[[0.3, -0.8], [1.1, 0.4], [-0.6, 0.9]], &ad);
    let bp = grads(&cnf, x.clone(), &GradientMethod::Backprop);
    let adj = AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-10, 1e-12));
    for (method, tol) in [
        (
            GradientMethod::Checkpointed(CheckpointOptions::with_budget(3)),
            1e-12,
        ),
        (GradientMethod::Adjoint(adj.clone()), 1e-5),
        (GradientMethod::Interpolated(adj), 1e-5),
    ] {
        let g = grads(&cnf, x.clone(), &method);
        let err = g
            .iter()
            .zip(&bp)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
            / bp.iter().map(|b| b * b).sum::<f64>().sqrt();
        assert!(err < tol, "{method:?}: {err}");
    }
    // RNODE's channels: positive, and they leave log p(x) alone.
    let opts = SolveOptions::adaptive(1e-8, 1e-10);
    let reg = cnf
        .log_density_with(x.clone(), &fs(1.0, &opts, &GradientMethod::Backprop))
        .unwrap();
    let plain = Cnf::new(random_mlp(&ad), Trace::Exact, false)
        .log_density_with(x, &fs(1.0, &opts, &GradientMethod::Backprop))
        .unwrap();
    let (kinetic, jacobian) = reg.regularizers.unwrap();
    assert!(
        values(&kinetic)
            .iter()
            .chain(&values(&jacobian))
            .all(|v| *v > 0.0)
    );
    assert!(max_abs_diff(&values(&reg.log_px), &values(&plain.log_px)) < 1e-6);
}

cpu_backend_tests!(F64;
    affine_flow_log_likelihood_is_the_closed_form,
    hutchinson_is_unbiased,
    hutchinson_gradients_agree_with_exact_ones_in_expectation,
    sampling_then_density_returns_the_base_log_probability,
    every_gradient_method_through_the_flow,
    rnode_channels_are_the_closed_form,
);
