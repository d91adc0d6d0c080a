//! Replays of the PyTorch / torchdiffeq training traces in `../shared/parity/` (its README
//! says what each file holds): the same initial weights, the same batches, neurode's loss,
//! gradients, Adam, clipping and schedule, step by step.
//!
//! The fixtures are read where the project's shared folder is (`NEURODE_PARITY_DIR`, by default
//! `../shared/parity` next to the repository), never regenerated here.

use std::path::{Path, PathBuf};

use burn::module::Module;
use neurode::adjoint::{AdjointOptions, GradientMethod};
use neurode::datasets::{Labeled, SegmentBatch, Series, SpiralDataConfig, SpiralSystem};
use neurode::models::{
    DynamicsNet, NeuralOde, NeuralOdeConfig, OdeClassifierConfig, Preset, TorchNames,
    load_torch_weights,
};
use neurode::solvers::{Adaptive, Convention, Method, PiController, SolveOptions, Stepping};
use neurode::train::{
    Adam, AdamSettings, Classifier, Schedule, ScheduleState, TimeWeighting, classification_step,
    regression_step,
};
use serde::Deserialize;

use super::{Device, param_values};

/// The folder of the traces.
pub fn dir() -> PathBuf {
    std::env::var_os("NEURODE_PARITY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/parity"))
}

fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "parity fixture {}: {e} (set NEURODE_PARITY_DIR to the folder of the PyTorch traces)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `<name>.safetensors` of the trace folder into `model`.
pub fn load<M: Module + TorchNames>(model: M, name: &str) -> M {
    let path = dir().join(format!("{name}.safetensors"));
    load_torch_weights(model, &path).unwrap_or_else(|e| panic!("{e}"))
}

/// Every parameter of a model, flattened in visiting order.
pub fn flat<M: Module>(model: &M) -> Vec<f64> {
    param_values(model)
        .into_iter()
        .flat_map(|(_, v)| v)
        .collect()
}

/// `|a − b| / |b|`.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Worst relative difference of the losses and of the gradient norms over `steps`.
pub fn worst(steps: &[Compared]) -> (f64, f64) {
    steps.iter().fold((0.0, 0.0), |(l, g), c| {
        (
            f64::max(l, rel(c.our_loss, c.loss)),
            f64::max(g, rel(c.our_grad_norm, c.grad_norm)),
        )
    })
}

/// What PyTorch recorded at one optimizer step (loss before the update, global gradient norm
/// before clipping, learning rate), with what neurode computed beside it.
#[derive(Debug, Clone, Copy)]
pub struct Compared {
    /// PyTorch's loss.
    pub loss: f64,
    /// neurode's loss.
    pub our_loss: f64,
    /// PyTorch's gradient norm.
    pub grad_norm: f64,
    /// neurode's gradient norm.
    pub our_grad_norm: f64,
    /// PyTorch's forward NFE (Residual-64 traces).
    pub nfe: Option<u64>,
    /// neurode's forward NFE.
    pub our_nfe: u64,
}

#[derive(Deserialize)]
struct Spirals {
    x: Vec<[f64; 2]>,
    label: Vec<usize>,
}

#[derive(Deserialize)]
struct ClassifierTrace {
    perms: Vec<Vec<usize>>,
    steps: Vec<ClassifierStep>,
}

#[derive(Deserialize)]
struct ClassifierStep {
    loss: f64,
    grad_norm: f64,
    lr: f64,
}

/// The result of a replay.
pub struct Replay<M> {
    /// One entry per replayed step.
    pub steps: Vec<Compared>,
    /// Weights after the first update.
    pub after_first: Vec<f64>,
    /// The model after the last replayed step.
    pub model: M,
}

/// The classifier of `classifier_{method}_{dtype}`: paper 003's model with torchdiffeq's
/// fixed grid of step 0.05, on the autodiff `device`.
pub fn classifier(method: Method, device: &Device) -> Classifier {
    let solver = SolveOptions::step_size(method, 0.05).with_convention(Convention::Torchdiffeq);
    Classifier::Ode(
        OdeClassifierConfig::new()
            .with_solver(solver)
            .init(0, device)
            .unwrap(),
    )
}

/// Replays the first `n` steps of `classifier_{method}_{dtype}.json` (`method` is the trace's
/// name: `euler`, or `rk4` for Kutta's 3/8 rule); asserts each step's learning rate equals
/// PyTorch's.
pub fn replay_classifier(
    trace: &str,
    method: Method,
    n: usize,
    device: &Device,
) -> Replay<Classifier> {
    let ad = device.clone().autodiff();
    let t: ClassifierTrace = read_json(&format!("{trace}.json"));
    let s: Spirals = read_json("two_spirals_seed0.json");
    let data = Labeled {
        x: s.x.iter().flatten().copied().collect(),
        labels: s.label,
        dim: 2,
    };
    let mut model = load(classifier(method, &ad), &format!("{trace}_init"));
    let mut adam = Adam::new(AdamSettings::default());
    let schedule = Schedule::Cosine {
        total: 500,
        min_lr: 0.0,
    };
    let mut lr = ScheduleState::new(0.01);
    let (mut steps, mut after_first) = (Vec::new(), Vec::new());
    'epochs: for perm in &t.perms {
        for idx in perm.chunks(128) {
            let k = steps.len();
            if k == n {
                break 'epochs;
            }
            assert_eq!(lr.lr, t.steps[k].lr, "learning rate of step {}", k + 1);
            let (x, y) = data.select(idx).tensors(&ad);
            let out = classification_step(&model, x, y).unwrap();
            let (next, info) = adam.step(model, &out.grads, lr.lr);
            model = next;
            steps.push(Compared {
                loss: t.steps[k].loss,
                our_loss: out.loss,
                grad_norm: t.steps[k].grad_norm,
                our_grad_norm: info.grad_norm,
                nfe: None,
                our_nfe: out.nfe.forward,
            });
            if k == 0 {
                after_first = flat(&model);
            }
        }
        lr.advance(&schedule, 0);
    }
    Replay {
        steps,
        after_first,
        model,
    }
}

#[derive(Deserialize)]
struct ResidualTrace {
    steps: Vec<ResidualStep>,
}

#[derive(Deserialize)]
struct ResidualStep {
    starts: Vec<usize>,
    loss: f64,
    grad_norm_before_clip: f64,
    nfe_forward: u64,
}

/// paper 000's spiral: 1,000 samples on [0, 25] (DOP853 at 1e-12, as the trace's data).
pub fn spiral() -> Series {
    SpiralDataConfig::default()
        .generate(&SpiralSystem::PAPER)
        .unwrap()
        .train
}

/// The solver of a `residual64_*` trace in torchdiffeq's conventions: DOPRI5 at 1e-5/1e-7,
/// or Kutta's 3/8 rule (torchdiffeq's `rk4`) with one step of 25/999 per sample.
pub fn torch_solver(trace: &str) -> SolveOptions {
    if trace.contains("dopri5") {
        SolveOptions::new().with_stepping(integral(1e-5, 1e-7))
    } else {
        SolveOptions::step_size(Method::Rk38, 25.0 / 999.0)
    }
    .with_convention(Convention::Torchdiffeq)
}

/// The adjoint method at tolerance `tol` (forward and backward), torchdiffeq's controller.
pub fn adjoint(tol: f64) -> (SolveOptions, GradientMethod) {
    let solver = SolveOptions::new().with_stepping(integral(tol, tol));
    let gradient = GradientMethod::Adjoint(AdjointOptions::new().with_solve(solver.clone()));
    (solver, gradient)
}

/// Adaptive steps at `rtol`, `atol` with torchdiffeq's controller.
fn integral(rtol: f64, atol: f64) -> Stepping {
    Stepping::Adaptive(Adaptive::new(rtol, atol).with_controller(PiController::integral()))
}

/// Replays the first `n` iterations of the `residual64_*` trace `trace` with the model solved
/// by `solver` and differentiated by `gradient`.
pub fn replay_residual(
    trace: &str,
    n: usize,
    solver: SolveOptions,
    gradient: GradientMethod,
    device: &Device,
) -> Replay<NeuralOde<DynamicsNet>> {
    let ad = device.clone().autodiff();
    let t: ResidualTrace = read_json(&format!("{trace}.json"));
    let series = spiral();
    let config = NeuralOdeConfig::new(Preset::Residual64.config())
        .with_solver(solver)
        .with_gradient(gradient);
    let mut model = load(config.init(0, &ad).unwrap(), &format!("{trace}_init"));
    let mut adam = Adam::new(AdamSettings {
        weight_decay: 1e-5,
        clip: Some(1.0),
        ..AdamSettings::default()
    });
    let weighting = Some(TimeWeighting {
        alpha: 1.0,
        horizon: 25.0,
    });
    let (mut steps, mut after_first) = (Vec::new(), Vec::new());
    for step in t.steps.iter().take(n) {
        let batch = SegmentBatch::from_starts(&series, &step.starts, 40).unwrap();
        let out = regression_step(&model, &batch, weighting, true, &ad).unwrap();
        let (next, info) = adam.step(model, &out.grads, 5e-4);
        model = next;
        steps.push(Compared {
            loss: step.loss,
            our_loss: out.loss,
            grad_norm: step.grad_norm_before_clip,
            our_grad_norm: info.grad_norm,
            nfe: Some(step.nfe_forward),
            our_nfe: out.nfe.forward,
        });
        if after_first.is_empty() {
            after_first = flat(&model);
        }
    }
    Replay {
        steps,
        after_first,
        model,
    }
}

/// Replays all 20 iterations of a `residual64_*` trace as it was recorded: its solver in
/// torchdiffeq's conventions, backprop through the solve.
pub fn replay_residual_trace(trace: &str, device: &Device) -> Replay<NeuralOde<DynamicsNet>> {
    replay_residual(
        trace,
        20,
        torch_solver(trace),
        GradientMethod::Backprop,
        device,
    )
}

/// The largest difference of forward NFE from PyTorch's over the steps.
pub fn nfe_difference(steps: &[Compared]) -> u64 {
    steps
        .iter()
        .map(|c| c.nfe.map_or(0, |n| n.abs_diff(c.our_nfe)))
        .max()
        .unwrap_or(0)
}

/// Prints a replay beside its trace (shown by `cargo test -- --nocapture`).
pub fn report(name: &str, steps: &[Compared]) {
    println!("{name}: step, loss rel. diff, grad-norm rel. diff, NFE (PyTorch / neurode)");
    for (k, c) in steps.iter().enumerate() {
        println!(
            "  {:>2}  {:.2e}  {:.2e}  {:?} / {}",
            k + 1,
            rel(c.our_loss, c.loss),
            rel(c.our_grad_norm, c.grad_norm),
            c.nfe,
            c.our_nfe
        );
    }
}
