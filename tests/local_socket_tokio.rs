//! Local sockets on Tokio, through the public API, on a current-thread and a
//! multi-thread runtime; run on Linux and under Wine.
#![cfg(feature = "tokio")]

#[path = "util/tokio_io.rs"]
mod tokio_io;
mod util;

use std::io::{ErrorKind, IoSlice, Read};
use std::time::Duration;

use localipc::local_socket::tokio::{Listener, Stream};
use localipc::local_socket::{self, ConnectOptions, ListenerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_io::on_both_runtimes;
use util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
use util::{Pattern, assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(90);

/// A connected (server, client) pair on the current runtime.
async fn pair(label: &str) -> (Listener, Stream, Stream) {
    let name = namespaced(label);
    let listener = Listener::bind(&name).unwrap();
    let client = Stream::connect(&name).await.unwrap();
    let server = listener.accept().await.unwrap();
    (listener, server, client)
}

// --- Data ------------------------------------------------------------------------

#[test]
fn both_name_kinds_carry_data_both_ways_at_once() {
    let _watchdog = watchdog("both_name_kinds_carry_data_both_ways_at_once", LIMIT);
    on_both_runtimes(|| async {
        for (name, _keep) in both_kinds("data") {
            let total = 4 << 20;
            let listener = Listener::bind(&name).unwrap();
            let client = Stream::connect(&name).await.unwrap();
            let server = listener.accept().await.unwrap();
            let (server_read, mut server_write) = server.into_split();
            let (client_read, mut client_write) = client.into_split();
            // All four directions at once, in separate tasks: nothing may
            // wait on anything but the peer.
            let tasks = [
                tokio::spawn(async move {
                    tokio_io::send(&Pattern::new(1), &mut client_write, total, 65536)
                        .await
                        .unwrap();
                    client_write.shutdown().await.unwrap();
                    (0, 0)
                }),
                tokio::spawn(async move {
                    tokio_io::send(&Pattern::new(2), &mut server_write, total, 7000)
                        .await
                        .unwrap();
                    server_write.shutdown().await.unwrap();
                    (0, 0)
                }),
                tokio::spawn(async move {
                    tokio_io::receive_all(&mut server_read.take(total))
                        .await
                        .unwrap()
                }),
                tokio::spawn(async move {
                    tokio_io::receive_all(&mut client_read.take(total))
                        .await
                        .unwrap()
                }),
            ];
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            assert_eq!(
                results[2],
                (total, Pattern::new(1).checksum(total)),
                "{name}"
            );
            assert_eq!(
                results[3],
                (total, Pattern::new(2).checksum(total)),
                "{name}"
            );
        }
    });
}

#[test]
fn vectored_writes_move_every_buffer_in_order() {
    let _watchdog = watchdog("vectored_writes_move_every_buffer_in_order", LIMIT);
    on_both_runtimes(|| async {
        let (_listener, mut server, mut client) = pair("vectored").await;
        let parts: [&[u8]; 4] = [b"one ", b"", b"two ", b"three"];
        let expected: Vec<u8> = parts.concat();
        let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|part| IoSlice::new(part)).collect();
        let mut slices = &mut slices[..];
        let mut left = expected.len();
        while left > 0 {
            let n = client.write_vectored(slices).await.unwrap();
            assert!(n > 0);
            left -= n;
            IoSlice::advance_slices(&mut slices, n);
        }
        let mut got = vec![0; expected.len()];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(got, expected);
    });
}

#[test]
fn end_of_stream_is_zero_and_a_write_to_a_closed_peer_is_broken_pipe() {
    let _watchdog = watchdog(
        "end_of_stream_is_zero_and_a_write_to_a_closed_peer_is_broken_pipe",
        LIMIT,
    );
    on_both_runtimes(|| async {
        let (_listener, mut server, mut client) = pair("eof").await;
        client.write_all(b"last words").await.unwrap();
        drop(client);
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
        assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
        let error = tokio_io::write_until_error(&mut server, &[7; 4096]).await;
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    });
}

#[test]
fn two_hundred_fifty_six_clients_each_exchange_1_mib() {
    let _watchdog = watchdog("two_hundred_fifty_six_clients_each_exchange_1_mib", LIMIT);
    on_both_runtimes(|| async {
        const CLIENTS: u64 = 256;
        const TOTAL: u64 = 1 << 20;
        let name = namespaced("many");
        let listener = Listener::bind(&name).unwrap();
        let server = tokio::spawn(async move {
            let mut served = Vec::new();
            for _ in 0..CLIENTS {
                let stream = listener.accept().await.unwrap();
                served.push(tokio::spawn(async move {
                    let (mut reader, mut writer) = stream.into_split();
                    // The client says who it is, then both sides stream.
                    let id = reader.read_u64().await.unwrap();
                    let echo = tokio::spawn(async move {
                        tokio_io::send(&Pattern::new(1000 + id), &mut writer, TOTAL, 32768)
                            .await
                            .unwrap();
                        writer
                    });
                    let got = tokio_io::receive_all(&mut (&mut reader).take(TOTAL))
                        .await
                        .unwrap();
                    assert_eq!(
                        got,
                        (TOTAL, Pattern::new(id).checksum(TOTAL)),
                        "client {id}"
                    );
                    let writer = echo.await.unwrap();
                    drop(reader.reunite(writer).unwrap());
                }));
            }
            for task in served {
                task.await.unwrap();
            }
        });
        let mut clients = Vec::new();
        for id in 0..CLIENTS {
            let name = name.clone();
            clients.push(tokio::spawn(async move {
                let stream = Stream::connect(&name).await.unwrap();
                let (mut reader, mut writer) = stream.into_split();
                writer.write_u64(id).await.unwrap();
                let sending = tokio::spawn(async move {
                    tokio_io::send(&Pattern::new(id), &mut writer, TOTAL, 65536)
                        .await
                        .unwrap();
                    writer
                });
                let got = tokio_io::receive_all(&mut (&mut reader).take(TOTAL))
                    .await
                    .unwrap();
                assert_eq!(got, (TOTAL, Pattern::new(1000 + id).checksum(TOTAL)));
                sending.await.unwrap();
            }));
        }
        for client in clients {
            client.await.unwrap();
        }
        server.await.unwrap();
    });
}

// --- Cancellation ------------------------------------------------------------------

#[test]
fn dropped_accept_futures_lose_no_client() {
    let _watchdog = watchdog("dropped_accept_futures_lose_no_client", LIMIT);
    on_both_runtimes(|| async {
        const CLIENTS: usize = 20;
        let name = namespaced("accept-cancel");
        let listener = Listener::bind(&name).unwrap();
        // One accept is surely cancelled: no client exists yet. Those below
        // race the clients, and how many time out depends on the machine.
        tokio::select! {
            accepted = listener.accept() => panic!("accepted {accepted:?} before any client"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        let connecting = tokio::spawn({
            let name = name.clone();
            async move {
                let mut streams = Vec::new();
                for i in 0..CLIENTS {
                    let mut stream = Stream::connect(&name).await.unwrap();
                    stream.write_all(&[i as u8]).await.unwrap();
                    streams.push(stream);
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
                streams
            }
        });
        let mut seen = Vec::new();
        while seen.len() < CLIENTS {
            tokio::select! {
                accepted = listener.accept() => {
                    let mut stream = accepted.unwrap();
                    seen.push(stream.read_u8().await.unwrap() as usize);
                }
                () = tokio::time::sleep(Duration::from_millis(1)) => {}
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..CLIENTS).collect::<Vec<_>>());
        drop(connecting.await.unwrap());
    });
}

#[test]
fn dropped_read_futures_lose_no_byte() {
    let _watchdog = watchdog("dropped_read_futures_lose_no_byte", LIMIT);
    on_both_runtimes(|| async {
        let total = 1 << 20;
        let (_listener, server, mut client) = pair("read-cancel").await;
        let writer = tokio::spawn(async move {
            let mut server = server;
            let pattern = Pattern::new(9);
            let mut buf = vec![0; 3000];
            let mut offset = 0;
            while offset < total {
                let len = buf.len().min((total - offset) as usize);
                pattern.fill(offset, &mut buf[..len]);
                server.write_all(&buf[..len]).await.unwrap();
                offset += len as u64;
                if offset % 30000 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        let mut checksum = util::Checksum::new();
        let mut received = 0;
        let mut cancelled = 0;
        let mut buf = vec![0; 5000];
        loop {
            tokio::select! {
                read = client.read(&mut buf) => match read.unwrap() {
                    0 => break,
                    n => {
                        checksum.update(&buf[..n]);
                        received += n as u64;
                    }
                },
                () = tokio::time::sleep(Duration::from_micros(200)) => cancelled += 1,
            }
        }
        writer.await.unwrap();
        assert_eq!(
            (received, checksum.finish()),
            (total, Pattern::new(9).checksum(total))
        );
        assert!(cancelled > 0, "no read was ever cancelled");
    });
}

#[test]
fn select_reads_and_writes_one_stream_at_once() {
    let _watchdog = watchdog("select_reads_and_writes_one_stream_at_once", LIMIT);
    on_both_runtimes(|| async {
        // Each side writes far more than the OS buffers before reading, so
        // only a stream that reads and writes at once gets through.
        let total: u64 = 8 << 20;
        let (_listener, server, client) = pair("select").await;
        let side = |mut stream: Stream, send_seed: u64, receive_seed: u64| async move {
            let (mut reader, mut writer) = stream.split();
            let pattern = Pattern::new(send_seed);
            let next_chunk = |sent: u64, out: &mut Vec<u8>| {
                out.resize(65536.min(total - sent) as usize, 0);
                pattern.fill(sent, out);
            };
            let mut out = Vec::new();
            next_chunk(0, &mut out);
            let (mut sent, mut received) = (0, 0);
            let mut checksum = util::Checksum::new();
            let mut buf = vec![0; 65536];
            while sent < total || received < total {
                tokio::select! {
                    written = writer.write(&out), if sent < total => {
                        sent += written.unwrap() as u64;
                        if sent < total {
                            next_chunk(sent, &mut out);
                        }
                    }
                    read = reader.read(&mut buf), if received < total => {
                        let n = read.unwrap();
                        assert_ne!(n, 0, "early end of stream");
                        checksum.update(&buf[..n]);
                        received += n as u64;
                    }
                }
            }
            assert_eq!(
                checksum.finish(),
                Pattern::new(receive_seed).checksum(total)
            );
        };
        let server_side = tokio::spawn(side(server, 21, 22));
        side(client, 22, 21).await;
        server_side.await.unwrap();
    });
}

// --- Splitting, conversion, shutdown ------------------------------------------------------

#[test]
fn owned_halves_reunite_only_with_their_own_stream() {
    let _watchdog = watchdog("owned_halves_reunite_only_with_their_own_stream", LIMIT);
    on_both_runtimes(|| async {
        let (_l1, _s1, first) = pair("reunite-1").await;
        let (_l2, _s2, second) = pair("reunite-2").await;
        let (read1, write1) = first.into_split();
        let (read2, write2) = second.into_split();
        let error = read1.reunite(write2).unwrap_err();
        assert_eq!(error.to_string(), "the halves come from different streams");
        let localipc::local_socket::tokio::ReuniteError(read1, write2) = error;
        let _first = write1.reunite(read1).unwrap();
        let _second = read2.reunite(write2).unwrap();
    });
}

#[test]
fn blocking_and_async_streams_convert_both_ways_keeping_the_data() {
    let _watchdog = watchdog(
        "blocking_and_async_streams_convert_both_ways_keeping_the_data",
        LIMIT,
    );
    on_both_runtimes(|| async {
        let name = namespaced("convert");
        let listener =
            Listener::from_blocking(local_socket::Listener::bind(&name).unwrap()).unwrap();
        let blocking_client = local_socket::Stream::connect(&name).unwrap();
        let mut server = listener.accept().await.unwrap();
        let listener = listener.into_blocking().unwrap();
        assert_eq!(listener.name(), Some(&name));
        let mut client = Stream::from_blocking(blocking_client).unwrap();
        client.write_all(b"first part, second part").await.unwrap();
        // Read a little through the async stream, so that (on Windows) more
        // may sit in its read buffer, then go back to blocking.
        let mut head = [0; 6];
        server.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"first ");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let server = server.into_blocking().unwrap();
        let client = client.into_blocking().unwrap();
        drop(client);
        let mut rest = String::new();
        (&server).read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "part, second part");
    });
}

#[test]
fn shutdown_ends_the_writing_direction() {
    let _watchdog = watchdog("shutdown_ends_the_writing_direction", LIMIT);
    on_both_runtimes(|| async {
        let (_listener, mut server, mut client) = pair("shutdown").await;
        client.write_all(b"request").await.unwrap();
        client.shutdown().await.unwrap();
        #[cfg(unix)]
        {
            // A real half-close: the server reads the end, then replies.
            let mut request = Vec::new();
            server.read_to_end(&mut request).await.unwrap();
            assert_eq!(request, b"request");
            server.write_all(b"reply").await.unwrap();
            drop(server);
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"reply");
        }
        #[cfg(windows)]
        {
            // No half-close: later writes fail here, and the server sees the
            // end once the client is dropped.
            let error = client.write_all(b"more").await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
            let mut request = [0; 7];
            server.read_exact(&mut request).await.unwrap();
            server.write_all(b"reply").await.unwrap();
            let mut reply = [0; 5];
            client.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"reply");
            drop(client);
            assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
        }
    });
}

// --- Dropping ------------------------------------------------------------------------

#[test]
fn a_stream_dropped_as_its_runtime_shuts_down_delivers_what_it_wrote() {
    let _watchdog = watchdog(
        "a_stream_dropped_as_its_runtime_shuts_down_delivers_what_it_wrote",
        LIMIT,
    );
    for multi_thread in [false, true] {
        let name = namespaced("shutdown-drop");
        let blocking_listener = local_socket::Listener::bind(&name).unwrap();
        let runtime = if multi_thread {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .unwrap();
        // The reader is ready first: on Windows the write cannot complete
        // before someone reads.
        let reader = std::thread::spawn(move || {
            let server = blocking_listener.accept()?;
            let mut got = Vec::new();
            (&server).read_to_end(&mut got).map(|_| got)
        });
        runtime.block_on(async move {
            let mut stream = Stream::connect(&name).await.unwrap();
            let (wrote, written) = tokio::sync::oneshot::channel();
            // A task that writes, then waits forever on a read: the
            // runtime's shutdown drops it with the stream inside.
            tokio::spawn(async move {
                stream.write_all(&[5; 100_000]).await.unwrap();
                stream.flush().await.unwrap();
                wrote.send(()).unwrap();
                let _ = stream.read(&mut [0; 1]).await;
            });
            written.await.unwrap();
        });
        drop(runtime);
        let got = reader.join().unwrap().unwrap();
        assert_eq!(got.len(), 100_000);
        assert!(got.iter().all(|&byte| byte == 5));
    }
}

#[test]
fn a_stream_dropped_outside_any_runtime_delivers_what_it_wrote() {
    let _watchdog = watchdog(
        "a_stream_dropped_outside_any_runtime_delivers_what_it_wrote",
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
    let _watchdog = watchdog("creating_outside_a_runtime_is_an_error_not_a_panic", LIMIT);
    let name = namespaced("no-runtime");
    let error = Listener::bind(&name).unwrap_err();
    assert!(error.to_string().contains("Tokio runtime"), "{error}");
    let blocking = local_socket::Listener::bind(&name).unwrap();
    let client = local_socket::Stream::connect(&name).unwrap();
    let error = Stream::from_blocking(client).unwrap_err();
    assert!(error.to_string().contains("Tokio runtime"), "{error}");
    drop(blocking);
}

// --- Errors ----------------------------------------------------------------------------

#[test]
fn connect_errors_match_the_blocking_api() {
    let _watchdog = watchdog("connect_errors_match_the_blocking_api", LIMIT);
    on_both_runtimes(|| async {
        let name = namespaced("nobody");
        let error = Stream::connect(&name).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        assert!(error.to_string().contains(&name.to_string()), "{error}");
        let mut options = ConnectOptions::new(&name);
        options.timeout(Some(Duration::ZERO));
        let error = Stream::connect_with(&options).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        let _first = Listener::bind_with(&ListenerOptions::new(&name)).unwrap();
        if util::is_wine() {
            util::skip(
                "connect_errors_match_the_blocking_api",
                "a second listener on a taken name (Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE)",
            );
        } else {
            let error = Listener::bind(&name).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
        }
    });
}

#[test]
fn peer_credentials_name_this_process() {
    let _watchdog = watchdog("peer_credentials_name_this_process", LIMIT);
    on_both_runtimes(|| async {
        let (_listener, server, client) = pair("creds").await;
        let pid = Some(std::process::id());
        assert_eq!(server.peer_credentials().unwrap().pid, pid);
        assert_eq!(client.peer_credentials().unwrap().pid, pid);
        let (read, write) = server.into_split();
        assert_eq!(read.peer_credentials().unwrap().pid, pid);
        assert_eq!(write.peer_credentials().unwrap().pid, pid);
    });
}

/// Linux queues connections beyond the backlog by making `connect` wait; the
/// async connect waits too, bounded by the timeout, without blocking the
/// runtime.
#[cfg(target_os = "linux")]
#[test]
fn a_full_backlog_is_waited_for_up_to_the_timeout() {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let _watchdog = watchdog("a_full_backlog_is_waited_for_up_to_the_timeout", LIMIT);
    on_both_runtimes(|| async {
        let dir = util::TempDir::new("tokio-backlog");
        let name = localipc::local_socket::Name::path(dir.path().join("s.sock")).unwrap();
        let listener = Listener::bind(&name).unwrap();
        let address = SocketAddrUnix::new(name.fs_path().unwrap()).unwrap();
        let mut pending = Vec::new();
        loop {
            let socket = rustix::net::socket_with(
                AddressFamily::UNIX,
                SocketType::STREAM,
                SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
                None,
            )
            .unwrap();
            match rustix::net::connect(&socket, &address) {
                Ok(()) => pending.push(socket),
                Err(rustix::io::Errno::AGAIN) => break,
                Err(errno) => panic!("filling the backlog: {errno}"),
            }
            assert!(pending.len() < 100_000, "the backlog never filled");
        }
        let mut options = ConnectOptions::new(&name);
        options.timeout(Some(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        // The runtime stays responsive meanwhile: a timer fires on time.
        let ticker = tokio::spawn(async {
            let started = std::time::Instant::now();
            tokio::time::sleep(Duration::from_millis(50)).await;
            started.elapsed()
        });
        let error = Stream::connect_with(&options).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert!(ticker.await.unwrap() < Duration::from_millis(250));
        // Without a timeout it waits until the listener makes room.
        let connecting = tokio::spawn({
            let name = name.clone();
            async move { Stream::connect(&name).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        for _ in 0..4 {
            let _ = listener.accept().await.unwrap();
        }
        connecting.await.unwrap().unwrap();
    });
}

// --- Failure and leaks -------------------------------------------------------------

#[test]
fn a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer() {
    let name_ = "a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer";
    let _watchdog = watchdog(name_, LIMIT);
    if is_child() {
        // Write forever until killed.
        let stream = local_socket::Stream::connect(&name_from_parent()).unwrap();
        loop {
            if std::io::Write::write_all(&mut &stream, &[7; 4096]).is_err() {
                return;
            }
        }
    }
    on_both_runtimes(|| async {
        let name = namespaced("killed");
        let listener = Listener::bind(&name).unwrap();
        let mut command = child_command(name_);
        name_for_child(&mut command, &name);
        let mut child = command.spawn().unwrap();
        let mut stream = listener.accept().await.unwrap();
        let mut head = vec![0; 100_000];
        stream.read_exact(&mut head).await.unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        // The reader drains what arrived, then sees the end (or a clean error).
        let drained = tokio_io::receive_all(&mut stream).await;
        assert!(
            drained.is_ok()
                || drained
                    .as_ref()
                    .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
            "{drained:?}"
        );
        // The writer sees a broken pipe; nobody dies of a signal.
        let error = tokio_io::write_until_error(&mut stream, &[0; 4096]).await;
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    });
}

#[cfg(any(target_os = "linux", windows))]
#[test]
fn two_thousand_connect_accept_cycles_leak_nothing() {
    let name_ = "two_thousand_connect_accept_cycles_leak_nothing";
    let _watchdog = watchdog(name_, Duration::from_secs(300));
    if !is_child() {
        // Alone in a process of its own: other tests' descriptors would blur the count.
        let status = child_command(name_).status().unwrap();
        assert_success(status, "the counting child");
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cycles = 2000;
        for (name, _keep) in both_kinds("cycles") {
            let listener = Listener::bind(&name).unwrap();
            // Warm up once so lazily created objects exist.
            drop((
                Stream::connect(&name).await.unwrap(),
                listener.accept().await.unwrap(),
            ));
            let before = util::open_handle_count();
            for _ in 0..cycles {
                let mut client = Stream::connect(&name).await.unwrap();
                let mut server = listener.accept().await.unwrap();
                client.write_all(b"x").await.unwrap();
                let mut byte = [0];
                server.read_exact(&mut byte).await.unwrap();
                assert_eq!(&byte, b"x");
            }
            let after = util::open_handle_count();
            // Windows' thread pool (which the async core waits through)
            // may hold a few more or fewer thread handles from one moment
            // to the next; a leak would be one or more per cycle.
            let slack = if cfg!(windows) { 32 } else { 0 };
            assert!(
                after.abs_diff(before) <= slack,
                "{name}: {cycles} cycles changed the count from {before} to {after}"
            );
        }
    });
}

// --- Processes -------------------------------------------------------------------

#[test]
fn a_tokio_server_serves_a_blocking_client_process() {
    let name_ = "a_tokio_server_serves_a_blocking_client_process";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let stream = local_socket::Stream::connect(&name_from_parent()).unwrap();
        Pattern::new(31).send(&stream, total, 65536).unwrap();
        let got = util::receive_all(&stream).unwrap();
        assert_eq!(got, (total, Pattern::new(32).checksum(total)));
        return;
    }
    on_both_runtimes(|| async {
        for (name, _keep) in both_kinds("tokio-server") {
            let listener = Listener::bind(&name).unwrap();
            let mut command = child_command(name_);
            name_for_child(&mut command, &name);
            let mut child = command.spawn().unwrap();
            let mut stream = listener.accept().await.unwrap();
            assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
            let got = tokio_io::receive_all(&mut (&mut stream).take(total))
                .await
                .unwrap();
            assert_eq!(got, (total, Pattern::new(31).checksum(total)), "{name}");
            tokio_io::send(&Pattern::new(32), &mut stream, total, 65536)
                .await
                .unwrap();
            drop(stream);
            let status = tokio::task::spawn_blocking(move || child.wait())
                .await
                .unwrap();
            assert_success(status.unwrap(), "blocking client child");
        }
    });
}

#[test]
fn a_tokio_client_talks_to_a_blocking_server_process() {
    let name_ = "a_tokio_client_talks_to_a_blocking_server_process";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let listener = local_socket::Listener::bind(&name_from_parent()).unwrap();
        let stream = listener.accept().unwrap();
        let got = util::receive_all((&stream).take(total)).unwrap();
        assert_eq!(got, (total, Pattern::new(41).checksum(total)));
        Pattern::new(42).send(&stream, total, 65536).unwrap();
        assert_eq!((&stream).read(&mut [0; 1]).unwrap(), 0);
        return;
    }
    on_both_runtimes(|| async {
        for (name, _keep) in both_kinds("tokio-client") {
            let mut command = child_command(name_);
            name_for_child(&mut command, &name);
            let mut child = command.spawn().unwrap();
            // Connect once the child's listener exists.
            let mut stream = loop {
                match Stream::connect(&name).await {
                    Ok(stream) => break stream,
                    Err(error)
                        if matches!(
                            error.kind(),
                            ErrorKind::NotFound | ErrorKind::ConnectionRefused
                        ) =>
                    {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(error) => panic!("{error}"),
                }
            };
            assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
            tokio_io::send(&Pattern::new(41), &mut stream, total, 65536)
                .await
                .unwrap();
            let got = tokio_io::receive_all(&mut (&mut stream).take(total))
                .await
                .unwrap();
            assert_eq!(got, (total, Pattern::new(42).checksum(total)), "{name}");
            drop(stream);
            let status = tokio::task::spawn_blocking(move || child.wait())
                .await
                .unwrap();
            assert_success(status.unwrap(), "blocking server child");
        }
    });
}
