//! Random trajectory windows for mini-batch training (paper 000 eq 29).

use rand::{Rng, SeedableRng, rngs::StdRng, seq::index};

use crate::error::invalid;
use crate::{DataError, Series};

/// A batch of `B` windows of `seq_len` consecutive samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentBatch {
    /// Which trajectory each window comes from.
    pub series: Vec<usize>,
    /// Index of each window's first sample in its trajectory.
    pub starts: Vec<usize>,
    /// Absolute time of each window's first sample.
    pub start_times: Vec<f64>,
    /// First state of each window, row-major `[B, dim]`.
    pub y0: Vec<f64>,
    /// The window's states, row-major `[seq_len, B, dim]` (time-major, like a solve's output).
    pub targets: Vec<f64>,
    /// Absolute times, row-major `[seq_len, B]`.
    pub times: Vec<f64>,
    /// The shared relative time grid `tᵢ − t₀` when every window has the same one (evenly
    /// spaced data); `None` when windows must be solved one by one.
    pub rel_ts: Option<Vec<f64>>,
    /// Window length.
    pub seq_len: usize,
    /// State dimension.
    pub dim: usize,
}

impl SegmentBatch {
    /// Number of windows.
    pub fn batch(&self) -> usize {
        self.starts.len()
    }

    /// The absolute times of window `b`.
    pub fn window_times(&self, b: usize) -> Vec<f64> {
        (0..self.seq_len)
            .map(|k| self.times[k * self.batch() + b])
            .collect()
    }
}

/// Draws windows from one or more trajectories with its own seeded RNG: the same seed gives
/// the same batches on every machine and backend.
#[derive(Debug, Clone)]
pub struct SegmentSampler {
    rng: StdRng,
    batch: usize,
    seq_len: usize,
}

impl SegmentSampler {
    /// `batch` windows of `seq_len` samples each (paper 000: 32 × 20 or 32 × 40).
    pub fn new(batch: usize, seq_len: usize, seed: u64) -> Result<Self, DataError> {
        if batch == 0 {
            return Err(invalid("batch_size", batch, "at least 1"));
        }
        if seq_len < 2 {
            return Err(invalid("seq_len", seq_len, "at least 2 samples per window"));
        }
        Ok(Self {
            rng: StdRng::seed_from_u64(seed),
            batch,
            seq_len,
        })
    }

    /// The next batch. On a single trajectory the starts are distinct (drawn without
    /// replacement from the `len − seq_len` possible ones, as torchdiffeq's example does);
    /// across several trajectories each window first picks a trajectory in proportion to its
    /// number of windows.
    pub fn sample(&mut self, data: &[Series]) -> Result<SegmentBatch, DataError> {
        let windows: Vec<usize> = data
            .iter()
            .map(|s| s.len().saturating_sub(self.seq_len))
            .collect();
        let total: usize = windows.iter().sum();
        if total == 0 {
            let longest = data.iter().map(Series::len).max().unwrap_or(0);
            return Err(invalid(
                "seq_len",
                self.seq_len,
                &format!("below the longest trajectory's length {longest}"),
            ));
        }
        let picks: Vec<usize> = if total >= self.batch {
            index::sample(&mut self.rng, total, self.batch).into_vec()
        } else {
            (0..self.batch)
                .map(|_| self.rng.random_range(0..total))
                .collect()
        };
        let mut at = Vec::with_capacity(picks.len());
        for mut p in picks {
            let mut s = 0;
            while p >= windows[s] {
                p -= windows[s];
                s += 1;
            }
            at.push((s, p));
        }
        Ok(windows_at(data, &at, self.seq_len))
    }
}

impl SegmentBatch {
    /// The windows of `seq_len` samples of `series` starting at the sample indices `starts`
    /// (e.g. a batch recorded elsewhere, such as a PyTorch training trace).
    pub fn from_starts(
        series: &Series,
        starts: &[usize],
        seq_len: usize,
    ) -> Result<SegmentBatch, DataError> {
        if starts.is_empty() {
            return Err(invalid("starts", "[]", "at least one window"));
        }
        if seq_len < 2 {
            return Err(invalid("seq_len", seq_len, "at least 2 samples per window"));
        }
        if let Some(&bad) = starts
            .iter()
            .find(|&&s| s.checked_add(seq_len).is_none_or(|end| end > series.len()))
        {
            return Err(invalid(
                "starts",
                bad,
                &format!(
                    "a start index ≤ {} (the series has {} samples, windows {seq_len})",
                    series.len().saturating_sub(seq_len),
                    series.len()
                ),
            ));
        }
        let at: Vec<(usize, usize)> = starts.iter().map(|&p| (0, p)).collect();
        Ok(windows_at(std::slice::from_ref(series), &at, seq_len))
    }
}

/// The batch of windows `(series index, start index)`, each `seq_len` samples long (in range).
fn windows_at(data: &[Series], at: &[(usize, usize)], seq_len: usize) -> SegmentBatch {
    let dim = data.first().map_or(0, |s| s.dim);
    let (b, l) = (at.len(), seq_len);
    let mut out = SegmentBatch {
        series: Vec::with_capacity(b),
        starts: Vec::with_capacity(b),
        start_times: Vec::with_capacity(b),
        y0: Vec::with_capacity(b * dim),
        targets: vec![0.0; l * b * dim],
        times: vec![0.0; l * b],
        rel_ts: None,
        seq_len: l,
        dim,
    };
    for (j, &(s, p)) in at.iter().enumerate() {
        let series = &data[s];
        out.series.push(s);
        out.starts.push(p);
        out.start_times.push(series.ts[p]);
        out.y0.extend_from_slice(series.row(p));
        for k in 0..l {
            out.times[k * b + j] = series.ts[p + k];
            let at = (k * b + j) * dim;
            out.targets[at..at + dim].copy_from_slice(series.row(p + k));
        }
    }
    out.rel_ts = shared_grid(&out, &data[at[0].0]);
    out
}

/// The relative grid shared by every window, if they share one (to 1e-9 relative): the first
/// `seq_len` times of the first window's trajectory, relative to its start. This is the grid
/// torchdiffeq's examples solve every window on (`t[:seq_len]`), so a fixed `step_size` tiles
/// it exactly; differences of window times would be a few ulps off it.
fn shared_grid(batch: &SegmentBatch, series: &Series) -> Option<Vec<f64>> {
    let ts = &series.ts[..batch.seq_len];
    let rel: Vec<f64> = ts.iter().map(|t| t - ts[0]).collect();
    let scale = rel.last().copied().unwrap_or(1.0).abs().max(1e-300);
    (1..batch.batch())
        .all(|b| {
            let w = batch.window_times(b);
            w.iter()
                .zip(&rel)
                .all(|(t, r)| ((t - w[0]) - r).abs() <= 1e-9 * scale)
        })
        .then_some(rel)
}
