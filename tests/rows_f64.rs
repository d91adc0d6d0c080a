//! Per-row solves in f64 on the CPU backends: every row gives the same values and steps in a
//! batch as alone (bit for bit), Van der Pol rows against scipy, per-row failures, per-row
//! gradients against solo gradients and finite differences.

#[macro_use]
mod common;

use burn::Tensor;
use common::*;
use neurode::adjoint::{
    AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics, odeint_rows,
};
use neurode::solvers::{
    Adaptive, Convention, FailurePolicy, Method, PiController, RowGrid, RowSolution, RowStatus,
    RowsAt, SolveError, SolveOptions, Stepping, solve_rows,
};

/// Van der Pol with a per-row `μ` (`[batch, 1]`) and a forcing `a·sin(t)` at each row's own
/// time: `x' = v, v' = μ(1 − x²)v − x + a sin t`.
fn vdp(mu: Tensor<2>, forcing: f64) -> impl Fn(&RowsAt<'_>, &Tensor<2>) -> Tensor<2> {
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

fn column(values: &[f64], device: &Device) -> Tensor<2> {
    let data = burn::tensor::TensorData::new(values.to_vec(), [values.len(), 1]);
    Tensor::from_data(data, device)
}

fn rows_tensor(rows: &[[f64; 2]], device: &Device) -> Tensor<2> {
    tensor(rows, device)
}

/// Rows with their own spans, lengths and directions (one of a single time), finishing at
/// different iterations.
fn ragged() -> (Vec<[f64; 2]>, Vec<f64>, RowGrid) {
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

fn solve_ragged(
    device: &Device,
    opts: &SolveOptions,
    y0: &[[f64; 2]],
    mu: &[f64],
    grid: &RowGrid,
) -> RowSolution {
    let f = vdp(column(mu, device), 0.3);
    solve_rows(
        &f,
        rows_tensor(y0, device),
        grid,
        opts,
        FailurePolicy::FailBatch,
    )
    .unwrap()
}

fn option_sets() -> Vec<(&'static str, SolveOptions)> {
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

fn batch_composition_invariance(device: &Device) {
    let (y0, mu, grid) = ragged();
    for (name, opts) in option_sets() {
        let batch = solve_ragged(device, &opts, &y0, &mu, &grid);
        assert!(batch.is_success(), "{name}");
        let mut ends = std::collections::BTreeSet::new();
        for r in 0..grid.rows() {
            let solo_grid = RowGrid::new(vec![grid.times(r).to_vec()]).unwrap();
            let solo = solve_ragged(device, &opts, &y0[r..=r], &mu[r..=r], &solo_grid);
            assert_eq!(
                values(&batch.row(r)),
                values(&solo.row(0)),
                "{name}: row {r} differs from its solo solve"
            );
            assert_eq!(batch.rows[r], solo.rows[0], "{name}: row {r} statistics");
            assert_eq!(batch.produced[r], grid.len(r));
            ends.insert(batch.rows[r].accepted_steps);
        }
        // Rows took different numbers of steps (they left the batch at different times);
        // with `n` equal steps every row of more than one time takes `n`.
        match opts.stepping {
            Stepping::Steps(n) => assert_eq!(ends, [0, n].into(), "{name}"),
            _ => assert!(ends.len() >= 4, "{name}: {ends:?}"),
        }
        // Padding past a row's length is zero, the mask says which entries are real.
        let mask = batch.mask();
        let ys = values(&batch.ys);
        let b = grid.rows();
        for (i, m) in mask.iter().enumerate() {
            if !m {
                assert_eq!(&ys[2 * i..2 * i + 2], &[0.0, 0.0], "{name}: padding {i}");
            }
        }
        assert_eq!(
            mask.iter().filter(|m| **m).count(),
            grid.lens().iter().sum::<usize>()
        );
        assert!(!mask[b + 4], "row 4 has a single output time");
    }
}

/// The reference of `tests/data/make_vdp_reference.py` (scipy Radau at 1e-12).
struct VdpReference {
    mu: Vec<f64>,
    ts: Vec<Vec<f64>>,
    ys: Vec<Vec<[f64; 2]>>,
}

fn vdp_reference() -> VdpReference {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vdp_reference.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    VdpReference {
        mu: floats(&v["mu"]),
        ts: v["ts"].as_array().unwrap().iter().map(floats).collect(),
        ys: v["ys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        let p = floats(p);
                        [p[0], p[1]]
                    })
                    .collect()
            })
            .collect(),
    }
}

fn van_der_pol_rows_match_scipy(device: &Device) {
    let r = vdp_reference();
    let b = r.mu.len();
    let grid = RowGrid::new(r.ts.clone()).unwrap();
    let y0 = vec![[2.0, 0.0]; b];
    let opts = SolveOptions::adaptive(1e-10, 1e-10);
    let f = vdp(column(&r.mu, device), 0.0);
    let sol = solve_rows(
        &f,
        rows_tensor(&y0, device),
        &grid,
        &opts,
        FailurePolicy::FailBatch,
    )
    .unwrap();
    for row in 0..b {
        let got = values(&sol.row(row));
        let want: Vec<f64> = r.ys[row].iter().flatten().copied().collect();
        let err = max_abs_diff(&got, &want);
        assert!(
            err < 1e-8,
            "row {row} (μ = {}): max error {err:e}",
            r.mu[row]
        );
        let solo_f = vdp(column(&r.mu[row..=row], device), 0.0);
        let solo_grid = RowGrid::new(vec![r.ts[row].clone()]).unwrap();
        let solo = solve_rows(
            &solo_f,
            rows_tensor(&y0[..1], device),
            &solo_grid,
            &opts,
            FailurePolicy::FailBatch,
        )
        .unwrap();
        assert_eq!(sol.rows[row], solo.rows[0], "row {row}: steps as alone");
    }
    // The stiffest row needs the most steps; the mildest far fewer (each row its own clock).
    let steps: Vec<usize> = sol.rows.iter().map(|s| s.accepted_steps).collect();
    assert!(steps[b - 1] > 3 * steps[0], "{steps:?}");
}

/// `y' = y²` from `y(0) = 1` blows up at `t = 1`; the other rows are harmless.
fn blow_up_row(device: &Device) -> (Tensor<2>, RowGrid) {
    let y0 = tensor(&[[0.25], [1.0], [-0.5]], device);
    let grid = RowGrid::new(vec![
        vec![0.0, 1.0, 2.0],
        vec![0.0, 0.5, 2.0],
        vec![0.0, 3.0],
    ])
    .unwrap();
    (y0, grid)
}

fn failing_row_policies(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| y.clone() * y.clone();
    let (y0, grid) = blow_up_row(device);
    for opts in [
        SolveOptions::adaptive(1e-8, 1e-10),
        SolveOptions::steps(Method::Rk4, 400),
    ] {
        let err = solve_rows(&f, y0.clone(), &grid, &opts, FailurePolicy::FailBatch).unwrap_err();
        assert!(matches!(err, SolveError::Row { row: 1, .. }), "{err}");
        let sol = solve_rows(&f, y0.clone(), &grid, &opts, FailurePolicy::FinishOthers).unwrap();
        assert_ne!(sol.rows[1].status, RowStatus::Success);
        assert!(sol.rows[1].error.is_some());
        assert_eq!(
            sol.produced[1], 2,
            "the output at 0.5 came before the blow-up"
        );
        for r in [0, 2] {
            assert_eq!(sol.rows[r].status, RowStatus::Success);
            let solo_grid = RowGrid::new(vec![grid.times(r).to_vec()]).unwrap();
            let solo_y0 = y0.clone().slice([r..r + 1, 0..1]);
            let solo =
                solve_rows(&f, solo_y0, &solo_grid, &opts, FailurePolicy::FailBatch).unwrap();
            assert_eq!(values(&sol.row(r)), values(&solo.row(0)), "row {r}");
            assert_eq!(sol.rows[r], solo.rows[0]);
        }
        // Exact solution 1/(1/y0 − t) of the surviving rows.
        let last = values(&sol.last());
        assert!((last[0] - 1.0 / (4.0 - 2.0)).abs() < 1e-6, "{last:?}");
        assert!((last[2] - 1.0 / (-2.0 - 3.0)).abs() < 1e-6, "{last:?}");
        if opts.is_fixed_step() {
            // Fixed steps report the step where the state turned non-finite, not the next
            // output time (2.0).
            match &sol.rows[1].error {
                Some(SolveError::NonFiniteState { t, .. }) => assert!(*t < 1.1, "t = {t}"),
                other => panic!("{other:?}"),
            }
        }
    }
}

fn per_row_step_budget(device: &Device) {
    let f = vdp(column(&[0.1, 30.0], device), 0.0);
    let grid = RowGrid::uniform(&[0.0, 30.0], 2).unwrap();
    let y0 = tensor(&[[2.0, 0.0], [2.0, 0.0]], device);
    let opts = SolveOptions::adaptive(1e-9, 1e-9);
    let free = solve_rows(&f, y0.clone(), &grid, &opts, FailurePolicy::FailBatch).unwrap();
    let taken = |s: &neurode::solvers::RowStats| s.accepted_steps + s.rejected_steps;
    let (easy, hard) = (taken(&free.rows[0]), taken(&free.rows[1]));
    assert!(easy < hard, "{easy} vs {hard}");
    // A budget between the two: the easy row finishes, the hard one stops at the budget.
    let budget = (easy + hard) / 2;
    let opts = opts.with_max_steps(budget);
    let sol = solve_rows(&f, y0, &grid, &opts, FailurePolicy::FinishOthers).unwrap();
    assert_eq!(
        sol.rows[0], free.rows[0],
        "the easy row is untouched by the budget"
    );
    assert_eq!(sol.rows[1].status, RowStatus::MaxSteps);
    assert_eq!(taken(&sol.rows[1]), budget);
    assert_eq!(sol.produced, vec![2, 1]);
}

fn bad_input_is_refused(device: &Device) {
    let f = |_: &RowsAt<'_>, y: &Tensor<2>| y.clone();
    let opts = SolveOptions::adaptive(1e-6, 1e-8);
    let grid = RowGrid::uniform(&[0.0, 1.0], 2).unwrap();
    let empty = Tensor::<2>::zeros([2, 0], device);
    assert!(matches!(
        solve_rows(&f, empty, &grid, &opts, FailurePolicy::FailBatch),
        Err(SolveError::EmptyState { .. })
    ));
    let three = Tensor::<2>::zeros([3, 1], device);
    assert_eq!(
        solve_rows(&f, three, &grid, &opts, FailurePolicy::FailBatch).unwrap_err(),
        SolveError::RowCountMismatch { grid: 2, state: 3 }
    );
    let nan = tensor(&[[1.0], [f64::NAN]], device);
    assert!(matches!(
        solve_rows(&f, nan, &grid, &opts, FailurePolicy::FailBatch),
        Err(SolveError::Row { row: 1, .. })
    ));
    let wrong = |_: &RowsAt<'_>, y: &Tensor<2>| Tensor::cat(vec![y.clone(), y.clone()], 1);
    assert!(matches!(
        solve_rows(
            &wrong,
            tensor(&[[1.0], [2.0]], device),
            &grid,
            &opts,
            FailurePolicy::FailBatch
        ),
        Err(SolveError::ShapeMismatch { .. })
    ));
}

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

/// The batch's parameter and `y₀` gradients, with backprop through the per-row solve.
fn row_gradients(
    device: &Device,
    flat: &[f64],
    y0: &[[f64; 2]],
    grid: &RowGrid,
    opts: &SolveOptions,
    policy: FailurePolicy,
    keep: Option<&[usize]>,
) -> (Vec<f64>, Vec<f64>, Vec<RowStatus>) {
    row_gradients_by(
        device,
        &GradientMethod::Backprop,
        flat,
        y0,
        grid,
        opts,
        policy,
        keep,
    )
}

#[allow(clippy::too_many_arguments)]
fn row_gradients_by(
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
    let (g, gy0, _) = row_gradients(
        device,
        &flat,
        &y0,
        &grid,
        &opts,
        FailurePolicy::FailBatch,
        None,
    );
    let mut sum = vec![0.0; g.len()];
    for r in 0..grid.rows() {
        let solo = RowGrid::new(vec![grid.times(r).to_vec()]).unwrap();
        let (gr, gy0r, _) = row_gradients(
            device,
            &flat,
            &y0[r..=r],
            &solo,
            &opts,
            FailurePolicy::FailBatch,
            None,
        );
        for (s, x) in sum.iter_mut().zip(&gr) {
            *s += x;
        }
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
        let sol = solve_rows(
            &f,
            tensor(&y0, device),
            &grid,
            &opts,
            FailurePolicy::FailBatch,
        )
        .unwrap();
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
        let solo = RowGrid::new(vec![grid.times(r).to_vec()]).unwrap();
        let (gr, _, st) = row_gradients(
            device,
            &flat,
            &y0[r..=r],
            &solo,
            &opts,
            FailurePolicy::FailBatch,
            None,
        );
        assert_eq!(st, vec![RowStatus::Success]);
        for (s, x) in sum.iter_mut().zip(&gr) {
            *s += x;
        }
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
    let (g, gy0, _) = row_gradients(device, &flat, &y0, &grid, &opts, policy, None);
    let backward = AdjointOptions::with_tolerances(1e-10, 1e-12);
    for method in [
        GradientMethod::Adjoint(backward.clone()),
        GradientMethod::Adjoint(backward.clone().with_seminorm(true)),
        GradientMethod::Interpolated(backward.clone()),
    ] {
        let (ga, gy0a, _) =
            row_gradients_by(device, &method, &flat, &y0, &grid, &opts, policy, None);
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
    let (g_good, _, _) = row_gradients(device, &flat, &y0, &failing, &budget, finish, Some(&good));
    let method = GradientMethod::Interpolated(backward);
    let (ga, _, st) = row_gradients_by(
        device,
        &method,
        &flat,
        &y0,
        &failing,
        &budget,
        finish,
        Some(&good),
    );
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
        let (g, gy0, _) = row_gradients(device, &flat, &y0, &grid, &opts, policy, None);
        for budget in [None, Some(1), Some(2), Some(5)] {
            let method =
                GradientMethod::Checkpointed(CheckpointOptions::new().with_checkpoints(budget));
            let (gc, gy0c, _) =
                row_gradients_by(device, &method, &flat, &y0, &grid, &opts, policy, None);
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
    fused_f64_combination_is_burns_arithmetic,
    per_row_gradients_are_the_sum_of_solo_gradients,
    failed_rows_leave_the_others_gradients_unchanged,
    batch_composition_invariance,
    van_der_pol_rows_match_scipy,
    failing_row_policies,
    per_row_step_budget,
    bad_input_is_refused,
);

/// The fused f64 linear combination gives Burn's unfused `c₀·t₀ + c₁·t₁ + …` bit for bit, and
/// the same gradients.
fn fused_f64_combination_is_burns_arithmetic(device: &Device) {
    let ad = device.clone().autodiff();
    let make = |seed: u64| {
        let v: Vec<f64> = (0..24)
            .map(|i| ((i as f64 + 1.0) * (seed as f64 + 0.37)).sin() * 1.7)
            .collect();
        Tensor::<2>::from_data(burn::tensor::TensorData::new(v, [6, 4]), &ad).require_grad()
    };
    let ts: Vec<Tensor<2>> = (0..5).map(make).collect();
    let coefs = [1.0, 0.1 / 3.0, -2.5e-3, 44.0 / 45.0, 1.0];
    let terms: Vec<(f64, &Tensor<2>)> = coefs.iter().copied().zip(&ts).collect();
    let fused = neurode::kernels::linear_combination(&terms);
    let manual = terms
        .iter()
        .map(|(c, t)| {
            if *c == 1.0 {
                (*t).clone()
            } else {
                (*t).clone().mul_scalar(*c)
            }
        })
        .reduce(|a, b| a + b)
        .unwrap();
    match fused {
        Some(fused) => {
            assert_eq!(values(&fused), values(&manual));
            let gf = fused.powi_scalar(2).sum().backward();
            let gm = manual.powi_scalar(2).sum().backward();
            for t in &ts {
                assert_eq!(values(&t.grad(&gf).unwrap()), values(&t.grad(&gm).unwrap()));
            }
        }
        // Not fused on this backend: nothing to compare.
        None => assert!(!format!("{device:?}").contains("Flex"), "flex f64 is fused"),
    }
}
