//! The pipe family: the measured side creates two pipes with each library
//! (one to the peer, one back) and hands the peer its ends as localipc pipe
//! ends, so the peer's code is the same for every contender.

use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;

use localipc::pipe::{Receiver, Sender};

use crate::contender::{Contender, Context, Family};
use crate::job::Job;
use crate::measure::{self, Measurement};
use crate::peer::{Peer, Transport};

/// The capacity of the "1 MiB" rows: Linux's default ceiling for
/// unprivileged processes (`/proc/sys/fs/pipe-max-size`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const LARGE_CAPACITY: usize = 1 << 20;

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "pipes";
pub(crate) const LOCALIPC_PIPE: &str = "localipc pipe";
pub(crate) const LOCALIPC_FIFO: &str = "localipc FIFO";
pub(crate) const INTERPROCESS: &str = "interprocess pipe";
pub(crate) const TOKIO: &str = "tokio pipe";
pub(crate) const LOCALIPC_TOKIO: &str = "localipc tokio pipe";
pub(crate) const LOCALIPC_SMOL: &str = "localipc smol pipe";

pub(crate) fn family() -> Family {
    Family {
        name: "Pipes and FIFOs",
        key: KEY,
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
                name: LOCALIPC_FIFO,
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

/// Two pipes as this process and the peer hold them.
#[derive(Debug)]
struct Pipes<W, R> {
    to_peer: W,
    from_peer: R,
    peer_input: Receiver,
    peer_output: Sender,
}

/// Hands the peer its ends, closes them here, and runs `job` over the rest.
fn with_peer<W: Write, R: Read>(
    context: &Context,
    job: Job,
    pipes: Pipes<W, R>,
) -> io::Result<Measurement> {
    with_peer_async(context, job, pipes, |to_peer, from_peer| {
        measure::blocking::run(to_peer, from_peer, job)
    })
}

/// [`with_peer`] with the measuring left to `measure`, which gets this
/// side's two ends.
fn with_peer_async<W, R>(
    context: &Context,
    job: Job,
    pipes: Pipes<W, R>,
    measure: impl FnOnce(W, R) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    let spec = context.peer_spec(Transport::Pipe, job);
    let peer = Peer::with_pipes(&context.exe, &spec, &pipes.peer_input, &pipes.peer_output)?;
    // The peer holds the only copies now, so each pipe ends when one side
    // closes it.
    drop(pipes.peer_input);
    drop(pipes.peer_output);
    peer.conclude(measure(pipes.to_peer, pipes.from_peer))
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
    with_peer_async(context, job, pipes, |to_peer, from_peer| {
        // Registered inside the runtime that drives them.
        crate::socket::tokio_runtime()?.block_on(async {
            let to_peer = pipe::Sender::from_owned_fd(to_peer)?;
            let from_peer = pipe::Receiver::from_owned_fd(from_peer)?;
            let mut stream = tokio::io::join(from_peer, to_peer);
            measure::tokio::run(&mut stream, job).await
        })
    })
}

fn localipc_tokio_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer_async(context, job, localipc_pipes()?, |to_peer, from_peer| {
        crate::socket::tokio_runtime()?.block_on(async {
            let to_peer = localipc::pipe::tokio::Sender::from_blocking(to_peer)?;
            let from_peer = localipc::pipe::tokio::Receiver::from_blocking(from_peer)?;
            let mut stream = tokio::io::join(from_peer, to_peer);
            measure::tokio::run(&mut stream, job).await
        })
    })
}

fn std_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    let (peer_input, to_peer) = std::io::pipe()?;
    let (from_peer, peer_output) = std::io::pipe()?;
    let pipes = Pipes {
        to_peer,
        from_peer,
        peer_input: peer_input.into(),
        peer_output: peer_output.into(),
    };
    with_peer(context, job, pipes)
}

fn localipc_pipes() -> io::Result<Pipes<Sender, Receiver>> {
    let (to_peer, peer_input) = localipc::pipe::pipe()?;
    let (peer_output, from_peer) = localipc::pipe::pipe()?;
    Ok(Pipes {
        to_peer,
        from_peer,
        peer_input,
        peer_output,
    })
}

fn localipc_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, localipc_pipes()?)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn localipc_pipe_large(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, enlarged(localipc_pipes()?)?)
}

/// Both pipes with `LARGE_CAPACITY`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn enlarged(pipes: Pipes<Sender, Receiver>) -> io::Result<Pipes<Sender, Receiver>> {
    use localipc::os::linux::PipeExt as _;

    pipes.to_peer.set_capacity(LARGE_CAPACITY)?;
    pipes.from_peer.set_capacity(LARGE_CAPACITY)?;
    Ok(pipes)
}

fn fifo_pipes(context: &Context) -> io::Result<Pipes<Sender, Receiver>> {
    let (to_peer, peer_input) = fifo_ends(context)?;
    let (peer_output, from_peer) = fifo_ends(context)?;
    Ok(Pipes {
        to_peer,
        from_peer,
        peer_input,
        peer_output,
    })
}

/// Creates a FIFO and opens both its ends here: the read end first, without
/// waiting for a writer, then the write end, which finds that reader. The
/// name is removed once both are open; the ends outlive it.
pub(crate) fn fifo_ends(context: &Context) -> io::Result<(Sender, Receiver)> {
    use localipc::os::unix::PipeExt as _;
    use localipc::os::unix::fifo;

    let path = context.scratch.join(format!("{}.fifo", context.unique()));
    fifo::create(&path, 0o600)?;
    let receiver = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_receiver(&path)?;
    let sender = fifo::open_sender(&path)?;
    receiver.set_nonblocking(false)?;
    std::fs::remove_file(&path)?;
    Ok((sender, receiver))
}

fn localipc_fifo(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, fifo_pipes(context)?)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn localipc_fifo_large(context: &Context, job: Job) -> io::Result<Measurement> {
    with_peer(context, job, enlarged(fifo_pipes(context)?)?)
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
    with_peer(context, job, pipes)
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
    with_peer_async(context, job, localipc_pipes()?, |to_peer, from_peer| {
        async_io::block_on(async {
            let to_peer = localipc::pipe::smol::Sender::from_blocking(to_peer)?;
            let from_peer = localipc::pipe::smol::Receiver::from_blocking(from_peer)?;
            let mut stream = Joined(from_peer, to_peer);
            measure::futures::run(&mut stream, job).await
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
