//! FFJORD's 2-D density benchmarks (Grathwohl et al. 2019, `lib/toy_data.py`): point clouds
//! to fit a continuous normalizing flow to.

use std::f64::consts::PI;

use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

use crate::DataError;

/// One of FFJORD's 2-D toy densities, generated as in its `toy_data.py`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toy2d {
    /// scikit-learn's two moons with noise 0.1, scaled by 2 and shifted by (−1, −0.2).
    TwoMoons,
    /// Eight Gaussians (σ = 0.5) on a circle of radius 4, all divided by 1.414.
    EightGaussians,
    /// A 4 × 4 checkerboard of uniform squares on [−4, 4]².
    Checkerboard,
    /// Two interleaved spirals (FFJORD's `2spirals`).
    TwoSpirals,
}

impl Toy2d {
    /// Every toy density.
    pub const ALL: [Toy2d; 4] = [
        Toy2d::TwoMoons,
        Toy2d::EightGaussians,
        Toy2d::Checkerboard,
        Toy2d::TwoSpirals,
    ];

    /// FFJORD's name of the dataset.
    pub fn name(self) -> &'static str {
        match self {
            Toy2d::TwoMoons => "moons",
            Toy2d::EightGaussians => "8gaussians",
            Toy2d::Checkerboard => "checkerboard",
            Toy2d::TwoSpirals => "2spirals",
        }
    }

    /// `n ≥ 2` points (even: the two-part sets draw `n / 2` of each), reproducible from `seed`.
    pub fn sample(self, n: usize, seed: u64) -> Result<Vec<[f64; 2]>, DataError> {
        if n < 2 || !n.is_multiple_of(2) || n > 1 << 24 {
            return Err(DataError::InvalidConfig {
                name: "points",
                value: n.to_string(),
                expected: "an even number of points from 2 to 16777216".into(),
            });
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut normal = || -> f64 { rng.sample(StandardNormal) };
        let mut rng2 = StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
        let mut uniform = move || -> f64 { rng2.random::<f64>() };
        let points = match self {
            Toy2d::TwoMoons => {
                let half = n / 2;
                (0..n)
                    .map(|i| {
                        // scikit-learn: outer moon on [0, π], inner moon shifted, both evenly
                        // spaced, then Gaussian noise.
                        let (x, y) = if i < half {
                            let a = PI * i as f64 / (half - 1).max(1) as f64;
                            (a.cos(), a.sin())
                        } else {
                            let a = PI * (i - half) as f64 / (half - 1).max(1) as f64;
                            (1.0 - a.cos(), 1.0 - a.sin() - 0.5)
                        };
                        let (x, y) = (x + 0.1 * normal(), y + 0.1 * normal());
                        [2.0 * x - 1.0, 2.0 * y - 0.2]
                    })
                    .collect()
            }
            Toy2d::EightGaussians => {
                let s = 1.0 / 2f64.sqrt();
                let centers = [
                    (1.0, 0.0),
                    (-1.0, 0.0),
                    (0.0, 1.0),
                    (0.0, -1.0),
                    (s, s),
                    (s, -s),
                    (-s, s),
                    (-s, -s),
                ];
                (0..n)
                    .map(|_| {
                        let (cx, cy) = centers[(uniform() * 8.0) as usize % 8];
                        let x = (0.5 * normal() + 4.0 * cx) / 1.414;
                        let y = (0.5 * normal() + 4.0 * cy) / 1.414;
                        [x, y]
                    })
                    .collect()
            }
            Toy2d::Checkerboard => (0..n)
                .map(|_| {
                    let x1 = uniform() * 4.0 - 2.0;
                    let x2 = uniform() - if uniform() < 0.5 { 0.0 } else { 2.0 };
                    let x2 = x2 + x1.floor().rem_euclid(2.0);
                    [2.0 * x1, 2.0 * x2]
                })
                .collect(),
            Toy2d::TwoSpirals => (0..n)
                .map(|i| {
                    let r = uniform().sqrt() * 540.0 * 2.0 * PI / 360.0;
                    let x = -r.cos() * r + uniform() * 0.5;
                    let y = r.sin() * r + uniform() * 0.5;
                    let sign = if i < n / 2 { 1.0 } else { -1.0 };
                    [
                        sign * x / 3.0 + 0.1 * normal(),
                        sign * y / 3.0 + 0.1 * normal(),
                    ]
                })
                .collect(),
        };
        Ok(points)
    }
}

impl std::str::FromStr for Toy2d {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Toy2d::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| DataError::InvalidConfig {
                name: "dataset",
                value: s.to_string(),
                expected: "moons, 8gaussians, checkerboard or 2spirals".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(p: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
        let n = p.len() as f64;
        let m = [0, 1].map(|j| p.iter().map(|q| q[j]).sum::<f64>() / n);
        let v = [0, 1].map(|j| p.iter().map(|q| (q[j] - m[j]).powi(2)).sum::<f64>() / n);
        (m, v)
    }

    #[test]
    fn toy_sets_have_their_shapes() {
        let n = 20_000;
        // Checkerboard: uniform on 8 squares of side 2 in [−4, 4]²; x uniform on [−4, 4].
        let c = Toy2d::Checkerboard.sample(n, 1).unwrap();
        assert!(c.iter().all(|p| p[0].abs() <= 4.0 && p[1].abs() <= 4.0));
        assert!(c.iter().all(|p| {
            let (i, j) = ((p[0] / 2.0).floor() as i64, (p[1] / 2.0).floor() as i64);
            (i + j).rem_euclid(2) == 0
        }));
        let (m, v) = moments(&c);
        assert!(
            m[0].abs() < 0.05 && (v[0] - 64.0 / 12.0).abs() < 0.15,
            "{m:?} {v:?}"
        );
        // Eight Gaussians: every point within 4 σ of one of the centres.
        let g = Toy2d::EightGaussians.sample(n, 2).unwrap();
        let (m, _) = moments(&g);
        assert!(m[0].abs() < 0.05 && m[1].abs() < 0.05);
        for p in &g {
            let r = (p[0] * p[0] + p[1] * p[1]).sqrt() * 1.414;
            assert!((r - 4.0).abs() < 4.0 * 0.5 * 1.5, "{p:?}");
        }
        // Moons: mean (0, 0.3) after FFJORD's scaling (scikit-learn's mean is (0.5, 0.25)).
        let (m, _) = moments(&Toy2d::TwoMoons.sample(n, 3).unwrap());
        assert!(
            (m[0] - 0.0).abs() < 0.02 && (m[1] - 0.3).abs() < 0.02,
            "{m:?}"
        );
        // Spirals: point-symmetric halves.
        let s = Toy2d::TwoSpirals.sample(n, 4).unwrap();
        let (m, _) = moments(&s);
        assert!(m[0].abs() < 0.1 && m[1].abs() < 0.1, "{m:?}");
        assert_eq!(
            Toy2d::TwoMoons.sample(10, 5).unwrap(),
            Toy2d::TwoMoons.sample(10, 5).unwrap()
        );
        assert!(Toy2d::TwoMoons.sample(3, 0).is_err());
        assert_eq!(
            "8gaussians".parse::<Toy2d>().unwrap(),
            Toy2d::EightGaussians
        );
        assert!("gaussians".parse::<Toy2d>().is_err());
    }
}
