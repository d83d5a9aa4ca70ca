//! `listen`, `connect` and `names`: relaying standard input and output over
//! a local socket, like `nc -lU` and `nc -U`.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use localipc::local_socket::{
    Access, ConnectOptions, ExpectedServer, ListenerOptions, Name, Stream,
};

/// Serves one client, or with `keep` one after another; says on standard
/// error which clients the access policy refused.
pub(crate) fn listen(name: &Name, keep: bool, echo: bool, access: Access) -> io::Result<()> {
    let listener = ListenerOptions::new(name)
        .access(access)
        .on_refused(|peer| {
            let who = match (peer.uid, peer.pid) {
                (Some(uid), Some(pid)) => format!("uid {uid}, pid {pid}"),
                (Some(uid), None) => format!("uid {uid}"),
                (None, Some(pid)) => format!("pid {pid}"),
                (None, None) => "unknown".to_owned(),
            };
            eprintln!("localipc: refused a client ({who}): the access policy does not admit it");
        })
        .bind()?;
    eprintln!("localipc: listening on {name}");
    loop {
        let stream = listener.accept()?;
        if let Ok(credentials) = stream.peer_credentials() {
            if let Some(pid) = credentials.pid {
                eprintln!("localipc: client connected (pid {pid})");
            }
        }
        let served = if echo {
            echo_back(&stream)
        } else {
            relay(&stream)
        };
        match served {
            Ok(()) => {}
            // One client's trouble does not end a --keep server.
            Err(error) if keep => eprintln!("localipc: client: {error}"),
            Err(error) => return Err(error),
        }
        if !keep {
            return Ok(());
        }
    }
}

/// Relays standard input and output through a connection to `name`.
pub(crate) fn connect(name: &Name, expected_server: ExpectedServer) -> io::Result<()> {
    let stream = ConnectOptions::new(name)
        .expected_server(expected_server)
        .connect()?;
    relay(&stream)
}

/// Sends back everything the client sends until it closes.
fn echo_back(stream: &Stream) -> io::Result<()> {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = (&*stream).read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        (&*stream).write_all(&buf[..n])?;
    }
}

/// Standard input to the stream, the stream to standard output, at once.
fn relay(stream: &Stream) -> io::Result<()> {
    let stream = Arc::new(stream.try_clone()?);
    let done_sending = Arc::new(AtomicBool::new(false));
    prepare_reading(&stream)?;
    let output = thread::spawn({
        let stream = Arc::clone(&stream);
        let done_sending = Arc::clone(&done_sending);
        move || copy_to_stdout(&stream, &done_sending)
    });
    let sent = io::copy(&mut io::stdin().lock(), &mut &*stream);
    match sent {
        Ok(_) => finish_sending(&stream)?,
        // The peer left while we were still sending: what it sent still counts.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(error),
    }
    done_sending.store(true, Ordering::Release);
    output
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the output thread panicked")))
}

/// Copies the stream to standard output until the peer closes (or, on
/// Windows, until it has been quiet for a moment after sending is done).
fn copy_to_stdout(stream: &Stream, done_sending: &AtomicBool) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match (&*stream).read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                stdout.write_all(&buf[..n])?;
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

/// Unix: reads block until data or the peer's half-close.
#[cfg(unix)]
fn prepare_reading(_stream: &Stream) -> io::Result<()> {
    Ok(())
}

/// Windows pipes have no half-close, so reads wake up now and then to see
/// whether sending is done and the peer has gone quiet.
#[cfg(windows)]
fn prepare_reading(stream: &Stream) -> io::Result<()> {
    stream.set_read_timeout(Some(QUIET))
}

/// How long the peer must stay quiet, after standard input has ended, before
/// the connection is closed on Windows.
#[cfg(windows)]
const QUIET: std::time::Duration = std::time::Duration::from_millis(200);

/// Tells the peer nothing more is coming: a half-close.
#[cfg(unix)]
fn finish_sending(stream: &Stream) -> io::Result<()> {
    use localipc::os::unix::local_socket::StreamExt;
    match stream.shutdown(std::net::Shutdown::Write) {
        // Already gone: nothing to tell.
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}

/// Windows has no half-close: wait until the peer has read everything sent;
/// the output then runs until the peer goes quiet, and the drop closes.
#[cfg(windows)]
fn finish_sending(stream: &Stream) -> io::Result<()> {
    let mut pipe = localipc::os::windows::named_pipe::Stream::from(stream.try_clone()?);
    match pipe.flush() {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints what `name` resolves to.
pub(crate) fn describe(name: &Name) {
    let kind = if name.is_namespaced() {
        "namespaced name"
    } else {
        "path name"
    };
    println!("{kind} resolves to: {name}");
    match name.fs_path() {
        Some(path) => println!("socket file: {}", path.display()),
        None if cfg!(windows) => println!("kind: Windows named pipe (no socket file)"),
        None => println!("kind: abstract socket (no socket file; any local user may connect)"),
    }
}
