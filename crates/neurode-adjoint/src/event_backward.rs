//! Backward passes through event solves, one or several chained (a state reset after an
//! event, then the next solve from that event's time).
//!
//! Each [`EventTrajectory`]'s `t` and `y` are leaves; the graph behind them (the solve to the
//! events, the implicit derivatives) is kept apart. The backward pass takes `∂L/∂t` and
//! `∂L/∂y` of every trajectory from the loss, then goes through the trajectories from the last
//! to the first: through the graph behind the leaves and the solve (by the trajectory's
//! gradient method), then through what produced its initial state and start time (a reset of
//! the previous trajectory's leaves), which adds to the previous trajectory's `∂L/∂t`,
//! `∂L/∂y`. Each of these graphs is walked once, whichever the gradient method.
//!
//! So the graphs the caller builds between solves must not share intermediate tensors: Burn
//! walks a graph's nodes once. Build each start from the previous trajectory's `t`, `y` and
//! parameters (compute `e = p.val().sigmoid()` inside the loop, not once before it), and the
//! loss from the trajectories' `t`, `y` and parameters (not from a reset state that the next
//! solve starts from). A shared intermediate makes Burn panic ("graph tape has already been
//! consumed") during the backward pass.

use burn::Tensor;
use burn::module::Module;
use burn::optim::GradientsParams;
use neurode_solvers::SolveStats;

use crate::event::EventTrajectory;
use crate::{AdjointError, NeuralDynamics, add_gradients};

/// Gradients through one or several chained event solves.
#[derive(Debug)]
pub struct EventGradients {
    /// `∂L/∂θ` for every parameter of the `outer` module the loss depends on (dynamics,
    /// conditions, resets between solves, layers before and after).
    pub params: GradientsParams,
    /// `∂L/∂y₀` of the first solve, `[batch, dim]`.
    pub y0: Tensor<2>,
    /// `∂L/∂t₀` of the first solve, `[batch]` (zero when its start time was not tracked).
    pub t0: Tensor<1>,
    /// The solves to the events, summed over the chain.
    pub forward: SolveStats,
    /// The tape-free searches for the events, summed.
    pub search: SolveStats,
    /// The backward passes through the solves, summed (zero for backprop).
    pub backward: SolveStats,
}

impl<M: NeuralDynamics> EventTrajectory<M> {
    /// Gradients of `loss` (built from [`EventTrajectory::t`] and [`EventTrajectory::y`])
    /// w.r.t. the dynamics' parameters, `y0` and `t0`.
    pub fn backward(self, loss: Tensor<1>) -> Result<EventGradients, AdjointError> {
        let model = self.inner.traj.model.clone();
        backward_events(vec![self], loss, &model)
    }

    /// [`EventTrajectory::backward`] for a module `outer` holding the dynamics, the condition
    /// and whatever else the loss depends on: all their parameters get gradients.
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<EventGradients, AdjointError> {
        backward_events(vec![self], loss, outer)
    }
}

fn add(mut a: SolveStats, b: SolveStats) -> SolveStats {
    a += b;
    a
}

fn sum_opt<const D: usize>(a: Option<Tensor<D>>, b: Option<Tensor<D>>) -> Option<Tensor<D>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// Gradients of `loss` through the chained event solves `chain` (in the order they were
/// solved: each may start from a function of the earlier ones' `t` and `y`), for every
/// parameter of `outer`.
///
/// ```no_run
/// # use burn::Tensor;
/// # use neurode_adjoint::{EventTrajectory, backward_events};
/// # fn bounce<M: neurode_adjoint::NeuralDynamics + burn::module::Module>(
/// #     solve: impl Fn(Tensor<2>, Tensor<1>) -> EventTrajectory<M>, y0: Tensor<2>, t0: Tensor<1>,
/// #     e: Tensor<2>, model: &M) {
/// let (mut y, mut t, mut chain) = (y0, t0, Vec::new());
/// for _ in 0..3 {
///     let hit = solve(y, t);                        // odeint_event(...)
///     let [n, _] = hit.y.dims();
///     // The bounce: the velocity reverses, scaled by the restitution `e`.
///     let v = hit.y.clone().slice([0..n, 1..2]) * e.clone().neg();
///     y = Tensor::cat(vec![hit.y.clone().slice([0..n, 0..1]), v], 1);
///     t = hit.t.clone();
///     chain.push(hit);
/// }
/// let loss = chain.last().unwrap().t.clone().sum();
/// let grads = backward_events(chain, loss, model).unwrap();
/// # }
/// ```
pub fn backward_events<M: NeuralDynamics, N: Module>(
    chain: Vec<EventTrajectory<M>>,
    loss: Tensor<1>,
    outer: &N,
) -> Result<EventGradients, AdjointError> {
    if loss.shape().num_elements() != 1 {
        return Err(AdjointError::LossNotScalar(loss.dims().to_vec()));
    }
    let mut grads = loss.backward();
    let mut params = GradientsParams::from_module(&mut grads, outer);
    let mut upstream: Vec<(Option<Tensor<1>>, Option<Tensor<2>>)> = chain
        .iter()
        .map(|s| (s.t.grad(&grads), s.y.grad(&grads)))
        .collect();
    let mut out = EventGradients {
        params: GradientsParams::new(),
        y0: chain.first().map_or_else(
            || loss.zeros_like().reshape([1, 1]).inner(),
            |s| s.y.clone().inner().zeros_like(),
        ),
        t0: chain.first().map_or_else(
            || loss.zeros_like().inner(),
            |s| s.t.clone().inner().zeros_like(),
        ),
        forward: SolveStats::default(),
        search: SolveStats::default(),
        backward: SolveStats::default(),
    };
    for s in &chain {
        out.forward = add(out.forward, s.stats);
        out.search = add(out.search, s.search);
    }
    for k in (0..chain.len()).rev() {
        let seg = &chain[k];
        let (dt, dy) = std::mem::take(&mut upstream[k]);
        let b = seg.y.dims()[0];
        // Only what depends on the solve: the time of a row without an event is its end time,
        // a constant (when no row fired and the loss reads only `t`, nothing is walked).
        let tau = &seg.inner.tau;
        let through_t = dt
            .filter(|_| tau.is_tracked())
            .map(|dt| (tau.clone().reshape([b]) * Tensor::from_inner(dt)).sum());
        let through_y = dy.map(|dy| (seg.inner.y_event.clone() * Tensor::from_inner(dy)).sum());
        let Some(inner_loss) = sum_opt(through_t, through_y).filter(Tensor::is_tracked) else {
            continue;
        };
        let through = seg.inner.traj.backward_unchained(inner_loss, outer)?;
        params = add_gradients(params, through.params, outer);
        out.backward = add(out.backward, through.backward);
        let dl_dy0 = through.y0;
        if seg.inner.y0_input.is_tracked() {
            let upstream_y0 = Tensor::from_inner(dl_dy0.clone());
            let mut g = (seg.inner.y0_input.clone() * upstream_y0).sum().backward();
            params = add_gradients(params, GradientsParams::from_module(&mut g, outer), outer);
            for (j, earlier) in chain[..k].iter().enumerate() {
                let (t, y) = std::mem::take(&mut upstream[j]);
                upstream[j] = (
                    sum_opt(t, earlier.t.grad(&g)),
                    sum_opt(y, earlier.y.grad(&g)),
                );
            }
        }
        if k == 0 {
            if let Some(f0) = &seg.inner.f0 {
                out.t0 = (dl_dy0.clone() * f0.clone()).sum_dim(1).neg().reshape([b]);
            }
            out.y0 = dl_dy0;
        }
    }
    out.params = params;
    Ok(out)
}
