//! The Rosenbrock methods' integration loops, adaptive and fixed-step, on host rows.

use super::drive::{HostSide, Track};
use super::lu::RowLu;
use super::step::{Linearization, RosenbrockStep, dense_at, error_estimate, rosenbrock_step};
use super::tableau::RosenbrockTableau;
use crate::interpolate::{Prepared, StepData};
use crate::observe::{StepInterpolant, StepRecord};
use crate::options::{Adaptive, Grid, fixed_node};
use crate::tableau::InterpolantKind;
use crate::{Dynamics, ErrorNorm, HostRows, SolveError, SolveOptions, State};

/// How an adaptive leg ended.
pub(crate) enum Leg {
    /// Every output time is produced.
    Finished,
    /// `auto`: the problem stopped looking stiff; go on explicitly from `(t, y)` with `h`.
    Switch { t: f64, y: HostRows, h: f64 },
}

/// `auto`'s way back to the explicit method: the step size times the largest row's
/// `‖J‖∞` (a bound on the dominant eigenvalue) at most `bound` on `needed` accepted steps in
/// a row.
pub(crate) struct Calm {
    pub bound: f64,
    pub needed: usize,
    pub run: usize,
}

/// Where an adaptive leg starts: time, state (host rows), its derivative when known, and
/// the step-size magnitude to try first.
pub(crate) struct Start {
    pub t: f64,
    pub y: HostRows,
    pub f0: Option<HostRows>,
    pub h: f64,
}

/// Adaptive Rosenbrock steps from `start` until every output is produced (or, with `calm`,
/// until the problem stops looking stiff).
#[allow(clippy::too_many_arguments)]
pub(crate) fn adaptive<S, F, N>(
    tab: &'static RosenbrockTableau,
    side: &mut HostSide<'_, '_, S, F>,
    track: &mut Track<'_, '_, S>,
    start: Start,
    a: &Adaptive,
    opts: &SolveOptions,
    norm: &N,
    mut calm: Option<&mut Calm>,
) -> Result<Leg, SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let Start {
        mut t,
        mut y,
        f0,
        mut h,
    } = start;
    let (rtol, atol, dir) = (a.rtol, a.atol, track.dir);
    let t_end = *track.ts.last().expect("validated non-empty");
    let k = tab.error_order + 1;
    let max_step = a.max_step.unwrap_or(f64::INFINITY);
    let mut y_state = side.to_state(&y)?;
    let mut f0 = match f0 {
        Some(f0) => f0,
        None => side.eval(t, &y)?,
    };
    let mut lin: Option<Linearization> = None;
    let (mut prev_err, mut last_non_finite, mut non_finite_rejections) = (1.0, false, 0usize);
    while !track.done() {
        let taken = track.stats.accepted_steps + track.stats.rejected_steps;
        if taken >= opts.max_steps {
            return Err(if 2 * non_finite_rejections > taken {
                SolveError::NonFiniteState { t, dt: h * dir }
            } else {
                SolveError::MaxStepsExceeded {
                    t,
                    max_steps: opts.max_steps,
                }
            });
        }
        let remaining = (t_end - t).abs();
        let last = h >= remaining;
        let h_step = if last { remaining } else { h };
        let too_small = a.min_step.is_some_and(|m| h_step < m && !last)
            || h_step <= 4.0 * f64::EPSILON * t.abs().max(1.0) && !last;
        if too_small {
            let dt = h_step * dir;
            return Err(if last_non_finite {
                SolveError::NonFiniteState { t, dt }
            } else {
                SolveError::StepSizeUnderflow { t, dt }
            });
        }
        let lin_here = match lin.take() {
            Some(l) => l,
            None => side.linearize(t, &y, &y_state, &f0, track.stats)?,
        };
        let hs = dir * h_step;
        track.stats.lu_factorizations += 1;
        let attempt = match RowLu::factor(&lin_here.jac, y.n, &vec![hs * tab.gamma; y.rows]) {
            Ok(lu) => Some(rosenbrock_step(
                tab,
                &lin_here,
                &lu,
                t,
                &y,
                &f0,
                hs,
                &mut |tt, yy| side.eval(tt, yy),
            )?),
            // Singular I − hγJ: retry with half the step (Hairer's RODAS does the same).
            Err(_) => None,
        };
        let singular = attempt.is_none();
        let err = match &attempt {
            Some(step) => step_error(tab, side, norm, step, &y, &y_state, rtol, atol)?,
            None => f64::INFINITY,
        };
        if let Some(step) = attempt.filter(|_| err.is_finite() && err <= 1.0) {
            track.stats.accepted_steps += 1;
            last_non_finite = false;
            let t1 = if last { t_end } else { t + hs };
            emit(tab, side, track, (t, t1, hs), (&y, &y_state), &step)?;
            let factor = a.controller.accept_factor(err, prev_err, k);
            prev_err = err;
            h = (h_step * factor).min(max_step);
            let rho = max_row_norm(&lin_here.jac, y.n);
            let RosenbrockStep { y1, f_end, .. } = step;
            (t, y) = (t1, y1);
            if track.done() {
                break;
            }
            y_state = side.to_state(&y)?;
            f0 = match f_end {
                Some(f) => f,
                None => side.eval(t, &y)?,
            };
            if let Some(c) = calm.as_deref_mut() {
                c.run = if h_step * rho <= c.bound {
                    c.run + 1
                } else {
                    0
                };
                if c.run >= c.needed {
                    return Ok(Leg::Switch { t, y, h });
                }
            }
        } else {
            track.stats.rejected_steps += 1;
            // A singular matrix is not a non-finite state: it only halves the step.
            last_non_finite = !singular && !err.is_finite();
            non_finite_rejections += usize::from(last_non_finite);
            h = if singular {
                h_step * 0.5
            } else {
                h_step * a.controller.reject_factor(err, k)
            };
            lin = Some(lin_here);
        }
    }
    Ok(Leg::Finished)
}

/// The error norm of a step: on the host where the norm can, through states otherwise.
#[allow(clippy::too_many_arguments)]
fn step_error<S, F, N>(
    tab: &RosenbrockTableau,
    side: &HostSide<'_, '_, S, F>,
    norm: &N,
    step: &RosenbrockStep,
    y: &HostRows,
    y_state: &S,
    rtol: f64,
    atol: f64,
) -> Result<f64, SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    if !step.y1.is_finite() {
        return Ok(f64::NAN);
    }
    let err = error_estimate(tab, &step.us);
    Ok(match norm.host_sq_sum(&err, y, &step.y1, rtol, atol) {
        Some((sum, n)) => (sum / n.max(1) as f64).sqrt(),
        None => norm.norm(
            &side.to_state(&err)?,
            y_state,
            &side.to_state(&step.y1)?,
            rtol,
            atol,
        ),
    })
}

/// The largest row's `‖J‖∞` (maximum absolute row sum).
fn max_row_norm(jac: &[f64], n: usize) -> f64 {
    jac.chunks_exact(n)
        .map(|row| row.iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// Emits every output time in `(t0, t1]` of the accepted step `y0 → step.y1` (taken with the
/// signed length `h`; `y0` on the host and as a state) and tells the observer, with the step's
/// interpolant when it wants it.
fn emit<S, F>(
    tab: &'static RosenbrockTableau,
    side: &HostSide<'_, '_, S, F>,
    track: &mut Track<'_, '_, S>,
    (t0, t1, h): (f64, f64, f64),
    (y0, y0_state): (&HostRows, &S),
    step: &RosenbrockStep,
) -> Result<(), SolveError>
where
    S: State,
    F: Dynamics<S>,
{
    while !track.done() {
        let t_out = track.ts[track.next_output()];
        if (t_out - t1) * track.dir > 0.0 {
            break;
        }
        let out = if t_out == t1 {
            side.to_state(&step.y1)?
        } else {
            let theta = (t_out - t0) / (t1 - t0);
            side.to_state(&dense_at(tab, theta, y0, &step.y1, &step.us))?
        };
        track.ys.push(out);
    }
    let index = track.stats.accepted_steps - 1;
    if let Some(observer) = track.observer.as_deref_mut() {
        let y1 = side.to_state(&step.y1)?;
        let dense = if observer.wants_dense() {
            let us: Vec<S> = step
                .us
                .iter()
                .map(|u| side.to_state(u))
                .collect::<Result<_, _>>()?;
            let data = StepData {
                t0,
                h: t1 - t0,
                y0: y0_state,
                y1: &y1,
                ks: &us,
            };
            let kind = InterpolantKind::Rosenbrock(tab.dense);
            let prepared = Prepared::new(kind, &data, &y1, &mut |_, y: &S| y.clone());
            Some(StepInterpolant::new(t0, t1 - t0, prepared))
        } else {
            None
        };
        observer.accepted(index, &StepRecord { t0, t1, h }, &y1, dense);
    }
    Ok(())
}

/// Fixed Rosenbrock steps over the whole span (`grid`), one Jacobian and LU per step.
pub(crate) fn fixed<S, F>(
    tab: &'static RosenbrockTableau,
    side: &mut HostSide<'_, '_, S, F>,
    track: &mut Track<'_, '_, S>,
    y0: HostRows,
    grid: Grid,
    opts: &SolveOptions,
) -> Result<(), SolveError>
where
    S: State,
    F: Dynamics<S>,
{
    let t0 = track.ts[0];
    let t_end = *track.ts.last().expect("validated non-empty");
    let (n, h) = grid.count((t_end - t0).abs(), opts.convention);
    if n > opts.max_steps {
        return Err(SolveError::MaxStepsExceeded {
            t: t0,
            max_steps: opts.max_steps,
        });
    }
    let mut y = y0;
    let mut f_start: Option<HostRows> = None;
    for i in 0..n {
        let (t, t1) = (
            fixed_node(i, n, t0, t_end, h, track.dir, grid),
            fixed_node(i + 1, n, t0, t_end, h, track.dir, grid),
        );
        let y_state = side.to_state(&y)?;
        let f0 = match f_start.take() {
            Some(f) => f,
            None => side.eval(t, &y)?,
        };
        let lin = side.linearize(t, &y, &y_state, &f0, track.stats)?;
        track.stats.lu_factorizations += 1;
        let lu = RowLu::factor(&lin.jac, y.n, &vec![(t1 - t) * tab.gamma; y.rows]).map_err(
            |singular| SolveError::SingularStep {
                t,
                dt: t1 - t,
                row: singular.row,
            },
        )?;
        let step = rosenbrock_step(tab, &lin, &lu, t, &y, &f0, t1 - t, &mut |tt, yy| {
            side.eval(tt, yy)
        })?;
        track.stats.accepted_steps += 1;
        if !step.y1.is_finite() {
            return Err(SolveError::NonFiniteState { t: t1, dt: t1 - t });
        }
        emit(tab, side, track, (t, t1, t1 - t), (&y, &y_state), &step)?;
        f_start = step.f_end.clone();
        y = step.y1;
        if track.done() {
            break;
        }
    }
    Ok(())
}
