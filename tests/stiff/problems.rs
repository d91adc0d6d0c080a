//! The stiff test problems on `[rows, n]` tensors: Robertson, Van der Pol (μ = 1000) and
//! HIRES, with exact Jacobians for `WithJacobian`, and their reference solutions.

use burn::Tensor;

use crate::common::*;

/// The state's columns, one `[rows, 1]` tensor each.
fn columns(y: &Tensor<2>) -> Vec<Tensor<2>> {
    let n = y.dims()[1];
    (0..n).map(|j| y.clone().narrow(1, j, 1)).collect()
}

/// Robertson's chemical kinetics (k₁ = 0.04, k₂ = 3e7, k₃ = 1e4).
pub fn robertson(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let [y1, y2, y3] = <[Tensor<2>; 3]>::try_from(columns(y)).expect("3 columns");
    let r1 = y1.mul_scalar(0.04);
    let r2 = y2.clone().mul(y2).mul_scalar(3e7);
    let r3 = y3.mul(columns(y)[1].clone()).mul_scalar(1e4);
    Tensor::cat(vec![r3.clone() - r1.clone(), r1 - r3 - r2.clone(), r2], 1)
}

/// Robertson's exact Jacobian, each row's 3 × 3 row-major.
pub fn robertson_jacobian(_t: f64, y: &Tensor<2>) -> Vec<f64> {
    values(y)
        .chunks_exact(3)
        .flat_map(|r| {
            let (y2, y3) = (r[1], r[2]);
            [
                -0.04,
                1e4 * y3,
                1e4 * y2,
                0.04,
                -1e4 * y3 - 6e7 * y2,
                -1e4 * y2,
                0.0,
                6e7 * y2,
                0.0,
            ]
        })
        .collect()
}

/// diffrax's stiff example: Robertson at t = 100 from (1, 0, 0), Kvaerno5 at 1e-8.
pub const ROBERTSON_AT_100: [f64; 3] =
    [0.6172348816081134, 6.153591196187991e-06, 0.382758964800691];

/// Van der Pol with μ = 1000 as MATLAB's `vdp1000`: `y₁' = y₂`, `y₂' = μ(1 − y₁²)y₂ − y₁`.
pub fn van_der_pol(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let [y1, y2] = <[Tensor<2>; 2]>::try_from(columns(y)).expect("2 columns");
    let one_minus = y1.clone().mul(y1.clone()).neg().add_scalar(1.0);
    let y2dot = one_minus.mul(y2.clone()).mul_scalar(1000.0) - y1;
    Tensor::cat(vec![y2, y2dot], 1)
}

/// `(t, y₁, y₂)` of scipy's Radau at 1e-12 (`bench/stiff/references.py`).
pub fn van_der_pol_reference() -> Vec<(f64, [f64; 2])> {
    include_str!("../data/stiff/van_der_pol_mu1000.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let v: Vec<f64> = line
                .split(',')
                .map(|x| x.parse().expect("a number"))
                .collect();
            (v[0], [v[1], v[2]])
        })
        .collect()
}

/// HIRES (Schäfer's plant physiology model, Hairer–Wanner test set), 8 components.
pub fn hires(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    let c = columns(y);
    let lin = |terms: &[(f64, usize)]| -> Tensor<2> {
        let mut acc = c[terms[0].1].clone().mul_scalar(terms[0].0);
        for (k, j) in &terms[1..] {
            acc = acc + c[*j].clone().mul_scalar(*k);
        }
        acc
    };
    let r = c[5].clone().mul(c[7].clone()).mul_scalar(280.0);
    Tensor::cat(
        vec![
            lin(&[(-1.71, 0), (0.43, 1), (8.32, 2)]).add_scalar(0.0007),
            lin(&[(1.71, 0), (-8.75, 1)]),
            lin(&[(-10.03, 2), (0.43, 3), (0.035, 4)]),
            lin(&[(8.32, 1), (1.71, 2), (-1.12, 3)]),
            lin(&[(-1.745, 4), (0.43, 5), (0.43, 6)]),
            lin(&[(0.69, 3), (1.71, 4), (-0.43, 5), (0.69, 6)]) - r.clone(),
            lin(&[(-1.81, 6)]) + r.clone(),
            lin(&[(1.81, 6)]) - r,
        ],
        1,
    )
}

/// HIRES's initial state.
pub const HIRES_Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];

/// HIRES at t = 321.8122: the published reference (Mazzia & Magherini, *Test Set for IVP
/// Solvers*, release 2.4).
pub const HIRES_AT_END: [f64; 8] = [
    0.7371312573325668e-3,
    0.1442485726316185e-3,
    0.5888729740967575e-4,
    0.1175651343283149e-2,
    0.2386356198831331e-2,
    0.6238968252742796e-2,
    0.2849998395185769e-2,
    0.2850001604814231e-2,
];

/// The largest relative error over components, each against `max(|ref|, floor)`.
pub fn max_rel_err(got: &[f64], want: &[f64], floor: f64) -> f64 {
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(floor))
        .fold(0.0, f64::max)
}
