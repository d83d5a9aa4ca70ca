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
        unsafe { copy_bytes(src.as_ptr(), dst, src.len()) }
    }

    /// Copies bytes of the region at `offset` into `dst`.
    pub(crate) fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
        let src = self.at(offset, dst.len(), 1);
        // SAFETY: `at` checked that the source lies in the mapping; `dst` is
        // private memory. Only bytes are copied out, into a private buffer,
        // and read from there: a racing write of the peer can change which
        // bytes arrive, never what is valid.
        unsafe { copy_bytes(src, dst.as_mut_ptr(), dst.len()) }
    }
}

/// The largest piece [`copy_bytes`] hands to `memcpy` where one copy
/// would be slow: below glibc's `rep movsb` threshold (2 KiB at the least).
const PIECE: usize = 1024;

/// Copies `len` bytes from `src` to `dst`, as fast wherever the two fall.
///
/// glibc copies blocks of a few KiB and more with `rep movsb`, which on AMD
/// Zen CPUs (this project's CI machine is an EPYC) slows down twenty- to
/// fiftyfold when the destination lies 1 to 31 bytes after the source,
/// counted modulo a 4 KiB page: 0.5 to 1.5 GB/s against 45 for a 64 KiB
/// copy in cache, on 1,830 of the 4,096 pairs of source and destination
/// offsets 0..63 (half of them slower than half the best). A ring position
/// and a user's buffer fall anywhere, so such a copy would slow one write
/// in many, at random. In that band (widened to 63 bytes) the copy goes in
/// pieces of [`PIECE`] bytes, which glibc copies with its vector loop, at 28
/// to 46 GB/s on every pair; elsewhere it is one `memcpy`.
///
/// # Safety
///
/// `src` must be valid for reads and `dst` for writes of `len` bytes, and
/// the two ranges must not overlap.
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, len: usize) {
    let ahead = (dst as usize).wrapping_sub(src as usize) % 4096;
    if len <= PIECE || !(1..64).contains(&ahead) {
        // SAFETY: the caller's promise.
        unsafe { std::ptr::copy_nonoverlapping(src, dst, len) };
        return;
    }
    let mut done = 0;
    while done < len {
        let piece = PIECE.min(len - done);
        // SAFETY: `done + piece <= len`, so both pieces lie in the caller's
        // ranges, which do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(src.wrapping_add(done), dst.wrapping_add(done), piece)
        };
        done += piece;
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

#[cfg(test)]
mod tests {
    use super::{PIECE, copy_bytes};

    /// Every length around a piece, with the destination at distances from
    /// the source (modulo a page) inside and outside the band copied in
    /// pieces: every byte arrives, none beyond.
    #[test]
    fn copies_are_exact_wherever_the_ends_fall() {
        let lens = [0, 1, PIECE - 1, PIECE, PIECE + 1, 5 * PIECE + 3];
        let src: Vec<u8> = (0..6 * PIECE).map(|i| (i % 251) as u8).collect();
        for ahead in [0, 1, 31, 63, 64, 100, 4095] {
            for len in lens {
                let mut dst = vec![0xAA_u8; len + 2 * 4096];
                let from = src.as_ptr() as usize % 4096;
                let to = dst.as_ptr() as usize % 4096;
                let start = (ahead + 4096 + from - to) % 4096;
                // SAFETY: `src` holds `len` bytes, `dst` has `len` bytes from
                // `start` (under 4096) on, and two vectors never overlap.
                unsafe { copy_bytes(src.as_ptr(), dst.as_mut_ptr().wrapping_add(start), len) };
                let here = (dst.as_ptr() as usize + start).wrapping_sub(src.as_ptr() as usize);
                assert_eq!(here % 4096, ahead);
                assert_eq!(
                    &dst[start..start + len],
                    &src[..len],
                    "ahead {ahead}, len {len}"
                );
                assert!(dst[..start].iter().all(|&b| b == 0xAA));
                assert!(dst[start + len..].iter().all(|&b| b == 0xAA));
            }
        }
    }
}
