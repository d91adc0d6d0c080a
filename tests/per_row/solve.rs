//! Per-row solves: batch-composition invariance, Van der Pol against scipy, failures,
//! budgets, bad input, and the fused f64 combination they rely on.

use burn::Tensor;
use neurode::solvers::{
    FailurePolicy, Method, RowGrid, RowStatus, RowsAt, SolveError, SolveOptions, Stepping,
    solve_rows,
};

use super::{column, option_sets, ragged, solve_all, solve_ragged, vdp};
use crate::common::*;

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
    let sol = solve_all(&f, &y0, &grid, &opts, device);
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
        let solo = solve_all(&solo_f, &y0[..1], &solo_grid, &opts, device);
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
    // A per-batch-row tensor used without `gather`: right while every row integrates, a wrong
    // shape once a row has finished (caught at that evaluation, not silently broadcast).
    let k = tensor(&[[1.0], [2.0]], device);
    let ungathered = |_: &RowsAt<'_>, y: &Tensor<2>| y.clone().neg() * k.clone();
    let spans = RowGrid::new(vec![vec![0.0, 1.0], vec![0.0, 5.0]]).unwrap();
    let y0 = tensor(&[[1.0], [2.0]], device);
    let policy = FailurePolicy::FinishOthers;
    assert!(matches!(
        solve_rows(&ungathered, y0, &spans, &opts, policy),
        Err(SolveError::ShapeMismatch { .. })
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

cpu_backend_tests!(F64;
    batch_composition_invariance,
    van_der_pol_rows_match_scipy,
    failing_row_policies,
    per_row_step_budget,
    bad_input_is_refused,
    fused_f64_combination_is_burns_arithmetic,
);
