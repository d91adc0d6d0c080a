//! Parameter count and storage of a model (paper 000 quotes 17.9 KB vs 134.7 KB).

use burn::Tensor;
use burn::module::{Module, ModuleVisitor, Param};

/// How many parameters a model has and how many bytes they occupy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSize {
    /// Number of scalar parameters.
    pub count: usize,
    /// Bytes of parameter storage at the model's float precision.
    pub bytes: usize,
}

impl ParamSize {
    /// Storage in kilobytes (10³ bytes, as paper 000 counts them: 4,482 × 4 B = 17.9 KB).
    pub fn kilobytes(&self) -> f64 {
        self.bytes as f64 / 1000.0
    }
}

/// Counts the float parameters of `model` and their bytes.
pub fn param_size<M: Module>(model: &M) -> ParamSize {
    struct Count(ParamSize);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            let n = t.shape().num_elements();
            self.0.count += n;
            self.0.bytes += n * t.dtype().size();
        }
    }
    let mut c = Count(ParamSize { count: 0, bytes: 0 });
    model.visit(&mut c);
    c.0
}
