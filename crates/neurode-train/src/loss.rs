//! Losses of both papers.

use burn::Tensor;
use burn::tensor::Int;

/// Mean squared error over every element (eq 24).
pub fn mse(pred: Tensor<3>, target: Tensor<3>) -> Tensor<1> {
    (pred - target).powi_scalar(2).mean()
}

/// Time-weighted MSE (eq 25): `mean over (t, b, d) of w(t)·(ŷ − y)²`, `w(t) = 1 + α t / T`
/// with `t` the absolute time of each target (`weights` = `w` as `[time, batch]`).
pub fn weighted_mse(pred: Tensor<3>, target: Tensor<3>, weights: Tensor<2>) -> Tensor<1> {
    let [t, b] = weights.dims();
    let w = weights.reshape([t, b, 1]);
    ((pred - target).powi_scalar(2) * w).mean()
}

/// The weights `w(t) = 1 + α t / T` for absolute times `times` (row-major `[time, batch]`).
pub fn time_weights(times: &[f64], alpha: f64, horizon: f64) -> Vec<f64> {
    times.iter().map(|t| 1.0 + alpha * t / horizon).collect()
}

/// Mean cross-entropy of `logits` `[batch, classes]` against class indices.
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let logp = burn::tensor::activation::log_softmax(logits, 1);
    let [b, _] = logp.dims();
    let picked = logp.gather(1, labels.reshape([b, 1]));
    picked.mean().neg()
}
