//! The fixed-step per-row loop: every row its own grid of steps over its own span.

use super::adaptive::Active;
use super::norm::RowRmsNorm;
use super::ops::{From, merge, row_finite};
use super::run::{Accepted, RowRun};
use super::step::rk_step_rows;
use super::{RowDynamics, RowGrid};
use crate::options::Grid;
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

/// Each active row's steps over its own span; a row needing more than `max_steps` fails.
fn plan<F: RowDynamics>(
    run: &mut RowRun<'_, F>,
    act: &mut Active,
    steps: Grid,
    opts: &SolveOptions,
) -> Result<Vec<Option<Nodes>>, SolveError> {
    let grid: &RowGrid = run.grid;
    let mut nodes: Vec<Option<Nodes>> = (0..grid.rows()).map(|_| None).collect();
    let mut keep = Vec::new();
    for (pos, &r) in act.rows.iter().enumerate() {
        let (t0, t1) = (grid.start(r), grid.end(r));
        let (n, h) = steps.count((t1 - t0).abs(), opts.convention);
        if n > opts.max_steps {
            let error = SolveError::MaxStepsExceeded {
                t: t0,
                max_steps: opts.max_steps,
            };
            run.fail(r, error)?;
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
    act.keep(&keep);
    Ok(nodes)
}

/// Integrates the active rows with `steps` over each row's own span; a row whose state turns
/// non-finite fails at that step.
pub(crate) fn fixed<F: RowDynamics>(
    run: &mut RowRun<'_, F>,
    mut act: Active,
    steps: Grid,
    opts: &SolveOptions,
) -> Result<(), SolveError> {
    let nodes = plan(run, &mut act, steps, opts)?;
    let node = |r: usize, i: usize| nodes[r].as_ref().expect("kept rows have nodes").node(i);
    let mut i = 0;
    while !act.rows.is_empty() {
        let t: Vec<f64> = act.rows.iter().map(|&r| node(r, i)).collect();
        let t1: Vec<f64> = act.rows.iter().map(|&r| node(r, i + 1)).collect();
        let h: Vec<f64> = t.iter().zip(&t1).map(|(a, b)| b - a).collect();
        let f0 = act.f0.clone();
        let step =
            rk_step_rows::<F, RowRmsNorm>(run.tab, &mut run.f, &act.rows, &t, &act.y, f0, &h, None);
        run.f.check()?;
        let finite = row_finite(&step.y1);
        let mut acc = Vec::new();
        for (pos, &r) in act.rows.iter().enumerate() {
            run.stats[r].accepted_steps += 1;
            if finite[pos] {
                let (t0, t1, h) = (t[pos], t1[pos], h[pos]);
                acc.push(Accepted {
                    pos,
                    row: r,
                    t0,
                    t1,
                    h,
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
        run.f.check()?;
        // A row's last node is its last output time: it is done exactly when its steps are.
        let going: Vec<&Accepted> = acc
            .iter()
            .zip(&done)
            .filter(|(_, d)| !**d)
            .map(|(a, _)| a)
            .collect();
        let Some(f1) = known.tensor.as_ref().filter(|_| !going.is_empty()) else {
            break;
        };
        let rows = going.iter().map(|a| a.row).collect();
        let y_picks: Vec<From> = going.iter().map(|a| From::B(a.pos)).collect();
        let f_picks: Vec<From> = going.iter().map(|a| From::B(known.row_of(a.pos))).collect();
        act = Active {
            y: merge(&act.y, &step.y1, &y_picks),
            f0: merge(&act.f0, f1, &f_picks),
            rows,
        };
        i += 1;
    }
    Ok(())
}
