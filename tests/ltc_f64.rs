//! The liquid time-constant cell in f64 on the CPU backends: the closed form of its linear
//! ODE when the gate is constant, every gradient method against backprop under a held input,
//! and the LTC stability property (states stay in the box spanned by 0 and `A`); the same
//! gradient checks for the input-concatenated Neural ODE, and a sequence model (cell +
//! readout) predicting with and without a tape.

#[macro_use]
mod common;

use burn::module::{Module, Param};
use common::problems::linspace;
use common::*;
use neurode::adjoint::{AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics, odeint};
use neurode::models::{
    DrivenCell, Init, InputOdeCell, InputOdeConfig, InputSignal, LayerInit, LtcCell, LtcConfig,
    ModelError, SequenceModel,
};
use neurode::solvers::{SolveOptions, solve};
use rand::{Rng, SeedableRng, rngs::StdRng};

fn set(p: &mut Param<Tensor<2>>, v: Vec<f64>, shape: [usize; 2], device: &Device) {
    *p = Param::from_tensor(Tensor::from_data(
        burn::tensor::TensorData::new(v, shape),
        device,
    ));
}

fn ltc_with_constant_gate_is_its_linear_ode(device: &Device) {
    // W_r = W_s = 0: f = σ(b) per unit, and dh/dt = −(1/τ + f) h + f A is linear:
    // h(t) = h* + (h₀ − h*) e^{−(1/τ + f) t}, h* = f A / (1/τ + f).
    let units = 3;
    let mut cell = LtcConfig::new()
        .with_units(units)
        .with_inputs(2)
        .init(&mut Init::new(4), device)
        .unwrap();
    set(
        &mut cell.recurrent.weight,
        vec![0.0; units * units],
        [units, units],
        device,
    );
    set(
        &mut cell.sensory.weight,
        vec![0.0; 2 * units],
        [2, units],
        device,
    );
    let signal = InputSignal::new(vec![0.0, 0.7], 2, 2, vec![vec![1.0; 4], vec![-3.0; 4]]);
    let cell = cell.driven_by(signal.unwrap());
    let h0 = [[0.4, -0.2, 0.9], [-1.0, 0.3, 0.0]];
    let ts = linspace(0.0, 3.0, 7);
    let f = |t: f64, h: &Tensor<2>| cell.forward(t, h.clone());
    let sol = solve(
        &f,
        tensor(&h0, device),
        &ts,
        &SolveOptions::adaptive(1e-11, 1e-13),
    )
    .unwrap();
    let b: Vec<f64> = (values(&cell.recurrent.bias.as_ref().unwrap().val()).iter())
        .zip(values(&cell.sensory.bias.as_ref().unwrap().val()))
        .map(|(r, s)| r + s)
        .collect();
    let tau = values(&cell.tau());
    let a = values(&cell.bias_a.val());
    assert!(
        tau.iter().all(|t| (t - 1.0).abs() < 1e-12),
        "τ starts at 1: {tau:?}"
    );
    // The cell's own gate: σ(b) up to the backend's sigmoid (ndarray's f64 sigmoid is at about
    // f32 precision: 1.4e-8 off at b = −0.67, measured), so the comparison below isolates the
    // dynamics and the solve.
    let gate = values(&cell.gate(0.0, Tensor::zeros([1, units], device)));
    for u in 0..units {
        let exact = 1.0 / (1.0 + (-b[u]).exp());
        assert!(
            (gate[u] - exact).abs() < 1e-7,
            "σ(b) {} vs {exact}",
            gate[u]
        );
    }
    for (k, &t) in ts.iter().enumerate() {
        let got = values(&sol.ys[k]);
        for (r, row) in h0.iter().enumerate() {
            for u in 0..units {
                let g = gate[u];
                let rate = 1.0 / tau[u] + g;
                let star = g * a[u] / rate;
                let exact = star + (row[u] - star) * (-rate * t).exp();
                let e = (got[r * units + u] - exact).abs();
                assert!(
                    e < 1e-9,
                    "t {t} row {r} unit {u}: {} vs {exact}",
                    got[r * units + u]
                );
            }
        }
    }
}

/// A cell driven by a random held input over [0, 4], its readout loss and gradients.
fn driven_gradients<C: DrivenCell>(
    device: &Device,
    make: impl Fn(&Device) -> C,
    method: GradientMethod,
) -> (Vec<f64>, Vec<f64>) {
    let ad = device.clone().autodiff();
    let mut rng = StdRng::seed_from_u64(11);
    let times = linspace(0.0, 4.0, 9);
    let samples = times
        .iter()
        .map(|_| (0..3 * 2).map(|_| rng.random_range(-2.0..2.0)).collect())
        .collect();
    let signal = InputSignal::new(times, 3, 2, samples).unwrap();
    let cell = make(&ad).driven_by(signal);
    let h0 = tensor(&[[0.1; 5], [-0.2; 5], [0.0; 5]], &ad);
    // Outputs between and on the input's sample times.
    let ts = linspace(0.0, 4.0, 13);
    let opts = SolveOptions::adaptive(1e-10, 1e-12);
    let traj = odeint(&cell, h0, &ts, &opts, &method).unwrap();
    let loss = (traj.ys.clone().powi_scalar(2) + traj.ys.clone().mul_scalar(0.5)).mean();
    let g = traj.backward(loss).unwrap();
    (grad_values(&cell, &g.params), values(&g.y0))
}

fn ltc(device: &Device) -> LtcCell {
    LtcConfig::new()
        .with_units(5)
        .with_inputs(2)
        .init(&mut Init::new(2), device)
        .unwrap()
}

fn input_ode(device: &Device) -> InputOdeCell {
    InputOdeConfig::new()
        .with_units(5)
        .with_inputs(2)
        .init(&mut Init::new(2), device)
        .unwrap()
}

fn gradients_agree_across_methods<C: DrivenCell>(
    device: &Device,
    make: impl Fn(&Device) -> C + Copy,
    params: usize,
) {
    let (gb, yb) = driven_gradients(device, make, GradientMethod::Backprop);
    assert_eq!(gb.len(), params);
    assert!(gb.iter().all(|g| g.is_finite()) && gb.iter().any(|g| g.abs() > 1e-6));
    let backward = AdjointOptions::new().with_solve(SolveOptions::adaptive(1e-10, 1e-12));
    for (method, tol) in [
        (GradientMethod::Adjoint(backward.clone()), 1e-5),
        (GradientMethod::Interpolated(backward), 1e-5),
        (
            GradientMethod::Checkpointed(CheckpointOptions::with_budget(4)),
            1e-12,
        ),
    ] {
        let (g, y) = driven_gradients(device, make, method.clone());
        assert!(rel_err(&g, &gb) < tol, "{method:?}: θ {}", rel_err(&g, &gb));
        assert!(
            rel_err(&y, &yb) < tol,
            "{method:?}: h0 {}",
            rel_err(&y, &yb)
        );
    }
}

fn ltc_gradients_agree_across_methods(device: &Device) {
    gradients_agree_across_methods(device, ltc, 5 * 5 + 2 * 5 + 4 * 5);
}

/// The same for the input-concatenated Neural ODE (no `A`: 5 fewer parameters).
fn input_ode_gradients_agree_across_methods(device: &Device) {
    gradients_agree_across_methods(device, input_ode, 5 * 5 + 2 * 5 + 3 * 5);
}

/// A sequence model (cell + readout): the tape-free prediction equals the taped one, and the
/// gradients of cell and readout by checkpointing equal backprop's.
fn sequence_model_predicts_and_differentiates(device: &Device) {
    let ad = device.clone().autodiff();
    let signal = InputSignal::new(
        vec![0.0, 1.0, 2.5],
        2,
        2,
        vec![
            vec![1.0, -1.0, 0.5, 0.0],
            vec![-2.0, 0.3, 1.0, 1.0],
            vec![0.0; 4],
        ],
    )
    .unwrap();
    let ts = linspace(0.0, 3.0, 7);
    let opts = SolveOptions::adaptive(1e-10, 1e-12);
    let model = |method: GradientMethod| {
        let mut init = Init::new(4);
        let cell = LtcConfig::new()
            .with_units(5)
            .with_inputs(2)
            .init(&mut init, &ad)
            .unwrap();
        let readout = init.linear(5, 3, LayerInit::Uniform, &ad);
        SequenceModel::new(cell, readout, opts.clone(), method).unwrap()
    };
    let grads = |method: GradientMethod| {
        let m = model(method);
        let out = m.forward(signal.clone(), &ts).unwrap();
        assert_eq!(out.ys.dims(), [7, 2, 3]);
        let loss = out.ys.clone().powi_scalar(2).mean();
        let g = out.backward(loss, &m).unwrap();
        (
            values(&m.forward(signal.clone(), &ts).unwrap().ys),
            grad_values(&m, &g.params),
        )
    };
    let (taped, gb) = grads(GradientMethod::Backprop);
    let plain = model(GradientMethod::Backprop).valid();
    let untaped = values(&plain.forward(signal.clone(), &ts).unwrap().ys);
    assert!(max_abs_diff(&taped, &untaped) < 1e-12);
    // Cell (5·5 + 5 + 2·5 + 5 + 5 + 5) and readout (5·3 + 3).
    assert_eq!(gb.len(), 55 + 18);
    let (_, gc) = grads(GradientMethod::Checkpointed(
        CheckpointOptions::with_budget(3),
    ));
    assert!(rel_err(&gc, &gb) < 1e-12, "{}", rel_err(&gc, &gb));
    // A readout that does not fit the cell is refused.
    let cell = ltc(&ad);
    let wrong = Init::new(1).linear(4, 1, LayerInit::Uniform, &ad);
    assert!(SequenceModel::new(cell, wrong, opts, GradientMethod::Backprop).is_err());
}

fn ltc_states_stay_in_their_box(device: &Device) {
    // For every unit, [min(0, A), max(0, A)] is invariant: at its top −h/τ + f (A − h) ≤ 0,
    // at its bottom ≥ 0, for any gate f in (0, 1) and any τ > 0 — whatever the input.
    for seed in 0..6 {
        let mut rng = StdRng::seed_from_u64(100 + seed);
        let mut cell = LtcConfig::new()
            .with_units(6)
            .with_inputs(3)
            .init(&mut Init::new(seed), device)
            .unwrap();
        // Strong random couplings and time constants from 0.05 to 5.
        let w: Vec<f64> = (0..36).map(|_| rng.random_range(-4.0..4.0)).collect();
        set(&mut cell.recurrent.weight, w, [6, 6], device);
        let tau: Vec<f64> = (0..6).map(|_| rng.random_range(-3.0..5.0)).collect();
        cell.tau_raw = Param::from_tensor(Tensor::from_data(
            burn::tensor::TensorData::new(tau, [6]),
            device,
        ));
        let times = linspace(0.0, 20.0, 41);
        let samples = times
            .iter()
            .map(|_| (0..4 * 3).map(|_| rng.random_range(-10.0..10.0)).collect())
            .collect();
        let cell = cell.driven_by(InputSignal::new(times, 4, 3, samples).unwrap());
        let a = values(&cell.bias_a.val());
        // Start anywhere in the box.
        let h0: Vec<f64> = (0..24)
            .map(|i| a[i % 6] * rng.random_range(0.0..1.0))
            .collect();
        let h0 = Tensor::<2>::from_data(burn::tensor::TensorData::new(h0, [4, 6]), device);
        let f = |t: f64, h: &Tensor<2>| cell.forward(t, h.clone());
        let ts = linspace(0.0, 20.0, 201);
        let sol = solve(&f, h0, &ts, &SolveOptions::adaptive(1e-8, 1e-10)).unwrap();
        for (k, y) in sol.ys.iter().enumerate() {
            for (i, h) in values(y).iter().enumerate() {
                let (lo, hi) = (a[i % 6].min(0.0), a[i % 6].max(0.0));
                assert!(
                    *h >= lo - 1e-7 && *h <= hi + 1e-7,
                    "seed {seed}, t {}: h {h} outside [{lo}, {hi}]",
                    ts[k]
                );
            }
        }
    }
}

fn bad_input_signals_are_refused(_device: &Device) {
    let bad = [
        InputSignal::new(vec![], 1, 1, vec![]),
        InputSignal::new(vec![0.0, 0.0], 1, 1, vec![vec![1.0], vec![2.0]]),
        InputSignal::new(vec![0.0, f64::NAN], 1, 1, vec![vec![1.0], vec![2.0]]),
        InputSignal::new(vec![0.0], 2, 1, vec![vec![1.0]]),
        InputSignal::new(vec![0.0], 1, 1, vec![vec![f64::INFINITY]]),
        InputSignal::new(vec![0.0], 0, 1, vec![vec![]]),
    ];
    for (i, r) in bad.into_iter().enumerate() {
        let e: ModelError = r.expect_err(&format!("case {i} must be refused"));
        assert!(!e.to_string().is_empty());
    }
    let s = InputSignal::new(vec![0.0, 1.0], 1, 1, vec![vec![1.0], vec![2.0]]).unwrap();
    assert_eq!(
        (s.at(-1.0), s.at(0.5), s.at(1.0), s.at(9.0)),
        (&[1.0][..], &[1.0][..], &[2.0][..], &[2.0][..])
    );
}

cpu_backend_tests!(F64;
    ltc_with_constant_gate_is_its_linear_ode,
    ltc_gradients_agree_across_methods,
    input_ode_gradients_agree_across_methods,
    sequence_model_predicts_and_differentiates,
    ltc_states_stay_in_their_box,
    bad_input_signals_are_refused,
);
