//! Event-terminated solves (BENCHMARKS.md, "Events"): 64 balls dropped from random heights
//! in [1, 10] m (`y' = (v, −g)`, g learnable), each stopped where its height falls through
//! zero; DOPRI5 rtol = atol = 1e-8, f64, event tolerance 1e-10; forward + gradient of
//! `Σ t*` w.r.t. the heights and g, as one per-row batch, by backprop and the backsolve
//! adjoint. `bench/events.py` runs torchdiffeq's `odeint_event` on the same problem row by
//! row (it stops a batch at its first row's event).
//!
//! `cargo bench --bench events`

use std::time::Instant;

use burn::Tensor;
use burn::module::{Module, Param};
use burn::tensor::TensorData;
use neurode::adjoint::{
    AdjointOptions, GradientMethod, NeuralCondition, NeuralDynamics, odeint_event,
};
use neurode::backend::{Backend, Device, Precision};
use neurode::solvers::{Crossing, Event, RowsAt, SolveOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: usize = 64;
const G: f64 = 9.81;

#[derive(Module, Debug)]
struct Ball {
    gravity: Param<Tensor<1>>,
}

impl NeuralDynamics for Ball {
    fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> {
        let n = y.dims()[0];
        let v = y.slice([0..n, 1..2]);
        let dv = v.zeros_like() - self.gravity.val().reshape([1, 1]);
        Tensor::cat(vec![v, dv], 1)
    }
    fn forward_rows(&self, _at: &RowsAt<'_>, y: Tensor<2>) -> Tensor<2> {
        self.forward(0.0, y)
    }
}

#[derive(Module, Debug)]
struct Floor;

impl NeuralCondition for Floor {
    fn forward(&self, _t: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let n = y.dims()[0];
        y.slice([0..n, 0..1])
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// One forward + gradient of the batch: (max |t* − √(2h/g)|, max |∂Σt*/∂h − 1/√(2gh)|,
/// forward NFE incl. the search, backward NFE).
fn once(device: &Device, heights: &[f64], method: &GradientMethod) -> (f64, f64, usize, usize) {
    let rows = heights.len();
    let ball = Ball {
        gravity: Param::from_tensor(Tensor::from_data(TensorData::new(vec![G], [1]), device)),
    };
    let flat: Vec<f64> = heights.iter().flat_map(|&h| [h, 0.0]).collect();
    let y0 = Tensor::<2>::from_data(TensorData::new(flat, [rows, 2]), device).require_grad();
    let t0 = Tensor::<1>::from_data(TensorData::new(vec![0.0; rows], [rows]), device);
    let event = Event::new(Floor, vec![Crossing::down()]).with_tolerance(1e-10);
    let opts = SolveOptions::adaptive(1e-8, 1e-8);
    let hit = odeint_event(&ball, &event, y0, t0, &[10.0], &opts, method).unwrap();
    let t: Vec<f64> = hit.t.to_data().iter::<f64>().collect();
    let loss = hit.t.clone().sum();
    let grads = hit.backward(loss).unwrap();
    let dh: Vec<f64> = grads.y0.to_data().iter::<f64>().collect();
    let mut err_t: f64 = 0.0;
    let mut err_g: f64 = 0.0;
    for (r, &h) in heights.iter().enumerate() {
        err_t = err_t.max((t[r] - (2.0 * h / G).sqrt()).abs());
        err_g = err_g.max((dh[2 * r] - 1.0 / (2.0 * G * h).sqrt()).abs());
    }
    (
        err_t,
        err_g,
        grads.search.nfe + grads.forward.nfe,
        grads.backward.nfe,
    )
}

fn main() {
    let device = neurode::backend::device(Backend::Flex, Precision::F64)
        .unwrap()
        .autodiff();
    let mut rng = StdRng::seed_from_u64(0);
    let heights: Vec<f64> = (0..ROWS).map(|_| rng.random_range(1.0..10.0)).collect();
    let adjoint = GradientMethod::Adjoint(AdjointOptions::with_tolerances(1e-8, 1e-8));
    // The batch as one per-row solve, and row by row (as torchdiffeq's users must).
    let one_by_one = |device: &Device, heights: &[f64], method: &GradientMethod| {
        heights.iter().fold((0.0f64, 0.0f64, 0, 0), |acc, h| {
            let r = once(device, std::slice::from_ref(h), method);
            (acc.0.max(r.0), acc.1.max(r.1), acc.2 + r.2, acc.3 + r.3)
        })
    };
    let variants: [(&str, GradientMethod, bool); 4] = [
        ("backprop", GradientMethod::Backprop, false),
        ("adjoint", adjoint.clone(), false),
        ("backprop, row by row", GradientMethod::Backprop, true),
        ("adjoint, row by row", adjoint, true),
    ];
    for (name, method, rowwise) in variants {
        let run = |m: &GradientMethod| match rowwise {
            true => one_by_one(&device, &heights, m),
            false => once(&device, &heights, m),
        };
        run(&method);
        let mut times = Vec::new();
        let mut last = (0.0, 0.0, 0, 0);
        for _ in 0..7 {
            let start = Instant::now();
            last = run(&method);
            times.push(start.elapsed().as_secs_f64());
        }
        println!(
            "events/{name}: {ROWS} rows, forward + gradient {:.2} ms per batch (median of 7), \
             forward NFE {} (search + solve to the events), backward NFE {}, \
             max |t* error| {:.1e}, max |dt*/dh error| {:.1e}",
            median(times) * 1e3,
            last.2,
            last.3,
            last.0,
            last.1
        );
    }
}
