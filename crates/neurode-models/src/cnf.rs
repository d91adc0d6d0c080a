//! Continuous normalizing flows (Chen et al. 2018; FFJORD, Grathwohl et al. 2019): the state
//! `[z, Δ]` with `dz/dt = f(t, z)`, `dΔ/dt = −tr(∂f/∂z)`, and optionally RNODE's regularisers
//! (Finlay et al. 2020) `‖f‖²` and `‖∂f/∂z‖²_F` as two more integrated channels.
//!
//! Direction: data `x` at `t = 0`, base `z ~ N(0, I)` at `t = T`. Density: solve 0 → T from
//! `[x, 0]`; then `log p(x) = log N(z) − Δ(T)` (`Δ(T) = −∫₀ᵀ tr`). Sampling: solve T → 0 from
//! `[z, 0]`; then `log p(x) = log N(z) + Δ(0)` (`Δ(0) = ∫₀ᵀ tr`).

use burn::Tensor;
use burn::module::Module;
use burn::tensor::TensorData;
use neurode_adjoint::{GradientMethod, NeuralDynamics, Trajectory, odeint};
use neurode_solvers::{SolveOptions, SolveStats, solve};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

use crate::ModelError;
use crate::concat_squash::JvpDynamics;

/// A probe for Hutchinson's trace estimator, fixed for one solve (FFJORD): `[batch, d]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    values: Vec<f64>,
    batch: usize,
    dim: usize,
}

impl Probe {
    /// Standard Gaussian entries.
    pub fn gaussian(batch: usize, dim: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let values = (0..batch * dim)
            .map(|_| rng.sample(StandardNormal))
            .collect();
        Self { values, batch, dim }
    }

    /// The entries, row-major `[batch, d]`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Rademacher (±1) entries: the smaller-variance estimator.
    pub fn rademacher(batch: usize, dim: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let values = (0..batch * dim)
            .map(|_| if rng.random_bool(0.5) { 1.0 } else { -1.0 })
            .collect();
        Self { values, batch, dim }
    }
}

/// How the divergence `tr(∂f/∂z)` is computed.
#[derive(Debug, Clone, PartialEq)]
pub enum Trace {
    /// Exactly, from `d` Jacobian–vector products (small `d`).
    Exact,
    /// Hutchinson's unbiased estimate `εᵀ (∂f/∂z) ε`, one product per evaluation.
    Hutchinson(Probe),
}

/// How a flow is solved: its time `T`, solver and gradient method (FFJORD's `CNF(T, solver,
/// atol, rtol)` and `adjoint` flag).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSolve {
    /// Flow time `T`: data at `t = 0`, the base distribution at `t = T`.
    pub time: f64,
    /// The solver of every flow solve.
    pub solver: SolveOptions,
    /// The gradient method of training.
    pub gradient: GradientMethod,
}

impl Default for FlowSolve {
    /// FFJORD's 2-D toys: `T = 0.5`, DOPRI5 at `rtol = atol = 1e-5`, backprop.
    fn default() -> Self {
        Self {
            time: 0.5,
            solver: SolveOptions::adaptive(1e-5, 1e-5),
            gradient: GradientMethod::Backprop,
        }
    }
}

impl FlowSolve {
    /// Checks the time and the solver.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.time.is_finite() && self.time > 0.0) {
            return Err(ModelError::InvalidConfig {
                name: "flow time",
                value: self.time.to_string(),
                expected: "a finite time T > 0",
            });
        }
        Ok(self.solver.validate()?)
    }
}

/// A continuous normalizing flow: the augmented dynamics over `[z, Δ]` (and
/// `[∫‖f‖², ∫‖∂f/∂z‖²_F]` when regularised) — a [`NeuralDynamics`], so every solver and
/// gradient method applies — and how it is solved ([`FlowSolve`]), as [`crate::NeuralOde`]
/// holds its dynamics and solver.
#[derive(Module, Debug)]
pub struct Cnf<F: JvpDynamics> {
    /// The flow's vector field.
    pub field: F,
    #[module(skip)]
    trace: Trace,
    #[module(skip)]
    regularize: bool,
    #[module(skip)]
    solve: FlowSolve,
}

impl<F: JvpDynamics> Cnf<F> {
    /// The augmented dynamics of `field` with the given trace and, if `regularize`, RNODE's
    /// two channels.
    /// Solved as [`FlowSolve::default`] until [`Cnf::with_solve`].
    pub fn new(field: F, trace: Trace, regularize: bool) -> Self {
        Self {
            field,
            trace,
            regularize,
            solve: FlowSolve::default(),
        }
    }

    /// The same flow solved as `solve` says (checked).
    pub fn with_solve(self, solve: FlowSolve) -> Result<Self, ModelError> {
        solve.validate()?;
        Ok(Self { solve, ..self })
    }

    /// How the flow is solved.
    pub fn solve(&self) -> &FlowSolve {
        &self.solve
    }

    /// The same flow (shared parameters) with another trace: e.g. a fresh Hutchinson probe
    /// per training step, or the exact trace for evaluation.
    pub fn with_trace(&self, trace: Trace) -> Self {
        Self {
            trace,
            ..self.clone()
        }
    }

    /// How the divergence is computed.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Whether RNODE's two regularising channels are integrated.
    pub fn regularized(&self) -> bool {
        self.regularize
    }

    /// Columns of the augmented state: `d + 1`, or `d + 3` regularised.
    pub fn width(&self) -> usize {
        self.field.dim() + if self.regularize { 3 } else { 1 }
    }

    fn tangents(&self, batch: usize, device: &burn::tensor::Device) -> Tensor<3> {
        let d = self.field.dim();
        match &self.trace {
            Trace::Exact => {
                let mut v = vec![0.0; d * batch * d];
                for i in 0..d {
                    for b in 0..batch {
                        v[(i * batch + b) * d + i] = 1.0;
                    }
                }
                Tensor::from_data(TensorData::new(v, [d, batch, d]), device)
            }
            Trace::Hutchinson(p) => {
                assert_eq!([p.batch, p.dim], [batch, d], "probe shape");
                Tensor::from_data(TensorData::new(p.values.clone(), [1, batch, d]), device)
            }
        }
    }
}

impl crate::TorchNames for Cnf<crate::ConcatSquashMlp> {
    /// FFJORD's names (`ODEnet` on concat-squash layers): `odefunc.diffeq.layers.{i}._layer`
    /// and `._hyper_gate`; the bias-free `_hyper_bias` weight keeps neurode's name
    /// (`field.layers.{i}.hyper_bias`, `[1, out]`).
    fn torch_layers(&self) -> Vec<(String, String)> {
        (0..self.field.layers.len())
            .flat_map(|i| {
                let ours = format!("field.layers.{i}");
                let theirs = format!("odefunc.diffeq.layers.{i}");
                [
                    (format!("{ours}.linear"), format!("{theirs}._layer")),
                    (format!("{ours}.gate"), format!("{theirs}._hyper_gate")),
                ]
            })
            .collect()
    }
}

impl<F: JvpDynamics> NeuralDynamics for Cnf<F> {
    fn forward(&self, t: f64, y: Tensor<2>) -> Tensor<2> {
        let [batch, _] = y.dims();
        let d = self.field.dim();
        let z = y.narrow(1, 0, d);
        let v = self.tangents(batch, &z.device());
        let k = v.dims()[0];
        let (f, jv) = self.field.forward_jvp(t, z, v.clone());
        let div = (jv.clone() * v).sum_dim(2).sum_dim(0).reshape([batch, 1]);
        let mut parts = vec![f.clone(), div.neg()];
        if self.regularize {
            parts.push(f.powi_scalar(2).sum_dim(1));
            // Exact: the d columns of ∂f/∂z, so the sum is ‖∂f/∂z‖²_F; Hutchinson: the mean of
            // ‖(∂f/∂z) ε‖² over the probes, whose expectation is ‖∂f/∂z‖²_F.
            let frob = jv.powi_scalar(2).sum_dim(2).sum_dim(0).reshape([batch, 1]);
            parts.push(match self.trace {
                Trace::Exact => frob,
                Trace::Hutchinson(_) => frob.div_scalar(k as f64),
            });
        }
        Tensor::cat(parts, 1)
    }
}

/// The result of a CNF solve in either direction.
pub struct CnfOutput<F: JvpDynamics> {
    /// `log p(x)` per row.
    pub log_px: Tensor<1>,
    /// The other end of the flow: `z` (density) or `x` (sampling), `[batch, d]`.
    pub end: Tensor<2>,
    /// `∫‖f‖² dt` and `∫‖∂f/∂z‖²_F dt` per row, when regularised.
    pub regularizers: Option<(Tensor<1>, Tensor<1>)>,
    /// Statistics of the solve (NFE, steps).
    pub stats: SolveStats,
    /// The solve, for `trajectory.backward(loss)` (on an autodiff device; `None` on a plain
    /// one, where the flow is evaluated without a tape).
    pub trajectory: Option<Trajectory<Cnf<F>>>,
}

/// `log N(z; 0, I)` per row.
pub fn standard_normal_log_prob(z: Tensor<2>) -> Tensor<1> {
    let [batch, d] = z.dims();
    let sq: Tensor<1> = z.powi_scalar(2).sum_dim(1).reshape([batch]);
    sq.mul_scalar(-0.5)
        .sub_scalar(0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln())
}

/// Which way a CNF solve runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Data at 0 → base at T.
    Density,
    /// Base at T → data at 0.
    Sampling,
}

fn flow<F: JvpDynamics>(
    cnf: &Cnf<F>,
    start: Tensor<2>,
    direction: Direction,
    solve_as: &FlowSolve,
) -> Result<CnfOutput<F>, ModelError> {
    let (t_end, opts, method) = (solve_as.time, &solve_as.solver, &solve_as.gradient);
    let [batch, d] = start.dims();
    if d != cnf.field.dim() {
        return Err(ModelError::Shape {
            name: "points",
            got: vec![batch, d],
            expected: format!("[batch, {}]", cnf.field.dim()),
        });
    }
    if !(t_end.is_finite() && t_end > 0.0) {
        return Err(ModelError::InvalidConfig {
            name: "flow time",
            value: t_end.to_string(),
            expected: "a finite time T > 0",
        });
    }
    let device = start.device();
    // Sampling starts from the base point: its log-density is fixed by the input.
    let base = (direction == Direction::Sampling).then(|| standard_normal_log_prob(start.clone()));
    let extra = cnf.width() - d;
    let y0 = Tensor::cat(vec![start, Tensor::zeros([batch, extra], &device)], 1);
    let ts = match direction {
        Direction::Density => [0.0, t_end],
        Direction::Sampling => [t_end, 0.0],
    };
    let (ys, stats, trajectory) = if device.is_autodiff() {
        let trajectory = odeint(cnf, y0, &ts, opts, method)?;
        (trajectory.ys.clone(), trajectory.stats, Some(trajectory))
    } else {
        // Evaluation only: a tape-free solve.
        let f = |t: f64, y: &Tensor<2>| cnf.forward(t, y.clone());
        let solution = solve(&f, y0, &ts, opts)?;
        let stats = solution.stats;
        (solution.into_stacked(), stats, None)
    };
    let last: Tensor<2> = ys.clone().narrow(0, 1, 1).reshape([batch, d + extra]);
    let end = last.clone().narrow(1, 0, d);
    let delta: Tensor<1> = last.clone().narrow(1, d, 1).reshape([batch]);
    let log_px = match base {
        None => standard_normal_log_prob(end.clone()) - delta,
        Some(base) => base + delta,
    };
    let regularizers = cnf.regularize.then(|| {
        let col = |j: usize| -> Tensor<1> { last.clone().narrow(1, d + j, 1).reshape([batch]) };
        let sign = if direction == Direction::Density {
            1.0
        } else {
            -1.0
        };
        (col(1).mul_scalar(sign), col(2).mul_scalar(sign))
    });
    Ok(CnfOutput {
        log_px,
        end,
        regularizers,
        stats,
        trajectory,
    })
}

impl<F: JvpDynamics> Cnf<F> {
    /// `log p(x)` of data points `x: [batch, d]` under the flow over `[0, T]`, with the base
    /// point `z` each maps to, solved as the flow's own [`FlowSolve`]. On an autodiff device
    /// `trajectory.backward(loss)` gives the gradients of any loss built from `log_px` (e.g.
    /// the mean negative log-likelihood).
    pub fn log_density(&self, x: Tensor<2>) -> Result<CnfOutput<F>, ModelError> {
        self.log_density_with(x, &self.solve)
    }

    /// [`Cnf::log_density`] solved as `solve` says instead of the flow's own settings.
    pub fn log_density_with(
        &self,
        x: Tensor<2>,
        solve: &FlowSolve,
    ) -> Result<CnfOutput<F>, ModelError> {
        flow(self, x, Direction::Density, solve)
    }

    /// Samples: base points `z: [batch, d]` flowed back from `T` to 0, with `log p(x)` of
    /// each sample (the flow's own [`FlowSolve`]).
    pub fn sample(&self, z: Tensor<2>) -> Result<CnfOutput<F>, ModelError> {
        self.sample_with(z, &self.solve)
    }

    /// [`Cnf::sample`] solved as `solve` says.
    pub fn sample_with(&self, z: Tensor<2>, solve: &FlowSolve) -> Result<CnfOutput<F>, ModelError> {
        flow(self, z, Direction::Sampling, solve)
    }
}
