//! Adam (and RMSprop, torchdiffeq's `ode_demo` optimizer) with PyTorch's semantics,
//! global-norm gradient clipping (paper 000 eq 27) and L2 weight decay (eq 26), on the host in
//! f64 arithmetic.
//!
//! Why not Burn's `AdamConfig`: its epsilon defaults to 1e-5 (PyTorch 1e-8), its gradient
//! clipping is per parameter tensor (eq 27 clips the global norm), and its state is keyed by
//! random parameter ids, which makes bit-exact resume awkward. This one keeps its moments in
//! the model's visiting order and serialises them with serde. Per step it reads each parameter
//! tensor and its gradient once (in their own float type) and uploads the new values once.

use burn::Tensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{DType, TensorData};
use neurode_kernels::simd::{Kernel, vectorized};
use serde::{Deserialize, Serialize};

/// The update rule.
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Adam (PyTorch's `torch.optim.Adam`).
    #[default]
    Adam,
    /// RMSprop (PyTorch's `torch.optim.RMSprop`, no momentum, not centred):
    /// `v ← α v + (1 − α) g²`, `θ ← θ − lr · g / (√v + ε)`, with `α` = [`AdamSettings::beta2`]
    /// (PyTorch's default α is 0.99) and `β₁` unused.
    #[cfg_attr(feature = "clap", value(name = "rmsprop"))]
    #[serde(rename = "rmsprop")]
    RmsProp,
}

/// The optimizer's hyper-parameters (PyTorch's Adam defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamSettings {
    /// The update rule (Adam unless set).
    #[serde(default)]
    pub algorithm: Algorithm,
    /// β₁ (0.9).
    pub beta1: f64,
    /// β₂ (0.999).
    pub beta2: f64,
    /// ε (1e-8, PyTorch's; Burn's default is 1e-5).
    pub eps: f64,
    /// L2 weight decay λ added to the gradient (`g + λθ`, PyTorch's `Adam(weight_decay=λ)`;
    /// the gradient of the penalty `λ/2 ‖θ‖²`, eq 26 with its λ = this λ / 2).
    pub weight_decay: f64,
    /// Global-norm clipping threshold τ (eq 27): `g ← g · min(1, τ / ‖g‖)`; `None` = off
    /// (`"none"` in TOML).
    #[serde(default, with = "crate::optional")]
    pub clip: Option<f64>,
}

impl Default for AdamSettings {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Adam,
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
    ///
    /// Values and gradients are read once per parameter tensor in their own float type and the
    /// arithmetic is done in f64; the updated values go back in the tensor's type.
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
            .map(Host::sq_sum)
            .sum::<f64>()
            .sqrt();
        let mut info = StepInfo {
            grad_norm: norm,
            clipped: false,
        };
        if !norm.is_finite() {
            return (model, info);
        }
        // `clip_grad_norm_`: g · min(1, τ / (‖g‖ + 1e-6)), the factor applied whenever it is < 1.
        let scale = match self.settings.clip {
            Some(tau) => (tau / (norm + 1e-6)).min(1.0),
            None => 1.0,
        };
        info.clipped = scale < 1.0;
        if self.m.is_empty() {
            self.m = read.params.iter().map(|p| vec![0.0; p.len()]).collect();
            self.v = self.m.clone();
        }
        self.step += 1;
        let s = self.settings;
        // Python's `beta ** step` (a float power, as PyTorch computes the bias corrections).
        let t = self.step as f64;
        let rule = Rule {
            s,
            scale,
            lr,
            step_size: lr / (1.0 - s.beta1.powf(t)),
            bc2_sqrt: (1.0 - s.beta2.powf(t)).sqrt(),
        };
        let mut updated = Vec::with_capacity(read.params.len());
        for (i, (p, g)) in read.params.into_iter().zip(read.grad).enumerate() {
            let Some(g) = g else {
                updated.push(None);
                continue;
            };
            let (m, v) = (&mut self.m[i], &mut self.v[i]);
            let mut p = p;
            match (&mut p, &g) {
                (Host::F32(p), Host::F32(g)) => rule.apply(p, g, m, v),
                (Host::F64(p), Host::F64(g)) => rule.apply(p, g, m, v),
                (Host::F32(p), Host::F64(g)) => rule.apply(p, g, m, v),
                (Host::F64(p), Host::F32(g)) => rule.apply(p, g, m, v),
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

/// One Adam update with its step's constants.
struct Rule {
    s: AdamSettings,
    /// Clipping factor on the gradient.
    scale: f64,
    /// The learning rate (RMSprop's step).
    lr: f64,
    /// `lr / (1 − β₁ᵗ)`.
    step_size: f64,
    /// `√(1 − β₂ᵗ)`.
    bc2_sqrt: f64,
}

impl Rule {
    /// PyTorch's `Adam.step` for one tensor (L2 decay added to the clipped gradient). The
    /// loop runs under `pulp`'s runtime dispatch: vectorised with AVX2 where the CPU has it
    /// (paper 003's ResNet updates 364,236 parameters per batch).
    fn apply<P: HostFloat, G: HostFloat>(
        &self,
        p: &mut [P],
        g: &[G],
        m: &mut [f64],
        v: &mut [f64],
    ) {
        vectorized(AdamLoop {
            rule: self,
            p,
            g,
            m,
            v,
        });
    }
}

/// [`Rule::apply`]'s loop, compiled for the CPU's vector extensions.
struct AdamLoop<'a, P, G> {
    rule: &'a Rule,
    p: &'a mut [P],
    g: &'a [G],
    m: &'a mut [f64],
    v: &'a mut [f64],
}

impl<P: HostFloat, G: HostFloat> Kernel for AdamLoop<'_, P, G> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (r, s) = (self.rule, &self.rule.s);
        // PyTorch's `_single_tensor_adam`, operation for operation (its order of roundings):
        // m.lerp_(g, 1 − β₁) (fused multiply-add, as ATen's vectorised lerp), v·β₂ + (1 − β₂)·g·g,
        // denom = √v / √(1 − β₂ᵗ) + ε, θ + (−step_size·m) / denom.
        let (w1, w2) = (1.0 - s.beta1, 1.0 - s.beta2);
        if s.algorithm == Algorithm::RmsProp {
            // PyTorch's `_single_tensor_rmsprop`: v·α + (1 − α)·g·g, θ − lr·g / (√v + ε).
            for ((p, g), v) in self.p.iter_mut().zip(self.g).zip(self.v) {
                let theta = p.to_f64();
                let gk = g.to_f64() * r.scale + s.weight_decay * theta;
                *v = *v * s.beta2 + w2 * gk * gk;
                *p = P::from_f64(theta - r.lr * gk / (v.sqrt() + s.eps));
            }
            return;
        }
        for (((p, g), m), v) in self.p.iter_mut().zip(self.g).zip(self.m).zip(self.v) {
            let theta = p.to_f64();
            let gk = g.to_f64() * r.scale + s.weight_decay * theta;
            *m = if w1.abs() < 0.5 {
                w1.mul_add(gk - *m, *m)
            } else {
                (w1 - 1.0).mul_add(gk - *m, gk)
            };
            *v = *v * s.beta2 + w2 * gk * gk;
            let denom = v.sqrt() / r.bc2_sqrt + s.eps;
            *p = P::from_f64(theta + (-r.step_size * *m) / denom);
        }
    }
}

/// The float types a parameter can have on the host.
trait HostFloat: Copy {
    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
}

impl HostFloat for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}

impl HostFloat for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
}

/// A tensor's values on the host in its own float type (f32 stays f32: no conversion copies).
enum Host {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Host {
    fn of<const D: usize>(t: &Tensor<D>) -> Self {
        let data = t.to_data();
        let direct = match data.dtype() {
            DType::F32 => data.try_into_vec::<f32>().map(Host::F32),
            _ => data.try_into_vec_as::<f64>().map(Host::F64),
        };
        // Every float dtype converts to f64; the fallback only guards odd storage layouts.
        direct.unwrap_or_else(|_| Host::F64(t.to_data().iter::<f64>().collect()))
    }

    fn len(&self) -> usize {
        match self {
            Host::F32(v) => v.len(),
            Host::F64(v) => v.len(),
        }
    }

    fn sq_sum(&self) -> f64 {
        match self {
            Host::F32(v) => v.iter().map(|&g| f64::from(g) * f64::from(g)).sum(),
            Host::F64(v) => v.iter().map(|&g| g * g).sum(),
        }
    }

    fn into_data(self, shape: burn::tensor::Shape) -> TensorData {
        match self {
            Host::F32(v) => TensorData::new(v, shape),
            Host::F64(v) => TensorData::new(v, shape),
        }
    }
}

struct Read<'a> {
    grads: &'a GradientsParams,
    params: Vec<Host>,
    grad: Vec<Option<Host>>,
}

impl ModuleVisitor for Read<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.params.push(Host::of(&param.val()));
        self.grad
            .push(self.grads.get::<D>(param.id).map(|g| Host::of(&g)));
    }
}

struct Write {
    values: Vec<Option<Host>>,
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
                let t = Tensor::from_data(v.into_data(old.shape()), &old.device());
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

#[cfg(test)]
#[path = "adam_tests.rs"]
mod tests;
