//! `solve()`: validation, then the run of the method: explicit (`explicit.rs`), Rosenbrock or
//! automatic switching (`implicit/`).

use crate::explicit::{Run, Start};
use crate::implicit;
use crate::method::MethodKind;
use crate::observe::StepObserver;
use crate::options::{Grid, Stepping};
use crate::stepper::Counted;
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
    let (ys, mut stats) = match opts.method.kind() {
        MethodKind::Explicit(_) => {
            let mut run = Run::new(
                opts.explicit_tableau("solve")?,
                opts.interpolant()?,
                ts,
                dir,
            );
            run.observer = observer;
            run.ys.push(y0.clone());
            let method = opts.method.name();
            let outcome = match opts.stepping {
                Stepping::Adaptive(a) => {
                    let start = Start::at(ts[0], y0, f0);
                    run.adaptive(&mut f, start, &a, opts, norm).map(|_| ())
                }
                Stepping::Steps(n) => run.fixed(&mut f, y0, f0, Grid::Steps(n), opts),
                Stepping::StepSize(h) => run.fixed(&mut f, y0, f0, Grid::Size(h), opts),
            };
            outcome.map_err(|e| explained_by_stiffness(e, run.stats.stiff_at, method))?;
            (run.ys, run.stats)
        }
        MethodKind::Rosenbrock(tab) => {
            implicit::solve_rosenbrock(tab, &mut f, y0, f0, ts, dir, opts, norm, observer)?
        }
        MethodKind::Auto { explicit, implicit } => {
            let Stepping::Adaptive(a) = opts.stepping else {
                // `validate` refuses auto with fixed steps; this is that error.
                return Err(opts
                    .validate()
                    .err()
                    .unwrap_or(SolveError::MissingStepSize {
                        method: opts.method.name(),
                    }));
            };
            let methods = (explicit, implicit);
            implicit::solve_auto(methods, &mut f, y0, f0, ts, dir, &a, opts, norm, observer)?
        }
    };
    stats.nfe = f.nfe;
    Ok(Solution {
        ts: ts.to_vec(),
        ys,
        stats,
    })
}

/// An explicit solve's failure after Hairer's test fired says so (and what to use instead).
pub(crate) fn explained_by_stiffness(
    error: SolveError,
    stiff_at: Option<f64>,
    method: &'static str,
) -> SolveError {
    let Some(stiff_at) = stiff_at else {
        return error;
    };
    let (t, cause) = match &error {
        SolveError::MaxStepsExceeded { t, max_steps } => {
            (*t, format!("max_steps = {max_steps} reached"))
        }
        SolveError::StepSizeUnderflow { t, dt } => {
            (*t, format!("step size underflow, dt = {dt:e}"))
        }
        _ => return error,
    };
    SolveError::Stiff {
        method,
        t,
        stiff_at,
        cause,
    }
}
