//! neurode's fused operations on the flex backend (f32; the combinations also f64), each one recorded node with a
//! hand-written backward on an autodiff device (see [`crate::fused`]).

pub(crate) mod affine;
pub(crate) mod combine;
mod matmul;
pub(crate) mod row_combine;
pub(crate) mod row_error;
pub(crate) mod tanh;

use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::{Autodiff, DispatchDevice, GradientCheckpointingStrategy};
use burn::tensor::Device;
use burn_flex::{Flex, FlexTensor};

/// The autodiff backend of a default `device.autodiff()` flex device.
type Tape = Autodiff<Flex, NoCheckpointing>;

/// A flex tensor on the tape.
type AdTensor = burn::backend::tensor::FloatTensor<Tape>;

/// Which flex primitive a fused kernel takes its tensors as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// A flex device: plain `FlexTensor`s.
    Plain,
    /// Its default (non-checkpointing) autodiff device: [`AdTensor`]s.
    Tape,
}

/// The route for tensors on `device`, `None` for any other backend or a checkpointing tape.
/// Decided from the device: a failed `try_into_primitive` formats an error message, which
/// every layer and stage on ndarray or wgpu would otherwise pay twice.
fn route(device: Device) -> Option<Route> {
    let (route, device) = match device.gradient_checkpointing_strategy() {
        None => (Route::Plain, device),
        Some(GradientCheckpointingStrategy::Disabled) => (Route::Tape, device.inner()),
        Some(_) => return None,
    };
    matches!(device.as_dispatch(), DispatchDevice::Flex(_)).then_some(route)
}

/// `t` itself when it is contiguous from the start of its buffer, else a contiguous copy.
fn contiguous(t: FlexTensor) -> FlexTensor {
    match t.layout().contiguous_offsets() {
        Some((0, _)) => t,
        _ => t.to_contiguous(),
    }
}
