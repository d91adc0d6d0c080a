//! Multiple shooting on the CPU backends in f64: with one segment and no continuity weight it
//! is the plain trajectory loss (value and gradients); with several segments and free nodes its
//! gradient — parameters and nodes — matches central differences, by backprop and the adjoint.

#[macro_use]
mod common;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::TensorData;
use common::{Device, Tensor};
use neurode::adjoint::{AdjointOptions, GradientMethod};
use neurode::datasets::{SpiralDataConfig, SpiralSystem};
use neurode::models::{NeuralOde, NeuralOdeConfig, Preset};
use neurode::solvers::{Method, SolveOptions};
use neurode::train::{MultipleShooting, Nodes, Regression, Shot, Task};

/// The spiral on [0, 3] at 13 samples (12 intervals: 1, 2, 3, 4 or 6 segments fit exactly).
fn task(
    device: &Device,
    segments: usize,
    continuity: f64,
    nodes: Nodes,
) -> MultipleShooting<neurode::models::DynamicsNet> {
    let data = SpiralDataConfig {
        t_end: 3.0,
        n_points: 13,
        extended_t_end: 4.0,
        n_extended: 17,
    }
    .generate(&SpiralSystem::PAPER)
    .unwrap();
    let regression = Regression::new(vec![data.train], 4, 5, device);
    MultipleShooting::new(regression, segments, continuity, nodes).unwrap()
}

fn model(device: &Device, gradient: GradientMethod) -> NeuralOde<neurode::models::DynamicsNet> {
    NeuralOdeConfig::new(Preset::Compact32.config())
        .with_solver(SolveOptions::steps(Method::Rk4, 2))
        .with_gradient(gradient)
        .init(5, &device.clone().autodiff())
        .unwrap()
}

/// Every float parameter's gradient, in visiting order (zeros where there is none).
fn flat_grads<M: Module>(model: &M, grads: &GradientsParams) -> Vec<f64> {
    struct Collect<'a>(&'a GradientsParams, Vec<f64>);
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            match self.0.get::<D>(p.id) {
                Some(g) => self.1.extend(g.to_data().iter::<f64>()),
                None => self
                    .1
                    .extend(std::iter::repeat_n(0.0, p.val().shape().num_elements())),
            }
        }
    }
    let mut c = Collect(grads, Vec::new());
    model.visit(&mut c);
    c.1
}

/// `model` with its `k`-th scalar parameter (visiting order) moved by `h`.
fn nudged<M: Module>(model: M, k: usize, h: f64) -> M {
    struct Nudge {
        k: usize,
        h: f64,
        seen: usize,
    }
    impl ModuleMapper for Nudge {
        fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let n = p.val().shape().num_elements();
            let (k, h, seen) = (self.k, self.h, self.seen);
            self.seen += n;
            if !(seen..seen + n).contains(&k) {
                return p;
            }
            p.map(|t| {
                let mut v: Vec<f64> = t.to_data().iter::<f64>().collect();
                v[k - seen] += h;
                Tensor::from_data(TensorData::new(v, t.dims()), &t.device()).require_grad()
            })
        }
    }
    model.map(&mut Nudge { k, h, seen: 0 })
}

fn one_segment_without_continuity_is_the_plain_loss(device: &Device) {
    let t = task(device, 1, 0.0, Nodes::Free);
    let shot = t.shot(model(device, GradientMethod::Backprop));
    let out = t.step(&shot, &()).unwrap();
    // The plain loss: the whole series predicted from its first state.
    let s = &t.regression.series[0];
    let ad = device.clone().autodiff();
    let y0 = Tensor::<2>::from_data(TensorData::new(s.row(0).to_vec(), [1, 2]), &ad);
    let plain = shot.ode.forward(y0, &s.ts).unwrap();
    let target = Tensor::<3>::from_data(TensorData::new(s.values.clone(), [s.len(), 1, 2]), &ad);
    let loss = (plain.ys.clone() - target).powi_scalar(2).mean();
    let want: f64 = loss.clone().into_scalar();
    let g = plain.backward(loss).unwrap();
    assert!(
        (out.loss - want).abs() <= 1e-15 * want,
        "{} vs {want}",
        out.loss
    );
    let (a, b) = (
        flat_grads(&shot.ode, &out.grads),
        flat_grads(&shot.ode, &g.params),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-13 * y.abs().max(1e-3), "{x} vs {y}");
    }
}

/// The gradient of the shooting loss (4 segments, continuity 2.0, free nodes) against central
/// differences on a spread of dynamics parameters and every node entry.
fn shooting_gradients_match_central_differences(device: &Device) {
    let t = task(device, 4, 2.0, Nodes::Free);
    // Nodes off the trajectory, so the continuity term is active.
    let mut shot = t.shot(model(device, GradientMethod::Backprop));
    shot.nodes = shot
        .nodes
        .map(|n| n.add_scalar(0.05).detach().require_grad());
    let loss = |m: &Shot<_>| t.step(m, &()).unwrap().loss;
    let backprop = flat_grads(&shot, &t.step(&shot, &()).unwrap().grads);
    let n = backprop.len();
    let h = 1e-6;
    let mut checked = Vec::new();
    for k in [0, 7, 33, 64, 99, 130, n - 6, n - 3, n - 1] {
        let fd =
            (loss(&nudged(shot.clone(), k, h)) - loss(&nudged(shot.clone(), k, -h))) / (2.0 * h);
        assert!(
            (backprop[k] - fd).abs() <= 1e-6 * fd.abs().max(1e-3),
            "param {k}: {} vs fd {fd}",
            backprop[k]
        );
        checked.push(fd);
    }
    // The last 6 entries are the 3 nodes (visited after the ODE): they receive gradient.
    assert!(checked[6..].iter().all(|g| g.abs() > 1e-4), "{checked:?}");
    // The adjoint (tight tolerances) computes the same gradient.
    let tight = SolveOptions::adaptive(1e-11, 1e-13);
    let adjoint = GradientMethod::Adjoint(AdjointOptions::with_tolerances(1e-11, 1e-13));
    let mut a = t.shot(
        NeuralOdeConfig::new(Preset::Compact32.config())
            .with_solver(tight.clone())
            .with_gradient(adjoint)
            .init(5, &device.clone().autodiff())
            .unwrap(),
    );
    a.nodes = a.nodes.map(|n| n.add_scalar(0.05).detach().require_grad());
    let mut b = t.shot(
        NeuralOdeConfig::new(Preset::Compact32.config())
            .with_solver(tight)
            .init(5, &device.clone().autodiff())
            .unwrap(),
    );
    b.nodes = b.nodes.map(|n| n.add_scalar(0.05).detach().require_grad());
    let (ga, gb) = (
        flat_grads(&a, &t.step(&a, &()).unwrap().grads),
        flat_grads(&b, &t.step(&b, &()).unwrap().grads),
    );
    for (x, y) in ga.iter().zip(&gb) {
        assert!(
            (x - y).abs() <= 1e-6 * y.abs().max(1e-3),
            "adjoint {x} vs backprop {y}"
        );
    }
}

/// With data nodes the nodes take no gradient and stay where the data is.
fn data_nodes_are_not_trained(device: &Device) {
    let t = task(device, 3, 1.0, Nodes::Data);
    let shot = t.shot(model(device, GradientMethod::Backprop));
    let out = t.step(&shot, &()).unwrap();
    assert!(out.grads.get::<2>(shot.nodes.id).is_none());
    assert!(out.loss.is_finite() && out.loss > 0.0);
}

fn bad_settings_are_errors(device: &Device) {
    let data = SpiralDataConfig::default()
        .generate(&SpiralSystem::PAPER)
        .unwrap();
    let r = Regression::<neurode::models::DynamicsNet>::new(vec![data.train], 4, 5, device);
    for (k, c) in [(0, 1.0), (1000, 1.0), (4, -1.0), (4, f64::NAN)] {
        let e = MultipleShooting::new(r.clone(), k, c, Nodes::Free).unwrap_err();
        assert!(e.to_string().contains("multiple_shooting"), "{e}");
    }
}

cpu_backend_tests!(F64;
    one_segment_without_continuity_is_the_plain_loss,
    shooting_gradients_match_central_differences,
    data_nodes_are_not_trained,
    bad_settings_are_errors,
);
