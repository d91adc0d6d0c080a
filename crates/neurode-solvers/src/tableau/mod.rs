//! Butcher tableaux as `const` data.
//!
//! Every method is only data: one [`Tableau`] per method, run by the single generic explicit
//! Runge–Kutta stepper (`stepper.rs`). Each tableau is checked at compile time by
//! [`Tableau::is_consistent`] (row sums equal the nodes `c`, weights sum to one, error weights
//! sum to zero, FSAL rows match the weights), so a typo in a coefficient fails the build.

mod adaptive;
mod dop853;
mod fixed;

pub use adaptive::{BOSH3, DOPRI5, DOPRI5_TORCHDIFFEQ, TSIT5};
pub use dop853::{DOP853, DOP853_DENSE};
pub use fixed::{EULER, HEUN, MIDPOINT, RK4, RK38};

use crate::const_math::{abs, sum};
use crate::implicit::tableau::RosenbrockDense;

/// How a method estimates its local error (adaptive methods only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorEstimator {
    /// A fixed-step method: no error estimate.
    None,
    /// An embedded pair: `err = h · Σ eᵢ kᵢ` with `eᵢ = bᵢ − b̂ᵢ`.
    Embedded(&'static [f64]),
    /// Hairer's DOP853 estimator, which blends a 5th- and a 3rd-order estimate:
    /// `‖err‖ = S₅ / √(n (S₅ + 0.01 S₃))` with `Sₚ` the squared scaled norm of `h Σ eₚ,ᵢ kᵢ`.
    Dop853 {
        /// 5th-order error weights.
        e5: &'static [f64],
        /// 3rd-order error weights.
        e3: &'static [f64],
    },
}

/// How a method produces the solution between two accepted steps (dense output).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InterpolantKind {
    /// Cubic Hermite interpolation through `y₀, y₁, f₀, f₁` (3rd order, any method).
    Hermite,
    /// Dormand–Prince's own 4th-order continuous extension (Shampine 1986, Hairer's `CONTD5`):
    /// the coefficients `d₁ … d₇` weight the seven stages.
    Dopri5(&'static [f64; 7]),
    /// Tsitouras' own 4th-order continuous extension: `y(θ) = y₀ + h Σ bᵢ(θ) kᵢ` with the
    /// polynomials of Tsitouras (2011), as in diffrax and OrdinaryDiffEq.
    Tsit5,
    /// DOP853's own 7th-order continuous extension (Hairer's `CONTD8`): three extra stages,
    /// evaluated only for steps that hold an output time.
    Dop853(&'static Dop853Dense),
    /// torchdiffeq's dense output for adaptive methods: the quartic through `y₀`, `y₁`, the
    /// midpoint estimate `y₀ + h Σ mᵢ kᵢ` (the tableau's [`Tableau::midpoint`] weights) and
    /// the slopes `f₀`, `f₁` (4th order for DOPRI5).
    MidpointQuartic(&'static [f64]),
    /// Straight lines between the step's ends: torchdiffeq's default for fixed-step methods.
    Linear,
    /// A Rosenbrock method's own dense output from its stage values (basis `[y₁, u₁ … uₛ]`).
    Rosenbrock(RosenbrockDense),
}

/// Data of DOP853's dense output: the three extra stages and the `D` coefficients that,
/// with `y₀, y₁, f₀, f₁`, give the seven polynomial coefficients `F₀ … F₆` of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dop853Dense {
    /// Nodes of the extra stages 14, 15, 16.
    pub c: [f64; 3],
    /// Coefficients of the extra stages on the previous 13, 14, 15 stages.
    pub a: [&'static [f64]; 3],
    /// `F₃ … F₆ = h Σⱼ Dᵢⱼ kⱼ` over all 16 stages.
    pub d: [[f64; 16]; 4],
}

/// An explicit Runge–Kutta method as data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tableau {
    /// Short name (`"dopri5"`), used in messages.
    pub name: &'static str,
    /// Nodes `cᵢ` (one per stage, `c₀ = 0`).
    pub c: &'static [f64],
    /// Strictly lower-triangular coefficients: row `i` holds `aᵢ₀ … aᵢ,ᵢ₋₁` (row 0 is empty).
    pub a: &'static [&'static [f64]],
    /// Weights `bᵢ` of the propagated solution.
    pub b: &'static [f64],
    /// Order of the propagated solution.
    pub order: u32,
    /// Order of the embedded error estimate (the controller's exponent is `1 / (q + 1)`).
    pub error_order: u32,
    /// First Same As Last: the last stage is evaluated at `(t + h, y₁)` and is the next
    /// step's first stage.
    pub fsal: bool,
    /// The error estimator (`None` for fixed-step methods).
    pub error: ErrorEstimator,
    /// The dense-output interpolant.
    pub interpolant: InterpolantKind,
    /// Weights `mᵢ` of a midpoint estimate `y(t + h/2) ≈ y + h Σ mᵢ kᵢ` (torchdiffeq's `mid`),
    /// for torchdiffeq's quartic dense output ([`InterpolantKind::MidpointQuartic`]); `None`
    /// for methods torchdiffeq does not have.
    pub midpoint: Option<&'static [f64]>,
    /// Hairer's stiffness test, where the method has one (DOPRI5, DOP853).
    pub stiffness: Option<StiffnessProbe>,
}

/// Hairer's stiffness test for an explicit method whose stage `stage` sits at node 1 beside
/// `f(t + h, y₁)`: `hλ ≈ |h| ‖f(t + h, y₁) − kₛ‖ / ‖y₁ − yₛ‖` (two evaluations at the step's
/// end give a dominant-eigenvalue estimate for free); stiff when above `bound` (the
/// method's stability boundary along the negative real axis, as `dopri5.f` and `dop853.f`
/// set it) on 15 checks in a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StiffnessProbe {
    /// The stage at node 1 whose point and derivative the test compares with the solution's.
    pub stage: usize,
    /// The bound on `|hλ|`.
    pub bound: f64,
}

const TOL: f64 = 1e-12;

impl Tableau {
    /// Number of stages.
    pub const fn stages(&self) -> usize {
        self.c.len()
    }

    /// Whether the method has an error estimate (and so adaptive step-size control).
    pub const fn is_adaptive(&self) -> bool {
        !matches!(self.error, ErrorEstimator::None)
    }

    /// The consistency conditions every explicit RK tableau must meet (evaluated at compile time
    /// for every tableau in this crate): shapes agree, `c₀ = 0`, each row of `a` sums to its
    /// node `cᵢ`, the weights sum to one, error weights sum to zero, and an FSAL method's last
    /// row equals its weights at node 1.
    pub const fn is_consistent(&self) -> bool {
        let s = self.c.len();
        if s == 0 || self.a.len() != s || self.b.len() != s || self.c[0] != 0.0 {
            return false;
        }
        let mut i = 0;
        while i < s {
            if self.a[i].len() != i || abs(sum(self.a[i]) - self.c[i]) > TOL {
                return false;
            }
            i += 1;
        }
        if abs(sum(self.b) - 1.0) > TOL {
            return false;
        }
        match self.error {
            ErrorEstimator::None => {}
            ErrorEstimator::Embedded(e) => {
                if e.len() != s || abs(sum(e)) > TOL {
                    return false;
                }
            }
            ErrorEstimator::Dop853 { e5, e3 } => {
                if e5.len() != s || e3.len() != s || abs(sum(e5)) > TOL || abs(sum(e3)) > TOL {
                    return false;
                }
            }
        }
        if let Some(m) = self.midpoint
            && (m.len() != s || abs(sum(m) - 0.5) > TOL)
        {
            return false;
        }
        if let Some(p) = self.stiffness
            && (p.stage >= s || self.c[p.stage] != 1.0 || !self.is_adaptive())
        {
            return false;
        }
        if self.fsal {
            let last = self.a[s - 1];
            if abs(self.c[s - 1] - 1.0) > TOL || self.b[s - 1] != 0.0 {
                return false;
            }
            let mut j = 0;
            while j < s - 1 {
                if abs(last[j] - self.b[j]) > TOL {
                    return false;
                }
                j += 1;
            }
        }
        true
    }
}

impl Dop853Dense {
    /// Row sums of the extra stages equal their nodes.
    pub const fn is_consistent(&self) -> bool {
        let mut i = 0;
        while i < 3 {
            if self.a[i].len() != 13 + i || abs(sum(self.a[i]) - self.c[i]) > TOL {
                return false;
            }
            i += 1;
        }
        true
    }
}

// Compile-time validation: a wrong coefficient is a build error, not a wrong answer.
const _: () = assert!(EULER.is_consistent());
const _: () = assert!(MIDPOINT.is_consistent());
const _: () = assert!(HEUN.is_consistent());
const _: () = assert!(RK4.is_consistent());
const _: () = assert!(RK38.is_consistent());
const _: () = assert!(BOSH3.is_consistent());
const _: () = assert!(DOPRI5.is_consistent());
const _: () = assert!(DOPRI5_TORCHDIFFEQ.is_consistent());
const _: () = assert!(TSIT5.is_consistent());
const _: () = assert!(DOP853.is_consistent());
const _: () = assert!(DOP853_DENSE.is_consistent());

#[cfg(test)]
mod tests {
    use super::*;

    /// `Σ bᵢ cᵢ^(k-1) = 1/k` for k up to the order (the bushy-tree conditions) — a cheap
    /// runtime check that complements the compile-time consistency checks.
    fn quadrature_order_holds(t: &Tableau) -> bool {
        (1..=t.order.min(8)).all(|k| {
            let s: f64 =
                t.b.iter()
                    .zip(t.c)
                    .map(|(b, c)| b * c.powi(k as i32 - 1))
                    .sum();
            (s - 1.0 / f64::from(k)).abs() < 1e-10
        })
    }

    #[test]
    fn quadrature_conditions_hold_for_every_tableau() {
        for t in [
            EULER, MIDPOINT, HEUN, RK4, RK38, BOSH3, DOPRI5, TSIT5, DOP853,
        ] {
            assert!(quadrature_order_holds(&t), "{}", t.name);
        }
    }

    #[test]
    fn an_inconsistent_tableau_is_rejected() {
        const BAD: Tableau = Tableau {
            b: &[0.4, 0.5],
            ..HEUN
        };
        assert!(!BAD.is_consistent());
        const BAD_ROW: Tableau = Tableau {
            a: &[&[], &[0.9]],
            ..HEUN
        };
        assert!(!BAD_ROW.is_consistent());
    }
}
