//! The density and sequence tasks end to end on tiny budgets (CPU backends): the untrained
//! flow's held-out NLL is the standard normal's (its last layer starts at zero), resume equals
//! an uninterrupted run for both tasks (Hutchinson probes and batches are drawn per step), the
//! run folders hold their figures, and bad settings are refused by name.

#[macro_use]
mod common;

use common::{Backend, fresh, metric_bits, quiet};
use neurode::run::{
    AnyArch, FlatSettings, GradientConfig, RunConfig, RunDir, TaskKind, TrainOptions, density_data,
    train,
};
use neurode::train::{Flow, TraceKind, TrainError};

fn tiny_density(backend: Backend, trace: TraceKind, rnode: Option<f64>) -> RunConfig {
    RunConfig::density()
        .with(FlatSettings {
            backend: Some(backend),
            hidden: Some(16),
            layers: Some(3),
            iters: Some(6),
            eval_every: Some(2),
            batch_size: Some(64),
            flow: Some(Flow {
                dataset: "8gaussians".parse().unwrap(),
                trace,
                rnode,
                test_points: 200,
                ..Flow::default()
            }),
            ..Default::default()
        })
        .unwrap()
}

fn tiny_sequence(backend: Backend, model: &str) -> RunConfig {
    RunConfig::sequence()
        .with(FlatSettings {
            backend: Some(backend),
            model: AnyArch::from_name(model),
            hidden: Some(6),
            iters: Some(6),
            eval_every: Some(2),
            batch_size: Some(8),
            rtol: Some(1e-3),
            atol: Some(1e-5),
            ..Default::default()
        })
        .unwrap()
}

/// Trains `config` whole, and in two parts (4 steps, then resumed to 6): the same metrics bit
/// for bit.
fn resumes_exactly(config: &RunConfig, name: &str) -> RunDir {
    let whole = fresh(&format!("whole-{name}"));
    train(config, &whole, &quiet()).unwrap();
    let parts = fresh(&format!("parts-{name}"));
    let mut first = config.clone();
    first.task.set_budget(4);
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
    for model in ["ltc", "input-ode"] {
        let config = tiny_sequence(backend, model);
        let dir = resumes_exactly(&config, &format!("sequence-{backend}-{model}"));
        let summary = dir.read_summary().unwrap();
        // 6 units: LTC 6·6 + 6 + 1·6 + 6 + 6 (τ) + 6 (A) + readout 7 = 73; the input ODE has
        // no A: 67.
        let params = if model == "ltc" { 73 } else { 67 };
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
    train(&tiny_sequence(Backend::Flex, "ltc"), &dir, &figures).unwrap();
    for f in ["loss.png", "prediction.png"] {
        assert!(dir.figure(f).is_file(), "{f}");
    }
}

#[test]
fn density_and_sequence_settings_are_checked() {
    // A setting the task lacks is refused when it is set; a bad value when validated.
    let refused = |c: Result<RunConfig, TrainError>| match c.and_then(|c| c.validate()) {
        Err(TrainError::Invalid { setting, .. }) => setting.key(),
        other => panic!("{other:?}"),
    };
    // `base` with the settings `edit` makes (on top of none).
    let set = |base: &RunConfig, edit: &dyn Fn(&mut FlatSettings)| {
        let mut s = FlatSettings::default();
        edit(&mut s);
        base.clone().with(s)
    };
    let density = tiny_density(Backend::Flex, TraceKind::Exact, None);
    // `density` with the flow settings `edit` makes.
    let flow = |edit: &dyn Fn(&mut Flow)| {
        let mut f = Flow::default();
        edit(&mut f);
        set(&density, &|s| s.flow = Some(f.clone()))
    };
    let cases = [
        (flow(&|f| f.time = 0.0), "flow_time"),
        (flow(&|f| f.rnode = Some(-1.0)), "rnode"),
        (flow(&|f| f.test_points = 3), "test_points"),
        (set(&density, &|s| s.batch_size = Some(63)), "batch_size"),
        (
            set(&density, &|s| s.model = AnyArch::from_name("ltc")),
            "model",
        ),
        (
            set(&RunConfig::dynamics(), &|s| s.flow = Some(Flow::default())),
            "flow",
        ),
        (
            set(&RunConfig::sequence(), &|s| {
                s.data = Some(Some("points.csv".into()))
            }),
            "data",
        ),
    ];
    for (config, setting) in cases {
        assert_eq!(refused(config), setting);
    }
    // Both tasks' configs round-trip through TOML.
    for c in [density, RunConfig::sequence()] {
        assert_eq!(
            RunConfig::from_toml(&c.to_toml(), &RunConfig::dynamics()).unwrap(),
            c
        );
    }
    assert_eq!(RunConfig::sequence().kind(), TaskKind::Sequence);
    assert_eq!(RunConfig::sequence().gradient, GradientConfig::Backprop {});
}
