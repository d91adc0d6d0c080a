//! The flex (f32 and f64) kernel behind [`crate::fused::row_combination`]: `y + h ⊙ Σ cᵢ·kᵢ`
//! with one `h` per row (a per-row Runge–Kutta stage), and its recorded backward.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

use super::combine::MAX_TERMS;
use super::{AdTensor, Route, Tape, contiguous, route};

pub(crate) fn row_combination(
    y: &Tensor<2>,
    h: &[f64],
    terms: &[(f64, &Tensor<2>)],
) -> Option<Tensor<2>> {
    let dims = y.dims();
    let dtype = y.dtype();
    if terms.is_empty()
        || terms.len() + 1 > MAX_TERMS
        || h.len() != dims[0]
        || !matches!(dtype, DType::F32 | DType::F64)
        || terms
            .iter()
            .any(|(_, t)| t.dtype() != dtype || t.dims() != dims)
    {
        return None;
    }
    let mut all: Vec<&Tensor<2>> = vec![y];
    all.extend(terms.iter().map(|(_, t)| *t));
    let coefs: Vec<f64> = terms.iter().map(|(c, _)| *c).collect();
    let state = RowState {
        coefs,
        h: h.to_vec(),
    };
    Some(match route(y.device())? {
        Route::Tape => {
            let on_tape = all
                .iter()
                .map(|t| (*t).clone().try_into_primitive::<Tape>().ok())
                .collect::<Option<Vec<_>>>()?;
            Tensor::from_primitive::<Tape>(recorded(on_tape, state)?)
        }
        Route::Plain => {
            let plain = all
                .iter()
                .map(|t| (*t).clone().try_into_primitive::<Flex>().ok())
                .collect::<Option<Vec<_>>>()?;
            Tensor::from_primitive::<Flex>(forward(&plain, &state))
        }
    })
}

/// The coefficients of the terms and each row's `h`.
#[derive(Debug, Clone)]
struct RowState {
    coefs: Vec<f64>,
    h: Vec<f64>,
}

/// Records one node with `parents.len()` parents (`y`, then the terms).
fn recorded(parents: Vec<AdTensor>, state: RowState) -> Option<AdTensor> {
    macro_rules! arity {
        ($($n:literal)*) => {
            match parents.len() {
                $($n => Some(recorded_n::<$n>(parents.try_into().ok()?, state)),)*
                _ => None,
            }
        };
    }
    arity!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

fn recorded_n<const N: usize>(parents: [AdTensor; N], state: RowState) -> AdTensor {
    let prep = RowBackward::<N>
        .prepare::<NoCheckpointing>(parents.each_ref().map(|t| t.node()))
        .compute_bound()
        .stateful();
    let plain: Vec<FlexTensor> = parents.iter().map(|t| t.primitive().clone()).collect();
    let out = forward(&plain, &state);
    match prep {
        OpsKind::Tracked(prep) => prep.finish(state, out),
        OpsKind::UnTracked(prep) => prep.finish(out),
    }
}

/// `out[r] = y[r] + h[r]·(c₁·k₁[r] + c₂·k₂[r] + …)`, the sum term by term in order (the
/// arithmetic of `y + Σ(cᵢ·kᵢ) ⊙ h` composed from Burn's ops).
fn forward(parents: &[FlexTensor], state: &RowState) -> FlexTensor {
    let shape = parents[0].layout().shape().clone();
    let len = shape.num_elements();
    let rows = state.h.len();
    let cols = len / rows.max(1);
    let parents: Vec<FlexTensor> = parents.iter().map(|t| contiguous(t.clone())).collect();
    macro_rules! typed {
        ($t:ty) => {{
            let slices: Vec<&[$t]> = parents
                .iter()
                .map(|t| &t.as_slice::<$t>().expect("contiguous term")[..len])
                .collect();
            let coefs: Vec<$t> = state.coefs.iter().map(|c| *c as $t).collect();
            // Term-major passes over the whole buffer (vectorised whatever the row width),
            // then one pass per row for `y + h·acc`: per element the same operations in the
            // same order as a row-major loop.
            let mut out: Vec<$t> = slices[1].iter().map(|&v| coefs[0] * v).collect();
            for (c, k) in coefs[1..].iter().zip(&slices[2..]) {
                for (o, &v) in out.iter_mut().zip(k.iter()) {
                    *o += *c * v;
                }
            }
            if cols > 0 {
                for ((acc, y), &h) in out
                    .chunks_exact_mut(cols)
                    .zip(slices[0].chunks_exact(cols))
                    .zip(&state.h)
                {
                    let h = h as $t;
                    for (o, &y) in acc.iter_mut().zip(y) {
                        *o = y + *o * h;
                    }
                }
            }
            FlexTensor::from_data(TensorData::new(out, shape))
        }};
    }
    if parents[0].dtype() == DType::F64 {
        typed!(f64)
    } else {
        typed!(f32)
    }
}

/// The backward of [`recorded_n`]: `y` receives `g`, term `i` receives `cᵢ·(h ⊙ g)`.
#[derive(Debug)]
struct RowBackward<const N: usize>;

impl<const N: usize> Backward<Flex, N> for RowBackward<N> {
    type State = RowState;

    fn backward(self, ops: Ops<RowState, N>, grads: &mut Gradients, _: &mut Checkpointer) {
        let g = contiguous(grads.consume::<Flex>(&ops.node));
        let state = ops.state;
        let mut parents = ops.parents.into_iter();
        if let Some(Some(node)) = parents.next() {
            grads.register::<Flex>(node.id, g.clone());
        }
        for (parent, c) in parents.zip(&state.coefs) {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, scaled_rows(&g, &state.h, *c));
            }
        }
    }
}

/// `c·(h ⊙ g)` row by row, in the gradient's type (as Burn's `mul` then `mul_scalar`).
fn scaled_rows(g: &FlexTensor, h: &[f64], c: f64) -> FlexTensor {
    let shape = g.layout().shape().clone();
    let len = shape.num_elements();
    let cols = len / h.len().max(1);
    macro_rules! typed {
        ($t:ty) => {{
            let src = &g.as_slice::<$t>().expect("contiguous gradient")[..len];
            let c = c as $t;
            let mut out = vec![0 as $t; len];
            for (r, &hr) in h.iter().enumerate() {
                let hr = hr as $t;
                for (o, &v) in out[r * cols..(r + 1) * cols]
                    .iter_mut()
                    .zip(&src[r * cols..(r + 1) * cols])
                {
                    let scaled = v * hr;
                    *o = if c == 1.0 { scaled } else { c * scaled };
                }
            }
            FlexTensor::from_data(TensorData::new(out, shape))
        }};
    }
    if g.dtype() == DType::F64 {
        typed!(f64)
    } else {
        typed!(f32)
    }
}
