//! Gradients through whole models in f64: the classifier's lift, ODE block and head, and a
//! time-aware Neural ODE on clocked segments, by backprop, adjoint and finite differences.

#[macro_use]
mod common;

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Int, TensorData};
use common::{Device, Tensor, grad_values, rel_err, tensor, values};
use neurode::adjoint::{AdjointOptions, CheckpointOptions, GradientMethod};
use neurode::models::{NeuralOdeConfig, OdeClassifier, OdeClassifierConfig, Preset};
use neurode::solvers::{Method, SolveOptions};

fn labels(device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(TensorData::new(vec![0i64, 1, 1, 0], [4]), device)
}

fn inputs(device: &Device) -> Tensor<2> {
    tensor(&[[0.3, -0.2], [0.9, 0.1], [-0.5, -0.5], [0.1, 0.7]], device)
}

fn ce_loss(
    model: &OdeClassifier,
    device: &Device,
) -> (Tensor<1>, neurode::models::ClassifierOutput) {
    let out = model.forward(inputs(device)).unwrap();
    let loss = burn::nn::loss::CrossEntropyLossConfig::new()
        .init(device)
        .forward(out.logits.clone(), labels(device));
    (loss, out)
}

/// Adds `eps` to the `k`-th scalar parameter (visiting order).
fn nudge<M: Module>(model: M, k: usize, eps: f64) -> M {
    struct Nudge(usize, f64);
    impl ModuleMapper for Nudge {
        fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (id, t) = (p.id, p.val());
            let n = t.shape().num_elements();
            let out = if self.0 < n {
                let mut v = values(&t);
                v[self.0] += self.1;
                Tensor::from_data(TensorData::new(v, t.shape()), &t.device())
            } else {
                t
            };
            self.0 = self.0.wrapping_sub(n);
            Param::initialized(id, out)
        }
    }
    model.map(&mut Nudge(k, eps))
}

fn classifier_gradients_cover_every_layer(device: &Device) {
    let ad = device.clone().autodiff();
    let base = OdeClassifierConfig::new()
        .with_zero_init(false)
        .with_solver(SolveOptions::steps(Method::Rk4, 20));
    let backprop = base.clone().init(3, &ad).unwrap();
    let (loss, out) = ce_loss(&backprop, &ad);
    let g_bp = grad_values(&backprop, &out.backward(loss, &backprop).unwrap().params);
    assert_eq!(g_bp.len(), 18_906);

    // Central differences on a few parameters of each part: lift (0..18), dynamics, head.
    let plain = base.clone().init(3, device).unwrap();
    let eps = 1e-6;
    for k in [0, 5, 17, 18, 500, 18_000, 18_320, 18_905] {
        let lp: f64 = ce_loss(&nudge(plain.clone(), k, eps), device)
            .0
            .into_scalar();
        let lm: f64 = ce_loss(&nudge(plain.clone(), k, -eps), device)
            .0
            .into_scalar();
        let fd = (lp - lm) / (2.0 * eps);
        assert!(
            (fd - g_bp[k]).abs() < 1e-6 + 1e-5 * fd.abs(),
            "param {k}: fd {fd} vs {}",
            g_bp[k]
        );
    }

    // The adjoint (same RK4 steps backwards) agrees with backprop on every parameter.
    let adj_opts = AdjointOptions::new().with_solve(SolveOptions::steps(Method::Rk4, 20));
    let adjoint = base
        .with_gradient(GradientMethod::Adjoint(adj_opts))
        .init(3, &ad)
        .unwrap();
    let (loss, out) = ce_loss(&adjoint, &ad);
    let g_adj = grad_values(&adjoint, &out.backward(loss, &adjoint).unwrap().params);
    assert_rel(&g_adj, &g_bp, 1e-4);
    assert!(rel_err(&g_adj[..18], &g_bp[..18]) < 1e-4, "lift");
}

fn time_aware_segment_gradients_agree(device: &Device) {
    let ad = device.clone().autodiff();
    let config = |gradient| {
        NeuralOdeConfig::new(Preset::TimeAware64.config())
            .with_solver(SolveOptions::adaptive(1e-9, 1e-11))
            .with_gradient(gradient)
    };
    let grads = |gradient| {
        let model = config(gradient).init(8, &ad).unwrap();
        let y0 = tensor(&[[1.0, 0.5], [0.4, -0.6], [-0.2, 0.3]], &ad);
        let out = model
            .forward_segments(y0, &[0.0, 2.0, 5.0], &[0.0, 0.3, 0.6])
            .unwrap();
        let loss = out.ys.clone().powi_scalar(2).mean();
        let g = out.backward(loss).unwrap();
        grad_values(&model, &g.params)
    };
    let bp = grads(GradientMethod::Backprop);
    let backward = AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-10, 1e-12));
    let adj = grads(GradientMethod::Adjoint(backward.clone()));
    assert_eq!(bp.len(), 5_538);
    assert_rel(&adj, &bp, 1e-5);
    let interpolated = grads(GradientMethod::Interpolated(backward));
    assert_rel(&interpolated, &bp, 1e-5);
    let checkpointed = grads(GradientMethod::Checkpointed(
        CheckpointOptions::with_budget(3),
    ));
    assert_rel(&checkpointed, &bp, 1e-12);
    // The time embedding gets a gradient: the clock reaches it.
    assert!(bp[..32].iter().any(|g| g.abs() > 1e-8));
}

cpu_backend_tests!(F64;
    classifier_gradients_cover_every_layer,
    time_aware_segment_gradients_agree,
);

fn euler_classifier_adjoint_is_close_to_backprop(device: &Device) {
    let ad = device.clone().autodiff();
    let base = OdeClassifierConfig::new().with_zero_init(false);
    let grads = |gradient| {
        let model = base.clone().with_gradient(gradient).init(3, &ad).unwrap();
        let (loss, out) = ce_loss(&model, &ad);
        grad_values(&model, &out.backward(loss, &model).unwrap().params)
    };
    let bp = grads(GradientMethod::Backprop);
    // Checkpointed backprop through the lift, the solve and the head: backprop's gradients.
    let checkpointed = grads(GradientMethod::Checkpointed(
        CheckpointOptions::with_budget(4),
    ));
    assert_rel(&checkpointed, &bp, 1e-12);
    let adj = grads(GradientMethod::Adjoint(
        AdjointOptions::new().with_solve(SolveOptions::steps(Method::Euler, 20)),
    ));
    // Euler's continuous adjoint differs from the discrete gradient by O(h) = O(1/20)
    // (measured: lift 0.1%, dynamics 1.6%, head 0 at this initialisation).
    let parts = [
        ("lift", 0..18),
        ("dynamics", 18..18_328),
        ("head", 18_328..18_906),
    ];
    for (name, r) in parts {
        let e = rel_err(&adj[r.clone()], &bp[r]);
        assert!(e < 0.1, "{name}: relative error {e}");
    }
}

mod euler {
    use super::*;
    cpu_backend_tests!(F64; euler_classifier_adjoint_is_close_to_backprop);
}

/// `a` within relative error `tol` of `b` (the error shown when not).
#[track_caller]
fn assert_rel(a: &[f64], b: &[f64], tol: f64) {
    let e = rel_err(a, b);
    assert!(e < tol, "{e}");
}
