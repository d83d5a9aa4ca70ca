//! Memory shared with another process: the one place that reads and writes
//! it. Every access is bounds-checked here; words are atomics, bytes are
//! copied in and out of private buffers, and nothing hands out a plain
//! reference into the region (the peer may change any byte of it at any
//! time).
//!
//! Under `--cfg localipc_loom` the region is the model checker's instead
//! (`model.rs`): the same methods over loom's atomics and cells, so that the
//! ring logic and the wait protocol run unchanged in its models.

mod mapping;
#[cfg(localipc_loom)]
mod model;
#[cfg(not(localipc_loom))]
mod os;

#[cfg(localipc_loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, fence};
pub(crate) use mapping::Mapping;
#[cfg(localipc_loom)]
pub(crate) use model::Region;
#[cfg(not(localipc_loom))]
pub(crate) use os::Region;
#[cfg(not(localipc_loom))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, fence};

/// The CPU the calling thread runs on, where the OS tells it cheaply (a
/// vDSO or user-mode call, no system call on the common OSes): the spin
/// policy asks it once per wait. `None` elsewhere, under Miri and in the
/// model checker's runs.
pub(crate) fn current_cpu() -> Option<u32> {
    #[cfg(all(linux_like, not(miri), not(localipc_loom)))]
    {
        u32::try_from(rustix::thread::sched_getcpu()).ok()
    }
    #[cfg(all(windows, not(miri), not(localipc_loom)))]
    {
        // SAFETY: no arguments, no preconditions; it reads the processor
        // number from the thread's environment.
        Some(unsafe { windows_sys::Win32::System::Threading::GetCurrentProcessorNumber() })
    }
    #[cfg(not(all(any(linux_like, windows), not(miri), not(localipc_loom))))]
    {
        None
    }
}
