//! Checkpointed backprop's backward pass: re-run stretches of the recorded forward steps,
//! newest first, on the autodiff tape (one step at a time) and chain `∂L/∂y` through them.
//! The same schedule reverses a shared-clock solve (a step is one solver step) and a per-row
//! solve (a step is one iteration: the steps its rows accepted), through [`Stretch`].

use burn::Tensor;
use burn::optim::GradientsParams;
use neurode_solvers::{SolveOptions, SolveStats, StepRecord, replay};

use crate::params::ParamLayout;
use crate::schedule::{Recorder, auto_budget, split};
use crate::{AdjointError, NeuralDynamics};

/// What checkpointed backprop's backward pass computed and what it cost.
pub(crate) struct Reversed {
    pub params: GradientsParams,
    /// `∂L/∂y₀` through the solve (without the direct `∂L/∂y(t₀)`).
    pub y0: Tensor<2>,
    /// Steps advanced again without the tape.
    pub recompute: SolveStats,
    /// Steps re-run on the tape and backpropagated.
    pub taped: SolveStats,
    /// The most states held at once (forward and backward).
    pub peak: usize,
}

/// A stretch of steps advanced without the tape: the state after it, and the work.
pub(crate) type Advanced = Result<(Tensor<2>, SolveStats), AdjointError>;

/// One step re-run on the tape: the state after it, the loss's share through the outputs it
/// emits (`Σ ∂L/∂y(tₖ) · y(tₖ)`, `None` when it emits none), and the work.
pub(crate) type Taped = Result<(Tensor<2>, Option<Tensor<1>>, SolveStats), AdjointError>;

/// The recorded steps of a solve, re-run from stored states.
pub(crate) trait Stretch {
    /// The state before step `to`, advanced without the tape from `y` before step `from`.
    fn advance(&mut self, from: usize, to: usize, y: Tensor<2>) -> Advanced;

    /// Step `i` re-run on the tape from `leaf`.
    fn taped(&mut self, i: usize, leaf: Tensor<2>) -> Taped;
}

/// A shared-clock solve's steps (`replay` with the forward options).
pub(crate) struct SharedSteps<'a, M> {
    pub model: &'a M,
    pub plain: M,
    pub steps: &'a [StepRecord],
    pub ts: &'a [f64],
    pub opts: &'a SolveOptions,
    pub dl_dys: &'a [Tensor<2>],
}

impl<M: NeuralDynamics> Stretch for SharedSteps<'_, M> {
    fn advance(&mut self, from: usize, to: usize, y: Tensor<2>) -> Advanced {
        let plain = &self.plain;
        let f = |t: f64, y: &Tensor<2>| plain.forward(t, y.clone());
        let r = replay(&f, y, &self.steps[from..to], self.ts, self.opts)
            .map_err(AdjointError::Recompute)?;
        Ok((r.end, r.stats))
    }

    fn taped(&mut self, i: usize, leaf: Tensor<2>) -> Taped {
        let model = self.model;
        let f = |t: f64, y: &Tensor<2>| model.forward(t, y.clone());
        let r = replay(&f, leaf, &self.steps[i..=i], self.ts, self.opts)
            .map_err(AdjointError::Recompute)?;
        let first = r.first_output;
        let through =
            r.ys.into_iter()
                .enumerate()
                .map(|(k, y)| (y * Tensor::from_inner(self.dl_dys[first + k].clone())).sum())
                .reduce(|a, b| a + b);
        Ok((r.end, through, r.stats))
    }
}

/// The recursion's context: the recorded steps and the gradients gathered so far.
struct Reverse<'a, M, S> {
    model: &'a M,
    stretch: S,
    layout: ParamLayout,
    grad: Option<Tensor<1>>,
    recompute: SolveStats,
    taped: SolveStats,
    held: usize,
    peak: usize,
}

/// Reverses the `n` steps recorded by `forward` (its stored states; its steps live in
/// `stretch`) with at most `budget` states held at once (`None`: the automatic budget for `n`
/// steps). `lambda` is `∂L/∂y` after the last step (zeros when only outputs carry the loss).
pub(crate) fn reverse<M: NeuralDynamics, S: Stretch>(
    model: &M,
    stretch: S,
    forward: Recorder,
    n: usize,
    budget: Option<usize>,
    lambda: Tensor<2>,
) -> Result<Reversed, AdjointError> {
    let layout = ParamLayout::of(model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let budget = budget
        .unwrap_or_else(|| auto_budget(n))
        .max(forward.stored.len());
    let device = lambda.device();
    let mut r = Reverse {
        model,
        stretch,
        layout,
        grad: None,
        recompute: SolveStats::default(),
        taped: SolveStats::default(),
        held: forward.stored.len(),
        peak: forward.peak,
    };
    let mut lambda = lambda;
    let mut stored = forward.stored;
    // Newest stretch first: each runs from its stored state to where the one after it began;
    // the stored states before it stay held meanwhile, so it gets the rest of the budget.
    let mut end = n;
    while let Some((a, y_a)) = stored.pop() {
        let c = budget - stored.len();
        if a < end {
            lambda = r.reverse(a, end, y_a, c, lambda)?;
        }
        end = a;
        r.held -= 1;
    }
    let flat = r
        .grad
        .take()
        .unwrap_or_else(|| Tensor::zeros([r.layout.total()], &device));
    Ok(Reversed {
        params: r.layout.unflatten(model, flat),
        y0: lambda,
        recompute: r.recompute,
        taped: r.taped,
        peak: r.peak,
    })
}

impl<M: NeuralDynamics, S: Stretch> Reverse<'_, M, S> {
    /// Reverses steps `a..b` from the state `y_a` before step `a` (held by the caller), with
    /// `c ≥ 1` states held at once including `y_a`; `lambda` is `∂L/∂y` after step `b − 1`.
    /// Returns `∂L/∂y` before step `a`.
    fn reverse(
        &mut self,
        a: usize,
        b: usize,
        y_a: Tensor<2>,
        c: usize,
        lambda: Tensor<2>,
    ) -> Result<Tensor<2>, AdjointError> {
        if b - a == 1 {
            return self.tape_step(a, y_a, lambda);
        }
        if c <= 1 {
            // Only y_a may be held: recompute from it for every step, newest first.
            let mut lambda = lambda;
            for i in (a..b).rev() {
                let y_i = self.advance(a, i, y_a.clone())?;
                lambda = self.tape_step(i, y_i, lambda)?;
            }
            return Ok(lambda);
        }
        let m = a + split(b - a, c);
        let y_m = self.advance(a, m, y_a.clone())?;
        self.hold(1);
        let lambda_m = self.reverse(m, b, y_m, c - 1, lambda)?;
        self.held -= 1;
        self.reverse(a, m, y_a, c, lambda_m)
    }

    fn hold(&mut self, k: usize) {
        self.held += k;
        self.peak = self.peak.max(self.held);
    }

    fn advance(&mut self, from: usize, to: usize, y: Tensor<2>) -> Result<Tensor<2>, AdjointError> {
        if from == to {
            return Ok(y);
        }
        let (end, stats) = self.stretch.advance(from, to, y)?;
        self.recompute += stats;
        Ok(end)
    }

    /// Re-runs step `i` from `y_i` on the tape and backpropagates `lambda` (at its end) and
    /// `∂L/∂y` of the outputs it emits; adds its parameter gradient, returns `∂L/∂y_i`.
    fn tape_step(
        &mut self,
        i: usize,
        y_i: Tensor<2>,
        lambda: Tensor<2>,
    ) -> Result<Tensor<2>, AdjointError> {
        let device = y_i.device();
        let leaf = Tensor::from_inner(y_i.clone()).require_grad();
        let (end, through, stats) = self.stretch.taped(i, leaf.clone())?;
        self.taped += stats;
        let mut surrogate = (end * Tensor::from_inner(lambda)).sum();
        if let Some(through) = through {
            surrogate = surrogate + through;
        }
        let grads = surrogate.backward();
        let g = self.layout.flatten(self.model, &grads, &device);
        self.grad = Some(match self.grad.take() {
            Some(acc) => acc + g,
            None => g,
        });
        Ok(leaf.grad(&grads).unwrap_or_else(|| y_i.zeros_like()))
    }
}
