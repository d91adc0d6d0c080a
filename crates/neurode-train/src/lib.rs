//! Training Neural ODEs: the trajectory-regression loop of paper 000 and the classification
//! loop of paper 003, with everything a run writes to its folder.
//!
//! ```no_run
//! use neurode_train::{RunConfig, RunDir, TrainOptions, train};
//!
//! // Paper 000's settings (Residual-64, adjoint, DOPRI5 1e-5/1e-7, …), a short run.
//! let mut config = RunConfig::dynamics();
//! config.iters = 200;
//! let summary = train(&config, &RunDir::new("runs/demo"), &TrainOptions::default()).unwrap();
//! println!("test MSE {:?}", summary.last.map(|r| r.test_loss));
//! ```
//!
//! * [`RunConfig`]: one serialisable value (TOML) describing a run; defaults per task.
//! * [`Adam`]: PyTorch-semantics Adam (ε = 1e-8, coupled L2 weight decay) with global-norm
//!   clipping (eq 27); [`Schedule`]: ReduceLROnPlateau and cosine annealing.
//! * Losses ([`loss`]): MSE, time-weighted MSE (eq 25), cross-entropy. Metrics ([`metrics`]):
//!   test MSE, drift ratio, extrapolation MAE, accuracy.
//! * A run folder ([`RunDir`]) holds `config.toml`, `metrics.csv`, `summary.json`,
//!   `best.bpk`, `checkpoint/` (resume), and PNG figures; every file is written atomically.

mod adam;
mod build;
mod classify;
mod config;
mod dynamics;
mod error;
pub mod figures;
mod files;
pub mod loss;
pub mod metrics;
mod optional;
pub mod plot;
mod progress;
mod record;
mod run;
mod schedule;
mod step;

pub use adam::{Adam, AdamSettings, StepInfo};
pub use build::{
    Classifier, classifier, classify_data, dynamics_config, dynamics_data, dynamics_model,
    gradient_method, model_name, run_device, solve_options, step_seed,
};
pub use classify::train_classifier;
pub use config::{ControllerKind, GradientKind, ModelKind, RunConfig, Task};
pub use dynamics::{predict, train_dynamics};
pub use error::TrainError;
pub use files::{read_text, write_atomic};
pub use progress::Progress;
pub use record::{MetricsRow, ResumeState, RunDir, Summary, is_run_dir};
pub use run::TrainOptions;
pub use schedule::{PLATEAU_EPS, Schedule, ScheduleState};
pub use step::{StepOutput, TimeWeighting, classification_step, regression_step};

/// Trains the run `config` describes into `dir` (either task).
pub fn train(config: &RunConfig, dir: &RunDir, opts: &TrainOptions) -> Result<Summary, TrainError> {
    match config.task {
        Task::Dynamics => train_dynamics(config, dir, opts),
        Task::Classify => train_classifier(config, dir, opts),
    }
}
