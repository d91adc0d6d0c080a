//! The module's parameters as one flat vector (the `∫ aᵀ ∂f/∂θ` channel of the augmented
//! state), and back into Burn's `GradientsParams`.

use burn::Tensor;
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Gradients};

/// The float parameters of a module, in visit order: ids, element counts, offsets.
#[derive(Debug, Clone)]
pub(crate) struct ParamLayout {
    entries: Vec<(ParamId, usize)>,
    total: usize,
}

impl ParamLayout {
    pub fn of<M: Module>(module: &M) -> Self {
        struct Collect(Vec<(ParamId, usize)>);
        impl ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.push((param.id, param.shape().num_elements()));
            }
        }
        let mut c = Collect(Vec::new());
        module.visit(&mut c);
        let total = c.0.iter().map(|(_, n)| n).sum();
        Self {
            entries: c.0,
            total,
        }
    }

    /// Total number of parameters.
    pub fn total(&self) -> usize {
        self.total
    }

    /// `∂/∂θ` of the backward pass that produced `grads`, flattened in layout order (zeros for
    /// parameters the output does not depend on). Plain (non-autodiff) tensor on `device`.
    pub fn flatten<M: Module>(&self, module: &M, grads: &Gradients, device: &Device) -> Tensor<1> {
        struct Flatten<'a> {
            grads: &'a Gradients,
            parts: Vec<Tensor<1>>,
            device: &'a Device,
        }
        impl ModuleVisitor for Flatten<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let n = param.shape().num_elements();
                let part = match param.val().grad(self.grads) {
                    Some(g) => g.reshape([n]),
                    None => Tensor::zeros([n], self.device),
                };
                self.parts.push(part);
            }
        }
        let mut v = Flatten {
            grads,
            parts: Vec::with_capacity(self.entries.len()),
            device,
        };
        module.visit(&mut v);
        Tensor::cat(v.parts, 0)
    }

    /// Splits a flat gradient back into per-parameter tensors, ready for an optimizer.
    pub fn unflatten<M: Module>(&self, module: &M, flat: Tensor<1>) -> GradientsParams {
        struct Split {
            flat: Tensor<1>,
            offset: usize,
            out: GradientsParams,
        }
        impl ModuleVisitor for Split {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let dims = param.shape().dims::<D>();
                let n: usize = dims.iter().product();
                let part = self
                    .flat
                    .clone()
                    .slice(self.offset..self.offset + n)
                    .reshape(dims);
                self.offset += n;
                self.out.register(param.id, part);
            }
        }
        let mut s = Split {
            flat,
            offset: 0,
            out: GradientsParams::new(),
        };
        module.visit(&mut s);
        s.out
    }
}
