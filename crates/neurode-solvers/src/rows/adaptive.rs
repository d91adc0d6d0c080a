//! The adaptive per-row loop: every row its own step size, controller state and
//! accept/reject; rows leave the evaluated batch when they finish or fail.

use burn::Tensor;

use super::norm::RowErrorNorm;
use super::ops::{From, merge, select};
use super::run::{Accepted, Known, RowRun};
use super::step::{RowControl, RowStep, initial_steps, rk_step_rows};
use super::{RowDynamics, RowGrid};
use crate::options::{Adaptive, Convention};
use crate::{SolveError, SolveOptions};

/// Host-side controller state of one row.
#[derive(Clone, Copy, Default)]
struct Clock {
    t: f64,
    h: f64,
    prev_err: f64,
    non_finite_rejections: usize,
    last_failure_non_finite: bool,
}

/// The active rows: their batch indices and their states and derivatives `f(t, y)`.
pub(crate) struct Active {
    pub rows: Vec<usize>,
    pub y: Tensor<2>,
    pub f0: Tensor<2>,
}

impl Active {
    /// Keeps the positions `keep` (in order; none left is an empty row list).
    pub fn keep(&mut self, keep: &[usize]) {
        self.rows = keep.iter().map(|&p| self.rows[p]).collect();
        if !keep.is_empty() {
            self.y = select(&self.y, keep);
            self.f0 = select(&self.f0, keep);
        }
    }
}

/// The next attempt of the rows that may step: their positions, step lengths (unsigned)
/// and whether each lands on its row's end.
struct Attempt {
    keep: Vec<usize>,
    h: Vec<f64>,
    last: Vec<bool>,
}

/// The adaptive loop's settings and every row's clock.
struct Clocks<'g> {
    grid: &'g RowGrid,
    settings: Adaptive,
    max_steps: usize,
    lands_on_end: bool,
    order: u32,
    clocks: Vec<Clock>,
}

/// Integrates the active rows to their last output times.
pub(crate) fn adaptive<F: RowDynamics, N: RowErrorNorm>(
    run: &mut RowRun<'_, F>,
    mut act: Active,
    a: &Adaptive,
    opts: &SolveOptions,
    norm: &N,
) -> Result<(), SolveError> {
    let tab = run.tab;
    let control = RowControl {
        norm,
        rtol: a.rtol,
        atol: a.atol,
    };
    let mut clocks = Clocks {
        grid: run.grid,
        settings: *a,
        max_steps: opts.max_steps,
        lands_on_end: opts.convention == Convention::Neurode,
        order: tab.error_order + 1,
        clocks: vec![Clock::default(); run.grid.rows()],
    };
    clocks.start(run, &act, norm)?;
    while !act.rows.is_empty() {
        let attempt = clocks.attempt(run, &act.rows)?;
        if attempt.keep.len() < act.rows.len() {
            act.keep(&attempt.keep);
            if act.rows.is_empty() {
                break;
            }
        }
        let t: Vec<f64> = act.rows.iter().map(|&r| clocks.clocks[r].t).collect();
        let signed: Vec<f64> = act
            .rows
            .iter()
            .zip(&attempt.h)
            .map(|(&r, h)| h * clocks.grid.direction(r))
            .collect();
        let f0 = act.f0.clone();
        let step = rk_step_rows(
            tab,
            &mut run.f,
            &act.rows,
            &t,
            &act.y,
            f0,
            &signed,
            Some(&control),
        );
        run.f.check()?;
        let acc = clocks.update(run, &act.rows, &attempt, &signed, &step.err);
        let (known, done) = run.accept(&acc, &act.y, &step);
        run.f.check()?;
        match going_on(act, &acc, &done, &step, known) {
            Some(next) => act = next,
            None => break,
        }
    }
    Ok(())
}

impl Clocks<'_> {
    /// Every active row's first step: given, or Hairer's initial step per row.
    fn start<F: RowDynamics, N: RowErrorNorm>(
        &mut self,
        run: &mut RowRun<'_, F>,
        act: &Active,
        norm: &N,
    ) -> Result<(), SolveError> {
        let a = &self.settings;
        let t0: Vec<f64> = act.rows.iter().map(|&r| self.grid.start(r)).collect();
        let h0 = match a.first_step {
            Some(h) => vec![h; act.rows.len()],
            None => {
                let dir: Vec<f64> = act.rows.iter().map(|&r| self.grid.direction(r)).collect();
                let (q, rtol, atol) = (run.tab.error_order, a.rtol, a.atol);
                let h = initial_steps(
                    &mut run.f, norm, &act.rows, &t0, &act.y, &act.f0, &dir, q, rtol, atol,
                );
                run.f.check()?;
                h
            }
        };
        for (i, &r) in act.rows.iter().enumerate() {
            let mut h = h0[i].min(a.max_step.unwrap_or(f64::INFINITY));
            if let Some(min) = a.min_step {
                h = h.max(min);
            }
            self.clocks[r] = Clock {
                t: t0[i],
                h,
                prev_err: 1.0,
                ..Clock::default()
            };
        }
        Ok(())
    }

    /// Each row's next step, or its failure (step budget, step-size underflow).
    fn attempt<F: RowDynamics>(
        &self,
        run: &mut RowRun<'_, F>,
        rows: &[usize],
    ) -> Result<Attempt, SolveError> {
        let a = &self.settings;
        let mut next = Attempt {
            keep: Vec::with_capacity(rows.len()),
            h: Vec::with_capacity(rows.len()),
            last: Vec::with_capacity(rows.len()),
        };
        for (pos, &r) in rows.iter().enumerate() {
            let c = self.clocks[r];
            let dir = self.grid.direction(r);
            let taken = run.stats[r].accepted_steps + run.stats[r].rejected_steps;
            if taken >= self.max_steps {
                let error = if 2 * c.non_finite_rejections > taken {
                    SolveError::NonFiniteState {
                        t: c.t,
                        dt: c.h * dir,
                    }
                } else {
                    SolveError::MaxStepsExceeded {
                        t: c.t,
                        max_steps: self.max_steps,
                    }
                };
                run.fail(r, error)?;
                continue;
            }
            let remaining = (self.grid.end(r) - c.t).abs();
            let is_last = self.lands_on_end && c.h >= remaining;
            let h = if is_last { remaining } else { c.h };
            let too_small = a.min_step.is_some_and(|m| h < m && !is_last)
                || h <= 4.0 * f64::EPSILON * c.t.abs().max(1.0) && !is_last;
            if too_small {
                let error = if c.last_failure_non_finite {
                    SolveError::NonFiniteState {
                        t: c.t,
                        dt: h * dir,
                    }
                } else {
                    SolveError::StepSizeUnderflow {
                        t: c.t,
                        dt: h * dir,
                    }
                };
                run.fail(r, error)?;
                continue;
            }
            next.keep.push(pos);
            next.h.push(h);
            next.last.push(is_last);
        }
        Ok(next)
    }

    /// Accepts or rejects each row's step on its own error and updates its controller;
    /// returns the accepted steps.
    fn update<F: RowDynamics>(
        &mut self,
        run: &mut RowRun<'_, F>,
        rows: &[usize],
        attempt: &Attempt,
        signed: &[f64],
        err: &[f64],
    ) -> Vec<Accepted> {
        let a = &self.settings;
        let mut acc = Vec::new();
        for (pos, &r) in rows.iter().enumerate() {
            let (err, h) = (err[pos], attempt.h[pos]);
            let c = &mut self.clocks[r];
            if err.is_finite() && err <= 1.0 {
                run.stats[r].accepted_steps += 1;
                c.last_failure_non_finite = false;
                let t1 = if attempt.last[pos] {
                    self.grid.end(r)
                } else {
                    c.t + signed[pos]
                };
                acc.push(Accepted {
                    pos,
                    row: r,
                    t0: c.t,
                    t1,
                    h: signed[pos],
                });
                let factor = a.controller.accept_factor(err, c.prev_err, self.order);
                c.prev_err = err;
                c.h = (h * factor).min(a.max_step.unwrap_or(f64::INFINITY));
                c.t = t1;
            } else {
                run.stats[r].rejected_steps += 1;
                c.last_failure_non_finite = !err.is_finite();
                c.non_finite_rejections += usize::from(c.last_failure_non_finite);
                c.h = h * a.controller.reject_factor(err, self.order);
            }
        }
        acc
    }
}

/// The rows that go on after a step: accepted ones from their new state and `f(t₁, y₁)`,
/// rejected ones as they were; `None` when none is left.
fn going_on(
    act: Active,
    acc: &[Accepted],
    done: &[bool],
    step: &RowStep,
    known: Known,
) -> Option<Active> {
    let mut accepted_at = vec![None; act.rows.len()];
    for (a, d) in acc.iter().zip(done) {
        accepted_at[a.pos] = Some(*d);
    }
    let mut rows = Vec::with_capacity(act.rows.len());
    let mut y_picks = Vec::with_capacity(act.rows.len());
    let mut f_picks = Vec::with_capacity(act.rows.len());
    for (pos, &r) in act.rows.iter().enumerate() {
        match accepted_at[pos] {
            Some(true) => {}
            Some(false) => {
                rows.push(r);
                y_picks.push(From::B(pos));
                f_picks.push(From::B(known.row_of(pos)));
            }
            None => {
                rows.push(r);
                y_picks.push(From::A(pos));
                f_picks.push(From::A(pos));
            }
        }
    }
    if rows.is_empty() {
        return None;
    }
    let f1 = known.tensor.unwrap_or_else(|| act.f0.clone());
    Some(Active {
        y: merge(&act.y, &step.y1, &y_picks),
        f0: merge(&act.f0, &f1, &f_picks),
        rows,
    })
}
