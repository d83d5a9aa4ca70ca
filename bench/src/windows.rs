//! The Windows family: local sockets, which are named pipes there, through
//! localipc's blocking API, its Tokio and smol front ends, and Tokio's own
//! named pipes. It backs the design note of the Windows async core
//! (completions awaited through thread-pool waits): the async rows are read
//! as ratios to the blocking row and to Tokio's IOCP-based pipes.
//!
//! The peer listens with a blocking localipc `Listener` on a fresh
//! namespaced name; every contender connects to it with its own library.

use std::io;

use localipc::local_socket::{self, Name};
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::at_unique_name;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::peer::Transport;

use crate::measure::{on_futures, on_tokio};

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "local_sockets";
pub(crate) const LOCALIPC_TOKIO: &str = "localipc tokio Stream";
pub(crate) const TOKIO: &str = "tokio NamedPipeClient";

pub(crate) fn family() -> Family {
    Family {
        name: "Local sockets (named pipes)",
        key: KEY,
        compared: true,
        contenders: vec![
            Contender {
                name: "localipc Stream",
                run: blocking,
            },
            Contender {
                name: LOCALIPC_TOKIO,
                run: localipc_tokio,
            },
            Contender {
                name: "localipc smol Stream",
                run: localipc_smol,
            },
            Contender {
                name: TOKIO,
                run: tokio_pipe,
            },
        ],
    }
}

/// Starts a peer listening on a fresh namespaced name and runs `measure`,
/// which connects to that name.
fn with_peer(
    context: &Context,
    job: Job,
    measure: impl FnOnce(&Name) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    at_unique_name(context, Transport::LocalSocketNamespaced, job, |name| {
        measure(&Name::namespaced(name)?)
    })
}

fn blocking(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, |name| {
        let stream = local_socket::Stream::connect(name)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn localipc_tokio(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, |name| {
        on_tokio(job, || local_socket::tokio::Stream::connect(name))
    })
}

fn localipc_smol(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, |name| {
        on_futures(job, || local_socket::smol::Stream::connect(name))
    })
}

fn tokio_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    use tokio::net::windows::named_pipe::ClientOptions;

    with_peer(context, job, |name| {
        // Opened inside the runtime, whose IOCP it registers with.
        on_tokio(job, || async {
            ClientOptions::new().open(name.to_string())
        })
    })
}
