//! The localipc benchmark suite: localipc measured side by side with std,
//! Tokio, async-io and the `interprocess` crate, in one run, on the
//! measurement engine that `localipc bench` uses too (`localipc-bench-engine`,
//! whose docs say how a figure is made and why it is fair).
//!
//! * **Unix:** local sockets, unnamed pipes and FIFOs (`socket.rs`,
//!   `pipe.rs`), unpinned and (Linux) with both processes pinned to one CPU.
//! * **Windows:** local sockets, which are named pipes there, through
//!   localipc's blocking API, its Tokio and smol front ends, and Tokio's own
//!   named pipes (`windows.rs`).
//! * **Linux, Android and Windows:** message sockets, against a
//!   length-prefixed std `UnixStream` and raw `SOCK_SEQPACKET` (Linux) or a
//!   message-mode named pipe (Windows) (`messages.rs`).
//! * **Everywhere:** shared-memory streams at each spin setting, against
//!   std's `UnixStream` (Unix) or localipc's named-pipe `Stream` (Windows),
//!   with the CPU time of both processes (`shm.rs`).
//!
//! This crate holds the contenders, the goals (`targets.rs`) and the
//! reports; the engine holds the peer, the rounds and the statistics.
//!
//! # Modes
//!
//! * default: the full run;
//! * `--quick`: fewer rounds and smaller transfers, for a first look;
//! * `--smoke`: tiny transfers, one round, every byte checked: for CI, fails
//!   when a transfer is incomplete or corrupt or a peer fails.
//!
//! Results go to stdout as a table and to `--json PATH` and `--markdown PATH`
//! (by default `bench-results/latest.json` and `latest.md` in the target
//! directory); `--plot PATH` also draws the ratios as an SVG picture.

mod allocations;
mod args;
mod families;
mod measure;
#[cfg(any(target_os = "linux", target_os = "android", windows))]
mod messages;
#[cfg(unix)]
mod pipe;
mod report;
mod results;
mod shm;
#[cfg(unix)]
mod socket;
mod suite;
mod targets;
#[cfg(windows)]
mod windows;

use std::process::ExitCode;

/// Counts every allocation, so the suite can show that localipc's data path
/// allocates nothing.
#[global_allocator]
static ALLOCATOR: localipc_bench_engine::allocator::CountingAllocator =
    localipc_bench_engine::allocator::CountingAllocator;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&arguments) {
        Ok(args::Command::Peer(peer_arguments)) => {
            localipc_bench_engine::peer::main(&peer_arguments)
        }
        Ok(args::Command::Run(settings)) => match suite::run(&settings) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("localipc-bench: {error}");
                ExitCode::FAILURE
            }
        },
        // The help on stdout with status 0, or a usage error on stderr
        // with status 2.
        Err(error) => error.exit(),
    }
}
