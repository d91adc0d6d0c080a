//! Fixed-step explicit methods (no error estimate).

use super::{ErrorEstimator, InterpolantKind, Tableau};

/// Forward Euler, order 1. Every fixed-step method below has its shape (no error estimate,
/// not FSAL, Hermite dense output, no midpoint weights) and its own coefficients and order.
pub const EULER: Tableau = Tableau {
    name: "euler",
    c: &[0.0],
    a: &[&[]],
    b: &[1.0],
    order: 1,
    error_order: 0,
    fsal: false,
    error: ErrorEstimator::None,
    interpolant: InterpolantKind::Hermite,
    midpoint: None,
    stiffness: None,
};

/// Explicit midpoint, order 2.
pub const MIDPOINT: Tableau = Tableau {
    name: "midpoint",
    c: &[0.0, 0.5],
    a: &[&[], &[0.5]],
    b: &[0.0, 1.0],
    order: 2,
    ..EULER
};

/// Heun's method (explicit trapezoid), order 2.
pub const HEUN: Tableau = Tableau {
    name: "heun",
    c: &[0.0, 1.0],
    a: &[&[], &[1.0]],
    b: &[0.5, 0.5],
    order: 2,
    ..EULER
};

/// The classical Runge–Kutta method, order 4.
pub const RK4: Tableau = Tableau {
    name: "rk4",
    c: &[0.0, 0.5, 0.5, 1.0],
    a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    order: 4,
    ..EULER
};

/// Kutta's 3/8 rule, order 4 (what torchdiffeq calls `rk4`).
pub const RK38: Tableau = Tableau {
    name: "rk38",
    c: &[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0],
    a: &[&[], &[1.0 / 3.0], &[-1.0 / 3.0, 1.0], &[1.0, -1.0, 1.0]],
    b: &[1.0 / 8.0, 3.0 / 8.0, 3.0 / 8.0, 1.0 / 8.0],
    order: 4,
    ..EULER
};
