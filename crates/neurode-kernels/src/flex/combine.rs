//! The flex (f32 and f64) kernel behind [`crate::fused::linear_combination`] and its recorded backward.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

use super::{AdTensor, Route, Tape, contiguous, route};
use crate::simd::{Kernel, vectorized};

/// The most terms one fused combination takes (a tableau's widest stage plus the state).
pub(crate) const MAX_TERMS: usize = 16;

pub(crate) fn linear_combination<const D: usize>(terms: &[(f64, &Tensor<D>)]) -> Option<Tensor<D>> {
    let first = terms.first()?.1;
    let dims = first.dims();
    let dtype = first.dtype();
    if terms.len() > MAX_TERMS
        || !matches!(dtype, DType::F32 | DType::F64)
        || terms
            .iter()
            .any(|(_, t)| t.dtype() != dtype || t.dims() != dims)
    {
        return None;
    }
    // f32 tensors combine with f32 coefficients (as Burn's `mul_scalar` would); f64 ones in
    // f64, term by term in order: the same operations as Burn's unfused `c·t` and `+`.
    let coefs: Vec<f64> = terms
        .iter()
        .map(|(c, _)| {
            if dtype == DType::F32 {
                f64::from(*c as f32)
            } else {
                *c
            }
        })
        .collect();
    // The conversions take the tensors by value; clones are reference-count increments.
    Some(match route(first.device())? {
        Route::Tape => {
            let on_tape = terms
                .iter()
                .map(|(_, t)| (*t).clone().try_into_primitive::<Tape>().ok())
                .collect::<Option<Vec<_>>>()?;
            Tensor::from_primitive::<Tape>(recorded(on_tape, &coefs)?)
        }
        Route::Plain => {
            let plain = terms
                .iter()
                .map(|(_, t)| (*t).clone().try_into_primitive::<Flex>().ok())
                .collect::<Option<Vec<_>>>()?;
            Tensor::from_primitive::<Flex>(forward(&plain, &coefs))
        }
    })
}

/// Records one node with `terms.len()` parents (the const arity Burn's tape wants).
fn recorded(terms: Vec<AdTensor>, coefs: &[f64]) -> Option<AdTensor> {
    macro_rules! arity {
        ($($n:literal)*) => {
            match terms.len() {
                $($n => Some(recorded_n::<$n>(terms.try_into().ok()?, coefs.try_into().ok()?)),)*
                _ => None,
            }
        };
    }
    arity!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

fn recorded_n<const N: usize>(terms: [AdTensor; N], coefs: [f64; N]) -> AdTensor {
    let prep = CombineBackward::<N>
        .prepare::<NoCheckpointing>(terms.each_ref().map(|t| t.node()))
        .compute_bound()
        .stateful();
    let plain: Vec<FlexTensor> = terms.iter().map(|t| t.primitive().clone()).collect();
    let out = forward(&plain, &coefs);
    match prep {
        OpsKind::Tracked(prep) => prep.finish(coefs, out),
        OpsKind::UnTracked(prep) => prep.finish(out),
    }
}

/// `Σ cᵢ·tᵢ` in one host pass per term into a fresh contiguous buffer (f32 or f64, the
/// terms' type).
fn forward(terms: &[FlexTensor], coefs: &[f64]) -> FlexTensor {
    let shape = terms[0].layout().shape().clone();
    let len = shape.num_elements();
    let terms: Vec<FlexTensor> = terms.iter().map(|t| contiguous(t.clone())).collect();
    if terms[0].dtype() == DType::F64 {
        let slices: Vec<&[f64]> = terms
            .iter()
            .map(|t| &t.as_slice::<f64>().expect("contiguous f64 term")[..len])
            .collect();
        let mut out = vec![0.0f64; len];
        vectorized(Combine {
            out: &mut out,
            terms: &slices,
            coefs,
        });
        return FlexTensor::from_data(TensorData::new(out, shape));
    }
    let slices: Vec<&[f32]> = terms
        .iter()
        .map(|t| &t.as_slice::<f32>().expect("contiguous f32 term")[..len])
        .collect();
    let coefs: Vec<f32> = coefs.iter().map(|c| *c as f32).collect();
    let mut out = vec![0.0f32; len];
    vectorized(Combine {
        out: &mut out,
        terms: &slices,
        coefs: &coefs,
    });
    FlexTensor::from_data(TensorData::new(out, shape))
}

/// The backward of [`recorded_n`]: parent `i` receives `cᵢ·g`.
#[derive(Debug)]
struct CombineBackward<const N: usize>;

impl<const N: usize> Backward<Flex, N> for CombineBackward<N> {
    type State = [f64; N];

    fn backward(self, ops: Ops<[f64; N], N>, grads: &mut Gradients, _: &mut Checkpointer) {
        let g = contiguous(grads.consume::<Flex>(&ops.node));
        for (parent, c) in ops.parents.into_iter().zip(ops.state) {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, scaled(&g, c));
            }
        }
    }
}

/// `c·g` (`g` itself, shared, when `c = 1`), in the gradient's type.
fn scaled(g: &FlexTensor, c: f64) -> FlexTensor {
    if c == 1.0 {
        return g.clone();
    }
    let shape = g.layout().shape().clone();
    let len = shape.num_elements();
    if g.dtype() == DType::F64 {
        let src = &g.as_slice::<f64>().expect("contiguous gradient")[..len];
        let mut out = vec![0.0f64; len];
        vectorized(Scale {
            out: &mut out,
            x: src,
            c,
        });
        return FlexTensor::from_data(TensorData::new(out, shape));
    }
    let src = &g.as_slice::<f32>().expect("contiguous gradient")[..len];
    let mut out = vec![0.0f32; len];
    vectorized(Scale {
        out: &mut out,
        x: src,
        c: c as f32,
    });
    FlexTensor::from_data(TensorData::new(out, shape))
}

/// `out ← Σ cᵢ·termsᵢ`, term by term in order.
struct Combine<'a, T> {
    out: &'a mut [T],
    terms: &'a [&'a [T]],
    coefs: &'a [T],
}

impl<T> Kernel for Combine<'_, T>
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::AddAssign,
{
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let c0 = self.coefs[0];
        for (o, &v) in self.out.iter_mut().zip(self.terms[0]) {
            *o = c0 * v;
        }
        for (&c, t) in self.coefs[1..].iter().zip(&self.terms[1..]) {
            for (o, &v) in self.out.iter_mut().zip(*t) {
                *o += c * v;
            }
        }
    }
}

/// `out ← c·x`.
struct Scale<'a, T> {
    out: &'a mut [T],
    x: &'a [T],
    c: T,
}

impl<T> Kernel for Scale<'_, T>
where
    T: Copy + std::ops::Mul<Output = T>,
{
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for (o, &v) in self.out.iter_mut().zip(self.x) {
            *o = self.c * v;
        }
    }
}
