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
}

impl<S, F> Dynamics<S> for F
where
    F: Fn(f64, &S) -> S,
{
    fn eval(&self, t: f64, y: &S) -> S {
        self(t, y)
    }
}
