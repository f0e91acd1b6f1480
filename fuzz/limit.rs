//! A global allocator for the fuzz targets (and `tests/fuzz_regressions.rs`) that aborts on
//! any single allocation above [`LIMIT`], so that a size a file merely claims can never be
//! allocated. libFuzzer's own `-malloc_limit_mb` is only enforced when leak detection is on,
//! which these targets turn off (see `run.sh`); this check does not depend on it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// The largest single allocation allowed: inputs are at most 128 KiB, and a deflated member
/// can legitimately expand about 1,000 times.
pub const LIMIT: usize = 512 << 20;

/// The message printed before aborting (tests look for it).
pub const MESSAGE: &[u8] = b"==npio-fuzz== single allocation above the 512 MiB limit\n";

/// [`System`], refusing allocations above [`LIMIT`].
pub struct Limited;

fn check(size: usize) {
    if size > LIMIT {
        // Stderr is unbuffered: writing to it allocates nothing.
        let _ = std::io::stderr().write_all(MESSAGE);
        std::process::abort();
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, after a
// check that only reads the requested size; `System` upholds `GlobalAlloc`'s contract.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
