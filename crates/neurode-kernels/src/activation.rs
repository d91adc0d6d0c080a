//! The activations a fused layer can apply.

/// The activation that [`affine`](crate::affine) applies after the affine map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FusedActivation {
    /// None: `x·W + b`.
    Identity,
    /// `tanh(x·W + b)`, with [`tanh_f32`](crate::tanh_f32) and `tanh' = 1 − tanh²`.
    Tanh,
}
