//! PyTorch parity in f64: neurode replays the traces of `../shared/parity/` (initial weights,
//! batches, recipe) and computes PyTorch's losses, gradient norms, learning rates and weights
//! step by step: to round-off for the first steps, then within what chaos amplifies.

#[macro_use]
mod common;

use common::parity::{self, adjoint, flat, load, nfe_difference, replay_residual_trace, worst};
use common::{Device, max_abs_diff};
use neurode::solvers::Method;

/// The largest difference between a model's weights and a trace's `…_{name}.safetensors`.
fn weights_after<M>(model: &M, empty: M, name: &str) -> f64
where
    M: neurode::burn::module::Module + neurode::models::TorchNames,
{
    let d = max_abs_diff(&flat(model), &flat(&load(empty, name)));
    println!("{name}: weights within {d:.2e}");
    d
}

/// Paper 003's classifier, 40 steps (5 epochs of 8 batches, the last of 104 points).
fn classifier(device: &Device, trace: &str, method: Method) {
    let r = parity::replay_classifier(trace, method, 40, device);
    parity::report(trace, &r.steps);
    let (loss8, grad8) = worst(&r.steps[..8]);
    assert!(
        loss8 < 1e-9 && grad8 < 1e-9,
        "8 steps: loss {loss8:.2e}, grad {grad8:.2e}"
    );
    let (loss, grad) = worst(&r.steps);
    assert!(
        loss < 1e-6 && grad < 1e-6,
        "40 steps: loss {loss:.2e}, grad {grad:.2e}"
    );
    let ad = device.clone().autodiff();
    let empty = || parity::classifier(method, &ad);
    let step1 = max_abs_diff(
        &r.after_first,
        &flat(&load(empty(), &format!("{trace}_after_step1"))),
    );
    assert!(step1 < 1e-10, "weights after step 1 differ by {step1:.2e}");
    let epoch5 = weights_after(&r.model, empty(), &format!("{trace}_after_epoch5"));
    assert!(
        epoch5 < 1e-7,
        "weights after 5 epochs differ by {epoch5:.2e}"
    );
}

fn classifier_euler(device: &Device) {
    classifier(device, "classifier_euler_float64", Method::Euler);
}

/// torchdiffeq's `rk4` is Kutta's 3/8 rule: neurode's `rk38`.
fn classifier_rk4(device: &Device) {
    classifier(device, "classifier_rk4_float64", Method::Rk38);
}

/// Residual-64 with fixed RK 3/8 steps: 20 iterations of loss, pre-clip gradient norm (the
/// clip at 1.0 is active on most of them), NFE, and the weights after the last.
fn residual_rk4(device: &Device) {
    let trace = "residual64_rk4_float64";
    let r = replay_residual_trace(trace, device);
    parity::report(trace, &r.steps);
    let (loss, grad) = worst(&r.steps);
    assert!(
        loss < 1e-9 && grad < 1e-9,
        "loss {loss:.2e}, grad norm {grad:.2e}"
    );
    assert_eq!(nfe_difference(&r.steps), 0, "NFE of every window solve");
    let d = weights_after(&r.model, r.model.clone(), &format!("{trace}_after_iter20"));
    assert!(d < 1e-8, "weights after 20 iterations differ by {d:.2e}");
}

/// Residual-64 with DOPRI5 at 1e-5/1e-7 in torchdiffeq's conventions: the same evaluations
/// on every window solve, the same losses.
fn residual_dopri5(device: &Device) {
    let trace = "residual64_dopri5_float64";
    let r = replay_residual_trace(trace, device);
    parity::report(trace, &r.steps);
    assert_eq!(nfe_difference(&r.steps), 0, "NFE of every window solve");
    let (loss, _) = worst(&r.steps);
    assert!(loss < 1e-6, "losses differ by {loss:.2e}");
}

/// The adjoint method at tight tolerances gives the gradients PyTorch's backprop through the
/// fixed-step solve gave (the discretisation error of RK 3/8 at h = 25/999 is below 1e-6).
fn residual_adjoint(device: &Device) {
    let trace = "residual64_rk4_float64";
    let (solver, gradient) = adjoint(1e-10);
    let r = parity::replay_residual(trace, 20, solver, gradient, device);
    parity::report(&format!("{trace}, adjoint 1e-10"), &r.steps);
    let (loss, grad) = worst(&r.steps);
    assert!(
        loss < 1e-6 && grad < 1e-6,
        "loss {loss:.2e}, grad norm {grad:.2e}"
    );
}

cpu_backend_tests!(F64; classifier_euler, classifier_rk4, residual_rk4, residual_dopri5, residual_adjoint);
