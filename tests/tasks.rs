//! The density and sequence tasks end to end on tiny budgets (CPU backends): the untrained
//! flow's held-out NLL is the standard normal's (its last layer starts at zero), resume equals
//! an uninterrupted run for both tasks (Hutchinson probes and batches are drawn per step), the
//! run folders hold their figures, and bad settings are refused by name.

#[macro_use]
mod common;

use common::{Backend, fresh, metric_bits, quiet};
use neurode::run::{
    GradientKind, ModelKind, RunConfig, RunDir, TaskKind, TrainOptions, density_data, train,
};
use neurode::train::{Flow, TraceKind, TrainError};

fn tiny_density(backend: Backend, trace: TraceKind, rnode: Option<f64>) -> RunConfig {
    RunConfig {
        backend,
        hidden: 16,
        layers: 3,
        iters: 6,
        eval_every: 2,
        batch_size: 64,
        flow: Some(Flow {
            dataset: "8gaussians".parse().unwrap(),
            trace,
            rnode,
            test_points: 200,
            ..Flow::default()
        }),
        ..RunConfig::density()
    }
}

fn tiny_sequence(backend: Backend, model: ModelKind) -> RunConfig {
    RunConfig {
        backend,
        model,
        hidden: 6,
        iters: 6,
        eval_every: 2,
        batch_size: 8,
        rtol: 1e-3,
        atol: 1e-5,
        ..RunConfig::sequence()
    }
}

/// Trains `config` whole, and in two parts (4 steps, then resumed to 6): the same metrics bit
/// for bit.
fn resumes_exactly(config: &RunConfig, name: &str) -> RunDir {
    let whole = fresh(&format!("whole-{name}"));
    train(config, &whole, &quiet()).unwrap();
    let parts = fresh(&format!("parts-{name}"));
    let first = RunConfig {
        iters: 4,
        ..config.clone()
    };
    train(&first, &parts, &quiet()).unwrap();
    let resume = TrainOptions {
        resume: true,
        ..quiet()
    };
    train(config, &parts, &resume).unwrap();
    assert_eq!(metric_bits(&whole), metric_bits(&parts), "{name}");
    whole
}

fn density_task_trains_and_resumes(backend: Backend) {
    for (trace, rnode) in [
        (TraceKind::Exact, None),
        (TraceKind::Rademacher, Some(0.01)),
        (TraceKind::Gaussian, None),
    ] {
        let config = tiny_density(backend, trace, rnode);
        let dir = resumes_exactly(&config, &format!("density-{backend}-{trace:?}"));
        let rows = dir.read_metrics().unwrap();
        // The untrained flow is the identity: the held-out NLL is that of N(0, I).
        let (_, test) = density_data(&config).unwrap();
        let exact = test
            .x
            .chunks(2)
            .map(|p| 0.5 * (p[0] * p[0] + p[1] * p[1]) + (2.0 * std::f64::consts::PI).ln())
            .sum::<f64>()
            / test.len() as f64;
        assert!(
            (rows[0].test_loss - exact).abs() < 1e-5 * exact,
            "{} vs {exact}",
            rows[0].test_loss
        );
        let last = rows.last().unwrap();
        assert!(last.nfe_forward > 0.0 && last.test_loss < rows[0].test_loss);
    }
}

fn sequence_task_trains_and_resumes(backend: Backend) {
    for model in [ModelKind::Ltc, ModelKind::InputOde] {
        let config = tiny_sequence(backend, model);
        let dir = resumes_exactly(&config, &format!("sequence-{backend}-{model:?}"));
        let summary = dir.read_summary().unwrap();
        // 6 units: LTC 6·6 + 6 + 1·6 + 6 + 6 (τ) + 6 (A) + readout 7 = 73; the input ODE has
        // no A: 67.
        let params = if model == ModelKind::Ltc { 73 } else { 67 };
        assert_eq!(summary.params, params);
    }
}

cpu_backend_tests_by_kind!(
    density_task_trains_and_resumes,
    sequence_task_trains_and_resumes
);

#[test]
fn density_and_sequence_runs_draw_their_figures() {
    let figures = TrainOptions {
        figures: true,
        ..quiet()
    };
    let dir = fresh("density-figures");
    train(
        &tiny_density(Backend::Flex, TraceKind::Exact, None),
        &dir,
        &figures,
    )
    .unwrap();
    for f in ["loss.png", "flow.png"] {
        assert!(dir.figure(f).is_file(), "{f}");
    }
    let dir = fresh("sequence-figures");
    train(
        &tiny_sequence(Backend::Flex, ModelKind::Ltc),
        &dir,
        &figures,
    )
    .unwrap();
    for f in ["loss.png", "prediction.png"] {
        assert!(dir.figure(f).is_file(), "{f}");
    }
}

#[test]
fn density_and_sequence_settings_are_checked() {
    let refused = |c: RunConfig| match c.validate() {
        Err(TrainError::Invalid { setting, .. }) => setting.key(),
        other => panic!("{other:?}"),
    };
    let density = tiny_density(Backend::Flex, TraceKind::Exact, None);
    let flow = |f: Flow| RunConfig {
        flow: Some(f),
        ..density.clone()
    };
    assert_eq!(
        refused(flow(Flow {
            time: 0.0,
            ..Flow::default()
        })),
        "flow_time"
    );
    assert_eq!(
        refused(flow(Flow {
            rnode: Some(-1.0),
            ..Flow::default()
        })),
        "rnode"
    );
    assert_eq!(
        refused(flow(Flow {
            test_points: 3,
            ..Flow::default()
        })),
        "test_points"
    );
    assert_eq!(
        refused(RunConfig {
            batch_size: 63,
            ..density.clone()
        }),
        "batch_size"
    );
    assert_eq!(
        refused(RunConfig {
            model: ModelKind::Ltc,
            ..density.clone()
        }),
        "model"
    );
    assert_eq!(
        refused(RunConfig {
            flow: Some(Flow::default()),
            ..RunConfig::dynamics()
        }),
        "flow"
    );
    assert_eq!(
        refused(RunConfig {
            data: Some("points.csv".into()),
            ..RunConfig::sequence()
        }),
        "data"
    );
    // Both tasks' configs round-trip through TOML.
    for c in [density, RunConfig::sequence()] {
        assert_eq!(
            RunConfig::from_toml(&c.to_toml(), &RunConfig::dynamics()).unwrap(),
            c
        );
    }
    assert_eq!(RunConfig::sequence().task, TaskKind::Sequence);
    assert_eq!(RunConfig::sequence().gradient, GradientKind::Backprop);
}
