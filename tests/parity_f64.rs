//! PyTorch parity in f64: neurode replays the traces of `../shared/parity/` (initial weights,
//! batches, recipe) and computes PyTorch's losses, gradient norms, learning rates and weights
//! step by step: to round-off for the first steps, then within what chaos amplifies.

#[macro_use]
mod common;

use common::parity::{self, adjoint, flat, load, torch_solver, worst};
use common::{Device, max_abs_diff};
use neurode::adjoint::GradientMethod;
use neurode::solvers::Method;

/// Paper 003's classifier, 40 steps (5 epochs of 8 batches, the last of 104 points).
fn classifier(device: &Device, trace: &str, method: Method) {
    let r = parity::replay_classifier(trace, method, 40, device);
    parity::report(trace, &r.steps);
    let (loss8, grad8) = worst(&r.steps[..8]);
    assert!(
        loss8 < 1e-9 && grad8 < 1e-9,
        "first 8 steps: loss {loss8:.2e}, grad norm {grad8:.2e}"
    );
    let after1 = flat(&load(
        parity::classifier(method, device),
        &format!("{trace}_after_step1"),
    ));
    let d1 = max_abs_diff(&r.after_first, &after1);
    println!("{trace}: weights after step 1 within {d1:.2e}");
    assert!(d1 < 1e-10, "weights after step 1 differ by {d1:.2e}");
    let (loss40, grad40) = worst(&r.steps);
    assert!(
        loss40 < 1e-6 && grad40 < 1e-6,
        "40 steps: loss {loss40:.2e}, grad norm {grad40:.2e}"
    );
    let end = flat(&load(
        parity::classifier(method, device),
        &format!("{trace}_after_epoch5"),
    ));
    let d = max_abs_diff(&flat(&r.model), &end);
    println!("{trace}: weights after 5 epochs within {d:.2e}");
    assert!(d < 1e-7, "weights after 5 epochs differ by {d:.2e}");
}

fn classifier_euler(device: &Device) {
    classifier(device, "classifier_euler_float64", Method::Euler);
}

/// torchdiffeq's `rk4` is Kutta's 3/8 rule: neurode's `rk38`.
fn classifier_rk4(device: &Device) {
    classifier(device, "classifier_rk4_float64", Method::Rk38);
}

/// Residual-64 with fixed RK 3/8 steps: 20 iterations of loss, pre-clip gradient norm (the
/// clip at 1.0 is active on most of them) and the weights after the last.
fn residual_rk4(device: &Device) {
    let trace = "residual64_rk4_float64";
    let r = parity::replay_residual(
        trace,
        20,
        torch_solver(trace),
        GradientMethod::Backprop,
        device,
    );
    parity::report(trace, &r.steps);
    let (loss, grad) = worst(&r.steps);
    assert!(
        loss < 1e-9 && grad < 1e-9,
        "loss {loss:.2e}, grad norm {grad:.2e}"
    );
    assert!(
        r.steps.iter().all(|c| c.nfe == Some(c.our_nfe)),
        "NFE per window solve"
    );
    let end = flat(&load(r.model.clone(), &format!("{trace}_after_iter20")));
    let d = max_abs_diff(&flat(&r.model), &end);
    println!("{trace}: weights after 20 iterations within {d:.2e}");
    assert!(d < 1e-8, "weights after 20 iterations differ by {d:.2e}");
}

/// Residual-64 with DOPRI5 at 1e-5/1e-7 in torchdiffeq's conventions: the same evaluations
/// on every window solve, the same losses.
fn residual_dopri5(device: &Device) {
    let trace = "residual64_dopri5_float64";
    let r = parity::replay_residual(
        trace,
        20,
        torch_solver(trace),
        GradientMethod::Backprop,
        device,
    );
    parity::report(trace, &r.steps);
    let nfe: Vec<_> = r
        .steps
        .iter()
        .map(|c| (c.nfe.unwrap(), c.our_nfe))
        .collect();
    assert!(
        nfe.iter().all(|(a, b)| a == b),
        "NFE (PyTorch, neurode): {nfe:?}"
    );
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
