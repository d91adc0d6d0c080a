//! Watching a per-row solve for events: each accepted step's conditions at its end against
//! their values at its start; crossings located on the step's dense output, all rows' brackets
//! narrowed together (one batched evaluation per Illinois iteration).

use burn::Tensor;

use super::RowEvent;
use super::root::{Bracket, Next};
use super::spec::{Event, EventCondition};
use crate::SolveError;
use crate::rows::ops::{column, combine_per_row};
use crate::rows::{AcceptedRows, RowGrid, RowInterpolants, RowObserver};

/// Iterations after which a bracket that still narrows is given up (Illinois needs ~10 for
/// smooth conditions; a jump is bisected, ~60 for the full f64 range).
const MAX_ITERATIONS: usize = 200;

/// The event watcher: the observer of [`crate::solve_event`]'s per-row solve.
pub(crate) struct EventWatch<'a, G> {
    event: &'a Event<G>,
    /// Per batch row, each condition at the row's current time.
    prev: Vec<Vec<f64>>,
    /// Per batch row, where it starts and ends, and its direction.
    starts: Vec<f64>,
    ends: Vec<f64>,
    dirs: Vec<f64>,
    /// Per batch row, its terminal event.
    pub fired: Vec<Option<RowEvent>>,
    /// Per batch row, the crossings of non-terminal conditions, in order.
    pub passed: Vec<Vec<RowEvent>>,
    /// States at the events, and the batch row of each of their rows.
    pub states: Vec<(Tensor<2>, Vec<usize>)>,
    /// Rows whose conditions could not be evaluated or located.
    pub failures: Vec<(usize, SolveError)>,
    /// Batched evaluations of the conditions.
    pub evaluations: usize,
    stops: Vec<usize>,
}

/// One crossing being located: accepted row `i` of the iteration, condition `c`.
struct Item {
    i: usize,
    c: usize,
    bracket: Bracket,
    /// The located crossing: the narrowed bracket's ends before and after it (in `θ`).
    root: Option<(f64, f64)>,
    failed: bool,
}

impl<'a, G: EventCondition> EventWatch<'a, G> {
    /// Evaluates the conditions at every row's start (where none fires).
    pub fn new(event: &'a Event<G>, y0: &Tensor<2>, grid: &RowGrid) -> Result<Self, SolveError> {
        let b = grid.rows();
        let t0: Vec<f64> = (0..b).map(|r| grid.start(r)).collect();
        let k = event.crossings.len();
        let mut watch = Self {
            event,
            prev: Vec::new(),
            starts: t0.clone(),
            ends: (0..b).map(|r| grid.end(r)).collect(),
            dirs: (0..b).map(|r| grid.direction(r)).collect(),
            fired: vec![None; b],
            passed: vec![Vec::new(); b],
            states: Vec::new(),
            failures: Vec::new(),
            evaluations: 0,
            stops: Vec::new(),
        };
        let g0 = watch.values(&t0, y0)?;
        for (r, row) in g0.chunks(k).enumerate() {
            if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                return Err(SolveError::Row {
                    row: r,
                    error: Box::new(SolveError::NonFiniteCondition {
                        condition: c,
                        t: t0[r],
                        value: row[c],
                    }),
                });
            }
        }
        watch.prev = g0.chunks(k).map(<[f64]>::to_vec).collect();
        Ok(watch)
    }

    /// The conditions of every row `i` of `y` at `t[i]`, row-major `[rows, k]`, shape-checked.
    fn values(&mut self, t: &[f64], y: &Tensor<2>) -> Result<Vec<f64>, SolveError> {
        let k = self.event.crossings.len();
        let g = self.event.condition.eval(&column(t, &y.device()), y);
        self.evaluations += 1;
        if g.dims() != [t.len(), k] {
            return Err(SolveError::ConditionShape {
                expected: k,
                rows: t.len(),
                returned: format!("{:?}", g.dims()),
            });
        }
        Ok(g.to_data().iter::<f64>().collect())
    }

    /// Row `row` stops: its condition could not be evaluated or located.
    fn fail(&mut self, row: usize, error: SolveError) {
        self.stops.push(row);
        self.failures.push((row, error));
    }

    /// Narrows every bracket of `items` to the tolerance on the steps' interpolants (a
    /// bracket that fails marks its row failed).
    fn locate(
        &mut self,
        items: &mut [Item],
        dense: &RowInterpolants,
        steps: &AcceptedRows<'_>,
    ) -> Result<(), SolveError> {
        let k = self.event.crossings.len();
        let basis = dense.prepared.full_basis();
        loop {
            let mut ask = Vec::new();
            for (j, it) in items.iter_mut().enumerate() {
                if it.root.is_some() || it.failed {
                    continue;
                }
                let width = self.event.tolerance / dense.h[it.i].abs();
                match it.bracket.next(width) {
                    Next::Root(theta) => it.root = Some((it.bracket.before(), theta)),
                    Next::Evaluate(_) if it.bracket.iterations >= MAX_ITERATIONS => {
                        let s = steps.steps[it.i];
                        it.failed = true;
                        self.stops.push(s.row);
                        self.failures.push((
                            s.row,
                            SolveError::EventNotLocated {
                                condition: it.c,
                                t0: s.t0,
                                t1: s.t1,
                                iterations: it.bracket.iterations,
                            },
                        ));
                    }
                    Next::Evaluate(theta) => ask.push((j, theta)),
                }
            }
            if ask.is_empty() {
                return Ok(());
            }
            let rows: Vec<usize> = ask.iter().map(|&(j, _)| items[j].i).collect();
            let weights: Vec<Vec<f64>> = ask
                .iter()
                .map(|&(_, th)| dense.prepared.weights(th))
                .collect();
            let t: Vec<f64> = ask
                .iter()
                .map(|&(j, th)| dense.t0[items[j].i] + th * dense.h[items[j].i])
                .collect();
            let y = combine_per_row(&basis, &rows, &weights);
            let g = self.values(&t, &y)?;
            for (m, &(j, theta)) in ask.iter().enumerate() {
                let gc = g[m * k + items[j].c];
                if gc.is_finite() {
                    items[j].bracket.update(theta, gc);
                } else {
                    items[j].failed = true;
                    let error = SolveError::NonFiniteCondition {
                        condition: items[j].c,
                        t: t[m],
                        value: gc,
                    };
                    self.fail(steps.steps[items[j].i].row, error);
                }
            }
        }
    }

    /// Checks the accepted steps for crossings, locates them, and stops the rows whose
    /// terminal condition fired.
    fn watch(&mut self, steps: &AcceptedRows<'_>) -> Result<(), SolveError> {
        let dense = steps
            .dense
            .as_ref()
            .expect("wants_dense: the solver passes the interpolants");
        let k = self.event.crossings.len();
        let t1: Vec<f64> = steps.steps.iter().map(|s| s.t1).collect();
        let g1 = self.values(&t1, steps.y1)?;
        let mut items = Vec::new();
        for (i, s) in steps.steps.iter().enumerate() {
            for c in 0..k {
                let (a, b) = (self.prev[s.row][c], g1[i * k + c]);
                if !b.is_finite() {
                    let error = SolveError::NonFiniteCondition {
                        condition: c,
                        t: s.t1,
                        value: b,
                    };
                    self.fail(s.row, error);
                    items.retain(|it: &Item| it.i != i);
                    break;
                }
                if self.event.crossings[c].direction.crosses(a, b) {
                    items.push(Item {
                        i,
                        c,
                        bracket: Bracket::new(0.0, a, 1.0, b),
                        root: None,
                        failed: false,
                    });
                }
            }
            self.prev[s.row].copy_from_slice(&g1[i * k..(i + 1) * k]);
        }
        if items.is_empty() {
            return Ok(());
        }
        self.locate(&mut items, dense, steps)?;
        self.settle(&items, dense, steps);
        Ok(())
    }

    /// Per row: the earliest terminal crossing fires (ties: the lower condition); the
    /// non-terminal crossings before it are recorded. Interpolates the fired rows' states.
    fn settle(&mut self, items: &[Item], dense: &RowInterpolants, steps: &AcceptedRows<'_>) {
        let time = |it: &Item, theta: f64| {
            let s = steps.steps[it.i];
            if theta >= 1.0 {
                s.t1
            } else {
                dense.t0[it.i] + theta * dense.h[it.i]
            }
        };
        let mut fired_at = Vec::new();
        let mut fired_rows = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let row_items: Vec<&Item> = items[i..]
                .iter()
                .take_while(|it| it.i == items[i].i)
                .collect();
            i += row_items.len();
            if row_items.iter().any(|it| it.failed) {
                continue;
            }
            // A crossing within the tolerance of the row's start is the start's own zero (a
            // solve restarted at an event, its state a rounding error off the crossing): it
            // does not fire, as a condition exactly zero at the start does not. Under
            // torchdiffeq's convention a step may pass the row's end: a crossing that begins
            // after the end is not part of the solve, one whose bracket straddles the end is
            // reported at the end.
            let r = steps.steps[items[i - row_items.len()].i].row;
            let (start, end, dir) = (self.starts[r], self.ends[r], self.dirs[r]);
            let located = |it: &Item| {
                let (before, after) = it.root.expect("located");
                let t = time(it, after);
                if (t - end) * dir > 0.0 {
                    let i = it.i;
                    ((end - dense.t0[i]) / dense.h[i], end, time(it, before))
                } else {
                    (after, t, time(it, before))
                }
            };
            let theta = |it: &Item| located(it).0;
            let row_items: Vec<&Item> = row_items
                .into_iter()
                .filter(|it| {
                    let (_, t, t_before) = located(it);
                    let t_after = time(it, it.root.expect("located").1);
                    let (after, before) = ((t_after - end) * dir, (t_before - end) * dir);
                    (t - start).abs() > self.event.tolerance && (after <= 0.0 || before < 0.0)
                })
                .collect();
            if row_items.is_empty() {
                continue;
            }
            let first = row_items
                .iter()
                .filter(|it| self.event.crossings[it.c].terminal)
                .min_by(|x, y| theta(x).total_cmp(&theta(y)).then(x.c.cmp(&y.c)));
            let limit = first.map_or(f64::INFINITY, |it| theta(it));
            let mut passed: Vec<&&Item> = row_items
                .iter()
                .filter(|it| !self.event.crossings[it.c].terminal && theta(it) <= limit)
                .collect();
            passed.sort_by(|x, y| theta(x).total_cmp(&theta(y)).then(x.c.cmp(&y.c)));
            let row = steps.steps[row_items[0].i].row;
            for it in passed {
                self.passed[row].push(RowEvent {
                    t: located(it).1,
                    condition: it.c,
                });
            }
            if let Some(it) = first {
                self.fired[row] = Some(RowEvent {
                    t: located(it).1,
                    condition: it.c,
                });
                self.stops.push(row);
                fired_at.push((it.i, theta(it)));
                fired_rows.push(row);
            }
        }
        if !fired_at.is_empty() {
            let basis = dense.prepared.full_basis();
            let rows: Vec<usize> = fired_at.iter().map(|&(i, _)| i).collect();
            let weights: Vec<Vec<f64>> = fired_at
                .iter()
                .map(|&(_, th)| dense.prepared.weights(th))
                .collect();
            self.states
                .push((combine_per_row(&basis, &rows, &weights), fired_rows));
        }
    }
}

impl<G: EventCondition> RowObserver for EventWatch<'_, G> {
    fn wants_dense(&self) -> bool {
        true
    }

    fn accepted(&mut self, steps: AcceptedRows<'_>) {
        if let Err(error) = self.watch(&steps) {
            // The condition returned the wrong shape: every row stops, the solve reports it.
            for s in steps.steps {
                self.fail(s.row, error.clone());
            }
        }
    }

    fn stops(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.stops)
    }
}
