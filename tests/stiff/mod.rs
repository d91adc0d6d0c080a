//! Stiff problems in f64 on the CPU backends: Rodas5P and Rosenbrock23 against reference
//! solutions (Robertson, Van der Pol μ = 1000, HIRES), their convergence orders, Hairer's
//! stiffness test in DOPRI5 and DOP853, `auto`'s switching, and what implicit methods refuse.
//! (A module of the `solvers_f64` test binary.)

mod detection;
mod gradients;
mod problems;
mod solve;
