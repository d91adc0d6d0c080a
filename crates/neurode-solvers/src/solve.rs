//! `solve()`: validation, then the adaptive or the fixed-step integration loop.

use crate::initial_step::initial_step;
use crate::interpolate::{Prepared, StepData};
use crate::observe::{StepInterpolant, StepObserver, StepRecord};
use crate::options::{Adaptive, Convention, Grid, Stepping};
use crate::stepper::{Counted, ErrorControl, Step, rk_step};
use crate::tableau::{InterpolantKind, Tableau};
use crate::time_grid::validate_time_grid;
use crate::{Dynamics, ErrorNorm, RmsNorm, Solution, SolveError, SolveOptions, SolveStats, State};

/// Integrates `dy/dt = f(t, y)` from `y0` at `ts[0]` and returns the solution at every time of
/// `ts` (increasing, or decreasing to integrate backwards), with the mixed RMS error norm.
///
/// Adaptive methods step freely and reach the output times by dense output, so a fine output
/// grid costs no extra steps. See [`SolveOptions`] for tolerances and step controls.
pub fn solve<S, F>(f: &F, y0: S, ts: &[f64], opts: &SolveOptions) -> Result<Solution<S>, SolveError>
where
    S: State,
    F: Dynamics<S>,
{
    solve_with_norm(f, y0, ts, opts, &RmsNorm)
}

/// [`solve`] with a custom error norm (e.g. the adjoint's seminorm).
pub fn solve_with_norm<S, F, N>(
    f: &F,
    y0: S,
    ts: &[f64],
    opts: &SolveOptions,
    norm: &N,
) -> Result<Solution<S>, SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    solve_inner(f, y0, ts, opts, norm, None)
}

/// [`solve_with_norm`] that calls `observer` after every accepted step (with the step's dense
/// output when the observer wants it): how gradient methods keep checkpoints or the forward
/// solution of a solve.
pub fn solve_observed<S, F, N>(
    f: &F,
    y0: S,
    ts: &[f64],
    opts: &SolveOptions,
    norm: &N,
    observer: &mut dyn StepObserver<S>,
) -> Result<Solution<S>, SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    solve_inner(f, y0, ts, opts, norm, Some(observer))
}

/// Refuses invalid options, an invalid time grid or a state with an empty dimension (in that
/// order), before a solve or a replay starts; the grid's direction (`±1`).
pub(crate) fn check_inputs<S: State>(
    y0: &S,
    ts: &[f64],
    opts: &SolveOptions,
) -> Result<f64, SolveError> {
    opts.validate()?;
    let dir = validate_time_grid(ts)?;
    if y0.has_empty_dim() {
        return Err(SolveError::EmptyState {
            shape: y0.shape_string(),
        });
    }
    Ok(dir)
}

fn solve_inner<S, F, N>(
    f: &F,
    y0: S,
    ts: &[f64],
    opts: &SolveOptions,
    norm: &N,
    observer: Option<&mut dyn StepObserver<S>>,
) -> Result<Solution<S>, SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let dir = check_inputs(&y0, ts, opts)?;
    if !y0.is_finite() {
        return Err(SolveError::NonFiniteInitialState);
    }
    let mut f = Counted { f, nfe: 0 };
    if ts.len() == 1 {
        return Ok(Solution {
            ts: ts.to_vec(),
            ys: vec![y0],
            stats: SolveStats::default(),
        });
    }
    let f0 = f.eval(ts[0], &y0);
    let (state, returned) = (y0.shape_string(), f0.shape_string());
    if state != returned {
        return Err(SolveError::ShapeMismatch { state, returned });
    }
    let tab = opts.tableau();
    let mut run = Run {
        tab,
        interpolant: opts.interpolant()?,
        ts,
        dir,
        first_output: 0,
        ys: Vec::with_capacity(ts.len()),
        stats: SolveStats::default(),
        observer,
    };
    run.ys.push(y0.clone());
    match opts.stepping {
        Stepping::Adaptive(a) => run.adaptive(&mut f, y0, f0, &a, opts, norm)?,
        Stepping::Steps(n) => run.fixed(&mut f, y0, f0, Grid::Steps(n), opts)?,
        Stepping::StepSize(h) => run.fixed(&mut f, y0, f0, Grid::Size(h), opts)?,
    }
    run.stats.nfe = f.nfe;
    Ok(Solution {
        ts: ts.to_vec(),
        ys: run.ys,
        stats: run.stats,
    })
}

/// The state of one integration (or of a replay of some of its steps).
pub(crate) struct Run<'a, 'o, S> {
    pub tab: &'static Tableau,
    /// The dense output (the method's own, or the convention's).
    pub interpolant: InterpolantKind,
    pub ts: &'a [f64],
    pub dir: f64,
    /// Index in `ts` of `ys[0]` (a replay starts part-way through the output times).
    pub first_output: usize,
    pub ys: Vec<S>,
    pub stats: SolveStats,
    pub observer: Option<&'o mut dyn StepObserver<S>>,
}

impl<S: State> Run<'_, '_, S> {
    /// Index of the next output time still to produce.
    pub fn next_output(&self) -> usize {
        self.first_output + self.ys.len()
    }

    /// Emits every output time in `(t0, t1]` from the accepted step `t0 → t1` (taken with the
    /// signed length `h`), tells the observer, and returns `f(t1, y1)` when it is known (an
    /// FSAL method's last stage) or had to be computed. Interpolation needs `f1` (and, for
    /// DOP853, extra stages) only when an output falls strictly inside the step or the
    /// observer keeps the dense output.
    pub fn emit<F: Dynamics<S>>(
        &mut self,
        f: &mut Counted<'_, F>,
        (t0, t1, h): (f64, f64, f64),
        y0: &S,
        step: &Step<S>,
    ) -> Option<S> {
        let mut f1 = self
            .tab
            .fsal
            .then(|| step.ks[self.tab.stages() - 1].clone());
        let step = StepData {
            t0,
            h: t1 - t0,
            y0,
            y1: &step.y1,
            ks: &step.ks,
        };
        // Output times inside the step (interpolated together), then one exactly at its end.
        let mut thetas = Vec::new();
        let mut at_end = false;
        let mut idx = self.next_output();
        while idx < self.ts.len() {
            let t_out = self.ts[idx];
            if (t_out - t1) * self.dir > 0.0 {
                break;
            }
            if t_out == t1 {
                at_end = true;
                break;
            }
            thetas.push((t_out - step.t0) / step.h);
            idx += 1;
        }
        let dense = self.observer.as_ref().is_some_and(|o| o.wants_dense());
        let prepared = (!thetas.is_empty() || dense).then(|| {
            let f1v = f1.get_or_insert_with(|| f.eval(t1, step.y1)).clone();
            let mut eval = |t: f64, y: &S| f.eval(t, y);
            Prepared::new(self.interpolant, &step, &f1v, &mut eval)
        });
        if let Some(p) = &prepared
            && !thetas.is_empty()
        {
            self.ys.extend(p.at(&thetas));
        }
        if at_end {
            self.ys.push(step.y1.clone());
        }
        if let Some(observer) = self.observer.as_deref_mut() {
            let index = self.stats.accepted_steps - 1;
            let record = StepRecord { t0, t1, h };
            let dense = prepared.filter(|_| dense).map(|prepared| StepInterpolant {
                t0: step.t0,
                h: step.h,
                prepared,
            });
            observer.accepted(index, &record, step.y1, dense);
        }
        f1
    }

    fn adaptive<F, N>(
        &mut self,
        f: &mut Counted<'_, F>,
        mut y: S,
        mut f0: S,
        a: &Adaptive,
        opts: &SolveOptions,
        norm: &N,
    ) -> Result<(), SolveError>
    where
        F: Dynamics<S>,
        N: ErrorNorm<S>,
    {
        let tab = self.tab;
        let (rtol, atol) = (a.rtol, a.atol);
        let t_end = *self.ts.last().expect("validated non-empty");
        let mut t = self.ts[0];
        let k = tab.error_order + 1;
        let max_step = a.max_step.unwrap_or(f64::INFINITY);
        let mut h = match a.first_step {
            Some(h) => h,
            None => initial_step(f, norm, t, &y, &f0, self.dir, tab.error_order, rtol, atol),
        }
        .min(max_step);
        if let Some(min) = a.min_step {
            h = h.max(min);
        }
        let control = ErrorControl { norm, rtol, atol };
        // torchdiffeq steps past the last output and interpolates back; neurode lands on it.
        let lands_on_end = opts.convention == Convention::Neurode;
        let mut prev_err = 1.0;
        let mut last_failure_non_finite = false;
        let mut non_finite_rejections = 0usize;
        while self.next_output() < self.ts.len() {
            let taken = self.stats.accepted_steps + self.stats.rejected_steps;
            if taken >= opts.max_steps {
                // Stuck against a region where the dynamics are NaN (e.g. a state stalled at the
                // precision limit next to it): name the cause, not the symptom.
                return Err(if 2 * non_finite_rejections > taken {
                    SolveError::NonFiniteState {
                        t,
                        dt: h * self.dir,
                    }
                } else {
                    SolveError::MaxStepsExceeded {
                        t,
                        max_steps: opts.max_steps,
                    }
                });
            }
            let remaining = (t_end - t).abs();
            let last = lands_on_end && h >= remaining;
            let h_step = if last { remaining } else { h };
            let too_small = a.min_step.is_some_and(|m| h_step < m && !last)
                || h_step <= 4.0 * f64::EPSILON * t.abs().max(1.0) && !last;
            if too_small {
                return Err(if last_failure_non_finite {
                    SolveError::NonFiniteState {
                        t,
                        dt: h_step * self.dir,
                    }
                } else {
                    SolveError::StepSizeUnderflow {
                        t,
                        dt: h_step * self.dir,
                    }
                });
            }
            let step = rk_step(tab, f, t, &y, f0.clone(), self.dir * h_step, Some(&control));
            let err = step.err.unwrap_or(0.0);
            if err.is_finite() && err <= 1.0 {
                self.stats.accepted_steps += 1;
                last_failure_non_finite = false;
                let t1 = if last { t_end } else { t + self.dir * h_step };
                let f1_lazy = self.emit(f, (t, t1, self.dir * h_step), &y, &step);
                let done = self.next_output() >= self.ts.len();
                if !done {
                    f0 = match f1_lazy {
                        Some(f1) => f1,
                        None => f.eval(t1, &step.y1),
                    };
                }
                let factor = a.controller.accept_factor(err, prev_err, k);
                prev_err = err;
                h = (h_step * factor).min(max_step);
                t = t1;
                y = step.y1;
            } else {
                self.stats.rejected_steps += 1;
                last_failure_non_finite = !err.is_finite();
                non_finite_rejections += usize::from(last_failure_non_finite);
                h = h_step * a.controller.reject_factor(err, k);
            }
        }
        Ok(())
    }

    fn fixed<F: Dynamics<S>>(
        &mut self,
        f: &mut Counted<'_, F>,
        mut y: S,
        f0: S,
        grid: Grid,
        opts: &SolveOptions,
    ) -> Result<(), SolveError> {
        let t0 = self.ts[0];
        let t_end = *self.ts.last().expect("validated non-empty");
        let span = (t_end - t0).abs();
        let (n, h) = grid.count(span, opts.convention);
        if n > opts.max_steps {
            return Err(SolveError::MaxStepsExceeded {
                t: t0,
                max_steps: opts.max_steps,
            });
        }
        let dir = self.dir;
        let equal = matches!(grid, Grid::Steps(_));
        let node = |i: usize| -> f64 {
            if i == n {
                t_end
            } else if equal {
                t0 + (t_end - t0) * (i as f64 / n as f64)
            } else {
                t0 + dir * h * i as f64
            }
        };
        let mut f_start = Some(f0);
        for i in 0..n {
            let (t, t1) = (node(i), node(i + 1));
            let fy = match f_start.take() {
                Some(v) => v,
                None => f.eval(t, &y),
            };
            let step = rk_step::<S, F, RmsNorm>(self.tab, f, t, &y, fy, t1 - t, None);
            self.stats.accepted_steps += 1;
            // Reported at the step where the state stops being finite (one host read a step).
            if !step.y1.is_finite() {
                return Err(SolveError::NonFiniteState { t: t1, dt: t1 - t });
            }
            f_start = self.emit(f, (t, t1, t1 - t), &y, &step);
            y = step.y1;
            if self.next_output() >= self.ts.len() {
                break;
            }
        }
        Ok(())
    }
}
