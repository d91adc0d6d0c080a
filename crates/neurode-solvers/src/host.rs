//! Host states: a plain `Vec<f64>` is a [`State`], so exact-f64 solves run without any Burn
//! device (reference solutions, datasets that must be identical on every backend).

use crate::{HostRows, State};

impl State for Vec<f64> {
    fn add_scaled(&self, terms: &[(f64, &Self)]) -> Self {
        let mut acc = self.clone();
        for (c, k) in terms.iter().filter(|(c, _)| *c != 0.0) {
            for (a, x) in acc.iter_mut().zip(k.iter()) {
                *a += c * x;
            }
        }
        acc
    }

    fn combine(terms: &[(f64, &Self)]) -> Self {
        let n = terms.first().map_or(0, |(_, k)| k.len());
        vec![0.0; n].add_scaled(terms)
    }

    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: f64, atol: f64) -> (f64, usize) {
        let sum = err
            .iter()
            .zip(y0.iter().zip(y1.iter()))
            .map(|(e, (a, b))| {
                let r = e / (atol + rtol * a.abs().max(b.abs()));
                r * r
            })
            .sum();
        (sum, err.len())
    }

    fn is_finite(&self) -> bool {
        self.iter().all(|x| x.is_finite())
    }

    fn shape_string(&self) -> String {
        format!("[{}]", self.len())
    }

    fn has_empty_dim(&self) -> bool {
        self.is_empty()
    }

    fn to_host_rows(&self) -> Option<HostRows> {
        Some(HostRows::new(1, self.len(), self.clone()))
    }

    fn with_host_rows(&self, host: &HostRows) -> Option<Self> {
        (host.values.len() == self.len()).then(|| host.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::{SolveOptions, solve};

    #[test]
    fn host_decay_matches_exp() {
        let f = |_t: f64, y: &Vec<f64>| y.iter().map(|v| -v).collect::<Vec<f64>>();
        let opts = SolveOptions::adaptive(1e-10, 1e-12);
        let sol = solve(&f, vec![1.0, 2.0], &[0.0, 1.0, 2.0], &opts).unwrap();
        let y = sol.last();
        assert!((y[0] - (-2.0f64).exp()).abs() < 1e-9, "{y:?}");
        assert!((y[1] - 2.0 * (-2.0f64).exp()).abs() < 1e-9, "{y:?}");
    }
}
