//! Stiff problems: Rosenbrock methods (tableaux as data, one stepper, the adaptive and
//! fixed-step loops), their Jacobians and LU factorizations, and `auto`, which switches
//! between an explicit method and a Rosenbrock method by Hairer's stiffness test.
//!
//! The linear algebra runs on the host in `f64` (Burn 0.22 has no linear solve): every step
//! reads the state's rows to the host once a stage, factors each row's `I − hγJ` (rows are
//! independent systems, so a `[batch, n]` state is `batch` small `n × n` systems), and the
//! dynamics are evaluated on the state's device. No gradient flows through an implicit
//! solve's outputs (they are rebuilt from host values); gradients of stiff solves come from
//! the adjoint methods.

mod auto;
pub(crate) mod coefficients;
pub(crate) use auto::solve_auto;
mod drive;
mod jacobian;
mod lu;
mod solve;
mod step;
pub(crate) mod tableau;

pub use coefficients::{RODAS5P, ROSENBROCK23};
pub use jacobian::WithJacobian;
pub use tableau::{RosenbrockDense, RosenbrockTableau};

use self::drive::{HostSide, Track};
use self::solve::{Start, adaptive, fixed};
use crate::initial_step::initial_step;
use crate::observe::StepObserver;
use crate::options::{Grid, Stepping};
use crate::stepper::Counted;
use crate::{Dynamics, ErrorNorm, SolveError, SolveOptions, SolveStats, State};

/// Solves with the Rosenbrock method `tab`; `f0 = f(ts[0], y0)`. Returns the outputs (`y0`
/// first) and the statistics (NFE left to the caller's counter).
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_rosenbrock<S, F, N>(
    tab: &'static RosenbrockTableau,
    f: &mut Counted<'_, F>,
    y0: S,
    f0: S,
    ts: &[f64],
    dir: f64,
    opts: &SolveOptions,
    norm: &N,
    observer: Option<&mut dyn StepObserver<S>>,
) -> Result<(Vec<S>, SolveStats), SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let (mut ys, mut stats) = (vec![y0.clone()], SolveStats::default());
    let mut side = HostSide {
        f,
        template: y0.clone(),
        method: tab.name,
    };
    let host = side.to_host(&y0)?;
    let mut track = Track {
        ts,
        dir,
        first_output: 0,
        ys: &mut ys,
        stats: &mut stats,
        observer,
    };
    match opts.stepping {
        Stepping::Adaptive(a) => {
            let h = match a.first_step {
                Some(h) => h,
                None => {
                    let (rtol, atol, order) = (a.rtol, a.atol, tab.error_order);
                    initial_step(side.f, norm, ts[0], &y0, &f0, dir, order, rtol, atol)
                }
            };
            let start = Start {
                t: ts[0],
                y: host,
                f0: Some(side.to_host(&f0)?),
                h: h.min(a.max_step.unwrap_or(f64::INFINITY)),
            };
            adaptive(tab, &mut side, &mut track, start, &a, opts, norm, None)?;
        }
        Stepping::Steps(n) => fixed(tab, &mut side, &mut track, host, Grid::Steps(n), opts)?,
        Stepping::StepSize(h) => fixed(tab, &mut side, &mut track, host, Grid::Size(h), opts)?,
    }
    Ok((ys, stats))
}
