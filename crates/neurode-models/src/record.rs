//! Saving and loading parameters through Burn records (burnpack), atomically.

use std::path::Path;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::tensor::{Bool, Int, Tensor};

use crate::ModelError;

/// Writes `model`'s parameters to `path` (burnpack), atomically: Burn's writer fills a scratch
/// file beside it and renames it into place, so an interrupted write never leaves a truncated
/// record behind. Parameter ids are numbered in visiting order before saving (Burn draws them
/// at random), so the same parameters always give the same bytes.
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
        .map(&mut StableIds(0))
        .save_file(path)
        .map_err(|e| err(e.to_string()))
}

/// Renumbers parameter ids in visiting order (distinct within the model, as Burn requires).
struct StableIds(u64);

impl StableIds {
    fn next(&mut self) -> ParamId {
        self.0 += 1;
        // "neurode" in the high bytes, the parameter's index below.
        ParamId::from(0x6e65_7572_6f64_6500 + self.0)
    }
}

impl ModuleMapper for StableIds {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (_, value, _) = param.consume();
        Param::initialized(self.next(), value)
    }

    fn map_int<const D: usize>(&mut self, param: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        let (_, value, _) = param.consume();
        Param::initialized(self.next(), value)
    }

    fn map_bool<const D: usize>(
        &mut self,
        param: Param<Tensor<D, Bool>>,
    ) -> Param<Tensor<D, Bool>> {
        let (_, value, _) = param.consume();
        Param::initialized(self.next(), value)
    }
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
