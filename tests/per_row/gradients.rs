//! Per-row gradients: backprop against summed solo gradients and central differences, the
//! adjoints against backprop, checkpointed backprop at every budget, failed rows left out.

use burn::Tensor;
use neurode::adjoint::{
    AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics, odeint_rows,
};
use neurode::solvers::{
    Convention, FailurePolicy, Method, RowGrid, RowStatus, RowsAt, SolveOptions,
};

use super::solve_all;
use crate::common::*;

/// `Σ y² + Σ y³` over every output (zero padding adds nothing).
fn row_loss(ys: Tensor<3>) -> Tensor<1> {
    ys.clone().powi_scalar(2).sum() + ys.powi_scalar(3).sum()
}

fn mlp_grid() -> (Vec<[f64; 2]>, RowGrid) {
    let y0 = vec![[1.0, 0.5], [-0.3, 0.8], [0.2, -1.0], [0.9, 0.1]];
    let grid = RowGrid::new(vec![
        vec![0.0, 0.4, 1.1, 2.0],
        vec![0.5, 0.9],
        vec![1.0, 0.2, -0.5],
        vec![-1.0, -0.2, 0.3, 0.4, 1.5],
    ])
    .unwrap();
    (y0, grid)
}

/// Backprop through the per-row solve.
const BACKPROP: GradientMethod = GradientMethod::Backprop;

/// One row (from `y0` at `times`) solved on its own (`FailBatch`): its gradients and status.
fn solo_gradients(
    device: &Device,
    flat: &[f64],
    y0: [f64; 2],
    times: &[f64],
    opts: &SolveOptions,
) -> (Vec<f64>, Vec<f64>, Vec<RowStatus>) {
    let solo = RowGrid::new(vec![times.to_vec()]).unwrap();
    let policy = FailurePolicy::FailBatch;
    row_gradients(device, &BACKPROP, flat, &[y0], &solo, opts, policy, None)
}

/// `sum += x`, element by element.
fn add(sum: &mut [f64], x: &[f64]) {
    for (s, v) in sum.iter_mut().zip(x) {
        *s += v;
    }
}

/// The batch's parameter and `y₀` gradients by `method` (of the rows in `keep`, or all).
#[allow(clippy::too_many_arguments)]
fn row_gradients(
    device: &Device,
    method: &GradientMethod,
    flat: &[f64],
    y0: &[[f64; 2]],
    grid: &RowGrid,
    opts: &SolveOptions,
    policy: FailurePolicy,
    keep: Option<&[usize]>,
) -> (Vec<f64>, Vec<f64>, Vec<RowStatus>) {
    let ad = device.clone().autodiff();
    let model = nets::TanhMlp::from_flat(flat, 2, 16, false, &ad);
    let traj = odeint_rows(&model, tensor(y0, &ad), grid, opts, method, policy).unwrap();
    let statuses = traj.rows.iter().map(|r| r.status).collect();
    let ys = match keep {
        Some(rows) => {
            let idx: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
            let idx = Tensor::from_data(burn::tensor::TensorData::new(idx, [rows.len()]), &ad);
            traj.ys.clone().select(1, idx)
        }
        None => traj.ys.clone(),
    };
    let g = traj.backward(row_loss(ys)).unwrap();
    (model.flat_grad(&g.params), values(&g.y0), statuses)
}

fn close(a: &[f64], b: &[f64], rel: f64) -> bool {
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= rel * scale)
}

fn per_row_gradients_are_the_sum_of_solo_gradients(device: &Device) {
    let flat = nets::TanhMlp::seeded(2, 16, 7);
    let (y0, grid) = mlp_grid();
    let opts = SolveOptions::adaptive(1e-10, 1e-12);
    let policy = FailurePolicy::FailBatch;
    let (g, gy0, _) = row_gradients(device, &BACKPROP, &flat, &y0, &grid, &opts, policy, None);
    let mut sum = vec![0.0; g.len()];
    for r in 0..grid.rows() {
        let (gr, gy0r, _) = solo_gradients(device, &flat, y0[r], grid.times(r), &opts);
        add(&mut sum, &gr);
        assert!(
            close(&gy0[2 * r..2 * r + 2], &gy0r, 1e-12),
            "row {r}: ∂L/∂y₀"
        );
    }
    assert!(
        close(&g, &sum, 1e-12),
        "batch gradient vs the sum of solo gradients"
    );
    // Central differences of the (tape-free) per-row loss.
    let loss_at = |v: &[f64]| -> f64 {
        let model = nets::TanhMlp::from_flat(v, 2, 16, false, device);
        let f = |at: &RowsAt<'_>, y: &Tensor<2>| model.forward_rows(at, y.clone());
        let sol = solve_all(&f, &y0, &grid, &opts, device);
        row_loss(sol.ys).into_scalar::<f64>()
    };
    let eps = 1e-4;
    for i in [0, 5, 33, 40, 60, flat.len() - 1] {
        let (mut up, mut down) = (flat.clone(), flat.clone());
        up[i] += eps;
        down[i] -= eps;
        let fd = (loss_at(&up) - loss_at(&down)) / (2.0 * eps);
        assert!(
            (fd - g[i]).abs() <= 1e-6 * g[i].abs().max(1e-2),
            "parameter {i}: backprop {} vs central difference {fd}",
            g[i]
        );
    }
}

fn failed_rows_leave_the_others_gradients_unchanged(device: &Device) {
    let flat = nets::TanhMlp::seeded(2, 16, 11);
    let (y0, _) = mlp_grid();
    // Row 2 runs far longer than the step budget allows.
    let grid = RowGrid::new(vec![
        vec![0.0, 0.4, 1.1, 2.0],
        vec![0.5, 0.9],
        vec![0.0, 5e4],
        vec![-1.0, -0.2, 0.3, 0.4, 1.5],
    ])
    .unwrap();
    let opts = SolveOptions::adaptive(1e-10, 1e-12).with_max_steps(400);
    let good = [0, 1, 3];
    let (g, _, statuses) = row_gradients(
        device,
        &BACKPROP,
        &flat,
        &y0,
        &grid,
        &opts,
        FailurePolicy::FinishOthers,
        Some(&good),
    );
    assert_eq!(statuses[2], RowStatus::MaxSteps);
    let mut sum = vec![0.0; g.len()];
    for r in good {
        let (gr, _, st) = solo_gradients(device, &flat, y0[r], grid.times(r), &opts);
        assert_eq!(st, vec![RowStatus::Success]);
        add(&mut sum, &gr);
    }
    assert!(close(&g, &sum, 1e-12));
}

/// The per-row adjoints (backsolve and interpolating, each row's backward solve on its own
/// clock, one shared parameter accumulator) against per-row backprop, on ragged rows in both
/// directions and with a failed row left out.
fn per_row_adjoints_match_backprop(device: &Device) {
    let flat = nets::TanhMlp::seeded(2, 16, 7);
    let (y0, grid) = mlp_grid();
    let opts = SolveOptions::adaptive(1e-10, 1e-12);
    let policy = FailurePolicy::FailBatch;
    let (g, gy0, _) = row_gradients(device, &BACKPROP, &flat, &y0, &grid, &opts, policy, None);
    let backward = AdjointOptions::with_tolerances(1e-10, 1e-12);
    for method in [
        GradientMethod::Adjoint(backward.clone()),
        GradientMethod::Adjoint(backward.clone().with_seminorm(true)),
        GradientMethod::Interpolated(backward.clone()),
        // A torchdiffeq-convention backward solve (its steps would pass the output times: the
        // phases land on them instead).
        GradientMethod::Adjoint(backward.clone().with_solve(
            SolveOptions::adaptive(1e-10, 1e-12).with_convention(Convention::Torchdiffeq),
        )),
    ] {
        let (ga, gy0a, _) = row_gradients(device, &method, &flat, &y0, &grid, &opts, policy, None);
        assert!(close(&ga, &g, 1e-6), "{method:?}: parameters");
        assert!(close(&gy0a, &gy0, 1e-6), "{method:?}: ∂L/∂y₀");
    }
    // A row that fails under FinishOthers: the others' adjoint gradients are unchanged.
    let failing = RowGrid::new(vec![
        grid.times(0).to_vec(),
        grid.times(1).to_vec(),
        vec![0.0, 5e4],
        grid.times(3).to_vec(),
    ])
    .unwrap();
    let budget = opts.clone().with_max_steps(400);
    let good = [0, 1, 3];
    let finish = FailurePolicy::FinishOthers;
    // With these weights row 2 is still moving at t = 5e4: it runs out of steps.
    let flat = nets::TanhMlp::seeded(2, 16, 11);
    let good_rows = |method: &GradientMethod| {
        row_gradients(
            device,
            method,
            &flat,
            &y0,
            &failing,
            &budget,
            finish,
            Some(&good),
        )
    };
    let (g_good, _, _) = good_rows(&BACKPROP);
    let (ga, _, st) = good_rows(&GradientMethod::Interpolated(backward));
    assert_eq!(st[2], RowStatus::MaxSteps);
    assert!(close(&ga, &g_good, 1e-6));
}

/// Checkpointed backprop per row: backprop's gradients (1e-12) at any budget.
fn per_row_checkpointed_is_backprop(device: &Device) {
    let flat = nets::TanhMlp::seeded(2, 16, 3);
    let (y0, grid) = mlp_grid();
    let policy = FailurePolicy::FailBatch;
    for opts in [
        SolveOptions::adaptive(1e-8, 1e-10),
        SolveOptions::adaptive(1e-8, 1e-10).with_method(Method::Dop853),
        SolveOptions::step_size(Method::Rk4, 0.05),
    ] {
        let (g, gy0, _) = row_gradients(device, &BACKPROP, &flat, &y0, &grid, &opts, policy, None);
        for budget in [None, Some(1), Some(2), Some(5)] {
            let method =
                GradientMethod::Checkpointed(CheckpointOptions::new().with_checkpoints(budget));
            let (gc, gy0c, _) =
                row_gradients(device, &method, &flat, &y0, &grid, &opts, policy, None);
            assert!(
                close(&gc, &g, 1e-12),
                "{:?}, budget {budget:?}",
                opts.method
            );
            assert!(
                close(&gy0c, &gy0, 1e-12),
                "{:?}, budget {budget:?}: ∂L/∂y₀",
                opts.method
            );
        }
    }
}

cpu_backend_tests!(F64;
    per_row_checkpointed_is_backprop,
    per_row_adjoints_match_backprop,
    per_row_gradients_are_the_sum_of_solo_gradients,
    failed_rows_leave_the_others_gradients_unchanged,
);
