//! Bookkeeping shared by both training loops: counters, evaluations, best model, checkpoints
//! and the summary.

use std::time::Instant;

use burn::module::Module;
use neurode_backend::Device;
use neurode_models::{ParamSize, save_record};

use crate::{
    Adam, AdamSettings, MetricsRow, ResumeState, RunConfig, RunDir, ScheduleState, Summary,
    TrainError,
};

/// How a run behaves (not part of its config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainOptions {
    /// No progress bar.
    pub quiet: bool,
    /// Continue from the run folder's last checkpoint if it has one.
    pub resume: bool,
    /// Draw the PNG figures at the end.
    pub figures: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            quiet: false,
            resume: false,
            figures: true,
        }
    }
}

impl MetricsRow {
    /// A row with every field empty or zero.
    pub fn blank() -> Self {
        Self {
            step: 0,
            train_loss: None,
            test_loss: f64::NAN,
            drift_ratio: None,
            extrap_mae: None,
            beyond_mae: None,
            train_acc: None,
            test_acc: None,
            lr: 0.0,
            nfe_forward: 0.0,
            nfe_backward: 0.0,
            total_nfe_forward: 0,
            total_nfe_backward: 0,
            train_seconds: 0.0,
            wall_seconds: 0.0,
        }
    }
}

pub(crate) struct Book {
    pub step: u64,
    pub adam: Adam,
    pub schedule: ScheduleState,
    pub rows: Vec<MetricsRow>,
    pub resume_state: Option<ResumeState>,
    best_loss: Option<f64>,
    /// Step of the checkpoint on disk (its model file is deleted when the next one lands).
    checkpointed: Option<u64>,
    total: (u64, u64),
    train_seconds: f64,
    wall_start: Instant,
    wall_offset: f64,
    since: (f64, u64, u64, u64),
}

impl Book {
    /// Starts a run folder, or picks up its checkpoint when resuming.
    pub fn start(
        config: &RunConfig,
        dir: &RunDir,
        opts: &TrainOptions,
    ) -> Result<Self, TrainError> {
        let settings = AdamSettings {
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            weight_decay: config.weight_decay,
            clip: config.clip,
        };
        let mut book = Self {
            step: 0,
            adam: Adam::new(settings),
            schedule: ScheduleState::new(config.lr),
            rows: Vec::new(),
            resume_state: None,
            best_loss: None,
            checkpointed: None,
            total: (0, 0),
            train_seconds: 0.0,
            wall_start: Instant::now(),
            wall_offset: 0.0,
            since: (0.0, 0, 0, 0),
        };
        let existing = crate::record::is_run_dir(&dir.root);
        if opts.resume && existing {
            let saved = dir.read_config()?;
            let comparable = |c: &RunConfig| RunConfig {
                iters: 0,
                epochs: 0,
                ..c.clone()
            };
            if comparable(&saved) != comparable(config) {
                return Err(TrainError::file(
                    &dir.config(),
                    "this run folder holds a different configuration; resume with the same settings (only --iters/--epochs may change) or choose a new --out",
                ));
            }
            book.resume_state = dir.read_state()?;
        } else if existing {
            return Err(TrainError::file(
                &dir.root,
                "already holds a run; pass --resume to continue it, or choose another --out (nothing was overwritten)",
            ));
        }
        dir.write_config(config)?;
        Ok(book)
    }

    /// Restores counters from a checkpoint.
    pub fn restore(&mut self, s: ResumeState) {
        self.step = s.step;
        self.checkpointed = Some(s.step);
        self.adam = s.adam;
        self.schedule = s.schedule;
        self.rows = s.rows;
        self.best_loss = s.best_loss;
        self.total = (s.total_nfe_forward, s.total_nfe_backward);
        self.train_seconds = s.train_seconds;
        self.wall_offset = s.wall_seconds;
    }

    /// Counts one training step.
    pub fn record_step(&mut self, loss: f64, nfe: (u64, u64), seconds: f64) {
        self.step += 1;
        self.total.0 += nfe.0;
        self.total.1 += nfe.1;
        self.train_seconds += seconds;
        self.since.0 += loss;
        self.since.1 += 1;
        self.since.2 += nfe.0;
        self.since.3 += nfe.1;
    }

    fn wall(&self) -> f64 {
        self.wall_offset + self.wall_start.elapsed().as_secs_f64()
    }

    /// Fills the bookkeeping columns of an evaluation row.
    fn finish_row(&mut self, row: &mut MetricsRow) {
        let n = self.since.1.max(1) as f64;
        row.step = self.step;
        row.train_loss = Some(self.since.0 / n);
        row.lr = self.schedule.lr;
        row.nfe_forward = self.since.2 as f64 / n;
        row.nfe_backward = self.since.3 as f64 / n;
        row.total_nfe_forward = self.total.0;
        row.total_nfe_backward = self.total.1;
        row.train_seconds = self.train_seconds;
        row.wall_seconds = self.wall();
        self.since = (0.0, 0, 0, 0);
    }

    /// Records an evaluation after `self.step` steps: `best.bpk` on improvement, then a
    /// resumable checkpoint.
    pub fn evaluated<M: Module>(
        &mut self,
        mut row: MetricsRow,
        model: &M,
        dir: &RunDir,
        config: &RunConfig,
    ) -> Result<(), TrainError> {
        self.finish_row(&mut row);
        if self.push_row(row, config) {
            save_record(model, &dir.best())?;
        }
        self.checkpoint(model, dir)
    }

    /// Records the untrained model's evaluation (step 0) and writes it as `best.bpk`.
    pub fn evaluated_initial<M: Module>(
        &mut self,
        row: MetricsRow,
        model: &M,
        dir: &RunDir,
    ) -> Result<(), TrainError> {
        if self.push_initial(row) {
            save_record(model, &dir.best())?;
        }
        Ok(())
    }

    /// Records the untrained model's evaluation (step 0: no training loss, not shown to the
    /// schedule); returns whether it is the best so far (it is, unless non-finite).
    fn push_initial(&mut self, mut row: MetricsRow) -> bool {
        self.finish_row(&mut row);
        row.train_loss = None;
        self.record_best(row)
    }

    /// Records an evaluation; returns whether it is the best so far.
    fn push_row(&mut self, row: MetricsRow, config: &RunConfig) -> bool {
        self.schedule.observe(&config.schedule, row.test_loss);
        self.record_best(row)
    }

    fn record_best(&mut self, row: MetricsRow) -> bool {
        let improved =
            row.test_loss.is_finite() && self.best_loss.is_none_or(|b| row.test_loss < b);
        if improved {
            self.best_loss = Some(row.test_loss);
        }
        self.rows.push(row);
        improved
    }

    /// Writes a checkpoint: parameters, then the state that names them, then the metrics.
    fn checkpoint<M: Module>(&mut self, model: &M, dir: &RunDir) -> Result<(), TrainError> {
        let path = dir.checkpoint_model(self.step);
        save_record(model, &path)?;
        dir.write_state(&ResumeState {
            step: self.step,
            model_file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            adam: self.adam.clone(),
            schedule: self.schedule,
            rows: self.rows.clone(),
            best_loss: self.best_loss,
            total_nfe_forward: self.total.0,
            total_nfe_backward: self.total.1,
            train_seconds: self.train_seconds,
            wall_seconds: self.wall(),
        })?;
        if let Some(prev) = self.checkpointed.replace(self.step)
            && prev != self.step
        {
            let _ = std::fs::remove_file(dir.checkpoint_model(prev));
        }
        dir.write_metrics(&self.rows)
    }

    /// The summary of the run so far.
    pub fn summary(
        &self,
        outcome: &Result<(), TrainError>,
        model: String,
        size: ParamSize,
        device: &Device,
        threshold: f64,
    ) -> Summary {
        let best = self
            .rows
            .iter()
            .filter(|r| r.test_loss.is_finite())
            .min_by(|a, b| a.test_loss.total_cmp(&b.test_loss))
            .cloned();
        Summary {
            status: match outcome {
                Ok(()) => "completed".into(),
                Err(e) => e.to_string(),
            },
            model,
            params: size.count,
            param_bytes: size.bytes,
            steps: self.step,
            last: self.rows.last().cloned(),
            best,
            threshold_step: self.threshold_step(threshold),
            seconds_per_step: self.train_seconds / self.step.max(1) as f64,
            total_nfe_forward: self.total.0,
            total_nfe_backward: self.total.1,
            train_seconds: self.train_seconds,
            wall_seconds: self.wall(),
            device: format!("{device:?}"),
        }
    }

    /// First step whose test loss is at or below `threshold`.
    pub fn threshold_step(&self, threshold: f64) -> Option<u64> {
        self.rows
            .iter()
            .find(|r| r.test_loss <= threshold)
            .map(|r| r.step)
    }
}
