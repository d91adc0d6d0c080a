//! Paper 003's two interleaving Archimedean spirals, splits and shuffled batches.

use std::f64::consts::PI;

use burn::Tensor;
use burn::tensor::{Device, Int, TensorData};
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use rand_distr::{Distribution, Normal};

use crate::DataError;
use crate::error::invalid;

/// Labelled points: features row-major `[len, dim]` and a class per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Labeled {
    /// Features, row-major `[len, dim]`.
    pub x: Vec<f64>,
    /// Class of each row, `0..classes`.
    pub labels: Vec<usize>,
    /// Feature dimension.
    pub dim: usize,
}

impl Labeled {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of classes (largest label + 1).
    pub fn classes(&self) -> usize {
        self.labels.iter().max().map_or(0, |m| m.saturating_add(1))
    }

    /// The rows `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Labeled {
        let mut x = Vec::with_capacity(idx.len() * self.dim);
        for &i in idx {
            x.extend_from_slice(&self.x[i * self.dim..(i + 1) * self.dim]);
        }
        Labeled {
            x,
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
            dim: self.dim,
        }
    }

    /// Features `[len, dim]` and labels `[len]` as tensors.
    pub fn tensors(&self, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
        let x = Tensor::from_data(
            TensorData::new(self.x.clone(), [self.len(), self.dim]),
            device,
        );
        let labels: Vec<i64> = self.labels.iter().map(|&l| l as i64).collect();
        let y = Tensor::from_data(TensorData::new(labels, [self.len()]), device);
        (x, y)
    }

    /// A seeded random split: `test_fraction` of the points (rounded) go to the test set. With
    /// `test_fraction = 0`, both sets are all the points (train-set accuracy, as paper 003's
    /// NFE count implies).
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Labeled, Labeled), DataError> {
        if !(0.0..1.0).contains(&test_fraction) {
            return Err(invalid("test_fraction", test_fraction, "in [0, 1)"));
        }
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.shuffle(&mut StdRng::seed_from_u64(seed));
        let n_test = (self.len() as f64 * test_fraction).round() as usize;
        if n_test == 0 {
            return Ok((self.clone(), self.clone()));
        }
        Ok((self.select(&idx[n_test..]), self.select(&idx[..n_test])))
    }

    /// Index batches of at most `batch` rows covering every point once, shuffled by `rng`
    /// (one epoch).
    pub fn shuffled_batches(&self, batch: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.shuffle(rng);
        idx.chunks(batch.max(1)).map(<[usize]>::to_vec).collect()
    }
}

/// Two interleaving Archimedean spirals `r = θ/(3π)`, θ evenly spaced on `[0, 3π]`, Gaussian
/// noise on each coordinate, the second class rotated by π (paper 003).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoSpirals {
    /// Points per class (paper: 500, 1,000 in all).
    pub per_class: usize,
    /// Standard deviation of the coordinate noise (paper: 0.1).
    pub noise: f64,
    /// Largest angle (paper: 3π, 1.5 turns).
    pub theta_max: f64,
}

impl Default for TwoSpirals {
    fn default() -> Self {
        Self {
            per_class: 500,
            noise: 0.1,
            theta_max: 3.0 * PI,
        }
    }
}

impl TwoSpirals {
    /// Generates the points (class 0 first) with noise from `seed`.
    pub fn generate(&self, seed: u64) -> Result<Labeled, DataError> {
        if self.per_class < 2 {
            return Err(invalid("per_class", self.per_class, "at least 2"));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(invalid("noise", self.noise, "a finite value ≥ 0"));
        }
        if !(self.theta_max.is_finite() && self.theta_max > 0.0) {
            return Err(invalid("theta_max", self.theta_max, "a finite angle > 0"));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let normal = Normal::new(0.0, self.noise).expect("noise checked above");
        let n = self.per_class;
        let mut x = Vec::with_capacity(4 * n);
        let mut labels = Vec::with_capacity(2 * n);
        for (class, rot) in [(0usize, 0.0), (1, PI)] {
            for i in 0..n {
                let theta = self.theta_max * i as f64 / (n - 1) as f64;
                let r = theta / (3.0 * PI);
                x.push(r * (theta + rot).cos() + normal.sample(&mut rng));
                x.push(r * (theta + rot).sin() + normal.sample(&mut rng));
                labels.push(class);
            }
        }
        Ok(Labeled { x, labels, dim: 2 })
    }
}

impl TwoSpirals {
    /// The Bayes-optimal class of `point` under this generator: the class whose noise-blurred
    /// spiral (the same θ grid, Gaussian noise of [`TwoSpirals::noise`]) gives it the higher
    /// likelihood. No classifier beats its accuracy on fresh points in expectation, so it is
    /// the yardstick of held-out accuracy (paper 003's data: about 87 %).
    pub fn bayes_class(&self, point: [f64; 2]) -> usize {
        let n = self.per_class.max(2);
        let s2 = (2.0 * self.noise * self.noise).max(f64::MIN_POSITIVE);
        // log Σᵢ exp(−‖x − cᵢ‖² / 2σ²) per class, by log-sum-exp over the grid.
        let log_lik = |rot: f64| {
            let d2: Vec<f64> = (0..n)
                .map(|i| {
                    let theta = self.theta_max * i as f64 / (n - 1) as f64;
                    let r = theta / (3.0 * PI);
                    let (dx, dy) = (
                        point[0] - r * (theta + rot).cos(),
                        point[1] - r * (theta + rot).sin(),
                    );
                    -(dx * dx + dy * dy) / s2
                })
                .collect();
            let top = d2.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            top + d2.iter().map(|e| (e - top).exp()).sum::<f64>().ln()
        };
        usize::from(log_lik(PI) > log_lik(0.0))
    }

    /// The accuracy of [`TwoSpirals::bayes_class`] on `data` (2-D points), in [0, 1].
    pub fn bayes_accuracy(&self, data: &Labeled) -> Result<f64, DataError> {
        if data.dim != 2 || data.is_empty() {
            return Err(invalid("data", data.dim, "non-empty 2-D points"));
        }
        let hits = data
            .x
            .chunks_exact(2)
            .zip(&data.labels)
            .filter(|(x, l)| self.bayes_class([x[0], x[1]]) == **l)
            .count();
        Ok(hits as f64 / data.len() as f64)
    }
}
