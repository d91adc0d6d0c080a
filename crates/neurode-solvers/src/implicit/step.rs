//! One step of any Rosenbrock tableau on host rows, and its dense output.

use super::lu::RowLu;
use super::tableau::RosenbrockTableau;
use crate::{HostRows, SolveError};

/// `J = ∂f/∂y` (each row's `n × n`, row-major) and `∂f/∂t` (`None`: autonomous) at a step's
/// start: computed once per accepted step and reused by the retries of a rejected one.
pub(crate) struct Linearization {
    pub jac: Vec<f64>,
    pub dfdt: Option<Vec<f64>>,
}

/// The outcome of one attempted Rosenbrock step.
pub(crate) struct RosenbrockStep {
    /// The proposed solution at `t + h`.
    pub y1: HostRows,
    /// The stage values `uᵢ` (for the error estimate and the dense output).
    pub us: Vec<HostRows>,
    /// `f(t + h, y₁)` when the last stage evaluated it (FSAL tableaux).
    pub f_end: Option<HostRows>,
}

/// Takes one step of `tab` from `(t, y)` with signed step `h`, given `f0 = f(t, y)`, the
/// linearization at `(t, y)` and the LU of `I − hγJ`; `eval` evaluates the dynamics.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rosenbrock_step(
    tab: &RosenbrockTableau,
    lin: &Linearization,
    lu: &RowLu,
    t: f64,
    y: &HostRows,
    f0: &HostRows,
    h: f64,
    eval: &mut impl FnMut(f64, &HostRows) -> Result<HostRows, SolveError>,
) -> Result<RosenbrockStep, SolveError> {
    let s = tab.stages();
    let hg = h * tab.gamma;
    let mut us: Vec<HostRows> = Vec::with_capacity(s);
    let mut f_end = None;
    for i in 0..s {
        let fi = if i == 0 {
            f0.clone()
        } else {
            let terms: Vec<(f64, &HostRows)> = tab.a[i].iter().copied().zip(&us).collect();
            eval(t + tab.c[i] * h, &y.add_scaled(&terms))?
        };
        // rhs = fᵢ + dᵢ h ∂f/∂t + Σ (Cᵢⱼ/h) uⱼ, then uᵢ = (I − hγJ)⁻¹ hγ·rhs.
        let coupling: Vec<(f64, &HostRows)> =
            tab.coupling[i].iter().map(|c| c / h).zip(&us).collect();
        let mut rhs = fi.add_scaled(&coupling);
        if let Some(dfdt) = &lin.dfdt
            && tab.d[i] != 0.0
        {
            let dh = tab.d[i] * h;
            for (r, d) in rhs.values.iter_mut().zip(dfdt) {
                *r += dh * d;
            }
        }
        if tab.fsal && i == s - 1 {
            f_end = Some(fi);
        }
        for r in &mut rhs.values {
            *r *= hg;
        }
        lu.solve(&mut rhs.values);
        us.push(rhs);
    }
    let weights: Vec<(f64, &HostRows)> = tab.m.iter().copied().zip(&us).collect();
    let y1 = y.add_scaled(&weights);
    Ok(RosenbrockStep { y1, us, f_end })
}

/// The embedded error estimate `Σ eᵢ uᵢ`.
pub(crate) fn error_estimate(tab: &RosenbrockTableau, us: &[HostRows]) -> HostRows {
    let terms: Vec<(f64, &HostRows)> = tab.e.iter().copied().zip(us).collect();
    us[0].zeros_like().add_scaled(&terms)
}

/// The solution at `t₀ + θh` inside an accepted step `y₀ → y₁` with stage values `us`.
pub(crate) fn dense_at(
    tab: &RosenbrockTableau,
    theta: f64,
    y0: &HostRows,
    y1: &HostRows,
    us: &[HostRows],
) -> HostRows {
    let w = tab.dense.weights(theta);
    let mut terms: Vec<(f64, &HostRows)> = vec![(w[1], y1)];
    terms.extend(w[2..].iter().copied().zip(us));
    let mut out = y0.zeros_like().add_scaled(&terms);
    for (o, a) in out.values.iter_mut().zip(&y0.values) {
        *o += w[0] * a;
    }
    out
}
