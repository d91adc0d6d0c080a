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
use burn::tensor::{Device, TensorData};
use burn_flex::{Flex, FlexTensor};

use crate::simd::{Kernel, vectorized};

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

/// `f` of every element of the f32 tensor `x`, into a fresh contiguous tensor (one vectorised
/// host pass).
fn map_f32(x: &FlexTensor, f: impl Fn(f32) -> f32) -> FlexTensor {
    let x = contiguous(x.clone());
    let shape = x.layout().shape().clone();
    let src = &x.as_slice::<f32>().expect("contiguous f32 input")[..shape.num_elements()];
    let mut out = vec![0.0f32; src.len()];
    vectorized(Update {
        out: &mut out,
        x: src,
        f: |_, v| f(v),
    });
    FlexTensor::from_data(TensorData::new(out, shape))
}

/// `g ⊙ f(x)` element-wise for f32 tensors of one shape, computed in `g`'s (contiguous) buffer
/// (one vectorised host pass).
fn scale_by_f32(g: FlexTensor, x: &FlexTensor, f: impl Fn(f32) -> f32) -> FlexTensor {
    let mut g = contiguous(g);
    let x = contiguous(x.clone());
    let len = x.layout().shape().num_elements();
    let xs = &x.as_slice::<f32>().expect("contiguous f32 input")[..len];
    let gs = &mut g.storage_mut::<f32>()[..len];
    vectorized(Update {
        out: gs,
        x: xs,
        f: |g, v| g * f(v),
    });
    g
}

/// `out ← f(out, x)` element-wise.
struct Update<'a, F> {
    out: &'a mut [f32],
    x: &'a [f32],
    f: F,
}

impl<F: Fn(f32, f32) -> f32> Kernel for Update<'_, F> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for (o, &v) in self.out.iter_mut().zip(self.x) {
            *o = (self.f)(*o, v);
        }
    }
}
