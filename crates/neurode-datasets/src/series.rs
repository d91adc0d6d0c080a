//! A sampled trajectory `y(tᵢ)` on the host.

use burn::Tensor;
use burn::tensor::{Device, TensorData};

/// One trajectory: increasing times and the state at each, row-major `[len, dim]`, in f64 on
/// the host (identical on every backend; converted to the device's precision on upload).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Sample times, strictly increasing.
    pub ts: Vec<f64>,
    /// States, row-major `[len, dim]`.
    pub values: Vec<f64>,
    /// State dimension.
    pub dim: usize,
}

impl Series {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// The state at sample `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// The states as a `[len, dim]` tensor.
    pub fn tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.values.clone(), [self.len(), self.dim]),
            device,
        )
    }

    /// Whether the samples are evenly spaced (relative spread of the gaps below 1e-9), so
    /// that every window of a given length shares one relative time grid.
    pub fn is_uniform(&self) -> bool {
        if self.ts.len() < 3 {
            return true;
        }
        let h = (self.ts[self.ts.len() - 1] - self.ts[0]) / (self.ts.len() - 1) as f64;
        self.ts
            .windows(2)
            .all(|w| ((w[1] - w[0]) - h).abs() <= 1e-9 * h.abs().max(1e-300))
    }
}
