//! The one generic explicit Runge–Kutta step, driven by a [`Tableau`].

use crate::tableau::{ErrorEstimator, Tableau};
use crate::{Dynamics, ErrorNorm, State};

/// Counts evaluations of the dynamics.
pub(crate) struct Counted<'a, F> {
    pub f: &'a F,
    pub nfe: usize,
}

impl<F> Counted<'_, F> {
    pub fn eval<S>(&mut self, t: f64, y: &S) -> S
    where
        F: Dynamics<S>,
    {
        self.nfe += 1;
        self.f.eval(t, y)
    }
}

/// The outcome of one attempted step from `(t, y)` with step `h` (signed).
pub(crate) struct Step<S> {
    /// Proposed solution at `t + h`.
    pub y1: S,
    /// All stage derivatives; `ks[0] = f(t, y)`, and for FSAL methods the last is `f(t+h, y1)`.
    pub ks: Vec<S>,
    /// Error norm (adaptive methods): accept when ≤ 1. `None` for fixed-step methods.
    pub err: Option<f64>,
    /// The point of the stiffness test's stage (methods with a [`crate::tableau::StiffnessProbe`]).
    pub probe: Option<S>,
}

/// Tolerances and norm used to measure the local error of a step.
pub(crate) struct ErrorControl<'a, N> {
    pub norm: &'a N,
    pub rtol: f64,
    pub atol: f64,
}

/// Takes one step of the method `tab`. `f0 = f(t, y)` is supplied by the caller (FSAL or the
/// previous step's end), so a step costs `stages − 1` evaluations.
pub(crate) fn rk_step<S, F, N>(
    tab: &Tableau,
    f: &mut Counted<'_, F>,
    t: f64,
    y: &S,
    f0: S,
    h: f64,
    control: Option<&ErrorControl<'_, N>>,
) -> Step<S>
where
    S: State,
    F: Dynamics<S>,
    N: ErrorNorm<S>,
{
    let advance = |w: &[f64], ks: &[S]| {
        let terms: Vec<(f64, &S)> = w.iter().zip(ks).map(|(w, k)| (h * w, k)).collect();
        y.add_scaled(&terms)
    };
    let keep = tab.stiffness.map(|p| p.stage);
    let (y1, ks, probe) = stages(tab, f0, advance, keep, |i, yi| f.eval(t + tab.c[i] * h, yi));
    let err = control.map(|c| error_norm(tab, &ks, y, &y1, h, c));
    Step { y1, ks, err, probe }
}

/// The stages of one step of `tab` whose first derivative is `f0`: `k₀ = f0`, then
/// `kᵢ = eval(i, yᵢ)` at `yᵢ = advance(aᵢ, k₀ … kᵢ₋₁)` (the step's start plus its length times
/// the weighted stages); the solution is `advance(b, ks)`, or for FSAL methods the last stage's
/// state. Returns the solution, every stage derivative and the point of stage `keep` (when
/// asked). Shared by the shared-clock step (one `h`) and the per-row step (one `h` per row).
pub(crate) fn stages<S: Clone>(
    tab: &Tableau,
    f0: S,
    advance: impl Fn(&[f64], &[S]) -> S,
    keep: Option<usize>,
    mut eval: impl FnMut(usize, &S) -> S,
) -> (S, Vec<S>, Option<S>) {
    let s = tab.stages();
    let mut ks: Vec<S> = Vec::with_capacity(s);
    ks.push(f0);
    let (mut fsal_y1, mut kept) = (None, None);
    for i in 1..s {
        let yi = advance(tab.a[i], &ks);
        let ki = eval(i, &yi);
        if keep == Some(i) {
            kept = Some(yi.clone());
        }
        if tab.fsal && i == s - 1 {
            fsal_y1 = Some(yi);
        }
        ks.push(ki);
    }
    let y1 = fsal_y1.unwrap_or_else(|| advance(tab.b, &ks));
    (y1, ks, kept)
}

fn error_norm<S: State, N: ErrorNorm<S>>(
    tab: &Tableau,
    ks: &[S],
    y0: &S,
    y1: &S,
    h: f64,
    c: &ErrorControl<'_, N>,
) -> f64 {
    // Off the tape: on an autodiff device, these combinations would otherwise be recorded
    // (about 11 operations per DOPRI5 step) although no gradient ever flows through them.
    let ks: Vec<S> = ks.iter().map(State::detached).collect();
    let weighted = |e: &[f64]| -> S {
        let terms: Vec<(f64, &S)> = e.iter().zip(&ks).map(|(e, k)| (h * e, k)).collect();
        S::combine(&terms)
    };
    match tab.error {
        ErrorEstimator::None => 0.0,
        ErrorEstimator::Embedded(e) => c.norm.norm(&weighted(e), y0, y1, c.rtol, c.atol),
        ErrorEstimator::Dop853 { e5, e3 } => {
            let (s5, n) = c.norm.sq_sum(&weighted(e5), y0, y1, c.rtol, c.atol);
            let (s3, _) = c.norm.sq_sum(&weighted(e3), y0, y1, c.rtol, c.atol);
            dop853_norm(s5, s3, n)
        }
    }
}

/// Hairer's DOP853 error norm from the squared scaled sums `s5`, `s3` of its 5th- and
/// 3rd-order estimates over `n` components: `s5 / √(n (s5 + 0.01 s3))`.
pub(crate) fn dop853_norm(s5: f64, s3: f64, n: usize) -> f64 {
    if s5 == 0.0 && s3 == 0.0 {
        0.0
    } else {
        s5 / ((s5 + 0.01 * s3) * n.max(1) as f64).sqrt()
    }
}
