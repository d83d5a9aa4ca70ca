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

/// Whether this is an AMD (or Hygon, the same cores) x86-64 CPU, whose
/// last-level cache hands lines back to a core fast enough that a writer
/// sharing its CPU with the reader does best never yielding ahead of it
/// (see `yield_ahead` in the shared-memory channel). Asked once per process:
/// `cpuid` leaves a virtual machine for the hypervisor.
pub(crate) fn cpu_is_amd() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri), not(localipc_loom)))]
    {
        static AMD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AMD.get_or_init(|| {
            // SAFETY: every x86-64 CPU has `cpuid`, and leaf 0 (the vendor)
            // exists on all of them. (Safe to call in newer Rust.)
            #[allow(unused_unsafe)]
            let leaf = unsafe { std::arch::x86_64::__cpuid(0) };
            let mut vendor = [0; 12];
            vendor[..4].copy_from_slice(&leaf.ebx.to_le_bytes());
            vendor[4..8].copy_from_slice(&leaf.edx.to_le_bytes());
            vendor[8..].copy_from_slice(&leaf.ecx.to_le_bytes());
            &vendor == b"AuthenticAMD" || &vendor == b"HygonGenuine"
        })
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri), not(localipc_loom))))]
    {
        false
    }
}

#[cfg(all(test, target_arch = "x86_64", not(miri), not(localipc_loom)))]
mod tests {
    /// The vendor read from `cpuid` agrees with the kernel's where Linux
    /// says it, so the answer is not a constant.
    #[test]
    #[cfg(target_os = "linux")]
    fn the_vendor_is_the_kernels() {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").expect("/proc/cpuinfo");
        let kernel = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("vendor_id"))
            .and_then(|rest| rest.split(':').nth(1))
            .map(str::trim)
            .expect("a vendor_id line");
        let amd = matches!(kernel, "AuthenticAMD" | "HygonGenuine");
        assert_eq!(super::cpu_is_amd(), amd, "the kernel says {kernel}");
    }
}
