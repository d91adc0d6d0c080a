//! Sequence models with inputs (paper 003's liquid networks): a cell driven by a held input
//! signal, solved from a zero state, read out linearly at every sample time.

use burn::Tensor;
use burn::module::Module;
use burn::nn::Linear;
use neurode_adjoint::{GradientMethod, NeuralDynamics, OdeGradients, Trajectory, odeint};
use neurode_solvers::{SolveOptions, SolveStats, solve};

use crate::{InputSignal, ModelError};

/// Dynamics driven by an input signal: the same parameters under another input.
pub trait DrivenCell: NeuralDynamics + burn::module::ModuleDisplay {
    /// The same cell (shared parameters) driven by `input`.
    fn driven_by(&self, input: InputSignal) -> Self;

    /// State dimension.
    fn units(&self) -> usize;
}

/// A driven cell and a linear readout: `ŷ(t) = h(t) W_o + b_o`, `h(0) = 0`,
/// `dh/dt = cell(h, x(t))`, solved by `solver` and differentiated by `gradient`.
#[derive(Module, Debug)]
pub struct SequenceModel<C> {
    /// The dynamics.
    pub cell: C,
    /// `h W_o + b_o`.
    pub readout: Linear,
    #[module(skip)]
    solver: SolveOptions,
    #[module(skip)]
    gradient: GradientMethod,
}

/// The output of a sequence model.
pub struct SequenceOutput<C> {
    /// The readout at every sample time, `[time, batch, outputs]`.
    pub ys: Tensor<3>,
    /// Statistics of the forward solve.
    pub stats: SolveStats,
    trajectory: Option<Trajectory<C>>,
}

impl<C: DrivenCell> SequenceModel<C> {
    /// `cell` read out by `readout` (`units → outputs`).
    pub fn new(
        cell: C,
        readout: Linear,
        solver: SolveOptions,
        gradient: GradientMethod,
    ) -> Result<Self, ModelError> {
        let [fan_in, _] = readout.weight.dims();
        if fan_in != cell.units() {
            return Err(ModelError::Shape {
                name: "readout",
                got: readout.weight.dims().to_vec(),
                expected: format!("[{}, outputs] (the cell's units first)", cell.units()),
            });
        }
        solver.validate()?;
        Ok(Self {
            cell,
            readout,
            solver,
            gradient,
        })
    }

    /// The solver options.
    pub fn solver(&self) -> &SolveOptions {
        &self.solver
    }

    /// Predictions at the sample times `ts` (the first is the start, where `h = 0`) for the
    /// sequences of `input` (one row each). On an autodiff device the output is
    /// differentiable ([`SequenceOutput::backward`]).
    pub fn forward(&self, input: InputSignal, ts: &[f64]) -> Result<SequenceOutput<C>, ModelError> {
        let [batch, _] = input.shape();
        let device = self.readout.weight.device();
        let cell = self.cell.driven_by(input);
        let h0 = Tensor::<2>::zeros([batch, cell.units()], &device);
        let (hs, stats, trajectory) = if device.is_autodiff() {
            let traj = odeint(&cell, h0, ts, &self.solver, &self.gradient)?;
            (traj.ys.clone(), traj.stats, Some(traj))
        } else {
            let f = |t: f64, h: &Tensor<2>| cell.forward(t, h.clone());
            let sol = solve(&f, h0, ts, &self.solver)?;
            let stats = sol.stats;
            (sol.into_stacked(), stats, None)
        };
        Ok(SequenceOutput {
            ys: self.readout.forward(hs),
            stats,
            trajectory,
        })
    }
}

impl<C: DrivenCell> SequenceOutput<C> {
    /// Gradients of `loss` (built from `ys`) for every parameter of `model` (cell and
    /// readout), by the model's gradient method.
    pub fn backward(
        self,
        loss: Tensor<1>,
        model: &SequenceModel<C>,
    ) -> Result<OdeGradients, ModelError> {
        let traj = self.trajectory.ok_or(ModelError::InvalidConfig {
            name: "device",
            value: "a plain device".into(),
            expected: "an autodiff device for gradients",
        })?;
        Ok(traj.backward_for(loss, model)?)
    }
}

impl<C: DrivenCell> crate::TorchNames for SequenceModel<C> {
    /// `cell.recurrent`, `cell.sensory`, `readout`.
    fn torch_layers(&self) -> Vec<(String, String)> {
        ["cell.recurrent", "cell.sensory", "readout"]
            .map(|n| (n.to_string(), n.to_string()))
            .to_vec()
    }
}
