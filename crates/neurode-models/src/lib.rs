//! The Neural ODE models of neurode's two papers, as Burn modules.
//!
//! ```
//! use burn::Tensor;
//! use neurode_backend::{Backend, Precision};
//! use neurode_models::{NeuralOdeConfig, Preset, param_size};
//! use neurode_solvers::SolveOptions;
//!
//! let device = neurode_backend::device(Backend::Flex, Precision::F32).unwrap();
//! // Paper 000's Residual-64 on the 2-D spiral state, DOPRI5 at rtol 1e-5 / atol 1e-7.
//! let config = NeuralOdeConfig::new(Preset::Residual64.config())
//!     .with_solver(SolveOptions::adaptive(1e-5, 1e-7));
//! let model = config.init(42, &device).unwrap();
//! assert_eq!(param_size(&model).count, 4_482);
//! let y0 = Tensor::<2>::from_floats([[2.0, 0.0]], &device);
//! let out = model.forward(y0, &[0.0, 0.5, 1.0]).unwrap();
//! assert_eq!(out.ys.dims(), [3, 1, 2]);
//! println!("{} function evaluations", out.stats.nfe);
//! ```
//!
//! * Paper 000 (dynamics on a 2-D state, all on `h³`): [`Dense`] (Baseline 128-4L, Compact
//!   presets), [`Residual`] (Residual-64), [`TimeAware`] (TimeAware-64); [`Preset`] names them
//!   with their exact parameter counts; `augment` in [`NeuralOdeConfig`] makes any of them an
//!   augmented Neural ODE.
//! * Paper 003 (classification): [`OdeClassifier`] (18,906 parameters) and [`ResNetMlp`]
//!   (364,236).
//! * Paper 003's continuous normalizing flows: [`Cnf`] (FFJORD's `[z, Δ log p]` with an
//!   exact or Hutchinson trace, RNODE's regularisers) over any [`JvpDynamics`], such as
//!   FFJORD's [`ConcatSquashMlp`].
//! * Paper 003's liquid networks: [`LtcCell`] (Hasani et al. 2021's liquid time-constant
//!   cell, driven by a held [`InputSignal`]), dynamics for any solver and gradient method;
//!   the same-size input-concatenated Neural ODE [`InputOdeCell`]; either read out as a
//!   [`SequenceModel`].
//! * [`NeuralOde`] = dynamics + solver + gradient method; on an autodiff device its output
//!   is differentiable ([`OdeOutput::backward`]).
//! * [`param_size`], [`save_record`] / [`load_record`] (atomic burnpack records);
//!   [`load_torch_weights`] / [`save_torch_weights`]: PyTorch `state_dict`s in and out by
//!   each model's [`TorchNames`].

mod activation;
mod classifier;
mod clock;
mod cnf;
mod concat_squash;
mod dense;
mod dynamics;
mod error;
mod field;
mod init;
mod input_ode;
mod input_signal;
mod ltc;
mod mlp;
mod neural_ode;
mod neural_ode_rows;
mod record;
mod residual;
mod resnet;
mod sequence;
mod size;
mod time_aware;
mod time_concat;
mod torch;

pub use activation::{Activation, UnknownActivation};
pub use classifier::{ClassifierOutput, OdeClassifier, OdeClassifierConfig};
pub use cnf::{Cnf, CnfOutput, FlowSolve, Probe, Trace, standard_normal_log_prob};
pub use concat_squash::{ConcatSquash, ConcatSquashConfig, ConcatSquashMlp, JvpDynamics};
pub use dense::{Dense, DenseConfig};
pub use dynamics::{DynamicsNet, DynamicsNetConfig, Preset, UnknownPreset};
pub use error::{ModelError, WeightsError};
pub use field::{Time, VectorField};
pub use init::{Init, LayerInit};
pub use input_ode::{InputOdeCell, InputOdeConfig};
pub use input_signal::InputSignal;
pub use ltc::{LtcCell, LtcConfig};
pub use neural_ode::{NeuralOde, NeuralOdeConfig, OdeOutput};
pub use neural_ode_rows::RowOdeOutput;
pub use record::{load_record, save_record};
pub use residual::{Residual, ResidualConfig};
pub use resnet::{ResNetMlp, ResNetMlpConfig};
pub use sequence::{DrivenCell, SequenceModel, SequenceOutput};
pub use size::{ParamSize, param_size};
pub use time_aware::{TimeAware, TimeAwareConfig};
pub use time_concat::TimeConcat;
pub use torch::{TorchNames, load_torch_weights, save_torch_weights};
