//! Every dynamics architecture behind one config enum and one module enum, plus the paper's
//! named presets.

use std::fmt;
use std::str::FromStr;

use burn::Tensor;
use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::field::{Time, VectorField, neural_dynamics};
use crate::{
    Dense, DenseConfig, Init, ModelError, Residual, ResidualConfig, TimeAware, TimeAwareConfig,
};

/// The architecture of a dynamics network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DynamicsNetConfig {
    /// Dense MLP (paper 000 eq 15).
    Dense(DenseConfig),
    /// Residual MLP (paper 000 eqs 18–20).
    Residual(ResidualConfig),
    /// Time-aware MLP (paper 000 eqs 21–22).
    TimeAware(TimeAwareConfig),
}

impl DynamicsNetConfig {
    /// Builds the network for a `dim`-dimensional state.
    pub fn init(
        &self,
        dim: usize,
        init: &mut Init,
        device: &Device,
    ) -> Result<DynamicsNet, ModelError> {
        Ok(match self {
            DynamicsNetConfig::Dense(c) => DynamicsNet::Dense(c.init(dim, init, device)?),
            DynamicsNetConfig::Residual(c) => DynamicsNet::Residual(c.init(dim, init, device)?),
            DynamicsNetConfig::TimeAware(c) => DynamicsNet::TimeAware(c.init(dim, init, device)?),
        })
    }

    /// Exact parameter count for a `dim`-dimensional state.
    pub fn num_params(&self, dim: usize) -> usize {
        match self {
            DynamicsNetConfig::Dense(c) => c.num_params(dim),
            DynamicsNetConfig::Residual(c) => c.num_params(dim),
            DynamicsNetConfig::TimeAware(c) => c.num_params(dim),
        }
    }
}

/// A dynamics network of any architecture.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum DynamicsNet {
    /// Dense MLP.
    Dense(Dense),
    /// Residual MLP.
    Residual(Residual),
    /// Time-aware MLP.
    TimeAware(TimeAware),
}

impl VectorField for DynamicsNet {
    fn field(&self, t: &Time, h: Tensor<2>) -> Tensor<2> {
        match self {
            DynamicsNet::Dense(m) => m.field(t, h),
            DynamicsNet::Residual(m) => m.field(t, h),
            DynamicsNet::TimeAware(m) => m.field(t, h),
        }
    }

    fn is_autonomous(&self) -> bool {
        match self {
            DynamicsNet::Dense(m) => m.is_autonomous(),
            DynamicsNet::Residual(m) => m.is_autonomous(),
            DynamicsNet::TimeAware(m) => m.is_autonomous(),
        }
    }

    fn dim(&self) -> usize {
        match self {
            DynamicsNet::Dense(m) => m.dim(),
            DynamicsNet::Residual(m) => m.dim(),
            DynamicsNet::TimeAware(m) => m.dim(),
        }
    }
}

neural_dynamics!(DynamicsNet);

impl crate::TorchNames for DynamicsNet {
    fn torch_layers(&self) -> Vec<(String, String)> {
        match self {
            DynamicsNet::Dense(m) => m.torch_layers(),
            DynamicsNet::Residual(m) => m.torch_layers(),
            DynamicsNet::TimeAware(m) => m.torch_layers(),
        }
    }
}

/// The named architectures of paper 000 (Table 1), on its 2-D spiral state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Baseline 128-4L (eqs 31–34): 33,666 parameters.
    Baseline,
    /// Compact-32-L2: 162 parameters.
    Compact32,
    /// Compact-64-L3: 4,482 parameters.
    Compact64,
    /// Compact-96-L3: 9,794 parameters.
    Compact96,
    /// Residual-64 (eqs 18–20): 4,482 parameters.
    Residual64,
    /// TimeAware-64 (eqs 21–22): 5,538 parameters.
    TimeAware64,
}

impl Preset {
    /// Every preset, in Table 1's order.
    pub const ALL: [Preset; 6] = [
        Preset::Baseline,
        Preset::Compact32,
        Preset::Compact64,
        Preset::Compact96,
        Preset::Residual64,
        Preset::TimeAware64,
    ];

    /// The architecture.
    pub fn config(self) -> DynamicsNetConfig {
        let dense = |width, layers| {
            DynamicsNetConfig::Dense(DenseConfig::new().with_width(width).with_layers(layers))
        };
        match self {
            Preset::Baseline => dense(128, 4),
            Preset::Compact32 => dense(32, 2),
            Preset::Compact64 => dense(64, 3),
            Preset::Compact96 => dense(96, 3),
            Preset::Residual64 => DynamicsNetConfig::Residual(ResidualConfig::new()),
            Preset::TimeAware64 => DynamicsNetConfig::TimeAware(TimeAwareConfig::new()),
        }
    }

    /// The name paper 000 prints.
    pub fn paper_name(self) -> &'static str {
        match self {
            Preset::Baseline => "Baseline (128-4L)",
            Preset::Compact32 => "Compact-32-L2",
            Preset::Compact64 => "Compact-64-L3",
            Preset::Compact96 => "Compact-96-L3",
            Preset::Residual64 => "Residual-64",
            Preset::TimeAware64 => "TimeAware-64",
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Baseline => "baseline",
            Preset::Compact32 => "compact32",
            Preset::Compact64 => "compact64",
            Preset::Compact96 => "compact96",
            Preset::Residual64 => "residual64",
            Preset::TimeAware64 => "timeaware64",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A model name that is not a preset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown model `{0}`: expected one of baseline, compact32, compact64, compact96, residual64, timeaware64"
)]
pub struct UnknownPreset(pub String);

impl FromStr for Preset {
    type Err = UnknownPreset;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == key)
            .ok_or_else(|| UnknownPreset(s.to_string()))
    }
}
