//! What keeps an OS mapping of shared memory alive: the owner of the
//! address range, unmapped on drop. Here rather than beside the code that
//! maps (`sys/<os>/shm.rs`), so the region and the OS code import it without
//! importing each other.

use std::ptr::NonNull;

/// A `mmap` of shared memory, unmapped on drop.
#[cfg(unix)]
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

/// A view of a section, unmapped on drop.
#[cfg(windows)]
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
}

// SAFETY: a mapping is an address range owned by this value; unmapping it
// from another thread is fine.
unsafe impl Send for Mapping {}
// SAFETY: `&Mapping` gives no access to the memory.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Takes ownership of the mapping of `len` bytes at `base`.
    ///
    /// # Safety
    ///
    /// The range was mapped by the OS (`mmap` on Unix, `MapViewOfFile` on
    /// Windows, which needs no length) and nothing else unmaps it.
    pub(crate) unsafe fn new(base: NonNull<u8>, len: usize) -> Self {
        #[cfg(unix)]
        return Self { base, len };
        #[cfg(windows)]
        {
            let _ = len;
            Self { base }
        }
    }
}

#[cfg(unix)]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range was mapped and is ours alone (`new`'s contract),
        // unmapped only here; every `Region` access borrows the region that
        // owns this mapping, so none outlives it.
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

#[cfg(windows)]
impl Drop for Mapping {
    fn drop(&mut self) {
        use windows_sys::Win32::System::Memory::{MEMORY_MAPPED_VIEW_ADDRESS, UnmapViewOfFile};

        let view = MEMORY_MAPPED_VIEW_ADDRESS {
            Value: self.base.as_ptr().cast(),
        };
        // SAFETY: the view was mapped and is ours alone (`new`'s contract),
        // unmapped only here; no `Region` access outlives the region that
        // owns this mapping.
        unsafe { UnmapViewOfFile(view) };
    }
}
