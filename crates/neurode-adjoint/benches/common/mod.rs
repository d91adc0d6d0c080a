//! Bench workloads: paper 000's Residual-64 dynamics and a 64-unit tanh MLP.
#![allow(dead_code)]

use burn::Tensor;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, TensorData};
use neurode_adjoint::NeuralDynamics;

/// Paper 000 eqs 18–20: `z = tanh(W₁h³ + b₁)`, `z_res = tanh(W₂z + b₂)`, `f = W₃(z + z_res) + b₃`.
#[derive(Module, Debug)]
pub struct Residual64 {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl Residual64 {
    pub fn new(device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(2, 64).init(device),
            l2: LinearConfig::new(64, 64).init(device),
            l3: LinearConfig::new(64, 2).init(device),
        }
    }
}

impl NeuralDynamics for Residual64 {
    fn forward(&self, _t: f64, h: Tensor<2>) -> Tensor<2> {
        let h3 = h.clone() * h.clone() * h;
        let z = self.l1.forward(h3).tanh();
        let z_res = self.l2.forward(z.clone()).tanh();
        self.l3.forward(z + z_res)
    }
}

/// `f = W₂ tanh(W₁ y + b₁) + b₂` with 64 hidden units.
#[derive(Module, Debug)]
pub struct Mlp64 {
    l1: Linear,
    l2: Linear,
}

impl Mlp64 {
    pub fn new(device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(2, 64).init(device),
            l2: LinearConfig::new(64, 2).init(device),
        }
    }
}

impl NeuralDynamics for Mlp64 {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        self.l2.forward(self.l1.forward(y).tanh())
    }
}

/// A `[rows, 2]` tensor.
pub fn t2(v: Vec<f64>, device: &Device) -> Tensor<2> {
    let rows = v.len() / 2;
    Tensor::from_data(TensorData::new(v, [rows, 2]), device)
}

/// 32 segments of 40 points of the true spiral (as in torchdiffeq's demo): start states, their
/// 40 relative times, and the targets `[40, 32, 2]`.
pub fn spiral_segments(device: &Device) -> (Tensor<2>, Vec<f64>, Tensor<3>) {
    use neurode_solvers::{SolveOptions, solve};
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let a = t2(vec![-0.1, 2.0, -2.0, -0.1], device);
    let f = |_t: f64, y: &Tensor<2>| (y.clone() * y.clone() * y.clone()).matmul(a.clone());
    let ts: Vec<f64> = (0..1000).map(|i| 25.0 * i as f64 / 999.0).collect();
    let tight = SolveOptions::adaptive(1e-9, 1e-11);
    let truth = solve(&f, t2(vec![2.0, 0.0], device), &ts, &tight).unwrap();
    let mut rng = StdRng::seed_from_u64(0);
    let starts: Vec<usize> = (0..32).map(|_| rng.random_range(0..1000 - 40)).collect();
    let y0 = Tensor::cat(starts.iter().map(|&s| truth.ys[s].clone()).collect(), 0);
    let target: Vec<Tensor<2>> = (0..40)
        .map(|k| Tensor::cat(starts.iter().map(|&s| truth.ys[s + k].clone()).collect(), 0))
        .collect();
    (y0, ts[..40].to_vec(), Tensor::stack(target, 0))
}
