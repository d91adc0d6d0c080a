//! Models of both papers: exact parameter counts, a known forward pass, augmentation, the
//! per-row clock, records — one body per backend.

#[macro_use]
mod common;

use burn::module::Module;
use common::{Device, Tensor, max_abs_diff, param_values, temp_path, tensor, values};
use neurode::models::{
    DenseConfig, DynamicsNetConfig, Init, NeuralOdeConfig, OdeClassifierConfig, Preset,
    ResNetMlpConfig, ResidualConfig, Time, VectorField, load_record, param_size, save_record,
};
use neurode::solvers::{Method, SolveOptions, Stepping};

fn count<M: Module>(m: &M) -> usize {
    param_size(m).count
}

fn paper_parameter_counts(device: &Device) {
    let expected = [
        (Preset::Baseline, 33_666),
        (Preset::Compact32, 162),
        (Preset::Compact64, 4_482),
        (Preset::Compact96, 9_794),
        (Preset::Residual64, 4_482),
        (Preset::TimeAware64, 5_538),
    ];
    for (preset, n) in expected {
        let config = NeuralOdeConfig::new(preset.config());
        assert_eq!(config.num_params(), n, "{preset} (formula)");
        assert_eq!(
            count(&config.init(0, device).unwrap()),
            n,
            "{preset} (built)"
        );
    }
    let ode = OdeClassifierConfig::new();
    assert_eq!(ode.num_params(), 18_906);
    assert_eq!(count(&ode.init(0, device).unwrap()), 18_906);
    let resnet = ResNetMlpConfig::new();
    assert_eq!(resnet.num_params(), 364_236);
    assert_eq!(count(&resnet.init(0, device).unwrap()), 364_236);
}

fn paper_parameter_bytes(device: &Device) {
    // Paper 000 §5.5: 17.9 KB vs 134.7 KB (f32 storage).
    let residual = NeuralOdeConfig::new(Preset::Residual64.config())
        .init(0, device)
        .unwrap();
    let baseline = NeuralOdeConfig::new(Preset::Baseline.config())
        .init(0, device)
        .unwrap();
    let (r, b) = (param_size(&residual), param_size(&baseline));
    assert_eq!((r.bytes, b.bytes), (4 * 4_482, 4 * 33_666));
    assert_eq!(format!("{:.1}", r.kilobytes()), "17.9");
    assert_eq!(format!("{:.1}", b.kilobytes()), "134.7");
}

fn augmented_parameter_count(device: &Device) {
    // Residual-64 on 2 + 3 dimensions: 5·64+64 + 64·64+64 + 64·5+5.
    let config = NeuralOdeConfig::new(Preset::Residual64.config()).with_augment(3);
    assert_eq!(config.num_params(), 384 + 4_160 + 325);
    assert_eq!(count(&config.init(1, device).unwrap()), 384 + 4_160 + 325);
}

/// `f = W₃(z + z_res) + b₃`, `z = tanh(W₁h³ + b₁)`, `z_res = tanh(W₂z + b₂)`, on the host.
fn residual_by_hand(p: &[(Vec<usize>, Vec<f64>)], h: [f64; 2]) -> Vec<f64> {
    let affine = |x: &[f64], w: &(Vec<usize>, Vec<f64>), b: &(Vec<usize>, Vec<f64>)| {
        let (n_in, n_out) = (w.0[0], w.0[1]);
        (0..n_out)
            .map(|j| b.1[j] + (0..n_in).map(|i| x[i] * w.1[i * n_out + j]).sum::<f64>())
            .collect::<Vec<f64>>()
    };
    let x = [h[0].powi(3), h[1].powi(3)];
    let z: Vec<f64> = affine(&x, &p[0], &p[1]).iter().map(|v| v.tanh()).collect();
    let zr: Vec<f64> = affine(&z, &p[2], &p[3]).iter().map(|v| v.tanh()).collect();
    let sum: Vec<f64> = z.iter().zip(&zr).map(|(a, b)| a + b).collect();
    affine(&sum, &p[4], &p[5])
}

fn residual_forward_matches_hand_computation(device: &Device) {
    let net = ResidualConfig::new()
        .init(2, &mut Init::new(3), device)
        .unwrap();
    let params = param_values(&net);
    assert_eq!(params.len(), 6);
    let inputs = [[2.0, 0.0], [-0.7, 1.3], [0.1, -0.05]];
    let out = values(&net.field(&Time::Scalar(0.0), tensor(&inputs, device)));
    let expected: Vec<f64> = inputs
        .iter()
        .flat_map(|h| residual_by_hand(&params, *h))
        .collect();
    assert!(
        max_abs_diff(&out, &expected) < 1e-5,
        "{out:?} vs {expected:?}"
    );
    assert!(
        expected.iter().any(|v| v.abs() > 0.05),
        "a trivial output proves nothing"
    );
}

fn seeded_init_is_deterministic(device: &Device) {
    let a = param_values(
        &NeuralOdeConfig::new(Preset::Baseline.config())
            .init(5, device)
            .unwrap(),
    );
    let b = param_values(
        &NeuralOdeConfig::new(Preset::Baseline.config())
            .init(5, device)
            .unwrap(),
    );
    let c = param_values(
        &NeuralOdeConfig::new(Preset::Baseline.config())
            .init(6, device)
            .unwrap(),
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    // PyTorch's default bound 1/√fan_in: first layer (fan_in 2) within ±0.7071.
    assert!(a[0].1.iter().all(|w| w.abs() <= 1.0 / 2f64.sqrt()));
    assert!(a[0].1.iter().any(|w| w.abs() > 0.5));
}

fn augmented_state_starts_at_zero_and_is_dropped(device: &Device) {
    let opts = SolveOptions::adaptive(1e-6, 1e-8);
    let model = NeuralOdeConfig::new(Preset::Residual64.config())
        .with_augment(2)
        .with_solver(opts.clone())
        .init(4, device)
        .unwrap();
    assert_eq!(model.augment(), 2);
    let y0 = tensor(&[[1.0, 0.5], [-0.3, 0.8]], device);
    let ts = [0.0, 0.5, 1.0];
    let out = model.forward(y0, &ts).unwrap();
    assert_eq!(out.ys.dims(), [3, 2, 2]);
    // The same dynamics solved by hand on [y0, 0, 0]: its first two columns are the output.
    let padded = tensor(&[[1.0, 0.5, 0.0, 0.0], [-0.3, 0.8, 0.0, 0.0]], device);
    let f = |t: f64, y: &Tensor<2>| model.dynamics.field(&Time::Scalar(t), y.clone());
    let full = neurode::solvers::solve(&f, padded, &ts, &opts).unwrap();
    let full = Tensor::stack::<3>(full.ys, 0).slice([0..3, 0..2, 0..2]);
    assert!(max_abs_diff(&values(&out.ys), &values(&full)) < 1e-6);
    // And the augmented dimensions really move (the model is not a plain 2-D ODE).
    let aux = values(&Tensor::stack::<3>(
        neurode::solvers::solve(&f, tensor(&[[1.0, 0.5, 0.0, 0.0]], device), &ts, &opts)
            .unwrap()
            .ys,
        0,
    ));
    assert!(aux[10].abs() > 1e-4 || aux[11].abs() > 1e-4, "{aux:?}");
}

fn time_aware_segments_use_absolute_time(device: &Device) {
    let opts = SolveOptions::adaptive(1e-7, 1e-9);
    let model = NeuralOdeConfig::new(Preset::TimeAware64.config())
        .with_solver(opts)
        .init(2, device)
        .unwrap();
    let rel = [0.0, 0.25, 0.5];
    let starts = [0.0, 3.0];
    let y0 = tensor(&[[1.0, 0.5], [0.4, -0.6]], device);
    let batched = values(&model.forward_segments(y0, &starts, &rel).unwrap().ys);
    for (b, (s, row)) in starts.iter().zip([[1.0, 0.5], [0.4, -0.6]]).enumerate() {
        let ts: Vec<f64> = rel.iter().map(|r| s + r).collect();
        let alone = values(&model.forward(tensor(&[row], device), &ts).unwrap().ys);
        let mine: Vec<f64> = (0..3)
            .flat_map(|k| batched[k * 4 + b * 2..k * 4 + b * 2 + 2].to_vec())
            .collect();
        assert!(
            max_abs_diff(&mine, &alone) < 1e-4,
            "row {b}: {mine:?} vs {alone:?}"
        );
    }
    // A time-dependent field really differs between the two start times.
    let shifted = values(
        &model
            .forward(tensor(&[[0.4, -0.6]], device), &rel)
            .unwrap()
            .ys,
    );
    assert!(max_abs_diff(&shifted[4..], &batched[10..12]) > 1e-5);
}

fn classifier_starts_as_identity_flow(device: &Device) {
    for method in [Method::Euler, Method::Rk4] {
        let config = OdeClassifierConfig::new().with_solver(
            SolveOptions::new()
                .with_method(method)
                .with_stepping(Stepping::Steps(20)),
        );
        let model = config.init(0, device).unwrap();
        let x = tensor(&[[0.3, -0.2], [0.9, 0.1], [-0.5, -0.5]], device);
        let out = model.forward(x.clone()).unwrap();
        assert_eq!(out.logits.dims(), [3, 2]);
        assert_eq!(out.stats.nfe, if method == Method::Euler { 20 } else { 80 });
        // Zero-initialised last layer: dh/dt = 0, so h(1) = h(0).
        let traj = values(&model.trajectory(x, &[0.0, 1.0]).unwrap());
        assert_eq!(traj[..18], traj[18..]);
    }
    let resnet = ResNetMlpConfig::new().init(0, device).unwrap();
    assert_eq!(
        resnet
            .forward(tensor(&[[0.3, -0.2]], device))
            .unwrap()
            .dims(),
        [1, 2]
    );
}

fn bad_inputs_are_errors(device: &Device) {
    let model = NeuralOdeConfig::new(Preset::Residual64.config())
        .init(0, device)
        .unwrap();
    let wrong = tensor(&[[1.0, 2.0, 3.0]], device);
    let e = model.forward(wrong, &[0.0, 1.0]).err().unwrap().to_string();
    assert!(e.contains("y0") && e.contains("[1, 3]"), "{e}");
    let e = model
        .forward(tensor(&[[1.0, 2.0]], device), &[1.0, 0.5, 2.0])
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("monoton") || e.contains("increas") || e.contains("order"),
        "{e}"
    );
    let e = model
        .forward_segments(tensor(&[[1.0, 2.0]], device), &[0.0, 1.0], &[0.0, 1.0])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("starts"), "{e}");
    let bad = DynamicsNetConfig::Dense(DenseConfig::new().with_layers(1));
    let e = NeuralOdeConfig::new(bad)
        .init(0, device)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("layers"), "{e}");
    let e = ResNetMlpConfig::new()
        .init(0, device)
        .unwrap()
        .forward(tensor(&[[1.0]], device))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("[batch ≥ 1, 2]"), "{e}");
}

/// Saves `model`, loads it into a model built from another seed, and compares outputs.
fn round_trip<M: Module>(name: &str, model: M, other: M, out: impl Fn(&M) -> Vec<f64>) {
    let path = temp_path(&format!("{name}.bpk"));
    save_record(&model, &path).unwrap();
    let before = out(&model);
    assert_ne!(out(&other), before, "{name}: the other seed must differ");
    let loaded = load_record(other, &path).unwrap();
    assert_eq!(out(&loaded), before, "{name}");
    std::fs::remove_file(&path).unwrap();
}

fn records_round_trip_exactly(device: &Device) {
    let y0 = tensor(&[[1.5, -0.5]], device);
    let ts = [0.0, 0.5, 1.0];
    for preset in Preset::ALL {
        let c = NeuralOdeConfig::new(preset.config())
            .with_augment(usize::from(preset == Preset::Compact64));
        round_trip(
            preset.name(),
            c.init(1, device).unwrap(),
            c.init(2, device).unwrap(),
            |m| values(&m.forward(y0.clone(), &ts).unwrap().ys),
        );
    }
    let x = tensor(&[[0.3, -0.2], [0.5, 0.5]], device);
    let c = OdeClassifierConfig::new().with_zero_init(false);
    round_trip(
        "classifier",
        c.init(1, device).unwrap(),
        c.init(2, device).unwrap(),
        |m| values(&m.forward(x.clone()).unwrap().logits),
    );
    let c = ResNetMlpConfig::new().with_zero_init(false);
    round_trip(
        "resnet",
        c.init(1, device).unwrap(),
        c.init(2, device).unwrap(),
        |m| values(&m.forward(x.clone()).unwrap()),
    );
    let missing = load_record(c.init(1, device).unwrap(), &temp_path("nope.bpk"));
    assert!(missing.err().unwrap().to_string().contains("no such file"));
}

all_backend_tests!(F32;
    paper_parameter_counts,
    paper_parameter_bytes,
    augmented_parameter_count,
    residual_forward_matches_hand_computation,
    seeded_init_is_deterministic,
    augmented_state_starts_at_zero_and_is_dropped,
    time_aware_segments_use_absolute_time,
    classifier_starts_as_identity_flow,
    bad_inputs_are_errors,
    records_round_trip_exactly,
);
