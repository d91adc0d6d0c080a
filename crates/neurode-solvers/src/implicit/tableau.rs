//! Rosenbrock methods as `const` data, in Hairer & Wanner's transformed form.
//!
//! A step of an `s`-stage Rosenbrock method from `(t, y)` with step `h` solves, for
//! `i = 1 … s`, the linear systems
//!
//! ```text
//! (I/(hγ) − J) uᵢ = f(t + cᵢh, y + Σⱼ<ᵢ aᵢⱼ uⱼ) + Σⱼ<ᵢ (Cᵢⱼ/h) uⱼ + dᵢ h ∂f/∂t
//! y₁ = y + Σ mᵢ uᵢ,   err = Σ eᵢ uᵢ
//! ```
//!
//! with one Jacobian `J = ∂f/∂y` and one LU of `I − hγJ` per step (no Newton iteration). The
//! coefficients are those of the standard form `(I − hγJ) kᵢ = h f(y + Σ αᵢⱼkⱼ) + hJ Σ γᵢⱼkⱼ`
//! transformed by `u = Γk` (`a = αΓ⁻¹`, `C = diag(1/γ) − Γ⁻¹`, `m = bΓ⁻¹`), the form
//! Hairer's `RODAS` and OrdinaryDiffEq's `Rodas*` run. [`RosenbrockTableau::is_consistent`]
//! undoes the transformation at compile time and checks the standard form's conditions.

use crate::const_math::{abs, sum};

/// The largest number of stages a Rosenbrock tableau here has (for the compile-time checks).
const MAX_STAGES: usize = 8;
const TOL: f64 = 1e-12;

/// How a Rosenbrock method interpolates inside a step, from its stage values `uᵢ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RosenbrockDense {
    /// `y(t₀ + θh) = y₀ + Σₚ θᵖ Σᵢ wₚᵢ uᵢ` (row `p − 1` of the table holds `wₚ`): Shampine's
    /// 2nd-order interpolant of `ode23s`.
    Polynomial(&'static [&'static [f64]]),
    /// The Rodas family's stage-based interpolant (Steinebach): with `hⱼ = Σᵢ Hⱼᵢ uᵢ`,
    /// `y(θ) = (1 − θ) y₀ + θ (y₁ + (1 − θ)(h₁ + θ (h₂ + θ h₃)))` (3rd order).
    Rodas(&'static [&'static [f64]]),
}

impl RosenbrockDense {
    /// Weights on `[y₀, y₁, u₁ … uₛ]` of the solution at `t₀ + θh`.
    pub fn weights(&self, theta: f64) -> Vec<f64> {
        match self {
            RosenbrockDense::Polynomial(w) => {
                let s = w[0].len();
                let mut out = vec![1.0, 0.0];
                out.extend((0..s).map(|i| {
                    w.iter()
                        .enumerate()
                        .map(|(p, row)| theta.powi(p as i32 + 1) * row[i])
                        .sum::<f64>()
                }));
                out
            }
            RosenbrockDense::Rodas(hm) => {
                let one_minus = 1.0 - theta;
                let s = hm[0].len();
                let mut out = vec![one_minus, theta];
                out.extend((0..s).map(|i| {
                    let poly = hm[0][i] + theta * (hm[1][i] + theta * hm[2][i]);
                    theta * one_minus * poly
                }));
                out
            }
        }
    }
}

/// A Rosenbrock (linearly implicit Runge–Kutta) method as data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RosenbrockTableau {
    /// Short name (`"rodas5p"`), used in messages.
    pub name: &'static str,
    /// The diagonal `γ`: every stage solves with the one matrix `I − hγJ`.
    pub gamma: f64,
    /// Nodes `cᵢ` (`c₀ = 0`).
    pub c: &'static [f64],
    /// Stage coefficients `aᵢⱼ` (row `i` holds `aᵢ₀ … aᵢ,ᵢ₋₁`).
    pub a: &'static [&'static [f64]],
    /// Coupling coefficients `Cᵢⱼ` of earlier stage values (row `i` holds `Cᵢ₀ … Cᵢ,ᵢ₋₁`).
    pub coupling: &'static [&'static [f64]],
    /// Coefficients `dᵢ` of `h ∂f/∂t` (non-autonomous problems).
    pub d: &'static [f64],
    /// Weights `mᵢ` of the propagated solution.
    pub m: &'static [f64],
    /// Weights `eᵢ` of the embedded error estimate.
    pub e: &'static [f64],
    /// Order of the propagated solution.
    pub order: u32,
    /// Order of the embedded error estimate (the controller's exponent is `1 / (q + 1)`).
    pub error_order: u32,
    /// The last stage evaluates `f(t + h, y₁)` (its point uses the solution's weights), which
    /// is the next step's first stage.
    pub fsal: bool,
    /// The dense output.
    pub dense: RosenbrockDense,
}

impl RosenbrockTableau {
    /// Number of stages.
    pub const fn stages(&self) -> usize {
        self.c.len()
    }

    /// The standard form's conditions, evaluated at compile time for every tableau here:
    /// shapes agree, `c₀ = 0`, and with `Γ = (diag(1/γ) − C)⁻¹`, `α = aΓ`, `b = mΓ`,
    /// `b̂ = (m − e)Γ`: each row of `α` sums to its node, `dᵢ = Σⱼ Γᵢⱼ`, both weight vectors
    /// sum to one (order 1) and meet `Σ bᵢ βᵢ = 1/2 − γ` with `βᵢ = Σⱼ<ᵢ (αᵢⱼ + Γᵢⱼ)` (order 2);
    /// an FSAL method's last stage point is its solution at node 1.
    pub const fn is_consistent(&self) -> bool {
        let s = self.c.len();
        if s == 0 || s > MAX_STAGES || self.c[0] != 0.0 || self.gamma <= 0.0 {
            return false;
        }
        if self.a.len() != s
            || self.coupling.len() != s
            || self.d.len() != s
            || self.m.len() != s
            || self.e.len() != s
        {
            return false;
        }
        // Γ⁻¹ (lower triangular), then Γ by forward substitution, column by column.
        let mut inv = [[0.0; MAX_STAGES]; MAX_STAGES];
        let mut i = 0;
        while i < s {
            if self.a[i].len() != i || self.coupling[i].len() != i {
                return false;
            }
            inv[i][i] = 1.0 / self.gamma;
            let mut j = 0;
            while j < i {
                inv[i][j] = -self.coupling[i][j];
                j += 1;
            }
            i += 1;
        }
        let mut g = [[0.0; MAX_STAGES]; MAX_STAGES];
        let mut col = 0;
        while col < s {
            let mut row = col;
            while row < s {
                let mut acc = if row == col { 1.0 } else { 0.0 };
                let mut k = col;
                while k < row {
                    acc -= inv[row][k] * g[k][col];
                    k += 1;
                }
                g[row][col] = acc / inv[row][row];
                row += 1;
            }
            col += 1;
        }
        // α = aΓ, b = mΓ, b̂ = (m − e)Γ.
        let mut alpha = [[0.0; MAX_STAGES]; MAX_STAGES];
        let (mut b, mut b_hat) = ([0.0; MAX_STAGES], [0.0; MAX_STAGES]);
        let mut j = 0;
        while j < s {
            let mut k = 0;
            while k < s {
                b[j] += self.m[k] * g[k][j];
                b_hat[j] += (self.m[k] - self.e[k]) * g[k][j];
                let mut r = 0;
                while r < s {
                    if k < r {
                        alpha[r][j] += self.a[r][k] * g[k][j];
                    }
                    r += 1;
                }
                k += 1;
            }
            j += 1;
        }
        let mut i = 0;
        while i < s {
            let (mut row_sum, mut g_sum) = (0.0, 0.0);
            let mut j = 0;
            while j < s {
                row_sum += alpha[i][j];
                g_sum += g[i][j];
                j += 1;
            }
            if abs(row_sum - self.c[i]) > TOL || abs(g_sum - self.d[i]) > TOL {
                return false;
            }
            i += 1;
        }
        let (mut beta_b, mut beta_b_hat) = (0.0, 0.0);
        let mut i = 0;
        while i < s {
            let mut beta = 0.0;
            let mut j = 0;
            while j < i {
                beta += alpha[i][j] + g[i][j];
                j += 1;
            }
            beta_b += b[i] * beta;
            beta_b_hat += b_hat[i] * beta;
            i += 1;
        }
        let half = 0.5 - self.gamma;
        if abs(sum(&b) - 1.0) > TOL
            || abs(sum(&b_hat) - 1.0) > TOL
            || abs(beta_b - half) > TOL
            || (self.error_order >= 2 && abs(beta_b_hat - half) > TOL)
        {
            return false;
        }
        if self.fsal {
            let last = self.a[s - 1];
            if self.c[s - 1] != 1.0 || self.m[s - 1] != 0.0 {
                return false;
            }
            let mut j = 0;
            while j < s - 1 {
                if last[j] != self.m[j] {
                    return false;
                }
                j += 1;
            }
        }
        true
    }
}
