//! Saving and loading parameters through Burn records (burnpack), atomically.

use std::path::Path;

use burn::module::Module;

use crate::ModelError;

/// Writes `model`'s parameters to `path` atomically: a temporary file next to it, then a
/// rename, so an interrupted write never leaves a truncated record behind.
pub fn save_record<M: Module>(model: &M, path: &Path) -> Result<(), ModelError> {
    let err = |message: String| ModelError::Record {
        path: path.to_path_buf(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(format!("cannot create its folder: {e}")))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    model
        .clone()
        .save_file(&tmp)
        .map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(format!("cannot move the new record into place: {e}"))
    })
}

/// Loads parameters saved by [`save_record`] into `model` (built from the same config).
pub fn load_record<M: Module>(model: M, path: &Path) -> Result<M, ModelError> {
    if !path.is_file() {
        return Err(ModelError::Record {
            path: path.to_path_buf(),
            message: "no such file (train a model first, or check the path)".into(),
        });
    }
    model.try_load_file(path).map_err(|e| ModelError::Record {
        path: path.to_path_buf(),
        message: format!("{e} (was it saved from a model with the same config?)"),
    })
}
