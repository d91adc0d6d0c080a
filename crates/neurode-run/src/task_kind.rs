//! The four tasks by name.

use serde::{Deserialize, Serialize};

/// What is learned.
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// Trajectory regression (paper 000): learn `dy/dt` from a sampled trajectory.
    Dynamics,
    /// Classification (paper 003): the two-spiral benchmark or a labelled CSV.
    Classify,
    /// Density estimation (paper 003's continuous normalizing flows): learn a distribution
    /// from its samples (FFJORD's 2-D toys or a CSV of points).
    Density,
    /// Sequences with inputs (paper 003's liquid networks): predict a driven system's
    /// response from its input alone (the built-in driven damped oscillator).
    Sequence,
}

impl TaskKind {
    /// The task's name in a config (`dynamics`, `classify`, `density`, `sequence`).
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Dynamics => "dynamics",
            TaskKind::Classify => "classify",
            TaskKind::Density => "density",
            TaskKind::Sequence => "sequence",
        }
    }
}
