//! Training end to end on tiny budgets, on every compiled backend: the test loss falls, the
//! classification trainer equals the PyTorch-verified step API, resume equals an uninterrupted run, checkpoints survive an
//! interrupted write, divergence stops cleanly.

#[macro_use]
mod common;

use common::{Backend, fresh, metric_bits, param_values, quiet};
use neurode::adjoint::GradientMethod;
use neurode::models::load_record;
use neurode::run::{
    AnyArch, ControllerKind, FlatSettings, GradientConfig, RunConfig, Status, TaskKind,
    TrainOptions, classifier, classify_data, dynamics_data, dynamics_model, gradient_method,
    run_device, solve_options, train,
};
use neurode::solvers::{PiController, SolveOptions};
use neurode::train::{
    Adam, AdamSettings, Schedule, ScheduleState, TrainError, classification_step, metrics, predict,
    step_seed,
};
use rand::{SeedableRng, rngs::StdRng};

/// Backprop, the adjoint, checkpointed and interpolated gradients.
const BACKPROP: GradientConfig = GradientConfig::Backprop {};
const ADJOINT: GradientConfig = GradientConfig::Adjoint { seminorm: false };

fn tiny_dynamics(backend: Backend, gradient: GradientConfig, iters: u64) -> RunConfig {
    RunConfig::paper_dynamics()
        .with(FlatSettings {
            backend: Some(backend),
            gradient: Some(gradient),
            iters: Some(iters),
            eval_every: Some(iters / 2),
            batch_size: Some(16),
            seq_len: Some(20),
            lr: Some(5e-3),
            ..Default::default()
        })
        .unwrap()
}

fn untrained_test_mse(config: &RunConfig) -> f64 {
    let device = run_device(config).unwrap();
    let (series, _) = dynamics_data(config).unwrap();
    let model = dynamics_model(config, &series, &device).unwrap();
    metrics::mse(
        &predict(&model, &series[0], &device).unwrap(),
        &series[0].values,
    )
}

fn dynamics_training_lowers_the_test_loss(backend: Backend) {
    let grads: &[GradientConfig] = if backend == Backend::Wgpu {
        &[BACKPROP]
    } else {
        &[
            BACKPROP,
            ADJOINT,
            GradientConfig::Checkpoint { checkpoints: None },
            GradientConfig::Interpolated { seminorm: false },
        ]
    };
    for &g in grads {
        let config = tiny_dynamics(backend, g, 60);
        let dir = fresh(&format!("dyn-{backend}-{g:?}"));
        let s = train(&config, &dir, &quiet()).unwrap();
        let before = untrained_test_mse(&config);
        let after = s.best.as_ref().unwrap().test_loss;
        assert!(after < 0.8 * before, "{g:?}: test MSE {before} → {after}");
        assert_eq!(s.status, Status::Completed);
        assert!(s.total_nfe_forward > 60 * 6);
        assert_eq!(s.total_nfe_backward > 0, g != BACKPROP);
        // The untrained model's evaluation (step 0), then every `eval_every`.
        assert_eq!(dir.read_metrics().unwrap().len(), 3);
    }
}

/// The trainer is the step API in a loop: its model after 3 epochs equals, bit for bit, a
/// replay of the same shuffled batches through `classification_step`, `Adam` and the cosine
/// schedule — the pieces `parity_f64.rs` / `parity_f32.rs` check against PyTorch's traces
/// (losses to 1e-16 in f64). So the trainer computes PyTorch's recipe, step for step.
fn the_classification_trainer_is_the_verified_step(backend: Backend) {
    for g in [BACKPROP, ADJOINT] {
        // The adjoint with RK4: with Euler, the continuous adjoint is only O(h) close to the
        // discrete gradient; RK4's is O(h⁴).
        let solver = match g {
            ADJOINT => neurode::solvers::Method::Rk4,
            _ => neurode::solvers::Method::Euler,
        };
        let config = RunConfig::paper_classify()
            .with(FlatSettings {
                backend: Some(backend),
                gradient: Some(g),
                solver: Some(solver),
                epochs: Some(3),
                eval_every: Some(3),
                schedule: Some(Schedule::Cosine {
                    total: 3,
                    min_lr: 0.0,
                }),
                ..Default::default()
            })
            .unwrap();
        let dir = fresh(&format!("cls-{backend}-{}", g.name()));
        let s = train(&config, &dir, &quiet()).unwrap();
        // 3 epochs × 7 batches (800 training points) × 20 steps (× 4 evaluations per RK4 step).
        let per_step = if solver == neurode::solvers::Method::Rk4 {
            4
        } else {
            1
        };
        assert_eq!(s.total_nfe_forward, 3 * 7 * 20 * per_step);

        let ad = run_device(&config).unwrap().autodiff();
        let (points, _) = classify_data(&config).unwrap();
        let trained = load_record(
            classifier(&config, 2, 2, &ad).unwrap(),
            &dir.checkpoint_model(3),
        )
        .unwrap();
        let mut model = classifier(&config, 2, 2, &ad).unwrap();
        let mut adam = Adam::new(AdamSettings::default());
        let mut lr = ScheduleState::new(config.optimizer.lr);
        for epoch in 1..=3 {
            let mut rng = StdRng::seed_from_u64(step_seed(config.seed, epoch));
            for idx in points.shuffled_batches(config.task.batch_size(), &mut rng) {
                let (x, y) = points.select(&idx).tensors(&ad);
                let out = classification_step(&model, x, y).unwrap();
                model = adam.step(model, &out.grads, lr.lr).0;
            }
            lr.advance(&config.optimizer.schedule, config.budget());
        }
        assert_eq!(param_values(&trained), param_values(&model), "{g:?}");
    }
}

fn resume_matches_an_uninterrupted_run(backend: Backend) {
    let mut config = tiny_dynamics(backend, BACKPROP, 12);
    config.eval_every = 4;
    let whole = fresh(&format!("whole-{backend}"));
    let a = train(&config, &whole, &quiet()).unwrap();
    let parts = fresh(&format!("parts-{backend}"));
    train(
        &{
            let mut first = config.clone();
            first.task.set_budget(8);
            first
        },
        &parts,
        &quiet(),
    )
    .unwrap();
    let resume = TrainOptions {
        resume: true,
        ..quiet()
    };
    let b = train(&config, &parts, &resume).unwrap();
    assert_eq!(metric_bits(&whole), metric_bits(&parts));
    assert_eq!(a.best.unwrap().test_loss, b.best.unwrap().test_loss);
    assert_eq!(
        std::fs::read(whole.best()).ok().map(|v| v.len()),
        std::fs::read(parts.best()).ok().map(|v| v.len())
    );
    // A different config cannot resume this folder.
    let mut other = config;
    other.optimizer.lr = 1e-2;
    let e = train(&other, &parts, &resume).unwrap_err().to_string();
    assert!(e.contains("different configuration"), "{e}");
}

all_backend_tests_by_kind!(dynamics_training_lowers_the_test_loss);

mod resume {
    // Resume is the trainer's bookkeeping, the same on every backend: checked on the CPU
    // backends (on the software Vulkan driver it took a minute of CI).
    use super::*;
    cpu_backend_tests_by_kind!(resume_matches_an_uninterrupted_run);
}

// Twenty-step solves, forwards and by the adjoint, are slow on the software Vulkan driver: CPU
// backends only (the dynamics run above covers training on wgpu).
mod classification {
    use super::*;
    cpu_backend_tests_by_kind!(the_classification_trainer_is_the_verified_step);
}

#[test]
fn divergence_stops_with_a_clear_error_and_keeps_the_best() {
    let config = RunConfig::paper_dynamics()
        .with(FlatSettings {
            lr: Some(1e8),
            clip: Some(None),
            eval_every: Some(1),
            iters: Some(40),
            model: AnyArch::from_name("baseline"),
            gradient: Some(BACKPROP),
            schedule: Some(Schedule::None),
            // Fixed steps: a blown-up field cannot make the solver crawl.
            solver: Some(neurode::solvers::Method::Rk4),
            steps: Some(Some(20)),
            ..Default::default()
        })
        .unwrap();
    let dir = fresh("diverge");
    let e = train(&config, &dir, &quiet()).unwrap_err();
    assert!(
        matches!(
            e,
            TrainError::Diverged { .. } | TrainError::SolverFailed { .. }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains("step") && msg.contains("best model"), "{msg}");
    let summary = dir.read_summary().unwrap();
    assert_eq!(summary.status, Status::of(&Err(e)));
    assert!(
        dir.best().is_file(),
        "the evaluation before the blow-up is kept"
    );
    assert_eq!(dir.read_metrics().unwrap()[0].step, 0);
}

#[test]
fn config_round_trips_through_toml() {
    for c in [
        RunConfig::paper_dynamics(),
        RunConfig::paper_classify(),
        RunConfig::dynamics(),
        RunConfig::classify(),
    ] {
        let text = c.to_toml();
        assert_eq!(
            RunConfig::from_toml(&text, &RunConfig::paper_dynamics()).unwrap(),
            c
        );
    }
    let partial = "task = \"classify\"\nepochs = 7\n[schedule]\nkind = \"none\"\n";
    let c = RunConfig::from_toml(partial, &RunConfig::paper_classify()).unwrap();
    assert_eq!(
        (c.kind(), c.budget(), c.optimizer.schedule, c.optimizer.lr),
        (TaskKind::Classify, 7, Schedule::None, 0.01)
    );
    assert!(RunConfig::from_toml("epochs = \"many\"", &RunConfig::paper_classify()).is_err());
    assert!(RunConfig::from_toml("unknown_key = 1", &RunConfig::paper_classify()).is_err());
}

#[test]
fn the_controller_reaches_the_forward_and_adjoint_solves() {
    let base = RunConfig::paper_dynamics();
    assert_eq!(
        base.solver.adaptive_settings().map(|a| a.controller),
        Some(ControllerKind::Integral.settings())
    );
    let pi = RunConfig::from_toml("controller = \"pi\"", &base).unwrap();
    for (c, want) in [
        (&base, PiController::integral()),
        (&pi, PiController::default()),
    ] {
        let controller = |o: &SolveOptions| o.adaptive_settings().map(|a| a.controller);
        assert_eq!(controller(&solve_options(c)), Some(want));
        match gradient_method(c) {
            GradientMethod::Adjoint(o) => assert_eq!(controller(&o.solve), Some(want)),
            other => panic!("the paper-000 default is the adjoint, got {other:?}"),
        }
    }
    assert!(RunConfig::from_toml("controller = \"pid\"", &base).is_err());
}

#[test]
fn runs_draw_their_figures() {
    let opts = TrainOptions {
        quiet: true,
        resume: false,
        figures: true,
        interrupt: None,
    };
    let dyn_dir = fresh("figures-dynamics");
    train(&tiny_dynamics(Backend::Flex, BACKPROP, 4), &dyn_dir, &opts).unwrap();
    let cls_dir = fresh("figures-classify");
    let mut cls = RunConfig::paper_classify();
    cls.task.set_budget(2);
    cls.eval_every = 1;
    train(&cls, &cls_dir, &opts).unwrap();
    for (dir, names) in [
        (
            &dyn_dir,
            &["loss.png", "phase.png", "series.png", "error.png"][..],
        ),
        (&cls_dir, &["loss.png", "boundary.png"][..]),
    ] {
        for name in names {
            let len = std::fs::metadata(dir.figure(name))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(len > 10_000, "{name}: {len} bytes");
        }
    }
}
