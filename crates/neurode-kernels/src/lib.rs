//! neurode's fused CPU kernels: the operations that make most of a Neural ODE's autodiff tape
//! — an affine layer with its activation, a Runge–Kutta stage `y + h·Σ aⱼ·kⱼ`, and `tanh` —
//! each as one operation (one recorded node with a hand-written backward) on Burn's flex
//! backend in f32.
//!
//! ```
//! use burn::Tensor;
//! use neurode_kernels::{FusedActivation, affine};
//!
//! let device = burn::tensor::Device::flex();
//! let x = Tensor::<2>::from_floats([[1.0, 2.0]], &device);
//! let w = Tensor::<2>::from_floats([[0.5], [0.25]], &device);
//! let b = Tensor::<1>::from_floats([0.0], &device);
//! // Some(one operation) on flex in f32; None elsewhere, where callers compose Burn's ops.
//! let y = affine(&x, &w, &b, FusedActivation::Tanh).unwrap_or_else(|| (x.matmul(w) + b.unsqueeze()).tanh());
//! assert!((y.into_scalar::<f32>() - 1f32.tanh()).abs() < 1e-6);
//! ```
//!
//! Every entry point decides from the tensor's device, by Burn's typed dispatch, whether a
//! kernel applies (flex, f32 — f64 too for [`linear_combination`] — the default
//! non-checkpointing tape); elsewhere [`affine`] and
//! [`linear_combination`] return `None` and [`tanh`] is Burn's. Without this crate's `flex`
//! feature nothing is fused. [`simd`] compiles host loops (these kernels', Adam's) for the
//! CPU's vector extensions; [`tanh_f32`] is the scalar `tanh` they share.
//!
//! This is the only neurode crate that names a concrete Burn backend, and the only one with
//! `unsafe` (the direct `gemm` call in `flex/matmul.rs`, bounds checked before the call).

mod activation;
#[cfg(feature = "flex")]
mod flex;
mod fused;
mod scalar;
pub mod simd;

pub use activation::FusedActivation;
pub use fused::{
    RowErrorStep, affine, affine_of_cube, linear_combination, row_combination, row_error_sq_sums,
    tanh,
};
pub use scalar::tanh_f32;
