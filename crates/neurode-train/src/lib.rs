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
//!   (any `CnfField`; maximum likelihood, Hutchinson or exact trace, RNODE), [`Sequences`]
//!   (a driven cell — LTC or input-concatenated Neural ODE — predicting a response from its
//!   input).
//! * Step functions, pure in model and batch: [`regression_step`], [`classification_step`].
//! * [`Adam`]: PyTorch's Adam (ε = 1e-8, coupled L2 weight decay, its order of operations)
//!   with `clip_grad_norm_`'s global-norm clipping; [`Schedule`]: ReduceLROnPlateau, cosine.
//! * Losses ([`loss`]), metrics ([`metrics`]).
//! * Observers: [`RunFolder`] (`best.bpk`, checkpoints, `metrics.csv`, `summary.json`; every
//!   file atomic), [`Progress`].
//! * [`RunConfig`] + [`train`]: a whole run described by one TOML-serialisable value, as the
//!   `neurode` binary runs it.

mod adam;
mod build;
mod checkpoints;
mod classification;
mod config;
mod config_check;
mod curriculum;
mod density;
mod error;
pub mod figures;
mod files;
mod flow;
mod flow_figures;
mod interrupt;
mod lock;
pub mod loss;
pub mod metrics;
mod observer;
mod optional;
pub mod plot;
mod progress;
mod recipe;
mod record;
mod regression;
mod run;
mod run_folder;
mod schedule;
mod sequence_figures;
mod sequences;
mod shooting;
mod solved;
mod state;
mod step;
mod trained;
mod trainer;

pub use adam::{Adam, AdamSettings, Algorithm, StepInfo};
pub use build::{
    Classifier, classifier, classify_data, density_data, dynamics_config, dynamics_data,
    dynamics_model, flow_model, gradient_method, model_name, run_device, sequence_data,
    sequence_model, solve_options, step_seed,
};
pub use checkpoints::{Checkpoint, Intact, sha256_of};
pub use classification::{Classification, ClassifierModel, classification_step, predict_logits};
pub use config::{ControllerKind, GradientKind, ModelKind, RunConfig, TaskKind};
pub use curriculum::{Horizon, Phase, Stage, check_phases, phase_of, phases_of};
pub use density::{Density, DensityData, points};
pub use error::TrainError;
pub use files::{read_text, write_atomic};
pub use flow::{Flow, TraceKind};
pub use flow_figures::{density_figures, flow_panels};
pub use interrupt::Interrupt;
pub use lock::RunLock;
pub use observer::{Observer, StepReport};
pub use progress::Progress;
pub use recipe::Recipe;
pub use record::{MetricsRow, RunDir, Status, Summary, is_run_dir};
pub use regression::{Regression, TimeWeighting, predict, regression_step};
pub use run::{TrainOptions, train, trainer};
pub use run_folder::{RunFolder, RunInfo};
pub use schedule::{PLATEAU_EPS, Plateau, Schedule, ScheduleState, ThresholdMode};
pub use sequence_figures::sequence_figures;
pub use sequences::{SequenceNet, Sequences, input_signal, targets};
pub use shooting::{MultipleShooting, Nodes, Shooting, Shot};
pub use state::TrainState;
pub use step::StepOutput;
pub use trained::{Trained, TrainedRun};
pub use trainer::{Fitted, Task, Trainer};
