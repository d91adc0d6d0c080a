//! What the implicit loops need from the caller's state type: evaluations on host rows,
//! Jacobians, and the outputs they produce.

use super::jacobian::{difference_jacobian, difference_time};
use super::step::Linearization;
use crate::observe::StepObserver;
use crate::stepper::Counted;
use crate::{Dynamics, HostRows, SolveError, SolveStats, State};

/// The dynamics seen from the host: rows in, rows out, counted.
pub(crate) struct HostSide<'a, 'f, S, F> {
    pub f: &'a mut Counted<'f, F>,
    /// A state of the solve's shape, device and dtype (host rows become states like it).
    pub template: S,
    /// The implicit method's name, for errors.
    pub method: &'static str,
}

impl<S: State, F: Dynamics<S>> HostSide<'_, '_, S, F> {
    /// Host rows → a state like the template.
    pub fn to_state(&self, y: &HostRows) -> Result<S, SolveError> {
        self.template
            .with_host_rows(y)
            .ok_or_else(|| self.no_layout(&self.template))
    }

    /// A state → host rows (one read).
    pub fn to_host(&self, s: &S) -> Result<HostRows, SolveError> {
        s.to_host_rows().ok_or_else(|| self.no_layout(s))
    }

    fn no_layout(&self, s: &S) -> SolveError {
        SolveError::NoRowLayout {
            method: self.method,
            shape: s.shape_string(),
        }
    }

    /// `f(t, y)` on host rows.
    pub fn eval(&mut self, t: f64, y: &HostRows) -> Result<HostRows, SolveError> {
        let s = self.to_state(y)?;
        let fy = self.f.eval(t, &s);
        let out = self.to_host(&fy)?;
        if out.values.len() != y.values.len() {
            return Err(SolveError::ShapeMismatch {
                state: s.shape_string(),
                returned: fy.shape_string(),
            });
        }
        Ok(HostRows::new(y.rows, y.n, out.values))
    }

    /// `∂f/∂y` and `∂f/∂t` at `(t, y)` (`y_state` is `y` as a state, `f0 = f(t, y)`): the
    /// dynamics' own where they give them, forward differences otherwise.
    pub fn linearize(
        &mut self,
        t: f64,
        y: &HostRows,
        y_state: &S,
        f0: &HostRows,
        stats: &mut SolveStats,
    ) -> Result<Linearization, SolveError> {
        stats.jacobians += 1;
        let (rows, n) = (y.rows, y.n);
        let jac = match self.f.f.jacobian(t, y_state) {
            Some(jac) if jac.len() != rows * n * n => {
                return Err(SolveError::JacobianShape {
                    what: "Jacobian ∂f/∂y",
                    rows,
                    n,
                    expected: rows * n * n,
                    got: jac.len(),
                    layout: "each row's n × n matrix, row-major, rows one after another",
                });
            }
            Some(jac) => jac,
            None => {
                let mut failure = None;
                let eps = self.template.epsilon();
                let jac = difference_jacobian(y, f0, eps, |yp| {
                    self.eval(t, yp).map_err(|e| failure = Some(e)).ok()
                });
                match (jac, failure) {
                    (Some(jac), _) => jac,
                    (None, e) => return Err(e.unwrap_or(SolveError::NonFiniteState { t, dt: 0.0 })),
                }
            }
        };
        let dfdt = if self.f.f.is_autonomous() {
            None
        } else if let Some(d) = self.f.f.time_derivative(t, y_state) {
            if d.len() != rows * n {
                return Err(SolveError::JacobianShape {
                    what: "time derivative ∂f/∂t",
                    rows,
                    n,
                    expected: rows * n,
                    got: d.len(),
                    layout: "one value per component, rows one after another",
                });
            }
            Some(d)
        } else {
            let mut failure = None;
            let d = difference_time(t, f0, self.template.epsilon(), |tt| {
                self.eval(tt, y).map_err(|e| failure = Some(e)).ok()
            });
            match (d, failure) {
                (Some(d), _) => Some(d),
                (None, e) => return Err(e.unwrap_or(SolveError::NonFiniteState { t, dt: 0.0 })),
            }
        };
        Ok(Linearization { jac, dfdt })
    }
}

/// Where a loop writes: the output times, the outputs produced so far, the statistics, and
/// the observer told of every accepted step.
pub(crate) struct Track<'r, 'o, S> {
    pub ts: &'r [f64],
    pub dir: f64,
    /// Index in `ts` of `ys[0]`.
    pub first_output: usize,
    pub ys: &'r mut Vec<S>,
    pub stats: &'r mut SolveStats,
    pub observer: Option<&'r mut (dyn StepObserver<S> + 'o)>,
}

impl<S> Track<'_, '_, S> {
    /// Index of the next output time still to produce.
    pub fn next_output(&self) -> usize {
        self.first_output + self.ys.len()
    }

    /// Whether every output is produced.
    pub fn done(&self) -> bool {
        self.next_output() >= self.ts.len()
    }
}
