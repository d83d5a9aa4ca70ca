//! The localipc benchmark suite: localipc's local sockets, unnamed pipes and
//! FIFOs measured side by side with std, Tokio, async-io and the
//! `interprocess` crate, in one run.
//!
//! # How it is fair
//!
//! * **One measured side.** This process drives each contender's library.
//!   The other end is always a second, real process (this binary run again
//!   with the hidden `--peer` argument) that runs the same plain blocking
//!   code for every contender of a family: a std `UnixListener` for sockets,
//!   localipc pipe ends for pipes and FIFOs. Differences come from the
//!   measured side only.
//! * **Interleaved rounds.** Each round measures every contender of a family
//!   back to back for one figure before moving to the next figure, in an
//!   order rotated every round, so slow drifts of the machine hit everyone
//!   alike. A figure is the median over rounds, and the ratio to the family's
//!   baseline is the median of the ratios measured within each round.
//! * **Two placements.** Unpinned (what users get) and, on Linux, both
//!   processes pinned to one CPU.
//!
//! # Modes
//!
//! * default: the full run, a few minutes;
//! * `--quick`: fewer rounds and smaller transfers, for a first look;
//! * `--smoke`: tiny transfers, one round, every byte checked: for CI, fails
//!   when a transfer is incomplete or corrupt or a peer fails.
//!
//! Results go to stdout as a table and to `--json PATH` and `--markdown PATH`
//! (by default `bench-results/latest.json` and `latest.md` in the target
//! directory).

#[cfg(unix)]
mod affinity;
#[cfg(unix)]
mod allocations;
#[cfg(unix)]
mod allocator;
#[cfg(unix)]
mod args;
#[cfg(unix)]
mod contender;
#[cfg(unix)]
mod job;
#[cfg(unix)]
mod machine;
#[cfg(unix)]
mod measure;
#[cfg(unix)]
mod pattern;
#[cfg(unix)]
mod peer;
#[cfg(unix)]
mod pipe;
#[cfg(unix)]
mod report;
#[cfg(unix)]
mod results;
#[cfg(unix)]
mod socket;
#[cfg(unix)]
mod stats;
#[cfg(unix)]
mod suite;
#[cfg(unix)]
mod targets;
#[cfg(unix)]
mod watchdog;

/// Counts every allocation, so the suite can show that localipc's data path
/// allocates nothing.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: allocator::CountingAllocator = allocator::CountingAllocator;

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&arguments) {
        Ok(args::Command::Peer(peer_arguments)) => peer::main(&peer_arguments),
        Ok(args::Command::Help) => {
            print!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Ok(args::Command::Run(settings)) => match suite::run(&settings) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("localipc-bench: {error}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("localipc-bench: {message}\n\n{}", args::USAGE);
            ExitCode::from(2)
        }
    }
}

#[cfg(windows)]
mod windows;

/// Windows measures its local sockets in-process (see `windows.rs`);
/// `--smoke` shrinks the transfers for CI.
#[cfg(windows)]
fn main() -> std::process::ExitCode {
    let smoke = std::env::args().skip(1).any(|arg| arg == "--smoke");
    match windows::main(smoke) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("localipc-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
