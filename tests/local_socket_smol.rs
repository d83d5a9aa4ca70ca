//! Local sockets on smol, through the public API, with `smol::block_on` and
//! on a four-thread executor; run on Linux and under Wine.
#![cfg(feature = "smol")]

#[path = "util/smol_io.rs"]
mod smol_io;
mod util;

use std::io::{ErrorKind, IoSlice, Read};
use std::time::Duration;

use localipc::local_socket::smol::{Listener, Stream};
use localipc::local_socket::{self, ConnectOptions, ListenerOptions};
use smol::Timer;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol_io::{on_both_executors, spawn, within};
use util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
use util::{Checksum, Pattern, assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(90);

/// A connected (server, client) pair.
async fn pair(label: &str) -> (Listener, Stream, Stream) {
    let name = namespaced(label);
    let listener = Listener::bind(&name).unwrap();
    let client = Stream::connect(&name).await.unwrap();
    let server = listener.accept().await.unwrap();
    (listener, server, client)
}

/// Connects once a listener in another process exists.
#[cfg(feature = "tokio")]
async fn connect_when_there(name: &localipc::local_socket::Name) -> Stream {
    loop {
        match Stream::connect(name).await {
            Ok(stream) => return stream,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::NotFound | ErrorKind::ConnectionRefused
                ) =>
            {
                Timer::after(Duration::from_millis(10)).await;
            }
            Err(error) => panic!("{error}"),
        }
    }
}

// --- Data ------------------------------------------------------------------------

#[test]
fn both_name_kinds_carry_data_both_ways_at_once() {
    let _watchdog = watchdog("both_name_kinds_carry_data_both_ways_at_once", LIMIT);
    on_both_executors(move || async move {
        for (name, _keep) in both_kinds("smol-data") {
            let total = 4 << 20;
            let listener = Listener::bind(&name).unwrap();
            let client = Stream::connect(&name).await.unwrap();
            let server = listener.accept().await.unwrap();
            let (server_read, mut server_write) = server.into_split();
            let (client_read, mut client_write) = client.into_split();
            let sending = [
                spawn(async move {
                    smol_io::send(&Pattern::new(1), &mut client_write, total, 65536)
                        .await
                        .unwrap();
                    client_write.close().await.unwrap();
                }),
                spawn(async move {
                    smol_io::send(&Pattern::new(2), &mut server_write, total, 7000)
                        .await
                        .unwrap();
                    server_write.close().await.unwrap();
                }),
            ];
            let receiving = [
                spawn(async move {
                    smol_io::receive_all(&mut server_read.take(total))
                        .await
                        .unwrap()
                }),
                spawn(async move {
                    smol_io::receive_all(&mut client_read.take(total))
                        .await
                        .unwrap()
                }),
            ];
            for task in sending {
                task.await;
            }
            let [at_server, at_client] = receiving;
            assert_eq!(at_server.await, (total, Pattern::new(1).checksum(total)));
            assert_eq!(at_client.await, (total, Pattern::new(2).checksum(total)));
        }
    });
}

#[test]
fn vectored_writes_move_every_buffer_in_order() {
    let _watchdog = watchdog("vectored_writes_move_every_buffer_in_order", LIMIT);
    on_both_executors(move || async move {
        let (_listener, mut server, mut client) = pair("smol-vectored").await;
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
    on_both_executors(move || async move {
        let (_listener, mut server, mut client) = pair("smol-eof").await;
        client.write_all(b"last words").await.unwrap();
        drop(client);
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
        assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
        let error = smol_io::write_until_error(&mut server, &[7; 4096]).await;
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    });
}

#[test]
fn two_hundred_fifty_six_clients_each_exchange_1_mib() {
    let _watchdog = watchdog("two_hundred_fifty_six_clients_each_exchange_1_mib", LIMIT);
    on_both_executors(move || async move {
        const CLIENTS: u64 = 256;
        const TOTAL: u64 = 1 << 20;
        let name = namespaced("smol-many");
        let listener = Listener::bind(&name).unwrap();
        let server = spawn(async move {
            let mut served = Vec::new();
            for _ in 0..CLIENTS {
                let stream = listener.accept().await.unwrap();
                served.push(spawn(async move {
                    let (mut reader, mut writer) = stream.into_split();
                    let mut id = [0; 8];
                    reader.read_exact(&mut id).await.unwrap();
                    let id = u64::from_le_bytes(id);
                    let echo = spawn(async move {
                        smol_io::send(&Pattern::new(1000 + id), &mut writer, TOTAL, 32768)
                            .await
                            .unwrap();
                        writer
                    });
                    let got = smol_io::receive_all(&mut (&mut reader).take(TOTAL))
                        .await
                        .unwrap();
                    assert_eq!(
                        got,
                        (TOTAL, Pattern::new(id).checksum(TOTAL)),
                        "client {id}"
                    );
                    drop(reader.reunite(echo.await).unwrap());
                }));
            }
            for task in served {
                task.await;
            }
        });
        let mut clients = Vec::new();
        for id in 0..CLIENTS {
            let name = name.clone();
            clients.push(spawn(async move {
                let stream = Stream::connect(&name).await.unwrap();
                let (mut reader, mut writer) = stream.into_split();
                writer.write_all(&id.to_le_bytes()).await.unwrap();
                let sending = spawn(async move {
                    smol_io::send(&Pattern::new(id), &mut writer, TOTAL, 65536)
                        .await
                        .unwrap();
                });
                let got = smol_io::receive_all(&mut (&mut reader).take(TOTAL))
                    .await
                    .unwrap();
                assert_eq!(got, (TOTAL, Pattern::new(1000 + id).checksum(TOTAL)));
                sending.await;
            }));
        }
        for client in clients {
            client.await;
        }
        server.await;
    });
}

// --- Cancellation ------------------------------------------------------------------

#[test]
fn dropped_accept_futures_lose_no_client() {
    let _watchdog = watchdog("dropped_accept_futures_lose_no_client", LIMIT);
    on_both_executors(move || async move {
        const CLIENTS: usize = 20;
        let name = namespaced("smol-accept-cancel");
        let listener = Listener::bind(&name).unwrap();
        // One accept is surely cancelled: no client exists yet. Those below
        // race the clients, and how many time out depends on the machine.
        assert!(
            within(Duration::from_millis(5), listener.accept())
                .await
                .is_none()
        );
        let connecting = spawn({
            let name = name.clone();
            async move {
                let mut streams = Vec::new();
                for i in 0..CLIENTS {
                    let mut stream = Stream::connect(&name).await.unwrap();
                    stream.write_all(&[i as u8]).await.unwrap();
                    streams.push(stream);
                    Timer::after(Duration::from_millis(3)).await;
                }
                streams
            }
        });
        let mut seen = Vec::new();
        while seen.len() < CLIENTS {
            if let Some(accepted) = within(Duration::from_millis(1), listener.accept()).await {
                let mut stream = accepted.unwrap();
                let mut id = [0];
                stream.read_exact(&mut id).await.unwrap();
                seen.push(usize::from(id[0]));
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..CLIENTS).collect::<Vec<_>>());
        drop(connecting.await);
    });
}

#[test]
fn dropped_read_futures_lose_no_byte() {
    let _watchdog = watchdog("dropped_read_futures_lose_no_byte", LIMIT);
    on_both_executors(move || async move {
        let total = 1 << 20;
        let (_listener, mut server, mut client) = pair("smol-read-cancel").await;
        let writer = spawn(async move {
            let pattern = Pattern::new(9);
            let mut buf = vec![0; 3000];
            let mut offset = 0;
            while offset < total {
                let len = buf.len().min((total - offset) as usize);
                pattern.fill(offset, &mut buf[..len]);
                server.write_all(&buf[..len]).await.unwrap();
                offset += len as u64;
                if offset % 30000 == 0 {
                    Timer::after(Duration::from_millis(1)).await;
                }
            }
        });
        let mut checksum = Checksum::new();
        let (mut received, mut cancelled) = (0, 0);
        let mut buf = vec![0; 5000];
        loop {
            match within(Duration::from_micros(200), client.read(&mut buf)).await {
                Some(read) => match read.unwrap() {
                    0 => break,
                    n => {
                        checksum.update(&buf[..n]);
                        received += n as u64;
                    }
                },
                None => cancelled += 1,
            }
        }
        writer.await;
        assert_eq!(
            (received, checksum.finish()),
            (total, Pattern::new(9).checksum(total))
        );
        assert!(cancelled > 0, "no read was ever cancelled");
    });
}

#[test]
fn one_task_reads_and_writes_one_stream_at_once() {
    let _watchdog = watchdog("one_task_reads_and_writes_one_stream_at_once", LIMIT);
    on_both_executors(move || async move {
        // Each side writes far more than the OS buffers before reading, so
        // only a stream that reads and writes at once gets through.
        let total: u64 = 8 << 20;
        let (_listener, server, client) = pair("smol-zip").await;
        let side = |mut stream: Stream, send_seed: u64, receive_seed: u64| async move {
            let (reader, writer) = stream.split();
            let (sent, received) = smol::future::zip(
                smol_io::send(&Pattern::new(send_seed), writer, total, 65536),
                smol_io::receive_all(reader.take(total)),
            )
            .await;
            sent.unwrap();
            assert_eq!(
                received.unwrap(),
                (total, Pattern::new(receive_seed).checksum(total))
            );
        };
        let server_side = spawn(side(server, 21, 22));
        side(client, 22, 21).await;
        server_side.await;
    });
}

// --- Splitting, conversion, closing ------------------------------------------------------

#[test]
fn owned_halves_reunite_only_with_their_own_stream() {
    let _watchdog = watchdog("owned_halves_reunite_only_with_their_own_stream", LIMIT);
    on_both_executors(move || async move {
        let (_l1, _s1, first) = pair("smol-reunite-1").await;
        let (_l2, _s2, second) = pair("smol-reunite-2").await;
        let (read1, write1) = first.into_split();
        let (read2, write2) = second.into_split();
        let error = read1.reunite(write2).unwrap_err();
        assert_eq!(error.to_string(), "the halves come from different streams");
        let localipc::local_socket::smol::ReuniteError(read1, write2) = error;
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
    on_both_executors(move || async move {
        let name = namespaced("smol-convert");
        let listener =
            Listener::from_blocking(local_socket::Listener::bind(&name).unwrap()).unwrap();
        let blocking_client = local_socket::Stream::connect(&name).unwrap();
        let mut server = listener.accept().await.unwrap();
        let listener = listener.into_blocking().unwrap();
        assert_eq!(listener.name(), Some(&name));
        let mut client = Stream::from_blocking(blocking_client).unwrap();
        client.write_all(b"first part, second part").await.unwrap();
        let mut head = [0; 6];
        server.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"first ");
        Timer::after(Duration::from_millis(50)).await;
        let server = server.into_blocking().unwrap();
        drop(client.into_blocking().unwrap());
        let mut rest = String::new();
        (&server).read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "part, second part");
    });
}

#[test]
fn close_ends_the_writing_direction() {
    let _watchdog = watchdog("close_ends_the_writing_direction", LIMIT);
    on_both_executors(move || async move {
        let (_listener, mut server, mut client) = pair("smol-close").await;
        client.write_all(b"request").await.unwrap();
        client.close().await.unwrap();
        #[cfg(unix)]
        {
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
fn a_stream_dropped_with_its_executor_delivers_what_it_wrote() {
    let _watchdog = watchdog(
        "a_stream_dropped_with_its_executor_delivers_what_it_wrote",
        LIMIT,
    );
    let name = namespaced("smol-executor-drop");
    let blocking_listener = local_socket::Listener::bind(&name).unwrap();
    let reader = std::thread::spawn(move || {
        let server = blocking_listener.accept()?;
        let mut got = Vec::new();
        (&server).read_to_end(&mut got).map(|_| got)
    });
    let executor = smol::Executor::new();
    let (wrote, written) = smol::channel::bounded(1);
    // A task that writes, then waits forever on a read: dropping the
    // executor drops it with the stream inside.
    let task = executor.spawn(async move {
        let mut stream = Stream::connect(&name).await.unwrap();
        stream.write_all(&[5; 100_000]).await.unwrap();
        stream.flush().await.unwrap();
        wrote.send(()).await.unwrap();
        let _ = stream.read(&mut [0; 1]).await;
    });
    task.detach();
    smol::block_on(executor.run(written.recv())).unwrap();
    drop(executor);
    let got = reader.join().unwrap().unwrap();
    assert_eq!(got.len(), 100_000);
    assert!(got.iter().all(|&byte| byte == 5));
}

#[test]
fn streams_work_from_plain_threads_without_any_executor() {
    let _watchdog = watchdog(
        "streams_work_from_plain_threads_without_any_executor",
        LIMIT,
    );
    // async-io's reactor serves every thread: no runtime context to enter.
    let name = namespaced("smol-no-executor");
    let listener = Listener::bind(&name).unwrap();
    let client = std::thread::spawn({
        let name = name.clone();
        move || {
            smol::block_on(async {
                let mut stream = Stream::connect(&name).await?;
                stream.write_all(b"from a plain thread").await?;
                Ok::<_, std::io::Error>(stream)
            })
        }
    });
    let mut server = smol::block_on(listener.accept()).unwrap();
    let client = client.join().unwrap().unwrap();
    drop(client);
    let mut got = String::new();
    smol::block_on(server.read_to_string(&mut got)).unwrap();
    assert_eq!(got, "from a plain thread");
}

// --- Errors ----------------------------------------------------------------------------

#[test]
fn connect_errors_match_the_blocking_api() {
    let _watchdog = watchdog("connect_errors_match_the_blocking_api", LIMIT);
    on_both_executors(move || async move {
        let name = namespaced("smol-nobody");
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
    on_both_executors(move || async move {
        let (_listener, server, client) = pair("smol-creds").await;
        let pid = Some(std::process::id());
        assert_eq!(server.peer_credentials().unwrap().pid, pid);
        assert_eq!(client.peer_credentials().unwrap().pid, pid);
        let (read, write) = server.into_split();
        assert_eq!(read.peer_credentials().unwrap().pid, pid);
        assert_eq!(write.peer_credentials().unwrap().pid, pid);
    });
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_backlog_is_waited_for_up_to_the_timeout() {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let _watchdog = watchdog("a_full_backlog_is_waited_for_up_to_the_timeout", LIMIT);
    on_both_executors(move || async move {
        let dir = util::TempDir::new("smol-backlog");
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
        let error = Stream::connect_with(&options).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(started.elapsed() >= Duration::from_millis(250));
        let connecting = spawn({
            let name = name.clone();
            async move { Stream::connect(&name).await }
        });
        Timer::after(Duration::from_millis(100)).await;
        for _ in 0..4 {
            let _ = listener.accept().await.unwrap();
        }
        connecting.await.unwrap();
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
    on_both_executors(move || async move {
        let name = namespaced("smol-killed");
        let listener = Listener::bind(&name).unwrap();
        let mut command = child_command(name_);
        name_for_child(&mut command, &name);
        let mut child = command.spawn().unwrap();
        let mut stream = listener.accept().await.unwrap();
        let mut head = vec![0; 100_000];
        stream.read_exact(&mut head).await.unwrap();
        child.kill().unwrap();
        smol::unblock(move || child.wait()).await.unwrap();
        // The reader drains what arrived, then sees the end (or a clean error).
        let drained = smol_io::receive_all(&mut stream).await;
        assert!(
            drained.is_ok()
                || drained
                    .as_ref()
                    .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
            "{drained:?}"
        );
        // The writer sees a broken pipe; nobody dies of a signal.
        let error = smol_io::write_until_error(&mut stream, &[0; 4096]).await;
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
    smol::block_on(async {
        let cycles = 2000;
        for (name, _keep) in both_kinds("smol-cycles") {
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

// --- Processes: interop with the blocking and Tokio front ends ----------------------------

#[test]
fn a_smol_server_serves_a_blocking_client_process() {
    let name_ = "a_smol_server_serves_a_blocking_client_process";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let stream = local_socket::Stream::connect(&name_from_parent()).unwrap();
        Pattern::new(31).send(&stream, total, 65536).unwrap();
        let got = util::receive_all(&stream).unwrap();
        assert_eq!(got, (total, Pattern::new(32).checksum(total)));
        return;
    }
    on_both_executors(move || async move {
        for (name, _keep) in both_kinds("smol-server") {
            let listener = Listener::bind(&name).unwrap();
            let mut command = child_command(name_);
            name_for_child(&mut command, &name);
            let mut child = command.spawn().unwrap();
            let mut stream = listener.accept().await.unwrap();
            assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
            let got = smol_io::receive_all(&mut (&mut stream).take(total))
                .await
                .unwrap();
            assert_eq!(got, (total, Pattern::new(31).checksum(total)), "{name}");
            smol_io::send(&Pattern::new(32), &mut stream, total, 65536)
                .await
                .unwrap();
            drop(stream);
            let status = smol::unblock(move || child.wait()).await;
            assert_success(status.unwrap(), "blocking client child");
        }
    });
}

/// The child serves with the Tokio front end (when it is built too).
#[cfg(feature = "tokio")]
#[test]
fn a_smol_client_talks_to_a_tokio_server_process() {
    let name_ = "a_smol_client_talks_to_a_tokio_server_process";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = local_socket::tokio::Listener::bind(&name_from_parent()).unwrap();
            let mut stream = listener.accept().await.unwrap();
            let mut buf = vec![0; 65536];
            let mut checksum = Checksum::new();
            let mut received = 0;
            while received < total {
                let n = stream.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "early end of stream");
                checksum.update(&buf[..n]);
                received += n as u64;
            }
            assert_eq!(checksum.finish(), Pattern::new(41).checksum(total));
            let mut offset = 0;
            let pattern = Pattern::new(42);
            while offset < total {
                pattern.fill(offset, &mut buf);
                stream.write_all(&buf).await.unwrap();
                offset += buf.len() as u64;
            }
            assert_eq!(stream.read(&mut [0; 1]).await.unwrap(), 0);
        });
        return;
    }
    on_both_executors(move || async move {
        for (name, _keep) in both_kinds("smol-client") {
            let mut command = child_command(name_);
            name_for_child(&mut command, &name);
            let mut child = command.spawn().unwrap();
            let mut stream = connect_when_there(&name).await;
            assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
            smol_io::send(&Pattern::new(41), &mut stream, total, 65536)
                .await
                .unwrap();
            let got = smol_io::receive_all(&mut (&mut stream).take(total))
                .await
                .unwrap();
            assert_eq!(got, (total, Pattern::new(42).checksum(total)), "{name}");
            drop(stream);
            let status = smol::unblock(move || child.wait()).await;
            assert_success(status.unwrap(), "Tokio server child");
        }
    });
}
