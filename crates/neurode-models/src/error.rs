//! What can go wrong when building or running a model.

use std::path::PathBuf;

use neurode_adjoint::AdjointError;
use neurode_solvers::SolveError;

/// Errors of model construction, forward passes and records.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A configuration value is out of range.
    #[error("invalid model setting `{name}` = {value}: expected {expected}")]
    InvalidConfig {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// An input tensor has the wrong shape.
    #[error("input `{name}` has shape {got:?}, expected {expected}")]
    Shape {
        /// Which input.
        name: &'static str,
        /// Its shape.
        got: Vec<usize>,
        /// The shape the model needs.
        expected: String,
    },
    /// An input holds NaN or infinity.
    #[error("input `{name}` holds non-finite values (NaN or ±inf); clean the data first")]
    NonFinite {
        /// Which input.
        name: &'static str,
    },
    /// The solve (or the gradient through it) failed.
    #[error(transparent)]
    Gradient(#[from] AdjointError),
    /// A tape-free solve failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// Reading or writing PyTorch weights failed.
    #[error("weights {path}: {problem}")]
    Weights {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: crate::WeightsError,
    },
    /// Saving or loading a record failed.
    #[error("record {path}: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Checks `value ≥ min` for a size setting.
pub(crate) fn at_least(name: &'static str, value: usize, min: usize) -> Result<(), ModelError> {
    if value < min {
        return Err(ModelError::InvalidConfig {
            name,
            value: value.to_string(),
            expected: if min == 1 {
                "at least 1"
            } else {
                "at least 2 (an input and an output layer)"
            },
        });
    }
    Ok(())
}
