//! How a run's gradients flow through its solves, with the options only that method has (a
//! checkpoint budget cannot be written for the adjoint, nor a seminorm for backprop).

use neurode_adjoint::{AdjointOptions, CheckpointOptions, GradientMethod};
use neurode_solvers::{PiController, SolveOptions};
use serde::{Deserialize, Serialize};

/// The gradient method of a run: [`GradientMethod`] whose adjoint solves backwards with the
/// run's own solver (torchdiffeq's `odeint_adjoint` default), so the solver is set in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum GradientConfig {
    /// Backpropagation through the solver steps (a struct variant, so a stray option of
    /// another method is refused when read).
    Backprop {},
    /// The adjoint method (backward tolerances = forward ones).
    Adjoint {
        /// Leave the parameter channels out of the backward error norm.
        #[serde(default)]
        seminorm: bool,
    },
    /// Backprop's gradients at bounded memory: checkpoints, then each stretch re-run on the
    /// tape (diffrax's `RecursiveCheckpointAdjoint`).
    Checkpoint {
        /// States held at once; absent: about 2√n for n solver steps.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checkpoints: Option<usize>,
    },
    /// The interpolating adjoint: the backward solve reads `y(t)` from the forward solve's
    /// dense output instead of integrating it backwards (right for contracting dynamics).
    Interpolated {
        /// Leave the parameter channels out of the backward error norm.
        #[serde(default)]
        seminorm: bool,
    },
}

impl GradientConfig {
    /// Every method with its default options.
    pub const ALL: [GradientConfig; 4] = [
        GradientConfig::Adjoint { seminorm: false },
        GradientConfig::Backprop {},
        GradientConfig::Checkpoint { checkpoints: None },
        GradientConfig::Interpolated { seminorm: false },
    ];

    /// The method's name (`adjoint`, `backprop`, `checkpoint`, `interpolated`).
    pub fn name(self) -> &'static str {
        match self {
            GradientConfig::Backprop {} => "backprop",
            GradientConfig::Adjoint { .. } => "adjoint",
            GradientConfig::Checkpoint { .. } => "checkpoint",
            GradientConfig::Interpolated { .. } => "interpolated",
        }
    }

    /// The method named `name` (as [`GradientConfig::name`] writes it), default options.
    pub fn named(name: &str) -> Option<Self> {
        GradientConfig::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The same method with the seminorm on or off; `None` for a method without a backward
    /// solve.
    pub fn with_seminorm(self, on: bool) -> Option<Self> {
        match self {
            GradientConfig::Adjoint { .. } => Some(GradientConfig::Adjoint { seminorm: on }),
            GradientConfig::Interpolated { .. } => {
                Some(GradientConfig::Interpolated { seminorm: on })
            }
            _ => None,
        }
    }

    /// The library's gradient method, its backward solve `solver` (the run's forward one).
    pub fn method(self, solver: &SolveOptions) -> GradientMethod {
        let adjoint = |seminorm| {
            AdjointOptions::new()
                .with_solve(solver.clone())
                .with_seminorm(seminorm)
        };
        match self {
            GradientConfig::Backprop {} => GradientMethod::Backprop,
            GradientConfig::Adjoint { seminorm } => GradientMethod::Adjoint(adjoint(seminorm)),
            GradientConfig::Interpolated { seminorm } => {
                GradientMethod::Interpolated(adjoint(seminorm))
            }
            GradientConfig::Checkpoint { checkpoints } => {
                GradientMethod::Checkpointed(CheckpointOptions::new().with_checkpoints(checkpoints))
            }
        }
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for GradientConfig {
    fn value_variants<'a>() -> &'a [Self] {
        &GradientConfig::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// The adaptive solvers' step-size controller by name (the config holds its gains).
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControllerKind {
    /// The plain integral controller `dt · 0.9 · e^(−1/k)`: the default of torchdiffeq (the
    /// reference implementation of `../shared/anchors`), diffrax and SciPy.
    Integral,
    /// Hairer's PI controller (DOPRI5: `β₁ = 0.17`, `β₂ = 0.04`), `neurode_solvers`' default:
    /// smoother step sequences and smaller errors at the same tolerances, for more steps
    /// (on paper 000's workload ~20% more evaluations).
    Pi,
}

impl ControllerKind {
    /// The controller's settings.
    pub fn settings(self) -> PiController {
        match self {
            ControllerKind::Integral => PiController::integral(),
            ControllerKind::Pi => PiController::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_read_and_write_with_their_own_options() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct G {
            gradient: GradientConfig,
        }
        for gradient in GradientConfig::ALL {
            let text = toml::to_string(&G { gradient }).unwrap();
            assert_eq!(toml::from_str::<G>(&text).unwrap().gradient, gradient);
        }
        let g: G = toml::from_str("[gradient]\nmethod = \"adjoint\"\nseminorm = true\n").unwrap();
        assert_eq!(g.gradient, GradientConfig::Adjoint { seminorm: true });
        // An option of another method does not read.
        assert!(
            toml::from_str::<G>("[gradient]\nmethod = \"backprop\"\nseminorm = true\n").is_err()
        );
        assert!(
            toml::from_str::<G>("[gradient]\nmethod = \"adjoint\"\ncheckpoints = 3\n").is_err()
        );
    }
}
