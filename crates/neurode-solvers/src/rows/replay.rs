//! Replaying one iteration of a per-row solve: the same stages and outputs for the rows it
//! accepted, from a stored full-batch state (checkpointed gradients re-run stretches of a
//! tape-free per-row solve on the tape this way).

use burn::Tensor;

use super::observe::RowStepRecord;
use super::ops::{From, merge, select};
use super::run::{Accepted, RowRun};
use super::solution::{FailurePolicy, RowStats};
use super::step::{RowCounted, rk_step_rows};
use super::{RowDynamics, RowGrid, RowRmsNorm};
use crate::{SolveError, SolveOptions, SolveStats};

/// What a replay produced.
pub struct RowReplayed {
    /// The full-batch state after the replayed steps (rows without a step unchanged).
    pub end: Tensor<2>,
    /// The outputs inside the replayed steps, each tensor's rows labelled `(row, k)`: batch row
    /// `row` at its `k`-th output time.
    pub outputs: Vec<(Tensor<2>, Vec<(usize, usize)>)>,
    /// Work done.
    pub stats: SolveStats,
}

/// Re-takes the row steps `steps` (one iteration's, as a [`crate::RowObserver`] recorded
/// them from a solve with the same `grid` and `opts`) from `y`, the full `[batch, dim]` state
/// at their starts. Each row's step has its recorded length; the outputs the original solve
/// emitted inside these steps are emitted again.
pub fn replay_rows<F: RowDynamics>(
    f: &F,
    y: Tensor<2>,
    steps: &[RowStepRecord],
    grid: &RowGrid,
    opts: &SolveOptions,
) -> Result<RowReplayed, SolveError> {
    opts.validate()?;
    let [b, _] = y.dims();
    if grid.rows() != b {
        return Err(SolveError::RowCountMismatch {
            grid: grid.rows(),
            state: b,
        });
    }
    if let Some(s) = steps.iter().find(|s| s.row >= b) {
        return Err(SolveError::InvalidRowGrid {
            row: s.row,
            reason: format!("a recorded step of row {} in a batch of {b} rows", s.row),
        });
    }
    let rows: Vec<usize> = steps.iter().map(|s| s.row).collect();
    let t0: Vec<f64> = steps.iter().map(|s| s.t0).collect();
    let h: Vec<f64> = steps.iter().map(|s| s.h).collect();
    let next = (0..b)
        .map(|r| {
            let dir = grid.direction(r);
            let start = steps.iter().find(|s| s.row == r).map_or(f64::NAN, |s| s.t0);
            grid.times(r).partition_point(|&t| (t - start) * dir <= 0.0)
        })
        .collect();
    let mut run = RowRun {
        tab: opts.explicit_tableau("replays of recorded steps (checkpointed gradients)")?,
        interpolant: opts.interpolant()?,
        grid,
        f: RowCounted::new(f, b),
        policy: FailurePolicy::FailBatch,
        next,
        stats: vec![RowStats::new(); b],
        pieces: Vec::new(),
        observer: None,
        continues: false,
    };
    if steps.is_empty() {
        return Ok(RowReplayed {
            end: y,
            outputs: Vec::new(),
            stats: SolveStats::default(),
        });
    }
    let y_sub = select(&y, &rows);
    let f0 = run.f.eval(&t0, &y_sub, &rows);
    let step = rk_step_rows::<F, RowRmsNorm>(run.tab, &mut run.f, &rows, &t0, &y_sub, f0, &h, None);
    let acc: Vec<Accepted> = steps
        .iter()
        .enumerate()
        .map(|(pos, s)| Accepted {
            pos,
            row: s.row,
            t0: s.t0,
            t1: s.t1,
            h: s.h,
        })
        .collect();
    run.accept(&acc, &y_sub, &step);
    run.f.check()?;
    let mut at = vec![None; b];
    for (i, &r) in rows.iter().enumerate() {
        at[r] = Some(i);
    }
    let picks: Vec<From> = (0..b)
        .map(|r| match at[r] {
            Some(i) => From::B(i),
            None => From::A(r),
        })
        .collect();
    let end = merge(&y, &step.y1, &picks);
    Ok(RowReplayed {
        end,
        outputs: std::mem::take(&mut run.pieces),
        stats: SolveStats {
            nfe: run.f.calls,
            accepted_steps: steps.len(),
            ..SolveStats::default()
        },
    })
}
