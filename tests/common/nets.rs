//! Small trainable dynamics with deterministic, host-seeded parameters.

use burn::module::{Module, Param};
use burn::tensor::TensorData;
use neurode::adjoint::NeuralDynamics;
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Device, Tensor};

fn param<const D: usize>(values: Vec<f64>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

fn uniform(rng: &mut StdRng, n: usize, k: f64) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-k..k)).collect()
}

/// `y' = y M` with a trainable `M` (row-vector convention).
#[derive(Module, Debug)]
pub struct LinearField {
    /// The matrix.
    pub m: Param<Tensor<2>>,
}

impl LinearField {
    /// From a row-major `[d, d]` matrix.
    pub fn new(m: &[f64], d: usize, device: &Device) -> Self {
        Self {
            m: param(m.to_vec(), [d, d], device),
        }
    }
}

impl NeuralDynamics for LinearField {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        y.matmul(self.m.val())
    }
}

/// `f(t, y) = W₂ tanh(W₁ y + b₁ + t·w_t) + b₂`: a time-dependent tanh MLP, optionally on `y³`.
#[derive(Module, Debug)]
pub struct TanhMlp {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    wt: Param<Tensor<1>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
    cubic: bool,
}

impl TanhMlp {
    /// Seeded uniform init (PyTorch's `U(−1/√fan_in, 1/√fan_in)`), deterministic on any backend.
    pub fn new(dim: usize, hidden: usize, cubic: bool, seed: u64, device: &Device) -> Self {
        Self::from_flat(&Self::seeded(dim, hidden, seed), dim, hidden, cubic, device)
    }

    /// The seeded parameter vector in `from_flat` order (`w1, b1, wt, w2, b2`).
    pub fn seeded(dim: usize, hidden: usize, seed: u64) -> Vec<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        let (k1, k2) = (1.0 / (dim as f64).sqrt(), 1.0 / (hidden as f64).sqrt());
        let mut v = uniform(&mut rng, dim * hidden + 2 * hidden, k1);
        v.extend(uniform(&mut rng, hidden * dim + dim, k2));
        v
    }

    /// From an explicit flat parameter vector (finite differences perturb one entry).
    pub fn from_flat(v: &[f64], dim: usize, hidden: usize, cubic: bool, device: &Device) -> Self {
        let mut at = 0;
        let mut take = |n: usize| {
            at += n;
            v[at - n..at].to_vec()
        };
        Self {
            w1: param(take(dim * hidden), [dim, hidden], device),
            b1: param(take(hidden), [hidden], device),
            wt: param(take(hidden), [hidden], device),
            w2: param(take(hidden * dim), [hidden, dim], device),
            b2: param(take(dim), [dim], device),
            cubic,
        }
    }

    /// The parameters as one vector in `from_flat` order.
    pub fn flat(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.w1.val().to_data().iter::<f64>().collect();
        for t in [self.b1.val(), self.wt.val()] {
            v.extend(t.to_data().iter::<f64>());
        }
        v.extend(self.w2.val().to_data().iter::<f64>());
        v.extend(self.b2.val().to_data().iter::<f64>());
        v
    }

    /// The gradient in `from_flat` order, from Burn's `GradientsParams`.
    pub fn flat_grad(&self, g: &burn::optim::GradientsParams) -> Vec<f64> {
        let two = |p: &Param<Tensor<2>>| -> Vec<f64> {
            g.get::<2>(p.id).unwrap().to_data().iter::<f64>().collect()
        };
        let one = |p: &Param<Tensor<1>>| -> Vec<f64> {
            g.get::<1>(p.id).unwrap().to_data().iter::<f64>().collect()
        };
        let mut v = two(&self.w1);
        v.extend(one(&self.b1));
        v.extend(one(&self.wt));
        v.extend(two(&self.w2));
        v.extend(one(&self.b2));
        v
    }
}

impl NeuralDynamics for TanhMlp {
    fn forward(&self, t: f64, y: Tensor<2>) -> Tensor<2> {
        let x = if self.cubic {
            y.clone() * y.clone() * y
        } else {
            y
        };
        let time = self.wt.val().mul_scalar(t).unsqueeze::<2>();
        let h = (x.matmul(self.w1.val()) + self.b1.val().unsqueeze::<2>() + time).tanh();
        h.matmul(self.w2.val()) + self.b2.val().unsqueeze::<2>()
    }
}
