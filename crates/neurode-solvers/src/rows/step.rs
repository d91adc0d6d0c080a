//! The per-row Runge–Kutta step (every row its own `t` and `h`), its per-row error norms and
//! Hairer's initial step per row.

use burn::Tensor;

use super::RowDynamics;
use super::norm::{ErrorScale, RowErrorNorm};
use super::ops::add_row_scaled;
use crate::State;
use crate::stepper::{dop853_norm, stages};
use crate::tableau::{ErrorEstimator, Tableau};

/// Counts evaluations: batched calls, and per row how many calls included it.
pub(crate) struct RowCounted<'a, F> {
    pub f: &'a F,
    pub calls: usize,
    pub row_nfe: Vec<usize>,
    /// The first evaluation that returned another shape than its state's (`(state,
    /// returned)`); the loops turn it into [`crate::SolveError::ShapeMismatch`].
    pub mismatch: Option<(String, String)>,
}

impl<'a, F: RowDynamics> RowCounted<'a, F> {
    /// Counts the evaluations of `f` over a batch of `rows` rows.
    pub fn new(f: &'a F, rows: usize) -> Self {
        Self {
            f,
            calls: 0,
            row_nfe: vec![0; rows],
            mismatch: None,
        }
    }

    /// `f` at `(t[i], y[i])` for the batch rows `rows` (one per row of `y`). The batch shrinks
    /// as rows finish, so the shape is checked on every call (a field that broadcasts a
    /// per-batch tensor instead of gathering its rows would otherwise mix rows up); a wrong
    /// shape is recorded and zeros of the right shape returned.
    pub fn eval(&mut self, t: &[f64], y: &Tensor<2>, rows: &[usize]) -> Tensor<2> {
        self.calls += 1;
        for &r in rows {
            self.row_nfe[r] += 1;
        }
        let out = self.f.eval_rows(&super::RowsAt { t, rows }, y);
        if out.dims() != y.dims() {
            self.mismatch
                .get_or_insert((format!("{:?}", y.dims()), format!("{:?}", out.dims())));
            return y.zeros_like();
        }
        out
    }

    /// The recorded shape mismatch, as an error.
    pub fn check(&mut self) -> Result<(), crate::SolveError> {
        match self.mismatch.take() {
            Some((state, returned)) => Err(crate::SolveError::ShapeMismatch { state, returned }),
            None => Ok(()),
        }
    }
}

/// One attempted step of the active rows.
pub(crate) struct RowStep {
    pub y1: Tensor<2>,
    /// `ks[0] = f(t, y)`; for FSAL methods the last is `f(t + h, y1)`.
    pub ks: Vec<Tensor<2>>,
    /// Error norm per row (empty without error control).
    pub err: Vec<f64>,
}

/// Tolerances and norm of the per-row error control.
pub(crate) struct RowControl<'a, N> {
    pub norm: &'a N,
    pub rtol: f64,
    pub atol: f64,
}

/// One step of `tab` for the rows `rows` at times `t` with signed lengths `h` (one each).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rk_step_rows<F: RowDynamics, N: RowErrorNorm>(
    tab: &Tableau,
    f: &mut RowCounted<'_, F>,
    rows: &[usize],
    t: &[f64],
    y: &Tensor<2>,
    f0: Tensor<2>,
    h: &[f64],
    control: Option<&RowControl<'_, N>>,
) -> RowStep {
    let advance = |w: &[f64], ks: &[Tensor<2>]| {
        let terms: Vec<(f64, &Tensor<2>)> = w.iter().copied().zip(ks).collect();
        add_row_scaled(y, h, &terms)
    };
    let (y1, ks, _) = stages(tab, f0, advance, None, |i, yi| {
        let ti: Vec<f64> = t.iter().zip(h).map(|(t, h)| t + tab.c[i] * h).collect();
        f.eval(&ti, yi, rows)
    });
    let err = control
        .map(|c| error_norms(tab, &ks, y, &y1, h, c))
        .unwrap_or_default();
    RowStep { y1, ks, err }
}

fn error_norms<N: RowErrorNorm>(
    tab: &Tableau,
    ks: &[Tensor<2>],
    y0: &Tensor<2>,
    y1: &Tensor<2>,
    h: &[f64],
    c: &RowControl<'_, N>,
) -> Vec<f64> {
    let ks: Vec<Tensor<2>> = ks.iter().map(State::detached).collect();
    let (y0, y1) = (y0.clone().detach(), y1.clone().detach());
    let sums = |e: &[f64]| -> (Vec<f64>, usize) {
        let terms: Vec<(f64, &Tensor<2>)> = e
            .iter()
            .copied()
            .zip(&ks)
            .filter(|(c, _)| *c != 0.0)
            .collect();
        let scale = ErrorScale {
            y0: &y0,
            y1: &y1,
            rtol: c.rtol,
            atol: c.atol,
        };
        c.norm.step_sq_sums(h, &terms, scale)
    };
    match tab.error {
        ErrorEstimator::None => vec![0.0; y0.dims()[0]],
        ErrorEstimator::Embedded(e) => {
            let (s, n) = sums(e);
            s.into_iter()
                .map(|s| (s / n.max(1) as f64).sqrt())
                .collect()
        }
        ErrorEstimator::Dop853 { e5, e3 } => {
            let (s5, n) = sums(e5);
            let (s3, _) = sums(e3);
            s5.iter()
                .zip(&s3)
                .map(|(&s5, &s3)| dop853_norm(s5, s3, n))
                .collect()
        }
    }
}

/// Hairer's initial step (as `crate::initial_step`) for every row at once: `|h₀|` per row.
/// Costs one evaluation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn initial_steps<F: RowDynamics, N: RowErrorNorm>(
    f: &mut RowCounted<'_, F>,
    norm: &N,
    rows: &[usize],
    t0: &[f64],
    y0: &Tensor<2>,
    f0: &Tensor<2>,
    dir: &[f64],
    error_order: u32,
    rtol: f64,
    atol: f64,
) -> Vec<f64> {
    let scale = ErrorScale {
        y0,
        y1: y0,
        rtol,
        atol,
    };
    let d0 = norm.row_norms(y0, scale);
    let d1 = norm.row_norms(f0, scale);
    let h0: Vec<f64> = d0
        .iter()
        .zip(&d1)
        .map(|(&d0, &d1)| {
            if d0 < 1e-5 || d1 < 1e-5 {
                1e-6
            } else {
                0.01 * d0 / d1
            }
        })
        .collect();
    let signed: Vec<f64> = h0.iter().zip(dir).map(|(h, d)| h * d).collect();
    let y1 = add_row_scaled(y0, &signed, &[(1.0, f0)]);
    let t1: Vec<f64> = t0.iter().zip(&signed).map(|(t, h)| t + h).collect();
    let f1 = f.eval(&t1, &y1, rows);
    let diff = Tensor::combine(&[(1.0, &f1), (-1.0, f0)]);
    let d2 = norm.row_norms(&diff, scale);
    (0..h0.len())
        .map(|i| {
            let d2 = d2[i] / h0[i];
            let dmax = d1[i].max(d2);
            let h1 = if dmax <= 1e-15 {
                (h0[i] * 1e-3).max(1e-6)
            } else {
                (0.01 / dmax).powf(1.0 / f64::from(error_order + 1))
            };
            let h = (100.0 * h0[i]).min(h1);
            if h.is_finite() && h > 0.0 { h } else { h0[i] }
        })
        .collect()
}
