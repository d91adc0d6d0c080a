//! Per-row clocks against a shared clock (BENCHMARKS.md, "Per-row clocks"):
//!
//! 1. `vdp`: 256 Van der Pol rows, μ log-spaced in [0.1, 20], y₀ = (2, 0), DOPRI5
//!    rtol = atol = 1e-6 over [0, 20], f64: row-steps, NFE and wall time, shared clock vs
//!    per-row (`bench/per_row_vdp.py` runs torchdiffeq and torchode on the same problem).
//! 2. `irregular`: 128 series, each its own span in [20, 48] and 5–50 sorted random
//!    observation times from 0; a Dense 64×3 Neural ODE (f32, DOPRI5 1e-4/1e-6), forward +
//!    backward of a loss of every observation (backprop, backsolve and interpolating
//!    adjoint): per-row grids vs the union of every row's times on one shared clock
//!    (torchdiffeq's latent-ODE batching).
//! 3. `lotka`: training on `examples/data/lotka_volterra.csv` with the default recipe
//!    (`RunConfig::dynamics()`, as `neurode train --data`): time per iteration and final test
//!    MSE over seeds 0–2, windows batched per row vs one solve per window.
//!
//! `cargo bench --bench per_row [-- vdp|irregular|lotka]` (all three by default, each in its
//! own process).

use std::time::Instant;

use burn::Tensor;
use burn::tensor::{Bool, TensorData};
use neurode::adjoint::{AdjointOptions, GradientMethod};
use neurode::backend::{Backend, Device, Precision};
use neurode::models::{DenseConfig, DynamicsNetConfig, NeuralOdeConfig};
use neurode::run::{RunConfig, dynamics_data, dynamics_model, trainer};
use neurode::solvers::{FailurePolicy, Method, RowGrid, RowsAt, SolveOptions, solve, solve_rows};
use neurode::train::Regression;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Res = Result<(), Box<dyn std::error::Error>>;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Median wall time (s) of `runs` calls after one warm-up, and the last call's result.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        out = f();
        times.push(start.elapsed().as_secs_f64());
    }
    (median(times), out)
}

fn column(values: &[f64], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), device)
}

/// `(x, v)' = (v, μ(1 − x²)v − x)` as `y·[[0, −1], [1, 0]] + μ(1 − x²)v ⊙ (0, 1)`: no
/// column concatenation (flex copies `[n, 1]` columns row by row); the two constants are
/// made once.
struct VdpField {
    rotate: Tensor<2>,
    second: Tensor<2>,
}

impl VdpField {
    fn new(device: &Device) -> Self {
        let t = |v: Vec<f64>, shape: [usize; 2]| {
            Tensor::<2>::from_data(TensorData::new(v, shape), device)
        };
        Self {
            rotate: t(vec![0.0, -1.0, 1.0, 0.0], [2, 2]),
            second: t(vec![0.0, 1.0], [1, 2]),
        }
    }

    fn eval(&self, y: &Tensor<2>, mu: Tensor<2>) -> Tensor<2> {
        let [n, _] = y.dims();
        let x = y.clone().slice([0..n, 0..1]);
        let v = y.clone().slice([0..n, 1..2]);
        let damping = (x.clone() * x).neg().add_scalar(1.0) * mu * v;
        y.clone().matmul(self.rotate.clone()) + damping * self.second.clone()
    }
}

fn vdp() -> Res {
    let device = neurode::backend::device(Backend::Flex, Precision::F64)?;
    let b = 256;
    let (lo, hi) = (0.1f64.log10(), 20f64.log10());
    let mu: Vec<f64> = (0..b)
        .map(|i| 10f64.powf(lo + (hi - lo) * i as f64 / (b - 1) as f64))
        .collect();
    let mu_col = column(&mu, &device);
    let y0 = Tensor::<2>::from_data(TensorData::new([2.0, 0.0].repeat(b), [b, 2]), &device);
    let opts = SolveOptions::adaptive(1e-6, 1e-6);
    let field = VdpField::new(&device);
    let shared = |_t: f64, y: &Tensor<2>| field.eval(y, mu_col.clone());
    let (t_shared, sol) = time(5, || {
        solve(&shared, y0.clone(), &[0.0, 20.0], &opts).unwrap()
    });
    let per_row = |at: &RowsAt<'_>, y: &Tensor<2>| field.eval(y, at.gather(&mu_col));
    let grid = RowGrid::uniform(&[0.0, 20.0], b)?;
    let (t_rows, rows) = time(5, || {
        solve_rows(&per_row, y0.clone(), &grid, &opts, FailurePolicy::FailBatch).unwrap()
    });
    let steps: Vec<usize> = rows.rows.iter().map(|r| r.accepted_steps).collect();
    // Accuracy at t = 20 against each row solved alone on the host by DOP853 at 1e-12.
    let exact: Vec<f64> = mu
        .iter()
        .flat_map(|&m| {
            let f = move |_t: f64, y: &Vec<f64>| vec![y[1], m * (1.0 - y[0] * y[0]) * y[1] - y[0]];
            let opts = SolveOptions::adaptive(1e-12, 1e-12).with_method(Method::Dop853);
            solve(&f, vec![2.0, 0.0], &[0.0, 20.0], &opts)
                .unwrap()
                .last()
                .clone()
        })
        .collect();
    let error = |y: &Tensor<2>| -> f64 {
        let v: Vec<f64> = y.to_data().iter::<f64>().collect();
        v.iter()
            .zip(&exact)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    println!(
        "max |error| at t = 20 vs DOP853 1e-12: shared clock {:.1e}, per-row {:.1e}",
        error(sol.last()),
        error(&rows.last())
    );
    println!("## 1. Van der Pol, 256 rows, μ ∈ [0.1, 20], DOPRI5 1e-6, [0, 20], f64");
    println!(
        "| | row-steps (accepted) | rejected | NFE (batched calls) | row evaluations | wall |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| shared clock | {} ({} steps × 256) | {} | {} | {} | {:.1} ms |",
        sol.stats.accepted_steps * b,
        sol.stats.accepted_steps,
        sol.stats.rejected_steps * b,
        sol.stats.nfe,
        sol.stats.nfe * b,
        t_shared * 1e3
    );
    println!(
        "| per-row | {} (per row {}–{}) | {} | {} | {} | {:.1} ms |",
        rows.stats.accepted_steps,
        steps.iter().min().unwrap(),
        steps.iter().max().unwrap(),
        rows.stats.rejected_steps,
        rows.stats.nfe,
        rows.row_evaluations(),
        t_rows * 1e3
    );
    println!(
        "row-steps ratio shared / per-row: {:.2}; wall ratio {:.2}\n",
        (sol.stats.accepted_steps * b) as f64 / rows.stats.accepted_steps as f64,
        t_shared / t_rows
    );
    Ok(())
}

fn irregular() -> Res {
    let plain = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let device = plain.autodiff();
    let b = 128;
    let mut rng = StdRng::seed_from_u64(0);
    let mut rows = Vec::with_capacity(b);
    for _ in 0..b {
        let span = rng.random_range(20.0..48.0);
        let n = rng.random_range(5..=50);
        let mut ts: Vec<f64> = (1..n).map(|_| rng.random_range(0.0..span)).collect();
        ts.push(0.0);
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        rows.push(ts);
    }
    let grid = RowGrid::new(rows.clone())?;
    let mut union: Vec<f64> = rows.iter().flatten().copied().collect();
    union.sort_by(f64::total_cmp);
    union.dedup();
    let y0v: Vec<f64> = (0..2 * b).map(|_| rng.random_range(-1.0..1.0)).collect();
    let y0 = Tensor::<2>::from_data(TensorData::new(y0v, [b, 2]), &device);
    let observations: usize = grid.lens().iter().sum();
    // Union: one shared clock through every row's times, each row's own picked by a mask.
    let u = union.len();
    let mut mask = vec![false; u * b];
    for (r, ts) in rows.iter().enumerate() {
        for t in ts {
            let k = union.binary_search_by(|x| x.total_cmp(t)).unwrap();
            mask[k * b + r] = true;
        }
    }
    let mask = Tensor::<3, Bool>::from_data(TensorData::new(mask, [u, b, 1]), &device);
    println!(
        "## 2. Irregular series: 128 rows, spans in [20, 48], 5–50 observations each \
         ({observations} in all, {u} distinct times); Dense 64×3, f32, DOPRI5 1e-4/1e-6, \
         forward + backward of a loss of every observation"
    );
    println!(
        "| gradient | batching | outputs | NFE forward (batched calls) | row evaluations forward \
         | NFE backward | wall |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let adjoint = AdjointOptions::with_tolerances(1e-4, 1e-6);
    for (name, gradient) in [
        ("backprop", GradientMethod::Backprop),
        (
            "backsolve adjoint",
            GradientMethod::Adjoint(adjoint.clone()),
        ),
        (
            "interpolating adjoint",
            GradientMethod::Interpolated(adjoint),
        ),
    ] {
        let net = DenseConfig::new()
            .with_width(64)
            .with_layers(3)
            .with_cubic(false);
        let model = NeuralOdeConfig::new(DynamicsNetConfig::Dense(net))
            .with_solver(SolveOptions::adaptive(1e-4, 1e-6))
            .with_gradient(gradient)
            .init(0, &device)?;
        // Per-row: a loss of every observation (the zero padding adds nothing).
        let (t_rows, nfe_rows) = time(5, || {
            let out = model
                .forward_rows(y0.clone(), &grid, FailurePolicy::FailBatch)
                .unwrap();
            let loss = out.ys.clone().powi_scalar(2).sum();
            let rows = out.rows.iter().map(|r| r.nfe).sum::<usize>();
            let grads = out.backward(loss).unwrap();
            (grads.forward.nfe, rows, grads.backward.nfe)
        });
        let (t_union, nfe_union) = time(5, || {
            let out = model.forward(y0.clone(), &union).unwrap();
            let ys = out.ys.clone().mask_fill(mask.clone().bool_not(), 0.0);
            let loss = ys.powi_scalar(2).sum();
            let grads = out.backward(loss).unwrap();
            (grads.forward.nfe, grads.backward.nfe)
        });
        println!(
            "| {name} | union of times, shared clock | {u} × 128 | {} | {} | {} | {:.1} ms |",
            nfe_union.0,
            nfe_union.0 * b,
            nfe_union.1,
            t_union * 1e3
        );
        println!(
            "| {name} | per-row grids | {observations} | {} | {} | {} | {:.1} ms |",
            nfe_rows.0,
            nfe_rows.1,
            nfe_rows.2,
            t_rows * 1e3
        );
        println!(
            "{name}: NFE (forward + backward batched calls) union / per-row {:.2}; forward row \
             evaluations {:.2}; wall {:.2}\n",
            (nfe_union.0 + nfe_union.1) as f64 / (nfe_rows.0 + nfe_rows.2) as f64,
            (nfe_union.0 * b) as f64 / nfe_rows.1 as f64,
            t_union / t_rows
        );
    }
    Ok(())
}

fn lotka() -> Res {
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/lotka_volterra.csv"
    );
    let mut config = RunConfig::dynamics().with(neurode::run::FlatSettings {
        data: Some(Some(csv.into())),
        ..Default::default()
    })?;
    let (batch_size, seq_len) = config
        .task
        .dynamics()
        .map_or((0, 0), |d| (d.batch_size, d.seq_len));
    let device = neurode::backend::device(Backend::Flex, Precision::F32)?;
    println!(
        "## 3. Training on examples/data/lotka_volterra.csv, default recipe ({} iterations)",
        config.budget()
    );
    println!(
        "| windows | seed | s / iteration | NFE / iteration (fwd) | final test MSE | best test MSE |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for per_row in [true, false] {
        for seed in 0..3 {
            config.seed = seed;
            let (series, _) = dynamics_data(&config)?;
            let model = dynamics_model(&config, &series, &device.clone().autodiff())?;
            let task = Regression::new(series, batch_size, seq_len, &device).with_per_row(per_row);
            let fitted = trainer(&config)?.fit(model, &task, &mut ())?;
            let steps = fitted.state.step.max(1) as f64;
            let last = fitted.state.rows.last().map_or(f64::NAN, |r| r.test_loss);
            let best = fitted.state.best().map_or(f64::NAN, |r| r.test_loss);
            let how = if per_row {
                "one per-row solve"
            } else {
                "one solve per window"
            };
            println!(
                "| {how} | {seed} | {:.4} | {:.0} | {last:.5} | {best:.5} |",
                fitted.state.train_seconds / steps,
                fitted.state.total_nfe_forward as f64 / steps,
            );
        }
    }
    Ok(())
}

fn main() -> Res {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // The float type is process-wide per device (f64 for the first, f32 for the others): one
    // process per item.
    if which.is_empty() {
        for item in ["vdp", "irregular", "lotka"] {
            let status = std::process::Command::new(std::env::current_exe()?)
                .arg(item)
                .status()?;
            if !status.success() {
                return Err(format!("{item} failed: {status}").into());
            }
        }
        return Ok(());
    }
    for item in which {
        match item.as_str() {
            "vdp" => vdp()?,
            "irregular" => irregular()?,
            "lotka" => lotka()?,
            other => return Err(format!("unknown item `{other}`: vdp, irregular or lotka").into()),
        }
    }
    Ok(())
}
