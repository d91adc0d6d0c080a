//! The flex (f32) kernel behind [`crate::fused::affine`] and its recorded backward.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

use super::matmul::matmul;
use super::{AdTensor, Route, Tape, contiguous, map_f32, route, scale_by_f32};
use crate::FusedActivation;
use crate::simd::{Kernel, vectorized};
use crate::tanh_f32;

/// `activation(x·W + b)`, or `activation(x³·W + b)` when `cubic`; `None` for mismatched
/// shapes, no output columns, or where no kernel applies.
pub(crate) fn affine(
    x: &Tensor<2>,
    weight: &Tensor<2>,
    bias: &Tensor<1>,
    activation: FusedActivation,
    cubic: bool,
) -> Option<Tensor<2>> {
    let [_, k] = x.dims();
    let [k_w, n] = weight.dims();
    if k != k_w || bias.dims() != [n] || n == 0 {
        return None;
    }
    if [x.dtype(), weight.dtype(), bias.dtype()] != [DType::F32; 3] {
        return None;
    }
    // The conversions take the tensors by value; clones are reference-count increments.
    Some(match route(x.device())? {
        Route::Tape => {
            let xa = x.clone().try_into_primitive::<Tape>().ok()?;
            let wa = weight.clone().try_into_primitive::<Tape>().ok()?;
            let ba = bias.clone().try_into_primitive::<Tape>().ok()?;
            Tensor::from_primitive::<Tape>(recorded(xa, wa, ba, activation, cubic))
        }
        Route::Plain => {
            let x = x.clone().try_into_primitive::<Flex>().ok()?;
            let w = weight.clone().try_into_primitive::<Flex>().ok()?;
            let b = bias.clone().try_into_primitive::<Flex>().ok()?;
            let x = if cubic { cube(&x) } else { x };
            Tensor::from_primitive::<Flex>(forward(x, w, &b, activation))
        }
    })
}

/// Records one node whose backward is [`AffineBackward`].
fn recorded(
    x: AdTensor,
    w: AdTensor,
    b: AdTensor,
    activation: FusedActivation,
    cubic: bool,
) -> AdTensor {
    let (x_tracked, w_tracked) = (x.is_tracked(), w.is_tracked());
    let prep = AffineBackward
        .prepare::<NoCheckpointing>([x.node(), w.node(), b.node()])
        .compute_bound()
        .stateful();
    // The layer's input: x, or x³.
    let input = if cubic {
        cube(x.primitive())
    } else {
        x.primitive().clone()
    };
    let y = forward(
        input.clone(),
        w.primitive().clone(),
        b.primitive(),
        activation,
    );
    match prep {
        OpsKind::Tracked(prep) => {
            let state = AffineState {
                // `dW = inputᵀ·dz` needs the input, `dx = dz·Wᵀ` needs W (and x for x³).
                input: w_tracked.then_some(input),
                w: x_tracked.then(|| w.primitive().clone()),
                y: (activation == FusedActivation::Tanh).then(|| y.clone()),
                cube_of: (cubic && x_tracked).then(|| x.primitive().clone()),
            };
            prep.finish(state, y)
        }
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

/// `activation(x·W + b)`: the product by `gemm`, then bias and activation in one host pass over
/// the freshly made (unshared, contiguous) product.
fn forward(
    x: FlexTensor,
    w: FlexTensor,
    b: &FlexTensor,
    activation: FusedActivation,
) -> FlexTensor {
    let mut z = matmul(&x, &w);
    let b = contiguous(b.clone());
    let bias = b.as_slice::<f32>().expect("contiguous f32 bias");
    let len = z.layout().shape().num_elements();
    let out = &mut z.storage_mut::<f32>()[..len];
    vectorized(BiasActivation {
        out,
        bias,
        activation,
    });
    z
}

/// `row ← activation(row + bias)` for every row of `out`.
struct BiasActivation<'a> {
    out: &'a mut [f32],
    bias: &'a [f32],
    activation: FusedActivation,
}

impl Kernel for BiasActivation<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let n = self.bias.len();
        match self.activation {
            FusedActivation::Identity => {
                for row in self.out.chunks_exact_mut(n) {
                    for (v, &b) in row.iter_mut().zip(self.bias) {
                        *v += b;
                    }
                }
            }
            FusedActivation::Tanh => {
                for row in self.out.chunks_exact_mut(n) {
                    for (v, &b) in row.iter_mut().zip(self.bias) {
                        *v = tanh_f32(*v + b);
                    }
                }
            }
        }
    }
}

/// The backward of [`recorded`]; its parents are `[x, W, b]`.
#[derive(Debug)]
struct AffineBackward;

/// What the backward needs: the layer's input for `dW`, W for `dx` (each only when that
/// gradient is wanted), the output for `tanh' = 1 − y²`, and x when the input was `x³`.
#[derive(Debug, Clone)]
struct AffineState {
    input: Option<FlexTensor>,
    w: Option<FlexTensor>,
    y: Option<FlexTensor>,
    cube_of: Option<FlexTensor>,
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
        if let (Some(node), Some(input)) = (pw, state.input) {
            let dw = matmul(&Flex::float_transpose(input), &dz);
            grads.register::<Flex>(node.id, dw);
        }
        if let (Some(node), Some(w)) = (px, state.w) {
            let dx = matmul(&dz, &Flex::float_transpose(w));
            let dx = match state.cube_of {
                Some(x) => cube_backward(dx, &x),
                None => dx,
            };
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
        vectorized(TanhBackward {
            g,
            y,
            db: &mut db,
            n,
        });
    }
    let db = bias_grad.then(|| FlexTensor::from_data(TensorData::new(db, [n])));
    (dz, db)
}

/// `x ⊙ x ⊙ x` (as `x·x·x`, in that order) into a fresh contiguous tensor.
fn cube(x: &FlexTensor) -> FlexTensor {
    map_f32(x, |v| v * v * v)
}

/// `g ⊙ 3x²`: the gradient through `x³` (a fresh product, so updated in place).
fn cube_backward(g: FlexTensor, x: &FlexTensor) -> FlexTensor {
    scale_by_f32(g, x, |v| 3.0 * v * v)
}

/// `g ← g ⊙ (1 − y²)` when there is a `y`, then `db ← Σ_rows g` when `db` is not empty.
struct TanhBackward<'a> {
    g: &'a mut [f32],
    y: Option<&'a [f32]>,
    db: &'a mut [f32],
    n: usize,
}

impl Kernel for TanhBackward<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        if let Some(y) = self.y {
            for (g, &y) in self.g.iter_mut().zip(y) {
                *g *= 1.0 - y * y;
            }
        }
        if !self.db.is_empty() {
            for row in self.g.chunks_exact(self.n) {
                for (s, &v) in self.db.iter_mut().zip(row) {
                    *s += v;
                }
            }
        }
    }
}
