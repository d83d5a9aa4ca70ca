//! The region of the model checker (`--cfg localipc_loom`): loom's atomics
//! for the words the ring layout uses and one loom cell per byte of the
//! rings, so that loom explores every interleaving of the two sides' words
//! and reports any byte read and written without an order between them.

use std::fmt;
use std::ptr::NonNull;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicU32, AtomicU64};

use super::Mapping;

/// A region that lives in the model: words at the offsets it was made
/// with, bytes from `data_start` to its end.
pub(crate) struct Region {
    len: usize,
    u64s: Vec<(usize, AtomicU64)>,
    u32s: Vec<(usize, AtomicU32)>,
    data_start: usize,
    bytes: Box<[UnsafeCell<u8>]>,
}

// SAFETY: shared between the model's threads as shared memory is between
// processes: words through loom's atomics, bytes through loom's cells, whose
// every access loom checks for a race.
unsafe impl Sync for Region {}
// SAFETY: as above.
unsafe impl Send for Region {}

impl Region {
    /// A model-checking build maps no OS memory: the models make their
    /// regions with [`model`](Self::model), and a mapping is refused (and
    /// unmapped as it drops).
    pub(crate) fn from_mapping(
        _base: NonNull<u8>,
        _len: usize,
        _mapping: Mapping,
    ) -> std::io::Result<Self> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "a build for the model checker maps no shared memory",
        ))
    }

    /// A zeroed region of `len` bytes with 64-bit words at `u64_offsets`,
    /// 32-bit words at `u32_offsets`, and bytes from `data_start` on.
    #[cfg(test)]
    pub(crate) fn model(
        len: usize,
        data_start: usize,
        u64_offsets: &[usize],
        u32_offsets: &[usize],
    ) -> Self {
        Self {
            len,
            u64s: u64_offsets
                .iter()
                .map(|&offset| (offset, AtomicU64::new(0)))
                .collect(),
            u32s: u32_offsets
                .iter()
                .map(|&offset| (offset, AtomicU32::new(0)))
                .collect(),
            data_start,
            bytes: (data_start..len).map(|_| UnsafeCell::new(0)).collect(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn u64_at(&self, offset: usize) -> &AtomicU64 {
        let found = self.u64s.iter().find(|(at, _)| *at == offset);
        &found
            .unwrap_or_else(|| panic!("no modelled u64 at {offset}"))
            .1
    }

    pub(crate) fn u32_at(&self, offset: usize) -> &AtomicU32 {
        let found = self.u32s.iter().find(|(at, _)| *at == offset);
        &found
            .unwrap_or_else(|| panic!("no modelled u32 at {offset}"))
            .1
    }

    fn cells(&self, offset: usize, len: usize) -> &[UnsafeCell<u8>] {
        let start = offset - self.data_start;
        &self.bytes[start..start + len]
    }

    pub(crate) fn write_bytes(&self, offset: usize, src: &[u8]) {
        for (cell, &byte) in self.cells(offset, src.len()).iter().zip(src) {
            // SAFETY: loom checks that no access to this byte races with
            // this one; that is what the model is for.
            cell.with_mut(|ptr| unsafe { *ptr = byte });
        }
    }

    pub(crate) fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
        for (cell, byte) in self.cells(offset, dst.len()).iter().zip(dst) {
            // SAFETY: as for `write_bytes`.
            *byte = cell.with(|ptr| unsafe { *ptr });
        }
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region").field("len", &self.len).finish()
    }
}
