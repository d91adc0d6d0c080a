//! An event as a value: conditions `g(t, y)`, a direction and terminality each, a tolerance.

use burn::Tensor;

use crate::SolveError;

/// Which zero crossings of a condition count, in the order of integration (for a row solved
/// backwards in time, `Up` is `g` rising as `t` decreases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// `g` goes from negative to non-negative (rising through zero).
    Up,
    /// `g` goes from positive to non-positive (falling through zero).
    Down,
    /// Both.
    #[default]
    Either,
}

impl Direction {
    /// Whether `g` going from `g0` to `g1` over a step crosses zero this way (a condition that
    /// is exactly zero at the step's start does not cross: it does not fire where it starts).
    pub fn crosses(self, g0: f64, g1: f64) -> bool {
        let up = g0 < 0.0 && g1 >= 0.0;
        let down = g0 > 0.0 && g1 <= 0.0;
        match self {
            Direction::Up => up,
            Direction::Down => down,
            Direction::Either => up || down,
        }
    }
}

/// How one condition acts: the crossings it reacts to, and whether it stops its row.
///
/// Give chained solves a direction: a solve restarted at an event (reported up to the
/// tolerance past the crossing) with a reset that slows the condition down (a bounce with
/// restitution below 1) may take longer than the tolerance to come back through zero, which
/// `Either` would count as a new crossing and `Down` for a floor does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing {
    /// The crossings that count.
    pub direction: Direction,
    /// Whether the row stops at the first such crossing (else its crossings are recorded and
    /// the row goes on).
    pub terminal: bool,
}

impl Crossing {
    /// A terminal condition reacting to rising crossings.
    pub fn up() -> Self {
        Self {
            direction: Direction::Up,
            terminal: true,
        }
    }

    /// A terminal condition reacting to falling crossings.
    pub fn down() -> Self {
        Self {
            direction: Direction::Down,
            terminal: true,
        }
    }

    /// A terminal condition reacting to crossings either way.
    pub fn either() -> Self {
        Self {
            direction: Direction::Either,
            terminal: true,
        }
    }

    /// The same condition, recording its crossings without stopping the row.
    pub fn non_terminal(self) -> Self {
        Self {
            terminal: false,
            ..self
        }
    }
}

/// The conditions of an event: `g(t, y)` for every row of a `[rows, dim]` state, each row at
/// its own time (`t` is a `[rows, 1]` column on the state's device), returning `[rows, k]`,
/// one column per condition.
///
/// Any `Fn(&Tensor<2>, &Tensor<2>) -> Tensor<2>` is a condition:
///
/// ```
/// use burn::Tensor;
/// use neurode_solvers::EventCondition;
///
/// // The first state component (a height) and the time past 2.
/// let g = |t: &Tensor<2>, y: &Tensor<2>| {
///     let n = y.dims()[0];
///     Tensor::cat(vec![y.clone().slice([0..n, 0..1]), t.clone().sub_scalar(2.0)], 1)
/// };
/// fn takes(_g: &impl EventCondition) {}
/// takes(&g);
/// ```
pub trait EventCondition {
    /// `g(tᵢ, yᵢ)` for every row `i`, `[rows, k]`.
    fn eval(&self, t: &Tensor<2>, y: &Tensor<2>) -> Tensor<2>;
}

impl<G> EventCondition for G
where
    G: Fn(&Tensor<2>, &Tensor<2>) -> Tensor<2>,
{
    fn eval(&self, t: &Tensor<2>, y: &Tensor<2>) -> Tensor<2> {
        self(t, y)
    }
}

/// An event: conditions `g(t, y)` (any [`EventCondition`], `[rows, k]`), one [`Crossing`] per
/// condition, and the tolerance to which crossing times are found.
///
/// A row's event is the earliest crossing of a terminal condition: it is located on the
/// step's dense output by a bracketing root finder (Illinois) to within `tolerance` in time,
/// and reported at the end of the narrowed bracket after the crossing. A condition does not
/// fire where its row starts: neither when it is exactly zero there nor when it crosses
/// within `tolerance` of the start (a solve restarted at an event, its state a rounding error
/// on either side of the crossing, does not see that event again).
#[derive(Debug, Clone)]
pub struct Event<G> {
    /// The conditions.
    pub condition: G,
    /// How each condition acts (its length is the number of conditions).
    pub crossings: Vec<Crossing>,
    /// Crossing times are located to within this (absolute, in time); default `1e-10`.
    pub tolerance: f64,
}

impl<G> Event<G> {
    /// An event on `condition`, whose columns act as `crossings` say, located to `1e-10`.
    pub fn new(condition: G, crossings: Vec<Crossing>) -> Self {
        Self {
            condition,
            crossings,
            tolerance: 1e-10,
        }
    }

    /// The same event located to `tolerance`.
    pub fn with_tolerance(self, tolerance: f64) -> Self {
        Self { tolerance, ..self }
    }

    /// The same crossings and tolerance on another condition (e.g. a module's tape-free twin).
    pub fn map<H>(&self, condition: H) -> Event<H> {
        Event {
            condition,
            crossings: self.crossings.clone(),
            tolerance: self.tolerance,
        }
    }

    /// Refuses a tolerance that is not finite and positive, and an event without conditions.
    pub fn validate(&self) -> Result<(), SolveError> {
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(SolveError::InvalidOption {
                name: "event tolerance",
                value: self.tolerance,
                expected: "a finite time tolerance > 0 (e.g. 1e-10)",
            });
        }
        if self.crossings.is_empty() {
            return Err(SolveError::NoEventConditions);
        }
        Ok(())
    }
}
