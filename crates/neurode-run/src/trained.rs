//! A run folder's best model, rebuilt from its `config.toml` and `best.bpk`, with its data.

use burn::tensor::Device;
use neurode_datasets::{Labeled, Series};
use neurode_models::{Cnf, ConcatSquashMlp, DynamicsNet, NeuralOde, load_record};

use crate::{
    RunConfig, RunDir, TaskKind, classifier, classify_data, density_data, dynamics_data,
    dynamics_model, flow_model, run_device, sequence_data, sequence_model,
};
use neurode_train::{Classifier, Density, SequenceNet, Sequences, Shot, TrainError};

/// The best model of a run and the data it was trained on.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Trained {
    /// A dynamics run.
    Dynamics {
        /// The Neural ODE.
        model: NeuralOde<DynamicsNet>,
        /// The training trajectories.
        series: Vec<Series>,
        /// The extrapolation trajectory (built-in spiral).
        extended: Option<Series>,
    },
    /// A classification run.
    Classify {
        /// The classifier.
        model: Classifier,
        /// The training points.
        train: Labeled,
        /// The test points.
        test: Labeled,
    },
    /// A sequence run.
    Sequence {
        /// The sequence model.
        model: SequenceNet,
        /// The task: training and held-out sequences.
        task: Sequences,
    },
    /// A density run.
    Density {
        /// The flow (exact trace).
        model: Cnf<ConcatSquashMlp>,
        /// The task: data, held-out points, flow time, solver.
        task: Density,
    },
}

/// A run folder's config, the best model (on the run's plain device) and its data.
pub struct TrainedRun {
    /// The run's configuration.
    pub config: RunConfig,
    /// The device the model lives on.
    pub device: Device,
    /// The model and data.
    pub trained: Trained,
}

impl TrainedRun {
    /// Opens the run in `dir`: reads its config, rebuilds the model and loads `best.bpk`.
    pub fn open(dir: &RunDir) -> Result<Self, TrainError> {
        let config = dir.read_config()?;
        if !dir.best().is_file() {
            return Err(TrainError::file(
                &dir.best(),
                "no best model yet (the run has not reached its first evaluation)",
            ));
        }
        let device = run_device(&config)?;
        let batch_size = config.task.batch_size();
        let trained = match config.kind() {
            TaskKind::Dynamics => {
                let (series, extended) = dynamics_data(&config)?;
                let ode = dynamics_model(&config, &series, &device)?;
                let model = match config.task.dynamics().and_then(|d| d.shooting) {
                    // A multiple-shooting run saved its segment starts with the model.
                    Some(s) => {
                        let rows = series.len() * s.segments.saturating_sub(1);
                        let dim = series.first().map_or(0, |s| s.dim);
                        let blank = Shot::blank(ode, rows, dim, &device);
                        load_record(blank, &dir.best())?.ode
                    }
                    None => load_record(ode, &dir.best())?,
                };
                Trained::Dynamics {
                    model,
                    series,
                    extended,
                }
            }
            TaskKind::Classify => {
                let (train, test) = classify_data(&config)?;
                let classes = train.classes().max(test.classes()).max(2);
                let model = load_record(
                    classifier(&config, train.dim, classes, &device)?,
                    &dir.best(),
                )?;
                Trained::Classify { model, train, test }
            }
            TaskKind::Sequence => {
                let (train, test) = sequence_data(&config)?;
                let model = load_record(sequence_model(&config, &train, &device)?, &dir.best())?;
                let task = Sequences::new(train, test, batch_size, &device);
                Trained::Sequence { model, task }
            }
            TaskKind::Density => {
                let (data, test) = density_data(&config)?;
                let model = load_record(flow_model(&config, data.dim(), &device)?, &dir.best())?;
                let task = Density::new(data, test, batch_size, &device);
                Trained::Density { model, task }
            }
        };
        Ok(Self {
            config,
            device,
            trained,
        })
    }
}
