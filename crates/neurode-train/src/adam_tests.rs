//! Adam and RMSprop against PyTorch's update rules, written out.

use super::*;
use neurode_backend::{Backend, Device, Precision};

#[derive(burn::module::Module, Debug)]
struct Two {
    w: Param<Tensor<1>>,
}

/// The gradients both tests step with, one per step.
const GRADS: [[f64; 2]; 3] = [[3.0, 4.0], [0.1, -0.2], [-0.5, 0.3]];

fn vector(v: [f64; 2], device: &Device) -> Tensor<1> {
    Tensor::<1>::from_data(TensorData::new(v.to_vec(), [2]), device)
}

/// The model at `[1, −2]`.
fn start(device: &Device) -> Two {
    Two {
        w: Param::from_tensor(vector([1.0, -2.0], device)),
    }
}

/// `g` as the gradient of the model's weights.
fn gradient(model: &Two, g: [f64; 2], device: &Device) -> GradientsParams {
    let mut grads = GradientsParams::new();
    grads.register(model.w.id, vector(g, device));
    grads
}

fn weights(model: &Two) -> Vec<f64> {
    model.w.val().to_data().iter::<f64>().collect()
}

/// PyTorch's `clip_grad_norm_(…, τ)` then `Adam(lr, weight_decay=λ).step()`, written out.
fn reference(theta: &mut [f64; 2], m: &mut [f64; 2], v: &mut [f64; 2], g: [f64; 2], t: i32) {
    let (lr, b1, b2, eps, wd, tau) = (0.1, 0.9, 0.999, 1e-8, 0.1, 1.0);
    let norm = (g[0] * g[0] + g[1] * g[1]).sqrt();
    let c = f64::min(1.0, tau / (norm + 1e-6));
    for k in 0..2 {
        let gk = g[k] * c + wd * theta[k];
        m[k] = b1 * m[k] + (1.0 - b1) * gk;
        v[k] = b2 * v[k] + (1.0 - b2) * gk * gk;
        let mh = m[k] / (1.0 - f64::powi(b1, t));
        let vh = v[k] / (1.0 - f64::powi(b2, t));
        theta[k] -= lr * mh / (vh.sqrt() + eps);
    }
}

#[test]
fn matches_pytorch_adam_with_global_clipping() {
    let device = neurode_backend::device(Backend::Flex, Precision::F64).unwrap();
    let mut model = start(&device);
    let mut adam = Adam::new(AdamSettings {
        weight_decay: 0.1,
        clip: Some(1.0),
        ..AdamSettings::default()
    });
    let (mut theta, mut m, mut v) = ([1.0, -2.0], [0.0; 2], [0.0; 2]);
    for (t, g) in GRADS.into_iter().enumerate() {
        let grads = gradient(&model, g, &device);
        let (next, info) = adam.step(model, &grads, 0.1);
        model = next;
        assert_eq!(info.clipped, t == 0);
        reference(&mut theta, &mut m, &mut v, g, t as i32 + 1);
        let got = weights(&model);
        assert!(
            (got[0] - theta[0]).abs() < 1e-12 && (got[1] - theta[1]).abs() < 1e-12,
            "step {t}: {got:?} vs {theta:?}"
        );
    }
    assert_eq!(adam.step, 3);
    // The state survives serialisation exactly (resume).
    let back: Adam = serde_json::from_str(&serde_json::to_string(&adam).unwrap()).unwrap();
    assert_eq!(back, adam);
}

/// PyTorch's `RMSprop(lr, alpha, eps)` (no momentum, not centred), written out.
fn rmsprop_reference(theta: &mut [f64; 2], v: &mut [f64; 2], g: [f64; 2]) {
    let (lr, alpha, eps) = (1e-3, 0.99, 1e-8);
    for k in 0..2 {
        v[k] = alpha * v[k] + (1.0 - alpha) * g[k] * g[k];
        theta[k] -= lr * g[k] / (v[k].sqrt() + eps);
    }
}

#[test]
fn matches_pytorch_rmsprop() {
    let device = neurode_backend::device(Backend::Flex, Precision::F64).unwrap();
    let mut model = start(&device);
    let mut opt = Adam::new(AdamSettings {
        algorithm: Algorithm::RmsProp,
        beta2: 0.99,
        ..AdamSettings::default()
    });
    let (mut theta, mut v) = ([1.0, -2.0], [0.0; 2]);
    for (t, g) in GRADS.into_iter().enumerate() {
        let grads = gradient(&model, g, &device);
        model = opt.step(model, &grads, 1e-3).0;
        rmsprop_reference(&mut theta, &mut v, g);
        let got = weights(&model);
        assert!(
            (got[0] - theta[0]).abs() < 1e-15 && (got[1] - theta[1]).abs() < 1e-15,
            "{got:?} vs {theta:?}"
        );
        if t == 0 {
            // RMSprop's first step is lr / √(1 − α) · sign(g) = 0.01 on every weight (less
            // a relative ε / |g|√(1 − α) ≈ 3e-8 of it).
            assert!((got[0] - 0.99).abs() < 1e-9 && (got[1] + 2.01).abs() < 1e-9);
        }
    }
}
