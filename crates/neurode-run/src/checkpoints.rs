//! A run folder's checkpoints: `checkpoint/model-<step>.bpk` (the parameters) and
//! `checkpoint/state-<step>.json` (the training state, the model file's name and its SHA-256),
//! the newest few kept. The state file is written after the model file, so it is the commit
//! point; reading takes the newest checkpoint whose state parses and whose model file has the
//! recorded checksum, and says which newer ones it skipped and why — a damaged or truncated
//! file is never loaded.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{RunDir, read_text, write_atomic};
use neurode_train::{TrainError, TrainState};

/// The state file of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The parameter record of this checkpoint (a file in `checkpoint/`).
    pub model_file: String,
    /// SHA-256 of the parameter record, lowercase hex (absent in older run folders).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Where the run stood.
    #[serde(flatten)]
    pub state: TrainState,
}

/// The newest intact checkpoint and what was passed over to find it.
#[derive(Debug, Clone, PartialEq)]
pub struct Intact {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// One line per newer checkpoint that was damaged (file and reason).
    pub skipped: Vec<String>,
}

/// SHA-256 of a file's bytes, lowercase hex.
pub fn sha256_of(path: &Path) -> Result<String, TrainError> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::file(path, e))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

impl RunDir {
    /// Steps of the checkpoints whose `state-<step>.json` files exist, oldest first (an older
    /// run folder's single `state.json` is read by [`RunDir::read_checkpoint`] on its own).
    fn checkpoint_steps(&self) -> Vec<u64> {
        let mut steps: Vec<u64> = std::fs::read_dir(self.root.join("checkpoint"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_prefix("state-")?
                    .strip_suffix(".json")?
                    .parse()
                    .ok()
            })
            .collect();
        steps.sort_unstable();
        steps
    }

    /// Writes a checkpoint's state file (after its parameter record, whose checksum it
    /// records), then deletes all but the newest `keep` checkpoints (at least 1).
    pub fn write_checkpoint(&self, checkpoint: &Checkpoint, keep: usize) -> Result<(), TrainError> {
        let step = checkpoint.state.step;
        let text = serde_json::to_string(checkpoint).expect("a Checkpoint always serialises");
        write_atomic(&self.checkpoint_state(step), text.as_bytes())?;
        let steps = self.checkpoint_steps();
        let keep_from = steps.len().saturating_sub(keep.max(1));
        for &old in &steps[..keep_from] {
            let _ = std::fs::remove_file(self.checkpoint_state(old));
            let _ = std::fs::remove_file(self.checkpoint_model(old));
        }
        // Model files of checkpoints that never committed (a kill between the two writes).
        let oldest_kept = steps.get(keep_from).copied().unwrap_or(step);
        for e in std::fs::read_dir(self.root.join("checkpoint"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            let orphan = name
                .strip_prefix("model-")
                .and_then(|n| n.strip_suffix(".bpk"))
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|s| s < oldest_kept);
            if orphan {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let _ = std::fs::remove_file(self.root.join("checkpoint").join("state.json"));
        Ok(())
    }

    /// The newest intact checkpoint, or `None` when the run has none; an error when it has
    /// some but every one is damaged.
    pub fn read_checkpoint(&self) -> Result<Option<Intact>, TrainError> {
        let mut candidates: Vec<_> = self
            .checkpoint_steps()
            .into_iter()
            .rev()
            .map(|s| self.checkpoint_state(s))
            .collect();
        let legacy = self.root.join("checkpoint").join("state.json");
        if legacy.is_file() {
            candidates.insert(0, legacy);
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let mut skipped = Vec::new();
        for path in candidates {
            match self.check(&path) {
                Ok(checkpoint) => {
                    return Ok(Some(Intact {
                        checkpoint,
                        skipped,
                    }));
                }
                Err(why) => skipped.push(format!("{}: {why}", path.display())),
            }
        }
        Err(TrainError::file(
            &self.root.join("checkpoint"),
            format!(
                "no intact checkpoint to resume from ({}); start a new run folder",
                skipped.join("; ")
            ),
        ))
    }

    /// A state file and its model file, verified.
    fn check(&self, state: &Path) -> Result<Checkpoint, String> {
        let text = read_text(state).map_err(|e| e.to_string())?;
        let c: Checkpoint =
            serde_json::from_str(&text).map_err(|e| format!("unreadable state ({e})"))?;
        let model = self.root.join("checkpoint").join(&c.model_file);
        if c.model_file.contains(['/', '\\']) || !model.is_file() {
            return Err(format!("its model file {} is missing", c.model_file));
        }
        if let Some(expected) = &c.sha256 {
            let found = sha256_of(&model).map_err(|e| e.to_string())?;
            if &found != expected {
                return Err(format!(
                    "{} is damaged (SHA-256 {found}, recorded {expected})",
                    c.model_file
                ));
            }
        }
        Ok(c)
    }
}
