//! What can stop a run.

use std::path::PathBuf;

use neurode_backend::BackendError;
use neurode_datasets::DataError;
use neurode_models::ModelError;

/// Errors of training, evaluation and run folders.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting is out of range.
    #[error("invalid setting --{name} = {value}: expected {expected}")]
    Config {
        /// The setting (as a command-line flag name).
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A TOML config file does not parse or holds unknown keys.
    #[error("config file: {message}")]
    Toml {
        /// The parser's message (it names the line and key).
        message: String,
    },
    /// The backend cannot be used.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The data cannot be loaded or generated.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The model failed (construction, a solve, a gradient).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The loss or the gradient became NaN or infinite.
    #[error(
        "training diverged at iteration {iteration}: {what} is {value}; the best checkpoint so far is kept. Try a lower --lr, --clip 1.0, or tighter --rtol/--atol"
    )]
    Diverged {
        /// The iteration (or epoch) at which it happened.
        iteration: u64,
        /// What became non-finite.
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// The solver failed during training (step-size underflow, too many steps).
    #[error(
        "training stopped at iteration {iteration}: {source}; the best checkpoint so far is kept"
    )]
    SolverFailed {
        /// The iteration.
        iteration: u64,
        /// The solver's error.
        source: ModelError,
    },
    /// A file of the run folder cannot be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl TrainError {
    /// A file error.
    pub fn file(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        TrainError::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}
