//! Recording and replaying solves in f64 on the CPU backends: a replay of the recorded steps
//! reproduces the solve's outputs bit for bit (from the start or from any step), the dense
//! output of a whole solve matches its outputs and the exact solution, and bad replays are
//! typed errors.

#[macro_use]
mod common;

use common::problems::*;
use common::*;
use neurode::solvers::{
    Convention, DenseOutput, Method, RmsNorm, SolveError, SolveOptions, StepLog, replay,
    solve_observed,
};

const Y0: [[f64; 2]; 2] = [[1.0, 0.5], [-0.3, 2.0]];

fn options() -> Vec<SolveOptions> {
    vec![
        SolveOptions::adaptive(1e-6, 1e-8),
        SolveOptions::adaptive(1e-6, 1e-8).with_method(Method::Dop853),
        SolveOptions::adaptive(1e-6, 1e-8).with_method(Method::Tsit5),
        SolveOptions::adaptive(1e-6, 1e-8).with_method(Method::Bosh3),
        SolveOptions::adaptive(1e-6, 1e-8).with_convention(Convention::Torchdiffeq),
        SolveOptions::step_size(Method::Rk4, 0.35),
        SolveOptions::step_size(Method::Rk4, 0.35).with_convention(Convention::Torchdiffeq),
    ]
}

fn replay_reproduces_the_solve_exactly(device: &Device) {
    let a = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(a.clone());
    // Output times inside steps, on step ends, and backwards in time.
    for ts in [linspace(0.0, 3.0, 13), linspace(2.0, -1.0, 7)] {
        for opts in options() {
            let mut log = StepLog::default();
            let sol =
                solve_observed(&f, tensor(&Y0, device), &ts, &opts, &RmsNorm, &mut log).unwrap();
            let n = log.steps.len();
            assert_eq!(n, sol.stats.accepted_steps, "{opts:?}");
            let whole = replay(&f, tensor(&Y0, device), &log.steps, &ts, &opts).unwrap();
            assert_eq!(whole.first_output, 1);
            assert_eq!(whole.ys.len(), ts.len() - 1, "{opts:?}");
            for (i, y) in whole.ys.iter().enumerate() {
                assert_eq!(
                    values(y),
                    values(&sol.ys[i + 1]),
                    "{opts:?}: output {}",
                    i + 1
                );
            }
            // From the middle: the state after k steps, then the rest.
            let k = n / 2;
            let mid = replay(&f, tensor(&Y0, device), &log.steps[..k], &ts, &opts).unwrap();
            let rest = replay(&f, mid.end, &log.steps[k..], &ts, &opts).unwrap();
            assert_eq!(
                mid.first_output + mid.ys.len(),
                rest.first_output,
                "{opts:?}"
            );
            for (i, y) in rest.ys.iter().enumerate() {
                let j = rest.first_output + i;
                assert_eq!(values(y), values(&sol.ys[j]), "{opts:?}: output {j}");
            }
            assert_eq!(values(&rest.end), values(&whole.end));
        }
    }
}

fn dense_output_of_a_whole_solve(device: &Device) {
    let a = rotation_matrix(device);
    let f = |_t: f64, y: &Tensor<2>| y.clone().matmul(a.clone());
    let ts = linspace(0.0, 4.0, 5);
    for opts in options() {
        let mut dense = DenseOutput::new();
        let sol =
            solve_observed(&f, tensor(&Y0, device), &ts, &opts, &RmsNorm, &mut dense).unwrap();
        assert_eq!(dense.len(), sol.stats.accepted_steps);
        for (t, y) in ts.iter().zip(&sol.ys) {
            let d = max_abs_diff(&values(&dense.at(*t).unwrap()), &values(y));
            assert!(d < 1e-12, "{opts:?}: at {t}: {d}");
        }
        // Between the outputs, as accurate as the method's dense output at these settings.
        // (torchdiffeq's fixed-step outputs are straight lines between grid points.)
        let tol = match (opts.is_fixed_step(), opts.convention) {
            (false, _) => 1e-5,
            (true, Convention::Neurode) => 2e-3,
            (true, Convention::Torchdiffeq) => 3e-2,
        };
        for i in 0..=40 {
            let t = 0.1 * i as f64;
            let got = values(&dense.at(t).unwrap());
            let d = max_abs_diff(&got, &rotation_exact(&Y0, t));
            assert!(d < tol, "{opts:?}: at {t}: {d}");
        }
    }
    assert!(DenseOutput::<Tensor<2>>::new().at(0.0).is_none());
}

fn bad_replays_are_typed_errors(device: &Device) {
    let f = decay;
    let opts = SolveOptions::adaptive(1e-6, 1e-8);
    let ts = [0.0, 1.0];
    let mut log = StepLog::default();
    solve_observed(&f, tensor(&Y0, device), &ts, &opts, &RmsNorm, &mut log).unwrap();
    let none = replay(&f, tensor(&Y0, device), &[], &ts, &opts).unwrap_err();
    assert!(
        matches!(none, SolveError::InvalidOption { name: "steps", .. }),
        "{none}"
    );
    let mut gap = log.steps.clone();
    gap.remove(1);
    let err = replay(&f, tensor(&Y0, device), &gap, &ts, &opts).unwrap_err();
    assert!(err.to_string().contains("consecutive"), "{err}");
}

cpu_backend_tests!(F64;
    replay_reproduces_the_solve_exactly,
    dense_output_of_a_whole_solve,
    bad_replays_are_typed_errors,
);
