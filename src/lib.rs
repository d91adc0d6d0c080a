//! # neurode — Neural ODEs in Rust on Burn
//!
//! This facade re-exports the workspace crates, and [`burn`] itself, so one dependency gives
//! the whole library:
//!
//! ```
//! use burn::Tensor;
//! use neurode::backend::{Backend, Precision};
//! use neurode::solvers::{SolveOptions, solve};
//!
//! let device = neurode::backend::device(Backend::default(), Precision::F32).unwrap();
//! let y0 = Tensor::<2>::from_floats([[2.0, 0.0]], &device);
//! let ts: Vec<f64> = (0..=25).map(f64::from).collect();
//! let sol = solve(&|_t: f64, y: &Tensor<2>| y.clone().neg(), y0, &ts, &SolveOptions::new()).unwrap();
//! assert_eq!(sol.ys.len(), 26);
//! ```
//!
//! | crate | what it holds |
//! |---|---|
//! | [`backend`] | `Backend { Flex, Ndarray, Wgpu }` × `Precision` → Burn `Device` |
//! | [`kernels`] | fused flex kernels: a layer with its activation, a Runge–Kutta stage, `tanh` |
//! | [`solvers`] | explicit Runge–Kutta solvers, adaptive control, dense output |
//! | [`adjoint`] | gradients through solves: backprop and the adjoint method (seminorm) |
//! | [`models`] | the papers' dynamics nets, `NeuralOde`, ODE classifier, ResNet baseline |
//! | [`datasets`] | spiral trajectories, two-spiral classification, CSV loaders, samplers |
//! | [`train`] | the trainer and its tasks, Adam, schedules, curricula, losses, metrics |
//! | [`run`] | whole runs: configs, recipes, run folders, checkpoints, figures, progress |

pub use burn;
pub use neurode_adjoint as adjoint;
pub use neurode_backend as backend;
pub use neurode_datasets as datasets;
pub use neurode_kernels as kernels;
pub use neurode_models as models;
pub use neurode_run as run;
pub use neurode_solvers as solvers;
pub use neurode_train as train;

/// The README's code blocks, compiled (and the runnable ones run) as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
