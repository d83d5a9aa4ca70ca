//! Shared-memory channels on the async front ends, through the public API;
//! run on Linux and under Wine. Each behaviour is written once (`suite.rs`)
//! and runs on Tokio (current-thread and multi-thread) and smol (`block_on`
//! and a four-thread executor).
#![cfg(any(feature = "tokio", feature = "smol"))]

#[path = "../util/runtime/mod.rs"]
mod runtime;
#[path = "../util/mod.rs"]
mod util;

#[macro_use]
mod suite;

crate::runtime::on_every_scheduler!(suite);

#[cfg(feature = "tokio")]
mod tokio_budget;
