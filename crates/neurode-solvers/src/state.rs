//! The operations a solver needs on a state: linear combinations, an error norm's sums, a
//! finiteness check and a shape.
//!
//! Implemented for every Burn float tensor (`Tensor<D>`, typically `[batch, dim]`), and by
//! composite states such as the adjoint's augmented state `[y, a, ∫aᵀ∂f/∂θ]`.

use burn::Tensor;
use burn::tensor::{DType, TensorData};

use crate::HostRows;

/// A vector-space element the solvers can integrate.
pub trait State: Clone {
    /// `self + Σ cᵢ·kᵢ`. Terms whose coefficient is exactly zero are skipped.
    fn add_scaled(&self, terms: &[(f64, &Self)]) -> Self;

    /// `Σ cᵢ·kᵢ` (at least one non-zero coefficient).
    fn combine(terms: &[(f64, &Self)]) -> Self;

    /// `Σ (errᵢ / (atol + rtol·max(|y0ᵢ|, |y1ᵢ|)))²` over all components, and the number of
    /// components; the building block of the mixed error norm (one host read).
    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: f64, atol: f64) -> (f64, usize);

    /// `outᵢ = Σⱼ wᵢⱼ·basisⱼ` for several weight rows at once: dense output of every output
    /// time inside one step. The default makes one [`State::combine`] per row; tensors do it in
    /// one matrix product.
    fn combine_rows(basis: &[&Self], weights: &[Vec<f64>]) -> Vec<Self> {
        combine_each(basis, weights)
    }

    /// A copy that records no gradient history (autodiff tensors: `detach()`), for the
    /// step-size control, which never needs gradients and must not grow a tape. The default is
    /// a plain clone (states that are never on a tape).
    fn detached(&self) -> Self {
        self.clone()
    }

    /// Whether every component is finite (one host read).
    fn is_finite(&self) -> bool;

    /// Whether some dimension of the state is empty (a tensor with zero rows or columns): the
    /// solvers refuse such a state before computing anything.
    fn has_empty_dim(&self) -> bool {
        false
    }

    /// The shape, for error messages and the one-off check of the dynamics' output.
    fn shape_string(&self) -> String;

    /// The values on the host as independent rows, for the implicit methods' linear algebra
    /// (one read); `None` (the default) for states that have no such layout, which the
    /// implicit methods then refuse.
    fn to_host_rows(&self) -> Option<HostRows> {
        None
    }

    /// The unit roundoff of the state's values (`f64::EPSILON` by default): what a difference
    /// quotient's step must exceed so that `y + δ` still differs from `y` on the device.
    fn epsilon(&self) -> f64 {
        f64::EPSILON
    }

    /// A state shaped like `self` (same device, dtype and shape) holding `host`'s values;
    /// `None` where [`State::to_host_rows`] is.
    fn with_host_rows(&self, host: &HostRows) -> Option<Self> {
        let _ = host;
        None
    }
}

impl<const D: usize> State for Tensor<D> {
    fn add_scaled(&self, terms: &[(f64, &Self)]) -> Self {
        let mut all = vec![(1.0, self)];
        all.extend(terms.iter().filter(|(c, _)| *c != 0.0));
        // One fused operation (one node on a tape) where the backend has one (flex, f32/f64).
        if all.len() > 1
            && let Some(sum) = neurode_kernels::linear_combination(&all)
        {
            return sum;
        }
        let mut acc = self.clone();
        for (c, k) in terms.iter().filter(|(c, _)| *c != 0.0) {
            acc = acc + scaled(c, k);
        }
        acc
    }

    fn combine(terms: &[(f64, &Self)]) -> Self {
        let nonzero: Vec<(f64, &Self)> = terms.iter().filter(|(c, _)| *c != 0.0).copied().collect();
        if nonzero.len() > 1
            && let Some(sum) = neurode_kernels::linear_combination(&nonzero)
        {
            return sum;
        }
        let mut it = nonzero.iter();
        let (c0, k0) = it
            .next()
            .expect("combine() needs at least one non-zero coefficient");
        let mut acc = scaled(c0, k0);
        for (c, k) in it {
            acc = acc + scaled(c, k);
        }
        acc
    }

    fn combine_rows(basis: &[&Self], weights: &[Vec<f64>]) -> Vec<Self> {
        if weights.len() < 2 {
            return combine_each(basis, weights);
        }
        // [rows, m] × [m, n]: one product instead of ~2·m element-wise ops per row.
        let dims = basis[0].dims();
        let n = basis[0].shape().num_elements();
        let stacked = Tensor::cat(
            basis.iter().map(|b| (*b).clone().reshape([1, n])).collect(),
            0,
        );
        let flat: Vec<f64> = weights.iter().flatten().copied().collect();
        let w = Tensor::<2>::from_data(
            TensorData::new(flat, [weights.len(), basis.len()]),
            &stacked.device(),
        );
        // The rows end to end along the first axis, then one slice per row: one recorded
        // operation per output on a tape (a split and a reshape would be two).
        let rows = weights.len();
        let mut long = dims;
        long[0] *= rows;
        let all = w.matmul(stacked).reshape(long);
        (0..rows)
            .map(|i| all.clone().narrow(0, i * dims[0], dims[0]))
            .collect()
    }

    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: f64, atol: f64) -> (f64, usize) {
        let ratio = scaled_error(err, y0, y1, rtol, atol);
        let sum: f64 = (ratio.clone() * ratio).sum().into_scalar();
        (sum, err.shape().num_elements())
    }

    fn detached(&self) -> Self {
        self.clone().detach()
    }

    fn is_finite(&self) -> bool {
        // A sum is non-finite iff some element is (NaN and ±inf propagate), barring overflow of
        // a sum of huge finite values, which is as good a sign of blow-up.
        let s: f64 = self.clone().detach().sum().into_scalar();
        s.is_finite()
    }

    fn shape_string(&self) -> String {
        format!("{:?}", self.dims())
    }

    fn has_empty_dim(&self) -> bool {
        self.dims().contains(&0)
    }

    fn epsilon(&self) -> f64 {
        match self.dtype() {
            DType::F64 => f64::EPSILON,
            DType::F16 => 9.765_625e-4,
            DType::BF16 => 7.812_5e-3,
            _ => f64::from(f32::EPSILON),
        }
    }

    /// The first axis is the batch (rows), the others are one system's components; a 1-D
    /// tensor is one row.
    fn to_host_rows(&self) -> Option<HostRows> {
        let dims = self.dims();
        let total = self.shape().num_elements();
        let rows = if D >= 2 { dims[0] } else { 1 };
        let values: Vec<f64> = self
            .clone()
            .detach()
            .into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .ok()?;
        (values.len() == total && rows > 0).then(|| HostRows::new(rows, total / rows, values))
    }

    fn with_host_rows(&self, host: &HostRows) -> Option<Self> {
        let dims = self.dims();
        (host.values.len() == self.shape().num_elements()).then(|| {
            Tensor::<D>::from_data(TensorData::new(host.values.clone(), dims), &self.device())
        })
    }
}

/// `err / (atol + rtol·max(|y0|, |y1|))` element-wise, off the tape (the step-size control
/// never needs gradients, and must not grow a tape).
pub(crate) fn scaled_error<const D: usize>(
    err: &Tensor<D>,
    y0: &Tensor<D>,
    y1: &Tensor<D>,
    rtol: f64,
    atol: f64,
) -> Tensor<D> {
    let scale = y0
        .clone()
        .detach()
        .abs()
        .max_pair(y1.clone().detach().abs())
        .mul_scalar(rtol)
        .add_scalar(atol);
    err.clone().detach() / scale
}

/// One [`State::combine`] per weight row.
pub(crate) fn combine_each<S: State>(basis: &[&S], weights: &[Vec<f64>]) -> Vec<S> {
    weights
        .iter()
        .map(|w| {
            let terms: Vec<(f64, &S)> = w.iter().copied().zip(basis.iter().copied()).collect();
            S::combine(&terms)
        })
        .collect()
}

fn scaled<const D: usize>(c: &f64, k: &Tensor<D>) -> Tensor<D> {
    if *c == 1.0 {
        k.clone()
    } else {
        k.clone().mul_scalar(*c)
    }
}
