//! `∂f/∂y` and `∂f/∂t` for the implicit methods: the dynamics' own, or forward differences.

use crate::{Dynamics, HostRows};

/// Dynamics with an exact Jacobian: `f` as before, and `jac(t, y)` returning each row's
/// `n × n` matrix `∂f/∂y` row-major, rows one after another (`rows · n · n` values), which the
/// implicit methods then use instead of differencing `f` (`n` evaluations a Jacobian).
///
/// ```
/// use neurode_solvers::{Dynamics, WithJacobian};
/// // y' = −50 y on one row of one component: J = [−50].
/// let f = WithJacobian::new(
///     |_t: f64, y: &Vec<f64>| vec![-50.0 * y[0]],
///     |_t: f64, _y: &Vec<f64>| vec![-50.0],
/// )
/// .autonomous();
/// assert_eq!(f.jacobian(0.0, &vec![1.0]), Some(vec![-50.0]));
/// assert!(f.is_autonomous());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WithJacobian<F, J> {
    f: F,
    jac: J,
    autonomous: bool,
}

impl<F, J> WithJacobian<F, J> {
    /// `f` with the Jacobian `jac`.
    pub fn new(f: F, jac: J) -> Self {
        Self {
            f,
            jac,
            autonomous: false,
        }
    }

    /// Declares that `f` does not depend on `t`, so `∂f/∂t = 0` (saves one evaluation per
    /// Jacobian).
    pub fn autonomous(mut self) -> Self {
        self.autonomous = true;
        self
    }
}

impl<S, F, J> Dynamics<S> for WithJacobian<F, J>
where
    F: Dynamics<S>,
    J: Fn(f64, &S) -> Vec<f64>,
{
    fn eval(&self, t: f64, y: &S) -> S {
        self.f.eval(t, y)
    }

    fn jacobian(&self, t: f64, y: &S) -> Option<Vec<f64>> {
        Some((self.jac)(t, y))
    }

    fn time_derivative(&self, t: f64, y: &S) -> Option<Vec<f64>> {
        self.f.time_derivative(t, y)
    }

    fn is_autonomous(&self) -> bool {
        self.autonomous || self.f.is_autonomous()
    }
}

/// The forward-difference step for component value `x` on a device of unit roundoff `eps`:
/// Hairer's `√(ε · max(10⁻⁵, |x|))` (`radau5.f`), which keeps a component far below one
/// (Robertson's `y₂ ≈ 10⁻⁵`) resolved, rounded so that `x + δ` is exactly representable.
pub(crate) fn difference_step(x: f64, eps: f64) -> f64 {
    let delta = (eps * x.abs().max(1e-5)).sqrt();
    (x + delta) - x
}

/// Each row's `∂f/∂y` by forward differences: one evaluation of the whole batch per
/// component `j` (every row's `yⱼ` perturbed at once — rows are independent systems, so
/// column `j` of every row's Jacobian comes out of the same evaluation). `f0 = f(t, y)`.
pub(crate) fn difference_jacobian(
    y: &HostRows,
    f0: &HostRows,
    eps: f64,
    mut eval: impl FnMut(&HostRows) -> Option<HostRows>,
) -> Option<Vec<f64>> {
    let (rows, n) = (y.rows, y.n);
    let mut jac = vec![0.0; rows * n * n];
    for j in 0..n {
        let mut perturbed = y.clone();
        let mut deltas = vec![0.0; rows];
        for (r, delta) in deltas.iter_mut().enumerate() {
            let x = &mut perturbed.values[r * n + j];
            *delta = difference_step(*x, eps);
            *x += *delta;
        }
        let fj = eval(&perturbed)?;
        for (r, delta) in deltas.iter().enumerate() {
            for i in 0..n {
                let (a, b) = (fj.values[r * n + i], f0.values[r * n + i]);
                jac[r * n * n + i * n + j] = (a - b) / delta;
            }
        }
    }
    Some(jac)
}

/// `∂f/∂t` by a forward difference in time: one evaluation.
pub(crate) fn difference_time(
    t: f64,
    f0: &HostRows,
    eps: f64,
    mut eval: impl FnMut(f64) -> Option<HostRows>,
) -> Option<Vec<f64>> {
    let dt = difference_step(t, eps);
    let ft = eval(t + dt)?;
    Some(
        ft.values
            .iter()
            .zip(&f0.values)
            .map(|(a, b)| (a - b) / dt)
            .collect(),
    )
}
