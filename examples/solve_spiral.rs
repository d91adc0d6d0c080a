//! Solves paper 000's cubic spiral `dy/dt = (y∘y∘y) A`, `A = [[-0.1, 2], [-2, -0.1]]`, from
//! `y0 = [2, 0]` over [0, 25] with DOPRI5 (rtol 1e-5, atol 1e-7) at 1,000 output times, prints
//! a summary and writes a phase portrait + time series to `out/solve_spiral.png`.
//!
//! `cargo run --release --example solve_spiral [-- flex|ndarray|wgpu]`

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use burn::Tensor;
use burn::tensor::TensorData;
use neurode::backend::{Backend, Device, Precision};
use neurode::run::plot::{Line, Panel, colors, save_figure};
use neurode::solvers::{SolveOptions, solve};

const OUT: &str = "out/solve_spiral.png";

fn main() -> Result<(), Box<dyn Error>> {
    let backend: Backend = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("flex")
        .parse()?;
    // WGSL has no f64: GPUs run the example in f32.
    let precision = if backend == Backend::Wgpu {
        Precision::F32
    } else {
        Precision::F64
    };
    let device = neurode::backend::device(backend, precision)?;
    let a = tensor(&[-0.1, 2.0, -2.0, -0.1], [2, 2], &device);
    let spiral = |_t: f64, y: &Tensor<2>| (y.clone() * y.clone() * y.clone()).matmul(a.clone());
    let ts: Vec<f64> = (0..1000).map(|i| 25.0 * f64::from(i) / 999.0).collect();
    let y0 = tensor(&[2.0, 0.0], [1, 2], &device);

    let opts = SolveOptions::adaptive(1e-5, 1e-7);
    let start = Instant::now();
    let sol = solve(&spiral, y0.clone(), &ts, &opts)?;
    let elapsed = start.elapsed();
    let tight = SolveOptions::adaptive(1e-10, 1e-12);
    let reference = solve(&spiral, y0, &ts, &tight)?;

    let xy: Vec<[f64; 2]> = sol.ys.iter().map(point).collect();
    let max_err = sol
        .ys
        .iter()
        .zip(&reference.ys)
        .map(|(y, r)| {
            let (p, q) = (point(y), point(r));
            (p[0] - q[0]).abs().max((p[1] - q[1]).abs())
        })
        .fold(0.0, f64::max);

    println!("neurode · cubic spiral (paper 000, eq. 30) on {backend} ({precision})");
    println!(
        "DOPRI5 rtol 1e-5 atol 1e-7: {} output times from {} accepted + {} rejected steps, \
         {} function evaluations, {:.2} ms",
        ts.len(),
        sol.stats.accepted_steps,
        sol.stats.rejected_steps,
        sol.stats.nfe,
        elapsed.as_secs_f64() * 1e3
    );
    println!("max |error| against an rtol 1e-10 solve: {max_err:.2e}");
    println!("{:>6} {:>10} {:>10} {:>10}", "t", "x", "y", "radius");
    for i in (0..ts.len()).step_by(111) {
        let [x, y] = xy[i];
        println!("{:>6.2} {x:>10.5} {y:>10.5} {:>10.5}", ts[i], x.hypot(y));
    }
    plot(&ts, &xy)?;
    println!("wrote {OUT}");
    Ok(())
}

fn tensor<const D: usize>(v: &[f64], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), device)
}

fn point(y: &Tensor<2>) -> [f64; 2] {
    let v: Vec<f64> = y.to_data().iter::<f64>().collect();
    [v[0], v[1]]
}

/// Phase portrait (left) and time series (right), written atomically by neurode's figure
/// writer.
fn plot(ts: &[f64], xy: &[[f64; 2]]) -> Result<(), Box<dyn Error>> {
    let mut phase = Panel::new("Phase portrait", "x", "y");
    phase.lines.push(Line::new(
        "",
        xy.iter().map(|p| (p[0], p[1])).collect(),
        colors::BLUE,
    ));
    phase.points.push((xy[0][0], xy[0][1], colors::RED, 5));
    phase.x_range = Some((-2.2, 2.2));
    phase.y_range = Some((-2.2, 2.2));
    let mut series = Panel::new("Time series", "t", "state");
    for (j, (name, color)) in [("x(t)", colors::BLUE), ("y(t)", colors::RED)]
        .into_iter()
        .enumerate()
    {
        let points = ts.iter().zip(xy).map(|(t, p)| (*t, p[j])).collect();
        series.lines.push(Line::new(name, points, color));
    }
    series.y_range = Some((-2.2, 2.2));
    save_figure(Path::new(OUT), &[phase, series], 2, (600, 520))?;
    Ok(())
}
