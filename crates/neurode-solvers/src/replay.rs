//! Replaying recorded steps: the same stages, outputs and end state as the solve that took
//! them, from a stored state, on any device (checkpointed gradients re-run stretches of a
//! tape-free solve on the autodiff tape this way).

use crate::explicit::Run;
use crate::observe::StepRecord;
use crate::solve::check_inputs;
use crate::stepper::{Counted, rk_step};
use crate::{Dynamics, RmsNorm, SolveError, SolveOptions, SolveStats, State};

/// What a replay produced.
#[derive(Debug, Clone)]
pub struct Replayed<S> {
    /// Index in the output times of `ys[0]`: the first output time after the replay's start.
    pub first_output: usize,
    /// The outputs that fall inside the replayed steps, as the original solve produced them.
    pub ys: Vec<S>,
    /// The state at the end of the last replayed step.
    pub end: S,
    /// Work done.
    pub stats: SolveStats,
}

/// Re-takes `steps` (consecutive accepted steps recorded by a [`crate::StepObserver`] of a
/// solve with the same `ts` and `opts`) from `y`, the state at `steps[0].t0`. Each step has
/// the recorded length, so no error control runs; every output time the original solve
/// emitted inside these steps is emitted again (by the same interpolant).
pub fn replay<S, F>(
    f: &F,
    y: S,
    steps: &[StepRecord],
    ts: &[f64],
    opts: &SolveOptions,
) -> Result<Replayed<S>, SolveError>
where
    S: State,
    F: Dynamics<S>,
{
    let dir = check_inputs(&y, ts, opts)?;
    let Some(first) = steps.first() else {
        return Err(SolveError::InvalidOption {
            name: "steps",
            value: 0.0,
            expected: "at least one recorded step to replay",
        });
    };
    if let Some(w) = steps.windows(2).find(|w| w[0].t1 != w[1].t0) {
        return Err(SolveError::InvalidOption {
            name: "steps",
            value: w[1].t0,
            expected: "consecutive steps: each starts where the previous one ended",
        });
    }
    let first_output = ts.partition_point(|&t| (t - first.t0) * dir <= 0.0);
    let tab = opts.explicit_tableau("replays of recorded steps (checkpointed gradients)")?;
    let mut run = Run::new(tab, opts.interpolant()?, ts, dir);
    run.first_output = first_output;
    let mut f = Counted { f, nfe: 0 };
    let mut y = y;
    let mut f_start = None;
    for s in steps {
        let fy = match f_start.take() {
            Some(v) => v,
            None => f.eval(s.t0, &y),
        };
        let step = rk_step::<S, F, RmsNorm>(run.tab, &mut f, s.t0, &y, fy, s.h, None);
        run.stats.accepted_steps += 1;
        f_start = run.emit(&mut f, (s.t0, s.t1, s.h), &y, &step);
        y = step.y1;
    }
    run.stats.nfe = f.nfe;
    Ok(Replayed {
        first_output,
        ys: run.ys,
        end: y,
        stats: run.stats,
    })
}
