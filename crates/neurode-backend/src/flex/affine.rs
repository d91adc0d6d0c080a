//! The flex (f32) kernel behind [`crate::fused::affine`] and its recorded backward.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

use super::{AdTensor, Tape, contiguous};
use crate::fused::FusedActivation;
use crate::tanh_f32;

pub(crate) fn affine(
    x: &Tensor<2>,
    weight: &Tensor<2>,
    bias: &Tensor<1>,
    activation: FusedActivation,
) -> Option<Tensor<2>> {
    if [x.dtype(), weight.dtype(), bias.dtype()] != [DType::F32; 3] {
        return None;
    }
    // The conversions take the tensors by value; clones are reference-count increments.
    if let Ok(xa) = x.clone().try_into_primitive::<Tape>() {
        let wa = weight.clone().try_into_primitive::<Tape>().ok()?;
        let ba = bias.clone().try_into_primitive::<Tape>().ok()?;
        return Some(Tensor::from_primitive::<Tape>(recorded(
            xa, wa, ba, activation,
        )));
    }
    let x = x.clone().try_into_primitive::<Flex>().ok()?;
    let w = weight.clone().try_into_primitive::<Flex>().ok()?;
    let b = bias.clone().try_into_primitive::<Flex>().ok()?;
    Some(Tensor::from_primitive::<Flex>(forward(
        x, w, &b, activation,
    )))
}

/// Records one node whose backward is [`AffineBackward`].
fn recorded(x: AdTensor, w: AdTensor, b: AdTensor, activation: FusedActivation) -> AdTensor {
    let (x_tracked, w_tracked) = (x.is_tracked(), w.is_tracked());
    let prep = AffineBackward
        .prepare::<NoCheckpointing>([x.node(), w.node(), b.node()])
        .compute_bound()
        .stateful();
    let y = forward(
        x.primitive().clone(),
        w.primitive().clone(),
        b.primitive(),
        activation,
    );
    match prep {
        OpsKind::Tracked(prep) => {
            let state = AffineState {
                // `dW = xᵀ·dz` needs x, `dx = dz·Wᵀ` needs W.
                x: w_tracked.then(|| x.primitive().clone()),
                w: x_tracked.then(|| w.primitive().clone()),
                y: (activation == FusedActivation::Tanh).then(|| y.clone()),
            };
            prep.finish(state, y)
        }
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

/// `activation(x·W + b)`: Burn's flex matmul, then bias and activation in one host pass over
/// the freshly made (unshared, contiguous) product.
fn forward(
    x: FlexTensor,
    w: FlexTensor,
    b: &FlexTensor,
    activation: FusedActivation,
) -> FlexTensor {
    let mut z = contiguous(Flex::float_matmul(x, w));
    let b = contiguous(b.clone());
    let bias = b.as_slice::<f32>().expect("contiguous f32 bias");
    let n = bias.len();
    let len = z.layout().shape().num_elements();
    let out = &mut z.storage_mut::<f32>()[..len];
    pulp::Arch::new().dispatch(|| match activation {
        FusedActivation::Identity => {
            for row in out.chunks_exact_mut(n) {
                for (v, &b) in row.iter_mut().zip(bias) {
                    *v += b;
                }
            }
        }
        FusedActivation::Tanh => {
            for row in out.chunks_exact_mut(n) {
                for (v, &b) in row.iter_mut().zip(bias) {
                    *v = tanh_f32(*v + b);
                }
            }
        }
    });
    z
}

/// The backward of [`recorded`]; its parents are `[x, W, b]`.
#[derive(Debug)]
struct AffineBackward;

/// What the backward needs: x for `dW`, W for `dx` (each only when that gradient is
/// wanted), and the output for `tanh' = 1 − y²`.
#[derive(Debug, Clone)]
struct AffineState {
    x: Option<FlexTensor>,
    w: Option<FlexTensor>,
    y: Option<FlexTensor>,
}

impl Backward<Flex, 3> for AffineBackward {
    type State = AffineState;

    fn backward(self, ops: Ops<AffineState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [px, pw, pb] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let state = ops.state;
        let (dz, db) = activation_backward(dy, state.y.as_ref(), pb.is_some());
        if let (Some(node), Some(db)) = (pb, db) {
            grads.register::<Flex>(node.id, db);
        }
        if let (Some(node), Some(x)) = (pw, state.x) {
            let dw = Flex::float_matmul(Flex::float_transpose(x), dz.clone());
            grads.register::<Flex>(node.id, dw);
        }
        if let (Some(node), Some(w)) = (px, state.w) {
            let dx = Flex::float_matmul(dz, Flex::float_transpose(w));
            grads.register::<Flex>(node.id, dx);
        }
    }
}

/// `dz = dy ⊙ (1 − y²)` (or `dy` without an activation) and, when wanted, the bias gradient
/// `Σ_rows dz`, in one host pass.
fn activation_backward(
    dy: FlexTensor,
    y: Option<&FlexTensor>,
    bias_grad: bool,
) -> (FlexTensor, Option<FlexTensor>) {
    let shape = dy.layout().shape().clone();
    let n = shape[1];
    let mut dz = contiguous(dy);
    let len = shape.num_elements();
    let mut db = vec![0.0f32; if bias_grad { n } else { 0 }];
    {
        let g = &mut dz.storage_mut::<f32>()[..len];
        let y = y.map(|y| {
            &y.as_slice::<f32>()
                .expect("the forward output is contiguous")[..len]
        });
        pulp::Arch::new().dispatch(|| {
            if let Some(y) = y {
                for (g, &y) in g.iter_mut().zip(y) {
                    *g *= 1.0 - y * y;
                }
            }
            if bias_grad {
                for row in g.chunks_exact(n) {
                    for (s, &v) in db.iter_mut().zip(row) {
                        *s += v;
                    }
                }
            }
        });
    }
    let db = bias_grad.then(|| FlexTensor::from_data(TensorData::new(db, [n])));
    (dz, db)
}
