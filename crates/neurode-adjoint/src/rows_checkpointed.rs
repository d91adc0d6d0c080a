//! Checkpointed backprop in per-row mode: the forward solve keeps the full-batch state at the
//! schedule's iterations, and each iteration (the steps its rows accepted) is re-run on the
//! tape from there by `replay_rows`, newest first, through the same schedule as a
//! shared-clock solve.

use burn::Tensor;
use burn::tensor::TensorData;
use neurode_solvers::{
    AcceptedRows, RowGrid, RowObserver, RowStepRecord, RowsAt, SolveOptions, SolveStats,
    replay_rows,
};

use crate::checkpointed::{Advanced, Stretch, Taped};
use crate::schedule::Recorder;
use crate::{AdjointError, NeuralDynamics};

/// The observer of the tape-free per-row forward solve: every iteration's accepted steps, and
/// the full-batch state after it where the schedule keeps one.
pub(crate) struct RowRecorder {
    pub iterations: Vec<Vec<RowStepRecord>>,
    pub recorder: Recorder,
    full: Tensor<2>,
}

impl RowRecorder {
    /// From the full initial state, keeping states as `recorder` schedules.
    pub fn new(y0: Tensor<2>, recorder: Recorder) -> Self {
        Self {
            iterations: Vec::new(),
            recorder,
            full: y0,
        }
    }
}

impl RowObserver for RowRecorder {
    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        let rows: Vec<usize> = steps.steps.iter().map(|s| s.row).collect();
        self.full = put_rows(&self.full, steps.y1, &rows);
        self.iterations.push(steps.steps.to_vec());
        self.recorder.reached(self.iterations.len(), &self.full);
    }
}

/// An index tensor of rows.
pub(crate) fn index(rows: &[usize], device: &burn::tensor::Device) -> Tensor<1, burn::tensor::Int> {
    let idx: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
    Tensor::from_data(TensorData::new(idx, [rows.len()]), device)
}

/// `full` with its rows `rows` replaced by the rows of `part`.
pub(crate) fn put_rows(full: &Tensor<2>, part: &Tensor<2>, rows: &[usize]) -> Tensor<2> {
    let n = full.dims()[0];
    if rows.len() == n && rows.iter().enumerate().all(|(i, &r)| i == r) {
        return part.clone();
    }
    let mut pick: Vec<usize> = (0..n).collect();
    for (i, &r) in rows.iter().enumerate() {
        pick[r] = n + i;
    }
    Tensor::cat(vec![full.clone(), part.clone()], 0).select(0, index(&pick, &full.device()))
}

/// A per-row solve's iterations, re-run by `replay_rows` with the forward options.
pub(crate) struct RowIterations<'a, M> {
    pub model: &'a M,
    pub plain: M,
    pub iterations: &'a [Vec<RowStepRecord>],
    pub grid: &'a RowGrid,
    pub opts: &'a SolveOptions,
    /// `∂L/∂y` at every output, `[max_len · batch, dim]` (plain).
    pub dl_flat: Tensor<2>,
}

impl<M: NeuralDynamics> Stretch for RowIterations<'_, M> {
    fn advance(&mut self, from: usize, to: usize, y: Tensor<2>) -> Advanced {
        let plain = &self.plain;
        let f = |at: &RowsAt<'_>, y: &Tensor<2>| plain.forward_rows(at, y.clone());
        let mut stats = SolveStats::default();
        let mut y = y;
        for steps in &self.iterations[from..to] {
            let r =
                replay_rows(&f, y, steps, self.grid, self.opts).map_err(AdjointError::Recompute)?;
            stats += r.stats;
            y = r.end;
        }
        Ok((y, stats))
    }

    fn taped(&mut self, i: usize, leaf: Tensor<2>) -> Taped {
        let model = self.model;
        let f = |at: &RowsAt<'_>, y: &Tensor<2>| model.forward_rows(at, y.clone());
        let r = replay_rows(&f, leaf, &self.iterations[i], self.grid, self.opts)
            .map_err(AdjointError::Recompute)?;
        let batch = self.grid.rows();
        let dl = &self.dl_flat;
        let through = r
            .outputs
            .into_iter()
            .map(|(piece, labels)| {
                let at: Vec<usize> = labels.iter().map(|&(row, k)| k * batch + row).collect();
                let g = dl.clone().select(0, index(&at, &dl.device()));
                (piece * Tensor::from_inner(g)).sum()
            })
            .reduce(|a, b| a + b);
        Ok((r.end, through, r.stats))
    }
}
