//! Relaying standard input and output over a connection, like `nc`, and
//! the serving loop of every listening verb.
//!
//! A connection is a local socket stream on Unix; on Windows every
//! connection (a local socket's included) is a named-pipe stream, which
//! also carries message mode.

use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crate::stop::Stop;

/// A byte stream as the relay takes it: a local socket stream on Unix; on
/// Windows a named-pipe stream (a local socket's included), which also
/// carries message mode.
#[cfg(unix)]
pub(crate) type StreamConnection = localipc::local_socket::Stream;
/// A byte stream as the relay takes it: a local socket stream on Unix; on
/// Windows a named-pipe stream (a local socket's included), which also
/// carries message mode.
#[cfg(windows)]
pub(crate) type StreamConnection = localipc::os::windows::named_pipe::Stream;

/// What the relay runs over.
pub(crate) enum Connection {
    Stream(StreamConnection),
    /// A message local socket: one line is one message.
    #[cfg(message_sockets)]
    Messages(localipc::local_socket::MessageSocket),
}

/// Accepts clients from `accept`, which also says who each one is, and
/// serves each by echoing or relaying: one, or with `keep` one after
/// another. One client's trouble does not end a `keep` server.
///
/// Returns early, with `Ok`, when `stop` says a signal asked to stop.
pub(crate) fn serve(
    accept: impl FnMut() -> io::Result<(Connection, Option<u32>)>,
    keep: bool,
    echo: bool,
    stop: &Stop,
) -> io::Result<()> {
    serve_each(accept, keep, stop, move |connection| {
        if echo {
            echo_back(&connection)
        } else {
            relay(connection)
        }
    })
}

/// The serving loop of every listening verb: accepts clients from
/// `accept`, which also says who each one is, and serves each with
/// `serve`: one, or with `keep` one after another. One client's trouble
/// does not end a `keep` server. Returns early, with `Ok`, when `stop` says
/// a signal asked to stop.
pub(crate) fn serve_each<T: Send + 'static>(
    mut accept: impl FnMut() -> io::Result<(T, Option<u32>)>,
    keep: bool,
    stop: &Stop,
    serve: impl Fn(T) -> io::Result<()> + Clone + Send + 'static,
) -> io::Result<()> {
    loop {
        let accepted = accept();
        // The connection that woke the accept for a stop is our own.
        if stop.signal().is_some() {
            return Ok(());
        }
        let (client, pid) = accepted?;
        if let Some(pid) = pid {
            eprintln!("localipc: client connected (pid {pid})");
        }
        let serve = serve.clone();
        let Some(served) = stop.run(move || serve(client))? else {
            return Ok(());
        };
        match served {
            Ok(()) => {}
            Err(error) if keep => eprintln!("localipc: client: {error}"),
            Err(error) => return Err(error),
        }
        if !keep {
            return Ok(());
        }
    }
}

/// Sends back everything the client sends (each message as one, in
/// message mode) until it closes.
fn echo_back(connection: &Connection) -> io::Result<()> {
    let mut buf = Vec::new();
    while receive(connection, &mut buf)? {
        transmit(connection, &buf)?;
    }
    Ok(())
}

/// Standard input to the connection, the connection to standard output,
/// at once. Done when both are; but an output that fails (for instance
/// because the listener refused this client) ends the command at once,
/// even while standard input waits on a terminal.
pub(crate) fn relay(connection: Connection) -> io::Result<()> {
    let connection = Arc::new(connection);
    let done_sending = Arc::new(AtomicBool::new(false));
    connection.prepare_reading()?;
    let input = thread::spawn({
        let connection = Arc::clone(&connection);
        let done_sending = Arc::clone(&done_sending);
        move || {
            let sent = match send_input(&connection) {
                Ok(()) => connection.finish_sending(),
                // The peer left while we were still sending: what it sent
                // still counts.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(error) => Err(error),
            };
            done_sending.store(true, Ordering::Release);
            sent
        }
    });
    copy_to_stdout(&connection, &done_sending)?;
    // The peer's end of sending: it may still read what comes.
    input
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the input thread panicked")))
}

/// Copies standard input to the connection: as it comes, or one message
/// per line in message mode.
fn send_input(connection: &Connection) -> io::Result<()> {
    let mut stdin = io::stdin().lock();
    match connection {
        Connection::Stream(stream) if !connection.is_message_mode() => {
            return io::copy(&mut stdin, &mut &*stream).map(drop);
        }
        _ => {}
    }
    let mut line = Vec::new();
    while stdin.read_until(b'\n', &mut line)? > 0 {
        let message = line.strip_suffix(b"\n").unwrap_or(&line);
        let message = message.strip_suffix(b"\r").unwrap_or(message);
        // An empty line is an empty message, which message sockets refuse
        // (it would read as the end): it goes as nothing.
        if !message.is_empty() || !connection.is_message_socket() {
            transmit(connection, message)?;
        }
        line.clear();
    }
    Ok(())
}

/// Copies the connection to standard output until the peer closes (or, on
/// Windows, until it has been quiet for a moment after sending is done);
/// in message mode each message is one line.
fn copy_to_stdout(connection: &Connection, done_sending: &AtomicBool) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let messages = connection.is_message_mode();
    let mut buf = Vec::new();
    loop {
        match receive(connection, &mut buf) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                if messages {
                    buf.push(b'\n');
                }
                stdout.write_all(&buf)?;
                stdout.flush()?;
            }
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                if done_sending.load(Ordering::Acquire) {
                    return Ok(());
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// Reads what comes next into `buf`, replacing its contents: one message
/// in message mode, else what one read yields; false at the end of the
/// stream.
fn receive(connection: &Connection, buf: &mut Vec<u8>) -> io::Result<bool> {
    match connection {
        #[cfg(windows)]
        Connection::Stream(stream) if stream.is_message_mode() => {
            Ok(stream.recv_to_vec(buf)?.is_some())
        }
        Connection::Stream(stream) => {
            buf.resize(64 * 1024, 0);
            let n = (&*stream).read(buf)?;
            buf.truncate(n);
            Ok(n > 0)
        }
        #[cfg(message_sockets)]
        Connection::Messages(socket) => Ok(socket.recv_to_vec(buf)? > 0),
    }
}

/// Sends `data`: as one message in message mode, else as bytes.
fn transmit(connection: &Connection, data: &[u8]) -> io::Result<()> {
    match connection {
        #[cfg(windows)]
        Connection::Stream(stream) if stream.is_message_mode() => stream.send(data),
        Connection::Stream(stream) => (&*stream).write_all(data),
        #[cfg(message_sockets)]
        Connection::Messages(socket) => socket.send(data),
    }
}

impl Connection {
    /// Whether what goes through is messages (one per line).
    fn is_message_mode(&self) -> bool {
        match self {
            #[cfg(windows)]
            Connection::Stream(stream) => stream.is_message_mode(),
            #[cfg(unix)]
            Connection::Stream(_) => false,
            #[cfg(message_sockets)]
            Connection::Messages(_) => true,
        }
    }

    /// Whether this is a message local socket (which refuses empty messages).
    fn is_message_socket(&self) -> bool {
        !matches!(self, Connection::Stream(_))
    }

    /// Unix: reads block until data or the peer's half-close. Windows
    /// pipes have no half-close, so reads wake up now and then to see
    /// whether sending is done and the peer has gone quiet.
    fn prepare_reading(&self) -> io::Result<()> {
        #[cfg(windows)]
        match self {
            Connection::Stream(stream) => stream.set_read_timeout(Some(QUIET))?,
            Connection::Messages(socket) => socket.set_read_timeout(Some(QUIET))?,
        }
        Ok(())
    }

    /// Tells the peer nothing more is coming: a half-close on Unix. Windows
    /// has no half-close: a byte stream waits until the peer has read
    /// everything sent; the output then runs until the peer goes quiet,
    /// and the drop closes.
    fn finish_sending(&self) -> io::Result<()> {
        #[cfg(unix)]
        let done = match self {
            Connection::Stream(stream) => {
                use localipc::os::unix::local_socket::StreamExt;
                stream.shutdown(std::net::Shutdown::Write)
            }
            #[cfg(message_sockets)]
            Connection::Messages(socket) => {
                use localipc::os::unix::local_socket::MessageSocketExt;
                socket.shutdown(std::net::Shutdown::Write)
            }
        };
        #[cfg(windows)]
        let done = match self {
            Connection::Stream(stream) => (&*stream).flush(),
            Connection::Messages(_) => Ok(()),
        };
        match done {
            // Already gone: nothing to tell.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::NotConnected | io::ErrorKind::BrokenPipe
                ) =>
            {
                Ok(())
            }
            other => other,
        }
    }
}

/// How long the peer must stay quiet, after standard input has ended, before
/// the connection is closed on Windows.
#[cfg(windows)]
const QUIET: std::time::Duration = std::time::Duration::from_millis(200);
