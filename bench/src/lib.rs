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
//!
//! # As a library
//!
//! The binary is [`main_with`] with no [`Extras`]. A binary that measures
//! more (the field bench, `bench/field/`, whose contenders need a newer
//! toolchain than the workspace's) calls [`main_with`] with its own
//! contenders, notes, targets and peer transports: the same command line,
//! rounds and reports, with its rows in the families they belong to.

mod allocations;
mod args;
mod extras;
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

pub use extras::{Extras, Program};

/// Counts every allocation, so the suite can show that localipc's data path
/// allocates nothing. It is the global allocator of every binary that links
/// this crate.
#[global_allocator]
static ALLOCATOR: localipc_bench_engine::allocator::CountingAllocator =
    localipc_bench_engine::allocator::CountingAllocator;

/// Names of the suite's families and rows that a binary's contenders and
/// targets refer to.
pub mod names {
    /// The shared-memory family's key.
    pub const SHM_FAMILY: &str = crate::shm::KEY;
    /// The shared-memory row with the default spin at both ends.
    pub const SHM_DEFAULT_SPIN: &str = crate::shm::DEFAULT_SPIN;
    /// The message family's key (Linux, Android and Windows measure it).
    pub const MESSAGE_FAMILY: &str = "messages";
    /// The row of localipc's blocking `MessageSocket`, in the message family.
    pub const MESSAGE_SOCKET: &str = "localipc MessageSocket";
}

/// The suite's `main`, with `extras` measured and reported along with its
/// own contenders: reads the command line, runs the suite (or serves as a
/// peer, when started as one) and returns the exit status (1 if the run
/// failed, 2 on a usage error).
pub fn main_with(extras: &Extras) -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match args::parse_as(&arguments, &extras.program) {
        Ok(args::Command::Peer(peer_arguments)) => {
            localipc_bench_engine::peer::main_with(&peer_arguments, extras.peer)
        }
        Ok(args::Command::Run(settings)) => match suite::run(&settings, extras) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{}: {error}", extras.program.name);
                ExitCode::FAILURE
            }
        },
        // The help on stdout with status 0, or a usage error on stderr
        // with status 2.
        Err(error) => error.exit(),
    }
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn the_names_are_the_suites() {
        let families = crate::families::all();
        let family = |key| families.iter().find(|family| family.key == key);
        let has_row =
            |key, row| family(key).is_some_and(|f| f.contenders.iter().any(|c| c.name == row));
        assert!(has_row(names::SHM_FAMILY, names::SHM_DEFAULT_SPIN));
        #[cfg(any(target_os = "linux", target_os = "android", windows))]
        {
            assert_eq!(names::MESSAGE_FAMILY, crate::messages::KEY);
            assert!(has_row(names::MESSAGE_FAMILY, names::MESSAGE_SOCKET));
        }
    }
}
