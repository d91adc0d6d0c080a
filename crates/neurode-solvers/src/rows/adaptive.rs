//! The adaptive per-row loop: every row its own step size, controller state and
//! accept/reject; rows leave the evaluated batch when they finish or fail.

use burn::Tensor;

use super::RowDynamics;
use super::norm::RowErrorNorm;
use super::ops::{From, merge, select};
use super::run::{Accepted, RowRun};
use super::step::{RowControl, initial_steps, rk_step_rows};
use crate::options::{Adaptive, Convention};
use crate::{SolveError, SolveOptions};

/// Host-side controller state of one row.
#[derive(Clone, Copy)]
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
    /// Keeps the positions `keep` (in order).
    fn keep(&mut self, keep: &[usize]) {
        self.rows = keep.iter().map(|&p| self.rows[p]).collect();
        self.y = select(&self.y, keep);
        self.f0 = select(&self.f0, keep);
    }
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
    let grid = run.grid;
    let order = tab.error_order + 1;
    let max_step = a.max_step.unwrap_or(f64::INFINITY);
    let lands_on_end = opts.convention == Convention::Neurode;
    let control = RowControl {
        norm,
        rtol: a.rtol,
        atol: a.atol,
    };
    let b = grid.rows();
    let mut clocks = vec![
        Clock {
            t: 0.0,
            h: 0.0,
            prev_err: 1.0,
            non_finite_rejections: 0,
            last_failure_non_finite: false,
        };
        b
    ];
    let t0: Vec<f64> = act.rows.iter().map(|&r| grid.start(r)).collect();
    let h0 = match a.first_step {
        Some(h) => vec![h; act.rows.len()],
        None => {
            let dir: Vec<f64> = act.rows.iter().map(|&r| grid.direction(r)).collect();
            initial_steps(
                &mut run.f,
                norm,
                &act.rows,
                &t0,
                &act.y,
                &act.f0,
                &dir,
                tab.error_order,
                a.rtol,
                a.atol,
            )
        }
    };
    for (i, &r) in act.rows.iter().enumerate() {
        let mut h = h0[i].min(max_step);
        if let Some(min) = a.min_step {
            h = h.max(min);
        }
        clocks[r].t = t0[i];
        clocks[r].h = h;
    }
    while !act.rows.is_empty() {
        // Each row's next step, or its failure (budget, underflow).
        let mut keep = Vec::with_capacity(act.rows.len());
        let mut h_step = Vec::with_capacity(act.rows.len());
        let mut last = Vec::with_capacity(act.rows.len());
        for (pos, &r) in act.rows.iter().enumerate() {
            let c = clocks[r];
            let dir = grid.direction(r);
            let taken = run.stats[r].accepted_steps + run.stats[r].rejected_steps;
            if taken >= opts.max_steps {
                let error = if 2 * c.non_finite_rejections > taken {
                    SolveError::NonFiniteState {
                        t: c.t,
                        dt: c.h * dir,
                    }
                } else {
                    SolveError::MaxStepsExceeded {
                        t: c.t,
                        max_steps: opts.max_steps,
                    }
                };
                run.fail(r, error)?;
                continue;
            }
            let remaining = (grid.end(r) - c.t).abs();
            let is_last = lands_on_end && c.h >= remaining;
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
            keep.push(pos);
            h_step.push(h);
            last.push(is_last);
        }
        if keep.len() < act.rows.len() {
            act.keep(&keep);
            if act.rows.is_empty() {
                break;
            }
        }
        let t: Vec<f64> = act.rows.iter().map(|&r| clocks[r].t).collect();
        let signed: Vec<f64> = act
            .rows
            .iter()
            .zip(&h_step)
            .map(|(&r, h)| h * grid.direction(r))
            .collect();
        let step = rk_step_rows(
            tab,
            &mut run.f,
            &act.rows,
            &t,
            &act.y,
            act.f0.clone(),
            &signed,
            Some(&control),
        );
        let mut acc = Vec::new();
        for (pos, &r) in act.rows.iter().enumerate() {
            let err = step.err[pos];
            let c = &mut clocks[r];
            if err.is_finite() && err <= 1.0 {
                run.stats[r].accepted_steps += 1;
                c.last_failure_non_finite = false;
                let t1 = if last[pos] {
                    grid.end(r)
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
                let factor = a.controller.accept_factor(err, c.prev_err, order);
                c.prev_err = err;
                c.h = (h_step[pos] * factor).min(max_step);
                c.t = t1;
            } else {
                run.stats[r].rejected_steps += 1;
                c.last_failure_non_finite = !err.is_finite();
                c.non_finite_rejections += usize::from(c.last_failure_non_finite);
                c.h = h_step[pos] * a.controller.reject_factor(err, order);
            }
        }
        let (known, done) = run.accept(&acc, &act.y, &step);
        // The rows that go on: accepted ones from their new state, rejected ones as they were.
        let mut accepted_at = vec![None; act.rows.len()];
        for (a, d) in acc.iter().zip(&done) {
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
            break;
        }
        let f1 = known.tensor.unwrap_or_else(|| act.f0.clone());
        act = Active {
            y: merge(&act.y, &step.y1, &y_picks),
            f0: merge(&act.f0, &f1, &f_picks),
            rows,
        };
    }
    Ok(())
}
