//! A state's values on the host as independent rows: what the implicit methods' linear algebra
//! works on.

/// A batch state's values in `f64` on the host, row-major: `rows` independent systems of `n`
/// components each (a `[batch, dim]` tensor is `batch` rows of `dim`; a `Vec<f64>` one row).
#[derive(Debug, Clone, PartialEq)]
pub struct HostRows {
    /// Number of independent systems.
    pub rows: usize,
    /// Components of each system.
    pub n: usize,
    /// `rows · n` values, row after row.
    pub values: Vec<f64>,
}

impl HostRows {
    /// `rows × n` values (`values.len()` must be `rows · n`).
    pub fn new(rows: usize, n: usize, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), rows * n);
        Self { rows, n, values }
    }

    /// Zeros of the same shape.
    pub(crate) fn zeros_like(&self) -> Self {
        Self::new(self.rows, self.n, vec![0.0; self.values.len()])
    }

    /// `self + Σ cᵢ·kᵢ`, skipping zero coefficients.
    pub(crate) fn add_scaled(&self, terms: &[(f64, &HostRows)]) -> Self {
        let mut out = self.clone();
        for (c, k) in terms.iter().filter(|(c, _)| *c != 0.0) {
            for (o, x) in out.values.iter_mut().zip(&k.values) {
                *o += c * x;
            }
        }
        out
    }

    /// Whether every value is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.values.iter().all(|v| v.is_finite())
    }
}
