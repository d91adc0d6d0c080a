//! The bookkeeping of a per-row solve shared by its adaptive and fixed-step loops: per-row
//! progress through the output times, failures, and the outputs of accepted steps (each row
//! interpolated at its own `θ`).

use burn::Tensor;

use super::observe::{AcceptedRows, RowInterpolants, RowObserver, RowStepRecord};
use super::ops::{index, select};
use super::solution::{FailurePolicy, RowStats, RowStatus};
use super::step::{RowCounted, RowStep};
use super::{RowDynamics, RowGrid};
use crate::SolveError;

use crate::tableau::{InterpolantKind, Tableau};

/// A per-row solve in progress.
pub(crate) struct RowRun<'a, F> {
    pub tab: &'static Tableau,
    pub interpolant: InterpolantKind,
    pub grid: &'a RowGrid,
    pub f: RowCounted<'a, F>,
    pub policy: FailurePolicy,
    /// Per row: index of the next output time to produce.
    pub next: Vec<usize>,
    pub stats: Vec<RowStats>,
    /// Outputs and the `(row, k)` of each of their rows.
    pub pieces: Vec<(Tensor<2>, Vec<(usize, usize)>)>,
    /// Told about every iteration's accepted steps.
    pub observer: Option<&'a mut dyn RowObserver>,
    /// Whether accepted rows go on to another step (a solve), so that `f(t₁, y₁)` is needed
    /// as their next first stage; a replay stops after its steps.
    pub continues: bool,
}

/// A row whose step `t0 → t1` (signed Runge–Kutta length `h`) was accepted; `pos` is its row
/// in the active tensors.
pub(crate) struct Accepted {
    pub pos: usize,
    pub row: usize,
    pub t0: f64,
    pub t1: f64,
    pub h: f64,
}

/// `f(t₁, y₁)` for some rows of the active tensors.
pub(crate) struct Known {
    pub tensor: Option<Tensor<2>>,
    /// For each active position, its row in `tensor`.
    pub(crate) at: Vec<Option<usize>>,
}

impl Known {
    /// The row of `tensor` holding active position `pos`.
    pub fn row_of(&self, pos: usize) -> usize {
        self.at[pos].expect("f(t1, y1) computed for every row that needs it")
    }

    pub(crate) fn rows(&self, positions: &[usize]) -> Tensor<2> {
        let rows: Vec<usize> = positions.iter().map(|&p| self.row_of(p)).collect();
        select(self.tensor.as_ref().expect("known rows"), &rows)
    }
}

/// The outputs one accepted row emits.
pub(crate) struct Plan {
    /// `(k, θ)` of outputs strictly inside the step.
    pub interior: Vec<(usize, f64)>,
    /// An output exactly at the step's end.
    pub at_end: Option<usize>,
    /// The next output index after this step.
    pub next: usize,
}

impl<F: RowDynamics> RowRun<'_, F> {
    /// Row `row` failed with `error`: under [`FailurePolicy::FailBatch`] the solve fails,
    /// otherwise the row stops with its status.
    pub fn fail(&mut self, row: usize, error: SolveError) -> Result<(), SolveError> {
        if self.policy == FailurePolicy::FailBatch {
            return Err(SolveError::Row {
                row,
                error: Box::new(error),
            });
        }
        self.stats[row].status = RowStatus::of(&error);
        self.stats[row].error = Some(error);
        Ok(())
    }

    fn plan(&self, a: &Accepted) -> Plan {
        let times = self.grid.times(a.row);
        let dir = self.grid.direction(a.row);
        let mut k = self.next[a.row];
        let mut interior = Vec::new();
        let mut at_end = None;
        while k < times.len() {
            let t_out = times[k];
            if (t_out - a.t1) * dir > 0.0 {
                break;
            }
            if t_out == a.t1 {
                at_end = Some(k);
                k += 1;
                break;
            }
            interior.push((k, (t_out - a.t0) / (a.t1 - a.t0)));
            k += 1;
        }
        Plan {
            interior,
            at_end,
            next: k,
        }
    }

    /// Emits the outputs of the accepted rows `acc` of `step` (taken from `y`, the active
    /// states), advances their output index, and returns `f(t₁, y₁)` wherever the next step
    /// or the interpolation needs it (the last stage of an FSAL method, else one evaluation
    /// of those rows), with which accepted rows are done.
    pub fn accept(
        &mut self,
        acc: &[Accepted],
        y: &Tensor<2>,
        step: &RowStep,
    ) -> (Known, Vec<bool>) {
        let active = y.dims()[0];
        let plans: Vec<Plan> = acc.iter().map(|a| self.plan(a)).collect();
        let mut done: Vec<bool> = acc
            .iter()
            .zip(&plans)
            .map(|(a, p)| p.next >= self.grid.len(a.row))
            .collect();
        let known = if self.tab.fsal {
            Known {
                tensor: step.ks.last().cloned(),
                at: (0..active).map(Some).collect(),
            }
        } else {
            let dense = self.observer.as_ref().is_some_and(|o| o.wants_dense());
            let need: Vec<&Accepted> = acc
                .iter()
                .zip(&plans)
                .zip(&done)
                .filter(|((_, p), d)| dense || (self.continues && !**d) || !p.interior.is_empty())
                .map(|((a, _), _)| a)
                .collect();
            let mut at = vec![None; active];
            let tensor = (!need.is_empty()).then(|| {
                let pos: Vec<usize> = need.iter().map(|a| a.pos).collect();
                let rows: Vec<usize> = need.iter().map(|a| a.row).collect();
                let t1: Vec<f64> = need.iter().map(|a| a.t1).collect();
                for (i, &p) in pos.iter().enumerate() {
                    at[p] = Some(i);
                }
                self.f.eval(&t1, &select(&step.y1, &pos), &rows)
            });
            Known { tensor, at }
        };
        self.emit_at_ends(acc, &plans, &step.y1);
        let wants_dense = self.observer.as_ref().is_some_and(|o| o.wants_dense());
        // The interpolant of every accepted row when the observer keeps it, else only of the
        // rows with an output inside their step.
        let inner: Vec<usize> = (0..acc.len())
            .filter(|&i| wants_dense || !plans[i].interior.is_empty())
            .collect();
        let stacked = !wants_dense && !matches!(self.interpolant, InterpolantKind::Dop853(_));
        if stacked && !inner.is_empty() {
            self.emit_stacked(acc, &plans, &inner, y, step, &known);
        }
        let prepared = (!stacked && !inner.is_empty()).then(|| {
            let sub: Vec<&Accepted> = inner.iter().map(|&i| &acc[i]).collect();
            self.prepare(&sub, y, step, &known)
        });
        if let Some(p) = &prepared {
            self.emit_interior(acc, &plans, &inner, p);
        }
        for (a, p) in acc.iter().zip(&plans) {
            self.next[a.row] = p.next;
        }
        if self.observer.is_some() && !acc.is_empty() {
            self.report(acc, y, step, prepared.filter(|_| wants_dense));
            let stops = self.observer.as_deref_mut().map(|o| o.stops());
            for r in stops.into_iter().flatten() {
                if let Some(i) = acc.iter().position(|a| a.row == r) {
                    done[i] = true;
                    self.stats[r].status = RowStatus::Event;
                }
            }
        }
        (known, done)
    }

    /// Tells the observer about the accepted steps `acc` (and their interpolants, built for
    /// all of them when it wants them).
    fn report(
        &mut self,
        acc: &[Accepted],
        y: &Tensor<2>,
        step: &RowStep,
        dense: Option<RowInterpolants>,
    ) {
        let pos: Vec<usize> = acc.iter().map(|a| a.pos).collect();
        let records: Vec<RowStepRecord> = acc
            .iter()
            .map(|a| RowStepRecord {
                row: a.row,
                t0: a.t0,
                t1: a.t1,
                h: a.h,
            })
            .collect();
        let ks: Vec<Tensor<2>> = step.ks.iter().map(|k| select(k, &pos)).collect();
        let observer = self.observer.as_deref_mut().expect("checked by the caller");
        observer.accepted(AcceptedRows {
            tableau: self.tab,
            steps: &records,
            y0: &select(y, &pos),
            y1: &select(&step.y1, &pos),
            ks: &ks,
            dense,
        });
    }

    /// Every output in one `[max_len, batch, dim]` tensor (zeros where none was produced),
    /// with the number each row produced.
    pub fn assemble(
        &mut self,
        dim: usize,
        device: &burn::tensor::Device,
    ) -> (Tensor<3>, Vec<usize>) {
        let (l, b) = (self.grid.max_len(), self.grid.rows());
        let mut slot = vec![usize::MAX; l * b];
        let mut produced = vec![0usize; b];
        let mut offset = 0;
        let mut parts = Vec::with_capacity(self.pieces.len() + 1);
        for (t, labels) in self.pieces.drain(..) {
            for (i, &(r, k)) in labels.iter().enumerate() {
                slot[k * b + r] = offset + i;
                produced[r] = produced[r].max(k + 1);
            }
            offset += labels.len();
            parts.push(t);
        }
        let zero_row = offset;
        parts.push(Tensor::zeros([1, dim], device));
        let all = Tensor::cat(parts, 0);
        let rows: Vec<usize> = slot
            .into_iter()
            .map(|s| if s == usize::MAX { zero_row } else { s })
            .collect();
        let ys = all.select(0, index(&rows, device)).reshape([l, b, dim]);
        (ys, produced)
    }
}
