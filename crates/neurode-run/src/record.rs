//! What a run writes: one metrics row per evaluation, the summary, and the resumable state.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::RunConfig;
use crate::files::{read_text, write_atomic, write_csv};
use neurode_train::{MetricsRow, TrainError};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(remote = "Self")]
pub enum Status {
    /// Every step ran.
    Completed,
    /// Stopped early at `step`: an evaluation reached the target test loss.
    Stopped {
        /// The step of that evaluation.
        step: u64,
        /// Its test loss.
        test_loss: f64,
    },
    /// The loss or the gradient became NaN or infinite at `step`.
    Diverged {
        /// The step.
        step: u64,
        /// The error's message.
        message: String,
    },
    /// The solver failed at `step` (step-size underflow, too many steps).
    SolverFailed {
        /// The step.
        step: u64,
        /// The error's message.
        message: String,
    },
    /// Asked to stop ([`neurode_train::Interrupt`], Ctrl-C) after `step`; resumable.
    Interrupted {
        /// The last step completed (the checkpoint's).
        step: u64,
    },
    /// Anything else (a file that could not be written, …).
    Failed {
        /// The error's message.
        message: String,
    },
}

/// Written tagged (`{"kind": "completed"}`); read tagged, or as the plain string older
/// summaries held (`"completed"`, or the error's message).
impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Status::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Old(String),
            #[serde(with = "Status")]
            New(Status),
        }
        Ok(match Either::deserialize(d)? {
            Either::New(s) => s,
            Either::Old(s) if s == "completed" => Status::Completed,
            Either::Old(message) => Status::Failed { message },
        })
    }
}

impl Status {
    /// The status of a run that ended with `outcome` in `state` (early stops included).
    pub fn of_run(outcome: &Result<(), TrainError>, state: &neurode_train::TrainState) -> Self {
        match (outcome, state.rows.last()) {
            (Ok(()), Some(last)) if state.stopped => Status::Stopped {
                step: last.step,
                test_loss: last.test_loss,
            },
            _ => Status::of(outcome),
        }
    }

    /// The status of a run that ended with `outcome`.
    pub fn of(outcome: &Result<(), TrainError>) -> Self {
        match outcome {
            Ok(()) => Status::Completed,
            Err(e @ TrainError::Diverged { step, .. }) => Status::Diverged {
                step: *step,
                message: e.to_string(),
            },
            Err(TrainError::Interrupted { step }) => Status::Interrupted { step: *step },
            Err(e @ TrainError::SolverFailed { step, .. }) => Status::SolverFailed {
                step: *step,
                message: e.to_string(),
            },
            Err(e) => Status::Failed {
                message: e.to_string(),
            },
        }
    }
}

/// The end of a run (`summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Whether the run completed, or why it stopped.
    pub status: Status,
    /// The model's paper name.
    pub model: String,
    /// Parameter count.
    pub params: usize,
    /// Parameter bytes at the run's precision.
    pub param_bytes: usize,
    /// Steps (iterations or epochs) completed.
    pub steps: u64,
    /// The last evaluation.
    pub last: Option<MetricsRow>,
    /// The evaluation with the lowest test loss (its parameters are `best.bpk`).
    pub best: Option<MetricsRow>,
    /// First step at which the test loss was at or below `loss_threshold`.
    pub threshold_step: Option<u64>,
    /// Mean seconds per training iteration (or epoch).
    pub seconds_per_step: f64,
    /// Total training NFE, forward.
    pub total_nfe_forward: u64,
    /// Total training NFE, backward.
    pub total_nfe_backward: u64,
    /// Seconds in training steps.
    pub train_seconds: f64,
    /// Wall-clock seconds of the run.
    pub wall_seconds: f64,
    /// The device the run used.
    pub device: String,
}

/// The files of a run folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The folder.
    pub root: PathBuf,
}

impl RunDir {
    /// A run folder at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    /// `config.toml`.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    /// `metrics.csv`.
    pub fn metrics(&self) -> PathBuf {
        self.root.join("metrics.csv")
    }
    /// `summary.json`.
    pub fn summary(&self) -> PathBuf {
        self.root.join("summary.json")
    }
    /// The best parameters, `best.bpk`.
    pub fn best(&self) -> PathBuf {
        self.root.join("best.bpk")
    }
    /// The parameters of the checkpoint taken after `step` steps.
    pub fn checkpoint_model(&self, step: u64) -> PathBuf {
        self.root
            .join("checkpoint")
            .join(format!("model-{step}.bpk"))
    }
    /// The optimizer/schedule/metrics state of the checkpoint taken after `step` steps.
    pub fn checkpoint_state(&self, step: u64) -> PathBuf {
        self.root
            .join("checkpoint")
            .join(format!("state-{step}.json"))
    }
    /// A figure.
    pub fn figure(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Starts the folder for `config`: a new folder gets `config.toml`; an existing run is
    /// refused unless `resume`, and resumed only with the same configuration (the budget,
    /// `iters` / `epochs`, may grow). Nothing is overwritten on refusal.
    pub fn start(&self, config: &RunConfig, resume: bool) -> Result<(), TrainError> {
        let existing = is_run_dir(&self.root);
        if existing && !resume {
            return Err(TrainError::RunExists {
                path: self.root.clone(),
            });
        }
        if existing {
            let saved = self.read_config()?;
            if !saved.continued_by(config) {
                return Err(TrainError::file(
                    &self.config(),
                    "this run folder holds a different configuration; resume it with the same settings (only the budget may grow) or start a new folder",
                ));
            }
        }
        self.write_config(config)
    }

    /// Writes `config.toml`.
    pub fn write_config(&self, config: &RunConfig) -> Result<(), TrainError> {
        write_atomic(&self.config(), config.to_toml().as_bytes())
    }

    /// Reads `config.toml` of a finished or interrupted run.
    pub fn read_config(&self) -> Result<RunConfig, TrainError> {
        let path = self.config();
        if !path.is_file() {
            return Err(TrainError::file(
                &path,
                "not found: is this a run folder written by `neurode train`?",
            ));
        }
        let text = read_text(&path)?;
        let base = RunConfig::paper_dynamics();
        RunConfig::from_toml(&text, &base).map_err(|e| TrainError::file(&path, e))
    }

    /// Rewrites `metrics.csv` from every row.
    pub fn write_metrics(&self, rows: &[MetricsRow]) -> Result<(), TrainError> {
        write_csv(&self.metrics(), &HEADER, rows)
    }

    /// Reads `metrics.csv`.
    pub fn read_metrics(&self) -> Result<Vec<MetricsRow>, TrainError> {
        let path = self.metrics();
        let mut r = csv::Reader::from_path(&path).map_err(|e| TrainError::file(&path, e))?;
        r.deserialize()
            .collect::<Result<Vec<MetricsRow>, _>>()
            .map_err(|e| TrainError::file(&path, e))
    }

    /// Writes `summary.json`.
    pub fn write_summary(&self, summary: &Summary) -> Result<(), TrainError> {
        let text = serde_json::to_string_pretty(summary).expect("a Summary always serialises");
        write_atomic(&self.summary(), text.as_bytes())
    }

    /// Reads `summary.json`.
    pub fn read_summary(&self) -> Result<Summary, TrainError> {
        let path = self.summary();
        serde_json::from_str(&read_text(&path)?).map_err(|e| TrainError::file(&path, e))
    }
}

/// `metrics.csv`'s columns: [`MetricsRow`]'s fields in order (a test checks them).
const HEADER: [&str; 17] = [
    "step",
    "train_loss",
    "test_loss",
    "drift_ratio",
    "extrap_mae",
    "beyond_mae",
    "train_acc",
    "test_acc",
    "lr",
    "phase",
    "window",
    "nfe_forward",
    "nfe_backward",
    "total_nfe_forward",
    "total_nfe_backward",
    "train_seconds",
    "wall_seconds",
];

/// Whether `path` exists as a folder with a run in it.
pub fn is_run_dir(path: &Path) -> bool {
    path.join("config.toml").is_file()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_metrics_header_names_every_field_in_order() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(neurode_train::MetricsRow::blank()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), super::HEADER.join(","));
    }

    /// Resume re-reads metrics rows and Adam's moments from a checkpoint's state file: floats must parse
    /// back bit for bit. serde_json's default parser was one ulp off for these two (a training
    /// loss and a test loss that broke `resume_matches_an_uninterrupted_run` on ndarray and
    /// wgpu); its `float_roundtrip` feature fixes that.
    #[test]
    fn state_floats_round_trip_bit_for_bit() {
        let mut values = vec![
            f64::from_bits(4_594_830_053_782_585_344),
            f64::from_bits(4_629_313_740_959_277_020),
            0.1 + 0.2,
            f64::MIN_POSITIVE,
            1.0 / 3.0,
        ];
        values.extend((1..2_000).map(|i| (i as f64 * 0.618_033_988_749_895).sin() / i as f64));
        let text = serde_json::to_string(&values).unwrap();
        let back: Vec<f64> = serde_json::from_str(&text).unwrap();
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:e} came back as {b:e}");
        }
    }

    #[test]
    fn status_reads_tagged_and_older_plain_summaries() {
        use super::Status;
        let diverged = Status::Diverged {
            step: 3,
            message: "training diverged at step 3".into(),
        };
        let text = serde_json::to_string(&diverged).unwrap();
        assert!(text.contains("\"kind\":\"diverged\""), "{text}");
        assert_eq!(serde_json::from_str::<Status>(&text).unwrap(), diverged);
        let completed = serde_json::to_string(&Status::Completed).unwrap();
        assert_eq!(
            serde_json::from_str::<Status>(&completed).unwrap(),
            Status::Completed
        );
        assert_eq!(
            serde_json::from_str::<Status>("\"completed\"").unwrap(),
            Status::Completed
        );
        assert_eq!(
            serde_json::from_str::<Status>("\"disk full\"").unwrap(),
            Status::Failed {
                message: "disk full".into()
            }
        );
    }
}
