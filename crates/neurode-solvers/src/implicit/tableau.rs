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

/// `2 + √2`, to the last digit (Shampine's `ode23s` lives on `d = 1/(2 + √2)`).
const TWO_PLUS_SQRT2: f64 = 3.414_213_562_373_095;

/// Shampine's `ode23s` (Shampine & Reichelt 1997; OrdinaryDiffEq's `Rosenbrock23`): order 2
/// with a 3rd-order error estimate whose last stage is the next step's first (two new
/// evaluations a step), L-stable, for loose tolerances and problems whose Jacobian is only
/// approximate. Coefficients: `bench/stiff/rosenbrock23_coefficients.py` (40 digits).
pub const ROSENBROCK23: RosenbrockTableau = RosenbrockTableau {
    name: "rosenbrock23",
    gamma: 1.0 / TWO_PLUS_SQRT2,
    c: &[0.0, 0.5, 1.0],
    a: &[
        &[],
        &[TWO_PLUS_SQRT2 / 2.0],
        &[TWO_PLUS_SQRT2, TWO_PLUS_SQRT2],
    ],
    coupling: &[
        &[],
        &[-TWO_PLUS_SQRT2],
        &[-6.828_427_124_746_19, -25.313_708_498_984_76],
    ],
    d: &[1.0 / TWO_PLUS_SQRT2, 0.0, -1.0 / TWO_PLUS_SQRT2],
    m: &[TWO_PLUS_SQRT2, TWO_PLUS_SQRT2, 0.0],
    e: &[
        0.569_035_593_728_849_2,
        3.080_880_229_039_762,
        0.569_035_593_728_849_2,
    ],
    order: 2,
    // The estimate h/6 (k₁ − 2k₂ + k₃) is the order-2 solution's local error, O(h³).
    error_order: 2,
    fsal: true,
    dense: RosenbrockDense::Polynomial(&[
        &[TWO_PLUS_SQRT2, -4.828_427_124_746_19, 0.0],
        &[0.0, 8.242_640_687_119_286, 0.0],
    ]),
};

/// Rodas5P (Steinebach 2023, BIT 63:27; OrdinaryDiffEq's `Rodas5P`): order 5 with an
/// embedded order-4 estimate (the last stage value), 8 stages (8 evaluations a step), stiffly
/// accurate and L-stable, with a 3rd-order stage-based dense output; the tight-tolerance stiff
/// method. Coefficients as OrdinaryDiffEq.jl's `rosenbrock_tableaus.jl` prints them.
pub const RODAS5P: RosenbrockTableau = RosenbrockTableau {
    name: "rodas5p",
    gamma: 0.21193756319429014,
    a: &[
        &[],
        &[3.0],
        &[2.849394379747939, 0.45842242204463923],
        &[-6.954028509809101, 2.489845061869568, -10.358996098473584],
        &[
            2.8029986275628964,
            0.5072464736228206,
            -0.3988312541770524,
            -0.04721187230404641,
        ],
        &[
            -7.502846399306121,
            2.561846144803919,
            -11.627539656261098,
            -0.18268767659942256,
            0.030198172008377946,
        ],
        &[
            -7.502846399306121,
            2.561846144803919,
            -11.627539656261098,
            -0.18268767659942256,
            0.030198172008377946,
            1.0,
        ],
        &[
            -7.502846399306121,
            2.561846144803919,
            -11.627539656261098,
            -0.18268767659942256,
            0.030198172008377946,
            1.0,
            1.0,
        ],
    ],
    coupling: &[
        &[],
        &[-14.155112264123755],
        &[-17.97296035885952, -2.859693295451294],
        &[147.12150275711716, -1.41221402718213, 71.68940251302358],
        &[
            165.43517024871676,
            -0.4592823456491126,
            42.90938336958603,
            -5.961986721573306,
        ],
        &[
            24.854864614690072,
            -3.0009227002832186,
            47.4931110020768,
            5.5814197821558125,
            -0.6610691825249471,
        ],
        &[
            30.91273214028599,
            -3.1208243349937974,
            77.79954646070892,
            34.28646028294783,
            -19.097331116725623,
            -28.087943162872662,
        ],
        &[
            37.80277123390563,
            -3.2571969029072276,
            112.26918849496327,
            66.9347231244047,
            -40.06618937091002,
            -54.66780262877968,
            -9.48861652309627,
        ],
    ],
    c: &[
        0.0,
        0.6358126895828704,
        0.4095798393397535,
        0.9769306725060716,
        0.4288403609558664,
        1.0,
        1.0,
        1.0,
    ],
    d: &[
        0.21193756319429014,
        -0.42387512638858027,
        -0.3384627126235924,
        1.8046452872882734,
        2.325825639765069,
        0.0,
        0.0,
        0.0,
    ],
    m: &[
        -7.502846399306121,
        2.561846144803919,
        -11.627539656261098,
        -0.18268767659942256,
        0.030198172008377946,
        1.0,
        1.0,
        1.0,
    ],
    order: 5,
    error_order: 4,
    fsal: false,
    e: &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    dense: RosenbrockDense::Rodas(&[
        &[
            25.948786856663858,
            -2.5579724845846235,
            10.433815404888879,
            -2.3679251022685204,
            0.524948541321073,
            1.1241088310450404,
            0.4272876194431874,
            -0.17202221070155493,
        ],
        &[
            -9.91568850695171,
            -0.9689944594115154,
            3.0438037242978453,
            -24.495224566215796,
            20.176138334709044,
            15.98066361424651,
            -6.789040303419874,
            -6.710236069923372,
        ],
        &[
            11.419903575922262,
            2.8879645146136994,
            72.92137995996029,
            80.12511834622643,
            -52.072871366152654,
            -59.78993625266729,
            -0.15582684282751913,
            4.883087185713722,
        ],
    ]),
};

// Compile-time validation: a wrong coefficient is a build error, not a wrong answer.
const _: () = assert!(ROSENBROCK23.is_consistent());
const _: () = assert!(RODAS5P.is_consistent());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_coefficient_is_caught() {
        const BAD: RosenbrockTableau = RosenbrockTableau {
            gamma: 0.3,
            ..ROSENBROCK23
        };
        assert!(!BAD.is_consistent());
        const BAD_D: RosenbrockTableau = RosenbrockTableau {
            d: &[0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ..RODAS5P
        };
        assert!(!BAD_D.is_consistent());
    }

    #[test]
    fn dense_output_ends_on_the_solution() {
        // θ = 1 must give y₁ = y₀ + Σ mᵢuᵢ.
        let RosenbrockDense::Polynomial(w) = ROSENBROCK23.dense else {
            unreachable!()
        };
        for i in 0..3 {
            let at_one: f64 = w.iter().map(|p| p[i]).sum();
            assert!((at_one - ROSENBROCK23.m[i]).abs() < 1e-14, "{i}");
        }
    }
}
