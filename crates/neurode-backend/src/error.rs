//! Why a device could not be had.

use thiserror::Error;

use crate::{Backend, Precision};

/// Errors of [`device`](crate::device) and of parsing backend names.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    /// The name is not a backend.
    #[error("unknown backend `{name}`: expected flex, ndarray or wgpu")]
    Unknown {
        /// What was given.
        name: String,
    },
    /// The name is not a precision.
    #[error("unknown precision `{name}`: expected f32 or f64")]
    UnknownPrecision {
        /// What was given.
        name: String,
    },
    /// The backend's Cargo feature was not enabled in this build.
    #[error(
        "backend `{backend}` is not compiled into this build: rebuild with `--features {backend}`"
    )]
    NotCompiled {
        /// The backend asked for.
        backend: Backend,
    },
    /// No usable GPU adapter or driver.
    #[error(
        "backend `{backend}` found no usable GPU ({reason}); install a Vulkan driver (on Debian \
         without a GPU: `apt-get install mesa-vulkan-drivers libvulkan1`) or use `--backend flex`"
    )]
    NoGpu {
        /// The backend asked for.
        backend: Backend,
        /// What the driver said.
        reason: String,
    },
    /// The precision could not be set (unsupported, or already locked by an earlier tensor).
    #[error(
        "cannot use {precision} on `{backend}`: {reason}. Choose the precision once, before any \
         tensor is created, and keep it for the whole process"
    )]
    Precision {
        /// The backend.
        backend: Backend,
        /// The precision asked for.
        precision: Precision,
        /// Burn's explanation.
        reason: String,
    },
}
