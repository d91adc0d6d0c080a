//! The right-hand side `f(t, y)` of an ODE `dy/dt = f(t, y)`.

/// The dynamics of an ODE: `dy/dt = f(t, y)` over a (batched) state `S`.
///
/// Any `Fn(f64, &S) -> S` is dynamics, so a closure over Burn tensors is enough:
///
/// ```
/// use burn::Tensor;
/// use neurode_solvers::Dynamics;
///
/// let decay = |_t: f64, y: &Tensor<2>| y.clone().neg();
/// fn takes(_f: &impl Dynamics<Tensor<2>>) {}
/// takes(&decay);
/// ```
///
/// The returned derivative must have the shape of `y`; the solver checks this once, at the
/// first evaluation.
pub trait Dynamics<S> {
    /// Evaluates `f(t, y)`.
    fn eval(&self, t: f64, y: &S) -> S;

    /// `∂f/∂y` at `(t, y)` for the implicit methods: each row's `n × n` Jacobian, row-major,
    /// rows one after another (`rows · n · n` values, the layout of [`crate::HostRows`]).
    /// `None` (the default, and every closure) makes the solver difference it: `n` evaluations
    /// of the whole batch, one per component, since rows are independent systems.
    /// [`crate::WithJacobian`] supplies an exact one.
    fn jacobian(&self, t: f64, y: &S) -> Option<Vec<f64>> {
        let _ = (t, y);
        None
    }

    /// `∂f/∂t` at `(t, y)` (`rows · n` values) for the implicit methods; `None` (the default)
    /// makes the solver difference it (one evaluation).
    fn time_derivative(&self, t: f64, y: &S) -> Option<Vec<f64>> {
        let _ = (t, y);
        None
    }

    /// Whether `f` does not depend on `t` (then `∂f/∂t = 0` and the implicit methods skip it);
    /// `false` by default.
    fn is_autonomous(&self) -> bool {
        false
    }
}

impl<S, F> Dynamics<S> for F
where
    F: Fn(f64, &S) -> S,
{
    fn eval(&self, t: f64, y: &S) -> S {
        self(t, y)
    }
}
