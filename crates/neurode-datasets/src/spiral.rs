//! Paper 000's cubic spiral (§5.1, eq 30): `d/dt [x y] = [x y]^{⊙3} · A`,
//! `A = [[-0.1, 2.0], [-2.0, -0.1]]`, `y₀ = [2, 0]`.

use neurode_solvers::{Adaptive, Method, SolveOptions, Stepping, solve};

use crate::error::invalid;
use crate::{DataError, Series};

/// The true dynamics of the spiral task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpiralSystem {
    /// The matrix `A` (row-vector convention: `y' = y³ A`).
    pub a: [[f64; 2]; 2],
    /// Initial state.
    pub y0: [f64; 2],
}

impl Default for SpiralSystem {
    fn default() -> Self {
        Self::PAPER
    }
}

impl SpiralSystem {
    /// The system of paper 000.
    pub const PAPER: SpiralSystem = SpiralSystem {
        a: [[-0.1, 2.0], [-2.0, -0.1]],
        y0: [2.0, 0.0],
    };

    /// `f(y) = y³ A` for one state.
    pub fn rhs(&self, y: [f64; 2]) -> [f64; 2] {
        let c = [y[0].powi(3), y[1].powi(3)];
        [
            c[0] * self.a[0][0] + c[1] * self.a[1][0],
            c[0] * self.a[0][1] + c[1] * self.a[1][1],
        ]
    }

    /// The true trajectory from `y0` at `n` evenly spaced times on `[0, t_end]`, integrated in
    /// f64 with DOP853 at `rtol = 1e-12`, `atol = 1e-14` (dense output between steps).
    pub fn trajectory(&self, t_end: f64, n: usize) -> Result<Series, DataError> {
        self.trajectory_from(self.y0, t_end, n)
    }

    /// The true trajectory from any `y0`.
    pub fn trajectory_from(&self, y0: [f64; 2], t_end: f64, n: usize) -> Result<Series, DataError> {
        if !(t_end.is_finite() && t_end > 0.0) {
            return Err(invalid("t_end", t_end, "a finite time > 0"));
        }
        if n < 2 {
            return Err(invalid("n_points", n, "at least 2"));
        }
        if !y0.iter().all(|v| v.is_finite()) {
            return Err(invalid("y0", format!("{y0:?}"), "finite values"));
        }
        let ts = linspace(0.0, t_end, n);
        let f = |_t: f64, y: &Vec<f64>| self.rhs([y[0], y[1]]).to_vec();
        let opts = SolveOptions::new()
            .with_method(Method::Dop853)
            .with_stepping(Stepping::Adaptive(Adaptive::new(1e-12, 1e-14)));
        let sol = solve(&f, y0.to_vec(), &ts, &opts)?;
        Ok(Series {
            ts,
            values: sol.ys.concat(),
            dim: 2,
        })
    }
}

/// `n` evenly spaced points from `a` to `b` inclusive, computed as NumPy's `linspace` does
/// (`i · step + a` with `step = (b − a)/(n − 1)`, the last point exactly `b`), so time grids
/// equal those of Python scripts bit for bit.
pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    let step = (b - a) / (n - 1) as f64;
    let mut ts: Vec<f64> = (0..n).map(|i| i as f64 * step + a).collect();
    ts[n - 1] = b;
    ts
}

/// The spiral dataset of paper 000: the training trajectory on `[0, t_end]` and the extended
/// horizon for extrapolation.
#[derive(Debug, Clone, PartialEq)]
pub struct SpiralData {
    /// 1,000 points on [0, 25] by default: training windows and the test trajectory.
    pub train: Series,
    /// The extrapolation trajectory, by default 1,400 points on [0, 35] (the same spacing up
    /// to 0.1 %).
    pub extended: Series,
}

/// Sizes of the spiral dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpiralDataConfig {
    /// End of the training range (paper: 25).
    pub t_end: f64,
    /// Points on the training range (paper: 1,000).
    pub n_points: usize,
    /// End of the extrapolation range (paper: 35).
    pub extended_t_end: f64,
    /// Points on the extrapolation range.
    pub n_extended: usize,
}

impl Default for SpiralDataConfig {
    fn default() -> Self {
        Self {
            t_end: 25.0,
            n_points: 1000,
            extended_t_end: 35.0,
            n_extended: 1400,
        }
    }
}

impl SpiralDataConfig {
    /// Generates both trajectories of `system`.
    pub fn generate(&self, system: &SpiralSystem) -> Result<SpiralData, DataError> {
        if self.extended_t_end < self.t_end {
            return Err(invalid(
                "extended_t_end",
                self.extended_t_end,
                "at least t_end",
            ));
        }
        Ok(SpiralData {
            train: system.trajectory(self.t_end, self.n_points)?,
            extended: system.trajectory(self.extended_t_end, self.n_extended)?,
        })
    }
}
