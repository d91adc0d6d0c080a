//! One evaluation of a training run: the numbers an [`crate::Observer`] is told and a run
//! folder writes as a row of `metrics.csv`.

use serde::{Deserialize, Serialize};

/// One evaluation (a row of `metrics.csv`). Task-specific columns are empty for the other task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRow {
    /// Iteration (dynamics) or epoch (classification) just completed.
    pub step: u64,
    /// Mean training loss since the previous evaluation (none for the untrained model).
    pub train_loss: Option<f64>,
    /// Test loss: full-trajectory MSE (dynamics) or held-out cross-entropy (classification).
    pub test_loss: f64,
    /// Drift ratio on the test trajectory (dynamics).
    pub drift_ratio: Option<f64>,
    /// MAE of the prediction on the extended range [0, 35] (built-in spiral).
    pub extrap_mae: Option<f64>,
    /// MAE restricted to t beyond the training range (built-in spiral).
    pub beyond_mae: Option<f64>,
    /// Accuracy on the training points (classification).
    pub train_acc: Option<f64>,
    /// Accuracy on the test points (classification).
    pub test_acc: Option<f64>,
    /// Learning rate of the next step.
    pub lr: f64,
    /// Curriculum phase (1-based) of the steps before this evaluation.
    #[serde(default)]
    pub phase: Option<usize>,
    /// Training window length in samples (tasks with time windows).
    #[serde(default)]
    pub window: Option<usize>,
    /// Mean forward NFE per iteration since the previous evaluation.
    pub nfe_forward: f64,
    /// Mean backward NFE per iteration since the previous evaluation (0 for backprop).
    pub nfe_backward: f64,
    /// Forward NFE of training so far.
    pub total_nfe_forward: u64,
    /// Backward NFE of training so far.
    pub total_nfe_backward: u64,
    /// Seconds spent in training steps so far (evaluation excluded).
    pub train_seconds: f64,
    /// Wall-clock seconds since the run started (evaluation included).
    pub wall_seconds: f64,
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
            phase: None,
            window: None,
            nfe_forward: 0.0,
            nfe_backward: 0.0,
            total_nfe_forward: 0,
            total_nfe_backward: 0,
            train_seconds: 0.0,
            wall_seconds: 0.0,
        }
    }
}
