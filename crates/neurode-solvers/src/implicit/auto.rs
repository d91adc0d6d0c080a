//! `auto`: an explicit method while the problem is not stiff, a Rosenbrock method while
//! Hairer's test says it is, and back.

use super::drive::{HostSide, Track};
use super::solve::{Calm, Leg as ImplicitLeg, Start as ImplicitStart, adaptive};
use super::tableau::RosenbrockTableau;
use crate::explicit::{Leg, Run, Start};
use crate::observe::StepObserver;
use crate::options::Adaptive;
use crate::stepper::Counted;
use crate::stiffness::StiffnessTest;
use crate::tableau::Tableau;
use crate::{Dynamics, ErrorNorm, SolveError, SolveOptions, SolveStats, State};

/// Accepted implicit steps in a row that must look non-stiff before `auto` goes back to the
/// explicit method (the way back is slower than the way in: hysteresis, so a problem at the
/// border does not flip every step).
const CALM_STEPS: usize = 5;
/// The share of the explicit method's stability bound an implicit step's `|h|·‖J‖∞` must stay
/// under to count as non-stiff.
const CALM_SHARE: f64 = 0.9;

/// Solves with `auto`: `explicit` (checked by the stiffness test at every step) until the test
/// fires, then `implicit` until `|h|·‖J‖∞` has stayed under the explicit method's bound for
/// [`CALM_STEPS`] steps, and so on. `f0 = f(ts[0], y0)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_auto<S, F, N>(
    (explicit, implicit): (&'static Tableau, &'static RosenbrockTableau),
    f: &mut Counted<'_, F>,
    y0: S,
    f0: S,
    ts: &[f64],
    dir: f64,
    a: &Adaptive,
    opts: &SolveOptions,
    norm: &N,
    observer: Option<&mut dyn StepObserver<S>>,
) -> Result<(Vec<S>, SolveStats), SolveError>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let mut run = Run::new(explicit, explicit.interpolant, ts, dir);
    run.observer = observer;
    run.ys.push(y0.clone());
    run.stiffness = explicit.stiffness.map(|p| StiffnessTest::new(p, 1));
    run.switch_when_stiff = true;
    let bound = explicit.stiffness.map_or(0.0, |p| p.bound);
    let mut start = Start::at(ts[0], y0, f0);
    loop {
        let Leg::Stiff { t, y, h } = run.adaptive(f, start, a, opts, norm)? else {
            break;
        };
        let mut side = HostSide {
            f: &mut *f,
            template: y.clone(),
            method: implicit.name,
        };
        let host = side.to_host(&y)?;
        let mut track = Track {
            ts,
            dir,
            first_output: run.first_output,
            ys: &mut run.ys,
            stats: &mut run.stats,
            observer: run.observer.as_deref_mut(),
        };
        let mut calm = Calm {
            bound: CALM_SHARE * bound,
            needed: CALM_STEPS,
            run: 0,
        };
        let leg_start = ImplicitStart {
            t,
            y: host,
            f0: None,
            h,
        };
        let leg = adaptive(
            implicit,
            &mut side,
            &mut track,
            leg_start,
            a,
            opts,
            norm,
            Some(&mut calm),
        )?;
        let ImplicitLeg::Switch { t, y, h } = leg else {
            break;
        };
        let y = side.to_state(&y)?;
        let f0 = side.f.eval(t, &y);
        if let Some(test) = run.stiffness.as_mut() {
            test.reset();
        }
        start = Start {
            t,
            y,
            f0,
            h: Some(h),
        };
    }
    Ok((run.ys, run.stats))
}
