//! localipc with the HTTP and gRPC stacks: the runnable examples live in
//! `examples/` (`cargo run -p localipc-integrations --example http`, or
//! `--example grpc`), and this library holds what they share with CI.
//!
//! [`migrating_from_interprocess`] is the guide
//! `docs/migrating-from-interprocess.md`, included here so that its snippets
//! are compiled (and the self-contained ones run) as doc tests.

use std::time::Duration;

#[doc = include_str!("../../../docs/migrating-from-interprocess.md")]
pub mod migrating_from_interprocess {}

/// Ends the process with exit status 2 if it still runs after `limit`.
///
/// The examples run in CI, where a hang must fail the run rather than stall
/// it; a thread does this even if every task of the runtime is stuck.
pub fn exit_after(limit: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("still running after {limit:?}: giving up");
        std::process::exit(2);
    });
}
