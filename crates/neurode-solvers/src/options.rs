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
    /// interpolant (cubic Hermite for the fixed-step methods and `bosh3`); a step-size grid
    /// ends on the last output time.
    #[default]
    Neurode,
    /// torchdiffeq's `odeint`, step for step (ported recipes give the same numbers):
    /// adaptive methods step past the last output time and interpolate back with torchdiffeq's
    /// quartic through the step's midpoint (`dopri5` and `bosh3`, the methods both libraries
    /// share; `dopri5` estimates its error with torchdiffeq's embedded solution); fixed-step
    /// outputs between grid points are straight lines, and a step-size grid has torchdiffeq's
    /// `ceil(span / h + 1)` points. Pair it with [`PiController::integral`], torchdiffeq's
    /// step-size rule.
    Torchdiffeq,
}

/// Tolerances and step-size control of an adaptive solve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adaptive {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// The step-size controller.
    #[serde(default)]
    pub controller: PiController,
    /// First step size; by default Hairer's automatic initial step.
    #[serde(default)]
    pub first_step: Option<f64>,
    /// Smallest step the controller may take; going below is a
    /// [`SolveError::StepSizeUnderflow`].
    #[serde(default)]
    pub min_step: Option<f64>,
    /// Largest step the controller may take.
    #[serde(default)]
    pub max_step: Option<f64>,
}

impl Adaptive {
    /// Tolerances `rtol`, `atol` with Hairer's PI controller and no step bounds.
    pub fn new(rtol: f64, atol: f64) -> Self {
        Self {
            rtol,
            atol,
            controller: PiController::default(),
            first_step: None,
            min_step: None,
            max_step: None,
        }
    }

    /// Another step-size controller.
    pub fn with_controller(mut self, controller: PiController) -> Self {
        self.controller = controller;
        self
    }

    /// A given first step instead of Hairer's automatic one.
    pub fn with_first_step(mut self, h: f64) -> Self {
        self.first_step = Some(h);
        self
    }

    /// A lower bound on the step size.
    pub fn with_min_step(mut self, h: f64) -> Self {
        self.min_step = Some(h);
        self
    }

    /// An upper bound on the step size.
    pub fn with_max_step(mut self, h: f64) -> Self {
        self.max_step = Some(h);
        self
    }

    fn validate(&self) -> Result<(), SolveError> {
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
        Ok(())
    }
}

impl Default for Adaptive {
    /// torchdiffeq's defaults: `rtol = 1e-7`, `atol = 1e-9`.
    fn default() -> Self {
        Self::new(1e-7, 1e-9)
    }
}

/// How a solve chooses its steps: one of three, so no two step settings can contradict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stepping {
    /// Step-size control from the method's embedded error estimate (adaptive methods only).
    Adaptive(Adaptive),
    /// This many equal steps over the whole time span.
    Steps(usize),
    /// Steps of this length; the last one ends on the last output time.
    StepSize(f64),
}

impl Default for Stepping {
    fn default() -> Self {
        Stepping::Adaptive(Adaptive::default())
    }
}

/// Everything that controls a solve: the method, how it steps, a step budget and whose
/// conventions it follows. Defaults follow torchdiffeq: DOPRI5, `rtol = 1e-7`, `atol = 1e-9`.
///
/// ```
/// use neurode_solvers::{Adaptive, Method, PiController, SolveOptions, Stepping};
/// let adaptive = SolveOptions::adaptive(1e-5, 1e-7);
/// let integral = SolveOptions::new()
///     .with_stepping(Stepping::Adaptive(Adaptive::new(1e-5, 1e-7).with_controller(PiController::integral())));
/// let fixed = SolveOptions::steps(Method::Rk4, 20);
/// assert!(adaptive.validate().is_ok() && integral.validate().is_ok() && fixed.validate().is_ok());
/// // A fixed-step method cannot be adaptive: the error says what to give instead.
/// assert!(SolveOptions::adaptive(1e-5, 1e-7).with_method(Method::Euler).validate().is_err());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct SolveOptions {
    /// The Runge–Kutta method.
    #[config(default = "Method::Dopri5")]
    pub method: Method,
    /// How steps are chosen.
    #[config(default = "Stepping::default()")]
    pub stepping: Stepping,
    /// Maximum number of steps (accepted + rejected) before [`SolveError::MaxStepsExceeded`].
    #[config(default = 100_000)]
    pub max_steps: usize,
    /// Whose conventions to follow where libraries differ (end of span, dense output).
    #[config(default = "Convention::Neurode")]
    pub convention: Convention,
}

impl SolveOptions {
    /// DOPRI5 with tolerances `rtol`, `atol` (Hairer's PI controller).
    pub fn adaptive(rtol: f64, atol: f64) -> Self {
        Self::new().with_stepping(Stepping::Adaptive(Adaptive::new(rtol, atol)))
    }

    /// `method` with `n` equal steps over the time span.
    pub fn steps(method: Method, n: usize) -> Self {
        Self::new()
            .with_method(method)
            .with_stepping(Stepping::Steps(n))
    }

    /// `method` with steps of length `h`.
    pub fn step_size(method: Method, h: f64) -> Self {
        Self::new()
            .with_method(method)
            .with_stepping(Stepping::StepSize(h))
    }

    /// The adaptive settings, when the solve is adaptive.
    pub fn adaptive_settings(&self) -> Option<&Adaptive> {
        match &self.stepping {
            Stepping::Adaptive(a) => Some(a),
            _ => None,
        }
    }

    /// The number of steps a fixed-step solve over `ts` takes (`None` when adaptive or when
    /// `ts` spans no time).
    pub fn fixed_step_count(&self, ts: &[f64]) -> Option<usize> {
        let span = (ts.last()? - ts.first()?).abs();
        let grid = match self.stepping {
            Stepping::Adaptive(_) => return None,
            Stepping::Steps(n) => Grid::Steps(n),
            Stepping::StepSize(h) => Grid::Size(h),
        };
        (span > 0.0).then(|| grid.count(span, self.convention).0)
    }

    /// Whether the solve takes fixed steps.
    pub fn is_fixed_step(&self) -> bool {
        !matches!(self.stepping, Stepping::Adaptive(_))
    }

    /// The explicit tableau the method has under the convention (torchdiffeq's DOPRI5
    /// estimates its error with another embedded solution); `None` for the implicit methods.
    pub fn tableau(&self) -> Option<&'static Tableau> {
        match (self.convention, self.method) {
            (Convention::Torchdiffeq, Method::Dopri5) => Some(&tableau::DOPRI5_TORCHDIFFEQ),
            _ => self.method.tableau(),
        }
    }

    /// [`SolveOptions::tableau`], or the error that `what` (a feature) takes explicit methods
    /// only.
    pub(crate) fn explicit_tableau(
        &self,
        what: &'static str,
    ) -> Result<&'static Tableau, SolveError> {
        self.tableau().ok_or(SolveError::ExplicitOnly {
            method: self.method.name(),
            what,
        })
    }

    /// The dense output these options give (an error for a convention the method lacks; the
    /// implicit methods have their own and only neurode's convention).
    pub(crate) fn interpolant(&self) -> Result<InterpolantKind, SolveError> {
        let Some(tab) = self.tableau() else {
            return match self.convention {
                Convention::Neurode => Ok(InterpolantKind::Hermite),
                Convention::Torchdiffeq => Err(SolveError::OptionNotApplicable {
                    option: "convention",
                    method: self.method.name(),
                    hint: "torchdiffeq has no implicit methods to follow; use the neurode \
                           convention",
                }),
            };
        };
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
        let method = self.method.name();
        match self.stepping {
            Stepping::Adaptive(a) => {
                if !self.method.is_adaptive() {
                    return Err(SolveError::MissingStepSize { method });
                }
                a.validate()?;
            }
            Stepping::StepSize(h) if !(h.is_finite() && h > 0.0) => {
                return Err(SolveError::InvalidOption {
                    name: "step_size",
                    value: h,
                    expected: "a finite step length > 0 (the sign follows the time grid)",
                });
            }
            Stepping::Steps(0) => {
                return Err(SolveError::InvalidOption {
                    name: "steps",
                    value: 0.0,
                    expected: "at least 1 step",
                });
            }
            _ => {}
        }
        if self.method == Method::Auto && self.is_fixed_step() {
            return Err(SolveError::OptionNotApplicable {
                option: if matches!(self.stepping, Stepping::Steps(_)) {
                    "steps"
                } else {
                    "step_size"
                },
                method,
                hint: "auto switches methods by the stiffness test of adaptive steps: give \
                       tolerances, or take fixed steps with rodas5p or rosenbrock23",
            });
        }
        if self.max_steps == 0 {
            return Err(SolveError::InvalidOption {
                name: "max_steps",
                value: 0.0,
                expected: "at least 1",
            });
        }
        self.interpolant()?;
        Ok(())
    }
}

/// Node `i` of a fixed-step grid of `n` steps from `t0` to `t_end` (the last node is `t_end`
/// exactly; equal steps are placed by proportion, steps of length `h` by multiples).
pub(crate) fn fixed_node(
    i: usize,
    n: usize,
    t0: f64,
    t_end: f64,
    h: f64,
    dir: f64,
    grid: Grid,
) -> f64 {
    if i == n {
        t_end
    } else if matches!(grid, Grid::Steps(_)) {
        t0 + (t_end - t0) * (i as f64 / n as f64)
    } else {
        t0 + dir * h * i as f64
    }
}

/// A fixed-step grid: equal steps over the span, or steps of a given length.
#[derive(Clone, Copy)]
pub(crate) enum Grid {
    Steps(usize),
    Size(f64),
}

impl Grid {
    /// The number of steps over `span` (> 0) and their length.
    pub(crate) fn count(self, span: f64, convention: Convention) -> (usize, f64) {
        match self {
            Grid::Steps(n) => (n, span / n as f64),
            // torchdiffeq: `ceil(span / h + 1)` grid points, the last moved onto the end.
            Grid::Size(h) if convention == Convention::Torchdiffeq => {
                (((span / h + 1.0).ceil() - 1.0).max(1.0) as usize, h)
            }
            Grid::Size(h) => (((span / h) * (1.0 - 1e-12)).ceil().max(1.0) as usize, h),
        }
    }
}
