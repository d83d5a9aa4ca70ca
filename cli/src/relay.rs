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

/// What the relay runs over.
#[cfg(unix)]
pub(crate) type Connection = localipc::local_socket::Stream;
/// What the relay runs over.
#[cfg(windows)]
pub(crate) type Connection = localipc::os::windows::named_pipe::Stream;

/// Accepts clients from `accept`, which also says who each one is, and
/// serves each by echoing or relaying: one, or with `keep` one after
/// another. One client's trouble does not end a `keep` server.
pub(crate) fn serve(
    mut accept: impl FnMut() -> io::Result<(Connection, Option<u32>)>,
    keep: bool,
    echo: bool,
) -> io::Result<()> {
    loop {
        let (connection, pid) = accept()?;
        if let Some(pid) = pid {
            eprintln!("localipc: client connected (pid {pid})");
        }
        let served = if echo {
            echo_back(&connection)
        } else {
            relay(&connection)
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
/// at once.
pub(crate) fn relay(connection: &Connection) -> io::Result<()> {
    let connection = Arc::new(connection.try_clone()?);
    let done_sending = Arc::new(AtomicBool::new(false));
    prepare_reading(&connection)?;
    let output = thread::spawn({
        let connection = Arc::clone(&connection);
        let done_sending = Arc::clone(&done_sending);
        move || copy_to_stdout(&connection, &done_sending)
    });
    match send_input(&connection) {
        Ok(()) => finish_sending(&connection)?,
        // The peer left while we were still sending: what it sent still counts.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(error),
    }
    done_sending.store(true, Ordering::Release);
    output
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the output thread panicked")))
}

/// Copies standard input to the connection: as it comes, or one message
/// per line in message mode.
fn send_input(connection: &Connection) -> io::Result<()> {
    let mut stdin = io::stdin().lock();
    if !is_message_mode(connection) {
        return io::copy(&mut stdin, &mut &*connection).map(drop);
    }
    let mut line = Vec::new();
    while stdin.read_until(b'\n', &mut line)? > 0 {
        let message = line.strip_suffix(b"\n").unwrap_or(&line);
        transmit(connection, message.strip_suffix(b"\r").unwrap_or(message))?;
        line.clear();
    }
    Ok(())
}

/// Copies the connection to standard output until the peer closes (or, on
/// Windows, until it has been quiet for a moment after sending is done);
/// in message mode each message is one line.
fn copy_to_stdout(connection: &Connection, done_sending: &AtomicBool) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let messages = is_message_mode(connection);
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
    #[cfg(windows)]
    if connection.is_message_mode() {
        return Ok(connection.recv_to_vec(buf)?.is_some());
    }
    buf.resize(64 * 1024, 0);
    let n = (&*connection).read(buf)?;
    buf.truncate(n);
    Ok(n > 0)
}

/// Sends `data`: as one message in message mode, else as bytes.
fn transmit(connection: &Connection, data: &[u8]) -> io::Result<()> {
    #[cfg(windows)]
    if connection.is_message_mode() {
        return connection.send(data);
    }
    (&*connection).write_all(data)
}

#[cfg(unix)]
fn is_message_mode(_connection: &Connection) -> bool {
    false
}

#[cfg(windows)]
fn is_message_mode(connection: &Connection) -> bool {
    connection.is_message_mode()
}

/// Unix: reads block until data or the peer's half-close.
#[cfg(unix)]
fn prepare_reading(_connection: &Connection) -> io::Result<()> {
    Ok(())
}

/// Windows pipes have no half-close, so reads wake up now and then to see
/// whether sending is done and the peer has gone quiet.
#[cfg(windows)]
fn prepare_reading(connection: &Connection) -> io::Result<()> {
    connection.set_read_timeout(Some(QUIET))
}

/// How long the peer must stay quiet, after standard input has ended, before
/// the connection is closed on Windows.
#[cfg(windows)]
const QUIET: std::time::Duration = std::time::Duration::from_millis(200);

/// Tells the peer nothing more is coming: a half-close.
#[cfg(unix)]
fn finish_sending(connection: &Connection) -> io::Result<()> {
    use localipc::os::unix::local_socket::StreamExt;
    match connection.shutdown(std::net::Shutdown::Write) {
        // Already gone: nothing to tell.
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}

/// Windows has no half-close: wait until the peer has read everything sent;
/// the output then runs until the peer goes quiet, and the drop closes.
#[cfg(windows)]
fn finish_sending(connection: &Connection) -> io::Result<()> {
    match (&*connection).flush() {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
