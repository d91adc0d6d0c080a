//! Per-row solves: every batch row its own output times, step size, controller state,
//! accept/reject, statistics and status (torchode's model), with finished rows leaving the
//! evaluated batch.
//!
//! A shared-clock [`crate::solve`] takes one step size for the whole batch: a row that gets
//! hard forces every row into its small steps, and rows sampled at different times cannot
//! share a batch. [`solve_rows`] gives each row its own clock:
//!
//! * **Own grid**: row `r` starts at `grid.times(r)[0]` and is reported at each of its times
//!   ([`RowGrid`]: ragged, each row its own span, length and direction).
//! * **Own steps**: the error norm is taken per row ([`RowRmsNorm`]), so each row accepts or
//!   rejects its own step and its controller (integral or PI) keeps its own history; fixed-step
//!   methods take their steps over each row's own span.
//! * **Finished rows cost nothing**: a row that has reached its last output time (or failed)
//!   leaves the evaluated batch (its rows are gathered out), rather than being masked and
//!   evaluated on, as in torchode or under `vmap`.
//! * **Batch-composition invariant**: every operation on a row's values acts on that row alone
//!   (element-wise arithmetic, gathers, per-row error sums added on the host in a fixed
//!   order), so a row gives the same values and the same steps in any batch as alone — bit for
//!   bit when the dynamics treat rows independently.
//! * **Failures per row**: a row that runs out of steps, underflows or turns non-finite fails
//!   the batch ([`FailurePolicy::FailBatch`], the default) or stops alone with its
//!   [`RowStatus`] while the others finish ([`FailurePolicy::FinishOthers`]).
//!
//! Every method and option of [`SolveOptions`] applies (both conventions, both controllers,
//! dense output by each method's own interpolant at each row's own `θ`). The outputs are
//! differentiable on an autodiff device (backprop through the per-row solve).

mod adaptive;
mod dynamics;
mod emit;
mod fixed;
mod grid;
mod norm;
mod observe;
pub(crate) mod ops;
mod replay;
mod run;
mod solution;
mod step;

use burn::Tensor;

pub use dynamics::{RowDynamics, RowsAt};
pub use grid::RowGrid;
pub use norm::{ErrorScale, RowErrorNorm, RowRmsNorm, RowSqSums};
pub use observe::{
    AcceptedRows, RowDenseOutput, RowInterpolants, RowObserver, RowStepLog, RowStepRecord,
};
pub use replay::{RowReplayed, replay_rows};
pub use solution::{FailurePolicy, RowSolution, RowStats, RowStatus};

use crate::options::Grid;
use crate::options::Stepping;
use crate::{SolveError, SolveOptions, SolveStats};
use adaptive::Active;
use ops::{row_finite, select};
use run::RowRun;
use step::RowCounted;

/// Integrates `dy/dt = f(t, y)` for every row of `y0` (`[batch, dim]`) on its own clock: row
/// `r` starts from `y0[r]` at `grid.times(r)[0]` and is reported at each of its times.
/// Returns the padded outputs ([`RowSolution::ys`], `[max_len, batch, dim]`) with each row's
/// statistics and status.
///
/// ```
/// use burn::Tensor;
/// use neurode_backend::{Backend, Precision};
/// use neurode_solvers::{FailurePolicy, RowGrid, RowsAt, SolveOptions, solve_rows};
///
/// let device = neurode_backend::device(Backend::Flex, Precision::F32).unwrap();
/// // dy/dt = -k y with a different rate, span and grid per row.
/// let y0 = Tensor::<2>::from_floats([[1.0], [1.0]], &device);
/// let k = Tensor::<2>::from_floats([[1.0], [50.0]], &device);
/// let f = |at: &RowsAt, y: &Tensor<2>| y.clone().neg() * at.gather(&k);
/// let grid = RowGrid::new(vec![vec![0.0, 0.5, 1.0], vec![0.0, 0.1]]).unwrap();
/// let opts = SolveOptions::adaptive(1e-6, 1e-8);
/// let sol = solve_rows(&f, y0, &grid, &opts, FailurePolicy::FailBatch).unwrap();
/// assert_eq!(sol.ys.dims(), [3, 2, 1]);
/// let y1: Vec<f32> = sol.last().to_data().to_vec().unwrap();
/// assert!((y1[0] - (-1.0f32).exp()).abs() < 1e-5 && (y1[1] - (-5.0f32).exp()).abs() < 1e-5);
/// // The slow row takes fewer steps than the fast one: each has its own clock.
/// assert!(sol.rows[0].accepted_steps < sol.rows[1].accepted_steps);
/// ```
pub fn solve_rows<F: RowDynamics>(
    f: &F,
    y0: Tensor<2>,
    grid: &RowGrid,
    opts: &SolveOptions,
    policy: FailurePolicy,
) -> Result<RowSolution, SolveError> {
    rows_inner(f, y0, grid, opts, policy, &RowRmsNorm, None)
}

/// [`solve_rows`] with a custom per-row error norm, reporting every iteration's accepted
/// row steps to `observer` (with their interpolants when it wants them; `&mut ()` for no
/// observer): how per-row gradient methods keep the forward pass.
pub fn solve_rows_observed<F: RowDynamics, N: RowErrorNorm>(
    f: &F,
    y0: Tensor<2>,
    grid: &RowGrid,
    opts: &SolveOptions,
    policy: FailurePolicy,
    norm: &N,
    observer: &mut dyn RowObserver,
) -> Result<RowSolution, SolveError> {
    rows_inner(f, y0, grid, opts, policy, norm, Some(observer))
}

fn rows_inner<'a, F: RowDynamics, N: RowErrorNorm>(
    f: &'a F,
    y0: Tensor<2>,
    grid: &'a RowGrid,
    opts: &SolveOptions,
    policy: FailurePolicy,
    norm: &N,
    observer: Option<&'a mut dyn RowObserver>,
) -> Result<RowSolution, SolveError> {
    opts.validate()?;
    let [b, d] = y0.dims();
    if b == 0 || d == 0 {
        return Err(SolveError::EmptyState {
            shape: format!("{:?}", y0.dims()),
        });
    }
    if grid.rows() != b {
        return Err(SolveError::RowCountMismatch {
            grid: grid.rows(),
            state: b,
        });
    }
    if let Some(row) = row_finite(&y0).iter().position(|ok| !ok) {
        return Err(SolveError::Row {
            row,
            error: Box::new(SolveError::NonFiniteInitialState),
        });
    }
    let device = y0.device();
    let mut run = RowRun {
        tab: opts.explicit_tableau("per-row clocks (solve_rows, solve_event)")?,
        interpolant: opts.interpolant()?,
        grid,
        f: RowCounted::new(f, b),
        policy,
        next: vec![1; b],
        stats: vec![RowStats::new(); b],
        pieces: vec![(y0.clone(), (0..b).map(|r| (r, 0)).collect())],
        observer,
        continues: true,
    };
    // Rows with a single output time are done at their start.
    let rows: Vec<usize> = (0..b).filter(|&r| grid.len(r) > 1).collect();
    if !rows.is_empty() {
        let y = select(&y0, &rows);
        let t0: Vec<f64> = rows.iter().map(|&r| grid.start(r)).collect();
        let f0 = run.f.eval(&t0, &y, &rows);
        run.f.check()?;
        let act = Active { rows, y, f0 };
        match opts.stepping {
            Stepping::Adaptive(a) => adaptive::adaptive(&mut run, act, &a, opts, norm)?,
            Stepping::Steps(n) => fixed::fixed(&mut run, act, Grid::Steps(n), opts)?,
            Stepping::StepSize(h) => fixed::fixed(&mut run, act, Grid::Size(h), opts)?,
        }
    }
    let (ys, produced) = run.assemble(d, &device);
    let mut rows_stats = run.stats;
    for (s, nfe) in rows_stats.iter_mut().zip(&run.f.row_nfe) {
        s.nfe = *nfe;
    }
    let stats = SolveStats {
        nfe: run.f.calls,
        accepted_steps: rows_stats.iter().map(|s| s.accepted_steps).sum(),
        rejected_steps: rows_stats.iter().map(|s| s.rejected_steps).sum(),
        ..SolveStats::default()
    };
    Ok(RowSolution {
        grid: grid.clone(),
        ys,
        produced,
        rows: rows_stats,
        stats,
    })
}
