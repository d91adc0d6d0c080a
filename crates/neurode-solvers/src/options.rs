//! Solver options, validated once before a solve starts.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::tableau::{self, InterpolantKind, Tableau};
use crate::{Method, PiController, SolveError};

/// Whose conventions a solve follows where ODE libraries differ in more than the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// neurode's (scipy's and diffrax's): adaptive steps land exactly on the last output time,
    /// so the dynamics are never evaluated past it; dense output by the method's own
    /// interpolant (cubic Hermite for the fixed-step methods and `bosh3`); `steps`/`step_size`
    /// grids end on the last output time.
    #[default]
    Neurode,
    /// torchdiffeq's `odeint`, step for step (ported recipes give the same numbers):
    /// adaptive methods step past the last output time and interpolate back with torchdiffeq's
    /// quartic through the step's midpoint (`dopri5` and `bosh3`, the methods both libraries
    /// share; `dopri5` estimates its error with torchdiffeq's embedded solution); fixed-step outputs between grid points are straight lines, and a `step_size`
    /// grid has torchdiffeq's `ceil(span / h + 1)` points. Pair it with
    /// [`PiController::integral`], torchdiffeq's step-size rule.
    Torchdiffeq,
}

/// Everything that controls a solve. Defaults follow torchdiffeq: DOPRI5, `rtol = 1e-7`,
/// `atol = 1e-9`.
///
/// ```
/// use neurode_solvers::{Method, SolveOptions};
/// let adaptive = SolveOptions::new().with_rtol(1e-5).with_atol(1e-7);
/// let fixed = SolveOptions::new().with_method(Method::Rk4).with_steps(Some(20));
/// assert!(adaptive.validate().is_ok() && fixed.validate().is_ok());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct SolveOptions {
    /// The Runge–Kutta method.
    #[config(default = "Method::Dopri5")]
    pub method: Method,
    /// Relative tolerance (adaptive methods).
    #[config(default = 1e-7)]
    pub rtol: f64,
    /// Absolute tolerance (adaptive methods).
    #[config(default = 1e-9)]
    pub atol: f64,
    /// First step size (adaptive); by default Hairer's automatic initial step.
    pub first_step: Option<f64>,
    /// Smallest step the controller may take (adaptive); going below is a
    /// [`SolveError::StepSizeUnderflow`].
    pub min_step: Option<f64>,
    /// Largest step the controller may take (adaptive).
    pub max_step: Option<f64>,
    /// Maximum number of steps (accepted + rejected) before [`SolveError::MaxStepsExceeded`].
    #[config(default = 100_000)]
    pub max_steps: usize,
    /// Fixed step size (the last step is shortened to land on the end time). Required by
    /// fixed-step methods; with an adaptive method it turns step-size control off.
    pub step_size: Option<f64>,
    /// Number of equal fixed steps over the whole time span (instead of `step_size`).
    pub steps: Option<usize>,
    /// The step-size controller (adaptive).
    #[config(default = "PiController::default()")]
    pub controller: PiController,
    /// Whose conventions to follow where libraries differ (end of span, dense output).
    #[config(default = "Convention::Neurode")]
    pub convention: Convention,
}

impl SolveOptions {
    /// Whether the solve takes fixed steps: always for fixed-step methods, and for adaptive
    /// methods when `step_size` or `steps` is set (their error estimate is then unused).
    pub fn is_fixed_step(&self) -> bool {
        !self.method.is_adaptive() || self.step_size.is_some() || self.steps.is_some()
    }

    /// The tableau the method has under the convention (torchdiffeq's DOPRI5 estimates its
    /// error with another embedded solution).
    pub fn tableau(&self) -> &'static Tableau {
        match (self.convention, self.method) {
            (Convention::Torchdiffeq, Method::Dopri5) => &tableau::DOPRI5_TORCHDIFFEQ,
            _ => self.method.tableau(),
        }
    }

    /// The dense output these options give (an error for a convention the method lacks).
    pub(crate) fn interpolant(&self) -> Result<InterpolantKind, SolveError> {
        let tab = self.tableau();
        match self.convention {
            Convention::Neurode => Ok(tab.interpolant),
            Convention::Torchdiffeq if self.is_fixed_step() => Ok(InterpolantKind::Linear),
            Convention::Torchdiffeq => match tab.midpoint {
                Some(mid) => Ok(InterpolantKind::MidpointQuartic(mid)),
                None => Err(SolveError::OptionNotApplicable {
                    option: "convention",
                    method: tab.name,
                    hint: "torchdiffeq's adaptive conventions apply to dopri5 and bosh3 (the \
                           adaptive methods both libraries share); use the neurode convention",
                }),
            },
        }
    }

    /// Checks every option and says what to change when one is wrong.
    pub fn validate(&self) -> Result<(), SolveError> {
        self.interpolant()?;
        let method = self.method.name();
        if self.method.is_adaptive() {
            for (name, value) in [("rtol", self.rtol), ("atol", self.atol)] {
                if !(value.is_finite() && value > 0.0) {
                    return Err(SolveError::InvalidTolerance { name, value });
                }
            }
            for (name, value) in [
                ("first_step", self.first_step),
                ("min_step", self.min_step),
                ("max_step", self.max_step),
            ] {
                if let Some(v) = value
                    && !(v.is_finite() && v > 0.0)
                {
                    return Err(SolveError::InvalidOption {
                        name,
                        value: v,
                        expected: "a finite step length > 0 (the sign follows the time grid)",
                    });
                }
            }
            if let (Some(lo), Some(hi)) = (self.min_step, self.max_step)
                && lo > hi
            {
                return Err(SolveError::InvalidOption {
                    name: "min_step",
                    value: lo,
                    expected: "min_step ≤ max_step",
                });
            }
            if !self.controller.is_valid() {
                return Err(SolveError::InvalidOption {
                    name: "controller",
                    value: self.controller.safety,
                    expected: "0 < safety ≤ 1, 0 < min_factor ≤ 1 ≤ max_factor, p_gain > 0, i_gain ≥ 0",
                });
            }
        }
        if self.is_fixed_step() {
            match (self.step_size, self.steps) {
                (None, None) => return Err(SolveError::MissingStepSize { method }),
                (Some(_), Some(_)) => {
                    return Err(SolveError::OptionNotApplicable {
                        option: "step_size",
                        method,
                        hint: "give either `step_size` or `steps`, not both",
                    });
                }
                (Some(h), None) if !(h.is_finite() && h > 0.0) => {
                    return Err(SolveError::InvalidOption {
                        name: "step_size",
                        value: h,
                        expected: "a finite step length > 0 (the sign follows the time grid)",
                    });
                }
                (None, Some(0)) => {
                    return Err(SolveError::InvalidOption {
                        name: "steps",
                        value: 0.0,
                        expected: "at least 1 step",
                    });
                }
                _ => {}
            }
        }
        if self.max_steps == 0 {
            return Err(SolveError::InvalidOption {
                name: "max_steps",
                value: 0.0,
                expected: "at least 1",
            });
        }
        Ok(())
    }
}
