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
    // A temp file is private (0600) by default; the result is an ordinary file (0644 less the
    // umask), like any file the user writes.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| TrainError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| TrainError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| TrainError::io(path, e.error))?;
    Ok(())
}

/// Writes a CSV file atomically: the `header` record, then one record per row — any row serde
/// writes as a flat record (a struct of plain fields, a tuple, a `Vec<String>`).
pub fn write_csv<R: serde::Serialize>(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<(), TrainError> {
    let err = |e: csv::Error| TrainError::file(path, e);
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for row in rows {
        w.serialize(row).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| TrainError::file(path, e))?;
    write_atomic(path, &bytes)
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o600, 0o600, "the owner reads and writes it");
            assert_eq!(mode & 0o111, 0, "not executable");
        }
    }

    #[test]
    fn a_csv_file_is_its_header_then_its_rows() {
        let dir = folder("csv");
        let path = dir.join("data.csv");
        write_csv(&path, &["t", "x"], [(0.5, 1.0), (1.0, -2.25)]).unwrap();
        assert_eq!(read_text(&path).unwrap(), "t,x\n0.5,1.0\n1.0,-2.25\n");
        let rows = vec![vec!["a".to_string(), "b,c".to_string()]];
        write_csv(&path, &["k", "v"], &rows).unwrap();
        assert_eq!(read_text(&path).unwrap(), "k,v\na,\"b,c\"\n");
        write_csv::<(f64, f64)>(&path, &["t", "x"], []).unwrap();
        assert_eq!(read_text(&path).unwrap(), "t,x\n");
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
