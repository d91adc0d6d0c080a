//! The flex (f32) kernel behind [`crate::tanh`]: `y = tanh(x)` element-wise in one host pass,
//! recorded as one node whose backward is `dx = dy ⊙ (1 − y²)` — the same rule the fused
//! layers apply to their activation.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

use super::{AdTensor, Route, Tape, contiguous, route};
use crate::simd::{Kernel, vectorized};
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
    let x = contiguous(x.clone());
    let shape = x.layout().shape().clone();
    let src = &x.as_slice::<f32>().expect("contiguous f32 input")[..shape.num_elements()];
    let mut out = vec![0.0f32; src.len()];
    vectorized(Values {
        y: &mut out,
        x: src,
    });
    FlexTensor::from_data(TensorData::new(out, shape))
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
        let y = ops.state;
        let mut g = contiguous(dy);
        let len = y.layout().shape().num_elements();
        {
            let ys = &y
                .as_slice::<f32>()
                .expect("the forward output is contiguous")[..len];
            let gs = &mut g.storage_mut::<f32>()[..len];
            vectorized(Slope { g: gs, y: ys });
        }
        grads.register::<Flex>(node.id, g);
    }
}

/// `y ← tanh(x)`.
struct Values<'a> {
    y: &'a mut [f32],
    x: &'a [f32],
}

impl Kernel for Values<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for (y, &v) in self.y.iter_mut().zip(self.x) {
            *y = tanh_f32(v);
        }
    }
}

/// `g ← g ⊙ (1 − y²)`.
struct Slope<'a> {
    g: &'a mut [f32],
    y: &'a [f32],
}

impl Kernel for Slope<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for (g, &y) in self.g.iter_mut().zip(self.y) {
            *g *= 1.0 - y * y;
        }
    }
}
