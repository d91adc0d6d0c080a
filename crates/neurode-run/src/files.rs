//! Atomic file writes through `tempfile`: the bytes go to a temp file beside the target, are
//! synced, then renamed over it, so a reader sees the old file or the new one, never a part.

use std::io::Write;
use std::path::Path;

use neurode_train::TrainError;

/// Writes `bytes` to `path` atomically (creating its folder).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
            dir
        }
        None => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| TrainError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| TrainError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| TrainError::io(path, e.error))?;
    Ok(())
}

/// Reads a text file with an error naming it.
pub fn read_text(path: &Path) -> Result<String, TrainError> {
    std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("neurode-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_write_replaces_the_whole_file_and_leaves_no_temp_file() {
        let dir = folder("replace");
        let path = dir.join("metrics.csv");
        write_atomic(&path, b"a long first version of the file").unwrap();
        write_atomic(&path, b"short").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
        assert_eq!(entries(&dir), ["metrics.csv"]);
    }

    #[test]
    fn a_failed_write_changes_nothing_and_names_the_file() {
        let dir = folder("fail");
        // A folder where the file should go: the final rename fails.
        let path = dir.join("summary.json");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"kept").unwrap();
        let err = write_atomic(&path, b"new").unwrap_err();
        assert!(err.to_string().contains("summary.json"), "{err}");
        assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"kept");
        assert_eq!(entries(&dir), ["summary.json"], "no temp file left behind");
    }
}
