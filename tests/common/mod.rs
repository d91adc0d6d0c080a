//! Shared test support: one test body, stamped out once per backend.
#![allow(dead_code, unused_macros, unused_imports)]

pub mod nets;
pub mod parity;
pub mod problems;

pub use burn::Tensor;
pub use neurode::backend::{Backend, Device, Precision};

/// A device, or a test failure that says why (e.g. no Vulkan driver for wgpu).
pub fn device(backend: Backend, precision: Precision) -> Device {
    neurode::backend::device(backend, precision).unwrap_or_else(|e| panic!("{e}"))
}

/// Host copy of a tensor as f64.
pub fn values<const D: usize>(t: &Tensor<D>) -> Vec<f64> {
    t.to_data().iter::<f64>().collect()
}

/// A `[rows, cols]` tensor from f64 rows, in the device's float type.
///
/// (`Tensor::from_floats` goes through f32 even on an f64 device; `TensorData` keeps f64.)
pub fn tensor<const C: usize>(rows: &[[f64; C]], device: &Device) -> Tensor<2> {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let data = burn::tensor::TensorData::new(flat, [rows.len(), C]);
    Tensor::<2>::from_data(data, device)
}

/// How a flow is solved: over `[0, time]` by `solver`, differentiated by `gradient`.
pub fn fs(
    time: f64,
    solver: &neurode::solvers::SolveOptions,
    gradient: &neurode::adjoint::GradientMethod,
) -> neurode::models::FlowSolve {
    neurode::models::FlowSolve {
        time,
        solver: solver.clone(),
        gradient: gradient.clone(),
    }
}

/// Largest absolute difference.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// `‖a − b‖ / ‖b‖` (Euclidean).
pub fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| y * y).sum();
    (diff / norm.max(1e-300)).sqrt()
}

/// Every parameter's gradient in visiting order, flattened (each parameter must have one).
pub fn grad_values<M: burn::module::Module>(
    model: &M,
    g: &burn::optim::GradientsParams,
) -> Vec<f64> {
    struct Collect<'a>(&'a burn::optim::GradientsParams, Vec<f64>);
    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
            let t = self
                .0
                .get::<D>(p.id)
                .expect("a gradient for every parameter");
            self.1.extend(values(&t));
        }
    }
    let mut c = Collect(g, Vec::new());
    model.visit(&mut c);
    c.1
}

/// Stamps `#[test] fn name()` calling `super::name(&device)` for one backend.
macro_rules! stamp {
    ($backend:expr, $precision:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                super::$name(&$crate::common::device($backend, $precision));
            }
        )+
    };
}

/// Runs each listed `fn(&Device)` on flex, and on ndarray / wgpu when those features are on.
macro_rules! all_backend_tests {
    ($precision:ident; $($name:ident),+ $(,)?) => {
        mod flex { stamp!($crate::common::Backend::Flex, $crate::common::Precision::$precision; $($name),+); }
        #[cfg(feature = "ndarray")]
        mod ndarray { stamp!($crate::common::Backend::Ndarray, $crate::common::Precision::$precision; $($name),+); }
        #[cfg(feature = "wgpu")]
        mod wgpu { stamp!($crate::common::Backend::Wgpu, $crate::common::Precision::$precision; $($name),+); }
    };
}

/// Like `all_backend_tests!` for the CPU backends only (f64 needs them: WGSL has no f64).
macro_rules! cpu_backend_tests {
    ($precision:ident; $($name:ident),+ $(,)?) => {
        mod flex { stamp!($crate::common::Backend::Flex, $crate::common::Precision::$precision; $($name),+); }
        #[cfg(feature = "ndarray")]
        mod ndarray { stamp!($crate::common::Backend::Ndarray, $crate::common::Precision::$precision; $($name),+); }
    };
}

/// Defines `fn name(device: &Device)` running `check(device, Method::M)` for each `name => M`:
/// one test body per solver method, for the lists of the `*_backend_tests!` macros.
macro_rules! per_method {
    ($check:ident; $($name:ident => $method:ident),+ $(,)?) => {
        $(
            fn $name(device: &$crate::common::Device) {
                $check(device, neurode::solvers::Method::$method);
            }
        )+
    };
}

/// Every float parameter of a module in visiting (field) order: shape and values.
pub fn param_values<M: burn::module::Module>(model: &M) -> Vec<(Vec<usize>, Vec<f64>)> {
    struct Collect(Vec<(Vec<usize>, Vec<f64>)>);
    impl burn::module::ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
            let t = p.val();
            self.0.push((t.dims().to_vec(), values(&t)));
        }
    }
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

/// A path under the system temp folder, unique per test process, test and `name`.
///
/// Tests run in parallel threads named after the test (`ndarray::records_round_trip_exactly`),
/// so one body stamped out per backend never shares a file with its twin.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main").replace("::", "-");
    let dir = std::env::temp_dir()
        .join(format!("neurode-tests-{}", std::process::id()))
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Options of a test run: no progress bar, no resume, no figures.
pub fn quiet() -> neurode::run::TrainOptions {
    neurode::run::TrainOptions {
        quiet: true,
        resume: false,
        figures: false,
        interrupt: None,
    }
}

/// An empty run folder named `name` under this test's scratch folder.
pub fn fresh(name: &str) -> neurode::run::RunDir {
    let p = temp_path(name);
    let _ = std::fs::remove_dir_all(&p);
    neurode::run::RunDir::new(p)
}

/// Runs each listed `fn(Backend)` once per compiled backend (for code that takes a backend
/// choice rather than a device, like the trainer).
macro_rules! all_backend_tests_by_kind {
    ($($name:ident),+ $(,)?) => {
        mod flex { $( #[test] fn $name() { super::$name($crate::common::Backend::Flex); } )+ }
        #[cfg(feature = "ndarray")]
        mod ndarray { $( #[test] fn $name() { super::$name($crate::common::Backend::Ndarray); } )+ }
        #[cfg(feature = "wgpu")]
        mod wgpu { $( #[test] fn $name() { super::$name($crate::common::Backend::Wgpu); } )+ }
    };
}

/// Like `all_backend_tests_by_kind!` for the CPU backends only.
macro_rules! cpu_backend_tests_by_kind {
    ($($name:ident),+ $(,)?) => {
        mod flex { $( #[test] fn $name() { super::$name($crate::common::Backend::Flex); } )+ }
        #[cfg(feature = "ndarray")]
        mod ndarray { $( #[test] fn $name() { super::$name($crate::common::Backend::Ndarray); } )+ }
    };
}

/// `(step, train loss bits, test loss bits)` of every evaluation of a run folder: equal lists
/// mean two runs evaluated to the same bits.
pub fn metric_bits(d: &neurode::run::RunDir) -> Vec<(u64, Option<u64>, u64)> {
    d.read_metrics()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.step,
                r.train_loss.map(f64::to_bits),
                r.test_loss.to_bits(),
            )
        })
        .collect()
}
