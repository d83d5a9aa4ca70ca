//! The pipe family: the measured side creates two pipes with each library
//! (one to the peer, one back) and hands the peer its ends as localipc pipe
//! ends, so the peer's code is the same for every contender.

use std::io;
use std::os::fd::OwnedFd;

#[cfg(any(target_os = "linux", target_os = "android"))]
use localipc::pipe::{Receiver, Sender};
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::Pipes;
use localipc_bench_engine::measure::Measurement;

use crate::measure::{on_futures, on_tokio};

/// The capacity of the "1 MiB" rows: Linux's default ceiling for
/// unprivileged processes (`/proc/sys/fs/pipe-max-size`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const LARGE_CAPACITY: usize = 1 << 20;

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "pipes";
pub(crate) const LOCALIPC_PIPE: &str = "localipc pipe";
pub(crate) const INTERPROCESS: &str = "interprocess pipe";
pub(crate) const TOKIO: &str = "tokio pipe";
pub(crate) const LOCALIPC_TOKIO: &str = "localipc tokio pipe";
pub(crate) const LOCALIPC_SMOL: &str = "localipc smol pipe";

pub(crate) fn family() -> Family {
    Family {
        name: "Pipes and FIFOs",
        key: KEY,
        compared: true,
        contenders: vec![
            Contender {
                name: "std pipe",
                run: std_pipe,
            },
            Contender {
                name: LOCALIPC_PIPE,
                run: localipc_pipe,
            },
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Contender {
                name: "localipc pipe (1 MiB)",
                run: localipc_pipe_large,
            },
            Contender {
                name: "localipc FIFO",
                run: localipc_fifo,
            },
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Contender {
                name: "localipc FIFO (1 MiB)",
                run: localipc_fifo_large,
            },
            Contender {
                name: INTERPROCESS,
                run: interprocess_pipe,
            },
            Contender {
                name: TOKIO,
                run: tokio_pipe,
            },
            Contender {
                name: LOCALIPC_TOKIO,
                run: localipc_tokio_pipe,
            },
            Contender {
                name: LOCALIPC_SMOL,
                run: localipc_smol_pipe,
            },
        ],
    }
}

fn tokio_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    use tokio::net::unix::pipe;

    let (peer_input, to_peer) = std::io::pipe()?;
    let (from_peer, peer_output) = std::io::pipe()?;
    let pipes = Pipes {
        to_peer: OwnedFd::from(to_peer),
        from_peer: OwnedFd::from(from_peer),
        peer_input: peer_input.into(),
        peer_output: peer_output.into(),
    };
    pipes.measure(context, job, |to_peer, from_peer| {
        // Registered inside the runtime that drives them.
        on_tokio(job, || async {
            let to_peer = pipe::Sender::from_owned_fd(to_peer)?;
            let from_peer = pipe::Receiver::from_owned_fd(from_peer)?;
            Ok(tokio::io::join(from_peer, to_peer))
        })
    })
}

fn localipc_tokio_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::localipc()?.measure(context, job, |to_peer, from_peer| {
        on_tokio(job, || async {
            let to_peer = localipc::pipe::tokio::Sender::from_blocking(to_peer)?;
            let from_peer = localipc::pipe::tokio::Receiver::from_blocking(from_peer)?;
            Ok(tokio::io::join(from_peer, to_peer))
        })
    })
}

fn std_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::std()?.measure_blocking(context, job)
}

fn localipc_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::localipc()?.measure_blocking(context, job)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn localipc_pipe_large(context: &Context, job: Job) -> io::Result<Measurement> {
    enlarged(Pipes::localipc()?)?.measure_blocking(context, job)
}

/// Both pipes with `LARGE_CAPACITY`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn enlarged(pipes: Pipes<Sender, Receiver>) -> io::Result<Pipes<Sender, Receiver>> {
    use localipc::os::linux::PipeExt as _;

    pipes.to_peer.set_capacity(LARGE_CAPACITY)?;
    pipes.from_peer.set_capacity(LARGE_CAPACITY)?;
    Ok(pipes)
}

fn localipc_fifo(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::fifos(context)?.measure_blocking(context, job)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn localipc_fifo_large(context: &Context, job: Job) -> io::Result<Measurement> {
    enlarged(Pipes::fifos(context)?)?.measure_blocking(context, job)
}

fn interprocess_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    let (to_peer, peer_input) = interprocess::unnamed_pipe::pipe()?;
    let (peer_output, from_peer) = interprocess::unnamed_pipe::pipe()?;
    let pipes = Pipes {
        to_peer: close_on_exec(to_peer)?,
        from_peer: close_on_exec(from_peer)?,
        peer_input: OwnedFd::from(peer_input).into(),
        peer_output: OwnedFd::from(peer_output).into(),
    };
    pipes.measure_blocking(context, job)
}

/// interprocess creates its pipes inheritable, so the peer would inherit
/// this side's ends as well and never see its streams end. A close-on-exec
/// duplicate (std's `try_clone`) of the same end fixes that without touching
/// the data path.
fn close_on_exec<T>(end: T) -> io::Result<T>
where
    T: From<OwnedFd>,
    OwnedFd: From<T>,
{
    Ok(T::from(OwnedFd::from(end).try_clone()?))
}

fn localipc_smol_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::localipc()?.measure(context, job, |to_peer, from_peer| {
        on_futures(job, || async {
            let to_peer = localipc::pipe::smol::Sender::from_blocking(to_peer)?;
            let from_peer = localipc::pipe::smol::Receiver::from_blocking(from_peer)?;
            Ok(Joined(from_peer, to_peer))
        })
    })
}

/// A reader and a writer as one futures-io stream (futures-lite has no
/// `join`; Tokio's is `tokio::io::join`).
struct Joined<R, W>(R, W);

impl<R: futures_lite::AsyncRead + Unpin, W: Unpin> futures_lite::AsyncRead for Joined<R, W> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<R: Unpin, W: futures_lite::AsyncWrite + Unpin> futures_lite::AsyncWrite for Joined<R, W> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.1).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.1).poll_flush(cx)
    }

    fn poll_close(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.1).poll_close(cx)
    }
}
