//! The adjoint backward pass (paper 000 eqs 5–7, torchdiffeq's scheme).

use burn::Tensor;
use burn::optim::GradientsParams;
use neurode_solvers::{SolveStats, State, solve_with_norm};

use crate::augmented::{AugNorm, AugState};
use crate::params::ParamLayout;
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
    /// Statistics of the backward solve (zero for backprop, which has no backward solve).
    pub backward: SolveStats,
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
    for (index, g) in dl_dys.iter().enumerate() {
        if !g.is_finite() {
            return Err(AdjointError::NonFiniteGradient {
                index,
                t: ts[index],
            });
        }
    }
    let layout = ParamLayout::of(model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let device = ys[0].device();
    let aug_dynamics = |t: f64, s: &AugState| -> AugState {
        let (f, a_dot, g_dot) = vjp(model, &layout, t, &s.y, &s.a, &device);
        // d/dt [y, a, g] = [f, −aᵀ∂f/∂y, −aᵀ∂f/∂θ]
        AugState {
            y: f,
            a: a_dot.neg(),
            g: g_dot.neg(),
        }
    };
    let norm = AugNorm {
        seminorm: opts.seminorm,
    };
    let solve_opts = &opts.solve;
    let last = ts.len() - 1;
    let mut state = AugState {
        y: ys[last].clone(),
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
            y: ys[i - 1].clone(),
            a: end.a + dl_dys[i - 1].clone(),
            g: end.g,
        };
    }
    Ok((layout.unflatten(model, state.g), state.a, stats))
}

/// `(f(t, y), aᵀ ∂f/∂y, aᵀ ∂f/∂θ)` from one forward and one backward pass of the module on the
/// autodiff device; inputs and outputs are plain tensors.
fn vjp<M: NeuralDynamics>(
    model: &M,
    layout: &ParamLayout,
    t: f64,
    y: &Tensor<2>,
    a: &Tensor<2>,
    device: &burn::tensor::Device,
) -> (Tensor<2>, Tensor<2>, Tensor<1>) {
    let y_ad = Tensor::from_inner(y.clone()).require_grad();
    let f = model.forward(t, y_ad.clone());
    let grads = (f.clone() * Tensor::from_inner(a.clone())).sum().backward();
    let a_dot = y_ad.grad(&grads).unwrap_or_else(|| y.zeros_like());
    let g_dot = layout.flatten(model, &grads, device);
    (f.inner(), a_dot, g_dot)
}
