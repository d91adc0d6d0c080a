//! Learning Robertson's stiff kinetics with a Neural ODE, as Kim, Ji, Deng, Ma & Rackauckas,
//! "Stiff Neural Ordinary Differential Equations" (Chaos 31, 093122, 2021; their
//! `ROBER/ROBER.jl`): 50 observations log-spaced over t ∈ [1e-5, 1e5], a 3-5-5-5-5-5-5-3 GELU
//! MLP whose output is scaled by each species' largest value over the time span
//! (`dy/dt = NN(y) ⊙ y_scale / t_end`), and the mean absolute error of the scaled states. The
//! solver switches between DOPRI5 and Rodas5P by the stiffness test (theirs: Tsit5 and
//! Rosenbrock23), the gradient is the interpolating adjoint with the same switching solver
//! backwards (theirs: forward-mode AD through the solver), AdamW at 0.005 (theirs too).
//! Differences: neurode's `auto` pair, the adjoint, and far fewer iterations by default
//! (theirs: 50,000).
//!
//! Prints the loss, the fit per species and the work per iteration, solves the learned model
//! and the true system with DOPRI5 for contrast, and draws `out/stiff_robertson.png` (each
//! species against log₁₀ t: data and the learned trajectory).
//!
//! `cargo run --release --example stiff_robertson -- [iterations]`

use std::error::Error;
use std::time::Instant;

use burn::Tensor;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamWConfig;
use burn::tensor::TensorData;
use burn::tensor::activation::gelu;
use neurode::adjoint::{AdjointOptions, GradientMethod, NeuralDynamics, odeint};
use neurode::backend::{Backend, Device, Precision};
use neurode::run::plot::{Line, Panel, colors, save_figure};
use neurode::solvers::{Method, SolveOptions, solve};

const T_END: f64 = 1e5;
const OBSERVATIONS: usize = 50;

/// The Neural ODE: `NN(y) ⊙ y_scale / t_end`.
#[derive(Module, Debug)]
struct Kinetics {
    layers: Vec<Linear>,
    #[module(skip)]
    scale: Vec<f64>,
}

impl Kinetics {
    fn new(scale: Vec<f64>, device: &Device) -> Self {
        let widths = [3, 5, 5, 5, 5, 5, 5, 3];
        let layers = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Self { layers, scale }
    }
}

impl NeuralDynamics for Kinetics {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut h = y.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = gelu(h);
            }
        }
        let scale: Vec<f64> = self.scale.iter().map(|s| s / T_END).collect();
        h * row(scale, &y.device())
    }
}

fn row(values: Vec<f64>, device: &Device) -> Tensor<2> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [1, n]), device)
}

fn robertson(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let c = |j| y.clone().narrow(1, j, 1);
    let r1 = c(0).mul_scalar(0.04);
    let r2 = (c(1) * c(1)).mul_scalar(3e7);
    let r3 = (c(1) * c(2)).mul_scalar(1e4);
    Tensor::cat(vec![r3.clone() - r1.clone(), r1 - r3 - r2.clone(), r2], 1)
}

/// `0` and `OBSERVATIONS` times log-spaced over [1e-5, t_end].
fn times() -> Vec<f64> {
    let mut ts = vec![0.0];
    ts.extend((0..OBSERVATIONS).map(|i| {
        let e = -5.0 + (T_END.log10() + 5.0) * i as f64 / (OBSERVATIONS - 1) as f64;
        10f64.powf(e)
    }));
    ts
}

fn host<const D: usize>(t: &Tensor<D>) -> Vec<f64> {
    t.to_data().iter::<f64>().collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::args().nth(1).map_or(Ok(1000), |s| s.parse())?;
    let plain = neurode::backend::device(Backend::Flex, Precision::F64)?;
    let device = plain.clone().autodiff();
    let ts = times();
    // The data: Robertson from (1, 0, 0), Rodas5P at 1e-10.
    let y0 = row(vec![1.0, 0.0, 0.0], &plain);
    let truth = solve(
        &robertson,
        y0,
        &ts,
        &SolveOptions::adaptive(1e-10, 1e-10).with_method(Method::Rodas5p),
    )?;
    let data: Vec<Vec<f64>> = truth.ys.iter().map(host).collect();
    let scale: Vec<f64> = (0..3)
        .map(|j| data.iter().map(|y| y[j]).fold(0.0, f64::max))
        .collect();
    let target = {
        let flat: Vec<f64> = data[1..]
            .iter()
            .flat_map(|y| y.iter().zip(&scale).map(|(v, s)| v / s))
            .collect();
        Tensor::<3>::from_data(TensorData::new(flat, [OBSERVATIONS, 1, 3]), &device)
    };
    let inv_scale = Tensor::<3>::from_data(
        TensorData::new(
            scale.iter().map(|s| 1.0 / s).collect::<Vec<f64>>(),
            [1, 1, 3],
        ),
        &device,
    );
    // The solver: `auto` at the paper's tolerances (rtol 1e-3, atol 1e-6), forward and back.
    let solver = SolveOptions::adaptive(1e-3, 1e-6).with_method(Method::Auto);
    let method = GradientMethod::Interpolated(AdjointOptions::new().with_solve(solver.clone()));
    let mut model = Kinetics::new(scale.clone(), &device);
    let mut optim = AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
        .with_weight_decay(1e-6)
        .init();
    let start = Instant::now();
    let (mut forward_nfe, mut backward_nfe) = (0usize, 0usize);
    let y0 = row(vec![1.0, 0.0, 0.0], &device);
    let mut loss_value = f64::NAN;
    for it in 1..=iterations {
        let traj = odeint(&model, y0.clone(), &ts, &solver, &method)?;
        let pred = traj.ys.clone().narrow(0, 1, OBSERVATIONS) * inv_scale.clone();
        let loss = (pred - target.clone()).abs().mean();
        loss_value = loss.clone().into_scalar();
        let grads = traj.backward(loss)?;
        forward_nfe += grads.forward.nfe;
        backward_nfe += grads.backward.nfe;
        model = optim.step(0.005, model, grads.params);
        if it == 1 || it % 100 == 0 || it == iterations {
            println!(
                "iteration {it:5}: loss {loss_value:.4e}, NFE per iteration {:.0} forward + {:.0} backward, {:.1} s",
                forward_nfe as f64 / it as f64,
                backward_nfe as f64 / it as f64,
                start.elapsed().as_secs_f64()
            );
        }
    }
    // The fit: each species' largest error over the observations, relative to its scale.
    let learned = model.valid();
    let f = |t: f64, y: &Tensor<2>| learned.forward(t, y.clone());
    let fitted = solve(&f, row(vec![1.0, 0.0, 0.0], &plain), &ts, &solver)?;
    let fit: Vec<Vec<f64>> = fitted.ys.iter().map(host).collect();
    for (j, name) in ["y1", "y2", "y3"].iter().enumerate() {
        let err = fit[1..]
            .iter()
            .zip(&data[1..])
            .map(|(a, b)| (a[j] - b[j]).abs() / scale[j])
            .fold(0.0, f64::max);
        println!(
            "{name}: largest error {err:.3e} of its scale {:.3e}",
            scale[j]
        );
    }
    println!(
        "final loss (mean absolute scaled error) {loss_value:.4e}; learned solve {:?}",
        fitted.stats
    );
    // The contrast: DOPRI5 on the learned model and on the true system.
    let dopri5 = SolveOptions::adaptive(1e-3, 1e-6).with_max_steps(200_000);
    for (name, result) in [
        (
            "learned model",
            solve(&f, row(vec![1.0, 0.0, 0.0], &plain), &ts, &dopri5),
        ),
        (
            "true system",
            solve(&robertson, row(vec![1.0, 0.0, 0.0], &plain), &ts, &dopri5),
        ),
    ] {
        match result {
            Ok(sol) => println!("dopri5 on the {name}: {:?}", sol.stats),
            Err(e) => println!("dopri5 on the {name}: {e}"),
        }
    }
    // The figure: each species against log₁₀ t.
    let dense_ts: Vec<f64> = (0..=200)
        .map(|i| 10f64.powf(-5.0 + 10.0 * i as f64 / 200.0))
        .collect();
    let mut grid = vec![0.0];
    grid.extend(&dense_ts);
    let curve = solve(&f, row(vec![1.0, 0.0, 0.0], &plain), &grid, &solver)?;
    let curve: Vec<Vec<f64>> = curve.ys.iter().skip(1).map(host).collect();
    let panels: Vec<Panel> = (0..3)
        .map(|j| {
            let mut panel = Panel::new(&format!("y{}", j + 1), "log10 t", &format!("y{}", j + 1));
            let line: Vec<(f64, f64)> = dense_ts
                .iter()
                .zip(&curve)
                .map(|(t, y)| (t.log10(), y[j]))
                .collect();
            panel.lines.push(Line::new("learned", line, colors::BLUE));
            for (t, y) in ts[1..].iter().zip(&data[1..]) {
                panel.points.push((t.log10(), y[j], colors::RED, 3));
            }
            panel
        })
        .collect();
    std::fs::create_dir_all("out")?;
    save_figure(
        std::path::Path::new("out/stiff_robertson.png"),
        &panels,
        3,
        (420, 340),
    )?;
    println!("wrote out/stiff_robertson.png");
    Ok(())
}
