//! Small operations on `GradientsParams`.

use burn::Tensor;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;

/// `a + b` per parameter of `model` (either may lack an entry).
pub(crate) fn add_grads<M: Module>(
    mut a: GradientsParams,
    mut b: GradientsParams,
    model: &M,
) -> GradientsParams {
    struct Add<'a> {
        a: &'a mut GradientsParams,
        b: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Add<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(extra) = self.b.remove::<D>(param.id) {
                let sum = match self.a.remove::<D>(param.id) {
                    Some(g) => g + extra,
                    None => extra,
                };
                self.a.register(param.id, sum);
            }
        }
    }
    model.visit(&mut Add {
        a: &mut a,
        b: &mut b,
    });
    a
}
