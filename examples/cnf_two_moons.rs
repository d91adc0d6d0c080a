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
use neurode::models::{Cnf, ConcatSquashConfig, ConcatSquashMlp, FlowSolve, Init, Trace};
use neurode::run::flow_panels;
use neurode::run::plot::save_figure;
use neurode::solvers::SolveOptions;
use neurode::train::DensityData;

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
    // FFJORD's toys: T = 0.5, DOPRI5 at 1e-5, backprop through the solver.
    let solve = FlowSolve {
        time: T_END,
        solver: SolveOptions::adaptive(1e-5, 1e-5),
        gradient: GradientMethod::Backprop,
    };
    let mut cnf = Cnf::new(field, Trace::Exact, rnode).with_solve(solve)?;
    let mut optim = AdamConfig::new().init();
    let test = points(&data.sample(2000, u64::MAX)?, &plain);
    println!(
        "{}: held-out NLL {:.3} nats at the start (the flow is the identity: N(0, I))",
        data.name(),
        nll(&cnf.valid(), test.clone())?
    );
    let start = Instant::now();
    let mut total_nfe = 0;
    for it in 1..=iterations {
        let x = points(&data.sample(BATCH, it as u64)?, &device);
        let out = cnf.log_density(x)?;
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
                nll(&cnf.valid(), test.clone())?,
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
    // The library's figure of a density run: data, learned density, samples, grid flow.
    let truth = DensityData::Toy(data).draw(2000, 1)?;
    let panels = flow_panels(&cnf.valid(), &truth, &plain)?;
    save_figure(std::path::Path::new(&path), &panels, 4, (480, 480))?;
    println!("figure: {path}");
    Ok(())
}

fn points(p: &[[f64; 2]], device: &Device) -> Tensor<2> {
    let flat: Vec<f64> = p.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [p.len(), 2]), device)
}

fn nll(cnf: &Cnf<ConcatSquashMlp>, x: Tensor<2>) -> Result<f64, Box<dyn Error>> {
    let out = cnf.log_density(x)?;
    Ok(-out.log_px.mean().into_scalar::<f64>())
}
