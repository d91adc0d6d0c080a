//! The flex (f32) kernel behind [`crate::tanh`]: `y = tanh(x)` element-wise in one host pass,
//! recorded as one node whose backward is `dx = dy ⊙ (1 − y²)` — the same rule the fused
//! layers apply to their activation.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::tensor::DType;
use burn_flex::{Flex, FlexTensor};

use super::{AdTensor, Route, Tape, map_f32, route, scale_by_f32};
use crate::tanh_f32;

pub(crate) fn tanh<const D: usize>(x: &Tensor<D>) -> Option<Tensor<D>> {
    if x.dtype() != DType::F32 {
        return None;
    }
    Some(match route(x.device())? {
        Route::Tape => {
            let xa = x.clone().try_into_primitive::<Tape>().ok()?;
            Tensor::from_primitive::<Tape>(recorded(xa))
        }
        Route::Plain => {
            let x = x.clone().try_into_primitive::<Flex>().ok()?;
            Tensor::from_primitive::<Flex>(forward(&x))
        }
    })
}

fn recorded(x: AdTensor) -> AdTensor {
    let y = forward(x.primitive());
    match TanhBackward
        .prepare::<NoCheckpointing>([x.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(y.clone(), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

/// `tanh_f32` of every element, into a fresh contiguous tensor.
fn forward(x: &FlexTensor) -> FlexTensor {
    map_f32(x, tanh_f32)
}

/// The backward of [`recorded`]; its state is the output `y`.
#[derive(Debug)]
struct TanhBackward;

impl Backward<Flex, 1> for TanhBackward {
    type State = FlexTensor;

    fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [px] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let Some(node) = px else {
            return;
        };
        // `dx = dy ⊙ (1 − y²)`, with the forward output `y` as the state.
        let dx = scale_by_f32(dy, &ops.state, |y| 1.0 - y * y);
        grads.register::<Flex>(node.id, dx);
    }
}
