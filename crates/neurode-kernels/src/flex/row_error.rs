//! The flex (f32 and f64) kernel behind [`crate::fused::row_error_sq_sums`]: each row's sum
//! of squared scaled local errors of a per-row Runge–Kutta step, in one pass over the stages.

use crate::fused::RowErrorStep;
use burn::Tensor;
use burn::tensor::DType;
use burn_flex::{Flex, FlexTensor};

use super::combine::MAX_TERMS;
use super::{Route, Tape, contiguous, route};

/// The plain flex primitive of `t` (its value, off the tape).
fn value(t: &Tensor<2>, route: Route) -> Option<FlexTensor> {
    Some(match route {
        Route::Plain => t.clone().try_into_primitive::<Flex>().ok()?,
        Route::Tape => t
            .clone()
            .try_into_primitive::<Tape>()
            .ok()?
            .primitive()
            .clone(),
    })
}

pub(crate) fn row_error_sq_sums(step: RowErrorStep<'_>) -> Option<Vec<f64>> {
    let RowErrorStep {
        y0,
        y1,
        h,
        terms,
        rtol,
        atol,
    } = step;
    let dims = y0.dims();
    let dtype = y0.dtype();
    let same = |t: &Tensor<2>| t.dtype() == dtype && t.dims() == dims;
    if terms.is_empty()
        || terms.len() > MAX_TERMS
        || h.len() != dims[0]
        || !matches!(dtype, DType::F32 | DType::F64)
        || !same(y1)
        || terms.iter().any(|(_, t)| !same(t))
    {
        return None;
    }
    let route = route(y0.device())?;
    let mut all = vec![value(y0, route)?, value(y1, route)?];
    for (_, t) in terms {
        all.push(value(t, route)?);
    }
    let all: Vec<FlexTensor> = all.into_iter().map(contiguous).collect();
    let (len, cols) = (dims[0] * dims[1], dims[1]);
    macro_rules! typed {
        ($t:ty) => {{
            let slices: Vec<&[$t]> = all
                .iter()
                .map(|t| &t.as_slice::<$t>().expect("contiguous tensor")[..len])
                .collect();
            let coefs: Vec<$t> = terms.iter().map(|(c, _)| *c as $t).collect();
            let (rtol, atol) = (rtol as $t, atol as $t);
            // The error `h·Σ cᵢkᵢ` term by term over the whole buffer, then per row the
            // scaled squares summed in f64: per element the arithmetic of the composed ops
            // (`combine`, `⊙ h`, `/ (atol + rtol·max(|y0|, |y1|))`, square), whatever the row's
            // position in the batch.
            let mut err: Vec<$t> = slices[2].iter().map(|&v| coefs[0] * v).collect();
            for (c, k) in coefs[1..].iter().zip(&slices[3..]) {
                for (o, &v) in err.iter_mut().zip(k.iter()) {
                    *o += *c * v;
                }
            }
            if cols == 0 {
                return Some(vec![0.0; dims[0]]);
            }
            err.chunks_exact(cols)
                .zip(slices[0].chunks_exact(cols))
                .zip(slices[1].chunks_exact(cols))
                .zip(h)
                .map(|(((e, a), b), &h)| {
                    let h = h as $t;
                    e.iter()
                        .zip(a)
                        .zip(b)
                        .map(|((&e, &a), &b)| {
                            // `max_pair` as Burn defines it: `a < b ? b : a`.
                            let (a, b) = (a.abs(), b.abs());
                            let scale = if a < b { b } else { a };
                            let ratio = (e * h) / (scale * rtol + atol);
                            f64::from(ratio * ratio)
                        })
                        .sum()
                })
                .collect()
        }};
    }
    Some(if dtype == DType::F64 {
        typed!(f64)
    } else {
        typed!(f32)
    })
}
