//! The vector-field interface every dynamics network of this crate implements.

use burn::Tensor;
use burn::module::{Module, ModuleDisplay};

/// The time argument of a vector field: one time for the whole batch, or one per row (when a
/// batch holds trajectory segments that start at different absolute times).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Time {
    /// The same `t` for every row.
    Scalar(f64),
    /// `[batch, 1]` absolute times, one per row.
    Rows(Tensor<2>),
}

impl Time {
    /// The times as a `[batch, 1]` column on `like`'s device.
    pub fn column(&self, like: &Tensor<2>) -> Tensor<2> {
        match self {
            Time::Scalar(t) => {
                let [b, _] = like.dims();
                Tensor::<2>::ones([b, 1], &like.device()).mul_scalar(*t)
            }
            Time::Rows(t) => t.clone(),
        }
    }
}

/// A trainable right-hand side `f_θ(h, t)` on a `[batch, dim]` state.
pub trait VectorField: Module + ModuleDisplay {
    /// Evaluates `f_θ(h, t)`; returns the shape of `h`.
    fn field(&self, t: &Time, h: Tensor<2>) -> Tensor<2>;

    /// Whether `f` ignores `t` (then segments starting at different times can share one solve
    /// on a relative time grid).
    fn is_autonomous(&self) -> bool;

    /// The state dimension the field acts on.
    fn dim(&self) -> usize;
}

/// `f(h, t)` with every row at its own time: one evaluation with a `[rows, 1]` time column
/// (or none for a time-independent field).
pub(crate) fn field_rows<M: VectorField>(
    field: &M,
    at: &neurode_solvers::RowsAt<'_>,
    h: Tensor<2>,
) -> Tensor<2> {
    if field.is_autonomous() {
        return field.field(&Time::Scalar(at.t[0]), h);
    }
    let column = at.time_column(&h.device());
    field.field(&Time::Rows(column), h)
}

/// `h ⊙ h ⊙ h` (paper 000 eq 16: the known cubic structure fed to the network).
pub(crate) fn cube(h: Tensor<2>) -> Tensor<2> {
    h.clone() * h.clone() * h
}

/// Implements `neurode_adjoint::NeuralDynamics` for vector fields (at a scalar time), so every
/// model also works with `neurode_adjoint::odeint` directly.
macro_rules! neural_dynamics {
    ($($ty:ty),+ $(,)?) => {$(
        impl neurode_adjoint::NeuralDynamics for $ty {
            fn forward(&self, t: f64, y: burn::Tensor<2>) -> burn::Tensor<2> {
                $crate::field::VectorField::field(self, &$crate::field::Time::Scalar(t), y)
            }

            fn forward_rows(
                &self,
                at: &neurode_solvers::RowsAt<'_>,
                y: burn::Tensor<2>,
            ) -> burn::Tensor<2> {
                $crate::field::field_rows(self, at, y)
            }
        }
    )+};
}
pub(crate) use neural_dynamics;

/// Implements [`VectorField`] for a network with a `dim` field from its `field` method alone
/// (`is_autonomous` as given, `dim` from the field), and [`neural_dynamics!`] for it:
/// `vector_field!(Dense, autonomous: true, { fn field(&self, t: &Time, h: Tensor<2>) -> … });`
macro_rules! vector_field {
    ($ty:ty, autonomous: $auto:literal, { $($field:tt)* }) => {
        impl $crate::field::VectorField for $ty {
            $($field)*

            fn is_autonomous(&self) -> bool {
                $auto
            }

            fn dim(&self) -> usize {
                self.dim
            }
        }

        $crate::field::neural_dynamics!($ty);
    };
}
pub(crate) use vector_field;
