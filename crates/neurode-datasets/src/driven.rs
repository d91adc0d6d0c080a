//! Sequences with inputs, for sequence models such as liquid time-constant networks: a
//! driven damped oscillator whose response is to be predicted from its input alone.

use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::DataError;
use crate::error::invalid;

/// `count` sequences sampled at common times `ts`, each driven by an input held piecewise
/// constant from each of `input_times` on.
#[derive(Debug, Clone, PartialEq)]
pub struct DrivenSequences {
    /// When each input sample starts to be held (increasing; the first at `ts[0]`).
    pub input_times: Vec<f64>,
    /// `[input time][sequence × input_dim]`, row-major per time.
    pub inputs: Vec<Vec<f64>>,
    /// Input features.
    pub input_dim: usize,
    /// Sample times of the targets (the first is the start, where the state is at rest).
    pub ts: Vec<f64>,
    /// `[time][sequence × output_dim]`, row-major per time.
    pub targets: Vec<Vec<f64>>,
    /// Target features.
    pub output_dim: usize,
    /// Number of sequences.
    pub count: usize,
}

impl DrivenSequences {
    /// The sequences `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Self {
        let pick = |rows: &[Vec<f64>], dim: usize| -> Vec<Vec<f64>> {
            rows.iter()
                .map(|row| {
                    idx.iter()
                        .flat_map(|&i| row[i * dim..(i + 1) * dim].iter().copied())
                        .collect()
                })
                .collect()
        };
        Self {
            input_times: self.input_times.clone(),
            inputs: pick(&self.inputs, self.input_dim),
            input_dim: self.input_dim,
            ts: self.ts.clone(),
            targets: pick(&self.targets, self.output_dim),
            output_dim: self.output_dim,
            count: idx.len(),
        }
    }

    /// Targets as one row-major `[time, sequence, output]` vector.
    pub fn flat_targets(&self) -> Vec<f64> {
        self.targets.iter().flatten().copied().collect()
    }

    /// The mean squared target: the MSE of predicting zeros.
    pub fn zero_mse(&self) -> f64 {
        let all = self.flat_targets();
        all.iter().map(|x| x * x).sum::<f64>() / all.len().max(1) as f64
    }
}

/// A damped oscillator `x'' + c x' + k x = u(t)` at rest at `t = 0`, driven by a random
/// staircase `u` (a level uniform in `[−amplitude, amplitude]` held for `hold` time units);
/// the target is the position `x` every `sample` time units on `[0, t_end]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrivenOscillator {
    /// Damping `c`.
    pub damping: f64,
    /// Stiffness `k` (natural frequency √k).
    pub stiffness: f64,
    /// How long each input level is held.
    pub hold: f64,
    /// End of every sequence.
    pub t_end: f64,
    /// Spacing of the target samples.
    pub sample: f64,
    /// Largest input level.
    pub amplitude: f64,
}

impl Default for DrivenOscillator {
    /// `c = 0.4`, `k = 4` (period ≈ 3.2), levels in ±2 held for 0.5, samples every 0.25 on
    /// `[0, 10]`: 20 input levels and 41 samples per sequence.
    fn default() -> Self {
        Self {
            damping: 0.4,
            stiffness: 4.0,
            hold: 0.5,
            t_end: 10.0,
            sample: 0.25,
            amplitude: 2.0,
        }
    }
}

/// RK4 sub-steps per target sample (the reference solution is exact to ~1e-10).
const SUBSTEPS: usize = 100;

impl DrivenOscillator {
    /// `count` sequences, reproducible from `seed`.
    pub fn generate(&self, count: usize, seed: u64) -> Result<DrivenSequences, DataError> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if count == 0 || count > 1 << 16 {
            return Err(invalid("sequences", count, "from 1 to 65536"));
        }
        for (name, v) in [
            ("hold", self.hold),
            ("t_end", self.t_end),
            ("sample", self.sample),
        ] {
            if !positive(v) {
                return Err(invalid(name, v, "a finite time > 0"));
            }
        }
        let (holds, samples) = (
            (self.t_end / self.hold).ceil() as usize,
            (self.t_end / self.sample).round() as usize,
        );
        if holds > 1 << 16 || samples > 1 << 16 || samples == 0 {
            return Err(invalid(
                "sample",
                self.sample,
                "between t_end / 65536 and t_end",
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let a = self.amplitude.abs();
        let inputs: Vec<Vec<f64>> = (0..holds)
            .map(|_| (0..count).map(|_| rng.random_range(-a..=a)).collect())
            .collect();
        let input_times: Vec<f64> = (0..holds).map(|k| k as f64 * self.hold).collect();
        let mut state = vec![[0.0f64; 2]; count];
        let mut targets = vec![vec![0.0; count]];
        let h = self.sample / SUBSTEPS as f64;
        let (c, k) = (self.damping, self.stiffness);
        for s in 0..samples {
            for j in 0..SUBSTEPS {
                // The level held over this sub-step (sub-steps never straddle a hold change
                // when `hold` is a multiple of `sample / SUBSTEPS`, as by default).
                let t = s as f64 * self.sample + (j as f64 + 0.5) * h;
                let level = ((t / self.hold) as usize).min(holds - 1);
                for (i, y) in state.iter_mut().enumerate() {
                    let u = inputs[level][i];
                    let f = |y: [f64; 2]| [y[1], u - c * y[1] - k * y[0]];
                    let k1 = f(*y);
                    let k2 = f([y[0] + h / 2.0 * k1[0], y[1] + h / 2.0 * k1[1]]);
                    let k3 = f([y[0] + h / 2.0 * k2[0], y[1] + h / 2.0 * k2[1]]);
                    let k4 = f([y[0] + h * k3[0], y[1] + h * k3[1]]);
                    for d in 0..2 {
                        y[d] += h / 6.0 * (k1[d] + 2.0 * k2[d] + 2.0 * k3[d] + k4[d]);
                    }
                }
            }
            targets.push(state.iter().map(|y| y[0]).collect());
        }
        Ok(DrivenSequences {
            input_times,
            inputs,
            input_dim: 1,
            ts: (0..=samples).map(|s| s as f64 * self.sample).collect(),
            targets,
            output_dim: 1,
            count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constant input `u` settles the oscillator at `x = u / k`; with the staircase the
    /// response follows the closed form of each held level (checked on the first hold by the
    /// step response `x(t) = u/k · (1 − e^{−ζωt}(cos ω_d t + ζω/ω_d sin ω_d t))`).
    #[test]
    fn the_first_hold_is_the_step_response() {
        let osc = DrivenOscillator::default();
        let d = osc.generate(3, 7).unwrap();
        assert_eq!((d.ts.len(), d.input_times.len(), d.count), (41, 20, 3));
        let w = osc.stiffness.sqrt();
        let zeta = osc.damping / (2.0 * w);
        let wd = w * (1.0 - zeta * zeta).sqrt();
        for (s, t) in d.ts.iter().enumerate().take(3) {
            for i in 0..3 {
                let u = d.inputs[0][i];
                let x = u / osc.stiffness
                    * (1.0
                        - (-zeta * w * t).exp()
                            * ((wd * t).cos() + zeta * w / wd * (wd * t).sin()));
                assert!(
                    (d.targets[s][i] - x).abs() < 1e-10,
                    "t = {t}: {} vs {x}",
                    d.targets[s][i]
                );
            }
        }
        let picked = d.select(&[2, 0]);
        assert_eq!(picked.targets[5], vec![d.targets[5][2], d.targets[5][0]]);
        assert!(osc.generate(0, 1).is_err());
    }
}
