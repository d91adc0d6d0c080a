//! Evaluation metrics of both papers, on host values.
//!
//! * **test MSE**: mean of `(ŷ − y)²` over every time and component of the full trajectory
//!   predicted from `y₀` on [0, 25] (paper 000's "test loss").
//! * **drift ratio**: with `e(t) = Σ_d |ŷ_d(t) − y_d(t)|`, the mean of `e` over the second half
//!   of the test times divided by its mean over the first half (split at the middle sample,
//!   t = 12.5 on the paper's grid). Above 1: late-time error dominates (paper 000 Tables 1–2).
//! * **extrapolation MAE**: mean of `|ŷ − y|` over every time and component of the trajectory
//!   predicted on the extended range [0, 35]; `beyond MAE` restricts it to t > 25.
//! * **accuracy**: share of points whose largest logit is the label.

/// Mean squared error of two equally long host vectors.
pub fn mse(pred: &[f64], truth: &[f64]) -> f64 {
    pred.iter()
        .zip(truth)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / pred.len().max(1) as f64
}

/// Mean absolute error.
pub fn mae(pred: &[f64], truth: &[f64]) -> f64 {
    pred.iter()
        .zip(truth)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / pred.len().max(1) as f64
}

/// The drift ratio of a `[time, dim]` row-major prediction (see the module docs).
pub fn drift_ratio(pred: &[f64], truth: &[f64], dim: usize) -> f64 {
    let e: Vec<f64> = pred
        .chunks(dim)
        .zip(truth.chunks(dim))
        .map(|(p, t)| p.iter().zip(t).map(|(a, b)| (a - b).abs()).sum())
        .collect();
    let half = e.len() / 2;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len().max(1) as f64;
    mean(&e[half..]) / mean(&e[..half])
}

/// Share of rows of `logits` (`[n, classes]` row-major) whose arg-max is the label.
pub fn accuracy(logits: &[f64], labels: &[usize]) -> f64 {
    let classes = logits.len() / labels.len().max(1);
    let hits = logits
        .chunks(classes)
        .zip(labels)
        .filter(|(row, label)| {
            let best = row
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
                );
            best.0 == **label
        })
        .count();
    hits as f64 / labels.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_known_values() {
        assert_eq!(mse(&[1.0, 2.0], &[0.0, 0.0]), 2.5);
        assert_eq!(mae(&[1.0, -2.0], &[0.0, 0.0]), 1.5);
        // Errors per time: 1, 1 (first half), 3, 3 (second half) → ratio 3.
        let pred = [1.0, 0.0, 0.0, 1.0, 2.0, 1.0, 3.0, 0.0];
        assert_eq!(drift_ratio(&pred, &[0.0; 8], 2), 3.0);
        assert_eq!(
            accuracy(&[0.1, 0.9, 2.0, -1.0, 0.0, 0.5], &[1, 0, 0]),
            2.0 / 3.0
        );
    }
}
