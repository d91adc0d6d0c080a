//! Trainable dynamics: a Burn module that computes `f(t, y)`.

use burn::Tensor;
use burn::module::Module;
use neurode_solvers::RowsAt;

/// A Burn module whose forward pass is the right-hand side `f_θ(t, y)` of a Neural ODE on a
/// `[batch, dim]` state. Both gradient methods differentiate through it: backprop by recording
/// every solver step, the adjoint by vector–Jacobian products `aᵀ ∂f/∂y`, `aᵀ ∂f/∂θ`.
pub trait NeuralDynamics: Module {
    /// Evaluates `f_θ(t, y)`; must return the shape of `y`.
    fn forward(&self, t: f64, y: Tensor<2>) -> Tensor<2>;

    /// Evaluates `f_θ(tᵢ, yᵢ)` with every row at its own time (per-row solves,
    /// [`crate::odeint_rows`]). The default evaluates [`NeuralDynamics::forward`] once per
    /// distinct time and gathers the rows back, which is right for any dynamics that treat
    /// rows independently; time-independent dynamics and networks that take a per-row time
    /// column override it with one evaluation.
    fn forward_rows(&self, at: &RowsAt<'_>, y: Tensor<2>) -> Tensor<2> {
        let t = at.t;
        if t.iter().all(|s| *s == t[0]) {
            return self.forward(t[0], y);
        }
        let mut distinct: Vec<f64> = t.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let device = y.device();
        let mut parts = Vec::with_capacity(distinct.len());
        let mut order = Vec::with_capacity(t.len());
        for s in distinct {
            let rows: Vec<i64> = (0..t.len())
                .filter(|&i| t[i] == s)
                .map(|i| i as i64)
                .collect();
            order.extend(rows.iter().map(|&i| i as usize));
            let idx = Tensor::from_data(
                burn::tensor::TensorData::new(rows.clone(), [rows.len()]),
                &device,
            );
            parts.push(self.forward(s, y.clone().select(0, idx)));
        }
        // Row `order[j]` of the input is row `j` of the concatenation: invert the permutation.
        let mut inverse = vec![0i64; order.len()];
        for (j, &i) in order.iter().enumerate() {
            inverse[i] = j as i64;
        }
        let n = inverse.len();
        let idx = Tensor::from_data(burn::tensor::TensorData::new(inverse, [n]), &device);
        Tensor::cat(parts, 0).select(0, idx)
    }
}
