//! `listen --shm` and `connect --shm`: a shared-memory channel from the
//! shell, set up over a local socket of the same name (with its access
//! policy and server check), then relayed or echoed like a stream.
//!
//! A `ShmStream` is read and written through `&mut`, so one thread pumps
//! both ways: standard input comes from a thread of its own through a
//! channel, and the stream waits at most [`TICK`] for each side, so that
//! neither direction can hold the other (a peer that echoes while this side
//! still sends fills both rings otherwise).

use std::io::{self, Read, Write};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::Duration;

use localipc::local_socket::{ConnectOptions, ResourceStream};
use localipc::shm::{ShmListener, ShmOptions, ShmStream};

use crate::stop::Stop;

/// The longest a read or a write of the relay waits before it looks at the
/// other direction.
const TICK: Duration = Duration::from_millis(10);
/// What one read takes.
const CHUNK: usize = 64 * 1024;

/// Serves the clients of `listener`: one, or with `keep` one after
/// another; returns early when `stop` says a signal asked to stop.
pub(crate) fn serve(listener: &ShmListener, keep: bool, echo: bool, stop: &Stop) -> io::Result<()> {
    let accept = || {
        let stream = listener.accept()?;
        let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
        Ok((stream, pid))
    };
    crate::relay::serve_each(accept, keep, stop, move |mut stream| {
        if echo {
            echo_back(&mut stream)
        } else {
            relay(stream)
        }
    })
}

/// A channel set up over a connection made with `options` (its server
/// check included).
pub(crate) fn offer(options: &ConnectOptions) -> io::Result<ShmStream> {
    ShmOptions::new().offer(ResourceStream::new(options.connect()?)?)
}

/// Connects with `options`, sets up a channel and relays.
pub(crate) fn connect(options: &ConnectOptions) -> io::Result<()> {
    relay(offer(options)?)
}

/// Sends back everything the client sends until it closes.
fn echo_back(stream: &mut ShmStream) -> io::Result<()> {
    let mut buf = vec![0; CHUNK];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}

/// Standard input to the stream, the stream to standard output, until both
/// are done: the end of standard input closes the sending side, and the
/// peer's end of sending ends the output.
fn relay(mut stream: ShmStream) -> io::Result<()> {
    let input = read_input();
    stream.set_read_timeout(Some(TICK))?;
    stream.set_write_timeout(Some(TICK))?;
    let mut stdout = io::stdout().lock();
    let mut buf = vec![0; CHUNK];
    let mut pending = Vec::new();
    let mut sent = 0;
    let (mut sending, mut receiving) = (true, true);
    while sending || receiving {
        if sending && sent == pending.len() {
            // With nothing to read, the wait is for input.
            let next = if receiving {
                input
                    .try_recv()
                    .map_err(|error| error == TryRecvError::Empty)
            } else {
                input
                    .recv_timeout(TICK)
                    .map_err(|error| error == RecvTimeoutError::Timeout)
            };
            match next {
                Ok(chunk) => {
                    pending = chunk?;
                    sent = 0;
                }
                Err(true) => {}
                Err(false) => {
                    stream.shutdown_write();
                    sending = false;
                }
            }
        }
        if sending && sent < pending.len() {
            match stream.write(&pending[sent..]) {
                Ok(n) => sent += n,
                Err(error) if waited(&error) => {}
                // The peer left: what it sent still counts.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => sending = false,
                Err(error) => return Err(error),
            }
        }
        if receiving {
            match stream.read(&mut buf) {
                Ok(0) => receiving = false,
                Ok(n) => {
                    stdout.write_all(&buf[..n])?;
                    stdout.flush()?;
                }
                Err(error) if waited(&error) => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(())
}

/// Whether `error` only says that a wait of [`TICK`] ended.
fn waited(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// Standard input in chunks, from a thread of its own; the channel closes
/// at its end.
fn read_input() -> mpsc::Receiver<io::Result<Vec<u8>>> {
    let (chunks, input) = mpsc::sync_channel(4);
    thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        loop {
            let mut chunk = vec![0; CHUNK];
            match stdin.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => {
                    chunk.truncate(n);
                    if chunks.send(Ok(chunk)).is_err() {
                        return;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let _ = chunks.send(Err(error));
                    return;
                }
            }
        }
    });
    input
}
