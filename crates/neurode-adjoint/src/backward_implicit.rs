//! The interpolating adjoint's backward pass with an implicit method, for stiff problems.
//!
//! The adjoint `a' = −aᵀ∂f/∂y` is as stiff as the forward problem (its Jacobian is `−Jᵀ`), so
//! it is solved by the implicit method on the plain `[batch, dim]` adjoint, row by row
//! factorable, with `y(t)` from the forward solve's dense output. The parameter gradient
//! `∫ aᵀ∂f/∂θ dt` does not feed back into anything, so it is not a state of that solve (the
//! augmented `[a, g]` has no row layout to factor: `g` is one vector shared by every row):
//! it is integrated by 3-point Gauss–Legendre on each of the backward solve's steps, with
//! `a(t)` from that solve's dense output — as a seminorm would, the step sizes come from `a`
//! alone.

use burn::Tensor;
use burn::optim::GradientsParams;
use neurode_solvers::{DenseOutput, RmsNorm, SolveStats, solve_observed};

use crate::params::ParamLayout;
use crate::vjp::vjp;
use crate::{AdjointError, AdjointOptions, NeuralDynamics};

/// 3-point Gauss–Legendre on [−1, 1]: nodes and weights (exact for polynomials of degree 5).
const GAUSS: [(f64, f64); 3] = [
    (-0.774_596_669_241_483_4, 5.0 / 9.0),
    (0.0, 8.0 / 9.0),
    (0.774_596_669_241_483_4, 5.0 / 9.0),
];

/// [`crate::backward::backward_solve`] for the interpolating adjoint when the backward solve's
/// method is implicit: `∂L/∂θ`, `∂L/∂y₀` and the work (NFE counts every VJP).
pub(crate) fn backward_implicit<M: NeuralDynamics>(
    model: &M,
    ts: &[f64],
    forward: &DenseOutput<Tensor<2>>,
    dl_dys: &[Tensor<2>],
    opts: &AdjointOptions,
) -> Result<(GradientsParams, Tensor<2>, SolveStats), AdjointError> {
    let layout = ParamLayout::of(model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let device = dl_dys[0].device();
    let y_at = |t: f64| forward.at(t).expect("a solve with steps");
    let adjoint = |t: f64, a: &Tensor<2>| -> Tensor<2> {
        let (_, a_dot, _) = vjp(model, &layout, t, &y_at(t), a, &device);
        a_dot.neg()
    };
    let last = ts.len() - 1;
    let mut a = dl_dys[last].clone();
    let mut g: Tensor<1> = Tensor::zeros([layout.total()], &device);
    let mut stats = SolveStats::default();
    for i in (1..=last).rev() {
        let (t_from, t_to) = (ts[i], ts[i - 1]);
        let mut dense = DenseOutput::new();
        let sol = solve_observed(
            &adjoint,
            a,
            &[t_from, t_to],
            &opts.solve,
            &RmsNorm,
            &mut dense,
        )
        .map_err(|source| AdjointError::Backward {
            index: i,
            t_from,
            t_to,
            source,
        })?;
        stats += sol.stats;
        // ∫_{t_to}^{t_from} aᵀ∂f/∂θ dt, step by step of the backward solve.
        for w in dense.bounds().windows(2) {
            let (mid, half) = (0.5 * (w[0] + w[1]), 0.5 * (w[0] - w[1]).abs());
            for (x, weight) in GAUSS {
                let t = mid + half * x;
                let a_t = dense.at(t).expect("a solve with steps");
                let (_, _, g_dot) = vjp(model, &layout, t, &y_at(t), &a_t, &device);
                g = g + g_dot.mul_scalar(half * weight);
                stats.nfe += 1;
            }
        }
        let end = sol.ys.into_iter().next_back().expect("two output times");
        a = end + dl_dys[i - 1].clone();
    }
    Ok((layout.unflatten(model, g), a, stats))
}
