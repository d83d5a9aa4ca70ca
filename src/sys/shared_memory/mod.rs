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

/// The CPU the calling thread runs on, where the OS tells it cheaply (no
/// system call on Windows and with glibc; elsewhere a `getcpu(2)` where
/// there is no vDSO for it): the spin policy asks it once per wait and
/// every few writes. `None` elsewhere, under Miri and in the
/// model checker's runs.
pub(crate) fn current_cpu() -> Option<u32> {
    #[cfg(all(linux_like, not(miri), not(localipc_loom)))]
    {
        // The C library's: glibc reads it from the thread's restartable
        // sequences area on every architecture, where rustix would make a
        // system call on those without a vDSO `getcpu` (arm64).
        // SAFETY: no arguments, no preconditions.
        let cpu = unsafe { libc::sched_getcpu() };
        u32::try_from(cpu).ok()
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
