//! Embedded pairs with adaptive step-size control: Bogacki–Shampine 3(2), Dormand–Prince 5(4)
//! and Tsitouras 5(4). All three are FSAL.

use super::{ErrorEstimator, InterpolantKind, StiffnessProbe, Tableau};

/// The weights of a seven-stage FSAL method: its last stage row, then `b₇ = 0` (the last stage,
/// evaluated at the step's end, is the next step's first).
const fn fsal_weights(last_row: [f64; 6]) -> [f64; 7] {
    let [b1, b2, b3, b4, b5, b6] = last_row;
    [b1, b2, b3, b4, b5, b6, 0.0]
}

/// Bogacki–Shampine 3(2) (`bosh3`; MATLAB's `ode23`).
pub const BOSH3: Tableau = Tableau {
    name: "bosh3",
    c: &[0.0, 0.5, 0.75, 1.0],
    a: &[
        &[],
        &[0.5],
        &[0.0, 0.75],
        &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0],
    ],
    b: &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    order: 3,
    error_order: 2,
    fsal: true,
    // b − b̂ with b̂ = (7/24, 1/4, 1/3, 1/8).
    error: ErrorEstimator::Embedded(&[
        2.0 / 9.0 - 7.0 / 24.0,
        1.0 / 3.0 - 1.0 / 4.0,
        4.0 / 9.0 - 1.0 / 3.0,
        -1.0 / 8.0,
    ]),
    interpolant: InterpolantKind::Hermite,
    // torchdiffeq's `bosh3` midpoint: y₀ + h/2 · k₂.
    midpoint: Some(&[0.0, 0.5, 0.0, 0.0]),
    stiffness: None,
};

/// DOPRI5's last stage row `a₇₁ … a₇₆`: its weights `b₁ … b₆` (FSAL).
const DOPRI5_LAST_ROW: [f64; 6] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
];

/// Dormand–Prince 5(4) (`dopri5`; MATLAB's `ode45`, torchdiffeq's default), with its own
/// 4th-order dense output.
pub const DOPRI5: Tableau = Tableau {
    name: "dopri5",
    c: &[0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0],
    a: &[
        &[],
        &[1.0 / 5.0],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
        ],
        &[
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
        ],
        &DOPRI5_LAST_ROW,
    ],
    b: &fsal_weights(DOPRI5_LAST_ROW),
    order: 5,
    error_order: 4,
    fsal: true,
    error: ErrorEstimator::Embedded(&[
        71.0 / 57600.0,
        0.0,
        -71.0 / 16695.0,
        71.0 / 1920.0,
        -17253.0 / 339200.0,
        22.0 / 525.0,
        -1.0 / 40.0,
    ]),
    interpolant: InterpolantKind::Dopri5(&[
        -12715105075.0 / 11282082432.0,
        0.0,
        87487479700.0 / 32700410799.0,
        -10690763975.0 / 1880347072.0,
        701980252875.0 / 199316789632.0,
        -1453857185.0 / 822651844.0,
        69997945.0 / 29380423.0,
    ]),
    // Shampine's (1986) continuous extension at θ = ½ (torchdiffeq's `DPS_C_MID`).
    midpoint: Some(&[
        6025192743.0 / 30085553152.0 / 2.0,
        0.0,
        51252292925.0 / 65400821598.0 / 2.0,
        -2691868925.0 / 45128329728.0 / 2.0,
        187940372067.0 / 1594534317056.0 / 2.0,
        -1776094331.0 / 19743644256.0 / 2.0,
        11237099.0 / 235043384.0 / 2.0,
    ]),
    // Hairer's `dopri5.f`: stage 6 sits at node 1 beside the FSAL stage 7; bound 3.25.
    stiffness: Some(StiffnessProbe {
        stage: 5,
        bound: 3.25,
    }),
};

/// DOPRI5 as torchdiffeq writes it: the same stages, weights and dense-output data, with
/// another embedded 4th-order solution (`b̂ = 1951/21600, 0, 22642/50085, 451/720,
/// −12231/42400, 649/6300, 1/60`, torchdiffeq's `c_error = b − b̂`), so its error estimates
/// and step sizes differ from Hairer's. Used by [`Convention::Torchdiffeq`](crate::Convention).
pub const DOPRI5_TORCHDIFFEQ: Tableau = Tableau {
    error: ErrorEstimator::Embedded(&[
        35.0 / 384.0 - 1951.0 / 21600.0,
        0.0,
        500.0 / 1113.0 - 22642.0 / 50085.0,
        125.0 / 192.0 - 451.0 / 720.0,
        -2187.0 / 6784.0 + 12231.0 / 42400.0,
        11.0 / 84.0 - 649.0 / 6300.0,
        -1.0 / 60.0,
    ]),
    ..DOPRI5
};

/// TSIT5's last stage row `a₇₁ … a₇₆`: its weights `b₁ … b₆` (FSAL).
const TSIT5_LAST_ROW: [f64; 6] = [
    0.096_460_766_818_065_23,
    0.01,
    0.479_889_650_414_499_6,
    1.379_008_574_103_742,
    -3.290_069_515_436_081,
    2.324_710_524_099_774,
];

/// Tsitouras 5(4) (`tsit5`; the default of DifferentialEquations.jl and diffrax's favourite).
pub const TSIT5: Tableau = Tableau {
    name: "tsit5",
    c: &[0.0, 0.161, 0.327, 0.9, 0.980_025_540_904_509_7, 1.0, 1.0],
    a: &[
        &[],
        &[0.161],
        &[-0.008_480_655_492_356_989, 0.335_480_655_492_357],
        &[
            2.897_153_057_105_493_4,
            -6.359_448_489_975_075,
            4.362_295_432_869_581,
        ],
        &[
            5.325_864_828_439_257,
            -11.748_883_564_062_828,
            7.495_539_342_889_836,
            -0.092_495_066_361_755_25,
        ],
        &[
            5.861_455_442_946_42,
            -12.920_969_317_847_11,
            8.159_367_898_576_159,
            -0.071_584_973_281_401,
            -0.028_269_050_394_068_383,
        ],
        &TSIT5_LAST_ROW,
    ],
    b: &fsal_weights(TSIT5_LAST_ROW),
    order: 5,
    error_order: 4,
    fsal: true,
    // b − b̂ (Tsitouras 2011, with the corrected sign of the last entry).
    error: ErrorEstimator::Embedded(&[
        0.096_460_766_818_065_23 - 0.094_680_755_765_839_46,
        0.01 - 0.009_183_565_540_343_254,
        0.479_889_650_414_499_6 - 0.487_770_528_424_761_6,
        1.379_008_574_103_742 - 1.234_297_566_930_479,
        -3.290_069_515_436_081 + 2.707_712_349_983_525_5,
        2.324_710_524_099_774 - 1.866_628_418_170_587,
        -1.0 / 66.0,
    ]),
    interpolant: InterpolantKind::Tsit5,
    midpoint: None,
    stiffness: None,
};
