//! The adjoint backward pass (paper 000 eqs 5–7, torchdiffeq's scheme).

use burn::Tensor;
use burn::optim::GradientsParams;
use neurode_solvers::{DenseOutput, SolveStats, State, solve_with_norm};

use crate::augmented::{AugNorm, AugState};
use crate::backward_implicit::backward_implicit;
use crate::params::ParamLayout;
use crate::vjp::vjp;
use crate::{AdjointError, AdjointOptions, NeuralDynamics};

/// Gradients of a loss w.r.t. the parameters and the initial state, with the work it took.
#[derive(Debug)]
pub struct OdeGradients {
    /// `∂L/∂θ` per parameter, ready for `optimizer.step(lr, model, grads.params)`.
    pub params: GradientsParams,
    /// `∂L/∂y₀`, `[batch, dim]` (no autodiff).
    pub y0: Tensor<2>,
    /// Statistics of the forward solve.
    pub forward: SolveStats,
    /// Statistics of the backward pass: the backward solve of the adjoint methods; the steps
    /// re-run on the tape by checkpointed backprop; zero for backprop.
    pub backward: SolveStats,
    /// Steps checkpointed backprop advanced again without the tape (zero for the others).
    pub recompute: SolveStats,
    /// The most states checkpointed backprop held at once (zero for the others).
    pub checkpoints: usize,
}

/// The adjoint method's backward pass on its own: given the forward solution `ys` at times
/// `ts` and `∂L/∂y(tᵢ)` for every output time, integrates the augmented state
/// `[y, a, ∫ aᵀ ∂f/∂θ]` from the last time to the first, resetting `y` to the stored forward
/// state and adding `∂L/∂y(tᵢ)` to `a` at each output time. Returns `∂L/∂θ`, `∂L/∂y₀` and the
/// backward statistics.
///
/// `model` must live on an autodiff device (its VJPs are taken there); `ys` and `dl_dys` are
/// plain tensors `[batch, dim]`, one per output time. Memory does not depend on the number of
/// solver steps.
pub fn adjoint_backward<M: NeuralDynamics>(
    model: &M,
    ts: &[f64],
    ys: &[Tensor<2>],
    dl_dys: &[Tensor<2>],
    opts: &AdjointOptions,
) -> Result<(GradientsParams, Tensor<2>, SolveStats), AdjointError> {
    let expected = vec![
        ts.len(),
        ys.first().map_or(0, |y| y.dims()[0]),
        ys.first().map_or(0, |y| y.dims()[1]),
    ];
    let got = vec![
        dl_dys.len(),
        dl_dys.first().map_or(0, |g| g.dims()[0]),
        dl_dys.first().map_or(0, |g| g.dims()[1]),
    ];
    let shapes_ok = ys.len() == ts.len()
        && dl_dys.len() == ts.len()
        && ys.iter().zip(dl_dys).all(|(y, g)| y.dims() == g.dims());
    if !shapes_ok || ts.is_empty() {
        return Err(AdjointError::GradientShape { expected, got });
    }
    check_finite(ts, dl_dys)?;
    backward_solve(model, ts, YSource::Backsolve(ys), dl_dys, opts)
}

/// Refuses a NaN or infinite `∂L/∂y(tᵢ)` (a NaN loss), naming the output time.
pub(crate) fn check_finite(ts: &[f64], dl_dys: &[Tensor<2>]) -> Result<(), AdjointError> {
    match dl_dys.iter().position(|g| !g.is_finite()) {
        Some(index) => Err(AdjointError::NonFiniteGradient {
            index,
            t: ts[index],
        }),
        None => Ok(()),
    }
}

/// Where the backward pass gets the forward state `y(t)`.
pub(crate) enum YSource<'a> {
    /// Integrated backwards with the adjoint, reset to the stored states at output times.
    Backsolve(&'a [Tensor<2>]),
    /// Read from the forward solve's dense output (the interpolating adjoint).
    Dense(&'a DenseOutput<Tensor<2>>),
}

/// The backward solve of `[y?, a, ∫ aᵀ∂f/∂θ]` over every output interval, newest first; `a`
/// jumps by `∂L/∂y(tᵢ)` at each output time. Inputs checked by the caller.
pub(crate) fn backward_solve<M: NeuralDynamics>(
    model: &M,
    ts: &[f64],
    source: YSource<'_>,
    dl_dys: &[Tensor<2>],
    opts: &AdjointOptions,
) -> Result<(GradientsParams, Tensor<2>, SolveStats), AdjointError> {
    if let (YSource::Dense(forward), true) = (&source, opts.solve.method.is_implicit()) {
        return backward_implicit(model, ts, forward, dl_dys, opts);
    }
    let layout = ParamLayout::of(model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let device = dl_dys[0].device();
    let aug_dynamics = |t: f64, s: &AugState| -> AugState {
        let y = match (&s.y, &source) {
            (Some(y), _) => y.clone(),
            (None, YSource::Dense(dense)) => dense.at(t).expect("a solve with steps"),
            (None, YSource::Backsolve(_)) => unreachable!("the backsolve carries y"),
        };
        let (f, a_dot, g_dot) = vjp(model, &layout, t, &y, &s.a, &device);
        // d/dt [y, a, g] = [f, −aᵀ∂f/∂y, −aᵀ∂f/∂θ]
        AugState {
            y: s.y.as_ref().map(|_| f),
            a: a_dot.neg(),
            g: g_dot.neg(),
        }
    };
    let y_at = |i: usize| match &source {
        YSource::Backsolve(ys) => Some(ys[i].clone()),
        YSource::Dense(_) => None,
    };
    let norm = AugNorm {
        seminorm: opts.seminorm,
    };
    let solve_opts = &opts.solve;
    let last = ts.len() - 1;
    let mut state = AugState {
        y: y_at(last),
        a: dl_dys[last].clone(),
        g: Tensor::zeros([layout.total()], &device),
    };
    let mut stats = SolveStats::default();
    for i in (1..=last).rev() {
        let (t_from, t_to) = (ts[i], ts[i - 1]);
        let sol = solve_with_norm(&aug_dynamics, state, &[t_from, t_to], solve_opts, &norm)
            .map_err(|source| AdjointError::Backward {
                index: i,
                t_from,
                t_to,
                source,
            })?;
        stats += sol.stats;
        let end = sol.ys.into_iter().next_back().expect("two output times");
        state = AugState {
            y: y_at(i - 1),
            a: end.a + dl_dys[i - 1].clone(),
            g: end.g,
        };
    }
    Ok((layout.unflatten(model, state.g), state.a, stats))
}
