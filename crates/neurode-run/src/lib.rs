//! Whole Neural ODE training runs, as the `neurode` binary runs them: a [`RunConfig`]
//! (TOML-serialisable, from a [`Recipe`] or written by hand) describes the run; [`train`]
//! builds the device, data, model and task from it, trains with `neurode-train`'s
//! [`Trainer`](neurode_train::Trainer) and keeps a run folder ([`RunDir`]): `config.toml`,
//! `best.bpk`, checkpoints (resumable, also after `kill -9`), `metrics.csv`,
//! `summary.json`, a lock, and figures.
//!
//! ```no_run
//! use neurode_run::{RunConfig, RunDir, TrainOptions, train};
//!
//! let config = RunConfig::dynamics();
//! let dir = RunDir::new("runs/spiral");
//! let summary = train(&config, &dir, &TrainOptions::default())?;
//! println!("best test MSE {:?}", summary.best.map(|r| r.test_loss));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! * Configs: [`RunConfig`] (version [`CONFIG_VERSION`]; version-1 files convert through
//!   [`FlatSettings`]) of a [`TaskConfig`] with one model enum per task ([`DynamicsArch`],
//!   [`ClassifierArch`], [`FlowArch`], [`SequenceArch`]; [`AnyArch`] names any of them), the
//!   solver's [`SolveOptions`](neurode_solvers::SolveOptions), a [`GradientConfig`] and an
//!   [`OptimizerConfig`]; [`Recipe`]s; checked by [`RunConfig::validate`].
//! * From a config: [`run_device`], the data ([`dynamics_data`], [`classify_data`],
//!   [`density_data`], [`sequence_data`]) and models ([`dynamics_model`], [`classifier`],
//!   [`flow_model`], [`sequence_model`]); [`Trained`] loads a finished run's model back.
//! * Run folders: [`RunFolder`] (the observer that writes them; every file atomic through
//!   [`write_atomic`]), [`RunLock`], [`Checkpoint`], [`Summary`], [`Status`].
//! * Figures ([`figures`], [`plot`], [`density_figures`], [`sequence_figures`]) and a
//!   terminal [`Progress`] bar.

mod arch;
mod build;
mod checkpoints;
mod config;
mod config_check;
mod config_read;
#[cfg(test)]
mod config_v1_tests;
pub mod figures;
mod files;
mod flat;
mod flat_apply;
mod flow_figures;
mod gradient_config;
mod lock;
pub mod plot;
mod progress;
mod recipe;
mod record;
mod run;
mod run_folder;
mod sequence_figures;
mod task_config;
mod task_kind;
mod trained;

pub use arch::{AnyArch, ClassifierArch, DenseSize, DynamicsArch, FlowArch, SequenceArch};
pub use build::{
    classifier, classify_data, density_data, dynamics_config, dynamics_data, dynamics_model,
    flow_model, gradient_method, model_name, run_device, sequence_data, sequence_model,
    solve_options,
};
pub use checkpoints::{Checkpoint, Intact, sha256_of};
pub use config::{CONFIG_VERSION, OptimizerConfig, RunConfig};
pub use files::{read_text, write_atomic, write_csv};
pub use flat::{FlatSettings, Inapplicable};
pub use flow_figures::{density_figures, flow_panels};
pub use gradient_config::{ControllerKind, GradientConfig};
pub use lock::RunLock;
pub use progress::{Progress, Unit};
pub use recipe::Recipe;
pub use record::{RunDir, Status, Summary, is_run_dir};
pub use run::{TrainOptions, train, trainer};
pub use run_folder::{RunFolder, RunInfo};
pub use sequence_figures::sequence_figures;
pub use task_config::{ClassifyTask, DensityTask, DynamicsTask, SequenceTask, TaskConfig};
pub use task_kind::TaskKind;
pub use trained::{Trained, TrainedRun};
