//! Atomic file writes (temp file + rename): an interrupted write never replaces good data.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::TrainError;

/// `path` + `.tmp` in the same folder (so the rename is atomic).
pub(crate) fn temp_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(s)
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| TrainError::file(dir, e))?;
    }
    let tmp = temp_of(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        TrainError::file(path, e)
    })
}

/// Reads a text file with an error naming it.
pub fn read_text(path: &Path) -> Result<String, TrainError> {
    std::fs::read_to_string(path).map_err(|e| TrainError::file(path, e))
}
