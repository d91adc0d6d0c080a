//! PyTorch weights in and out, through Burn's own `burn-store`: a PyTorch model's
//! `state_dict` (safetensors, or a `.pt`/`.pth` file written by `torch.save(model.state_dict())`)
//! loaded into a neurode model, and a neurode model saved as safetensors that
//! `model.load_state_dict(safetensors.torch.load_file(path))` reads.
//!
//! Names: every model of this crate implements [`TorchNames`], the map from its layers to the
//! module names of the PyTorch renderings of the papers (torchdiffeq's `odeint` on an
//! `nn.Module` vector field, `../shared/anchors`). A `Linear` weight is `[out, in]` in PyTorch
//! and `[in, out]` in Burn: burn-store's PyTorch adapters transpose it both ways, and floats
//! are cast to the model's precision on the way in.
//!
//! | model | PyTorch names |
//! |---|---|
//! | [`OdeClassifier`](crate::OdeClassifier) | `lift`, `func.net.{0,2,4}`, `head.{0,2}` |
//! | [`ResNetMlp`](crate::ResNetMlp) | `lift`, `blocks.{k}.{0,2,4}`, `head.{0,2}` |
//! | [`Dense`](crate::Dense) (Baseline, Compact) | `net.{0,2,…}` (an `nn.Sequential` with `Tanh` between) |
//! | [`Residual`](crate::Residual) (Residual-64) | `l1`, `l2`, `l3` |
//! | [`TimeAware`](crate::TimeAware) | `temb`, `net.{0,2,4}` |
//! | [`NeuralOde`](crate::NeuralOde)`<M>` | the names of its dynamics `M` (the `func` handed to `odeint`) |
//!
//! Each name stands for `<name>.weight` and `<name>.bias`.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::Module;
use burn::store::{
    BurnToPyTorchAdapter, FloatCastAdapter, KeyRemapper, ModuleAdapter, ModuleSnapshot,
    ModuleStore, PyTorchToBurnAdapter, PytorchStore, SafetensorsStore,
};

use crate::{ModelError, WeightsError};

/// Where a model's layers live in a PyTorch `state_dict`.
pub trait TorchNames {
    /// `(neurode layer path, PyTorch module name)` for every affine layer, e.g.
    /// `("ode.dynamics.layers.0", "func.net.0")`. Parameters not listed keep their neurode
    /// path as their PyTorch name.
    fn torch_layers(&self) -> Vec<(String, String)>;

    /// [`TorchNames::torch_layers`] of this module as a field of an enclosing one: each
    /// neurode path under `prefix` (e.g. `"ode."`), the PyTorch names unchanged.
    fn torch_layers_under(&self, prefix: &str) -> Vec<(String, String)> {
        let layers = self.torch_layers().into_iter();
        layers
            .map(|(ours, theirs)| (format!("{prefix}{ours}"), theirs))
            .collect()
    }
}

/// One parameter: its neurode path, its PyTorch name and its PyTorch-layout shape.
struct Entry {
    path: String,
    torch: String,
    shape: Vec<usize>,
}

/// Every parameter of `model` with its PyTorch name and shape, in visiting order.
fn entries<M: Module + TorchNames>(model: &M) -> Vec<Entry> {
    let layers = model.torch_layers();
    let rename = |path: &str| -> String {
        for (ours, theirs) in &layers {
            if let Some(rest) = path.strip_prefix(ours.as_str())
                && rest.starts_with('.')
            {
                return format!("{theirs}{rest}");
            }
        }
        path.to_string()
    };
    model
        .collect(None, Some(Box::new(BurnToPyTorchAdapter)), true)
        .into_iter()
        .map(|t| Entry {
            torch: rename(&t.name),
            shape: t.shape.to_vec(),
            path: t.name,
        })
        .collect()
}

/// Loads a PyTorch `state_dict` into `model` by its [`TorchNames`]: every parameter must be in
/// the file with its PyTorch shape, and every tensor of the file must be a parameter. Values are
/// cast to the model's float precision.
pub fn load_torch_weights<M: Module + TorchNames>(model: M, path: &Path) -> Result<M, ModelError> {
    let fail = |problem: WeightsError| ModelError::Weights {
        path: path.to_path_buf(),
        problem,
    };
    let io = |e: &dyn std::fmt::Display| fail(WeightsError::Io(e.to_string()));
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let file: BTreeMap<String, _> = match ext {
        "safetensors" => SafetensorsStore::from_file(path)
            .get_all_tensors()
            .map_err(|e| io(&e))?
            .clone(),
        "pt" | "pth" => PytorchStore::from_file(path)
            .get_all_tensors()
            .map_err(|e| io(&e))?
            .clone(),
        _ => return Err(fail(WeightsError::Format)),
    };
    let entries = entries(&model);
    let names: Vec<String> = entries.iter().map(|e| e.torch.clone()).collect();
    let missing = names_where(names.iter(), |n| !file.contains_key(n));
    if !missing.is_empty() {
        return Err(fail(WeightsError::Missing {
            missing,
            needed: names,
        }));
    }
    let unknown = names_where(file.keys(), |k| !names.contains(k));
    if !unknown.is_empty() {
        return Err(fail(WeightsError::Unknown {
            unknown,
            accepted: names,
        }));
    }
    let mut tensors = Vec::with_capacity(entries.len());
    for e in &entries {
        let mut t = file[&e.torch].clone();
        if !t.dtype.is_float() {
            return Err(fail(WeightsError::NotFloat {
                name: e.torch.clone(),
                dtype: format!("{:?}", t.dtype),
            }));
        }
        if t.shape.to_vec() != e.shape {
            return Err(fail(WeightsError::Shape {
                name: e.torch.clone(),
                expected: e.shape.clone(),
                found: t.shape.to_vec(),
            }));
        }
        t.name = e.path.clone();
        tensors.push(t);
    }
    let dtype = model
        .collect(None, None, true)
        .first()
        .map(|t| t.dtype)
        .unwrap_or(burn::tensor::DType::F32);
    let adapter = PyTorchToBurnAdapter.chain(FloatCastAdapter::to(dtype));
    let mut model = model;
    let result = model.apply(tensors, None, Some(Box::new(adapter)), true);
    if let Some(e) = result.errors.first() {
        return Err(io(e));
    }
    if !result.missing.is_empty() {
        let missing = result.missing.into_iter().map(|(p, _)| p).collect();
        return Err(fail(WeightsError::Missing {
            missing,
            needed: names,
        }));
    }
    Ok(model)
}

/// Saves `model`'s parameters as a safetensors file with PyTorch names and layouts (see
/// [`TorchNames`]), atomically: a reader never sees a half-written file.
pub fn save_torch_weights<M: Module + TorchNames>(
    model: &M,
    path: &Path,
) -> Result<(), ModelError> {
    let fail = |problem: WeightsError| ModelError::Weights {
        path: path.to_path_buf(),
        problem,
    };
    if path.extension().and_then(|e| e.to_str()) != Some("safetensors") {
        return Err(fail(WeightsError::Format));
    }
    // Exact names only (no prefix rewriting), so one rule can never rename another's output.
    let exact = |name: &str| format!("^{}$", name.replace('.', r"\."));
    let pairs: Vec<(String, String)> = entries(model)
        .into_iter()
        .filter(|e| e.path != e.torch)
        .map(|e| (exact(&e.path), e.torch))
        .collect();
    let remap = KeyRemapper::from_patterns(pairs)
        .map_err(|e| fail(WeightsError::Io(format!("internal name map: {e}"))))?;
    let mut store = SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(true)
        .remap(remap)
        .overwrite(true);
    model
        .save_into(&mut store)
        .map_err(|e| fail(WeightsError::Io(e.to_string())))
}

/// The names `keep` selects (those one side has and the other lacks).
fn names_where<'a>(
    names: impl Iterator<Item = &'a String>,
    keep: impl Fn(&String) -> bool,
) -> Vec<String> {
    names.filter(|n| keep(n)).cloned().collect()
}
