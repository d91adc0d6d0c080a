//! The Illinois method (a safeguarded regula falsi): one bracket per crossing, advanced on the
//! host while the batch evaluates the conditions of every unfinished bracket at once.
//!
//! Written here rather than taken from a crate: the root-finding crates (`roots`,
//! `argmin`) call a scalar closure to completion, one root at a time; a batched solve needs
//! the bracket's state as data, so that every row's next point is evaluated in one tensor
//! operation.

/// A sign change of `g` on `[a, b]` (in a step's `θ ∈ [0, 1]`), narrowed by Illinois steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bracket {
    /// The end before the crossing and `g` there (never zero).
    a: f64,
    ga: f64,
    /// The end after it and `g` there (zero or of the opposite sign).
    b: f64,
    gb: f64,
    /// Which end the last step replaced (`1`: `a`, `-1`: `b`, `0`: none yet).
    side: i8,
    /// Iterations taken.
    pub iterations: usize,
}

/// What a bracket asks for next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Next {
    /// Evaluate `g` at this `θ`.
    Evaluate(f64),
    /// The crossing is found: the end of the narrowed bracket after it (so that a solve
    /// restarted there does not see the same crossing again).
    Root(f64),
}

impl Bracket {
    /// The bracket `[a, b]` with `g(a) = ga ≠ 0` and `g(b) = gb` zero or of the other sign.
    pub fn new(a: f64, ga: f64, b: f64, gb: f64) -> Self {
        debug_assert!(ga != 0.0 && (gb == 0.0 || ga.signum() != gb.signum()));
        Self {
            a,
            ga,
            b,
            gb,
            side: 0,
            iterations: 0,
        }
    }

    /// The next point to evaluate, or the root when the bracket is narrower than `width`
    /// (in `θ`), `g` vanished at its end, or floating point cannot split it further.
    pub fn next(&self, width: f64) -> Next {
        if self.gb == 0.0 || (self.b - self.a).abs() <= width {
            return Next::Root(self.b);
        }
        // Regula falsi point, clamped inside the bracket.
        let c = (self.a * self.gb - self.b * self.ga) / (self.gb - self.ga);
        let (lo, hi) = (self.a.min(self.b), self.a.max(self.b));
        let c = if c.is_finite() && c > lo && c < hi {
            c
        } else {
            0.5 * (self.a + self.b)
        };
        if c <= lo || c >= hi {
            return Next::Root(self.b);
        }
        Next::Evaluate(c)
    }

    /// The end before the crossing: `a`, or the root itself where `g` vanished exactly.
    pub fn before(&self) -> f64 {
        if self.gb == 0.0 { self.b } else { self.a }
    }

    /// Takes `g(c) = gc` into the bracket. Illinois: when the same end stays twice in a row,
    /// its `g` is halved, so the retained end moves too and convergence stays superlinear.
    pub fn update(&mut self, c: f64, gc: f64) {
        self.iterations += 1;
        if gc == 0.0 || gc.signum() == self.gb.signum() {
            // `c` is after the crossing: it becomes `b`.
            self.b = c;
            self.gb = gc;
            if self.side == -1 {
                self.ga *= 0.5;
            }
            self.side = -1;
        } else {
            self.a = c;
            self.ga = gc;
            if self.side == 1 {
                self.gb *= 0.5;
            }
            self.side = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(g: impl Fn(f64) -> f64, a: f64, b: f64, width: f64) -> (f64, usize) {
        let mut br = Bracket::new(a, g(a), b, g(b));
        loop {
            match br.next(width) {
                Next::Root(r) => return (r, br.iterations),
                Next::Evaluate(c) => br.update(c, g(c)),
            }
            assert!(br.iterations < 200, "no convergence");
        }
    }

    #[test]
    fn finds_roots_superlinearly_and_ends_after_the_crossing() {
        // cos(θ) − θ = 0 at 0.7390851332151607.
        let g = |x: f64| x.cos() - x;
        let (r, n) = solve(g, 0.0, 1.0, 1e-14);
        assert!((r - 0.739_085_133_215_160_7).abs() <= 1e-14, "{r}");
        assert!(g(r) <= 0.0, "the returned end is past the crossing");
        // Plain bisection would take 47 evaluations for this width.
        assert!(n <= 12, "{n} evaluations");
        // A decreasing bracket given from its right end (a backward search).
        let (r, _) = solve(|x| x * x - 0.25, 0.0, 1.0, 1e-15);
        assert!((r - 0.5).abs() <= 1e-15 && r >= 0.5);
        let (r, _) = solve(|x| 0.25 - x * x, 1.0, 0.0, 1e-15);
        assert!((r - 0.5).abs() <= 1e-15 && r <= 0.5);
    }

    #[test]
    fn a_jump_without_a_root_converges_to_the_jump() {
        let (r, n) = solve(|x| if x < 0.3 { -1.0 } else { 1.0 }, 0.0, 1.0, 1e-12);
        assert!((r - 0.3).abs() <= 1e-12 && r >= 0.3, "{r}");
        assert!(n < 100);
    }

    #[test]
    fn an_exact_zero_at_the_end_is_the_root() {
        assert_eq!(
            Bracket::new(0.0, -1.0, 1.0, 0.0).next(1e-12),
            Next::Root(1.0)
        );
    }
}
