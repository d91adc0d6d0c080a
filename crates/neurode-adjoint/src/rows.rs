//! Differentiable per-row solves: every batch row on its own clock, gradients by backprop.

use burn::Tensor;
use burn::module::Module;
use burn::optim::GradientsParams;
use neurode_solvers::{
    FailurePolicy, RowGrid, RowSolution, RowStats, RowsAt, SolveOptions, SolveStats, solve_rows,
};

use crate::odeint::add_gradients;
use crate::{AdjointError, GradientMethod, NeuralDynamics, OdeGradients};

/// A differentiable per-row solve ([`odeint_rows`]): the padded trajectory to build a loss
/// from, each row's statistics, and what `backward` needs.
pub struct RowTrajectory<M> {
    /// Row `r` at its `k`-th output time is `ys[k, r]`, `[max_len, batch, dim]` on the
    /// autodiff device; zeros past a row's length ([`RowTrajectory::mask`]).
    pub ys: Tensor<3>,
    /// The output times.
    pub grid: RowGrid,
    /// Outputs produced per row (its grid length unless it failed).
    pub produced: Vec<usize>,
    /// Per-row work and status.
    pub rows: Vec<RowStats>,
    /// The batch's work (batched evaluations; row-steps summed).
    pub stats: SolveStats,
    model: M,
    y0: Tensor<2>,
    y0_input: Tensor<2>,
}

/// Solves `dy/dt = model(t, y)` from `y0` (on an autodiff device) with every row on its own
/// clock (see [`neurode_solvers::solve_rows`]), so that gradients of any loss of the padded
/// trajectory can be taken with [`RowTrajectory::backward`].
///
/// Gradients: [`GradientMethod::Backprop`] differentiates through every row's steps (each
/// row's gradient is that of its own solve; rows that failed under
/// [`FailurePolicy::FinishOthers`] contribute only through the outputs they produced). The
/// other methods are not available in per-row mode yet: they return
/// [`AdjointError::PerRowMethod`].
pub fn odeint_rows<M: NeuralDynamics>(
    model: &M,
    y0: Tensor<2>,
    grid: &RowGrid,
    opts: &SolveOptions,
    method: &GradientMethod,
    policy: FailurePolicy,
) -> Result<RowTrajectory<M>, AdjointError> {
    if !y0.device().is_autodiff() {
        return Err(AdjointError::NotAutodiff);
    }
    if !matches!(method, GradientMethod::Backprop) {
        return Err(AdjointError::PerRowMethod {
            method: method.name(),
        });
    }
    let y0_input = y0.clone();
    let y0 = y0.detach().require_grad();
    let f = |at: &RowsAt<'_>, y: &Tensor<2>| model.forward_rows(at, y.clone());
    let RowSolution {
        grid,
        ys,
        produced,
        rows,
        stats,
    } = solve_rows(&f, y0.clone(), grid, opts, policy).map_err(AdjointError::Forward)?;
    Ok(RowTrajectory {
        ys,
        grid,
        produced,
        rows,
        stats,
        model: model.clone(),
        y0,
        y0_input,
    })
}

impl<M: NeuralDynamics> RowTrajectory<M> {
    /// `[max_len, batch]` (time-major, row-major host copy): which entries of `ys` are real
    /// outputs.
    pub fn mask(&self) -> Vec<bool> {
        let b = self.grid.rows();
        let mut m = vec![false; self.grid.max_len() * b];
        for (r, &n) in self.produced.iter().enumerate() {
            for k in 0..n {
                m[k * b + r] = true;
            }
        }
        m
    }

    /// Gradients of `loss` (a one-element tensor built from [`RowTrajectory::ys`]) w.r.t.
    /// the dynamics' parameters and `y0`.
    pub fn backward(self, loss: Tensor<1>) -> Result<OdeGradients, AdjointError> {
        let model = self.model.clone();
        self.backward_for(loss, &model)
    }

    /// [`RowTrajectory::backward`] for a larger model `outer` containing the dynamics (layers
    /// before the solve that produced `y0`, layers after it).
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, AdjointError> {
        if loss.shape().num_elements() != 1 {
            return Err(AdjointError::LossNotScalar(loss.dims().to_vec()));
        }
        let mut grads = loss.backward();
        let y0 = self
            .y0
            .grad(&grads)
            .unwrap_or_else(|| self.y0.clone().inner().zeros_like());
        let params = GradientsParams::from_module(&mut grads, outer);
        let params = if self.y0_input.is_tracked() {
            let upstream = Tensor::from_inner(y0.clone());
            let mut chained = (self.y0_input.clone() * upstream).sum().backward();
            add_gradients(
                params,
                GradientsParams::from_module(&mut chained, outer),
                outer,
            )
        } else {
            params
        };
        Ok(OdeGradients {
            params,
            y0,
            forward: self.stats,
            backward: SolveStats::default(),
            recompute: SolveStats::default(),
            checkpoints: 0,
        })
    }
}
