//! Checkpointed backprop's backward pass: re-run stretches of the recorded forward steps,
//! newest first, on the autodiff tape (one step at a time) and chain `∂L/∂y` through them.

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

/// The recursion's context: the recorded solve and the gradients gathered so far.
struct Reverse<'a, M> {
    model: &'a M,
    plain: M,
    steps: &'a [StepRecord],
    ts: &'a [f64],
    opts: &'a SolveOptions,
    layout: ParamLayout,
    dl_dys: &'a [Tensor<2>],
    grad: Option<Tensor<1>>,
    recompute: SolveStats,
    taped: SolveStats,
    held: usize,
    peak: usize,
}

/// Reverses the solve recorded by `forward` (its steps and stored states) with at most
/// `budget` states held at once (`None`: the automatic budget for its number of steps).
pub(crate) fn reverse<M: NeuralDynamics>(
    model: &M,
    forward: Recorder,
    budget: Option<usize>,
    ts: &[f64],
    opts: &SolveOptions,
    dl_dys: &[Tensor<2>],
) -> Result<Reversed, AdjointError> {
    let layout = ParamLayout::of(model);
    if layout.total() == 0 {
        return Err(AdjointError::NoParameters);
    }
    let n = forward.steps.len();
    let budget = budget
        .unwrap_or_else(|| auto_budget(n))
        .max(forward.stored.len());
    let mut r = Reverse {
        model,
        plain: model.valid(),
        steps: &forward.steps,
        ts,
        opts,
        layout,
        dl_dys,
        grad: None,
        recompute: SolveStats::default(),
        taped: SolveStats::default(),
        held: forward.stored.len(),
        peak: forward.peak,
    };
    let mut lambda = dl_dys[0].zeros_like();
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
    let device = dl_dys[0].device();
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

impl<M: NeuralDynamics> Reverse<'_, M> {
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

    /// The state before step `to`, advanced without the tape from `y` before step `from`.
    fn advance(&mut self, from: usize, to: usize, y: Tensor<2>) -> Result<Tensor<2>, AdjointError> {
        if from == to {
            return Ok(y);
        }
        let plain = &self.plain;
        let f = |t: f64, y: &Tensor<2>| plain.forward(t, y.clone());
        let r = replay(&f, y, &self.steps[from..to], self.ts, self.opts)
            .map_err(AdjointError::Recompute)?;
        self.recompute += r.stats;
        Ok(r.end)
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
        let model = self.model;
        let f = |t: f64, y: &Tensor<2>| model.forward(t, y.clone());
        let r = replay(&f, leaf.clone(), &self.steps[i..=i], self.ts, self.opts)
            .map_err(AdjointError::Recompute)?;
        self.taped += r.stats;
        let mut surrogate = (r.end * Tensor::from_inner(lambda)).sum();
        for (k, y) in r.ys.into_iter().enumerate() {
            let g = Tensor::from_inner(self.dl_dys[r.first_output + k].clone());
            surrogate = surrogate + (y * g).sum();
        }
        let grads = surrogate.backward();
        let g = self.layout.flatten(model, &grads, &device);
        self.grad = Some(match self.grad.take() {
            Some(acc) => acc + g,
            None => g,
        });
        Ok(leaf.grad(&grads).unwrap_or_else(|| y_i.zeros_like()))
    }
}
