//! Test problems with exact (or reference) solutions.

use super::{Device, Tensor, tensor};

/// `y' = -λ y`, exact `y0 e^(-λ t)`.
pub const DECAY_RATE: f64 = 0.7;

/// Dynamics of the decay problem.
pub fn decay(_t: f64, y: &Tensor<2>) -> Tensor<2> {
    y.clone().mul_scalar(-DECAY_RATE)
}

/// Exact decay solution for the given initial values.
pub fn decay_exact(y0: &[f64], t: f64) -> Vec<f64> {
    y0.iter().map(|v| v * (-DECAY_RATE * t).exp()).collect()
}

/// Rotation with decay as a row-vector system `y' = y M`, `M = [[-0.1, 1], [-1, -0.1]]`:
/// with `z = y₁ + i y₂`, `z' = (−0.1 + i) z`, so `z(t) = z₀ e^{(−0.1 + i) t}`.
pub fn rotation_matrix(device: &Device) -> Tensor<2> {
    tensor(&[[-0.1, 1.0], [-1.0, -0.1]], device)
}

/// Exact rotation–decay solution, rows `[y1, y2]`.
pub fn rotation_exact(y0: &[[f64; 2]], t: f64) -> Vec<f64> {
    let (c, s, e) = (t.cos(), t.sin(), (-0.1 * t).exp());
    y0.iter()
        .flat_map(|[a, b]| [e * (a * c - b * s), e * (a * s + b * c)])
        .collect()
}

/// `y' = −y + sin t`, `y(0) = 1`, exact `1.5 e^{−t} + (sin t − cos t)/2`.
pub fn forced(t: f64, y: &Tensor<2>) -> Tensor<2> {
    y.clone().neg().add_scalar(t.sin())
}

/// Exact forced solution from `y(0) = 1`.
pub fn forced_exact(t: f64) -> f64 {
    1.5 * (-t).exp() + 0.5 * (t.sin() - t.cos())
}

/// A nonlinear, non-autonomous pair for order tests: `[y' = −y + sin t, z' = z (1 − z)]` on a
/// `[1, 2]` state, exact `[forced_exact(t), 1 / (1 + (1/z₀ − 1) e^{−t})]`.
pub fn mixed(t: f64, y: &Tensor<2>, device: &Device) -> Tensor<2> {
    let lin = tensor(&[[-1.0, 1.0]], device);
    let quad = tensor(&[[0.0, -1.0]], device);
    let force = tensor(&[[t.sin(), 0.0]], device);
    y.clone() * lin + y.clone() * y.clone() * quad + force
}

/// Exact solution of [`mixed`] from `[1, 0.2]`.
pub fn mixed_exact(t: f64) -> [f64; 2] {
    let z0: f64 = 0.2;
    [forced_exact(t), 1.0 / (1.0 + (1.0 / z0 - 1.0) * (-t).exp())]
}

/// The paper-000 cubic spiral `y' = (y ∘ y ∘ y) A`, `A = [[-0.1, 2], [-2, -0.1]]`.
pub fn spiral_matrix(device: &Device) -> Tensor<2> {
    tensor(&[[-0.1, 2.0], [-2.0, -0.1]], device)
}

/// The spiral dynamics for a given `A`.
pub fn spiral(a: &Tensor<2>) -> impl Fn(f64, &Tensor<2>) -> Tensor<2> + '_ {
    move |_t, y| (y.clone() * y.clone() * y.clone()).matmul(a.clone())
}

/// `n` evenly spaced times on `[t0, t1]`.
pub fn linspace(t0: f64, t1: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| t0 + (t1 - t0) * i as f64 / (n - 1) as f64)
        .collect()
}
