//! Row operations on `[rows, dim]` tensors: gathering rows, merging two tensors row by row,
//! per-row scaled combinations and finiteness. Every operation acts on each row alone
//! (element-wise arithmetic, copies), so a row's values never depend on the other rows.

use burn::Tensor;
use burn::tensor::{Device, Int, TensorData};

use crate::State;

/// An index tensor of rows.
pub(crate) fn index(rows: &[usize], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
    Tensor::from_data(TensorData::new(data, [rows.len()]), device)
}

/// `[values.len(), 1]`: one value per row, broadcast along a row.
pub(crate) fn column(values: &[f64], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), device)
}

/// The rows `rows` of `t` (no operation when that is all of `t` in order).
pub(crate) fn select(t: &Tensor<2>, rows: &[usize]) -> Tensor<2> {
    let n = t.dims()[0];
    if rows.len() == n && rows.iter().enumerate().all(|(i, &r)| i == r) {
        return t.clone();
    }
    t.clone().select(0, index(rows, &t.device()))
}

/// Where a merged row comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum From {
    /// Row of the first tensor.
    A(usize),
    /// Row of the second tensor.
    B(usize),
}

/// Row `i` of the result is `a[j]` or `b[j]` as `picks[i]` says: one concatenation and one
/// gather (or none when every row comes from one side in order).
pub(crate) fn merge(a: &Tensor<2>, b: &Tensor<2>, picks: &[From]) -> Tensor<2> {
    if picks.iter().all(|p| matches!(p, From::A(_))) {
        let rows: Vec<usize> = picks.iter().map(|p| index_of(*p)).collect();
        return select(a, &rows);
    }
    if picks.iter().all(|p| matches!(p, From::B(_))) {
        let rows: Vec<usize> = picks.iter().map(|p| index_of(*p)).collect();
        return select(b, &rows);
    }
    let na = a.dims()[0];
    let rows: Vec<usize> = picks
        .iter()
        .map(|p| match p {
            From::A(j) => *j,
            From::B(j) => na + j,
        })
        .collect();
    Tensor::cat(vec![a.clone(), b.clone()], 0).select(0, index(&rows, &a.device()))
}

fn index_of(p: From) -> usize {
    match p {
        From::A(j) | From::B(j) => j,
    }
}

/// `y + h ⊙ Σ cᵢ kᵢ` with one `h` per row (terms with a zero coefficient skipped): one fused
/// operation on flex, else `y + Σ(cᵢkᵢ) ⊙ h` from Burn's ops (the same arithmetic).
pub(crate) fn add_row_scaled(y: &Tensor<2>, h: &[f64], terms: &[(f64, &Tensor<2>)]) -> Tensor<2> {
    let nonzero: Vec<(f64, &Tensor<2>)> =
        terms.iter().filter(|(c, _)| *c != 0.0).copied().collect();
    if nonzero.is_empty() {
        return y.clone();
    }
    if let Some(out) = neurode_kernels::row_combination(y, h, &nonzero) {
        return out;
    }
    y.clone() + Tensor::combine(&nonzero) * column(h, &y.device())
}

/// `h ⊙ Σ cᵢ kᵢ` (at least one non-zero coefficient).
pub(crate) fn row_scaled(h: &Tensor<2>, terms: &[(f64, &Tensor<2>)]) -> Tensor<2> {
    Tensor::combine(terms) * h.clone()
}

/// Whether each row is finite (one host read).
pub(crate) fn row_finite(y: &Tensor<2>) -> Vec<bool> {
    y.clone()
        .detach()
        .sum_dim(1)
        .into_data()
        .iter::<f64>()
        .map(f64::is_finite)
        .collect()
}

/// `out[e] = Σⱼ weights[e][j] · basis[j][rows[e]]`: outputs at per-row weights, one term per
/// basis vector (element-wise products and sums in a fixed order).
pub(crate) fn combine_per_row(
    basis: &[&Tensor<2>],
    rows: &[usize],
    weights: &[Vec<f64>],
) -> Tensor<2> {
    let device = basis[0].device();
    let idx = index(rows, &device);
    let mut acc: Option<Tensor<2>> = None;
    for (j, b) in basis.iter().enumerate() {
        let col: Vec<f64> = weights.iter().map(|w| w[j]).collect();
        if col.iter().all(|c| *c == 0.0) {
            continue;
        }
        let term = (*b).clone().select(0, idx.clone()) * column(&col, &device);
        acc = Some(match acc {
            Some(a) => a + term,
            None => term,
        });
    }
    acc.unwrap_or_else(|| {
        let d = basis[0].dims()[1];
        Tensor::zeros([rows.len(), d], &device)
    })
}

/// `out[e] = Σⱼ weights[e][j] · basis[j].0[basis[j].1[at[e]]]`: outputs at per-row weights
/// from basis vectors whose rows are found through a map (one per vector) from a common
/// position. One concatenation, one gather, one product and one sum along the basis for all
/// outputs; each output involves its own rows only.
pub(crate) fn combine_gathered(
    basis: &[(Tensor<2>, &[usize])],
    at: &[usize],
    weights: &[Vec<f64>],
) -> Tensor<2> {
    let device = basis[0].0.device();
    let (m, e, d) = (basis.len(), at.len(), basis[0].0.dims()[1]);
    let mut offsets = Vec::with_capacity(m);
    let mut total = 0;
    for (t, _) in basis {
        offsets.push(total);
        total += t.dims()[0];
    }
    let mut rows = Vec::with_capacity(e * m);
    for &p in at {
        for (j, (_, map)) in basis.iter().enumerate() {
            rows.push(offsets[j] + map[p]);
        }
    }
    let stacked = Tensor::cat(basis.iter().map(|(t, _)| t.clone()).collect(), 0);
    let gathered = stacked.select(0, index(&rows, &device)).reshape([e, m, d]);
    let flat: Vec<f64> = weights.iter().flatten().copied().collect();
    let w = Tensor::<3>::from_data(TensorData::new(flat, [e, m, 1]), &device);
    (gathered * w).sum_dim(1).reshape([e, d])
}
