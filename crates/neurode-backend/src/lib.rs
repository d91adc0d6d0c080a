//! The one place where neurode's backend choice becomes a Burn [`Device`].
//!
//! Burn 0.22 carries the backend in the runtime `Device`, so every other neurode crate takes a
//! `&Device` and never names a backend. This crate maps [`Backend`] × [`Precision`] to a device
//! and turns "not compiled in", "no GPU" and "dtype already locked" into typed errors.
//!
//! ```
//! use neurode_backend::{Backend, Precision, device};
//!
//! let dev = device(Backend::Flex, Precision::F32).unwrap();
//! let x = burn::Tensor::<1>::from_floats([1.0, 2.0], &dev);
//! assert_eq!(x.sum().into_scalar::<f32>(), 3.0);
//! ```
//!
//! Backends are Cargo features of this crate (`flex`, `ndarray`, `wgpu`); libraries depend on
//! it without any, binaries and tests turn on the ones they run. The `flex` feature also turns
//! on `neurode-kernels`' fused kernels for that backend. The `memory` feature adds the
//! `memory` module's counting allocator (peak heap bytes) for benchmarks.

mod choice;
mod error;
#[cfg(feature = "memory")]
pub mod memory;
mod parse;

pub use burn::tensor::Device;
pub use choice::{Backend, Precision};
pub use error::BackendError;

use std::sync::Mutex;

use burn::tensor::{DType, FloatDType};

/// A device of `backend` whose default float type is `precision`.
///
/// The float type is process-global per backend and locks on the first tensor: ask for `F64`
/// before any tensor is made on that backend. Asking again for the same precision is fine.
/// For `wgpu` the adapter is opened here, so a machine without a usable GPU driver gets
/// [`BackendError::NoGpu`] instead of a panic later.
pub fn device(backend: Backend, precision: Precision) -> Result<Device, BackendError> {
    let mut dev = base_device(backend)?;
    let wanted = match precision {
        Precision::F32 => FloatDType::F32,
        Precision::F64 => FloatDType::F64,
    };
    {
        // Check-then-configure must not interleave across threads (parallel tests ask for the
        // same precision at once); the settings themselves are process-global in Burn.
        static CONFIGURE: Mutex<()> = Mutex::new(());
        let _guard = CONFIGURE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let is_wanted =
            |dev: &Device| DType::from(dev.settings().float_dtype) == DType::from(wanted);
        if !is_wanted(&dev) {
            let result = dev.configure(burn::tensor::DeviceConfig::default().float_dtype(wanted));
            if let Err(e) = result
                && !is_wanted(&dev)
            {
                return Err(BackendError::Precision {
                    backend,
                    precision,
                    reason: e.to_string(),
                });
            }
        }
    }
    if backend == Backend::Wgpu {
        probe(&dev, backend)?;
    }
    Ok(dev)
}

#[allow(unreachable_code, unused_variables)]
fn base_device(backend: Backend) -> Result<Device, BackendError> {
    match backend {
        Backend::Flex => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
        }
        Backend::Ndarray => {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            // Burn deprecates ndarray in favour of flex; our users ask for it.
            return Ok(Device::ndarray());
        }
        Backend::Wgpu => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice));
        }
    }
    Err(BackendError::NotCompiled { backend })
}

/// Runs one tiny operation; a missing driver panics inside wgpu, which becomes an error here.
fn probe(dev: &Device, backend: Backend) -> Result<(), BackendError> {
    let dev = dev.clone();
    // The default hook would print wgpu's panic as if neurode had crashed; it is swapped out for
    // the probe's duration only (a panic on another thread in that window prints nothing, but
    // still unwinds as usual).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(move || {
        burn::Tensor::<1>::from_floats([1.0, 2.0], &dev)
            .sum()
            .into_scalar::<f64>()
    });
    std::panic::set_hook(hook);
    match result {
        Ok(3.0) => Ok(()),
        Ok(v) => Err(BackendError::NoGpu {
            backend,
            reason: format!("probe computed {v}, not 3"),
        }),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the driver panicked".into());
            Err(BackendError::NoGpu { backend, reason })
        }
    }
}
