//! The two-phase API: solve (differentiably), compute any loss, then `backward(loss)`.

use burn::Tensor;
use burn::module::Module;
use burn::optim::GradientsParams;
use neurode_solvers::{
    DenseOutput, RmsNorm, SolveError, SolveOptions, SolveStats, solve, solve_observed,
    validate_time_grid,
};

use crate::backward::{OdeGradients, YSource, adjoint_backward, backward_solve, check_finite};
use crate::checkpointed::{SharedSteps, reverse};
use crate::schedule::Recorder;
use crate::{AdjointError, GradientMethod, NeuralDynamics};

/// What the forward pass kept for the backward pass, besides the trajectory.
enum Memo {
    /// Nothing (backprop's tape, the backsolve adjoint).
    Nothing,
    /// Checkpointed backprop: the accepted steps and the stored states.
    Checkpoints(Recorder),
    /// The interpolating adjoint: the forward solution's dense output.
    Dense(DenseOutput<Tensor<2>>),
}

/// A differentiable solve: the trajectory to build a loss from, and what `backward` needs.
pub struct Trajectory<M> {
    /// The solution at every output time, `[time, batch, dim]`, on the autodiff device.
    /// Build any Burn loss from it.
    pub ys: Tensor<3>,
    /// Statistics of the forward solve.
    pub stats: SolveStats,
    /// The dynamics (a clone: parameters are shared, so gradients map to the caller's model).
    model: M,
    /// The detached leaf the solve started from (`∂L/∂y₀` is taken w.r.t. it).
    y0: Tensor<2>,
    /// `y0` as given, possibly the output of earlier layers (a lift): gradients flow back
    /// into them through it.
    y0_input: Tensor<2>,
    ts: Vec<f64>,
    /// The forward options (checkpointed backprop replays steps with them).
    opts: SolveOptions,
    method: GradientMethod,
    memo: Memo,
}

/// Solves `dy/dt = model(t, y)` from `y0` (on an autodiff device) at the times `ts`, so that
/// gradients of any loss of the trajectory can be taken with [`Trajectory::backward`] by the
/// chosen [`GradientMethod`].
pub fn odeint<M: NeuralDynamics>(
    model: &M,
    y0: Tensor<2>,
    ts: &[f64],
    opts: &SolveOptions,
    method: &GradientMethod,
) -> Result<Trajectory<M>, AdjointError> {
    if !y0.device().is_autodiff() {
        return Err(AdjointError::NotAutodiff);
    }
    check_inputs(&y0, ts, opts, method)?;
    let y0_input = y0.clone();
    let y0 = y0.detach().require_grad();
    // Tape-free forward: the plain-device twin of the module, plain tensors; the trajectory
    // becomes a leaf whose gradient is dL/dy(tᵢ).
    let tape_free = |observer: Option<&mut dyn neurode_solvers::StepObserver<Tensor<2>>>| {
        let plain = model.valid();
        let f = |t: f64, y: &Tensor<2>| plain.forward(t, y.clone());
        let y0 = y0.clone().inner();
        let sol = match observer {
            Some(o) => solve_observed(&f, y0, ts, opts, &RmsNorm, o),
            None => solve(&f, y0, ts, opts),
        }
        .map_err(AdjointError::Forward)?;
        let stats = sol.stats;
        Ok::<_, AdjointError>((Tensor::from_inner(sol.into_stacked()).require_grad(), stats))
    };
    let mut memo = Memo::Nothing;
    let (ys, stats) = match method {
        GradientMethod::Backprop => {
            // Every solver step is recorded on the tape.
            let f = |t: f64, y: &Tensor<2>| model.forward(t, y.clone());
            let sol = solve(&f, y0.clone(), ts, opts).map_err(AdjointError::Forward)?;
            let stats = sol.stats;
            (sol.into_stacked(), stats)
        }
        GradientMethod::Adjoint(_) => tape_free(None)?,
        GradientMethod::Checkpointed(c) => {
            let y0 = y0.clone().inner();
            let mut recorder = match (c.checkpoints, opts.fixed_step_count(ts)) {
                (budget, Some(n)) => {
                    // More states than steps are never needed.
                    let c = budget
                        .unwrap_or_else(|| crate::schedule::auto_budget(n))
                        .min(n + 1);
                    Recorder::binomial(y0, n, c)
                }
                // Half the budget forward; the other half reverses the stretches between.
                (budget, None) => Recorder::online(y0, budget.map(|c| c.div_ceil(2))),
            };
            let out = tape_free(Some(&mut recorder))?;
            memo = Memo::Checkpoints(recorder);
            out
        }
        GradientMethod::Interpolated(_) => {
            let mut dense = DenseOutput::new();
            let out = tape_free(Some(&mut dense))?;
            memo = Memo::Dense(dense);
            out
        }
    };
    Ok(Trajectory {
        ys,
        stats,
        model: model.clone(),
        y0,
        y0_input,
        ts: ts.to_vec(),
        opts: opts.clone(),
        method: method.clone(),
        memo,
    })
}

impl<M: NeuralDynamics> Trajectory<M> {
    /// The output times.
    pub fn ts(&self) -> &[f64] {
        &self.ts
    }

    /// Gradients of `loss` (a one-element tensor built from [`Trajectory::ys`], and possibly
    /// from the model's parameters directly, e.g. weight decay) w.r.t. every parameter and
    /// `y0`. Backprop runs Burn's backward pass through the solver steps; the adjoint solves
    /// backwards in time.
    pub fn backward(self, loss: Tensor<1>) -> Result<OdeGradients, AdjointError> {
        let model = self.model.clone();
        self.backward_for(loss, &model)
    }

    /// [`Trajectory::backward`] for a larger model `outer` that contains the dynamics: layers
    /// before the solve (a lift producing `y0`) and after it (a classification head) get their
    /// gradients too, so `params` covers every parameter of `outer` the loss depends on.
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, AdjointError> {
        let leaves = Leaves {
            ys: &self.ys,
            y0: &self.y0,
            y0_input: &self.y0_input,
        };
        let backprop = matches!(self.method, GradientMethod::Backprop);
        backward_pass(loss, outer, leaves, backprop, self.stats, |dl_dys| {
            let dl_dys = per_time(dl_dys);
            match (&self.method, self.memo) {
                (GradientMethod::Adjoint(opts), _) => {
                    // The forward states are the trajectory itself, without its tape.
                    let states = per_time(self.ys.clone().inner());
                    let (params, y0, backward) =
                        adjoint_backward(&self.model, &self.ts, &states, &dl_dys, opts)?;
                    Ok(Through::new(params, y0, backward))
                }
                (GradientMethod::Interpolated(opts), Memo::Dense(dense)) => {
                    check_finite(&self.ts, &dl_dys)?;
                    let source = YSource::Dense(&dense);
                    let (params, y0, backward) =
                        backward_solve(&self.model, &self.ts, source, &dl_dys, opts)?;
                    Ok(Through::new(params, y0, backward))
                }
                (GradientMethod::Checkpointed(c), Memo::Checkpoints(mut recorder)) => {
                    check_finite(&self.ts, &dl_dys)?;
                    let n = recorder.steps.len();
                    let steps = std::mem::take(&mut recorder.steps);
                    let stretch = SharedSteps {
                        model: &self.model,
                        plain: self.model.valid(),
                        steps: &steps,
                        ts: &self.ts,
                        opts: &self.opts,
                        dl_dys: &dl_dys,
                    };
                    let lambda = dl_dys[0].zeros_like();
                    let r = reverse(&self.model, stretch, recorder, n, c.checkpoints, lambda)?;
                    // ∂L/∂y(t₀) directly, besides through the solve.
                    let mut out = Through::new(r.params, r.y0 + dl_dys[0].clone(), r.taped);
                    (out.recompute, out.checkpoints) = (r.recompute, r.peak);
                    Ok(out)
                }
                _ => unreachable!("the forward pass keeps what its method's backward needs"),
            }
        })
    }
}

/// The tensors a trajectory's backward pass starts from.
pub(crate) struct Leaves<'a> {
    /// The trajectory: backprop's taped solve, else a leaf whose gradient is `∂L/∂y(tᵢ)`.
    pub ys: &'a Tensor<3>,
    /// The detached leaf the solve started from.
    pub y0: &'a Tensor<2>,
    /// `y0` as given, possibly the output of earlier layers.
    pub y0_input: &'a Tensor<2>,
}

/// Gradients through the solve and what computing them took.
pub(crate) struct Through {
    pub params: GradientsParams,
    pub y0: Tensor<2>,
    pub backward: SolveStats,
    pub recompute: SolveStats,
    pub checkpoints: usize,
}

impl Through {
    /// Gradients computed without recomputing steps or holding checkpoints.
    pub fn new(params: GradientsParams, y0: Tensor<2>, backward: SolveStats) -> Self {
        Self {
            params,
            y0,
            backward,
            recompute: SolveStats::default(),
            checkpoints: 0,
        }
    }
}

/// The backward pass of a trajectory ([`Trajectory`], [`crate::RowTrajectory`]): backprop
/// takes the gradients off the tape of `loss`; the other methods hand `∂L/∂ys` to `through`
/// (the gradients through the solve) and add the parameter gradients the loss has directly
/// (weight decay, a head). Last, `∂L/∂y₀` is chained into whatever produced `y0`.
pub(crate) fn backward_pass<N: Module>(
    loss: Tensor<1>,
    outer: &N,
    leaves: Leaves<'_>,
    backprop: bool,
    forward: SolveStats,
    through: impl FnOnce(Tensor<3>) -> Result<Through, AdjointError>,
) -> Result<OdeGradients, AdjointError> {
    let y0_input = leaves.y0_input;
    let out = unchained_pass(loss, outer, leaves, backprop, through)?;
    Ok(out.chained(y0_input, outer, forward))
}

impl Through {
    /// The gradients, with `∂L/∂y₀` chained into whatever produced `y0_input` (one more
    /// backward pass, through that producer alone).
    pub fn chained<N: Module>(
        self,
        y0_input: &Tensor<2>,
        outer: &N,
        forward: SolveStats,
    ) -> OdeGradients {
        let params = chain_into_y0_input(y0_input, &self.y0, self.params, outer);
        OdeGradients {
            params,
            y0: self.y0,
            forward,
            backward: self.backward,
            recompute: self.recompute,
            checkpoints: self.checkpoints,
        }
    }
}

/// [`backward_pass`] up to `∂L/∂y₀`, without chaining it into `y0`'s producer (event solves
/// chain several solves themselves).
pub(crate) fn unchained_pass<N: Module>(
    loss: Tensor<1>,
    outer: &N,
    leaves: Leaves<'_>,
    backprop: bool,
    through: impl FnOnce(Tensor<3>) -> Result<Through, AdjointError>,
) -> Result<Through, AdjointError> {
    if loss.shape().num_elements() != 1 {
        return Err(AdjointError::LossNotScalar(loss.dims().to_vec()));
    }
    let mut grads = loss.backward();
    if backprop {
        let y0 = leaves
            .y0
            .grad(&grads)
            .unwrap_or_else(|| leaves.y0.clone().inner().zeros_like());
        let params = GradientsParams::from_module(&mut grads, outer);
        Ok(Through::new(params, y0, SolveStats::default()))
    } else {
        let dl_dys = leaves
            .ys
            .grad(&grads)
            .unwrap_or_else(|| leaves.ys.clone().inner().zeros_like());
        let mut through = through(dl_dys)?;
        let direct = GradientsParams::from_module(&mut grads, outer);
        through.params = add_gradients(through.params, direct, outer);
        Ok(through)
    }
}

/// Everything a solve with these inputs would refuse, refused before anything is allocated
/// or solved: the options (the backward solve's too), the time grid, the state's shape, the
/// checkpoint budget and a fixed-step count over `max_steps`.
pub(crate) fn check_inputs(
    y0: &Tensor<2>,
    ts: &[f64],
    opts: &SolveOptions,
    method: &GradientMethod,
) -> Result<(), AdjointError> {
    opts.validate().map_err(AdjointError::Forward)?;
    method.refuse_implicit_where_unsupported(opts)?;
    validate_time_grid(ts).map_err(AdjointError::Forward)?;
    if y0.dims().contains(&0) {
        return Err(AdjointError::Forward(SolveError::EmptyState {
            shape: format!("{:?}", y0.dims()),
        }));
    }
    if let Some(n) = opts.fixed_step_count(ts)
        && n > opts.max_steps
    {
        return Err(AdjointError::Forward(SolveError::MaxStepsExceeded {
            t: ts[0],
            max_steps: opts.max_steps,
        }));
    }
    match method {
        GradientMethod::Adjoint(a) | GradientMethod::Interpolated(a) => {
            a.solve.validate().map_err(AdjointError::BackwardOptions)
        }
        GradientMethod::Checkpointed(c) if c.checkpoints == Some(0) => {
            Err(AdjointError::NoCheckpoints)
        }
        _ => Ok(()),
    }
}

/// `[time, batch, dim]` → one `[batch, dim]` tensor per time.
fn per_time(ys: Tensor<3>) -> Vec<Tensor<2>> {
    ys.iter_dim(0)
        .map(|y| {
            let [_, b, d] = y.dims();
            y.reshape([b, d])
        })
        .collect()
}

/// Chains `∂L/∂y₀` into whatever produced `y0_input` (a lift before the solve), by one more
/// backward pass through it alone, and adds those parameters' gradients to `params`; `params`
/// as it is when `y0` was not computed by a module.
pub(crate) fn chain_into_y0_input<N: Module>(
    y0_input: &Tensor<2>,
    dl_dy0: &Tensor<2>,
    params: GradientsParams,
    outer: &N,
) -> GradientsParams {
    if !y0_input.is_tracked() {
        return params;
    }
    let upstream = Tensor::from_inner(dl_dy0.clone());
    let mut chained = (y0_input.clone() * upstream).sum().backward();
    let earlier = GradientsParams::from_module(&mut chained, outer);
    add_gradients(params, earlier, outer)
}

/// `a + b` per parameter of `model` (either may lack an entry): sums gradients of several
/// losses (or of several solves) before one optimizer step.
pub fn add_gradients<M: Module>(
    mut a: GradientsParams,
    mut b: GradientsParams,
    model: &M,
) -> GradientsParams {
    use burn::module::{ModuleVisitor, Param};
    struct Merge<'a> {
        a: &'a mut GradientsParams,
        b: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Merge<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(extra) = self.b.remove::<D>(param.id) {
                let sum = match self.a.remove::<D>(param.id) {
                    Some(g) => g + extra,
                    None => extra,
                };
                self.a.register(param.id, sum);
            }
        }
    }
    model.visit(&mut Merge {
        a: &mut a,
        b: &mut b,
    });
    a
}
