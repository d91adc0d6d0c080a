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
        problem: WeightsError,
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
/// `name`'s dims must be `[batch ≥ 1, columns]`.
pub(crate) fn check_batch(
    name: &'static str,
    dims: [usize; 2],
    columns: usize,
) -> Result<(), ModelError> {
    if dims[1] != columns || dims[0] == 0 {
        return Err(ModelError::Shape {
            name,
            got: dims.to_vec(),
            expected: format!("[batch ≥ 1, {columns}]"),
        });
    }
    Ok(())
}

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

/// What is wrong with a weights file (names are the file's, shapes PyTorch's `[out, in]`).
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file extension names no format burn-store reads.
    #[error("unknown weights format (expected a .safetensors, .pt or .pth file)")]
    Format,
    /// The file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The model has parameters the file does not hold.
    #[error("no tensor named {} in the file (the model needs {})", list(.missing), list(.needed))]
    Missing {
        /// The absent names.
        missing: Vec<String>,
        /// Every name the model needs.
        needed: Vec<String>,
    },
    /// The file holds tensors the model has no parameter for.
    #[error("tensor {} matches no parameter of the model (it accepts {})", list(.unknown), list(.accepted))]
    Unknown {
        /// The unmatched names.
        unknown: Vec<String>,
        /// Every name the model accepts.
        accepted: Vec<String>,
    },
    /// A tensor has the wrong shape.
    #[error("tensor `{name}` has shape {found:?}, the model needs {expected:?} (PyTorch layout)")]
    Shape {
        /// The tensor.
        name: String,
        /// The shape the model needs.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is not floating point.
    #[error("tensor `{name}` holds {dtype} values, the model needs floating point")]
    NotFloat {
        /// The tensor.
        name: String,
        /// Its element type.
        dtype: String,
    },
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
