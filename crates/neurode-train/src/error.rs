//! What can stop a run.

use std::path::PathBuf;

use neurode_backend::BackendError;
use neurode_datasets::DataError;
use neurode_models::ModelError;

use crate::Setting;

/// Errors of training, evaluation and run folders.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting is out of range.
    #[error("invalid setting `{setting}` = {value}: expected {expected}")]
    Invalid {
        /// The setting.
        setting: Setting,
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
        "training diverged at step {step}: {what} is {value}; the best model so far is kept. A lower learning rate, gradient clipping or tighter solver tolerances usually help"
    )]
    Diverged {
        /// The step (iteration or epoch) at which it happened.
        step: u64,
        /// What became non-finite.
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// Another process is training in this run folder.
    #[error(
        "{path} is in use by another training run (one writer per run folder); wait for it to end or choose another folder"
    )]
    Busy {
        /// The run folder.
        path: std::path::PathBuf,
    },
    /// The run was asked to stop ([`crate::Interrupt`]) and did, after `step`.
    #[error("interrupted after step {step}; the checkpoint, metrics and summary are written")]
    Interrupted {
        /// The last step completed.
        step: u64,
    },
    /// The solver failed during training (step-size underflow, too many steps).
    #[error("training stopped at step {step}: {source}; the best model so far is kept")]
    SolverFailed {
        /// The step.
        step: u64,
        /// The solver's error.
        source: ModelError,
    },
    /// A run folder already holds a run and resuming was not asked for.
    #[error(
        "{path} already holds a run; resume it or choose another folder (nothing was overwritten)"
    )]
    RunExists {
        /// The folder.
        path: PathBuf,
    },
    /// A file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A file holds something unexpected (a format error, another run's configuration).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl TrainError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A file error.
    pub fn file(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        TrainError::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}
