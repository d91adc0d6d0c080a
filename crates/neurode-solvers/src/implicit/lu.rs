//! `I − hγJ` factored once per step for every row, and the stage solves with it.
//!
//! Written by hand, on purpose: the matrices are each row's `n × n` Jacobian system (`n` is the
//! state dimension of one system: 2–64 in every workload here), factored row by row, so the
//! work is LAPACK's unblocked `dgetf2` loop on tiny matrices, where a dense-algebra crate's
//! blocking and SIMD dispatch do not apply. `faer` (the well-kept candidate) was weighed
//! against it: its build (faer, pulp, gemm and their kernels) would add minutes to a CI that
//! runs at 38 of its 40 minutes, for 40 lines of textbook partial pivoting.

/// The LU factors (partial pivoting) of `Mᵣ = I − sᵣJᵣ` for every row `r`.
pub(crate) struct RowLu {
    n: usize,
    /// `rows · n · n` values: `L` (unit diagonal, below) and `U` (on and above), row-major.
    lu: Vec<f64>,
    /// Each row's pivot order: `n` indices per row.
    pivots: Vec<usize>,
}

/// A row whose `I − hγJ` is singular to working precision: the step is retried smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Singular {
    /// The batch row.
    pub row: usize,
}

impl RowLu {
    /// Factors `I − scale[r]·Jᵣ` for each row `r` of `jac` (`rows · n · n` values).
    pub(crate) fn factor(jac: &[f64], n: usize, scale: &[f64]) -> Result<Self, Singular> {
        let rows = scale.len();
        let mut lu: Vec<f64> = Vec::with_capacity(rows * n * n);
        for (r, s) in scale.iter().enumerate() {
            let j = &jac[r * n * n..(r + 1) * n * n];
            lu.extend(j.iter().enumerate().map(|(idx, v)| {
                let diagonal = if idx / n == idx % n { 1.0 } else { 0.0 };
                diagonal - s * v
            }));
        }
        let mut pivots = vec![0; rows * n];
        for r in 0..rows {
            let m = &mut lu[r * n * n..(r + 1) * n * n];
            let p = &mut pivots[r * n..(r + 1) * n];
            factor_in_place(m, n, p).map_err(|()| Singular { row: r })?;
        }
        Ok(Self { n, lu, pivots })
    }

    /// Solves `Mᵣ xᵣ = bᵣ` for every row, in place (`b` holds `rows · n` values).
    pub(crate) fn solve(&self, b: &mut [f64]) {
        let n = self.n;
        for (r, x) in b.chunks_exact_mut(n).enumerate() {
            let m = &self.lu[r * n * n..(r + 1) * n * n];
            let p = &self.pivots[r * n..(r + 1) * n];
            for (i, &pi) in p.iter().enumerate() {
                x.swap(i, pi);
            }
            for i in 1..n {
                let s: f64 = (0..i).map(|k| m[i * n + k] * x[k]).sum();
                x[i] -= s;
            }
            for i in (0..n).rev() {
                let s: f64 = (i + 1..n).map(|k| m[i * n + k] * x[k]).sum();
                x[i] = (x[i] - s) / m[i * n + i];
            }
        }
    }
}

/// Doolittle LU with partial pivoting of one `n × n` row-major matrix, in place; `pivots[k]`
/// is the row swapped with row `k` at elimination step `k`.
fn factor_in_place(m: &mut [f64], n: usize, pivots: &mut [usize]) -> Result<(), ()> {
    for k in 0..n {
        let (mut best, mut best_abs) = (k, m[k * n + k].abs());
        for i in k + 1..n {
            let v = m[i * n + k].abs();
            if v > best_abs {
                (best, best_abs) = (i, v);
            }
        }
        if best_abs == 0.0 || !best_abs.is_finite() {
            return Err(());
        }
        pivots[k] = best;
        if best != k {
            for j in 0..n {
                m.swap(k * n + j, best * n + j);
            }
        }
        let pivot = m[k * n + k];
        for i in k + 1..n {
            let l = m[i * n + k] / pivot;
            m[i * n + k] = l;
            for j in k + 1..n {
                m[i * n + j] -= l * m[k * n + j];
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_two_rows_with_pivoting() {
        // Row 0: J = [[0, 1], [1, 0]] with s = 0.5 → M = [[1, −.5], [−.5, 1]].
        // Row 1: J = I with s = 2 → M = −I (each row its own scale).
        let jac = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let lu = RowLu::factor(&jac, 2, &[0.5, 2.0]).unwrap();
        let mut b = [1.0, 2.0, 3.0, -4.0];
        lu.solve(&mut b);
        // [[1, −.5], [−.5, 1]] x = (1, 2) → x = (8/3, 10/3).
        assert!((b[0] - 8.0 / 3.0).abs() < 1e-15 && (b[1] - 10.0 / 3.0).abs() < 1e-15);
        assert_eq!(&b[2..], &[-3.0, 4.0]);
    }

    #[test]
    fn pivots_when_the_diagonal_vanishes() {
        // J = [[1, 2, 0], [3, 0, 1], [0, 1, 0]] → M = I − J = [[0, −2, 0], [−3, 1, −1], [0, −1, 1]]:
        // a zero first pivot. With J₂₂ = 1 instead, rows 0 and 2 of M are parallel (singular).
        let jac = [1.0, 2.0, 0.0, 3.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let lu = RowLu::factor(&jac, 3, &[1.0]).unwrap();
        let x = [1.0, -2.0, 0.5];
        let m = [0.0, -2.0, 0.0, -3.0, 1.0, -1.0, 0.0, -1.0, 1.0];
        let mut b: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|k| m[i * 3 + k] * x[k]).sum())
            .collect();
        lu.solve(&mut b);
        for (got, want) in b.iter().zip(x) {
            assert!((got - want).abs() < 1e-14, "{b:?}");
        }
        let singular = [1.0, 2.0, 0.0, 3.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        assert_eq!(
            RowLu::factor(&singular, 3, &[1.0]).err(),
            Some(Singular { row: 0 })
        );
    }
}
