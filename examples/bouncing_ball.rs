//! A bouncing ball with unknown gravity and restitution, learned from its observed bounce
//! times and apex heights through chained event solves.
//!
//! `cargo run --release --example bouncing_ball [-- ITERATIONS]` (default 600). Draws the
//! observations, the true trajectories, the initial guess and the fit to
//! `out/bouncing_ball.png`.
//!
//! Four balls dropped from 1, 2, 3 and 4 m (`y = (height, velocity)`, `y' = (v, −g)`), one
//! batch row each on its own clock. One event, two terminal conditions: the height falling
//! through zero (a bounce: the velocity reverses, scaled by the restitution `e`) and the
//! velocity falling through zero (an apex). Seven solves per ball (bounce, then apex and
//! bounce three times), each starting at the previous event's time; the loss compares the
//! four bounce times and three apex heights with the observed ones, and its gradients with
//! respect to `g` and `e` flow through every event time (implicit-function theorem) and
//! every reset by the backsolve adjoint (which diffrax refuses for events).

use std::error::Error;
use std::time::Instant;

use burn::Tensor;
use burn::module::{Module, Param};
use burn::optim::AdamConfig;
use burn::tensor::TensorData;
use neurode::adjoint::{
    AdjointOptions, EventTrajectory, GradientMethod, NeuralCondition, NeuralDynamics,
    backward_events, odeint_event,
};
use neurode::backend::{Backend, Device, Precision};
use neurode::run::plot::{Line, Panel, colors, save_figure};
use neurode::solvers::{
    Crossing, Event, FailurePolicy, RowGrid, RowsAt, SolveOptions, solve_event,
};

const HEIGHTS: [f64; 4] = [1.0, 2.0, 3.0, 4.0];
const TRUE_G: f64 = 9.81;
const TRUE_E: f64 = 0.8;
/// Solves per ball: the first bounce, then (apex, bounce) three times.
const SOLVES: usize = 7;

/// The ball's dynamics, gravity learnable, and the restitution applied at each bounce.
#[derive(Module, Debug)]
struct Ball {
    gravity: Param<Tensor<1>>,
    restitution: Param<Tensor<1>>,
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

/// The two conditions: height (a bounce) and velocity (an apex), `[n, 2]`.
#[derive(Module, Debug)]
struct FloorAndApex;

impl NeuralCondition for FloorAndApex {
    fn forward(&self, _t: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        y
    }
}

fn scalar(v: f64, device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(vec![v], [1]), device)
}

fn column(values: &[f64], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), device)
}

fn event() -> Event<FloorAndApex> {
    Event::new(FloorAndApex, vec![Crossing::down(), Crossing::down()]).with_tolerance(1e-10)
}

/// After each event: at a bounce the velocity becomes `−e·v`; at an apex nothing changes.
fn reset(hit: &EventTrajectory<Ball>, e: Tensor<1>, device: &Device) -> Tensor<2> {
    let n = hit.y.dims()[0];
    let bounced: Vec<f64> = hit
        .events
        .iter()
        .map(|ev| f64::from(u8::from(ev.is_some_and(|ev| ev.condition == 0))))
        .collect();
    let bounced = column(&bounced, device);
    let v = hit.y.clone().slice([0..n, 1..2]);
    // v · (1 − b) + (−e·v) · b
    let factor = bounced.clone().neg().add_scalar(1.0) - bounced * e.reshape([1, 1]);
    Tensor::cat(vec![hit.y.clone().slice([0..n, 0..1]), v * factor], 1)
}

/// The seven event solves of every ball: the chain (for the backward pass) and the predicted
/// bounce times and apex heights, `[rows, 4]` and `[rows, 3]`.
struct Bounces {
    chain: Vec<EventTrajectory<Ball>>,
    times: Tensor<2>,
    apexes: Tensor<2>,
}

/// Every ball from rest at `HEIGHTS` through its seven events.
fn bounce(
    ball: &Ball,
    method: &GradientMethod,
    device: &Device,
) -> Result<Bounces, Box<dyn Error>> {
    let rows: Vec<[f64; 2]> = HEIGHTS.iter().map(|&h| [h, 0.0]).collect();
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let mut y = Tensor::<2>::from_data(TensorData::new(flat, [rows.len(), 2]), device);
    let mut t =
        Tensor::<1>::from_data(TensorData::new(vec![0.0; rows.len()], [rows.len()]), device);
    let opts = SolveOptions::adaptive(1e-8, 1e-10);
    let (mut chain, mut times, mut apexes) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..SOLVES {
        let ends: Vec<f64> = t.to_data().iter::<f64>().map(|t| t + 10.0).collect();
        let hit = odeint_event(ball, &event(), y, t, &ends, &opts, method)?;
        if hit.events.iter().any(Option::is_none) {
            return Err("a ball did not reach its next event within 10 s".into());
        }
        let n = hit.y.dims()[0];
        if k % 2 == 0 {
            times.push(hit.t.clone().reshape([n, 1]));
        } else {
            apexes.push(hit.y.clone().slice([0..n, 0..1]));
        }
        y = reset(&hit, ball.restitution.val(), device);
        t = hit.t.clone();
        chain.push(hit);
    }
    Ok(Bounces {
        chain,
        times: Tensor::cat(times, 1),
        apexes: Tensor::cat(apexes, 1),
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::args().nth(1).map_or(Ok(600), |s| s.parse())?;
    let plain = neurode::backend::device(Backend::Flex, Precision::F64)?;
    let device = plain.clone().autodiff();
    let method = GradientMethod::Adjoint(AdjointOptions::with_tolerances(1e-8, 1e-10));
    // The observations, from the true parameters.
    let truth = Ball {
        gravity: Param::from_tensor(scalar(TRUE_G, &device)),
        restitution: Param::from_tensor(scalar(TRUE_E, &device)),
    };
    let observed = bounce(&truth, &method, &device)?;
    let (obs_times, obs_apexes) = (observed.times.detach(), observed.apexes.detach());
    let guess = (6.0, 0.6);
    let mut ball = Ball {
        gravity: Param::from_tensor(scalar(guess.0, &device)),
        restitution: Param::from_tensor(scalar(guess.1, &device)),
    };
    let mut optim = AdamConfig::new().init();
    let start = Instant::now();
    let mut nfe = 0;
    for it in 1..=iterations {
        let Bounces {
            chain,
            times,
            apexes,
        } = bounce(&ball, &method, &device)?;
        let loss = (times - obs_times.clone()).powi_scalar(2).mean()
            + (apexes - obs_apexes.clone()).powi_scalar(2).mean();
        let value: f64 = loss.clone().into_scalar();
        let grads = backward_events(chain, loss, &ball)?;
        nfe += grads.search.nfe + grads.forward.nfe + grads.backward.nfe;
        // Constant for the first half, then decaying geometrically to 1e-3.
        let decay = (2.0 * it as f64 / iterations as f64 - 1.0).max(0.0);
        let lr = 0.1 * 1e-2f64.powf(decay);
        ball = optim.step(lr, ball, grads.params);
        if it % 50 == 0 || it == iterations || it == 1 {
            println!(
                "iteration {it:4}: loss {value:.3e}, g = {:.5}, e = {:.5}, {:.0} NFE per iteration, {:.1} s",
                ball.gravity.val().into_scalar::<f64>(),
                ball.restitution.val().into_scalar::<f64>(),
                nfe as f64 / it as f64,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let (g, e): (f64, f64) = (
        ball.gravity.val().into_scalar(),
        ball.restitution.val().into_scalar(),
    );
    println!(
        "fitted g = {g:.8} (true {TRUE_G}), e = {e:.8} (true {TRUE_E}); started from g = {}, e = {}",
        guess.0, guess.1
    );
    figure(
        &plain,
        &obs_times,
        &obs_apexes,
        [(TRUE_G, TRUE_E), guess, (g, e)],
    )?;
    println!("wrote out/bouncing_ball.png");
    Ok(())
}

/// Height against time of the ball dropped from 4 m under `(g, e)`, sampled every 10 ms
/// through the same seven event solves (tape-free).
fn trajectory(plain: &Device, g: f64, e: f64) -> Result<Vec<(f64, f64)>, Box<dyn Error>> {
    let f = move |_: &RowsAt<'_>, y: &Tensor<2>| {
        let n = y.dims()[0];
        let v = y.clone().slice([0..n, 1..2]);
        Tensor::cat(vec![v.clone(), v.zeros_like().sub_scalar(g)], 1)
    };
    let cond = |_: &Tensor<2>, y: &Tensor<2>| y.clone();
    let ev = Event::new(cond, vec![Crossing::down(), Crossing::down()]).with_tolerance(1e-10);
    let opts = SolveOptions::adaptive(1e-8, 1e-10);
    let (mut t, mut y) = (
        0.0,
        Tensor::<2>::from_data(TensorData::new(vec![4.0, 0.0], [1, 2]), plain),
    );
    let mut points = Vec::new();
    for _ in 0..SOLVES {
        let times: Vec<f64> = (0..1000).map(|i| t + i as f64 * 0.01).collect();
        let s = solve_event(
            &f,
            y,
            &RowGrid::new(vec![times.clone()])?,
            &ev,
            &opts,
            FailurePolicy::FailBatch,
        )?;
        let hs: Vec<f64> = s.solution.ys.to_data().iter::<f64>().collect();
        points.extend((0..s.solution.produced[0]).map(|k| (times[k], hs[2 * k])));
        let end: Vec<f64> = s.y.to_data().iter::<f64>().collect();
        points.push((s.t[0], end[0]));
        let bounced = s.events[0].is_some_and(|ev| ev.condition == 0);
        let v = if bounced { -e * end[1] } else { end[1] };
        y = Tensor::from_data(TensorData::new(vec![end[0], v], [1, 2]), plain);
        t = s.t[0];
    }
    Ok(points)
}

fn figure(
    plain: &Device,
    obs_times: &Tensor<2>,
    obs_apexes: &Tensor<2>,
    params: [(f64, f64); 3],
) -> Result<(), Box<dyn Error>> {
    let mut panel = Panel::new(
        "ball dropped from 4 m: observed events and fits",
        "t (s)",
        "height (m)",
    );
    let styles = [
        ("true (g 9.81, e 0.8)", colors::GREY),
        ("initial guess", colors::ORANGE),
        ("fitted", colors::BLUE),
    ];
    for ((g, e), (name, color)) in params.iter().zip(styles) {
        let line = Line::new(name, trajectory(plain, *g, *e)?, color);
        panel.lines.push(if color == colors::GREY {
            line.dashed()
        } else {
            line
        });
    }
    let times: Vec<f64> = obs_times.to_data().iter::<f64>().collect();
    let apexes: Vec<f64> = obs_apexes.to_data().iter::<f64>().collect();
    let b = HEIGHTS.len() - 1;
    for k in 0..4 {
        panel.points.push((times[b * 4 + k], 0.0, colors::RED, 4));
    }
    for k in 0..3 {
        // Apex k is halfway between bounces k and k + 1.
        let t = 0.5 * (times[b * 4 + k] + times[b * 4 + k + 1]);
        panel.points.push((t, apexes[b * 3 + k], colors::RED, 4));
    }
    std::fs::create_dir_all("out")?;
    save_figure(
        std::path::Path::new("out/bouncing_ball.png"),
        &[panel],
        1,
        (800, 420),
    )?;
    Ok(())
}
