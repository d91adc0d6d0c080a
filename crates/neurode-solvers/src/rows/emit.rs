//! Emitting a per-row solve's outputs: at a step's end, or inside it at each row's own `θ`
//! (one gather-and-combine from the unscaled stages, or, for DOP853 and dense observers, the
//! method's interpolant built from stages scaled by each row's step length).

use burn::Tensor;

use super::RowDynamics;
use super::observe::RowInterpolants;
use super::ops::{column, combine_gathered, combine_per_row, index, select};
use super::run::{Accepted, Known, Plan, RowRun};
use super::step::RowStep;
use crate::interpolate::{Prepared, StepData, weights_of};
use crate::tableau::InterpolantKind;

impl<F: RowDynamics> RowRun<'_, F> {
    pub(crate) fn emit_at_ends(&mut self, acc: &[Accepted], plans: &[Plan], y1: &Tensor<2>) {
        let mut pos = Vec::new();
        let mut labels = Vec::new();
        for (a, p) in acc.iter().zip(plans) {
            if let Some(k) = p.at_end {
                pos.push(a.pos);
                labels.push((a.row, k));
            }
        }
        if !pos.is_empty() {
            self.pieces.push((select(y1, &pos), labels));
        }
    }

    /// The interpolants of the accepted rows `acc`: their stages scaled by each row's step
    /// length, so the interpolant's weights are those of a unit step (`h = 1`), the same for
    /// every row.
    pub(crate) fn prepare(
        &mut self,
        acc: &[&Accepted],
        y: &Tensor<2>,
        step: &RowStep,
        known: &Known,
    ) -> RowInterpolants {
        let device = y.device();
        let pos: Vec<usize> = acc.iter().map(|a| a.pos).collect();
        let rows: Vec<usize> = acc.iter().map(|a| a.row).collect();
        let t0: Vec<f64> = acc.iter().map(|a| a.t0).collect();
        let h: Vec<f64> = acc.iter().map(|a| a.t1 - a.t0).collect();
        let hcol = column(&h, &device);
        let used = match self.interpolant {
            InterpolantKind::Hermite => 1,
            InterpolantKind::Linear => 0,
            _ => step.ks.len(),
        };
        let idx = index(&pos, &device);
        let ks: Vec<Tensor<2>> = step.ks[..used]
            .iter()
            .map(|k| k.clone().select(0, idx.clone()) * hcol.clone())
            .collect();
        let y0 = select(y, &pos);
        let y1 = select(&step.y1, &pos);
        let f1 = known.rows(&pos) * hcol.clone();
        let data = StepData {
            t0: 0.0,
            h: 1.0,
            y0: &y0,
            y1: &y1,
            ks: &ks,
        };
        let f = &mut self.f;
        // DOP853's extra stages: `c` is the stage's node, each row at `t₀ + c·h`.
        let mut eval = |c: f64, yi: &Tensor<2>| {
            let t: Vec<f64> = t0.iter().zip(&h).map(|(t, h)| t + c * h).collect();
            f.eval(&t, yi, &rows) * hcol.clone()
        };
        let prepared = Prepared::new(self.interpolant, &data, &f1, &mut eval);
        RowInterpolants {
            rows,
            t0,
            h,
            prepared,
        }
    }

    /// Outputs strictly inside steps from the unscaled stages of the active rows, each at its
    /// own `θ` and `h` (every interpolant but DOP853's, whose basis depends on `h`): one
    /// concatenation of the basis vectors and one gather-and-combine for all outputs.
    pub(crate) fn emit_stacked(
        &mut self,
        acc: &[Accepted],
        plans: &[Plan],
        inner: &[usize],
        y: &Tensor<2>,
        step: &RowStep,
        known: &Known,
    ) {
        let n = y.dims()[0];
        let ident: Vec<usize> = (0..n).collect();
        let f1_rows: Vec<usize> = (0..n)
            .map(|p| known.at.get(p).copied().flatten().unwrap_or(0))
            .collect();
        // `[y₀, basis…]` in `Prepared`'s order, with each vector's row of every active position.
        let mut basis: Vec<(Tensor<2>, &[usize])> = vec![(y.clone(), &ident)];
        let f1 = || {
            (
                known.tensor.clone().expect("f(t1, y1) known"),
                f1_rows.as_slice(),
            )
        };
        match self.interpolant {
            InterpolantKind::Hermite => {
                basis.push((step.y1.clone(), &ident));
                basis.push((step.ks[0].clone(), &ident));
                basis.push(f1());
            }
            InterpolantKind::Linear => basis.push((step.y1.clone(), &ident)),
            InterpolantKind::MidpointQuartic(_) => {
                basis.push((step.y1.clone(), &ident));
                basis.push(f1());
                basis.extend(step.ks.iter().map(|k| (k.clone(), ident.as_slice())));
            }
            InterpolantKind::Tsit5 => {
                basis.extend(
                    step.ks
                        .iter()
                        .take(7)
                        .map(|k| (k.clone(), ident.as_slice())),
                );
            }
            InterpolantKind::Dopri5(_) => {
                basis.push((step.y1.clone(), &ident));
                basis.extend(
                    step.ks
                        .iter()
                        .take(7)
                        .map(|k| (k.clone(), ident.as_slice())),
                );
            }
            InterpolantKind::Dop853(_) => unreachable!("DOP853 interpolates through `prepare`"),
            InterpolantKind::Rosenbrock(_) => {
                unreachable!("per-row clocks refuse implicit methods before they start")
            }
        }
        let mut at = Vec::new();
        let mut weights = Vec::new();
        let mut labels = Vec::new();
        for &j in inner {
            let a = &acc[j];
            for &(k, theta) in &plans[j].interior {
                at.push(a.pos);
                weights.push(weights_of(self.interpolant, theta, a.t1 - a.t0));
                labels.push((a.row, k));
            }
        }
        let piece = combine_gathered(&basis, &at, &weights);
        self.pieces.push((piece, labels));
    }

    /// Outputs strictly inside steps: each row's interpolant at its own `θ` (`inner[i]` is
    /// the accepted row of the interpolants' row `i`).
    pub(crate) fn emit_interior(
        &mut self,
        acc: &[Accepted],
        plans: &[Plan],
        inner: &[usize],
        interp: &RowInterpolants,
    ) {
        let mut out_rows = Vec::new();
        let mut weights = Vec::new();
        let mut labels = Vec::new();
        for (i, &j) in inner.iter().enumerate() {
            for &(k, theta) in &plans[j].interior {
                out_rows.push(i);
                weights.push(interp.prepared.weights(theta));
                labels.push((acc[j].row, k));
            }
        }
        if out_rows.is_empty() {
            return;
        }
        let piece = combine_per_row(&interp.prepared.full_basis(), &out_rows, &weights);
        self.pieces.push((piece, labels));
    }
}
