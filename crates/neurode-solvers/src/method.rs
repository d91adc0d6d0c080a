//! The solver methods users pick from: an enum, parsed once at the edge (CLI/config).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::implicit::coefficients::{RODAS5P, ROSENBROCK23};
use crate::implicit::tableau::RosenbrockTableau;
use crate::tableau::{self, Tableau};

/// A solver method: an explicit Runge–Kutta method (a [`Tableau`]; one engine runs them all),
/// a Rosenbrock method for stiff problems (a [`RosenbrockTableau`]), or `auto`, which starts
/// explicit and switches by Hairer's stiffness test.
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
    /// Shampine's Rosenbrock 2(3) (`ode23s`; adaptive, implicit): stiff problems at loose
    /// tolerances.
    Rosenbrock23,
    /// Steinebach's Rodas5P 5(4) (adaptive, implicit): stiff problems at tight tolerances.
    Rodas5p,
    /// DOPRI5 while the problem is not stiff, Rodas5P while Hairer's test says it is
    /// (adaptive; switches both ways, with hysteresis).
    Auto,
}

/// What a [`Method`] is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MethodKind {
    /// An explicit Runge–Kutta method.
    Explicit(&'static Tableau),
    /// A Rosenbrock method.
    Rosenbrock(&'static RosenbrockTableau),
    /// Automatic switching between an explicit and a Rosenbrock method.
    Auto {
        /// The method for non-stiff stretches.
        explicit: &'static Tableau,
        /// The method for stiff stretches.
        implicit: &'static RosenbrockTableau,
    },
}

impl Method {
    /// Every method: fixed-step, adaptive explicit, implicit, automatic.
    pub const ALL: [Method; 12] = [
        Method::Euler,
        Method::Midpoint,
        Method::Heun,
        Method::Rk4,
        Method::Rk38,
        Method::Bosh3,
        Method::Dopri5,
        Method::Tsit5,
        Method::Dop853,
        Method::Rosenbrock23,
        Method::Rodas5p,
        Method::Auto,
    ];

    /// What the method is: an explicit tableau, a Rosenbrock tableau, or both (auto).
    pub fn kind(self) -> MethodKind {
        match self {
            Method::Rosenbrock23 => MethodKind::Rosenbrock(&ROSENBROCK23),
            Method::Rodas5p => MethodKind::Rosenbrock(&RODAS5P),
            Method::Auto => MethodKind::Auto {
                explicit: &tableau::DOPRI5,
                implicit: &RODAS5P,
            },
            explicit => MethodKind::Explicit(explicit.explicit_tableau()),
        }
    }

    /// The explicit method's Butcher tableau; `None` for the implicit methods and `auto`.
    pub fn tableau(self) -> Option<&'static Tableau> {
        match self.kind() {
            MethodKind::Explicit(tab) => Some(tab),
            _ => None,
        }
    }

    /// Whether the method solves linear systems (Rosenbrock methods and `auto`).
    pub fn is_implicit(self) -> bool {
        !matches!(self.kind(), MethodKind::Explicit(_))
    }

    fn explicit_tableau(self) -> &'static Tableau {
        match self {
            Method::Euler => &tableau::EULER,
            Method::Midpoint => &tableau::MIDPOINT,
            Method::Heun => &tableau::HEUN,
            Method::Rk4 => &tableau::RK4,
            Method::Rk38 => &tableau::RK38,
            Method::Bosh3 => &tableau::BOSH3,
            Method::Dopri5 => &tableau::DOPRI5,
            Method::Tsit5 => &tableau::TSIT5,
            _ => &tableau::DOP853,
        }
    }

    /// The lower-case name (`"dopri5"`).
    pub fn name(self) -> &'static str {
        match self.kind() {
            MethodKind::Explicit(tab) => tab.name,
            MethodKind::Rosenbrock(tab) => tab.name,
            MethodKind::Auto { .. } => "auto",
        }
    }

    /// Whether the method controls its step size from an error estimate.
    pub fn is_adaptive(self) -> bool {
        match self.kind() {
            MethodKind::Explicit(tab) => tab.is_adaptive(),
            _ => true,
        }
    }

    /// Order of accuracy of the propagated solution (`auto`: that of both its methods, 5).
    pub fn order(self) -> u32 {
        match self.kind() {
            MethodKind::Explicit(tab) => tab.order,
            MethodKind::Rosenbrock(tab) => tab.order,
            MethodKind::Auto { implicit, .. } => implicit.order,
        }
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
    "unknown solver `{0}`: expected one of euler, midpoint, heun, rk4, rk38, bosh3, dopri5, \
     tsit5, dop853 (explicit), rosenbrock23, rodas5p (implicit, for stiff problems) or auto"
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
            [
                Method::Bosh3,
                Method::Dopri5,
                Method::Tsit5,
                Method::Dop853,
                Method::Rosenbrock23,
                Method::Rodas5p,
                Method::Auto
            ]
        );
        let orders: Vec<_> = Method::ALL.into_iter().map(Method::order).collect();
        assert_eq!(orders, [1, 2, 2, 4, 4, 3, 5, 5, 8, 2, 5, 5]);
        let implicit: Vec<_> = Method::ALL
            .into_iter()
            .filter(|m| m.is_implicit())
            .collect();
        assert_eq!(
            implicit,
            [Method::Rosenbrock23, Method::Rodas5p, Method::Auto]
        );
    }
}
