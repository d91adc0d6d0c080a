//! One writer per run folder: an exclusive advisory lock on `<run>/.lock`, held while a run
//! trains. The operating system releases it when the process ends however it ends, so a lock
//! left by a killed run is never stale: the next run simply takes it.
//!
//! Why std's `File::try_lock` and not a crate (`fs4`, `fd-lock`): it is the same `flock` /
//! `LockFileEx` call, in the standard library since Rust 1.89.

use std::fs::{File, OpenOptions, TryLockError};

use crate::RunDir;
use neurode_train::TrainError;

/// The held lock of a run folder; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunDir {
    /// Takes the run folder's lock (creating the folder), or [`TrainError::Busy`] while
    /// another process holds it.
    pub fn lock(&self) -> Result<RunLock, TrainError> {
        std::fs::create_dir_all(&self.root).map_err(|e| {
            TrainError::file(&self.root, format!("cannot create the run folder: {e}"))
        })?;
        let path = self.root.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| TrainError::file(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(TrainError::Busy {
                path: self.root.clone(),
            }),
            Err(TryLockError::Error(e)) => Err(TrainError::file(&path, e)),
        }
    }
}
