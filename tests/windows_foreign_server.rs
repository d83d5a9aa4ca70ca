//! Pipe servers that are not localipc (Windows only), through the public
//! API: a pipe created by a bare `CreateNamedPipeW` with a NULL security
//! descriptor, as C programs and other crates create them, is served by this
//! user, so a client that expects this user accepts it. Wine gives such a
//! pipe no owner at all; the client then asks who runs the server process.
#![cfg(windows)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::path::Path;
use std::ptr;
use std::thread;
use std::time::{Duration, Instant};

use localipc::identity::User;
use localipc::local_socket::{self, ExpectedServer, Name};
use localipc::os::windows::identity::UserExt;
use localipc::os::windows::named_pipe;
use util::names::pipe_path;
use util::{assert_success, child_command, is_child, is_wine, skip, watchdog};
use windows_sys::Win32::Foundation::{ERROR_PIPE_CONNECTED, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::PIPE_ACCESS_DUPLEX;
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_TYPE_BYTE, PIPE_WAIT,
};

const LIMIT: Duration = Duration::from_secs(60);
const PATH_VAR: &str = "LOCALIPC_TEST_PIPE_PATH";
/// The SID of the Administrators group, which owns what an elevated
/// administrator creates on real Windows (its token's default owner).
const ADMINISTRATORS_SID: &str = "S-1-5-32-544";

/// Creates the one instance of a foreign pipe server at `path`: a byte-mode,
/// duplex, blocking pipe with a NULL security descriptor.
fn foreign_server(path: &str) -> File {
    let wide: Vec<u16> = Path::new(path)
        .as_os_str()
        .encode_wide()
        .chain([0])
        .collect();
    // SAFETY: `wide` is NUL-terminated UTF-16 that outlives the call; a null
    // SECURITY_ATTRIBUTES pointer asks for the default descriptor (on Wine,
    // none at all), which is the point of this test.
    let handle = unsafe {
        CreateNamedPipeW(
            wide.as_ptr(),
            PIPE_ACCESS_DUPLEX,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT,
            1,
            4096,
            4096,
            0,
            ptr::null(),
        )
    };
    assert_ne!(
        handle,
        INVALID_HANDLE_VALUE,
        "CreateNamedPipeW: {}",
        io::Error::last_os_error()
    );
    // SAFETY: CreateNamedPipeW succeeded, so `handle` is a new handle that
    // nothing else owns.
    File::from(unsafe { OwnedHandle::from_raw_handle(handle) })
}

/// Waits for a client on the foreign server, then answers its `ping` with
/// `pong` and waits for it to leave. An error if the client left early (as
/// a client that refused the server does).
fn serve_one_ping(server: &mut File) -> io::Result<()> {
    // SAFETY: `server` is an open, synchronous (not overlapped) pipe server
    // end, for which a null OVERLAPPED pointer makes the call blocking.
    let connected = unsafe { ConnectNamedPipe(server.as_raw_handle(), ptr::null_mut()) };
    if connected == 0 {
        let error = io::Error::last_os_error();
        // A client that opened the pipe before the call is connected too.
        if error.raw_os_error() != Some(ERROR_PIPE_CONNECTED as i32) {
            return Err(error);
        }
    }
    let mut request = [0; 4];
    server.read_exact(&mut request)?;
    assert_eq!(&request, b"ping");
    server.write_all(b"pong")?;
    let mut rest = Vec::new();
    // Stay until the client leaves, whatever it does.
    let _ = server.read_to_end(&mut rest);
    Ok(())
}

/// Creates a foreign server at `path` and serves one ping on a thread.
fn spawn_foreign_server(path: &str) -> thread::JoinHandle<io::Result<()>> {
    let mut server = foreign_server(path);
    thread::spawn(move || serve_one_ping(&mut server))
}

/// Sends `ping` and expects `pong`.
fn ping(mut stream: impl Read + Write) {
    stream.write_all(b"ping").unwrap();
    let mut reply = [0; 4];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"pong");
}

/// The client's connection, or `None` (after saying why) where real Windows
/// makes the foreign pipe another principal's: an elevated administrator's
/// pipes are owned by the Administrators group, which a client expecting
/// this user rightly refuses.
fn connected_or_skipped<T>(test: &str, connection: io::Result<T>) -> Option<T> {
    match connection {
        Err(error)
            if !is_wine()
                && error.kind() == ErrorKind::PermissionDenied
                && error.to_string().contains(ADMINISTRATORS_SID) =>
        {
            skip(
                test,
                "this process is an elevated administrator, so Windows made the \
                 Administrators group the owner of the foreign pipe",
            );
            None
        }
        connection => Some(connection.unwrap()),
    }
}

#[test]
fn a_default_local_socket_client_accepts_a_foreign_pipe_of_this_user() {
    let test = "a_default_local_socket_client_accepts_a_foreign_pipe_of_this_user";
    let _watchdog = watchdog(test, LIMIT);
    let path = pipe_path("foreign-local-socket");
    let serving = spawn_foreign_server(&path);
    let name = Name::path(&path).unwrap();
    if let Some(stream) = connected_or_skipped(test, local_socket::Stream::connect(&name)) {
        ping(&stream);
        drop(stream);
        serving.join().unwrap().unwrap();
    }
}

#[test]
fn a_default_local_socket_client_accepts_a_foreign_pipe_served_by_another_process() {
    let test = "a_default_local_socket_client_accepts_a_foreign_pipe_served_by_another_process";
    let _watchdog = watchdog(test, LIMIT);
    if is_child() {
        serve_one_ping(&mut foreign_server(&std::env::var(PATH_VAR).unwrap())).unwrap();
        return;
    }
    let path = pipe_path("foreign-child");
    let mut child = child_command(test)
        .env(PATH_VAR, &path)
        .spawn_child()
        .unwrap();
    let name = Name::path(&path).unwrap();
    let started = Instant::now();
    // The child creates the pipe when it gets to it.
    let connection = loop {
        match local_socket::Stream::connect(&name) {
            Err(error) if error.kind() == ErrorKind::NotFound && started.elapsed() < LIMIT => {
                thread::sleep(Duration::from_millis(10));
            }
            connection => break connection,
        }
    };
    if let Some(stream) = connected_or_skipped(test, connection) {
        ping(&stream);
        drop(stream);
        assert_success(child.wait().unwrap(), "the foreign server");
    } else {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[test]
fn a_named_pipe_client_expecting_this_user_accepts_a_foreign_pipe() {
    let test = "a_named_pipe_client_expecting_this_user_accepts_a_foreign_pipe";
    let _watchdog = watchdog(test, LIMIT);
    let path = pipe_path("foreign-named-pipe");
    let serving = spawn_foreign_server(&path);
    let connection = named_pipe::ConnectOptions::new(&path)
        .expected_server(ExpectedServer::current_user())
        .connect();
    if let Some(stream) = connected_or_skipped(test, connection) {
        ping(&stream);
        drop(stream);
        serving.join().unwrap().unwrap();
    }
}

#[test]
fn a_named_pipe_client_expecting_another_user_refuses_a_foreign_pipe_of_this_user() {
    let _watchdog = watchdog(
        "a_named_pipe_client_expecting_another_user_refuses_a_foreign_pipe_of_this_user",
        LIMIT,
    );
    let path = pipe_path("foreign-other-user");
    let _server = foreign_server(&path);
    let someone_else = User::from_sid("S-1-5-21-1-2-3-4242").unwrap();
    let error = named_pipe::ConnectOptions::new(&path)
        .expected_server(ExpectedServer::user(someone_else))
        .connect()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("refusing the server of `{path}`: ")),
        "{message}"
    );
    if is_wine() {
        // Wine's pipe has no owner: the server process's user decides.
        let me = User::current().unwrap();
        let expected = format!("runs as {}, not as S-1-5-21-1-2-3-4242", me.sid());
        assert!(message.contains(&expected), "{message}");
    } else {
        assert!(
            message.contains(", not by S-1-5-21-1-2-3-4242"),
            "{message}"
        );
    }
}

/// The async clients share the blocking ones' check: each accepts a
/// foreign pipe of this user and exchanges bytes with it.
#[cfg(any(feature = "tokio", feature = "smol"))]
#[test]
fn async_clients_accept_a_foreign_pipe_of_this_user() {
    let test = "async_clients_accept_a_foreign_pipe_of_this_user";
    let _watchdog = watchdog(test, LIMIT);
    // Runs `exchange` as a client of a fresh foreign server.
    let serve = |label: &str, exchange: &dyn Fn(&str) -> Option<()>| {
        let path = pipe_path(label);
        let serving = spawn_foreign_server(&path);
        if exchange(&path).is_some() {
            serving.join().unwrap().unwrap();
        }
    };
    #[cfg(feature = "tokio")]
    {
        use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
        async fn ping(mut stream: impl AsyncRead + AsyncWrite + Unpin) {
            stream.write_all(b"ping").await.unwrap();
            let mut reply = [0; 4];
            stream.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"pong");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        serve("foreign-tokio-socket", &|path| {
            runtime.block_on(async {
                let name = Name::path(path).unwrap();
                let connected = local_socket::tokio::Stream::connect(&name).await;
                ping(connected_or_skipped(test, connected)?).await;
                Some(())
            })
        });
        serve("foreign-tokio-pipe", &|path| {
            runtime.block_on(async {
                let mut options = named_pipe::ConnectOptions::new(path);
                options.expected_server(ExpectedServer::current_user());
                let connected = named_pipe::tokio::Stream::connect(&options).await;
                ping(connected_or_skipped(test, connected)?).await;
                Some(())
            })
        });
    }
    #[cfg(feature = "smol")]
    serve("foreign-smol-socket", &|path| {
        use smol::io::{AsyncReadExt, AsyncWriteExt};
        smol::block_on(async {
            let name = Name::path(path).unwrap();
            let connected = local_socket::smol::Stream::connect(&name).await;
            let mut stream = connected_or_skipped(test, connected)?;
            stream.write_all(b"ping").await.unwrap();
            let mut reply = [0; 4];
            stream.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"pong");
            Some(())
        })
    });
}
