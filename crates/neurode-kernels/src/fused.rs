//! Fused operations for the CPU: an affine layer and its activation, `act(x·W + b)`, and a
//! linear combination `Σ cᵢ·tᵢ` (a Runge–Kutta stage), each as one operation.
//!
//! Composed from Burn's ops, a `tanh` layer records four operations on an autodiff device
//! (matmul, bias add, and the two of neurode's tanh) at 2–3 µs of bookkeeping each, plus a
//! copy of the pre-activation to the host and two uploads. Here it is one recorded operation
//! with a hand-written backward: forward `z = x·W` (`gemm`, as flex's matmul calls it), then
//! bias and activation in one host pass; backward `dz = dy ⊙ act'(y)` and the bias gradient in one
//! host pass, then `dx = dz·Wᵀ` and `dW = xᵀ·dz`. The arithmetic is the same as the composed
//! ops (the same [`tanh_f32`](crate::tanh_f32) values; `tanh' = 1 − y²`).
//!
//! A Runge–Kutta stage `y + h·Σ aⱼ·kⱼ` composed from Burn's ops records two operations per
//! term (scale, add); [`linear_combination`] records one for all terms, whose backward hands
//! each input `cᵢ·g`, with the same arithmetic in the same order (f32 or f64).
//!
//! Both apply to tensors on the flex backend (the affine kernels to f32, the linear
//! combination to f32 and f64), with or without a tape (the default, non-checkpointing
//! autodiff). Everywhere else they return `None` and the caller composes Burn's ops.

#![cfg_attr(not(feature = "flex"), allow(unused_variables))]

use burn::Tensor;

use crate::FusedActivation;
#[cfg(feature = "flex")]
use crate::flex;

/// `$kernel` (a call into the flex kernels) in a build with the `flex` feature; `None` in a
/// build without it (whose entry points leave their arguments unused, hence the module's
/// `allow`).
macro_rules! flex_or_none {
    ($kernel:expr) => {{
        #[cfg(feature = "flex")]
        {
            $kernel
        }
        #[cfg(not(feature = "flex"))]
        {
            None
        }
    }};
}

/// `activation(x·weight + bias)` for `x: [batch, in]`, `weight: [in, out]`, `bias: [out]`
/// (Burn's `Linear` layout), as one operation — one recorded node on an autodiff device.
///
/// Returns `None` where no fused kernel applies (a backend other than flex, a float type
/// other than f32, a checkpointing autodiff device, tensors on different devices or of
/// mismatched shapes, no output columns, or a build without the `flex` feature); the caller
/// then composes Burn's ops, which give the same values.
pub fn affine(
    x: &Tensor<2>,
    weight: &Tensor<2>,
    bias: &Tensor<1>,
    activation: FusedActivation,
) -> Option<Tensor<2>> {
    flex_or_none!(flex::affine::affine(x, weight, bias, activation, false))
}

/// `activation(x³·weight + bias)` (with `x³ = x ⊙ x ⊙ x`): [`affine`] on the cubed input,
/// the cube folded into the same recorded node (paper 000's networks all start on `h³`).
/// `None` where [`affine`] would be.
pub fn affine_of_cube(
    x: &Tensor<2>,
    weight: &Tensor<2>,
    bias: &Tensor<1>,
    activation: FusedActivation,
) -> Option<Tensor<2>> {
    flex_or_none!(flex::affine::affine(x, weight, bias, activation, true))
}

/// `Σ cᵢ·tᵢ` over tensors of one shape, as one operation — one recorded node on an autodiff
/// device, whose backward gives input `i` the gradient `cᵢ·g`. Coefficients are applied in
/// the tensors' float type, terms summed in order (as `c₀·t₀ + c₁·t₁ + …` composed from
/// Burn's ops).
///
/// Applies to f32 and f64 tensors on flex); the caller then composes Burn's ops, which give the same
/// values bit for bit.
pub fn linear_combination<const D: usize>(terms: &[(f64, &Tensor<D>)]) -> Option<Tensor<D>> {
    flex_or_none!(flex::combine::linear_combination(terms))
}

/// `y + h ⊙ Σ cᵢ·kᵢ` with one `h` per row of the `[rows, cols]` tensors (a per-row
/// Runge–Kutta stage), as one operation — one recorded node on an autodiff device, whose
/// backward gives `y` the gradient `g` and `kᵢ` the gradient `cᵢ·(h ⊙ g)`. The same arithmetic
/// in the same order as `y + Σ(cᵢ·kᵢ) ⊙ h` composed from Burn's ops.
///
/// Applies to f32 and f64 tensors on flex; `None` elsewhere (see [`linear_combination`]), for
/// no terms, more than 15, a `h` of another length than the rows, or mismatched tensors.
pub fn row_combination(y: &Tensor<2>, h: &[f64], terms: &[(f64, &Tensor<2>)]) -> Option<Tensor<2>> {
    flex_or_none!(flex::row_combine::row_combination(y, h, terms))
}

/// Per row of the `[rows, cols]` tensors, `Σⱼ (errᵢⱼ / (atol + rtol·max(|y0ᵢⱼ|, |y1ᵢⱼ|)))²`
/// with `err = h ⊙ Σ cᵢ·kᵢ` (one `h` per row): the squared scaled local errors of a per-row
/// Runge–Kutta step, in one pass, off the tape. Per element the arithmetic of the composed
/// ops (`Σ cᵢ·kᵢ` in order, `⊙ h`, `/ scale`, square) in the tensors' float type; each row's
/// squares summed in order in f64.
///
/// Applies to f32 and f64 tensors on flex (with or without a tape); `None` elsewhere (see
/// [`linear_combination`]), for no terms, more than 16, a `h` of another length than the
/// rows, or mismatched tensors.
pub fn row_error_sq_sums(step: RowErrorStep<'_>) -> Option<Vec<f64>> {
    flex_or_none!(flex::row_error::row_error_sq_sums(step))
}

/// What [`row_error_sq_sums`] reads: the step's ends `y0`, `y1` (`[rows, cols]`), each row's
/// step `h`, the stages `kᵢ` with their error weights `cᵢ`, and the tolerances.
#[derive(Debug, Clone, Copy)]
pub struct RowErrorStep<'a> {
    /// The state at the start of the step.
    pub y0: &'a Tensor<2>,
    /// The state at its end.
    pub y1: &'a Tensor<2>,
    /// Each row's step size.
    pub h: &'a [f64],
    /// `(cᵢ, kᵢ)`: the error weights and their stages.
    pub terms: &'a [(f64, &'a Tensor<2>)],
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

/// `tanh(x)` element-wise. On flex in f32: one operation (one recorded node, backward
/// `dy ⊙ (1 − y²)`) computing [`tanh_f32`](crate::tanh_f32), the values the fused layers give;
/// everywhere else Burn's `tanh`.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if let Some(y) = flex::tanh::tanh(&x) {
        return y;
    }
    x.tanh()
}

#[cfg(all(test, feature = "flex"))]
#[path = "fused_tests.rs"]
mod tests;
