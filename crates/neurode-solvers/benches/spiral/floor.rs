//! The floor: the same DOPRI5 algorithm (tableau, error norm, PI controller, initial step,
//! dense output) hand-written over plain `f64` slices, no tensors. What a step costs with zero
//! framework overhead.

use neurode_solvers::PiController;
use neurode_solvers::tableau::{DOPRI5, ErrorEstimator, InterpolantKind};

/// The cubic spiral on a flat `[x0, y0, x1, y1, …]` batch.
pub fn spiral_rhs(y: &[f64], out: &mut [f64]) {
    for (p, o) in y.chunks_exact(2).zip(out.chunks_exact_mut(2)) {
        let (a, b) = (p[0] * p[0] * p[0], p[1] * p[1] * p[1]);
        o[0] = -0.1 * a - 2.0 * b;
        o[1] = 2.0 * a - 0.1 * b;
    }
}

fn rms(err: &[f64], y0: &[f64], y1: &[f64], rtol: f64, atol: f64) -> f64 {
    let s: f64 = err
        .iter()
        .zip(y0.iter().zip(y1))
        .map(|(e, (a, b))| (e / (atol + rtol * a.abs().max(b.abs()))).powi(2))
        .sum();
    (s / err.len() as f64).sqrt()
}

/// DOPRI5 with dense output at `ts`; returns (final state, NFE, accepted, rejected).
pub fn dopri5(y0: &[f64], ts: &[f64], rtol: f64, atol: f64) -> (Vec<f64>, usize, usize, usize) {
    let n = y0.len();
    let tab = &DOPRI5;
    let (e, d) = match (tab.error, tab.interpolant) {
        (ErrorEstimator::Embedded(e), InterpolantKind::Dopri5(d)) => (e, d),
        _ => unreachable!(),
    };
    let ctrl = PiController::default();
    let mut k = vec![vec![0.0; n]; 7];
    let (mut y, mut y1, mut yi, mut err) = (y0.to_vec(), vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut out = vec![0.0; n];
    let mut nfe = 1;
    spiral_rhs(&y, &mut k[0]);
    // Hairer's initial step.
    let d0 = rms(&y, &y, &y, rtol, atol);
    let d1 = rms(&k[0], &y, &y, rtol, atol);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    for j in 0..n {
        yi[j] = y[j] + h0 * k[0][j];
    }
    let mut f1 = vec![0.0; n];
    spiral_rhs(&yi, &mut f1);
    nfe += 1;
    let diff: Vec<f64> = f1.iter().zip(&k[0]).map(|(a, b)| a - b).collect();
    let d2 = rms(&diff, &y, &y, rtol, atol) / h0;
    let h1 = if d1.max(d2) <= 1e-15 {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / d1.max(d2)).powf(1.0 / 6.0)
    };
    let mut h = (100.0 * h0).min(h1);
    let (mut t, t_end) = (ts[0], *ts.last().unwrap());
    let (mut next, mut acc, mut rej, mut prev_err) = (1, 0, 0, 1.0);
    while next < ts.len() {
        let last = h >= t_end - t;
        let hs = if last { t_end - t } else { h };
        for i in 1..7 {
            for j in 0..n {
                let mut s = y[j];
                for (m, a) in tab.a[i].iter().enumerate() {
                    s += hs * a * k[m][j];
                }
                yi[j] = s;
            }
            let (head, tail) = k.split_at_mut(i);
            let _ = head;
            spiral_rhs(&yi, &mut tail[0]);
            nfe += 1;
            if i == 6 {
                y1.copy_from_slice(&yi);
            }
        }
        for j in 0..n {
            err[j] = hs * (0..7).map(|m| e[m] * k[m][j]).sum::<f64>();
        }
        let en = rms(&err, &y, &y1, rtol, atol);
        if en <= 1.0 {
            acc += 1;
            let t1 = if last { t_end } else { t + hs };
            while next < ts.len() && ts[next] <= t1 {
                let th = (ts[next] - t) / hs;
                let th1 = 1.0 - th;
                let q = th * th * th1 * th1;
                let c = th - th * th1 + 2.0 * th * th * th1;
                for j in 0..n {
                    let mut v = y[j] + c * (y1[j] - y[j]);
                    for m in 0..7 {
                        let mut w = q * d[m];
                        if m == 0 {
                            w += th * th1 - th * th * th1;
                        }
                        if m == 6 {
                            w -= th * th * th1;
                        }
                        v += hs * w * k[m][j];
                    }
                    out[j] = v;
                }
                std::hint::black_box(&out);
                next += 1;
            }
            let kl = k[6].clone();
            k[0].copy_from_slice(&kl);
            h = hs * ctrl.accept_factor(en, prev_err, 5);
            prev_err = en;
            t = t1;
            std::mem::swap(&mut y, &mut y1);
        } else {
            rej += 1;
            h = hs * ctrl.reject_factor(en, 5);
        }
    }
    (y, nfe, acc, rej)
}

/// Classical RK4 with `steps` fixed steps over `[0, t_end]`.
pub fn rk4(y0: &[f64], t_end: f64, steps: usize) -> Vec<f64> {
    let n = y0.len();
    let h = t_end / steps as f64;
    let mut y = y0.to_vec();
    let (mut k1, mut k2, mut k3, mut k4, mut yi) = (
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    );
    for _ in 0..steps {
        spiral_rhs(&y, &mut k1);
        yi.iter_mut()
            .zip(&y)
            .zip(&k1)
            .for_each(|((o, a), b)| *o = a + 0.5 * h * b);
        spiral_rhs(&yi, &mut k2);
        yi.iter_mut()
            .zip(&y)
            .zip(&k2)
            .for_each(|((o, a), b)| *o = a + 0.5 * h * b);
        spiral_rhs(&yi, &mut k3);
        yi.iter_mut()
            .zip(&y)
            .zip(&k3)
            .for_each(|((o, a), b)| *o = a + h * b);
        spiral_rhs(&yi, &mut k4);
        for j in 0..n {
            y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        }
        std::hint::black_box(&y);
    }
    y
}
