//! Message sockets on the async front ends, through the public API; run on
//! Linux and under Wine. Each behaviour is written once (`suite.rs`) and runs
//! on Tokio (current-thread and multi-thread) and smol (`block_on` and a
//! four-thread executor).
#![cfg(all(
    any(feature = "tokio", feature = "smol"),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_vendor = "apple",
        windows
    )
))]

#[path = "../util/runtime/mod.rs"]
mod runtime;
#[path = "../util/mod.rs"]
mod util;

#[macro_use]
mod suite;

crate::runtime::on_every_scheduler!(suite);
