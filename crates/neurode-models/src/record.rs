//! Saving and loading parameters through Burn records (burnpack), atomically.

use std::path::Path;

use burn::module::Module;

use crate::ModelError;

/// Writes `model`'s parameters to `path` (burnpack), atomically: Burn's writer fills a scratch
/// file beside it and renames it into place, so an interrupted write never leaves a truncated
/// record behind.
pub fn save_record<M: Module>(model: &M, path: &Path) -> Result<(), ModelError> {
    let err = |message: String| ModelError::Record {
        path: path.to_path_buf(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(format!("cannot create its folder: {e}")))?;
    }
    model
        .clone()
        .save_file(path)
        .map_err(|e| err(e.to_string()))
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
