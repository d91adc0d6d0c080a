//! What can go wrong when generating or loading data.

use std::path::PathBuf;

use neurode_solvers::SolveError;

/// Errors of dataset generation and loading. CSV errors name the file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A generator or sampler setting is out of range.
    #[error("invalid data setting `{name}` = {value}: expected {expected}")]
    InvalidConfig {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A CSV file's content is wrong.
    #[error("{path}:{line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number (1 = header).
        line: u64,
        /// What is wrong there, naming the column.
        message: String,
    },
    /// The reference solution of a generator failed.
    #[error("generating the reference trajectory failed: {0}")]
    Solve(#[from] SolveError),
}

/// Shorthand for an [`DataError::InvalidConfig`].
pub(crate) fn invalid(name: &'static str, value: impl ToString, expected: &str) -> DataError {
    DataError::InvalidConfig {
        name,
        value: value.to_string(),
        expected: expected.to_string(),
    }
}
