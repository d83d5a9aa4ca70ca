//! What only the Tokio front end has: on Windows it waits through the
//! crate's own overlapped core, not Tokio's drivers.

use std::time::Duration;

use localipc::os::windows::named_pipe::tokio::{Listener, Stream};
use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::names::pipe_path;
use crate::util::watchdog;

#[test]
fn a_runtime_without_io_or_time_drivers_carries_named_pipes() {
    let _watchdog = watchdog(
        "tokio_only::a_runtime_without_io_or_time_drivers_carries_named_pipes",
        Duration::from_secs(120),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let path = pipe_path("no-drivers");
        let listener = Listener::create(&ListenerOptions::new(&path)).unwrap();
        let mut client = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
        let mut server = listener.accept().await.unwrap();
        client.write_all(b"no driver needed").await.unwrap();
        drop(client);
        let mut got = String::new();
        server.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "no driver needed");
    });
}

/// A connect to a busy pipe pauses between tries on the crate's own timer:
/// a runtime without Tokio's drivers times it out all the same.
#[test]
fn a_busy_pipe_times_out_on_a_runtime_without_drivers() {
    let _watchdog = watchdog(
        "tokio_only::a_busy_pipe_times_out_on_a_runtime_without_drivers",
        Duration::from_secs(120),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let path = pipe_path("busy-no-drivers");
        let listener = Listener::create(
            ListenerOptions::new(&path)
                .max_instances(Some(1))
                .ready_instances(1),
        )
        .unwrap();
        let _first = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
        let _server = listener.accept().await.unwrap();
        let mut options = ConnectOptions::new(&path);
        options.timeout(Some(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let error = Stream::connect(&options).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut, "{error}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(10),
            "took {took:?}"
        );
    });
}
