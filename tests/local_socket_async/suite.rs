//! The behaviour of the async local sockets, written once against the
//! binding layer (`rt`) and instantiated per runtime and scheduler by
//! `main.rs`.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// (`tokio` or `smol`) and its scheduler `$scheduler`; `$other` is the other
/// runtime, for the one test that needs both front ends.
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $other:ident) => {
        use std::io::{ErrorKind, IoSlice, Read};
        use std::time::Duration;

        use localipc::local_socket::{self, ConnectOptions, ListenerOptions};
        use rt::local_socket::{Listener, Stream};

        use crate::util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
        use crate::runtime::{channel, race, zip};
        use crate::util::{self, Checksum, Pattern, assert_success, is_child};

        #[allow(unused_imports, reason = "not every suite starts processes")]

        use crate::util::Spawn as _;


        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(90));

        /// A connected (listener, server, client) triple.
        async fn pair(label: &str) -> (Listener, Stream, Stream) {
            let name = namespaced(label);
            let listener = Listener::bind(&name).unwrap();
            let client = Stream::connect(&name).await.unwrap();
            let server = listener.accept().await.unwrap();
            (listener, server, client)
        }

        /// Connects once a listener in another process exists.
        async fn connect_when_there(name: &local_socket::Name) -> Stream {
            loop {
                match Stream::connect(name).await {
                    Ok(stream) => return stream,
                    Err(error)
                        if matches!(
                            error.kind(),
                            ErrorKind::NotFound | ErrorKind::ConnectionRefused
                        ) =>
                    {
                        rt::sleep(Duration::from_millis(10)).await;
                    }
                    Err(error) => panic!("{error}"),
                }
            }
        }

        // --- Data ------------------------------------------------------------------

        #[test]
        fn both_name_kinds_carry_data_both_ways_at_once() {
            run("both_name_kinds_carry_data_both_ways_at_once", async {
                for (name, _keep) in both_kinds("data") {
                    let total = 4 << 20;
                    let listener = Listener::bind(&name).unwrap();
                    let client = Stream::connect(&name).await.unwrap();
                    let server = listener.accept().await.unwrap();
                    let (server_read, mut server_write) = server.into_split();
                    let (client_read, mut client_write) = client.into_split();
                    // All four directions at once, in separate tasks: nothing
                    // may wait on anything but the peer.
                    let sending = [
                        rt::spawn(async move {
                            rt::send(&Pattern::new(1), &mut client_write, total, 65536)
                                .await
                                .unwrap();
                            rt::shutdown(&mut client_write).await.unwrap();
                        }),
                        rt::spawn(async move {
                            rt::send(&Pattern::new(2), &mut server_write, total, 7000)
                                .await
                                .unwrap();
                            rt::shutdown(&mut server_write).await.unwrap();
                        }),
                    ];
                    let receiving = [
                        rt::spawn(async move {
                            rt::receive_all(&mut server_read.take(total)).await.unwrap()
                        }),
                        rt::spawn(async move {
                            rt::receive_all(&mut client_read.take(total)).await.unwrap()
                        }),
                    ];
                    for task in sending {
                        task.await;
                    }
                    let [at_server, at_client] = receiving;
                    let expected = (total, Pattern::new(1).checksum(total));
                    assert_eq!(at_server.await, expected, "{name}");
                    let expected = (total, Pattern::new(2).checksum(total));
                    assert_eq!(at_client.await, expected, "{name}");
                }
            });
        }

        #[test]
        fn vectored_writes_move_every_buffer_in_order() {
            run("vectored_writes_move_every_buffer_in_order", async {
                let (_listener, mut server, mut client) = pair("vectored").await;
                let parts: [&[u8]; 4] = [b"one ", b"", b"two ", b"three"];
                let expected: Vec<u8> = parts.concat();
                let mut slices: Vec<IoSlice<'_>> =
                    parts.iter().map(|part| IoSlice::new(part)).collect();
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
            run(
                "end_of_stream_is_zero_and_a_write_to_a_closed_peer_is_broken_pipe",
                async {
                    let (_listener, mut server, mut client) = pair("eof").await;
                    client.write_all(b"last words").await.unwrap();
                    drop(client);
                    let mut got = Vec::new();
                    server.read_to_end(&mut got).await.unwrap();
                    assert_eq!(got, b"last words");
                    assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
                    let error = rt::write_until_error(&mut server, &[7; 4096]).await;
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
                },
            );
        }

        #[test]
        fn two_hundred_fifty_six_clients_each_exchange_1_mib() {
            run("two_hundred_fifty_six_clients_each_exchange_1_mib", async {
                const CLIENTS: u64 = 256;
                const TOTAL: u64 = 1 << 20;
                let name = namespaced("many");
                let listener = Listener::bind(&name).unwrap();
                let server = rt::spawn(async move {
                    let mut served = Vec::new();
                    for _ in 0..CLIENTS {
                        let stream = listener.accept().await.unwrap();
                        served.push(rt::spawn(async move {
                            let (mut reader, mut writer) = stream.into_split();
                            // The client says who it is, then both sides stream.
                            let mut id = [0; 8];
                            reader.read_exact(&mut id).await.unwrap();
                            let id = u64::from_le_bytes(id);
                            let echo = rt::spawn(async move {
                                rt::send(&Pattern::new(1000 + id), &mut writer, TOTAL, 32768)
                                    .await
                                    .unwrap();
                                writer
                            });
                            let got = rt::receive_all(&mut (&mut reader).take(TOTAL))
                                .await
                                .unwrap();
                            let expected = (TOTAL, Pattern::new(id).checksum(TOTAL));
                            assert_eq!(got, expected, "client {id}");
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
                    clients.push(rt::spawn(async move {
                        let stream = Stream::connect(&name).await.unwrap();
                        let (mut reader, mut writer) = stream.into_split();
                        writer.write_all(&id.to_le_bytes()).await.unwrap();
                        let sending = rt::spawn(async move {
                            rt::send(&Pattern::new(id), &mut writer, TOTAL, 65536)
                                .await
                                .unwrap();
                        });
                        let got = rt::receive_all(&mut (&mut reader).take(TOTAL))
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

        // --- Cancellation ------------------------------------------------------------

        #[test]
        fn dropped_accept_futures_lose_no_client() {
            run("dropped_accept_futures_lose_no_client", async {
                const CLIENTS: usize = 20;
                let name = namespaced("accept-cancel");
                let listener = Listener::bind(&name).unwrap();
                // One accept is surely cancelled: no client exists yet. Those
                // below race the clients, and how many time out depends on
                // the machine.
                let accepted = rt::timeout(Duration::from_millis(5), listener.accept()).await;
                assert!(accepted.is_none(), "accepted {accepted:?} before any client");
                let connecting = rt::spawn({
                    let name = name.clone();
                    async move {
                        let mut streams = Vec::new();
                        for i in 0..CLIENTS {
                            let mut stream = Stream::connect(&name).await.unwrap();
                            stream.write_all(&[i as u8]).await.unwrap();
                            streams.push(stream);
                            rt::sleep(Duration::from_millis(3)).await;
                        }
                        streams
                    }
                });
                let mut seen = Vec::new();
                while seen.len() < CLIENTS {
                    let accepted = rt::timeout(Duration::from_millis(1), listener.accept()).await;
                    if let Some(accepted) = accepted {
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
            run("dropped_read_futures_lose_no_byte", async {
                let (_listener, server, client) = pair("read-cancel").await;
                rt::check_that_dropped_reads_lose_no_byte(server, client).await;
            });
        }

        #[test]
        fn select_reads_and_writes_one_stream_at_once() {
            /// Which of the raced operations finished first.
            enum Step {
                Wrote(usize),
                Read(usize),
            }
            run("select_reads_and_writes_one_stream_at_once", async {
                // Each side writes far more than the OS buffers before
                // reading, so only a stream that reads and writes at once
                // gets through; the operation that loses each race is dropped.
                let total: u64 = 8 << 20;
                let (_listener, server, client) = pair("select").await;
                let side = move |mut stream: Stream, send_seed: u64, receive_seed: u64| async move {
                    let (mut reader, mut writer) = stream.split();
                    let pattern = Pattern::new(send_seed);
                    let next_chunk = |sent: u64, out: &mut Vec<u8>| {
                        out.resize(65536.min(total - sent) as usize, 0);
                        pattern.fill(sent, out);
                    };
                    let mut out = Vec::new();
                    next_chunk(0, &mut out);
                    let (mut sent, mut received) = (0, 0);
                    let mut checksum = Checksum::new();
                    let mut buf = vec![0; 65536];
                    while sent < total || received < total {
                        let step = if sent == total {
                            Step::Read(reader.read(&mut buf).await.unwrap())
                        } else if received == total {
                            Step::Wrote(writer.write(&out).await.unwrap())
                        } else {
                            race(
                                async { Step::Wrote(writer.write(&out).await.unwrap()) },
                                async { Step::Read(reader.read(&mut buf).await.unwrap()) },
                            )
                            .await
                        };
                        match step {
                            Step::Wrote(n) => {
                                sent += n as u64;
                                if sent < total {
                                    next_chunk(sent, &mut out);
                                }
                            }
                            Step::Read(n) => {
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
                let server_side = rt::spawn(side(server, 21, 22));
                side(client, 22, 21).await;
                server_side.await;
            });
        }

        #[test]
        fn one_task_reads_and_writes_one_stream_at_once() {
            run("one_task_reads_and_writes_one_stream_at_once", async {
                // As above, but both operations are polled to the end by one
                // future, none dropped.
                let total: u64 = 8 << 20;
                let (_listener, server, client) = pair("zip").await;
                let side = move |mut stream: Stream, send_seed: u64, receive_seed: u64| async move {
                    let (reader, writer) = stream.split();
                    let (sent, received) = zip(
                        rt::send(&Pattern::new(send_seed), writer, total, 65536),
                        rt::receive_all(reader.take(total)),
                    )
                    .await;
                    sent.unwrap();
                    assert_eq!(
                        received.unwrap(),
                        (total, Pattern::new(receive_seed).checksum(total))
                    );
                };
                let server_side = rt::spawn(side(server, 21, 22));
                side(client, 22, 21).await;
                server_side.await;
            });
        }

        // --- Splitting, conversion, shutdown -----------------------------------------

        #[test]
        fn owned_halves_reunite_only_with_their_own_stream() {
            run("owned_halves_reunite_only_with_their_own_stream", async {
                let (_l1, _s1, first) = pair("reunite-1").await;
                let (_l2, _s2, second) = pair("reunite-2").await;
                let (read1, write1) = first.into_split();
                let (read2, write2) = second.into_split();
                let error = read1.reunite(write2).unwrap_err();
                assert_eq!(error.to_string(), "the halves come from different streams");
                // A pattern names the generic type: it cannot go through the alias.
                let localipc::local_socket::generic::ReuniteError(read1, write2) = error;
                let _first = write1.reunite(read1).unwrap();
                let _second = read2.reunite(write2).unwrap();
            });
        }

        #[test]
        fn blocking_and_async_streams_convert_both_ways_keeping_the_data() {
            run(
                "blocking_and_async_streams_convert_both_ways_keeping_the_data",
                async {
                    let name = namespaced("convert");
                    let listener =
                        Listener::from_blocking(local_socket::Listener::bind(&name).unwrap())
                            .unwrap();
                    let blocking_client = local_socket::Stream::connect(&name).unwrap();
                    let mut server = listener.accept().await.unwrap();
                    let listener = listener.into_blocking().unwrap();
                    assert_eq!(listener.name(), Some(&name));
                    let mut client = Stream::from_blocking(blocking_client).unwrap();
                    client.write_all(b"first part, second part").await.unwrap();
                    // Read a little through the async stream, so that (on
                    // Windows) more may sit in its read buffer, then go back
                    // to blocking.
                    let mut head = [0; 6];
                    server.read_exact(&mut head).await.unwrap();
                    assert_eq!(&head, b"first ");
                    rt::sleep(Duration::from_millis(50)).await;
                    let server = server.into_blocking().unwrap();
                    drop(client.into_blocking().unwrap());
                    let mut rest = String::new();
                    (&server).read_to_string(&mut rest).unwrap();
                    assert_eq!(rest, "part, second part");
                },
            );
        }

        #[test]
        fn shutdown_ends_the_writing_direction() {
            run("shutdown_ends_the_writing_direction", async {
                let (_listener, mut server, mut client) = pair("shutdown").await;
                client.write_all(b"request").await.unwrap();
                rt::shutdown(&mut client).await.unwrap();
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
                    // No half-close: later writes fail here, and the server
                    // sees the end once the client is dropped.
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

        // --- Dropping ----------------------------------------------------------------

        #[test]
        fn a_stream_dropped_with_its_runtime_delivers_what_it_wrote() {
            let _watchdog = watchdog("a_stream_dropped_with_its_runtime_delivers_what_it_wrote");
            let name = namespaced("runtime-drop");
            let blocking_listener = local_socket::Listener::bind(&name).unwrap();
            // The reader is ready first: on Windows the write cannot complete
            // before someone reads.
            let reader = std::thread::spawn(move || {
                let server = blocking_listener.accept()?;
                let mut got = Vec::new();
                (&server).read_to_end(&mut got).map(|_| got)
            });
            let runtime = rt::Runtime::new(SCHEDULER);
            let (wrote, written) = channel::bounded(1);
            // A task that writes, then waits forever on a read: dropping the
            // runtime drops it with the stream inside.
            runtime.spawn_detached(async move {
                let mut stream = Stream::connect(&name).await.unwrap();
                stream.write_all(&[5; 100_000]).await.unwrap();
                stream.flush().await.unwrap();
                wrote.send(()).await.unwrap();
                let _ = stream.read(&mut [0; 1]).await;
            });
            runtime.block_on(written.recv()).unwrap();
            drop(runtime);
            let got = reader.join().unwrap().unwrap();
            assert_eq!(got.len(), 100_000);
            assert!(got.iter().all(|&byte| byte == 5));
        }

        // --- Errors ------------------------------------------------------------------

        #[test]
        fn connect_errors_match_the_blocking_api() {
            let test = "connect_errors_match_the_blocking_api";
            run(test, async move {
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
                    skip(
                        test,
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
            run("peer_credentials_name_this_process", async {
                let (_listener, server, client) = pair("creds").await;
                let pid = Some(std::process::id());
                assert_eq!(server.peer_credentials().unwrap().pid, pid);
                assert_eq!(client.peer_credentials().unwrap().pid, pid);
                let (read, write) = server.into_split();
                assert_eq!(read.peer_credentials().unwrap().pid, pid);
                assert_eq!(write.peer_credentials().unwrap().pid, pid);
            });
        }

        /// Linux queues connections beyond the backlog by making `connect`
        /// wait; the async connect waits too, bounded by the timeout, without
        /// blocking the thread that polls it.
        #[cfg(target_os = "linux")]
        #[test]
        fn a_full_backlog_is_waited_for_up_to_the_timeout() {
            run("a_full_backlog_is_waited_for_up_to_the_timeout", async {
                let dir = util::TempDir::new("backlog");
                let name = local_socket::Name::path(dir.path().join("s.sock")).unwrap();
                let listener = Listener::bind(&name).unwrap();
                let _pending = util::fill_the_backlog(name.fs_path().unwrap());
                let mut options = ConnectOptions::new(&name);
                options.timeout(Some(Duration::from_millis(600)));
                let started = std::time::Instant::now();
                let (connected, ticks) = rt::ticks_while(Stream::connect_with(&options)).await;
                let error = connected.unwrap_err();
                assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
                assert!(started.elapsed() >= Duration::from_millis(550));
                // A blocked thread counts none; a free one dozens, and at
                // least a few beside the stress lane's busy loops.
                assert!(ticks >= 2, "the thread was blocked while connecting");
                // Without a timeout it waits until the listener makes room.
                let connecting = rt::spawn({
                    let name = name.clone();
                    async move { Stream::connect(&name).await }
                });
                rt::sleep(Duration::from_millis(100)).await;
                for _ in 0..4 {
                    let _ = listener.accept().await.unwrap();
                }
                connecting.await.unwrap();
            });
        }

        // --- Failure and leaks -------------------------------------------------------

        /// The instrument of the next test: a step that was done but whose
        /// task was never woken (a lost wake-up) fails, named, when its time
        /// runs out, instead of passing late.
        #[test]
        fn within_fails_a_step_that_was_done_but_never_woken() {
            run("within_fails_a_step_that_was_done_but_never_woken", async {
                use ::smol::future::FutureExt as _;
                // Pending once without keeping the waker, then ready.
                let mut polled = false;
                let lost_wake_up = std::future::poll_fn(move |_| {
                    if std::mem::replace(&mut polled, true) {
                        std::task::Poll::Ready(())
                    } else {
                        std::task::Poll::Pending
                    }
                });
                let step = rt::within_limit("the step", Duration::from_millis(50), lost_wake_up);
                let panic = std::panic::AssertUnwindSafe(step)
                    .catch_unwind()
                    .await
                    .expect_err("the step passed late");
                assert_eq!(
                    panic.downcast_ref::<String>().map(String::as_str),
                    Some("the step: done, but its task was not woken for 50ms")
                );
            });
        }

        #[test]
        fn a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer() {
            let test = "a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer";
            if is_child() {
                let _watchdog = watchdog(test);
                // Write forever until killed.
                let stream = local_socket::Stream::connect(&name_from_parent()).unwrap();
                loop {
                    if std::io::Write::write_all(&mut &stream, &[7; 4096]).is_err() {
                        return;
                    }
                }
            }
            run(test, async move {
                let name = namespaced("killed");
                let listener = Listener::bind(&name).unwrap();
                let mut command = child_command(test);
                name_for_child(&mut command, &name);
                let mut child = command.spawn_child().unwrap();
                // Each step is bounded: a hang names the step it is in (once
                // seen under Wine, on smol's executor, and not placed yet).
                let mut stream = rt::within("accepting the child", listener.accept())
                    .await
                    .unwrap();
                let mut head = vec![0; 100_000];
                rt::within("reading from the child", stream.read_exact(&mut head))
                    .await
                    .unwrap();
                child.kill().unwrap();
                rt::within("waiting for the killed child", rt::unblock(move || child.wait()))
                    .await
                    .unwrap();
                // The reader drains what arrived, then sees the end (or a
                // clean error).
                let drained = rt::within("draining", rt::receive_all(&mut stream)).await;
                assert!(
                    drained.is_ok()
                        || drained
                            .as_ref()
                            .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
                    "{drained:?}"
                );
                // The writer sees a broken pipe; nobody dies of a signal.
                let error = rt::within(
                    "writing to the killed child",
                    rt::write_until_error(&mut stream, &[0; 4096]),
                )
                .await;
                assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
            });
        }

        #[cfg(any(target_os = "linux", windows))]
        #[test]
        fn two_thousand_connect_accept_cycles_leak_nothing() {
            let test = "two_thousand_connect_accept_cycles_leak_nothing";
            let _watchdog = util::watchdog(&full_name(test), Duration::from_secs(300));
            if !is_child() {
                // Alone in a process of its own: other tests' descriptors
                // would blur the count.
                let status = child_command(test).status_child().unwrap();
                assert_success(status, "the counting child");
                return;
            }
            rt::run(SCHEDULER, async {
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
                    // Windows' thread pool (which the async core waits
                    // through) may hold a few more or fewer thread handles
                    // from one moment to the next; a leak would be one or
                    // more per cycle.
                    let slack = if cfg!(windows) { 32 } else { 0 };
                    assert!(
                        after.abs_diff(before) <= slack,
                        "{name}: {cycles} cycles changed the count from {before} to {after}"
                    );
                }
            });
        }

        // --- Processes ---------------------------------------------------------------

        #[test]
        fn an_async_server_serves_a_blocking_client_process() {
            let test = "an_async_server_serves_a_blocking_client_process";
            let total = 8 << 20;
            if is_child() {
                let _watchdog = watchdog(test);
                let stream = local_socket::Stream::connect(&name_from_parent()).unwrap();
                Pattern::new(31).send(&stream, total, 65536).unwrap();
                let got = util::receive_all(&stream).unwrap();
                assert_eq!(got, (total, Pattern::new(32).checksum(total)));
                return;
            }
            run(test, async move {
                for (name, _keep) in both_kinds("server") {
                    let listener = Listener::bind(&name).unwrap();
                    let mut command = child_command(test);
                    name_for_child(&mut command, &name);
                    let mut child = command.spawn_child().unwrap();
                    let mut stream = listener.accept().await.unwrap();
                    assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
                    let got = rt::receive_all(&mut (&mut stream).take(total)).await.unwrap();
                    assert_eq!(got, (total, Pattern::new(31).checksum(total)), "{name}");
                    rt::send(&Pattern::new(32), &mut stream, total, 65536)
                        .await
                        .unwrap();
                    drop(stream);
                    let status = rt::unblock(move || child.wait()).await;
                    assert_success(status.unwrap(), "blocking client child");
                }
            });
        }

        /// How many bytes a server child and its client send each other.
        const SERVER_CHILD_BYTES: u64 = 8 << 20;

        /// The client's side of the tests whose server is a child process
        /// running `test`: for each kind of name, starts the child, connects,
        /// sends `total` bytes of the pattern 41, receives as many of the
        /// pattern 42, and waits for the child to succeed.
        async fn talk_to_a_server_child(test: &'static str, total: u64) {
            for (name, _keep) in both_kinds("server-child") {
                let mut command = child_command(test);
                name_for_child(&mut command, &name);
                let mut child = command.spawn_child().unwrap();
                let mut stream = connect_when_there(&name).await;
                assert_eq!(stream.peer_credentials().unwrap().pid, Some(child.id()));
                rt::send(&Pattern::new(41), &mut stream, total, 65536)
                    .await
                    .unwrap();
                let got = rt::receive_all(&mut (&mut stream).take(total)).await.unwrap();
                assert_eq!(got, (total, Pattern::new(42).checksum(total)), "{name}");
                drop(stream);
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), test);
            }
        }

        #[test]
        fn an_async_client_talks_to_a_blocking_server_process() {
            let test = "an_async_client_talks_to_a_blocking_server_process";
            let total = SERVER_CHILD_BYTES;
            if is_child() {
                let _watchdog = watchdog(test);
                let listener = local_socket::Listener::bind(&name_from_parent()).unwrap();
                let stream = listener.accept().unwrap();
                let got = util::receive_all((&stream).take(total)).unwrap();
                assert_eq!(got, (total, Pattern::new(41).checksum(total)));
                Pattern::new(42).send(&stream, total, 65536).unwrap();
                assert_eq!((&stream).read(&mut [0; 1]).unwrap(), 0);
                return;
            }
            run(test, talk_to_a_server_child(test, SERVER_CHILD_BYTES));
        }

        /// The child serves with the other runtime's front end.
        #[cfg(all(feature = "tokio", feature = "smol"))]
        #[test]
        fn an_async_client_talks_to_a_server_process_on_the_other_runtime() {
            let test = "an_async_client_talks_to_a_server_process_on_the_other_runtime";
            let total = SERVER_CHILD_BYTES;
            if is_child() {
                use crate::runtime::$other as other;
                use other::AsyncReadExt as _;
                let _watchdog = watchdog(test);
                other::block_on(async {
                    let listener = other::local_socket::Listener::bind(&name_from_parent()).unwrap();
                    let mut stream = listener.accept().await.unwrap();
                    let got = other::receive_all((&mut stream).take(total)).await.unwrap();
                    assert_eq!(got, (total, Pattern::new(41).checksum(total)));
                    other::send(&Pattern::new(42), &mut stream, total, 65536)
                        .await
                        .unwrap();
                    assert_eq!(stream.read(&mut [0; 1]).await.unwrap(), 0);
                });
                return;
            }
            run(test, talk_to_a_server_child(test, SERVER_CHILD_BYTES));
        }
        /// A name belongs to one kind: an async stream listener keeps it
        /// from message listeners, also once turned into a blocking one,
        /// and leaves it to either kind when dropped.
        #[cfg(message_sockets)]
        #[test]
        fn an_async_listener_holds_its_name_from_the_other_kind_until_dropped() {
            run(
                "an_async_listener_holds_its_name_from_the_other_kind_until_dropped",
                async {
                    use localipc::local_socket::MessageListener;
                    for (name, _keep) in both_kinds("a-kind") {
                        let listener = Listener::bind(&name).unwrap();
                        match MessageListener::bind(&name) {
                            Err(error) => {
                                assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}")
                            }
                            Ok(_) if util::is_wine() => {}
                            Ok(_) => panic!("{name}: a message listener took a stream listener's name"),
                        }
                        // Framed messages on an abstract name (a CI lane
                        // on Linux) are stream sockets the kernel cannot
                        // tell apart.
                        if !(cfg!(localipc_framed_messages) && name.fs_path().is_none()) {
                            let error = rt::local_socket::MessageSocket::connect(&name)
                                .await
                                .unwrap_err();
                            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name}: {error}");
                            assert!(error.to_string().contains("`Stream::connect`"), "{error}");
                        }
                        let blocking = listener.into_blocking().unwrap();
                        if !util::is_wine() {
                            let error = MessageListener::bind(&name).unwrap_err();
                            assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}");
                        }
                        drop(blocking);
                        drop(util::bind_soon(|| MessageListener::bind(&name)));
                        drop(util::bind_soon(|| Listener::bind(&name)));
                    }
                },
            );
        }
    };
}
