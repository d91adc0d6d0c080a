//! Version-1 `config.toml` files (written by neurode before configs were typed, kept in
//! `fixtures/config-v1/`: every recipe of every task and variants with every optional setting)
//! convert to exactly the typed config they described.

use neurode_models::Preset;
use neurode_solvers::{Method, SolveOptions};
use neurode_train::{Flow, Shooting};

use crate::arch::{ClassifierArch, DenseSize, DynamicsArch, FlowArch, SequenceArch};
use crate::{GradientConfig, Recipe, RunConfig, TaskConfig, TaskKind};

/// The fixture `name`.
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/fixtures/config-v1/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A version-1 file read as the binary reads it: its task's defaults overridden by the file.
fn read(name: &str) -> RunConfig {
    let text = fixture(name);
    let probe = RunConfig::from_toml(&text, &RunConfig::dynamics()).unwrap();
    let c = RunConfig::from_toml(&text, &RunConfig::for_task(probe.kind())).unwrap();
    c.validate().unwrap();
    // The same from any base: a version-1 file holds every setting.
    assert_eq!(
        RunConfig::from_toml(&text, &RunConfig::sequence()).unwrap(),
        c,
        "{name}"
    );
    c
}

#[test]
fn every_recipe_written_by_version_1_reads_as_the_recipe() {
    let tasks = [
        (TaskKind::Dynamics, "dynamics"),
        (TaskKind::Classify, "classify"),
        (TaskKind::Density, "density"),
        (TaskKind::Sequence, "sequence"),
    ];
    for (task, t) in tasks {
        for (recipe, r) in [(Recipe::Neurode, "neurode"), (Recipe::Paper, "paper")] {
            let name = format!("{t}-{r}");
            assert_eq!(read(&name), RunConfig::recipe(task, recipe), "{name}");
        }
    }
}

#[test]
fn version_1_variants_read_with_every_optional_setting() {
    let mut dense = RunConfig::dynamics();
    if let TaskConfig::Dynamics(t) = &mut dense.task {
        t.model = DynamicsArch::Dense(DenseSize {
            hidden: 32,
            layers: 4,
        });
        t.augment = 2;
    }
    dense.gradient = GradientConfig::Checkpoint {
        checkpoints: Some(5),
    };
    assert_eq!(read("dynamics-dense-checkpoint"), dense);

    let mut shooting = RunConfig::paper_dynamics();
    if let TaskConfig::Dynamics(t) = &mut shooting.task {
        t.model = DynamicsArch::Preset(Preset::Residual64);
        t.shooting = Some(Shooting {
            segments: 4,
            continuity: 2.0,
            free_nodes: true,
        });
    }
    // Fixed steps: version 1's tolerances were unused, and are not kept.
    shooting.solver = SolveOptions::steps(Method::Rk4, 3);
    shooting.gradient = GradientConfig::Interpolated { seminorm: true };
    shooting.stop_below = Some(0.01);
    assert_eq!(read("dynamics-shooting-rk4"), shooting);

    let mut resnet = RunConfig::classify();
    if let TaskConfig::Classify(t) = &mut resnet.task {
        t.model = ClassifierArch::Resnet;
        t.test_fraction = 0.0;
    }
    resnet.data_seed = 7;
    assert_eq!(read("classify-resnet"), resnet);

    let mut rnode = RunConfig::density();
    if let TaskConfig::Density(t) = &mut rnode.task {
        t.model = FlowArch::Cnf(DenseSize {
            hidden: 32,
            layers: 3,
        });
        t.flow = Flow {
            rnode: Some(0.01),
            time: 1.0,
            ..Flow::default()
        };
    }
    rnode.gradient = GradientConfig::Adjoint { seminorm: true };
    assert_eq!(read("density-rnode"), rnode);

    let mut input_ode = RunConfig::sequence();
    if let TaskConfig::Sequence(t) = &mut input_ode.task {
        t.model = SequenceArch::InputOde { units: 8 };
    }
    assert_eq!(read("sequence-input-ode"), input_ode);
}

#[test]
fn a_converted_file_writes_version_2_and_reads_back() {
    for name in ["dynamics-shooting-rk4", "density-rnode", "classify-resnet"] {
        let c = read(name);
        let text = c.to_toml();
        assert!(text.starts_with("version = 2\n"), "{text}");
        assert_eq!(
            RunConfig::from_toml(&text, &RunConfig::dynamics()).unwrap(),
            c
        );
    }
}
