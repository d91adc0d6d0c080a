//! The state of a training run between steps: everything that continues it exactly (the
//! optimizer, the schedule, the evaluations, the counters), serialisable for checkpoints.

use serde::{Deserialize, Serialize};

use crate::{Adam, AdamSettings, MetricsRow, Nfe, Schedule, ScheduleState};

/// Where a run stands after `step` steps. A checkpoint is this plus the model's parameters;
/// a run continued from it draws the same batches and computes the same numbers as one that
/// never stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Steps (iterations or epochs) completed.
    pub step: u64,
    /// The optimizer and its moments.
    pub adam: Adam,
    /// The learning-rate schedule's state.
    pub schedule: ScheduleState,
    /// Every evaluation so far (the first is the untrained model, step 0).
    pub rows: Vec<MetricsRow>,
    /// Best test loss so far.
    pub best_loss: Option<f64>,
    /// Forward NFE of training so far.
    pub total_nfe_forward: u64,
    /// Backward NFE of training so far.
    pub total_nfe_backward: u64,
    /// Seconds in training steps so far (evaluations excluded).
    pub train_seconds: f64,
    /// Wall-clock seconds of the run so far (evaluations included), as of the last update.
    pub wall_seconds: f64,
    /// The curriculum phase of the last step (0-based).
    #[serde(default)]
    pub phase: usize,
    /// The window length of the last step, in samples (tasks with time windows).
    #[serde(default)]
    pub window: Option<usize>,
    /// The run stopped early: an evaluation reached the trainer's target test loss.
    #[serde(default)]
    pub stopped: bool,
    /// Steps since the last evaluation: loss sum, count, forward and backward NFE (zero at an
    /// evaluation's checkpoint; an interrupted run's checkpoint carries them on).
    #[serde(default)]
    since: (f64, u64, u64, u64),
}

impl TrainState {
    /// A fresh run: no steps, Adam with `settings`, the rate at `lr`.
    pub fn new(settings: AdamSettings, lr: f64) -> Self {
        Self {
            step: 0,
            adam: Adam::new(settings),
            schedule: ScheduleState::new(lr),
            rows: Vec::new(),
            best_loss: None,
            total_nfe_forward: 0,
            total_nfe_backward: 0,
            train_seconds: 0.0,
            wall_seconds: 0.0,
            phase: 0,
            window: None,
            stopped: false,
            since: (0.0, 0, 0, 0),
        }
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.schedule.lr
    }

    /// Counts one finished step.
    pub(crate) fn record_step(&mut self, loss: f64, nfe: Nfe, seconds: f64) {
        self.step += 1;
        self.total_nfe_forward += nfe.forward;
        self.total_nfe_backward += nfe.backward;
        self.train_seconds += seconds;
        self.since.0 += loss;
        self.since.1 += 1;
        self.since.2 += nfe.forward;
        self.since.3 += nfe.backward;
    }

    /// Records an evaluation after `self.step` steps (the schedule sees it unless it is the
    /// untrained model's); returns whether its test loss is the best so far.
    pub(crate) fn evaluated(
        &mut self,
        mut row: MetricsRow,
        schedule: &Schedule,
        warmup: u64,
    ) -> bool {
        let n = self.since.1.max(1) as f64;
        row.step = self.step;
        row.train_loss = (self.since.1 > 0).then(|| self.since.0 / n);
        row.phase = Some(self.phase + 1);
        row.window = self.window;
        row.nfe_forward = self.since.2 as f64 / n;
        row.nfe_backward = self.since.3 as f64 / n;
        row.total_nfe_forward = self.total_nfe_forward;
        row.total_nfe_backward = self.total_nfe_backward;
        row.train_seconds = self.train_seconds;
        row.wall_seconds = self.wall_seconds;
        self.since = (0.0, 0, 0, 0);
        if self.step > 0 {
            self.schedule.observe(schedule, row.test_loss);
        }
        // The rate of the next step (after the plateau's reaction and within a warm-up).
        row.lr = self.schedule.rate(warmup);
        let improved =
            row.test_loss.is_finite() && self.best_loss.is_none_or(|b| row.test_loss < b);
        if improved {
            self.best_loss = Some(row.test_loss);
        }
        self.rows.push(row);
        improved
    }

    /// The evaluation with the lowest finite test loss.
    pub fn best(&self) -> Option<&MetricsRow> {
        self.rows
            .iter()
            .filter(|r| r.test_loss.is_finite())
            .min_by(|a, b| a.test_loss.total_cmp(&b.test_loss))
    }

    /// The first step whose test loss is at or below `threshold`.
    pub fn threshold_step(&self, threshold: f64) -> Option<u64> {
        self.rows
            .iter()
            .find(|r| r.test_loss <= threshold)
            .map(|r| r.step)
    }
}
