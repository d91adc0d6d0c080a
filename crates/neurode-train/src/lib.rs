//! Training Neural ODEs from Rust: a [`Trainer`] (PyTorch-semantics Adam, schedules,
//! evaluations) runs any [`Task`] — trajectory [`Regression`] (paper 000) or
//! [`Classification`] (paper 003), or your own — and tells its [`Observer`]s (a run folder,
//! a progress bar, your callback) what happened.
//!
//! ```no_run
//! use neurode_backend::{Backend, Precision};
//! use neurode_datasets::{SpiralDataConfig, SpiralSystem};
//! use neurode_models::{NeuralOdeConfig, Preset};
//! use neurode_train::{Regression, Trainer};
//!
//! let device = neurode_backend::device(Backend::Flex, Precision::F32)?;
//! let data = SpiralDataConfig::default().generate(&SpiralSystem::PAPER)?;
//! let model = NeuralOdeConfig::new(Preset::Residual64.config()).init(0, &device.clone().autodiff())?;
//! let task = Regression::new(vec![data.train], 32, 40, &device);
//! let fitted = Trainer::new(500, 5e-3).with_eval_every(100).fit(model, &task, &mut ())?;
//! println!("best test MSE {:?}", fitted.state.best().map(|r| r.test_loss));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! * [`Trainer`], [`Task`], [`Observer`], [`TrainState`] (resumable), [`Fitted`].
//! * Tasks: [`Regression`] (windows of one or several trajectories, time-weighted loss, test
//!   MSE, drift, extrapolation), [`Classification`] (any [`ClassifierModel`]), [`Density`]
//!   (any `Cnf`; maximum likelihood, Hutchinson or exact trace, RNODE), [`Sequences`]
//!   (a driven cell — LTC or input-concatenated Neural ODE — predicting a response from its
//!   input).
//! * Step functions, pure in model and batch: [`regression_step`], [`classification_step`].
//! * [`Adam`]: PyTorch's Adam (ε = 1e-8, coupled L2 weight decay, its order of operations)
//!   with `clip_grad_norm_`'s global-norm clipping; [`Schedule`]: ReduceLROnPlateau, cosine.
//! * Losses ([`loss`]), metrics ([`metrics`]).
//! * [`Observer`]s see every step and evaluation ([`MetricsRow`]); stop a run from outside
//!   with an [`Interrupt`].
//!
//! Whole runs (configs, recipes, run folders, checkpoints, figures, a progress bar) are the
//! `neurode-run` crate's, built on this one.

mod adam;
mod classification;
mod curriculum;
mod density;
mod error;
mod flow;
mod interrupt;
pub mod loss;
pub mod metrics;
mod metrics_row;
mod nfe;
mod observer;
pub mod optional;
mod regression;
mod schedule;
mod sequences;
mod setters;
mod setting;
mod shooting;
mod solved;
mod state;
mod step;
mod trainer;

pub use adam::{Adam, AdamSettings, Algorithm, StepInfo};
pub use classification::{
    Classification, Classifier, ClassifierModel, classification_step, predict_logits,
};
pub use curriculum::{Horizon, Phase, Stage, check_phases, phase_of, phases_of};
pub use density::{Density, DensityData, points};
pub use error::TrainError;
pub use flow::{Flow, TraceKind};
pub use interrupt::Interrupt;
pub use metrics_row::MetricsRow;
pub use nfe::Nfe;
pub use observer::{Moment, Observer, Outcome, StepReport};
pub use regression::{Regression, TimeWeighting, predict, regression_step};
pub use schedule::{PLATEAU_EPS, Plateau, Schedule, ScheduleState, ThresholdMode};
pub use sequences::{SequenceNet, Sequences, input_signal, targets};
pub use setting::Setting;
pub use shooting::{MultipleShooting, Nodes, Shooting, Shot};
pub use state::TrainState;
pub use step::{StepOutput, step_seed};
pub use trainer::{Draw, Fitted, Task, Trainer};
