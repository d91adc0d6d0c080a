//! `NeuralOde::forward_rows`: a batch of series on their own time grids in one solve.

use burn::Tensor;
use burn::module::Module;
use neurode_adjoint::{NeuralDynamics, OdeGradients, RowTrajectory, odeint_rows};
use neurode_solvers::{FailurePolicy, RowGrid, RowStats, RowsAt, SolveStats, solve_rows};

use crate::clock::Clocked;
use crate::field::VectorField;
use crate::neural_ode::taped;
use crate::{ModelError, NeuralOde};

/// The output of a per-row Neural ODE forward pass.
pub struct RowOdeOutput<M> {
    /// Row `r` at its `k`-th output time is `ys[k, r]`, `[max_len, batch, dim]` (observed
    /// dimensions), zeros past a row's length.
    pub ys: Tensor<3>,
    /// Outputs produced per row.
    pub produced: Vec<usize>,
    /// Per-row work and status.
    pub rows: Vec<RowStats>,
    /// The batch's work: batched evaluations, row-steps summed.
    pub stats: SolveStats,
    traj: Option<RowTrajectory<Clocked<M>>>,
}

impl<M: VectorField> NeuralOde<M> {
    /// Solves every row of `y0` (`[batch, dim]`) on its own clock: row `r` starts at
    /// `grid.times(r)[0]` and is reported at each of its times (own span, number of outputs
    /// and direction; [`RowGrid`]). Time-dependent dynamics see each row's own absolute time.
    /// On an autodiff device the output is differentiable ([`RowOdeOutput::backward`]) by
    /// the model's gradient method, each row on its own clock in the backward pass too.
    pub fn forward_rows(
        &self,
        y0: Tensor<2>,
        grid: &RowGrid,
        policy: FailurePolicy,
    ) -> Result<RowOdeOutput<M>, ModelError> {
        self.check_y0(&y0)?;
        let y0 = self.pad(y0);
        let field = Clocked {
            inner: self.dynamics.clone(),
            clocked: false,
        };
        let dim = self.dim();
        let observed = |ys: Tensor<3>| {
            let [t, b, d] = ys.dims();
            if d == dim {
                ys
            } else {
                ys.slice([0..t, 0..b, 0..dim])
            }
        };
        if y0.device().is_autodiff() {
            let traj = odeint_rows(&field, y0, grid, self.solver(), self.gradient(), policy)?;
            Ok(RowOdeOutput {
                ys: observed(traj.ys.clone()),
                produced: traj.produced.clone(),
                rows: traj.rows.clone(),
                stats: traj.stats,
                traj: Some(traj),
            })
        } else {
            let f = |at: &RowsAt<'_>, y: &Tensor<2>| field.forward_rows(at, y.clone());
            let sol = solve_rows(&f, y0, grid, self.solver(), policy)?;
            Ok(RowOdeOutput {
                ys: observed(sol.ys),
                produced: sol.produced,
                rows: sol.rows,
                stats: sol.stats,
                traj: None,
            })
        }
    }
}

impl<M: VectorField> RowOdeOutput<M> {
    /// Gradients of `loss` (built from [`RowOdeOutput::ys`]) w.r.t. the dynamics' parameters
    /// and `y0`. Needs the forward pass on an autodiff device.
    pub fn backward(self, loss: Tensor<1>) -> Result<OdeGradients, ModelError> {
        Ok(taped(self.traj)?.backward(loss)?)
    }

    /// Gradients of `loss` w.r.t. every parameter of `outer`, a larger model containing this
    /// Neural ODE.
    pub fn backward_for<N: Module>(
        self,
        loss: Tensor<1>,
        outer: &N,
    ) -> Result<OdeGradients, ModelError> {
        Ok(taped(self.traj)?.backward_for(loss, outer)?)
    }
}
