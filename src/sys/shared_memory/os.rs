//! The region over an OS mapping (or, in unit tests, heap memory).

use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64};

use super::Mapping;

/// What keeps a region's memory alive: an OS mapping, or (in unit tests,
/// which Miri runs) a heap allocation.
#[allow(dead_code, reason = "held for what its drop frees")]
enum Backing {
    Os(Mapping),
    #[cfg(test)]
    Heap(HeapWords),
}

/// Zeroed words from the heap, freed on drop. Kept as a raw pointer: a
/// `Box` would assert uniqueness each time it moves, while the region's
/// base pointer aliases it.
#[cfg(test)]
struct HeapWords(NonNull<[AtomicU64]>);

#[cfg(test)]
impl Drop for HeapWords {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::into_raw` in `Region::heap`
        // and is freed only here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// A mapped region of shared memory, page-aligned.
pub(crate) struct Region {
    base: NonNull<u8>,
    len: usize,
    _backing: Backing,
}

// SAFETY: the region is plain memory owned by this value; every access goes
// through atomics or copies bounded by `len`, which are sound from any
// thread.
unsafe impl Send for Region {}
// SAFETY: as for `Send`: no method hands out non-atomic shared access.
unsafe impl Sync for Region {}

impl Region {
    /// A region over an OS mapping of `len` bytes at `base`. Never fails
    /// here; a model-checking build, which maps nothing, refuses.
    #[allow(
        clippy::unnecessary_wraps,
        reason = "the same signature as the model checker's region"
    )]
    pub(crate) fn from_mapping(
        base: NonNull<u8>,
        len: usize,
        mapping: Mapping,
    ) -> std::io::Result<Self> {
        Ok(Self {
            base,
            len,
            _backing: Backing::Os(mapping),
        })
    }

    /// A zeroed region on the heap, for unit tests of the ring logic.
    #[cfg(test)]
    pub(crate) fn heap(len: usize) -> Self {
        let words: Box<[AtomicU64]> = (0..len.div_ceil(8).max(1))
            .map(|_| AtomicU64::new(0))
            .collect();
        let words = NonNull::from(Box::leak(words));
        Self {
            base: words.cast::<u8>(),
            len,
            _backing: Backing::Heap(HeapWords(words)),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The address of `size` bytes at `offset`, aligned to `align`.
    ///
    /// # Panics
    ///
    /// If they are not within the region or not aligned: the callers' offsets
    /// are constants of the layout, checked against the region's length when
    /// the channel is set up, so this is a bug of this crate, never the
    /// peer's doing.
    fn at(&self, offset: usize, size: usize, align: usize) -> *mut u8 {
        assert!(
            offset.checked_add(size).is_some_and(|end| end <= self.len)
                && offset.is_multiple_of(align),
            "shared memory access out of the region: {offset}+{size} of {}",
            self.len
        );
        self.base.as_ptr().wrapping_add(offset)
    }

    /// The 64-bit word at `offset`.
    pub(crate) fn u64_at(&self, offset: usize) -> &AtomicU64 {
        let ptr = self.at(offset, 8, 8).cast::<u64>();
        // SAFETY: `at` checked that the word is inside the mapping, which
        // lives as long as `self`, and aligned to 8 (the base is
        // page-aligned). This process touches it only through atomics; the
        // peer's writes come from another process.
        unsafe { AtomicU64::from_ptr(ptr) }
    }

    /// The 32-bit word at `offset`.
    pub(crate) fn u32_at(&self, offset: usize) -> &AtomicU32 {
        let ptr = self.at(offset, 4, 4).cast::<u32>();
        // SAFETY: as for `u64_at`, for a 4-byte aligned word.
        unsafe { AtomicU32::from_ptr(ptr) }
    }

    /// Copies `src` into the region at `offset`.
    pub(crate) fn write_bytes(&self, offset: usize, src: &[u8]) {
        let dst = self.at(offset, src.len(), 1);
        // SAFETY: `at` checked that the destination lies in the mapping;
        // `src` is private memory of this process, so the two cannot
        // overlap. Bytes have no invalid values, so whatever the peer does to
        // this range meanwhile cannot make the copy unsound for us.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) }
    }

    /// Copies bytes of the region at `offset` into `dst`.
    pub(crate) fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
        let src = self.at(offset, dst.len(), 1);
        // SAFETY: `at` checked that the source lies in the mapping; `dst` is
        // private memory. Only bytes are copied out, into a private buffer,
        // and read from there: a racing write of the peer can change which
        // bytes arrive, never what is valid.
        unsafe { std::ptr::copy_nonoverlapping(src, dst.as_mut_ptr(), dst.len()) }
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("base", &self.base)
            .field("len", &self.len)
            .finish()
    }
}
