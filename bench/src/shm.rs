//! The shared-memory family: localipc's `ShmStream` (a duplex byte stream
//! through two rings in shared memory, set up over a local socket) at each
//! spin setting, against the stream a program would use without it: std's
//! `UnixStream` on Unix, localipc's named-pipe `Stream` on Windows (there
//! is no Unix socket to compare with there).
//!
//! # The peer
//!
//! The baseline's peer is the Unix-socket family's (std's `UnixListener` on
//! a fresh socket file) or, on Windows, a blocking localipc `Listener` on a
//! fresh namespaced name. The `ShmStream` contenders meet a blocking
//! localipc `ShmListener` on a fresh namespaced name, which answers with
//! the same code over its `ShmStream`. Each side of a channel waits with
//! its own spin, so the peer is told the contender's: a row is a channel
//! whose two ends spin alike, as a program that chose a spin would run
//! both. The ring capacity is the offering side's, the measured side's:
//! the default (`localipc::shm::DEFAULT_CAPACITY`) unless a row says.
//!
//! # CPU time
//!
//! The engine reads the CPU time of both processes over each timed part;
//! this family's report shows it per write and per round trip next to the
//! figures, since spinning buys latency with CPU time.

use std::io;
use std::time::Duration;

use localipc::shm::Spin;
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::shm_channel;
use localipc_bench_engine::measure::Measurement;

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "shm";
/// The baseline's row.
#[cfg(unix)]
pub(crate) const BASELINE: &str = "std UnixStream";
#[cfg(windows)]
pub(crate) const BASELINE: &str = "localipc Stream (named pipe)";
/// The row with the default spin, which the targets speak of.
pub(crate) const DEFAULT_SPIN: &str = "localipc ShmStream (default spin)";
/// The row that never spins.
pub(crate) const SPIN_OFF: &str = "localipc ShmStream (spin off)";
/// The row with a longer spin than the default, to weigh the default.
pub(crate) const LONG_SPIN: &str = "localipc ShmStream (spin 200 µs)";

/// The spin of the [`LONG_SPIN`] row.
const LONG_SPIN_LIMIT: Duration = Duration::from_micros(200);

pub(crate) fn family() -> Family {
    Family {
        name: "Shared memory",
        key: KEY,
        compared: true,
        contenders: vec![
            Contender {
                name: BASELINE,
                run: baseline,
            },
            Contender {
                name: DEFAULT_SPIN,
                run: default_spin,
            },
            Contender {
                name: SPIN_OFF,
                run: spin_off,
            },
            Contender {
                name: LONG_SPIN,
                run: long_spin,
            },
        ],
    }
}

/// How the family's figures read, for the reports' notes.
pub(crate) fn note() -> String {
    format!(
        "Shared memory: localipc ShmStream (two rings of {} KiB in shared memory, set up over a local socket) against {BASELINE}. Both ends of a channel spin alike: the peer (a blocking localipc ShmListener) is given the row's spin. The default spin is {} µs (localipc::shm::DEFAULT_SPIN). Its CPU table gives the CPU time (user and system) of both processes together per 64 KiB or 4 KiB write and per round trip while timed: spinning trades CPU time for latency, and with both processes pinned to one CPU a spinning side holds the CPU its peer needs.",
        localipc::shm::DEFAULT_CAPACITY / 1024,
        localipc::shm::DEFAULT_SPIN.as_micros(),
    )
}

/// std's `UnixStream` to the Unix-socket family's peer.
#[cfg(unix)]
fn baseline(context: &Context, job: Job) -> io::Result<Measurement> {
    localipc_bench_engine::link::std_unix_stream(context, job)
}

/// localipc's named-pipe `Stream` to a blocking localipc `Listener`.
#[cfg(windows)]
fn baseline(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::local_socket::{Name, Stream};
    use localipc_bench_engine::link::at_unique_name;
    use localipc_bench_engine::measure;
    use localipc_bench_engine::peer::Transport;

    at_unique_name(context, Transport::LocalSocketNamespaced, job, |name| {
        let stream = Stream::connect(&Name::namespaced(name)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn default_spin(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::default())
}

fn spin_off(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::Off)
}

fn long_spin(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::For(LONG_SPIN_LIMIT))
}
