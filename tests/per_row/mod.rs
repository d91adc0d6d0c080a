//! Per-row solves (`solve_rows`, `odeint_rows`) in f64 on the CPU backends: every row gives
//! the same values and steps in a batch as alone (bit for bit), Van der Pol rows against
//! scipy, per-row failures, per-row gradients of every method against solo gradients, backprop
//! and finite differences. (A module of the `solvers_f64` test binary: one binary fewer to link.)

mod gradients;
mod solve;

use burn::Tensor;
use neurode::solvers::{
    Adaptive, Convention, FailurePolicy, Method, PiController, RowDynamics, RowGrid, RowSolution,
    RowsAt, SolveOptions, Stepping, solve_rows,
};

use crate::common::*;

/// Van der Pol with a per-row `μ` (`[batch, 1]`) and a forcing `a·sin(t)` at each row's own
/// time: `x' = v, v' = μ(1 − x²)v − x + a sin t`.
pub(crate) fn vdp(mu: Tensor<2>, forcing: f64) -> impl Fn(&RowsAt<'_>, &Tensor<2>) -> Tensor<2> {
    move |at, y| {
        let [n, _] = y.dims();
        let x = y.clone().slice([0..n, 0..1]);
        let v = y.clone().slice([0..n, 1..2]);
        let damping = x.clone().powi_scalar(2).neg().add_scalar(1.0) * at.gather(&mu);
        let mut dv = damping * v.clone() - x;
        if forcing != 0.0 {
            dv = dv + at.time_column(&y.device()).sin().mul_scalar(forcing);
        }
        Tensor::cat(vec![v, dv], 1)
    }
}

pub(crate) fn column(values: &[f64], device: &Device) -> Tensor<2> {
    let data = burn::tensor::TensorData::new(values.to_vec(), [values.len(), 1]);
    Tensor::from_data(data, device)
}

pub(crate) fn rows_tensor(rows: &[[f64; 2]], device: &Device) -> Tensor<2> {
    tensor(rows, device)
}

/// Rows with their own spans, lengths and directions (one of a single time), finishing at
/// different iterations.
pub(crate) fn ragged() -> (Vec<[f64; 2]>, Vec<f64>, RowGrid) {
    let y0 = vec![
        [2.0, 0.0],
        [1.0, -0.5],
        [0.5, 0.5],
        [-1.5, 0.2],
        [0.3, 0.3],
        [1.2, 1.0],
    ];
    let mu = vec![0.5, 3.0, 1.0, 8.0, 2.0, 0.1];
    let grid = RowGrid::new(vec![
        (0..=10).map(|i| i as f64 * 0.5).collect(),
        vec![0.0, 0.3, 0.35, 1.7, 3.0],
        vec![2.0, 1.0, 0.2, -0.4, -1.0],
        vec![1.0, 1.5],
        vec![0.5],
        (0..30).map(|i| 0.1 + i as f64 * 0.27).collect(),
    ])
    .unwrap();
    (y0, mu, grid)
}

pub(crate) fn solve_ragged(
    device: &Device,
    opts: &SolveOptions,
    y0: &[[f64; 2]],
    mu: &[f64],
    grid: &RowGrid,
) -> RowSolution {
    solve_all(&vdp(column(mu, device), 0.3), y0, grid, opts, device)
}

/// `f` from the rows `y0` on `grid`, every row required to succeed.
pub(crate) fn solve_all<F: RowDynamics>(
    f: &F,
    y0: &[[f64; 2]],
    grid: &RowGrid,
    opts: &SolveOptions,
    device: &Device,
) -> RowSolution {
    solve_rows(
        f,
        rows_tensor(y0, device),
        grid,
        opts,
        FailurePolicy::FailBatch,
    )
    .unwrap()
}

pub(crate) fn option_sets() -> Vec<(&'static str, SolveOptions)> {
    let adaptive = |m: Method, c: PiController, conv: Convention| {
        SolveOptions::new()
            .with_method(m)
            .with_convention(conv)
            .with_stepping(Stepping::Adaptive(
                Adaptive::new(1e-7, 1e-9).with_controller(c),
            ))
    };
    vec![
        (
            "dopri5 PI",
            adaptive(Method::Dopri5, PiController::default(), Convention::Neurode),
        ),
        (
            "dopri5 integral torchdiffeq",
            adaptive(
                Method::Dopri5,
                PiController::integral(),
                Convention::Torchdiffeq,
            ),
        ),
        (
            "tsit5 PI",
            adaptive(Method::Tsit5, PiController::default(), Convention::Neurode),
        ),
        (
            "dop853 PI",
            adaptive(Method::Dop853, PiController::default(), Convention::Neurode),
        ),
        (
            "bosh3 integral",
            adaptive(Method::Bosh3, PiController::integral(), Convention::Neurode),
        ),
        (
            "bosh3 torchdiffeq",
            adaptive(
                Method::Bosh3,
                PiController::integral(),
                Convention::Torchdiffeq,
            ),
        ),
        ("rk4 step size", SolveOptions::step_size(Method::Rk4, 0.05)),
        (
            "euler steps torchdiffeq",
            SolveOptions::steps(Method::Euler, 40).with_convention(Convention::Torchdiffeq),
        ),
    ]
}
