//! Gradients through ODE solves: backprop, checkpointed backprop, and the backsolve and
//! interpolating adjoint methods.
//!
//! ```
//! use burn::Tensor;
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use neurode_adjoint::{AdjointOptions, GradientMethod, NeuralDynamics, odeint};
//! use neurode_backend::{Backend, Precision};
//! use neurode_solvers::SolveOptions;
//!
//! #[derive(Module, Debug)]
//! struct Field { lin: Linear }
//! impl NeuralDynamics for Field {
//!     fn forward(&self, _t: f64, y: Tensor<2>) -> Tensor<2> { self.lin.forward(y).tanh() }
//! }
//!
//! let device = neurode_backend::device(Backend::Flex, Precision::F32).unwrap().autodiff();
//! let model = Field { lin: LinearConfig::new(2, 2).init(&device) };
//! let y0 = Tensor::<2>::from_floats([[1.0, 0.5]], &device);
//! let ts = [0.0, 0.5, 1.0];
//! let opts = SolveOptions::adaptive(1e-6, 1e-8);
//! // One word switches the method: GradientMethod::Backprop.
//! let method = GradientMethod::Adjoint(AdjointOptions::new().with_seminorm(true));
//! let traj = odeint(&model, y0, &ts, &opts, &method).unwrap();
//! let loss = traj.ys.clone().powi_scalar(2).mean();
//! let grads = traj.backward(loss).unwrap();
//! assert_eq!(grads.y0.dims(), [1, 2]);
//! println!("forward NFE {}, backward NFE {}", grads.forward.nfe, grads.backward.nfe);
//! // grads.params feeds Burn's optimizers: optim.step(lr, model, grads.params)
//! ```
//!
//! * [`odeint`] returns a [`Trajectory`] whose `ys` is an ordinary autodiff tensor: build any
//!   loss from it, then [`Trajectory::backward`] returns [`OdeGradients`] (`GradientsParams`
//!   for the optimizer, `∂L/∂y₀`, forward and backward statistics).
//! * [`adjoint_backward`] is the backward pass alone, for users who bring `∂L/∂y(tᵢ)`.
//! * [`odeint_rows`] solves every batch row on its own clock (own output times, steps and
//!   status) and differentiates through it by any of the four methods (the adjoints' backward
//!   solves on each row's own clock, one shared parameter accumulator).
//! * [`odeint_event`] solves each row until its event (a condition crossing zero) and makes
//!   the event time and state differentiable by the implicit-function theorem, for every
//!   method; [`backward_events`] differentiates chained event solves end to end.
//!
//! | method | gradient | memory | work |
//! |---|---|---|---|
//! | [`GradientMethod::Backprop`] | exact for the solve taken | tape of every step | 1 forward on the tape, 1 backward |
//! | [`GradientMethod::Checkpointed`] | same as backprop | a budget of states + one step's tape | 1 forward, ~1–3 recomputations, 1 taped replay |
//! | [`GradientMethod::Adjoint`] | to the backward tolerances; wrong for contracting dynamics | flat | 1 forward, 1 backward solve of `[y, a, g]` |
//! | [`GradientMethod::Interpolated`] | to the tolerances of both solves | a few states per forward step | 1 forward, 1 backward solve of `[a, g]` |

mod augmented;
mod backward;
mod backward_implicit;
mod checkpointed;
mod dynamics;
mod error;
mod event;
mod event_backward;
mod method;
mod odeint;
mod params;
mod rows;
mod rows_backward;
mod rows_checkpointed;
mod schedule;
mod vjp;

pub use backward::{OdeGradients, adjoint_backward};
pub use dynamics::NeuralDynamics;
pub use error::AdjointError;
pub use event::{EventTrajectory, NeuralCondition, odeint_event};
pub use event_backward::{EventGradients, backward_events};
pub use method::{AdjointOptions, CheckpointOptions, GradientMethod};
pub use odeint::{Trajectory, add_gradients, odeint};
pub use rows::{RowTrajectory, odeint_rows};
