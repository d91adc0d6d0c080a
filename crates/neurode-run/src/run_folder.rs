//! A run folder as an observer: `best.bpk` on every improvement, a resumable checkpoint and
//! `metrics.csv` at every evaluation, `summary.json` at the end.

use burn::module::Module;
use neurode_models::{ParamSize, load_record, save_record};

use crate::checkpoints::sha256_of;
use crate::{Checkpoint, RunDir, Status, Summary};
use neurode_train::{Moment, Observer, Outcome, TrainError, TrainState};

/// What a summary says about the model and the device, besides the run's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The model's (paper) name.
    pub model: String,
    /// Its parameter count and bytes.
    pub size: ParamSize,
    /// The device, as text.
    pub device: String,
    /// The test loss whose first crossing the summary reports.
    pub loss_threshold: f64,
}

/// Writes a run folder as the run goes.
pub struct RunFolder {
    dir: RunDir,
    info: RunInfo,
    /// Step of the newest checkpoint on disk.
    checkpointed: Option<u64>,
    /// Checkpoints kept (the newest; at least 1).
    keep: usize,
    /// Damaged checkpoints passed over when resuming, one line each.
    skipped: Vec<String>,
    summary: Option<Summary>,
}

impl RunFolder {
    /// Observes a run into `dir` (its `config.toml` is the caller's).
    pub fn new(dir: RunDir, info: RunInfo) -> Self {
        Self {
            dir,
            info,
            checkpointed: None,
            keep: 2,
            skipped: Vec::new(),
            summary: None,
        }
    }

    /// Keeps the newest `keep` checkpoints (default 2; at least 1): a damaged newest one
    /// falls back to the one before.
    pub fn with_keep(mut self, keep: usize) -> Self {
        self.keep = keep.max(1);
        self
    }

    /// The damaged checkpoints [`RunFolder::last_checkpoint`] passed over (file and reason).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// The model and state of the folder's newest intact checkpoint, if it has one (damaged
    /// newer ones are listed in [`RunFolder::skipped`]); an error when every one is damaged.
    pub fn last_checkpoint<M: Module>(
        &mut self,
        model: M,
    ) -> Result<Option<(M, TrainState)>, TrainError> {
        let Some(found) = self.dir.read_checkpoint()? else {
            return Ok(None);
        };
        self.skipped = found.skipped;
        let c = found.checkpoint;
        let model = load_record(model, &self.dir.root.join("checkpoint").join(&c.model_file))?;
        self.checkpointed = Some(c.state.step);
        Ok(Some((model, c.state)))
    }

    /// The summary written at the end of the run.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Parameters, then the state that names them and their checksum, then the metrics;
    /// checkpoints beyond the newest `keep` go.
    fn checkpoint<M: Module>(&mut self, model: &M, state: &TrainState) -> Result<(), TrainError> {
        let path = self.dir.checkpoint_model(state.step);
        save_record(model, &path)?;
        self.dir.write_checkpoint(
            &Checkpoint {
                model_file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: Some(sha256_of(&path)?),
                state: state.clone(),
            },
            self.keep,
        )?;
        self.checkpointed = Some(state.step);
        self.dir.write_metrics(&state.rows)
    }
}

impl<M: Module> Observer<M> for RunFolder {
    fn evaluated(&mut self, Moment { model, state }: Moment<'_, M>, improved: bool) -> Outcome {
        if improved {
            save_record(model, &self.dir.best())?;
        }
        // The untrained model's evaluation only seeds `best.bpk`.
        if state.step > 0 {
            self.checkpoint(model, state)?;
        }
        Ok(())
    }

    fn finished(&mut self, Moment { model, state }: Moment<'_, M>, outcome: &Outcome) -> Outcome {
        // An interrupted run can continue from exactly where it stopped.
        if matches!(outcome, Err(TrainError::Interrupted { .. }))
            && self.checkpointed != Some(state.step)
        {
            self.checkpoint(model, state)?;
        }
        // Every evaluation so far is kept, whatever stopped the run.
        self.dir.write_metrics(&state.rows)?;
        let summary = Summary {
            status: Status::of_run(outcome, state),
            model: self.info.model.clone(),
            params: self.info.size.count,
            param_bytes: self.info.size.bytes,
            steps: state.step,
            last: state.rows.last().cloned(),
            best: state.best().cloned(),
            threshold_step: state.threshold_step(self.info.loss_threshold),
            seconds_per_step: state.train_seconds / state.step.max(1) as f64,
            total_nfe_forward: state.total_nfe_forward,
            total_nfe_backward: state.total_nfe_backward,
            train_seconds: state.train_seconds,
            wall_seconds: state.wall_seconds,
            device: self.info.device.clone(),
        };
        self.dir.write_summary(&summary)?;
        self.summary = Some(summary);
        Ok(())
    }
}
