//! The run of an explicit method: its adaptive and fixed-step loops, the outputs they emit,
//! and Hairer's stiffness test along the way.

use crate::initial_step::initial_step;
use crate::interpolate::{Prepared, StepData};
use crate::observe::{StepInterpolant, StepObserver, StepRecord};
use crate::options::{Adaptive, Convention, Grid, fixed_node};
use crate::stepper::{Counted, ErrorControl, Step, rk_step};
use crate::stiffness::{CHECK_EVERY, StiffnessTest};
use crate::tableau::{InterpolantKind, Tableau};
use crate::{Dynamics, ErrorNorm, RmsNorm, SolveError, SolveOptions, SolveStats, State};

/// Where an explicit adaptive leg starts: time, state, `f(t, y)`, and the step size to try
/// (`None`: Hairer's initial step).
pub(crate) struct Start<S> {
    pub t: f64,
    pub y: S,
    pub f0: S,
    pub h: Option<f64>,
}

impl<S> Start<S> {
    /// The start of a solve: the first step from Hairer's heuristic (or the options).
    pub fn at(t: f64, y: S, f0: S) -> Self {
        Self { t, y, f0, h: None }
    }
}

/// How an explicit adaptive leg ended.
pub(crate) enum Leg<S> {
    /// Every output time is produced.
    Finished,
    /// The stiffness test fired and the run switches (`auto`): go on from `(t, y)` with `h`.
    Stiff { t: f64, y: S, h: f64 },
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
    /// Hairer's stiffness test (methods that have one).
    pub stiffness: Option<StiffnessTest>,
    /// `auto`: an adaptive leg ends where the stiffness test fires.
    pub switch_when_stiff: bool,
}

impl<'a, S: State> Run<'a, '_, S> {
    /// A run of `tab` over `ts` (in direction `dir`) with no outputs yet; Hairer's stiffness
    /// test is on for methods that have one, checked every [`CHECK_EVERY`] steps.
    pub fn new(
        tab: &'static Tableau,
        interpolant: InterpolantKind,
        ts: &'a [f64],
        dir: f64,
    ) -> Self {
        Self {
            tab,
            interpolant,
            ts,
            dir,
            first_output: 0,
            ys: Vec::with_capacity(ts.len()),
            stats: SolveStats::default(),
            observer: None,
            stiffness: tab.stiffness.map(|p| StiffnessTest::new(p, CHECK_EVERY)),
            switch_when_stiff: false,
        }
    }

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

    pub fn adaptive<F, N>(
        &mut self,
        f: &mut Counted<'_, F>,
        start: Start<S>,
        a: &Adaptive,
        opts: &SolveOptions,
        norm: &N,
    ) -> Result<Leg<S>, SolveError>
    where
        F: Dynamics<S>,
        N: ErrorNorm<S>,
    {
        let tab = self.tab;
        let (rtol, atol) = (a.rtol, a.atol);
        let t_end = *self.ts.last().expect("validated non-empty");
        let Start {
            mut t,
            mut y,
            mut f0,
            h: first,
        } = start;
        let k = tab.error_order + 1;
        let max_step = a.max_step.unwrap_or(f64::INFINITY);
        let mut h = match first.or(a.first_step) {
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
                let stiff = !done && self.stiffness_check(t1, h_step, &f0, &step);
                t = t1;
                y = step.y1;
                if stiff && self.switch_when_stiff {
                    return Ok(Leg::Stiff { t, y, h });
                }
            } else {
                self.stats.rejected_steps += 1;
                last_failure_non_finite = !err.is_finite();
                non_finite_rejections += usize::from(last_failure_non_finite);
                h = h_step * a.controller.reject_factor(err, k);
            }
        }
        Ok(Leg::Finished)
    }

    /// Hairer's test after the accepted step ending at `t1` (`f1 = f(t1, y₁)`), when due;
    /// whether the problem now counts as stiff.
    fn stiffness_check(&mut self, t1: f64, h: f64, f1: &S, step: &Step<S>) -> bool {
        let accepted = self.stats.accepted_steps;
        let Some(test) = self.stiffness.as_mut().filter(|t| t.due(accepted)) else {
            return false;
        };
        let Some(ys) = &step.probe else {
            return false;
        };
        let stiff = test.check(t1, h, f1, &step.ks[test.stage()], &step.y1, ys);
        self.stats.stiff_at = self.stats.stiff_at.or(test.stiff_at);
        stiff
    }

    pub fn fixed<F: Dynamics<S>>(
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
        let node = |i: usize| fixed_node(i, n, t0, t_end, h, dir, grid);
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
