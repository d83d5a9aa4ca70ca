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
