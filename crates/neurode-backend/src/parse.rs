//! Backend and precision names as a user types them (case-insensitive, trimmed).

use std::str::FromStr;

use crate::{Backend, BackendError, Precision};

impl FromStr for Backend {
    type Err = BackendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|b| b.name() == lower)
            .ok_or_else(|| BackendError::Unknown {
                name: s.to_string(),
            })
    }
}

impl FromStr for Precision {
    type Err = BackendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "float32" => Ok(Precision::F32),
            "f64" | "float64" => Ok(Precision::F64),
            _ => Err(BackendError::UnknownPrecision {
                name: s.to_string(),
            }),
        }
    }
}
