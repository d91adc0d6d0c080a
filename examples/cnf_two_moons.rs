//! Fits a continuous normalizing flow (FFJORD: ConcatSquash MLP 64-64-64, exact trace, flow
//! time 0.5, DOPRI5 1e-5/1e-5, Adam 1e-3, fresh batches of 512) to one of FFJORD's 2-D toy
//! densities, prints the held-out negative log-likelihood as it trains, and writes the data,
//! the learned density, samples and the flow of a grid to `out/cnf_<dataset>.png`.
//!
//! With `rnode` as the third argument the loss adds RNODE's regularisers (Finlay et al. 2020),
//! `0.01 · (∫‖f‖² + ∫‖∂f/∂z‖²_F)`, which keep the flow straight and cheap to solve.
//!
//! `cargo run --release --example cnf_two_moons [-- ITERATIONS [moons|8gaussians|checkerboard|2spirals] [rnode]]`

use std::error::Error;
use std::time::Instant;

use burn::Tensor;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::TensorData;
use neurode::adjoint::GradientMethod;
use neurode::backend::{Backend, Device, Precision};
use neurode::datasets::Toy2d;
use neurode::models::{CnfField, ConcatSquashConfig, ConcatSquashMlp, Init, Trace};
use neurode::solvers::SolveOptions;
use plotters::prelude::*;

const T_END: f64 = 0.5;
const BATCH: usize = 512;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let data: Toy2d = args.next().as_deref().unwrap_or("moons").parse()?;
    let rnode = match args.next().as_deref() {
        None => false,
        Some("rnode") => true,
        Some(other) => return Err(format!("unknown option `{other}`: expected `rnode`").into()),
    };
    let plain = neurode::backend::device(Backend::Flex, Precision::F32)?;
    let device = plain.clone().autodiff();
    let field = ConcatSquashConfig::new().init(2, &mut Init::new(0), &device)?;
    let mut cnf = CnfField::new(field, Trace::Exact, rnode);
    let opts = SolveOptions::adaptive(1e-5, 1e-5);
    let mut optim = AdamConfig::new().init();
    let test = points(&data.sample(2000, u64::MAX)?, &plain);
    println!(
        "{}: held-out NLL {:.3} nats at the start (the flow is the identity: N(0, I))",
        data.name(),
        nll(&cnf.valid(), test.clone(), &opts)?
    );
    let start = Instant::now();
    let mut total_nfe = 0;
    for it in 1..=iterations {
        let x = points(&data.sample(BATCH, it as u64)?, &device);
        let out = cnf.log_density(x, T_END, &opts, &GradientMethod::Backprop)?;
        let mut loss = out.log_px.clone().mean().neg();
        let train: f64 = loss.clone().into_scalar();
        if let Some((kinetic, jacobian)) = out.regularizers.clone() {
            loss = loss + (kinetic.mean() + jacobian.mean()).mul_scalar(0.01);
        }
        let nfe = out.trajectory.as_ref().map_or(0, |t| t.stats.nfe);
        total_nfe += nfe;
        let grads = out.trajectory.expect("autodiff device").backward(loss)?;
        cnf = optim.step(1e-3, cnf, grads.params);
        if it % 100 == 0 || it == iterations {
            println!(
                "iteration {it:5}: train NLL {train:.3}, held-out NLL {:.3}, NFE {nfe}, {:.1} s",
                nll(&cnf.valid(), test.clone(), &opts)?,
                start.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "mean NFE per iteration (forward): {:.1}{}",
        total_nfe as f64 / iterations.max(1) as f64,
        if rnode { " with RNODE" } else { "" }
    );
    let path = format!(
        "out/cnf_{}{}.png",
        data.name(),
        if rnode { "_rnode" } else { "" }
    );
    plot(&cnf.valid(), &data, &plain, &opts, &path)?;
    println!("figure: {path}");
    Ok(())
}

fn points(p: &[[f64; 2]], device: &Device) -> Tensor<2> {
    let flat: Vec<f64> = p.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [p.len(), 2]), device)
}

fn nll(
    cnf: &CnfField<ConcatSquashMlp>,
    x: Tensor<2>,
    opts: &SolveOptions,
) -> Result<f64, Box<dyn Error>> {
    let out = cnf.log_density(x, T_END, opts, &GradientMethod::Backprop)?;
    Ok(-out.log_px.mean().into_scalar::<f64>())
}

/// Data (left), learned density (middle), samples (right); written to a temporary file and
/// renamed.
fn plot(
    cnf: &CnfField<ConcatSquashMlp>,
    data: &Toy2d,
    device: &Device,
    opts: &SolveOptions,
    path: &str,
) -> Result<(), Box<dyn Error>> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "could not register the embedded font")?;
    std::fs::create_dir_all("out")?;
    let (lo, hi, cells) = (-4.0, 4.0, 80);
    let step = (hi - lo) / cells as f64;
    let grid: Vec<[f64; 2]> = (0..cells * cells)
        .map(|k| {
            let (i, j) = (k % cells, k / cells);
            [lo + (i as f64 + 0.5) * step, lo + (j as f64 + 0.5) * step]
        })
        .collect();
    let density: Vec<f64> = cnf
        .log_density(
            points(&grid, device),
            T_END,
            opts,
            &GradientMethod::Backprop,
        )?
        .log_px
        .to_data()
        .iter::<f64>()
        .map(f64::exp)
        .collect();
    let top = density.iter().copied().fold(0.0, f64::max).max(1e-12);
    let z = gaussian(2000, 7);
    let samples = cnf.sample(points(&z, device), T_END, opts, &GradientMethod::Backprop)?;
    let samples: Vec<f64> = samples.end.to_data().iter::<f64>().collect();
    let truth = data.sample(2000, 1)?;
    // The flow of a grid: lines of the base space carried to the data space.
    let line = |k: usize, along: bool| -> Vec<[f64; 2]> {
        let c = -3.0 + 0.75 * k as f64;
        (0..=60)
            .map(|i| {
                let u = -3.0 + 0.1 * i as f64;
                if along { [u, c] } else { [c, u] }
            })
            .collect()
    };
    let lines: Vec<Vec<[f64; 2]>> = (0..9)
        .flat_map(|k| [line(k, true), line(k, false)])
        .collect();
    let flat: Vec<[f64; 2]> = lines.iter().flatten().copied().collect();
    let moved: Vec<f64> = cnf
        .sample(
            points(&flat, device),
            T_END,
            opts,
            &GradientMethod::Backprop,
        )?
        .end
        .to_data()
        .iter::<f64>()
        .collect();
    let tmp = format!("{path}.tmp.png");
    {
        let root = BitMapBackend::new(&tmp, (2000, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, 4));
        let titles = [
            "data",
            "learned density",
            "samples",
            "flow of a base-space grid",
        ];
        for (k, panel) in panels.iter().enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(titles[k], ("sans-serif", 22))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(36)
                .build_cartesian_2d(lo..hi, lo..hi)?;
            chart.configure_mesh().disable_mesh().draw()?;
            match k {
                0 => {
                    chart.draw_series(
                        truth
                            .iter()
                            .map(|p| Circle::new((p[0], p[1]), 1, BLUE.mix(0.5).filled())),
                    )?;
                }
                1 => {
                    chart.draw_series(grid.iter().zip(&density).map(|(p, d)| {
                        let v = (d / top).sqrt();
                        // White → deep blue.
                        let shade = |w: f64, to: f64| (255.0 + (to - 255.0) * w) as u8;
                        let c = RGBColor(shade(v, 20.0), shade(v, 40.0), shade(v, 140.0));
                        let (x, y) = (p[0] - step / 2.0, p[1] - step / 2.0);
                        Rectangle::new([(x, y), (x + step, y + step)], c.filled())
                    }))?;
                }
                3 => {
                    for l in moved.chunks(2 * 61) {
                        chart.draw_series(LineSeries::new(
                            l.chunks(2).map(|p| (p[0], p[1])),
                            BLACK.mix(0.6),
                        ))?;
                    }
                }
                _ => {
                    chart.draw_series(
                        samples
                            .chunks(2)
                            .map(|p| Circle::new((p[0], p[1]), 1, RED.mix(0.5).filled())),
                    )?;
                }
            }
        }
        root.present()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// `n` standard normal points from a seed (Box–Muller).
fn gaussian(n: usize, seed: u64) -> Vec<[f64; 2]> {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            let r = (-2.0 * u.ln()).sqrt();
            let a = 2.0 * std::f64::consts::PI * v;
            [r * a.cos(), r * a.sin()]
        })
        .collect()
}
