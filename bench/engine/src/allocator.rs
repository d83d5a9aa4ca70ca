//! A global allocator that counts allocations, so a run can show how many a
//! read or a write costs. A binary opts in by making [`CountingAllocator`]
//! its `#[global_allocator]`; without it nothing is counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every allocation and reallocation since the process started, in all
/// threads.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting each `alloc`, `alloc_zeroed` and `realloc`.
#[derive(Debug)]
pub struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the counter is only an atomic add.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from the caller, who upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from the caller, as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from the caller: `ptr` came from this allocator,
        // which is `System` underneath, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller: `ptr` came from this allocator
        // with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations so far, in every thread of this process; `None` if
/// [`CountingAllocator`] is not the global allocator (nothing was counted,
/// though every program allocates before it measures anything).
pub fn allocations() -> Option<u64> {
    match ALLOCATIONS.load(Ordering::Relaxed) {
        0 => None,
        count => Some(count),
    }
}
