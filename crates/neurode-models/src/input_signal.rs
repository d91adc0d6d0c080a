//! An input signal for driven cells (LTC, input-concatenated Neural ODEs): samples held
//! between their times.

use burn::Tensor;
use burn::tensor::{Device, TensorData};

use crate::ModelError;
use crate::error::at_least;

/// An input held piecewise constant between its sample times (zero-order hold): `x(t)` is the
/// sample at the last time `≤ t` (the first sample before it). Host data, so the same signal
/// drives the cell on any device.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSignal {
    times: Vec<f64>,
    batch: usize,
    dim: usize,
    /// `[time][batch × dim]`, row-major.
    values: Vec<Vec<f64>>,
}

impl InputSignal {
    /// `values[k]` (row-major `[batch, dim]`) held from `times[k]` on. Times must be finite and
    /// increasing, with one sample per time, each of `batch × dim` finite values.
    pub fn new(
        times: Vec<f64>,
        batch: usize,
        dim: usize,
        values: Vec<Vec<f64>>,
    ) -> Result<Self, ModelError> {
        at_least("input batch", batch, 1)?;
        at_least("input features", dim, 1)?;
        if times.is_empty() || times.len() != values.len() {
            return Err(ModelError::Shape {
                name: "input signal",
                got: vec![times.len(), values.len()],
                expected: "one sample per sample time, at least one".into(),
            });
        }
        if !times.iter().all(|t| t.is_finite()) || !times.windows(2).all(|w| w[1] > w[0]) {
            return Err(ModelError::InvalidConfig {
                name: "input times",
                value: format!("{times:?}"),
                expected: "finite, strictly increasing times",
            });
        }
        if let Some(v) = values.iter().find(|v| v.len() != batch * dim) {
            return Err(ModelError::Shape {
                name: "input sample",
                got: vec![v.len()],
                expected: format!("{batch} × {dim} values (row-major [batch, features])"),
            });
        }
        if values.iter().flatten().any(|x| !x.is_finite()) {
            return Err(ModelError::NonFinite {
                name: "input signal",
            });
        }
        Ok(Self {
            times,
            batch,
            dim,
            values,
        })
    }

    /// A signal that is zero forever (an undriven cell).
    pub fn zeros(batch: usize, dim: usize) -> Self {
        Self {
            times: vec![0.0],
            batch,
            dim,
            values: vec![vec![0.0; batch * dim]],
        }
    }

    /// Rows and features of every sample.
    pub fn shape(&self) -> [usize; 2] {
        [self.batch, self.dim]
    }

    /// The held sample at `t`, row-major `[batch, dim]`.
    pub fn at(&self, t: f64) -> &[f64] {
        let k = self.times.partition_point(|&s| s <= t).max(1) - 1;
        &self.values[k]
    }

    /// The held sample at `t` as a `[batch, dim]` tensor on `device`.
    pub fn tensor_at(&self, t: f64, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.at(t).to_vec(), [self.batch, self.dim]),
            device,
        )
    }

    /// The sample times (each sample held from its time on).
    pub fn times(&self) -> &[f64] {
        &self.times
    }
}
