//! The fixed-step per-row loop: every row its own grid of steps over its own span.

use super::RowDynamics;
use super::adaptive::Active;
use super::norm::RowRmsNorm;
use super::ops::{From, merge, row_finite, select};
use super::run::{Accepted, RowRun};
use super::step::rk_step_rows;
use crate::solve::Grid;
use crate::{SolveError, SolveOptions};

/// Row `r`'s fixed steps: `n` steps, node `i` at `node(i)`.
struct Nodes {
    n: usize,
    t0: f64,
    t1: f64,
    h: f64,
    equal: bool,
    dir: f64,
}

impl Nodes {
    fn node(&self, i: usize) -> f64 {
        if i == self.n {
            self.t1
        } else if self.equal {
            self.t0 + (self.t1 - self.t0) * (i as f64 / self.n as f64)
        } else {
            self.t0 + self.dir * self.h * i as f64
        }
    }
}

/// Integrates the active rows with `grid`'s steps over each row's own span; a row whose state
/// turns non-finite fails at that step.
pub(crate) fn fixed<F: RowDynamics>(
    run: &mut RowRun<'_, F>,
    mut act: Active,
    steps: Grid,
    opts: &SolveOptions,
) -> Result<(), SolveError> {
    let grid = run.grid;
    let mut nodes: Vec<Option<Nodes>> = (0..grid.rows()).map(|_| None).collect();
    let mut keep = Vec::new();
    for (pos, &r) in act.rows.iter().enumerate() {
        let (t0, t1) = (grid.start(r), grid.end(r));
        let (n, h) = steps.count((t1 - t0).abs(), opts.convention);
        if n > opts.max_steps {
            run.fail(
                r,
                SolveError::MaxStepsExceeded {
                    t: t0,
                    max_steps: opts.max_steps,
                },
            )?;
            continue;
        }
        keep.push(pos);
        nodes[r] = Some(Nodes {
            n,
            t0,
            t1,
            h,
            equal: matches!(steps, Grid::Steps(_)),
            dir: grid.direction(r),
        });
    }
    act.rows = keep.iter().map(|&p| act.rows[p]).collect();
    act.y = select(&act.y, &keep);
    act.f0 = select(&act.f0, &keep);
    let node = |r: usize, i: usize| nodes[r].as_ref().expect("kept rows have nodes").node(i);
    let mut i = 0;
    while !act.rows.is_empty() {
        let t: Vec<f64> = act.rows.iter().map(|&r| node(r, i)).collect();
        let t1: Vec<f64> = act.rows.iter().map(|&r| node(r, i + 1)).collect();
        let h: Vec<f64> = t.iter().zip(&t1).map(|(a, b)| b - a).collect();
        let step = rk_step_rows::<F, RowRmsNorm>(
            run.tab,
            &mut run.f,
            &act.rows,
            &t,
            &act.y,
            act.f0.clone(),
            &h,
            None,
        );
        let finite = row_finite(&step.y1);
        let mut acc = Vec::new();
        for (pos, &r) in act.rows.iter().enumerate() {
            run.stats[r].accepted_steps += 1;
            if finite[pos] {
                acc.push(Accepted {
                    pos,
                    row: r,
                    t0: t[pos],
                    t1: t1[pos],
                    h: h[pos],
                });
            } else {
                run.fail(
                    r,
                    SolveError::NonFiniteState {
                        t: t1[pos],
                        dt: h[pos],
                    },
                )?;
            }
        }
        let (known, done) = run.accept(&acc, &act.y, &step);
        let mut rows = Vec::new();
        let mut y_picks = Vec::new();
        let mut f_picks = Vec::new();
        let mut eval_pos = Vec::new();
        for (a, d) in acc.iter().zip(&done) {
            let last = i + 1 >= nodes[a.row].as_ref().map_or(0, |n| n.n);
            if *d || last {
                continue;
            }
            rows.push(a.row);
            y_picks.push(From::B(a.pos));
            match known.tensor.as_ref() {
                Some(_) => f_picks.push(From::B(known.row_of(a.pos))),
                None => eval_pos.push(a.pos),
            }
        }
        if rows.is_empty() {
            break;
        }
        let y = merge(&act.y, &step.y1, &y_picks);
        let f0 = match known.tensor {
            Some(k) => merge(&act.f0, &k, &f_picks),
            None => {
                let t_next: Vec<f64> = eval_pos.iter().map(|&p| t1[p]).collect();
                run.f.eval(&t_next, &y, &rows)
            }
        };
        act = Active { rows, y, f0 };
        i += 1;
    }
    Ok(())
}
