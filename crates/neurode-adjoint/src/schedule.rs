//! Where checkpointed backprop keeps states: Griewank–Walther binomial checkpointing when the
//! number of steps is known, evenly spaced (online, thinned by doubling) when it is not.
//!
//! Written here rather than taken from a crate: no maintained Rust crate implements revolve,
//! and the schedule is a few lines once the split rule is known (Griewank & Walther,
//! "Algorithm 799: revolve", ACM TOMS 2000).

use burn::Tensor;
use neurode_solvers::{StepInterpolant, StepObserver, StepRecord};

/// `β(c, r) = C(c + r, c)`: the most steps `c` stored states reverse with at most `r`
/// recomputations of each step (saturating).
fn beta(c: usize, r: usize) -> u128 {
    // C(c + r, r) = Π_{i=1..r} (c + i) / i, exact at every step of the product.
    let mut b: u128 = 1;
    for i in 1..=r as u128 {
        b = b.saturating_mul(c as u128 + i) / i;
        if b >= u64::MAX as u128 {
            return u64::MAX as u128;
        }
    }
    b
}

/// How many of `len ≥ 2` steps to advance before storing the next state, when `c ≥ 2` states
/// may be held (the current one included): the binomial split. With `r` the fewest
/// recomputations for which `β(c, r) ≥ len`, the right part (reversed with one state fewer)
/// takes as many steps as `c − 1` states reverse in `r` recomputations; the left part
/// (`≤ β(c, r − 1)` steps) is reversed afterwards with all `c`.
pub(crate) fn split(len: usize, c: usize) -> usize {
    debug_assert!(len >= 2 && c >= 2);
    let mut r = 1;
    while beta(c, r) < len as u128 {
        r += 1;
    }
    let right = beta(c - 1, r).min(len as u128 - 1) as usize;
    len - right
}

/// The states revolve stores on its first sweep over `n` steps with budget `c`: step indices
/// (the state before that step), increasing; the initial state 0 is not listed.
pub(crate) fn first_sweep(n: usize, c: usize) -> Vec<usize> {
    let (mut at, mut c, mut points) = (0, c, Vec::new());
    while c >= 2 && n - at >= 2 {
        at += split(n - at, c);
        points.push(at);
        c -= 1;
    }
    points
}

/// The automatic budget for `n` steps: `2⌈√n⌉ + 1` states.
pub(crate) fn auto_budget(n: usize) -> usize {
    2 * (n as f64).sqrt().ceil() as usize + 1
}

/// Which states the forward solve keeps.
#[derive(Clone)]
enum Keep {
    /// Revolve's first sweep (number of steps known).
    Binomial(Vec<usize>),
    /// Every `stride`-th state, at most `cap` (or `⌈√k⌉` after `k` steps when `None`).
    Online { stride: usize, cap: Option<usize> },
}

/// The observer of the tape-free forward solve: logs every accepted step and keeps the
/// scheduled states.
#[derive(Clone)]
pub(crate) struct Recorder {
    keep: Keep,
    /// `(k, y_k)`: the state before step `k`, increasing in `k`; starts with `(0, y₀)`.
    pub stored: Vec<(usize, Tensor<2>)>,
    /// Every accepted step, in order.
    pub steps: Vec<StepRecord>,
    /// The most states held at once.
    pub peak: usize,
}

impl Recorder {
    /// Keeps revolve's first sweep over `n` steps with budget `c`.
    pub fn binomial(y0: Tensor<2>, n: usize, c: usize) -> Self {
        Self::with(y0, Keep::Binomial(first_sweep(n, c)))
    }

    /// Keeps evenly spaced states, at most `cap` (`None`: `⌈√k⌉` after `k` steps).
    pub fn online(y0: Tensor<2>, cap: Option<usize>) -> Self {
        Self::with(y0, Keep::Online { stride: 1, cap })
    }

    fn with(y0: Tensor<2>, keep: Keep) -> Self {
        Self {
            keep,
            stored: vec![(0, y0)],
            steps: Vec::new(),
            peak: 1,
        }
    }
}

impl Recorder {
    /// The state after `k` steps is `y`: kept if the schedule says so.
    pub fn reached(&mut self, k: usize, y: &Tensor<2>) {
        match &mut self.keep {
            Keep::Binomial(points) => {
                if points.binary_search(&k).is_ok() {
                    self.stored.push((k, y.clone()));
                }
            }
            Keep::Online { stride, cap } => {
                if k.is_multiple_of(*stride) {
                    self.stored.push((k, y.clone()));
                    let cap = cap
                        .unwrap_or_else(|| (k as f64).sqrt().ceil() as usize)
                        .max(1);
                    // Thin by doubling the spacing; the initial state always stays.
                    while self.stored.len() > cap {
                        *stride *= 2;
                        let s = *stride;
                        self.stored.retain(|(j, _)| j.is_multiple_of(s));
                    }
                }
            }
        }
        self.peak = self.peak.max(self.stored.len());
    }
}

impl StepObserver<Tensor<2>> for Recorder {
    fn accepted(
        &mut self,
        index: usize,
        step: &StepRecord,
        y1: &Tensor<2>,
        _: Option<StepInterpolant<Tensor<2>>>,
    ) {
        self.steps.push(*step);
        self.reached(index + 1, y1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_is_the_binomial_coefficient() {
        assert_eq!(beta(1, 1), 2);
        assert_eq!(beta(2, 2), 6);
        assert_eq!(beta(32, 2), 561);
        assert_eq!(beta(32, 3), 6545);
        assert_eq!(beta(3, 0), 1);
        assert_eq!(beta(usize::MAX / 2, 5), u64::MAX as u128);
    }

    /// Counts the steps advanced (without the tape) by the recursion the backward pass runs,
    /// starting after the first sweep.
    fn recomputed(len: usize, c: usize) -> usize {
        if len <= 1 {
            return 0;
        }
        if c <= 1 {
            return (1..len).sum();
        }
        let left = split(len, c);
        left + recomputed(len - left, c - 1) + recomputed(left, c)
    }

    #[test]
    fn splits_stay_inside_and_meet_the_binomial_bound() {
        for len in 2..200 {
            for c in 2..12 {
                let left = split(len, c);
                assert!((1..len).contains(&left), "len {len} c {c}: {left}");
                // The fewest repetitions r with β(c, r) ≥ len bounds the recomputed steps by
                // r·len (Griewank–Walther).
                let r = (1..).find(|&r| beta(c, r) >= len as u128).unwrap();
                assert!(recomputed(len, c) <= r * len, "len {len} c {c}");
            }
        }
    }

    #[test]
    fn first_sweep_with_a_state_per_step_keeps_them_all() {
        assert_eq!(first_sweep(5, 6), vec![1, 2, 3, 4]);
        assert_eq!(first_sweep(5, 1), Vec::<usize>::new());
        let p = first_sweep(1000, 33);
        assert!(p.windows(2).all(|w| w[0] < w[1]) && p.len() <= 32);
    }
}
