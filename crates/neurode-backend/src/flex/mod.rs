//! neurode's fused operations on the flex backend (f32), each one recorded node with a
//! hand-written backward on an autodiff device (see [`crate::fused`]).

pub(crate) mod affine;
pub(crate) mod combine;
mod matmul;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn_flex::{Flex, FlexTensor};

/// The autodiff backend of a default `device.autodiff()` flex device.
type Tape = Autodiff<Flex, NoCheckpointing>;

/// A flex tensor on the tape.
type AdTensor = burn::backend::tensor::FloatTensor<Tape>;

/// `t` itself when it is contiguous from the start of its buffer, else a contiguous copy.
fn contiguous(t: FlexTensor) -> FlexTensor {
    match t.layout().contiguous_offsets() {
        Some((0, _)) => t,
        _ => t.to_contiguous(),
    }
}
