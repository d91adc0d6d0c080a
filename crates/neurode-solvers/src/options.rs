//! Solver options, validated once before a solve starts.

use burn::config::Config;

use crate::{Method, PiController, SolveError};

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
}

impl SolveOptions {
    /// Whether the solve takes fixed steps: always for fixed-step methods, and for adaptive
    /// methods when `step_size` or `steps` is set (their error estimate is then unused).
    pub fn is_fixed_step(&self) -> bool {
        !self.method.is_adaptive() || self.step_size.is_some() || self.steps.is_some()
    }

    /// Checks every option and says what to change when one is wrong.
    pub fn validate(&self) -> Result<(), SolveError> {
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
