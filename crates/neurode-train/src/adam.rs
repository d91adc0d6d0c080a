//! Adam with PyTorch's semantics, global-norm gradient clipping (paper 000 eq 27) and L2
//! weight decay (eq 26), on the host in f64.
//!
//! Why not Burn's `AdamConfig`: its epsilon defaults to 1e-5 (PyTorch 1e-8), its gradient
//! clipping is per parameter tensor (eq 27 clips the global norm), and its state is keyed by
//! random parameter ids, which makes bit-exact resume awkward. This one keeps its moments in
//! the model's visiting order, serialises them with serde, and costs a few microseconds per
//! step for the papers' models (one host read per parameter tensor).

use burn::Tensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::TensorData;
use serde::{Deserialize, Serialize};

/// Adam's hyper-parameters (PyTorch defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamSettings {
    /// β₁ (0.9).
    pub beta1: f64,
    /// β₂ (0.999).
    pub beta2: f64,
    /// ε (1e-8, PyTorch's; Burn's default is 1e-5).
    pub eps: f64,
    /// L2 weight decay λ added to the gradient (`g + λθ`, PyTorch's `Adam(weight_decay=λ)`;
    /// the gradient of the penalty `λ/2 ‖θ‖²`, eq 26 with its λ = this λ / 2).
    pub weight_decay: f64,
    /// Global-norm clipping threshold τ (eq 27): `g ← g · min(1, τ / ‖g‖)`; `None` = off.
    pub clip: Option<f64>,
}

impl Default for AdamSettings {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            clip: None,
        }
    }
}

/// The optimizer: settings plus per-parameter moments (in the model's visiting order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    /// Hyper-parameters.
    pub settings: AdamSettings,
    /// Steps taken.
    pub step: u64,
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

/// What one optimizer step saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Whether clipping scaled the gradient.
    pub clipped: bool,
}

impl Adam {
    /// A fresh optimizer.
    pub fn new(settings: AdamSettings) -> Self {
        Self {
            settings,
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// One update of every parameter of `model` that has a gradient in `grads`, at learning
    /// rate `lr`. A non-finite gradient norm leaves the model untouched and is reported in
    /// `grad_norm` (the caller stops the run).
    pub fn step<M: Module>(&mut self, model: M, grads: &GradientsParams, lr: f64) -> (M, StepInfo) {
        let mut read = Read {
            grads,
            params: Vec::new(),
            grad: Vec::new(),
        };
        model.visit(&mut read);
        let norm = read
            .grad
            .iter()
            .flatten()
            .flatten()
            .map(|g| g * g)
            .sum::<f64>()
            .sqrt();
        let mut info = StepInfo {
            grad_norm: norm,
            clipped: false,
        };
        if !norm.is_finite() {
            return (model, info);
        }
        let scale = match self.settings.clip {
            Some(tau) if norm > tau => {
                info.clipped = true;
                tau / (norm + 1e-6)
            }
            _ => 1.0,
        };
        if self.m.is_empty() {
            self.m = read.params.iter().map(|p| vec![0.0; p.len()]).collect();
            self.v = self.m.clone();
        }
        self.step += 1;
        let s = self.settings;
        let bc1 = 1.0 - s.beta1.powi(self.step as i32);
        let bc2 = 1.0 - s.beta2.powi(self.step as i32);
        let mut updated = Vec::with_capacity(read.params.len());
        for (i, (p, g)) in read.params.into_iter().zip(read.grad).enumerate() {
            let Some(g) = g else {
                updated.push(None);
                continue;
            };
            let (m, v) = (&mut self.m[i], &mut self.v[i]);
            let mut p = p;
            for k in 0..p.len() {
                let gk = g[k] * scale + s.weight_decay * p[k];
                m[k] = s.beta1 * m[k] + (1.0 - s.beta1) * gk;
                v[k] = s.beta2 * v[k] + (1.0 - s.beta2) * gk * gk;
                let denom = (v[k] / bc2).sqrt() + s.eps;
                p[k] -= lr / bc1 * m[k] / denom;
            }
            updated.push(Some(p));
        }
        let model = model.map(&mut Write {
            values: updated,
            at: 0,
        });
        (model, info)
    }
}

struct Read<'a> {
    grads: &'a GradientsParams,
    params: Vec<Vec<f64>>,
    grad: Vec<Option<Vec<f64>>>,
}

impl ModuleVisitor for Read<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.params.push(host(&param.val()));
        self.grad
            .push(self.grads.get::<D>(param.id).map(|g| host(&g)));
    }
}

struct Write {
    values: Vec<Option<Vec<f64>>>,
    at: usize,
}

impl ModuleMapper for Write {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let new = self.values[self.at].take();
        self.at += 1;
        match new {
            None => param,
            Some(v) => {
                let (id, old, mapper) = param.consume();
                let t = Tensor::from_data(TensorData::new(v, old.shape()), &old.device());
                let t = if old.is_require_grad() {
                    t.require_grad()
                } else {
                    t
                };
                Param::from_mapped_value(id, t, mapper)
            }
        }
    }
}

fn host<const D: usize>(t: &Tensor<D>) -> Vec<f64> {
    t.to_data().iter::<f64>().collect()
}
