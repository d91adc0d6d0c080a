//! A counting global allocator, for measuring peak heap memory (the adjoint's memory
//! benchmark, `xtask reproduce memory`): it forwards to mimalloc (the allocator of every
//! neurode binary: fast for Burn's many small tensor buffers) and counts the bytes live and
//! their peak. No crate does this over mimalloc with a resettable peak, so it is written here.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: neurode_backend::memory::CountingAlloc = neurode_backend::memory::CountingAlloc;
//! let base = neurode_backend::memory::reset_peak();
//! // … the work to measure …
//! let peak_above_base = neurode_backend::memory::peak() - base;
//! ```

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use mimalloc::MiMalloc;

/// mimalloc, counting the bytes asked for (install it with `#[global_allocator]`).
pub struct CountingAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to mimalloc with the caller's own pointer and layout, so the
// `GlobalAlloc` contract holds exactly as it holds for mimalloc; the counters are atomics and
// touch no memory the allocator hands out. A global allocator is an unsafe trait by definition.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), passed on unchanged.
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this `layout` (the caller's contract).
        unsafe { MiMalloc.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

/// Bytes live now (through [`CountingAlloc`]).
pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// Restarts peak tracking from the bytes live now; returns them.
pub fn reset_peak() -> usize {
    let now = live();
    PEAK.store(now, Relaxed);
    now
}

/// Peak live bytes since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Called directly (not as this test binary's global allocator), so only these
    /// allocations are counted.
    #[test]
    #[allow(unsafe_code)]
    fn counts_live_and_peak_bytes() {
        let base = reset_peak();
        let a = Layout::from_size_align(1000, 8).unwrap();
        let b = Layout::from_size_align(24, 8).unwrap();
        // SAFETY: non-zero sizes; each pointer is freed once with its own layout.
        unsafe {
            let p = CountingAlloc.alloc(a);
            let q = CountingAlloc.alloc(b);
            assert!(!p.is_null() && !q.is_null());
            assert_eq!(live(), base + 1024);
            CountingAlloc.dealloc(p, a);
            assert_eq!(live(), base + 24);
            CountingAlloc.dealloc(q, b);
        }
        assert_eq!(live(), base);
        assert_eq!(peak(), base + 1024);
        assert_eq!(reset_peak(), base);
        assert_eq!(peak(), base);
    }
}
