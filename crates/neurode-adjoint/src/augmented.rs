//! The augmented state `[y, a, g]` of the backward pass and its error norms.

use burn::Tensor;
use neurode_solvers::{ErrorNorm, State};

/// `y` (the state, integrated backwards by the backsolve adjoint; absent for the interpolating
/// adjoint, which reads it from the forward solve's dense output), `a = ∂L/∂y` (the adjoint)
/// and `g = ∫ aᵀ ∂f/∂θ dt` (the parameter gradient accumulated so far, flat).
#[derive(Debug, Clone)]
pub(crate) struct AugState {
    pub y: Option<Tensor<2>>,
    pub a: Tensor<2>,
    pub g: Tensor<1>,
}

fn parts<'a, T>(terms: &'a [(f64, &'a AugState)], pick: fn(&AugState) -> &T) -> Vec<(f64, &'a T)> {
    terms.iter().map(|(c, s)| (*c, pick(s))).collect()
}

/// The `y` parts of `terms` (every state of one solve has `y`, or none has).
fn y_parts<'a>(terms: &'a [(f64, &'a AugState)]) -> Vec<(f64, &'a Tensor<2>)> {
    terms
        .iter()
        .filter_map(|(c, s)| s.y.as_ref().map(|y| (*c, y)))
        .collect()
}

impl State for AugState {
    fn add_scaled(&self, terms: &[(f64, &Self)]) -> Self {
        AugState {
            y: self.y.as_ref().map(|y| y.add_scaled(&y_parts(terms))),
            a: self.a.add_scaled(&parts(terms, |s| &s.a)),
            g: self.g.add_scaled(&parts(terms, |s| &s.g)),
        }
    }

    fn combine(terms: &[(f64, &Self)]) -> Self {
        let ys = y_parts(terms);
        AugState {
            y: (!ys.is_empty()).then(|| Tensor::combine(&ys)),
            a: Tensor::combine(&parts(terms, |s| &s.a)),
            g: Tensor::combine(&parts(terms, |s| &s.g)),
        }
    }

    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: f64, atol: f64) -> (f64, usize) {
        AugNorm { seminorm: false }.sq_sum(err, y0, y1, rtol, atol)
    }

    fn is_finite(&self) -> bool {
        let mut s = self.a.clone().sum() + self.g.clone().sum();
        if let Some(y) = &self.y {
            s = s + y.clone().sum();
        }
        s.into_scalar::<f64>().is_finite()
    }

    fn has_empty_dim(&self) -> bool {
        self.a.dims().contains(&0) || self.g.dims().contains(&0)
    }

    fn shape_string(&self) -> String {
        format!(
            "[y {:?}, a {:?}, g {:?}]",
            self.y.as_ref().map(|y| y.dims()),
            self.a.dims(),
            self.g.dims()
        )
    }
}

fn sq_sum_tensor<const D: usize>(
    err: &Tensor<D>,
    y0: &Tensor<D>,
    y1: &Tensor<D>,
    rtol: f64,
    atol: f64,
) -> Tensor<1> {
    let scale = y0
        .clone()
        .abs()
        .max_pair(y1.clone().abs())
        .mul_scalar(rtol)
        .add_scalar(atol);
    let r = err.clone() / scale;
    (r.clone() * r).sum()
}

/// Per-component `(Σ scaled², count)` for `y` (when integrated), `a` and (if `with_g`) `g`, with
/// one host read.
fn component_sums(
    err: &AugState,
    y0: &AugState,
    y1: &AugState,
    rtol: f64,
    atol: f64,
    with_g: bool,
) -> Vec<(f64, usize)> {
    let mut sums = vec![sq_sum_tensor(&err.a, &y0.a, &y1.a, rtol, atol)];
    let mut counts = vec![err.a.shape().num_elements()];
    if let (Some(e), Some(s0), Some(s1)) = (&err.y, &y0.y, &y1.y) {
        sums.push(sq_sum_tensor(e, s0, s1, rtol, atol));
        counts.push(e.shape().num_elements());
    }
    if with_g {
        sums.push(sq_sum_tensor(&err.g, &y0.g, &y1.g, rtol, atol));
        counts.push(err.g.shape().num_elements());
    }
    let host: Vec<f64> = Tensor::cat(sums, 0).into_data().iter::<f64>().collect();
    host.into_iter().zip(counts).collect()
}

/// torchdiffeq's adjoint norm: the largest RMS norm among the components `y`, `a`, `g`; the
/// seminorm drops `g`, so the parameter-gradient integral never forces a smaller step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AugNorm {
    pub seminorm: bool,
}

impl ErrorNorm<AugState> for AugNorm {
    fn sq_sum(
        &self,
        err: &AugState,
        y0: &AugState,
        y1: &AugState,
        rtol: f64,
        atol: f64,
    ) -> (f64, usize) {
        let sums = component_sums(err, y0, y1, rtol, atol, !self.seminorm);
        (
            sums.iter().map(|(s, _)| s).sum(),
            sums.iter().map(|(_, n)| n).sum(),
        )
    }

    fn norm(&self, err: &AugState, y0: &AugState, y1: &AugState, rtol: f64, atol: f64) -> f64 {
        component_sums(err, y0, y1, rtol, atol, !self.seminorm)
            .into_iter()
            .map(|(s, n)| (s / n.max(1) as f64).sqrt())
            .fold(0.0, f64::max)
    }
}
