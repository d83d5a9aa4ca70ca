//! What only the Tokio front end has: a runtime context that objects must be
//! created in, and runtimes that end while their objects live on.

use std::io::Read;
use std::time::Duration;

use localipc::local_socket::tokio::{Listener, Stream};
use localipc::local_socket::{self};
use tokio::io::AsyncWriteExt;

use crate::util::names::namespaced;
use crate::util::watchdog;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn a_stream_dropped_outside_any_runtime_delivers_what_it_wrote() {
    let _watchdog = watchdog(
        "tokio_only::a_stream_dropped_outside_any_runtime_delivers_what_it_wrote",
        LIMIT,
    );
    let name = namespaced("outside-drop");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (listener, client) = runtime.block_on(async {
        let listener = Listener::bind(&name).unwrap();
        let mut client = Stream::connect(&name).await.unwrap();
        client.write_all(b"written inside").await.unwrap();
        client.flush().await.unwrap();
        (listener, client)
    });
    let server = runtime.block_on(async { listener.accept().await.unwrap() });
    drop(runtime);
    // The runtime is gone: dropping what it created must neither panic nor
    // lose what was written.
    drop(client);
    drop(listener);
    // The server was registered with the old runtime: it converts to
    // blocking without one.
    let server = server.into_blocking().unwrap();
    let mut got = String::new();
    (&server).read_to_string(&mut got).unwrap();
    assert_eq!(got, "written inside");
}

#[test]
fn creating_outside_a_runtime_is_an_error_not_a_panic() {
    let _watchdog = watchdog(
        "tokio_only::creating_outside_a_runtime_is_an_error_not_a_panic",
        LIMIT,
    );
    let name = namespaced("no-runtime");
    let error = Listener::bind(&name).unwrap_err();
    assert!(error.to_string().contains("Tokio runtime"), "{error}");
    let blocking = local_socket::Listener::bind(&name).unwrap();
    let client = local_socket::Stream::connect(&name).unwrap();
    let error = Stream::from_blocking(client).unwrap_err();
    assert!(error.to_string().contains("Tokio runtime"), "{error}");
    drop(blocking);
}

/// A connect to a full backlog pauses between tries on the crate's own
/// timer: a runtime built without Tokio's time driver (which would panic on
/// `tokio::time::sleep`) times it out all the same.
#[cfg(target_os = "linux")]
#[test]
fn a_connect_timeout_expires_on_a_runtime_without_the_time_driver() {
    let _watchdog = watchdog(
        "tokio_only::a_connect_timeout_expires_on_a_runtime_without_the_time_driver",
        LIMIT,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let dir = crate::util::TempDir::new("no-time-driver");
    let name = local_socket::Name::path(dir.path().join("s.sock")).unwrap();
    runtime.block_on(async {
        let listener = Listener::bind(&name).unwrap();
        let _pending = crate::util::fill_the_backlog(name.fs_path().unwrap());
        let mut options = local_socket::ConnectOptions::new(&name);
        options.timeout(Some(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let error = Stream::connect_with(&options).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut, "{error}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(10),
            "took {took:?}"
        );
        drop(listener);
    });
}
