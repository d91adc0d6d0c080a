//! PyTorch weights in and out: names and layouts of every model, round trips, and the errors
//! for a missing tensor, an unknown one, a wrong shape and a wrong format.

use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::store::{ModuleStore, SafetensorsStore};
use burn::tensor::{Device, Tensor};
use neurode_backend::{Backend, Precision};
use neurode_models::{
    DenseConfig, DynamicsNetConfig, ModelError, NeuralOdeConfig, OdeClassifierConfig, Preset,
    ResNetMlpConfig, TorchNames, WeightsError, load_torch_weights, save_torch_weights,
};

fn device() -> Device {
    neurode_backend::device(Backend::Flex, Precision::F32).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurode-torch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn values<M: Module>(model: &M) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.extend(p.val().to_data().iter::<f32>());
        }
    }
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

/// The names and shapes of a saved file, sorted by name.
fn saved<M: Module + TorchNames>(model: &M, name: &str) -> Vec<(String, Vec<usize>)> {
    let path = scratch(name);
    save_torch_weights(model, &path).unwrap();
    let mut store = SafetensorsStore::from_file(&path);
    store
        .get_all_tensors()
        .unwrap()
        .values()
        .map(|t| (t.name.clone(), t.shape.to_vec()))
        .collect()
}

fn linear(name: &str, fan_in: usize, fan_out: usize) -> [(String, Vec<usize>); 2] {
    [
        (format!("{name}.bias"), vec![fan_out]),
        (format!("{name}.weight"), vec![fan_out, fan_in]),
    ]
}

fn expect(layers: &[(&str, usize, usize)]) -> Vec<(String, Vec<usize>)> {
    let mut v: Vec<_> = layers
        .iter()
        .flat_map(|&(n, i, o)| linear(n, i, o))
        .collect();
    v.sort();
    v
}

#[test]
fn every_model_saves_the_state_dict_of_its_pytorch_rendering() {
    let d = device();
    let classifier = OdeClassifierConfig::new().init(0, &d).unwrap();
    assert_eq!(
        saved(&classifier, "classifier.safetensors"),
        expect(&[
            ("lift", 2, 6),
            ("func.net.0", 7, 128),
            ("func.net.2", 128, 128),
            ("func.net.4", 128, 6),
            ("head.0", 6, 64),
            ("head.2", 64, 2),
        ])
    );
    let residual = NeuralOdeConfig::new(Preset::Residual64.config())
        .init(0, &d)
        .unwrap();
    assert_eq!(
        saved(&residual, "residual.safetensors"),
        expect(&[("l1", 2, 64), ("l2", 64, 64), ("l3", 64, 2)])
    );
    let baseline = NeuralOdeConfig::new(Preset::Baseline.config())
        .init(0, &d)
        .unwrap();
    assert_eq!(
        saved(&baseline, "baseline.safetensors"),
        expect(&[
            ("net.0", 2, 128),
            ("net.2", 128, 128),
            ("net.4", 128, 128),
            ("net.6", 128, 2)
        ])
    );
    let time_aware = NeuralOdeConfig::new(Preset::TimeAware64.config())
        .init(0, &d)
        .unwrap();
    assert_eq!(
        saved(&time_aware, "timeaware.safetensors"),
        expect(&[
            ("temb", 1, 16),
            ("net.0", 18, 64),
            ("net.2", 64, 64),
            ("net.4", 64, 2)
        ])
    );
    let resnet = ResNetMlpConfig::new().with_blocks(2).init(0, &d).unwrap();
    assert_eq!(
        saved(&resnet, "resnet.safetensors"),
        expect(&[
            ("lift", 2, 6),
            ("blocks.0.0", 6, 128),
            ("blocks.0.2", 128, 128),
            ("blocks.0.4", 128, 6),
            ("blocks.1.0", 6, 128),
            ("blocks.1.2", 128, 128),
            ("blocks.1.4", 128, 6),
            ("head.0", 6, 64),
            ("head.2", 64, 2),
        ])
    );
}

#[test]
fn weights_round_trip_exactly() {
    let d = device();
    let config = NeuralOdeConfig::new(Preset::Residual64.config());
    let (a, b) = (config.init(1, &d).unwrap(), config.init(2, &d).unwrap());
    assert_ne!(values(&a), values(&b));
    let path = scratch("round_trip.safetensors");
    save_torch_weights(&a, &path).unwrap();
    let b = load_torch_weights(b, &path).unwrap();
    assert_eq!(values(&a), values(&b));
    // Overwriting an existing file works (the write is atomic).
    save_torch_weights(&b, &path).unwrap();
}

fn problem(err: ModelError) -> WeightsError {
    match err {
        ModelError::Weights { problem, .. } => problem,
        other => panic!("expected a weights error, got {other}"),
    }
}

#[test]
fn bad_files_are_typed_errors_naming_the_tensor() {
    let d = device();
    let residual = NeuralOdeConfig::new(Preset::Residual64.config());
    let classifier = OdeClassifierConfig::new().init(0, &d).unwrap();
    let path = scratch("classifier_for_residual.safetensors");
    save_torch_weights(&classifier, &path).unwrap();

    let err = load_torch_weights(residual.init(0, &d).unwrap(), &path).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(problem(err), WeightsError::Missing { ref missing, .. } if missing.contains(&"l1.weight".to_string())),
        "{text}"
    );
    assert!(text.contains("`l1.weight`") && text.contains(path.to_str().unwrap()));

    // Unknown tensors: a 4-layer dense network's file into a 3-layer one.
    let dense = |layers| {
        NeuralOdeConfig::new(DynamicsNetConfig::Dense(
            DenseConfig::new().with_width(16).with_layers(layers),
        ))
        .init(0, &d)
        .unwrap()
    };
    let four = scratch("dense4.safetensors");
    save_torch_weights(&dense(4), &four).unwrap();
    let err = problem(load_torch_weights(dense(3), &four).unwrap_err());
    assert!(
        matches!(err, WeightsError::Unknown { ref unknown, .. } if unknown == &["net.6.bias", "net.6.weight"]),
        "{err}"
    );

    // A wrong shape names the tensor and both shapes in PyTorch's layout.
    let wide = NeuralOdeConfig::new(DynamicsNetConfig::Dense(
        DenseConfig::new().with_width(32).with_layers(3),
    ))
    .init(0, &d)
    .unwrap();
    let wide_path = scratch("dense_wide.safetensors");
    save_torch_weights(&wide, &wide_path).unwrap();
    let err = problem(load_torch_weights(dense(3), &wide_path).unwrap_err());
    assert!(
        matches!(err, WeightsError::Shape { ref name, ref expected, ref found }
            if name == "net.0.weight" && expected == &[16, 2] && found == &[32, 2]),
        "{err}"
    );

    // Formats: an unknown extension, and a file that is not what its name says.
    let err = problem(load_torch_weights(dense(3), &scratch("w.npz")).unwrap_err());
    assert!(matches!(err, WeightsError::Format), "{err}");
    let garbage = scratch("garbage.safetensors");
    std::fs::write(&garbage, b"not a safetensors file").unwrap();
    let err = problem(load_torch_weights(dense(3), &garbage).unwrap_err());
    assert!(matches!(err, WeightsError::Io(_)), "{err}");
    let missing = scratch("absent.safetensors");
    let err = problem(load_torch_weights(dense(3), &missing).unwrap_err());
    assert!(matches!(err, WeightsError::Io(_)), "{err}");
    assert!(matches!(
        problem(save_torch_weights(&dense(3), &scratch("w.pt")).unwrap_err()),
        WeightsError::Format
    ));
}

/// A `torch.save(model.state_dict())` file and the same tensors as safetensors (written by
/// `fixtures/make_fixtures.py`) load into the same model, with PyTorch's `[out, in]` weights
/// transposed: `l1.weight[j][i]` is Burn's `w1.weight[i][j]`.
#[test]
fn pytorch_pt_and_safetensors_files_load_alike() {
    let d = device();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let config = NeuralOdeConfig::new(Preset::Residual64.config());
    let from_pt =
        load_torch_weights(config.init(0, &d).unwrap(), &dir.join("residual64.pt")).unwrap();
    let from_st = load_torch_weights(
        config.init(1, &d).unwrap(),
        &dir.join("residual64.safetensors"),
    )
    .unwrap();
    assert_eq!(values(&from_pt), values(&from_st));
    let mut store = SafetensorsStore::from_file(dir.join("residual64.safetensors"));
    let l1 = store.get_tensor("l1.weight").unwrap().unwrap().clone();
    let torch_l1: Vec<f32> = burn::store::bridge::to_data(&l1)
        .unwrap()
        .try_to_vec()
        .unwrap();
    // Burn's w1.weight is [2, 64]: the first parameter visited.
    let burn_w1 = &values(&from_st)[..128];
    for j in 0..64 {
        for i in 0..2 {
            assert_eq!(burn_w1[i * 64 + j], torch_l1[j * 2 + i]);
        }
    }
}
