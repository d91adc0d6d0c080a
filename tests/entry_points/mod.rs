//! Bad input through the solver core's public entry points — `solve`, `solve_rows`, `replay`,
//! `odeint` and `odeint_rows` with every gradient method (and their backward passes), the
//! CNF's density and sampling, a sequence model — never panics, aborts or takes unbounded
//! memory: each call gives a result or a typed error. The property runs in a child process under a memory cap
//! (`ulimit -v`), so an abort or a runaway allocation fails this test instead of the runner.
//! (A module of the `properties` test binary.)

use std::process::Command;

use crate::common::nets::LinearField;
use crate::common::*;
use burn::Tensor;
use burn::module::Module;
use burn::nn::LinearConfig;
use burn::tensor::TensorData;
use neurode::adjoint::{
    AdjointOptions, CheckpointOptions, GradientMethod, NeuralDynamics, odeint, odeint_rows,
};
use neurode::models::{
    Cnf, ConcatSquashConfig, Init, InputOdeConfig, InputSignal, SequenceModel, Trace,
};
use neurode::solvers::{
    Adaptive, Convention, FailurePolicy, Method, RowGrid, RowsAt, SolveOptions, StepRecord,
    Stepping, replay, solve, solve_rows,
};
use proptest::prelude::*;

/// The memory cap of the child process (virtual memory, KiB): far above what these small
/// solves need, far below the machine.
const CAP_KIB: u64 = 6 * 1024 * 1024;

#[test]
fn entry_points_never_panic_abort_or_run_away() {
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {CAP_KIB} && exec \"$0\" --exact entry_points::child_entry_points --include-ignored \
             --test-threads 1"
        ))
        .arg(&exe)
        .status()
        .expect("run the test binary in a child shell");
    assert!(
        status.success(),
        "the capped child failed ({status}): a panic, an abort or memory over {CAP_KIB} KiB"
    );
}

fn special() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![
        0.0,
        0.5,
        1.0,
        -1.0,
        2.0,
        1e-300,
        1e300,
        f64::NAN,
        f64::INFINITY,
        -f64::INFINITY,
    ])
}

/// Output times: mostly usable grids (forward, backward, one time), sometimes anything.
fn times() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        3 => prop::sample::select(vec![
            vec![0.0, 0.5, 1.0],
            vec![1.0, 0.25, -0.5],
            vec![0.0, 2.0],
            vec![0.3],
        ]),
        2 => prop::collection::vec(special(), 0..4),
    ]
}

fn stepping() -> impl Strategy<Value = Stepping> {
    let tol = prop::sample::select(vec![
        1e-6,
        1e-6,
        1e-3,
        1e-3,
        0.0,
        -1.0,
        f64::NAN,
        1e-300,
        1e300,
    ]);
    let opt = || prop::option::of(special());
    prop_oneof![
        (tol.clone(), tol, opt(), opt(), opt()).prop_map(|(r, a, first, lo, hi)| {
            let mut s = Adaptive::new(r, a);
            s.first_step = first;
            s.min_step = lo;
            s.max_step = hi;
            Stepping::Adaptive(s)
        }),
        prop::sample::select(vec![0usize, 1, 7, 7, 1_000_000_000_000]).prop_map(Stepping::Steps),
        prop_oneof![3 => Just(0.1), 1 => special()].prop_map(Stepping::StepSize),
    ]
}

fn options() -> impl Strategy<Value = SolveOptions> {
    (
        0..Method::ALL.len(),
        stepping(),
        prop::sample::select(vec![0usize, 1, 40, 400]),
        any::<bool>(),
    )
        .prop_map(|(m, stepping, max_steps, torch)| {
            SolveOptions::new()
                .with_method(Method::ALL[m])
                .with_stepping(stepping)
                .with_max_steps(max_steps)
                .with_convention(if torch {
                    Convention::Torchdiffeq
                } else {
                    Convention::Neurode
                })
        })
}

fn gradient() -> impl Strategy<Value = GradientMethod> {
    let budget = prop::sample::select(vec![None, Some(0), Some(1), Some(3), Some(usize::MAX)]);
    prop_oneof![
        Just(GradientMethod::Backprop),
        options().prop_map(|o| GradientMethod::Adjoint(AdjointOptions::new().with_solve(o))),
        options().prop_map(|o| GradientMethod::Interpolated(AdjointOptions::new().with_solve(o))),
        budget.prop_map(|b| GradientMethod::Checkpointed(
            CheckpointOptions::new().with_checkpoints(b)
        )),
    ]
}

/// One case: a `[batch, dim]` state (possibly empty, possibly not finite), output times, options
/// and a gradient method.
#[derive(Debug, Clone)]
struct Case {
    batch: usize,
    dim: usize,
    y0: f64,
    ts: Vec<f64>,
    opts: SolveOptions,
    method: GradientMethod,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec![0usize, 1, 2, 2, 3]),
        prop::sample::select(vec![0usize, 1, 2, 2]),
        prop_oneof![4 => Just(0.7), 1 => special()],
        times(),
        options(),
        gradient(),
    )
        .prop_map(|(batch, dim, y0, ts, opts, method)| Case {
            batch,
            dim,
            y0,
            ts,
            opts,
            method,
        })
}

fn state(c: &Case, device: &Device) -> Tensor<2> {
    let n = c.batch * c.dim;
    let v: Vec<f64> = (0..n).map(|i| if i == 0 { c.y0 } else { 0.3 }).collect();
    Tensor::from_data(TensorData::new(v, [c.batch, c.dim]), device)
}

/// Every entry point on one case; the only acceptable outcomes are values and typed errors.
fn run(c: &Case, device: &Device) {
    let ad = device.clone().autodiff();
    let d = c.dim;
    let m: Vec<f64> = (0..d * d)
        .map(|i| if i % (d + 1) == 0 { -0.5 } else { 0.1 })
        .collect();
    let field = LinearField::new(&m, d, &ad);
    let plain = field.valid();
    let f = |t: f64, y: &Tensor<2>| plain.forward(t, y.clone());
    let _ = solve(&f, state(c, device), &c.ts, &c.opts);
    let steps = [StepRecord {
        t0: c.ts.first().copied().unwrap_or(0.0),
        t1: c.ts.last().copied().unwrap_or(1.0),
        h: 0.5,
    }];
    let _ = replay(&f, state(c, device), &steps, &c.ts, &c.opts);
    if let Ok(traj) = odeint(&field, state(c, &ad), &c.ts, &c.opts, &c.method) {
        let loss = traj.ys.clone().powi_scalar(2).sum();
        let _ = traj.backward(loss);
    }
    let rows: Vec<Vec<f64>> = (0..c.batch).map(|_| c.ts.clone()).collect();
    if let Ok(grid) = RowGrid::new(rows) {
        let g = |at: &RowsAt<'_>, y: &Tensor<2>| plain.forward_rows(at, y.clone());
        for policy in [FailurePolicy::FailBatch, FailurePolicy::FinishOthers] {
            let _ = solve_rows(&g, state(c, device), &grid, &c.opts, policy);
        }
        let out = odeint_rows(
            &field,
            state(c, &ad),
            &grid,
            &c.opts,
            &c.method,
            FailurePolicy::FinishOthers,
        );
        if let Ok(traj) = out {
            let loss = traj.ys.clone().powi_scalar(2).sum();
            let _ = traj.backward(loss);
        }
    }
    // The CNF needs a field of at least one dimension; its inputs may still be empty.
    if let Ok(net) =
        ConcatSquashConfig::new()
            .with_hidden(vec![4])
            .init(d.max(1), &mut Init::new(0), &ad)
    {
        let cnf = Cnf::new(net, Trace::Exact, false);
        let t_end = c.ts.last().copied().unwrap_or(0.5);
        if let Ok(out) = cnf.log_density_with(state(c, &ad), &fs(t_end, &c.opts, &c.method))
            && let Some(traj) = out.trajectory
        {
            let _ = traj.backward(out.log_px.sum());
        }
        let _ = cnf.sample_with(state(c, &ad), &fs(t_end, &c.opts, &c.method));
    }
    // A sequence model driven by a held input (its batch and times from the case).
    let cell = InputOdeConfig::new()
        .with_units(3)
        .init(&mut Init::new(1), &ad)
        .unwrap();
    let readout = LinearConfig::new(3, 1).init(&ad);
    let times = if c.ts.is_empty() {
        vec![0.0]
    } else {
        c.ts.clone()
    };
    let values = vec![vec![0.5; c.batch]; times.len()];
    if let (Ok(model), Ok(input)) = (
        SequenceModel::new(cell, readout, c.opts.clone(), c.method.clone()),
        InputSignal::new(times, c.batch, 1, values),
    ) && let Ok(out) = model.forward(input, &c.ts)
    {
        let loss = out.ys.clone().powi_scalar(2).sum();
        let _ = out.backward(loss, &model);
    }
}

#[test]
#[ignore = "run by entry_points_never_panic_abort_or_run_away in a memory-capped child"]
fn child_entry_points() {
    let device = device(Backend::Flex, Precision::F64);
    let config = ProptestConfig {
        cases: 600,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(c in case())| {
        run(&c, &device);
    });
}
