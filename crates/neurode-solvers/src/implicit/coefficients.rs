//! The Rosenbrock methods' coefficients: Shampine's `ode23s` and Steinebach's Rodas5P, each
//! checked at compile time by [`RosenbrockTableau::is_consistent`].

use super::tableau::{RosenbrockDense, RosenbrockTableau};

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
