//! Host loops compiled for the CPU's vector extensions (AVX2/FMA where present, SSE2
//! elsewhere) through `pulp`'s runtime dispatch.
//!
//! A closure handed to `pulp::Arch::dispatch` is compiled once, for the baseline target, and
//! called from the AVX2 entry point (measured: SSE `mulps` in the fused tanh loop). A
//! [`Kernel`] whose `run` is `#[inline(always)]` is inlined into each entry point instead, so
//! the same plain loop is vectorised for the instruction set found at run time.

/// A loop body for [`vectorized`]. Implementations mark `run` `#[inline(always)]`.
pub trait Kernel {
    /// What the loop returns.
    type Output;
    /// The loop.
    fn run(self) -> Self::Output;
}

struct Entry<K>(K);

impl<K: Kernel> pulp::WithSimd for Entry<K> {
    type Output = K::Output;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> K::Output {
        self.0.run()
    }
}

/// Runs `kernel` compiled for the best instruction set this CPU has.
pub fn vectorized<K: Kernel>(kernel: K) -> K::Output {
    pulp::Arch::new().dispatch(Entry(kernel))
}
