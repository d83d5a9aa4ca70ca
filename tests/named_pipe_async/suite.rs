//! The behaviour of the async Windows named pipes, written once against the
//! binding layer (`rt`) and instantiated per runtime and scheduler by
//! `main.rs`.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// (`tokio` or `smol`) and its scheduler `$scheduler` (no test here needs the
/// other runtime).
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $_other:ident) => {
        use std::io::{ErrorKind, Read, Write};
        use std::sync::Arc;
        use std::time::{Duration, Instant};

        use localipc::os::windows::named_pipe::ConnectOptions;
        use localipc::os::windows::named_pipe::{self as blocking, ListenerOptions, PipeMode};
        use rt::named_pipe::{Listener, Stream};

        use crate::runtime::{channel, race, zip};
        use crate::util::names::pipe_path;
        use crate::util::{self, Checksum, Pattern, assert_success, is_child, is_wine};

        #[allow(unused_imports, reason = "not every suite starts processes")]
        use crate::util::Spawn as _;

        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(120));

        const PATH_VAR: &str = "LOCALIPC_TEST_PIPE_PATH";

        async fn pair(options: &ListenerOptions) -> (Listener, Stream, Stream) {
            let listener = Listener::create(options).unwrap();
            let path = listener.path().to_owned();
            let client = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
            let server = listener.accept().await.unwrap();
            (listener, server, client)
        }

        async fn byte_pair(label: &str) -> (Listener, Stream, Stream) {
            pair(&ListenerOptions::new(pipe_path(label))).await
        }

        async fn message_pair(label: &str) -> (Listener, Stream, Stream) {
            let mut options = ListenerOptions::new(pipe_path(label));
            options
                .mode(PipeMode::Messages)
                .in_buffer_size(4096)
                .out_buffer_size(4096);
            pair(&options).await
        }

        /// Writes the first `total` bytes of the pattern `seed` in
        /// `chunk`-byte writes, unflushed, and returns their checksum.
        async fn write_pattern(
            writer: impl rt::AsyncWrite + Unpin,
            seed: u64,
            total: u64,
            chunk: usize,
        ) -> u64 {
            rt::write_pattern(&Pattern::new(seed), writer, total, chunk)
                .await
                .unwrap()
        }

        /// Reads to the end of the stream or `limit` bytes: the byte count
        /// and checksum.
        async fn receive_up_to(reader: impl rt::AsyncRead + Unpin, limit: u64) -> (u64, u64) {
            rt::receive_all(reader.take(limit)).await.unwrap()
        }

        // --- Byte mode ---------------------------------------------------------------

        #[test]
        fn bytes_flow_both_ways_checksummed() {
            run("bytes_flow_both_ways_checksummed", async {
                let (_listener, server, client) = byte_pair("duplex").await;
                let total = 3 << 19;
                let server = Arc::new(server);
                let client = Arc::new(client);
                let writers = [
                    rt::spawn({
                        let server = Arc::clone(&server);
                        async move { write_pattern(&*server, 1, total, 10_000).await }
                    }),
                    rt::spawn({
                        let client = Arc::clone(&client);
                        async move { write_pattern(&*client, 2, total, 7_777).await }
                    }),
                ];
                let (from_client, from_server) = zip(
                    receive_up_to(&*server, total),
                    receive_up_to(&*client, total),
                )
                .await;
                assert_eq!(from_client, (total, Pattern::new(2).checksum(total)));
                assert_eq!(from_server, (total, Pattern::new(1).checksum(total)));
                for writer in writers {
                    writer.await;
                }
            });
        }

        #[test]
        fn everything_written_before_a_drop_is_read_then_end_of_stream() {
            run(
                "everything_written_before_a_drop_is_read_then_end_of_stream",
                async {
                    for server_writes in [true, false] {
                        let (_listener, server, client) = byte_pair("dropwrite").await;
                        let (writer, reader) = if server_writes {
                            (server, client)
                        } else {
                            (client, server)
                        };
                        let total = 1 << 20;
                        // The writer is dropped the moment its last write is
                        // accepted, with that write still in flight.
                        let writing =
                            rt::spawn(
                                async move { write_pattern(writer, 5, total, 100_000).await },
                            );
                        let received = receive_up_to(&reader, u64::MAX).await;
                        assert_eq!(
                            received,
                            (total, writing.await),
                            "server writes: {server_writes}"
                        );
                        assert_eq!(
                            (&reader).read(&mut [0; 8]).await.unwrap(),
                            0,
                            "end of stream is sticky"
                        );
                    }
                },
            );
        }

        #[test]
        fn a_write_after_the_peer_closed_is_broken_pipe() {
            run("a_write_after_the_peer_closed_is_broken_pipe", async {
                let (_listener, server, mut client) = byte_pair("closed").await;
                drop(server);
                assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0);
                // The first write may be accepted before its failure is
                // known; the failure is then reported by the next write or
                // flush.
                let mut error = None;
                for _ in 0..2 {
                    if let Err(e) = client.write(b"anyone?").await {
                        error = Some(e);
                        break;
                    }
                }
                let error = match error {
                    Some(error) => error,
                    None => client.flush().await.unwrap_err(),
                };
                assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
            });
        }

        // --- Messages ----------------------------------------------------------------

        #[test]
        fn whole_messages_small_and_large_keep_their_boundaries() {
            run(
                "whole_messages_small_and_large_keep_their_boundaries",
                async {
                    let (_listener, server, client) = message_pair("messages").await;
                    let big: Vec<u8> = (0..200 * 1024).map(|i| (i % 251) as u8).collect();
                    let messages: Vec<Vec<u8>> = vec![
                        b"one".to_vec(),
                        Vec::new(),
                        big.clone(),
                        b"two".to_vec(),
                        big.iter().rev().copied().collect(),
                        vec![9; 70_000],
                    ];
                    let sender = rt::spawn({
                        let messages = messages.clone();
                        async move {
                            for message in &messages {
                                client.send(message).await.unwrap();
                            }
                            client
                        }
                    });
                    for expected in &messages {
                        let got = server.recv().await.unwrap().unwrap();
                        assert_eq!(got.len(), expected.len());
                        assert!(
                            &got == expected,
                            "a message of {} bytes differs",
                            expected.len()
                        );
                    }
                    drop(sender.await);
                    assert_eq!(server.recv().await.unwrap(), None);
                },
            );
        }

        #[test]
        fn messages_flow_from_server_to_client_with_recv_to_vec() {
            run(
                "messages_flow_from_server_to_client_with_recv_to_vec",
                async {
                    let (_listener, server, client) = message_pair("messages-back").await;
                    let writer = rt::spawn(async move {
                        for i in 0..50u32 {
                            server
                                .send(&vec![i as u8; (i as usize) * 3000])
                                .await
                                .unwrap();
                        }
                    });
                    let mut buf = vec![1, 2, 3];
                    for i in 0..50u32 {
                        let len = client.recv_to_vec(&mut buf).await.unwrap().unwrap();
                        assert_eq!(len, i as usize * 3000);
                        assert_eq!(buf, vec![i as u8; len]);
                    }
                    writer.await;
                    assert_eq!(client.recv_to_vec(&mut buf).await.unwrap(), None);
                },
            );
        }

        #[test]
        fn a_dropped_recv_loses_no_part_of_a_message() {
            run("a_dropped_recv_loses_no_part_of_a_message", async {
                let (_listener, server, client) = message_pair("recv-cancel").await;
                let big = vec![5; 300_000];
                let writer = rt::spawn({
                    let big = big.clone();
                    async move {
                        // The message is sent whole; the reader drops its
                        // receive while the parts arrive (the pipe buffer is
                        // 4 KiB).
                        client.send(&big).await.unwrap();
                        client.send(b"after").await.unwrap();
                        client
                    }
                });
                let mut got = None;
                let mut cancelled = 0u32;
                while got.is_none() {
                    got = rt::timeout(Duration::from_micros(200), server.recv())
                        .await
                        .map(|received| received.unwrap().unwrap());
                    cancelled += u32::from(got.is_none());
                }
                assert_eq!(got.unwrap(), big, "after {cancelled} dropped receives");
                assert_eq!(server.recv().await.unwrap().unwrap(), b"after");
                drop(writer.await);
            });
        }

        // --- Many clients, cancel safety, sharing ------------------------------------

        #[test]
        fn two_hundred_fifty_six_clients_each_send_1_mib() {
            run("two_hundred_fifty_six_clients_each_send_1_mib", async {
                let path = pipe_path("many");
                let listener =
                    Listener::create(ListenerOptions::new(&path).ready_instances(16)).unwrap();
                let clients = 256u64;
                let total = 1 << 20;
                let server = rt::spawn(async move {
                    let mut tasks = Vec::new();
                    for _ in 0..clients {
                        let stream = listener.accept().await.unwrap();
                        tasks.push(rt::spawn(async move {
                            let mut seed = [0; 8];
                            (&stream).read_exact(&mut seed).await.unwrap();
                            let received = receive_up_to(&stream, total).await;
                            (&stream)
                                .write_all(&received.1.to_le_bytes())
                                .await
                                .unwrap();
                            stream.flush().await.unwrap();
                            (u64::from_le_bytes(seed), received)
                        }));
                    }
                    let mut results = Vec::new();
                    for task in tasks {
                        results.push(task.await);
                    }
                    results
                });
                let mut senders = Vec::new();
                for seed in 0..clients {
                    let path = path.clone();
                    senders.push(rt::spawn(async move {
                        let mut stream =
                            Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                        stream.write_all(&seed.to_le_bytes()).await.unwrap();
                        let sent = write_pattern(&stream, 100 + seed, total, 64 * 1024).await;
                        let mut echoed = [0; 8];
                        stream.read_exact(&mut echoed).await.unwrap();
                        assert_eq!(u64::from_le_bytes(echoed), sent, "client {seed}");
                    }));
                }
                for sender in senders {
                    sender.await;
                }
                let mut results = server.await;
                results.sort_unstable_by_key(|result| result.0);
                assert_eq!(results.len() as u64, clients);
                for (seed, received) in results {
                    assert_eq!(received, (total, Pattern::new(100 + seed).checksum(total)));
                }
            });
        }

        #[test]
        fn dropped_accept_futures_lose_no_client() {
            run("dropped_accept_futures_lose_no_client", async {
                let path = pipe_path("accept-cancel");
                let listener =
                    Listener::create(ListenerOptions::new(&path).ready_instances(4)).unwrap();
                let clients = 20u8;
                // One accept is surely cancelled: no client exists yet. Those
                // below race the clients, and how many time out depends on
                // the machine.
                let accepted = rt::timeout(Duration::from_millis(5), listener.accept()).await;
                assert!(
                    accepted.is_none(),
                    "accepted {accepted:?} before any client"
                );
                let connecting = rt::spawn({
                    let path = path.clone();
                    async move {
                        let mut streams = Vec::new();
                        for i in 0..clients {
                            let stream =
                                Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                            stream.send(&[i]).await.unwrap();
                            streams.push(stream);
                            rt::sleep(Duration::from_millis(2)).await;
                        }
                        streams
                    }
                });
                let mut seen = Vec::new();
                while seen.len() < usize::from(clients) {
                    let accepted = rt::timeout(Duration::from_micros(500), listener.accept()).await;
                    if let Some(accepted) = accepted {
                        let stream = accepted.unwrap();
                        let mut byte = [0; 1];
                        (&stream).read_exact(&mut byte).await.unwrap();
                        seen.push(byte[0]);
                    }
                }
                let _streams = connecting.await;
                seen.sort_unstable();
                assert_eq!(seen, (0..clients).collect::<Vec<_>>());
            });
        }

        #[test]
        fn dropped_read_futures_lose_no_bytes() {
            run("dropped_read_futures_lose_no_bytes", async {
                let (_listener, server, client) = byte_pair("read-cancel").await;
                let total = 1 << 20;
                let writer = rt::spawn(async move {
                    let sum = write_pattern(&client, 7, total, 3000).await;
                    drop(client);
                    sum
                });
                let mut checksum = Checksum::new();
                let mut received = 0u64;
                let mut buf = vec![0; 1000];
                loop {
                    // On a timeout the read future is dropped mid-read.
                    match rt::timeout(Duration::from_micros(100), (&server).read(&mut buf)).await {
                        Some(Ok(0)) => break,
                        Some(Ok(n)) => {
                            checksum.update(&buf[..n]);
                            received += n as u64;
                        }
                        Some(Err(error)) => panic!("{error}"),
                        None => {}
                    }
                }
                assert_eq!((received, checksum.finish()), (total, writer.await));
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
                let (_listener, server, client) = byte_pair("select").await;
                // An echo server.
                let echo = rt::spawn(async move {
                    let mut buf = vec![0; 4096];
                    loop {
                        let n = (&server).read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        (&server).write_all(&buf[..n]).await.unwrap();
                    }
                });
                let total: usize = 1 << 20;
                let pattern = Pattern::new(8);
                let mut out = vec![0; total];
                pattern.fill(0, &mut out);
                let mut sent = 0;
                let mut back = Vec::with_capacity(total);
                let mut buf = vec![0; 8192];
                let (mut reading, mut writing) = (&client, &client);
                while back.len() < total {
                    let chunk = (total - sent).min(5000);
                    // Whichever finishes first wins; the other is dropped.
                    let step = if sent < total {
                        race(
                            async {
                                Step::Wrote(writing.write(&out[sent..sent + chunk]).await.unwrap())
                            },
                            async { Step::Read(reading.read(&mut buf).await.unwrap()) },
                        )
                        .await
                    } else {
                        Step::Read(reading.read(&mut buf).await.unwrap())
                    };
                    match step {
                        Step::Wrote(n) => sent += n,
                        Step::Read(n) => {
                            assert!(n > 0);
                            back.extend_from_slice(&buf[..n]);
                        }
                    }
                }
                assert!(back == out, "echoed bytes differ");
                drop(client);
                echo.await;
            });
        }

        #[test]
        fn a_shared_stream_is_read_in_one_task_and_written_in_another() {
            run(
                "a_shared_stream_is_read_in_one_task_and_written_in_another",
                async {
                    let (_listener, server, client) = byte_pair("shared").await;
                    let server = Arc::new(server);
                    let total = 1 << 20;
                    let reader = rt::spawn({
                        let server = Arc::clone(&server);
                        async move { receive_up_to(&*server, total).await }
                    });
                    let writer = rt::spawn({
                        let server = Arc::clone(&server);
                        async move { write_pattern(&*server, 9, total, 30_000).await }
                    });
                    let client = Arc::new(client);
                    let echo = rt::spawn({
                        let client = Arc::clone(&client);
                        async move {
                            let mut buf = vec![0; 10_000];
                            let mut moved = 0;
                            while moved < total {
                                let n = (&*client).read(&mut buf).await.unwrap();
                                (&*client).write_all(&buf[..n]).await.unwrap();
                                moved += n as u64;
                            }
                        }
                    });
                    let sent = writer.await;
                    assert_eq!(reader.await, (total, sent));
                    echo.await;
                },
            );
        }

        // --- Flush, shutdown, drop ---------------------------------------------------

        #[test]
        fn flush_waits_until_the_peer_has_read_everything() {
            let test = "flush_waits_until_the_peer_has_read_everything";
            run(test, async move {
                let (_listener, server, client) = byte_pair("flush").await;
                let client = Arc::new(client);
                (&*client).write_all(&[9; 1000]).await.unwrap();
                let flushing = rt::spawn({
                    let client = Arc::clone(&client);
                    async move { client.flush().await.unwrap() }
                });
                rt::sleep(Duration::from_millis(300)).await;
                if flushing.is_finished() && is_wine() {
                    skip(
                        test,
                        "Wine's FlushFileBuffers on a pipe returns without waiting for the reader",
                    );
                    return;
                }
                assert!(
                    !flushing.is_finished(),
                    "flush returned before the peer read anything"
                );
                let mut buf = vec![0; 1000];
                (&server).read_exact(&mut buf).await.unwrap();
                flushing.await;
            });
        }

        #[test]
        fn a_dropped_flush_does_not_keep_the_pipe_open() {
            run("a_dropped_flush_does_not_keep_the_pipe_open", async {
                let (_listener, server, client) = byte_pair("flush-drop").await;
                (&client).write_all(&[1; 100]).await.unwrap();
                // The peer reads nothing, so on Windows the flush waits; give
                // up on it.
                let _gave_up = rt::timeout(Duration::from_millis(100), client.flush()).await;
                let started = Instant::now();
                drop(client);
                assert!(
                    started.elapsed() < Duration::from_secs(2),
                    "the drop waited for the peer"
                );
                // The peer gets the data, then the end of the stream: the
                // flush's duplicate handle does not keep the pipe open.
                let received = rt::timeout(Duration::from_secs(10), async {
                    let mut all = Vec::new();
                    (&server).read_to_end(&mut all).await.unwrap();
                    all
                })
                .await
                .expect("the pipe stayed open after the stream was dropped");
                assert_eq!(received, vec![1; 100]);
            });
        }

        #[test]
        fn shutdown_refuses_later_writes_and_keeps_earlier_ones() {
            run(
                "shutdown_refuses_later_writes_and_keeps_earlier_ones",
                async {
                    let (_listener, server, mut client) = byte_pair("shutdown").await;
                    client.write_all(b"before").await.unwrap();
                    rt::shutdown(&mut client).await.unwrap();
                    let error = client.write(b"after").await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
                    let error = client.send(b"after").await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
                    // Reading still works after a shutdown.
                    (&server).write_all(b"reply").await.unwrap();
                    let mut reply = [0; 5];
                    client.read_exact(&mut reply).await.unwrap();
                    assert_eq!(&reply, b"reply");
                    drop(client);
                    let mut got = Vec::new();
                    (&server).read_to_end(&mut got).await.unwrap();
                    assert_eq!(got, b"before");
                },
            );
        }

        /// A (blocking reader, async writer) pair, the async end made on
        /// `runtime`.
        fn reader_and_async_writer(
            label: &str,
            runtime: &rt::Runtime,
        ) -> (blocking::Stream, Stream) {
            let path = pipe_path(label);
            let listener = ListenerOptions::new(&path).create().unwrap();
            let reader = ConnectOptions::new(&path).connect().unwrap();
            let writer = listener.accept().unwrap();
            let writer = runtime.block_on(async { Stream::from_blocking(writer).unwrap() });
            (reader, writer)
        }

        #[test]
        fn a_stream_dropped_after_its_runtime_is_gone_delivers_its_data() {
            let _watchdog =
                watchdog("a_stream_dropped_after_its_runtime_is_gone_delivers_its_data");
            let runtime = rt::Runtime::new(SCHEDULER);
            let (reader, writer) = reader_and_async_writer("drop-after", &runtime);
            let total = 1 << 20;
            let reading = std::thread::spawn(move || util::receive_all(&reader).unwrap());
            // The last write is still in flight when the runtime and the
            // stream go.
            let sent = runtime.block_on(write_pattern(&writer, 11, total, 200_000));
            drop(runtime);
            drop(writer);
            assert_eq!(reading.join().unwrap(), (total, sent));
        }

        #[test]
        fn a_stream_dropped_with_its_runtime_delivers_its_data() {
            let _watchdog = watchdog("a_stream_dropped_with_its_runtime_delivers_its_data");
            let runtime = rt::Runtime::new(SCHEDULER);
            let (reader, writer) = reader_and_async_writer("drop-with", &runtime);
            let total = 1 << 20;
            let (wrote, written) = channel::bounded(1);
            runtime.spawn_detached(async move {
                let sent = write_pattern(&writer, 12, total, 300_000).await;
                wrote.send(sent).await.unwrap();
                // Parked with the stream until the runtime drops the task.
                std::future::pending::<()>().await;
                drop(writer);
            });
            // A reader in another thread lets the writer finish.
            let reading = std::thread::spawn(move || util::receive_all(&reader).unwrap());
            let sent = runtime.block_on(written.recv()).unwrap();
            drop(runtime);
            assert_eq!(reading.join().unwrap(), (total, sent));
        }

        // --- Conversions -------------------------------------------------------------

        #[test]
        fn blocking_round_trips_lose_no_data() {
            run("blocking_round_trips_lose_no_data", async {
                let path = pipe_path("roundtrip");
                let listener = ListenerOptions::new(&path).create().unwrap();
                let total = 1 << 18;
                // A blocking writer in its own thread, so that blocking reads
                // below never wait on a task of this runtime.
                let writer = std::thread::spawn(move || {
                    let client = ConnectOptions::new(&path).connect().unwrap();
                    Pattern::new(13).send(&client, total, 1000).unwrap()
                });
                let mut server = Stream::from_blocking(listener.accept().unwrap()).unwrap();
                let mut checksum = Checksum::new();
                let mut received = 0u64;
                let mut buf = [0; 7];
                let mut round = 0u32;
                loop {
                    round += 1;
                    if round.is_multiple_of(3) {
                        // Leave a read in flight (it may complete meanwhile).
                        let _ =
                            rt::timeout(Duration::from_micros(50), (&server).read(&mut [0; 0][..]))
                                .await;
                        let _ = rt::timeout(Duration::from_micros(1), async {
                            let mut one = [0; 1];
                            let n = (&server).read(&mut one).await.unwrap();
                            checksum.update(&one[..n]);
                            received += n as u64;
                        })
                        .await;
                    } else {
                        // A small async read leaves the rest of a chunk in
                        // the stream...
                        let n = (&server).read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        checksum.update(&buf[..n]);
                        received += n as u64;
                    }
                    // ...which the blocking stream then reads first.
                    let blocking = server.into_blocking().unwrap();
                    let mut more = [0; 5];
                    let n = (&blocking).read(&mut more).unwrap();
                    if n == 0 {
                        break;
                    }
                    checksum.update(&more[..n]);
                    received += n as u64;
                    server = Stream::from_blocking(blocking).unwrap();
                }
                assert_eq!(
                    (received, checksum.finish()),
                    (total, writer.join().unwrap())
                );
            });
        }

        // --- Connecting --------------------------------------------------------------

        #[test]
        fn connecting_to_a_missing_name_is_not_found() {
            run("connecting_to_a_missing_name_is_not_found", async {
                let path = pipe_path("missing");
                let error = Stream::connect(&ConnectOptions::new(&path))
                    .await
                    .unwrap_err();
                assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
                assert!(error.to_string().contains(&path), "{error}");
            });
        }

        #[test]
        fn a_busy_pipe_with_a_timeout_is_timed_out_without_blocking_the_executor() {
            run(
                "a_busy_pipe_with_a_timeout_is_timed_out_without_blocking_the_executor",
                async {
                    let path = pipe_path("busy");
                    let listener = Listener::create(
                        ListenerOptions::new(&path)
                            .max_instances(Some(1))
                            .ready_instances(1),
                    )
                    .unwrap();
                    let _first = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                    let _server = listener.accept().await.unwrap();
                    let started = Instant::now();
                    // The ticks are counted by the same task as the connect,
                    // so they come only if the connect never blocks the thread.
                    let mut options = ConnectOptions::new(&path);
                    options.timeout(Some(Duration::from_millis(600)));
                    let (connected, ticks) = rt::ticks_while(Stream::connect(&options)).await;
                    let took = started.elapsed();
                    let error = connected.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
                    assert!(error.to_string().contains("busy"), "{error}");
                    assert!(
                        took >= Duration::from_millis(550) && took < Duration::from_secs(5),
                        "took {took:?}"
                    );
                    // A blocked executor counts none; a free one dozens, and
                    // at least a few beside the stress lane's busy loops.
                    assert!(ticks >= 2, "the executor was blocked while connecting");
                },
            );
        }

        #[test]
        fn a_busy_pipe_without_a_timeout_is_waited_for() {
            run("a_busy_pipe_without_a_timeout_is_waited_for", async {
                let path = pipe_path("busywait");
                let listener = Listener::create(
                    ListenerOptions::new(&path)
                        .max_instances(Some(1))
                        .ready_instances(1),
                )
                .unwrap();
                let first = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                let first_server = listener.accept().await.unwrap();
                let second = rt::spawn({
                    let path = path.clone();
                    async move {
                        let stream = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                        stream.send(b"second").await.unwrap();
                    }
                });
                rt::sleep(Duration::from_millis(200)).await;
                assert!(
                    !second.is_finished(),
                    "the second client got in although the pipe was busy"
                );
                drop(first);
                drop(first_server);
                // An instance is free again: accept makes one, the waiting
                // client takes it.
                let stream = listener.accept().await.unwrap();
                let mut got = Vec::new();
                (&stream).read_to_end(&mut got).await.unwrap();
                assert_eq!(got, b"second");
                second.await;
            });
        }

        #[test]
        fn process_ids_and_modes_are_reported() {
            run("process_ids_and_modes_are_reported", async {
                let (_listener, server, client) = message_pair("ids").await;
                let me = std::process::id();
                for stream in [&server, &client] {
                    assert_eq!(stream.client_process_id().unwrap(), me);
                    assert_eq!(stream.server_process_id().unwrap(), me);
                    assert_eq!(stream.peer_process_id().unwrap(), me);
                    assert!(stream.is_message_mode());
                }
                assert!(server.is_server() && !client.is_server());
                let error = client.impersonate_client(|| ()).unwrap_err();
                assert_eq!(error.kind(), ErrorKind::InvalidInput);
            });
        }

        #[test]
        fn a_listener_converts_both_ways_keeping_waiting_clients() {
            run(
                "a_listener_converts_both_ways_keeping_waiting_clients",
                async {
                    let path = pipe_path("listener-convert");
                    let listener = Listener::create(&ListenerOptions::new(&path)).unwrap();
                    // Connected before anyone accepts, then the listener
                    // changes hands.
                    let client = ConnectOptions::new(&path).connect().unwrap();
                    (&client).write_all(b"early").unwrap();
                    let listener = Listener::from_blocking(listener.into_blocking()).unwrap();
                    let server = listener.accept().await.unwrap();
                    let mut got = [0; 5];
                    (&server).read_exact(&mut got).await.unwrap();
                    assert_eq!(&got, b"early");
                    // And the other way: a client taken by the blocking
                    // listener.
                    let blocking = listener.into_blocking();
                    let client2 = Stream::connect(&ConnectOptions::new(&path)).await.unwrap();
                    let server2 = blocking.accept().unwrap();
                    client2.send(b"late").await.unwrap();
                    let mut got = [0; 4];
                    (&server2).read_exact(&mut got).unwrap();
                    assert_eq!(&got, b"late");
                },
            );
        }

        // --- Across processes --------------------------------------------------------

        #[test]
        fn a_blocking_client_in_a_child_process_talks_to_this_async_server() {
            let test = "a_blocking_client_in_a_child_process_talks_to_this_async_server";
            let total = 4 << 20;
            if is_child() {
                let _watchdog = watchdog(test);
                let stream = ConnectOptions::new(std::env::var(PATH_VAR).unwrap())
                    .connect()
                    .unwrap();
                Pattern::new(20).send(&stream, total, 65536).unwrap();
                let received = util::receive_all(&stream).unwrap();
                assert_eq!(received, (total, Pattern::new(21).checksum(total)));
                return;
            }
            run(test, async move {
                let path = pipe_path("childclient");
                let listener = Listener::create(&ListenerOptions::new(&path)).unwrap();
                let mut child = child_command(test)
                    .env(PATH_VAR, &path)
                    .spawn_child()
                    .unwrap();
                let stream = listener.accept().await.unwrap();
                assert_eq!(stream.client_process_id().unwrap(), child.id());
                let received = receive_up_to(&stream, total).await;
                assert_eq!(received, (total, Pattern::new(20).checksum(total)));
                // Written, then flushed: the child has read it all before the
                // drop.
                rt::send(&Pattern::new(21), &stream, total, 65536)
                    .await
                    .unwrap();
                drop(stream);
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), "client child");
            });
        }

        #[test]
        fn this_async_client_talks_to_a_blocking_server_in_a_child_process() {
            let test = "this_async_client_talks_to_a_blocking_server_in_a_child_process";
            let total = 4 << 20;
            if is_child() {
                let _watchdog = watchdog(test);
                let listener = ListenerOptions::new(std::env::var(PATH_VAR).unwrap())
                    .create()
                    .unwrap();
                let stream = listener.accept().unwrap();
                let received = util::receive_all((&stream).take(total)).unwrap();
                assert_eq!(received, (total, Pattern::new(22).checksum(total)));
                Pattern::new(23).send(&stream, total, 65536).unwrap();
                return;
            }
            run(test, async move {
                let path = pipe_path("childserver");
                let mut child = child_command(test)
                    .env(PATH_VAR, &path)
                    .spawn_child()
                    .unwrap();
                let started = Instant::now();
                let stream = loop {
                    match Stream::connect(&ConnectOptions::new(&path)).await {
                        Ok(stream) => break stream,
                        Err(error)
                            if error.kind() == ErrorKind::NotFound
                                && started.elapsed() < Duration::from_secs(30) =>
                        {
                            rt::sleep(Duration::from_millis(20)).await;
                        }
                        Err(error) => panic!("connecting to the child's server: {error}"),
                    }
                };
                assert_eq!(stream.server_process_id().unwrap(), child.id());
                rt::send(&Pattern::new(22), &stream, total, 65536)
                    .await
                    .unwrap();
                let received = receive_up_to(&stream, u64::MAX).await;
                assert_eq!(received, (total, Pattern::new(23).checksum(total)));
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), "server child");
            });
        }

        #[test]
        fn streams_and_listeners_are_send_sync_and_debug() {
            fn check<T: Send + Sync + std::fmt::Debug>() {}
            check::<Stream>();
            check::<Listener>();
        }
    };
}
