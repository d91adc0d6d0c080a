//! The solver methods users pick from: an enum, parsed once at the edge (CLI/config).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::tableau::{self, Tableau};

/// An explicit Runge–Kutta method. Each one is a [`Tableau`]; the same engine runs them all.
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Forward Euler (fixed step, order 1).
    Euler,
    /// Explicit midpoint (fixed step, order 2).
    Midpoint,
    /// Heun / explicit trapezoid (fixed step, order 2).
    Heun,
    /// Classical Runge–Kutta (fixed step, order 4).
    Rk4,
    /// Kutta's 3/8 rule (fixed step, order 4; torchdiffeq's `rk4`).
    Rk38,
    /// Bogacki–Shampine 3(2) (adaptive).
    Bosh3,
    /// Dormand–Prince 5(4) (adaptive, the default).
    #[default]
    Dopri5,
    /// Tsitouras 5(4) (adaptive).
    Tsit5,
    /// Dormand–Prince 8(5,3) (adaptive).
    Dop853,
}

impl Method {
    /// Every method, fixed-step first.
    pub const ALL: [Method; 9] = [
        Method::Euler,
        Method::Midpoint,
        Method::Heun,
        Method::Rk4,
        Method::Rk38,
        Method::Bosh3,
        Method::Dopri5,
        Method::Tsit5,
        Method::Dop853,
    ];

    /// The method's Butcher tableau.
    pub fn tableau(self) -> &'static Tableau {
        match self {
            Method::Euler => &tableau::EULER,
            Method::Midpoint => &tableau::MIDPOINT,
            Method::Heun => &tableau::HEUN,
            Method::Rk4 => &tableau::RK4,
            Method::Rk38 => &tableau::RK38,
            Method::Bosh3 => &tableau::BOSH3,
            Method::Dopri5 => &tableau::DOPRI5,
            Method::Tsit5 => &tableau::TSIT5,
            Method::Dop853 => &tableau::DOP853,
        }
    }

    /// The lower-case name (`"dopri5"`).
    pub fn name(self) -> &'static str {
        self.tableau().name
    }

    /// Whether the method controls its step size from an error estimate.
    pub fn is_adaptive(self) -> bool {
        self.tableau().is_adaptive()
    }

    /// Order of accuracy of the propagated solution.
    pub fn order(self) -> u32 {
        self.tableau().order
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given is not a known method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown solver `{0}`: expected one of euler, midpoint, heun, rk4, rk38, bosh3, dopri5, tsit5, dop853"
)]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Method::ALL
            .into_iter()
            .find(|m| m.name() == lower)
            .ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
            assert_eq!(m.to_string(), m.name());
        }
        assert_eq!("DOPRI5".parse::<Method>().unwrap(), Method::Dopri5);
        let err = "rk45".parse::<Method>().unwrap_err().to_string();
        assert!(err.contains("rk45") && err.contains("dopri5"), "{err}");
    }

    #[test]
    fn adaptivity_and_order() {
        let adaptive: Vec<_> = Method::ALL
            .into_iter()
            .filter(|m| m.is_adaptive())
            .collect();
        assert_eq!(
            adaptive,
            [Method::Bosh3, Method::Dopri5, Method::Tsit5, Method::Dop853]
        );
        let orders: Vec<_> = Method::ALL.into_iter().map(Method::order).collect();
        assert_eq!(orders, [1, 2, 2, 4, 4, 3, 5, 5, 8]);
    }
}
