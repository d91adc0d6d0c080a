//! Per-row output times: a ragged grid, one strictly monotonic list of times per batch row.

use crate::SolveError;
use crate::time_grid::validate_time_grid;

/// The output times of a per-row solve: row `r` of the batch starts at `times(r)[0]` (where
/// its initial state is given) and is reported at every time of `times(r)`, which increase
/// (or, for a row integrated backwards, decrease). Rows have their own span, direction and
/// number of outputs.
///
/// Layout: the rows' times end to end in one flat vector, row `r` at
/// `offsets[r]..offsets[r + 1]` (a CSR layout); [`RowGrid::from_padded`] reads the other
/// common layout, a padded `[batch, max_len]` matrix with each row's length.
///
/// ```
/// use neurode_solvers::RowGrid;
/// let grid = RowGrid::new(vec![vec![0.0, 0.5, 2.0], vec![1.0, 3.0], vec![5.0, 4.0, 3.5, 0.0]]).unwrap();
/// assert_eq!(grid.rows(), 3);
/// assert_eq!(grid.times(1), &[1.0, 3.0]);
/// assert_eq!(grid.max_len(), 4);
/// assert_eq!(grid.direction(2), -1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RowGrid {
    flat: Vec<f64>,
    offsets: Vec<usize>,
    dirs: Vec<f64>,
}

impl RowGrid {
    /// One list of output times per row. Every row needs at least one time (its start); each
    /// list must be finite and strictly monotonic.
    pub fn new(rows: Vec<Vec<f64>>) -> Result<Self, SolveError> {
        let mut flat = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        for row in &rows {
            flat.extend_from_slice(row);
            offsets.push(flat.len());
        }
        Self::from_parts(flat, offsets)
    }

    /// The same times for `batch` rows (the shared clock's grid, solved per row).
    pub fn uniform(ts: &[f64], batch: usize) -> Result<Self, SolveError> {
        Self::new(vec![ts.to_vec(); batch])
    }

    /// A padded `[batch, max_len]` row-major matrix of times and each row's length (`lens[r]`
    /// leading entries of row `r` are used, the rest ignored).
    pub fn from_padded(padded: &[f64], lens: &[usize]) -> Result<Self, SolveError> {
        let batch = lens.len();
        if batch == 0 {
            return Err(SolveError::EmptyBatch);
        }
        if !padded.len().is_multiple_of(batch) {
            return Err(SolveError::InvalidRowGrid {
                row: 0,
                reason: format!(
                    "{} padded times do not split into {batch} rows of equal length",
                    padded.len()
                ),
            });
        }
        let width = padded.len() / batch;
        let mut rows = Vec::with_capacity(batch);
        for (r, &len) in lens.iter().enumerate() {
            if len > width {
                return Err(SolveError::InvalidRowGrid {
                    row: r,
                    reason: format!("length {len} exceeds the padded width {width}"),
                });
            }
            rows.push(padded[r * width..r * width + len].to_vec());
        }
        Self::new(rows)
    }

    fn from_parts(flat: Vec<f64>, offsets: Vec<usize>) -> Result<Self, SolveError> {
        let batch = offsets.len() - 1;
        if batch == 0 {
            return Err(SolveError::EmptyBatch);
        }
        let mut dirs = Vec::with_capacity(batch);
        for r in 0..batch {
            let ts = &flat[offsets[r]..offsets[r + 1]];
            let dir = validate_time_grid(ts).map_err(|e| SolveError::InvalidRowGrid {
                row: r,
                reason: e.to_string(),
            })?;
            dirs.push(dir);
        }
        Ok(Self {
            flat,
            offsets,
            dirs,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.dirs.len()
    }

    /// The output times of row `r`.
    pub fn times(&self, r: usize) -> &[f64] {
        &self.flat[self.offsets[r]..self.offsets[r + 1]]
    }

    /// Number of outputs of row `r` (its start included).
    pub fn len(&self, r: usize) -> usize {
        self.offsets[r + 1] - self.offsets[r]
    }

    /// Every row's number of outputs.
    pub fn lens(&self) -> Vec<usize> {
        (0..self.rows()).map(|r| self.len(r)).collect()
    }

    /// The most outputs of any row (the padded output's first dimension).
    pub fn max_len(&self) -> usize {
        (0..self.rows()).map(|r| self.len(r)).max().unwrap_or(0)
    }

    /// `1.0` when row `r` integrates forwards (or has one time), `-1.0` backwards.
    pub fn direction(&self, r: usize) -> f64 {
        self.dirs[r]
    }

    /// Where row `r` starts.
    pub fn start(&self, r: usize) -> f64 {
        self.flat[self.offsets[r]]
    }

    /// Where row `r` ends (its last output time).
    pub fn end(&self, r: usize) -> f64 {
        self.flat[self.offsets[r + 1] - 1]
    }

    /// `[max_len, batch]` (time-major, row-major host copy): `true` for the first `produced[r]`
    /// outputs of each row `r` — the real entries of a padded per-row output.
    pub fn mask(&self, produced: &[usize]) -> Vec<bool> {
        let b = self.rows();
        let mut m = vec![false; self.max_len() * b];
        for (r, &n) in produced.iter().enumerate().take(b) {
            for k in 0..n.min(self.max_len()) {
                m[k * b + r] = true;
            }
        }
        m
    }

    /// The times padded to `[max_len, batch]` (time-major, like a solve's output), entries
    /// past a row's length repeating its last time; and the mask of real entries.
    pub fn padded_time_major(&self) -> (Vec<f64>, Vec<bool>) {
        let (l, b) = (self.max_len(), self.rows());
        let mut ts = vec![0.0; l * b];
        let mut mask = vec![false; l * b];
        for r in 0..b {
            let row = self.times(r);
            for k in 0..l {
                ts[k * b + r] = row[k.min(row.len() - 1)];
                mask[k * b + r] = k < row.len();
            }
        }
        (ts, mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_keep_their_own_direction_and_length() {
        let g = RowGrid::new(vec![vec![0.0, 1.0], vec![3.0], vec![2.0, 1.0, 0.0]]).unwrap();
        assert_eq!(g.lens(), vec![2, 1, 3]);
        assert_eq!(
            [g.direction(0), g.direction(1), g.direction(2)],
            [1.0, 1.0, -1.0]
        );
        assert_eq!((g.start(2), g.end(2)), (2.0, 0.0));
        let (ts, mask) = g.padded_time_major();
        assert_eq!(ts, vec![0.0, 3.0, 2.0, 1.0, 3.0, 1.0, 1.0, 3.0, 0.0]);
        assert_eq!(
            mask,
            vec![true, true, true, true, false, true, false, false, true]
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let e = RowGrid::new(vec![vec![0.0, 1.0], vec![0.0, 0.0]]).unwrap_err();
        assert!(
            matches!(e, SolveError::InvalidRowGrid { row: 1, .. }),
            "{e}"
        );
        let e = RowGrid::new(vec![vec![0.0], vec![]]).unwrap_err();
        assert!(
            matches!(e, SolveError::InvalidRowGrid { row: 1, .. }),
            "{e}"
        );
        assert_eq!(RowGrid::new(vec![]), Err(SolveError::EmptyBatch));
        let p = RowGrid::from_padded(&[0.0, 1.0, 9.0, 0.0, 2.0, 3.0], &[2, 3]).unwrap();
        assert_eq!(p.times(0), &[0.0, 1.0]);
        assert_eq!(p.times(1), &[0.0, 2.0, 3.0]);
        assert!(RowGrid::from_padded(&[0.0, 1.0, 2.0], &[2, 1]).is_err());
        assert!(RowGrid::from_padded(&[0.0, 1.0], &[3]).is_err());
    }
}
