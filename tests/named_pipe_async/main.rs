//! Windows named pipes on the async front ends, through the public API:
//! under Wine in CI, and on real Windows. Each behaviour is written once
//! (`suite.rs`) and runs on Tokio (a current-thread and a two-worker
//! multi-thread runtime) and on smol (`block_on` and a four-thread
//! executor); what only Tokio has is tested in `tokio_only.rs`.
#![cfg(all(windows, any(feature = "tokio", feature = "smol")))]

#[path = "../util/runtime/mod.rs"]
mod runtime;
#[path = "../util/mod.rs"]
mod util;

#[macro_use]
mod suite;

crate::runtime::on_every_scheduler!(suite);

#[cfg(feature = "tokio")]
mod tokio_only;
