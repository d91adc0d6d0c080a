//! Stiff problems: Robertson's kinetics with Rodas5P and Rosenbrock23, Van der Pol with
//! μ = 1000 (MATLAB's `vdp1000`) with `auto` against DOPRI5, and what DOPRI5's stiffness test
//! says. Prints steps, evaluations, Jacobians and LUs of each solve.
//!
//! `cargo run --release --example stiff`

use neurode::backend::{Backend, Precision};
use neurode::burn::Tensor;
use neurode::burn::tensor::TensorData;
use neurode::solvers::{Adaptive, Method, PiController, SolveOptions, SolveStats, Stepping, solve};

fn col(y: &Tensor<2>, j: usize) -> Tensor<2> {
    y.clone().narrow(1, j, 1)
}

fn robertson(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let r1 = col(y, 0).mul_scalar(0.04);
    let r2 = (col(y, 1) * col(y, 1)).mul_scalar(3e7);
    let r3 = (col(y, 1) * col(y, 2)).mul_scalar(1e4);
    Tensor::cat(vec![r3.clone() - r1.clone(), r1 - r3 - r2.clone(), r2], 1)
}

fn van_der_pol(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let (y1, y2) = (col(y, 0), col(y, 1));
    let y2dot = (y1.clone() * y1.clone()).neg().add_scalar(1.0) * y2.clone();
    Tensor::cat(vec![y2, y2dot.mul_scalar(1000.0) - y1], 1)
}

fn show(name: &str, s: &SolveStats) {
    println!(
        "{name:<40} steps {:>7} (+{} rejected), NFE {:>8}, Jacobians {:>5}, LUs {:>5}",
        s.accepted_steps, s.rejected_steps, s.nfe, s.jacobians, s.lu_factorizations
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = neurode::backend::device(Backend::Flex, Precision::F64)?;
    let state = |v: Vec<f64>| {
        let n = v.len();
        Tensor::<2>::from_data(TensorData::new(v, [1, n]), &device)
    };
    // Robertson at rtol = atol = 1e-8 with diffrax's step-size rule, against its Kvaerno5 value.
    let reference = [0.6172348816081134, 6.153591196187991e-06, 0.382758964800691];
    let integral = Adaptive::new(1e-8, 1e-8).with_controller(PiController::integral());
    for (method, stepping) in [
        (Method::Rodas5p, Stepping::Adaptive(integral)),
        (
            Method::Rosenbrock23,
            Stepping::Adaptive(Adaptive::new(1e-4, 1e-8)),
        ),
    ] {
        let opts = SolveOptions::new()
            .with_method(method)
            .with_stepping(stepping);
        let sol = solve(&robertson, state(vec![1.0, 0.0, 0.0]), &[0.0, 100.0], &opts)?;
        let y: Vec<f64> = sol.last().to_data().iter::<f64>().collect();
        let err = y
            .iter()
            .zip(reference)
            .map(|(a, b)| ((a - b) / b).abs())
            .fold(0.0, f64::max);
        show(&format!("robertson {method}"), &sol.stats);
        println!(
            "{:<40} y(100) = {y:?}, largest relative error {err:.1e}",
            ""
        );
    }
    // Van der Pol μ = 1000 over [0, 3000]: auto against DOPRI5 (on the host: a tensor solve of
    // DOPRI5's million steps would take minutes).
    let auto = SolveOptions::adaptive(1e-6, 1e-6).with_method(Method::Auto);
    let sol = solve(&van_der_pol, state(vec![2.0, 0.0]), &[0.0, 3000.0], &auto)?;
    show("van der pol mu=1000 auto", &sol.stats);
    let host = |_t: f64, y: &Vec<f64>| vec![y[1], 1000.0 * (1.0 - y[0] * y[0]) * y[1] - y[0]];
    let explicit = SolveOptions::adaptive(1e-6, 1e-6).with_max_steps(100_000_000);
    let dopri5 = solve(&host, vec![2.0, 0.0], &[0.0, 3000.0], &explicit)?;
    show("van der pol mu=1000 dopri5", &dopri5.stats);
    println!(
        "{:<40} auto takes {:.0}× fewer evaluations; DOPRI5's test fired at t = {:?}",
        "",
        dopri5.stats.nfe as f64 / sol.stats.nfe as f64,
        dopri5.stats.stiff_at
    );
    let capped = SolveOptions::adaptive(1e-6, 1e-6).with_max_steps(300);
    if let Err(e) = solve(&van_der_pol, state(vec![2.0, 0.0]), &[0.0, 3000.0], &capped) {
        println!("dopri5 with max_steps = 300: {e}");
    }
    Ok(())
}
