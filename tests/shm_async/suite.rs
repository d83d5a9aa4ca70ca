//! The behaviour of async shared-memory channels, written once against the
//! binding layer (`rt`) and instantiated per runtime and scheduler.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// and its scheduler `$scheduler`.
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $other:ident) => {
        use std::io::ErrorKind;
        use std::time::Duration;

        use localipc::shm::ShmOptions;
        use rt::shm::{ShmListener, ShmStream};

        use crate::util::names::namespaced;

        #[allow(unused_imports, reason = "not every suite starts processes")]
        use crate::util::Spawn as _;

        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(90));

        /// A connected (client, server) pair, with rings of `capacity`.
        async fn pair(label: &str, capacity: usize) -> (ShmStream, ShmStream) {
            let name = namespaced(label);
            let listener = ShmListener::bind(&name).unwrap();
            let mut options = ShmOptions::new();
            options.capacity(capacity);
            let (client, server) =
                crate::runtime::zip(ShmStream::connect_with(&name, &options), listener.accept())
                    .await;
            (client.unwrap(), server.unwrap())
        }

        #[test]
        fn bytes_cross_both_ways_intact() {
            run("bytes_cross_both_ways_intact", async {
                let total = 16 << 20;
                let (mut client, mut server) = pair("shm-both", 64 * 1024).await;
                let sending = rt::spawn(async move {
                    let sent = rt::send(&crate::util::Pattern::new(3), &mut client, total, 65_521)
                        .await
                        .unwrap();
                    rt::shutdown(&mut client).await.unwrap();
                    let back = rt::receive_all(&mut client).await.unwrap();
                    (sent, back)
                });
                let (received, checksum) = rt::receive_all(&mut server).await.unwrap();
                assert_eq!(received, total);
                let returned = rt::send(&crate::util::Pattern::new(4), &mut server, total, 1 << 16)
                    .await
                    .unwrap();
                drop(server);
                let (sent, back) = sending.await;
                assert_eq!(checksum, sent);
                assert_eq!(back, (total, returned));
            });
        }

        /// A peer that stalls the set-up holds it only up to the set-up
        /// timeout, on either side, without blocking the executor; the
        /// listener then serves the next client.
        #[test]
        fn a_stalled_set_up_times_out_and_the_listener_serves_the_next_client() {
            run(
                "a_stalled_set_up_times_out_and_the_listener_serves_the_next_client",
                async {
                    let limit = Duration::from_millis(600);
                    let name = namespaced("shm-stall");
                    let listener = ShmListener::bind(&name).unwrap().setup_timeout(Some(limit));
                    // A client that connects and never says a word.
                    let silent = rt::local_socket::Stream::connect(&name).await.unwrap();
                    let started = std::time::Instant::now();
                    let (accepted, ticks) = rt::ticks_while(listener.accept()).await;
                    let error = accepted.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
                    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());
                    assert!(ticks >= 2, "the executor was blocked during the set-up");
                    drop(silent);
                    // The next client is served, and the channel works.
                    let (client, server) =
                        crate::runtime::zip(ShmStream::connect(&name), listener.accept()).await;
                    let (mut client, mut server) = (client.unwrap(), server.unwrap());
                    client.write_all(b"next").await.unwrap();
                    let mut got = [0; 4];
                    server.read_exact(&mut got).await.unwrap();
                    assert_eq!(&got, b"next");
                    // A server that accepts the connection and never answers:
                    // the client's set-up times out too.
                    let quiet_name = namespaced("shm-quiet");
                    let quiet = rt::local_socket::Listener::bind(&quiet_name).unwrap();
                    let mut options = ShmOptions::new();
                    options.setup_timeout(Some(limit));
                    let started = std::time::Instant::now();
                    let (connected, held) = crate::runtime::zip(
                        ShmStream::connect_with(&quiet_name, &options),
                        quiet.accept(),
                    )
                    .await;
                    let error = connected.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
                    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());
                    drop(held.unwrap());
                },
            );
        }

        /// Where the OS cannot keep the peer from shrinking the memory
        /// (forced on Linux by `--cfg localipc_unsealed_shm`), both sides
        /// refuse at once with `Unsupported`, naming the OS; the accepting
        /// side does not wait for the client (no set-up limit here).
        #[cfg(localipc_unsealed_shm)]
        #[test]
        fn unsealed_memory_is_refused_on_both_sides() {
            run("unsealed_memory_is_refused_on_both_sides", async {
                let name = namespaced("shm-unsealed");
                let listener = ShmListener::bind(&name).unwrap().setup_timeout(None);
                let (connected, accepted) =
                    crate::runtime::zip(ShmStream::connect(&name), listener.accept()).await;
                crate::util::assert_refused_for_this_os(connected, "connect");
                crate::util::assert_refused_for_this_os(accepted, "accept");
            });
        }

        #[test]
        fn a_dropped_read_loses_no_byte() {
            run("a_dropped_read_loses_no_byte", async {
                let (client, server) = pair("shm-cancel", 4096).await;
                rt::check_that_dropped_reads_lose_no_byte(client, server).await;
            });
        }

        #[test]
        fn a_dropped_peer_wakes_a_waiting_read_and_breaks_writes() {
            run(
                "a_dropped_peer_wakes_a_waiting_read_and_breaks_writes",
                async {
                    let (client, mut server) = pair("shm-drop", 4096).await;
                    let dropping = rt::spawn(async move {
                        rt::sleep(Duration::from_millis(50)).await;
                        drop(client);
                    });
                    let mut buf = [0; 16];
                    assert_eq!(server.read(&mut buf).await.unwrap(), 0);
                    dropping.await;
                    let error = server.write(b"x").await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe);
                },
            );
        }

        #[test]
        fn waiting_never_blocks_the_executor() {
            run("waiting_never_blocks_the_executor", async {
                let (mut client, mut server) = pair("shm-ticks", 4096).await;
                // A read with nothing to read, answered 400 ms later from
                // another task: a blocked executor counts no tick in that
                // time, a free one dozens (a few on a machine that busy
                // loops crowd, as the stress lane's).
                let writing = rt::spawn(async move {
                    rt::sleep(Duration::from_millis(400)).await;
                    // A full ring, then more: this write waits for the reader.
                    client.write_all(&[5; 4096 * 3]).await.unwrap();
                    client
                });
                let mut buf = vec![0; 4096 * 3];
                let (read, ticks) = rt::ticks_while(server.read_exact(&mut buf)).await;
                read.unwrap();
                assert!(ticks >= 2, "{ticks} ticks during a 400 ms wait");
                assert!(buf.iter().all(|&byte| byte == 5));
                drop(writing.await);
            });
        }

        #[test]
        fn halves_in_two_tasks_wait_together() {
            run("halves_in_two_tasks_wait_together", async {
                let (client, server) = pair("shm-split", 4096).await;
                // The server echoes; its halves wait in two tasks, each
                // on the one socket.
                let (mut reader, mut writer) = rt::split(server);
                let (to_writer, from_reader) = crate::runtime::channel::bounded::<Vec<u8>>(64);
                let echo_in = rt::spawn(async move {
                    let mut buf = vec![0; 1000];
                    loop {
                        let n = reader.read(&mut buf).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        to_writer.send(buf[..n].to_vec()).await.unwrap();
                    }
                });
                let echo_out = rt::spawn(async move {
                    while let Ok(chunk) = from_reader.recv().await {
                        writer.write_all(&chunk).await.unwrap();
                    }
                });
                let (mut client_reader, mut client_writer) = rt::split(client);
                let total = 1 << 20;
                let sending = rt::spawn(async move {
                    let sent = rt::send(
                        &crate::util::Pattern::new(6),
                        &mut client_writer,
                        total,
                        3000,
                    )
                    .await
                    .unwrap();
                    rt::shutdown(&mut client_writer).await.unwrap();
                    (sent, client_writer)
                });
                let mut got = 0u64;
                let mut checksum = crate::util::Checksum::new();
                let mut buf = vec![0; 7000];
                while got < total {
                    let n = client_reader.read(&mut buf).await.unwrap();
                    assert_ne!(n, 0);
                    checksum.update(&buf[..n]);
                    got += n as u64;
                }
                let (sent, _writer) = sending.await;
                assert_eq!(checksum.finish(), sent);
                echo_in.await;
                echo_out.await;
            });
        }

        /// A hand-made accepting peer on `name` (a blocking listener in a
        /// thread): it takes the memory, answers, then rings a bell every
        /// 100 ms and never moves a byte, until `stop` closes. Gives its
        /// socket back.
        fn bell_ringer(
            name: localipc::local_socket::Name,
            stop: crate::runtime::channel::Receiver<()>,
        ) -> std::thread::JoinHandle<localipc::local_socket::ResourceStream> {
            use localipc::local_socket::{Listener, ResourceStream};
            let listener = Listener::bind(&name).unwrap();
            std::thread::spawn(move || {
                let peer = ResourceStream::new(listener.accept().unwrap()).unwrap();
                let (mut hello, mut got, mut memory) = ([0; 8], 0, Vec::new());
                while got < hello.len() {
                    got += peer.recv_with(&mut hello[got..], &mut memory).unwrap();
                }
                peer.send_with(&hello, &[]).unwrap();
                while stop.try_recv() == Err(crate::runtime::channel::TryRecvError::Empty) {
                    // Any bytes are bells once the channel is set up.
                    let _ = std::io::Write::write(&mut &peer, &[1]);
                    std::thread::sleep(Duration::from_millis(100));
                }
                peer
            })
        }

        /// A runtime's timeout ends a read or write that a bell-ringing peer
        /// keeps waking, within one bell interval of the timeout, and the
        /// waits leave the executor free.
        #[test]
        fn a_peer_ringing_bells_cannot_hold_a_read_or_write_past_a_timeout() {
            run(
                "a_peer_ringing_bells_cannot_hold_a_read_or_write_past_a_timeout",
                async {
                    let timeout = Duration::from_millis(700);
                    let late = Duration::from_millis(100 + 900);
                    let name = namespaced("shm-ringing");
                    let (stop, stopped) = crate::runtime::channel::bounded(1);
                    let peer = bell_ringer(name.clone(), stopped);
                    let mut options = ShmOptions::new();
                    options.capacity(4096);
                    let mut client = ShmStream::connect_with(&name, &options).await.unwrap();
                    let started = std::time::Instant::now();
                    let mut buf = [0; 16];
                    let (read, ticks) =
                        rt::ticks_while(rt::timeout(timeout, client.read(&mut buf))).await;
                    let waited = started.elapsed();
                    assert!(read.is_none(), "a read ended: {read:?}");
                    assert!(waited < timeout + late, "read: {waited:?}");
                    assert!(ticks >= 2, "{ticks} ticks: the executor was held");
                    client.write_all(&[5; 4096]).await.unwrap();
                    let started = std::time::Instant::now();
                    let write = rt::timeout(timeout, client.write(b"more")).await;
                    let waited = started.elapsed();
                    assert!(write.is_none(), "a write ended: {write:?}");
                    assert!(waited < timeout + late, "write: {waited:?}");
                    drop(stop);
                    drop(rt::unblock(move || peer.join().unwrap()).await);
                },
            );
        }

        /// A client that sends its set-up one byte every 250 ms and never
        /// finishes holds the listener's accept only up to the set-up
        /// timeout.
        #[test]
        fn a_peer_trickling_its_set_up_cannot_hold_it_past_the_timeout() {
            run(
                "a_peer_trickling_its_set_up_cannot_hold_it_past_the_timeout",
                async {
                    let limit = Duration::from_millis(400);
                    let late = Duration::from_millis(100 + 900);
                    let name = namespaced("shm-trickle");
                    let listener = ShmListener::bind(&name).unwrap().setup_timeout(Some(limit));
                    let peer = std::thread::spawn(move || {
                        use localipc::local_socket::{ResourceStream, Stream};
                        let stream = ResourceStream::new(Stream::connect(&name).unwrap()).unwrap();
                        for &byte in b"LIPCSHM" {
                            if stream.send_with(&[byte], &[]).is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(250));
                        }
                        stream
                    });
                    let started = std::time::Instant::now();
                    let error = listener.accept().await.unwrap_err();
                    let waited = started.elapsed();
                    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
                    assert!(waited < limit + late, "{waited:?}");
                    drop(rt::unblock(move || peer.join().unwrap()).await);
                },
            );
        }

        /// An `accept` dropped while it sets up a client loses no client:
        /// the next call finishes that client's set-up.
        #[test]
        fn a_dropped_accept_loses_no_client() {
            run("a_dropped_accept_loses_no_client", async {
                let name = namespaced("shm-dropped-accept");
                let listener = ShmListener::bind(&name).unwrap();
                let (connected, is_connected) = crate::runtime::channel::bounded(1);
                let (go, may_go) = crate::runtime::channel::bounded::<()>(1);
                let client = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
                    use localipc::local_socket::{ResourceStream, Stream};
                    use std::io::{Read, Write};
                    let stream = Stream::connect(&name)?;
                    connected.send_blocking(()).unwrap();
                    // The set-up waits for this side's memory, which goes
                    // only once the first accept was dropped.
                    may_go.recv_blocking().unwrap();
                    let mut channel = ShmOptions::new().offer(ResourceStream::new(stream)?)?;
                    channel.write_all(b"still here")?;
                    channel.shutdown_write();
                    let mut answer = Vec::new();
                    channel.read_to_end(&mut answer)?;
                    Ok(answer)
                });
                is_connected.recv().await.unwrap();
                // Long enough to accept the waiting connection and start its
                // set-up, which cannot end before `go`.
                let dropped = rt::timeout(Duration::from_secs(1), listener.accept()).await;
                assert!(dropped.is_none(), "the set-up ended early: {dropped:?}");
                go.send(()).await.unwrap();
                let accepted = rt::timeout(Duration::from_secs(10), listener.accept()).await;
                let mut server = accepted.expect("the client was lost").unwrap();
                let mut request = Vec::new();
                server.read_to_end(&mut request).await.unwrap();
                assert_eq!(request, b"still here");
                server.write_all(b"served").await.unwrap();
                drop(server);
                let answer = rt::unblock(move || client.join().unwrap()).await;
                assert_eq!(answer.unwrap(), b"served");
            });
        }

        #[test]
        fn a_blocking_peer_speaks_the_same_channel() {
            run("a_blocking_peer_speaks_the_same_channel", async {
                let name = namespaced("shm-mixed");
                let listener = ShmListener::bind(&name).unwrap();
                let blocking = rt::unblock(move || {
                    use std::io::{Read, Write};
                    let mut stream = localipc::shm::ShmStream::connect(&name)?;
                    stream.write_all(b"from a thread")?;
                    stream.shutdown_write();
                    let mut answer = Vec::new();
                    stream.read_to_end(&mut answer)?;
                    Ok::<_, std::io::Error>(answer)
                });
                let accepted = async {
                    let mut server = listener.accept().await.unwrap();
                    let mut request = Vec::new();
                    server.read_to_end(&mut request).await.unwrap();
                    assert_eq!(request, b"from a thread");
                    server.write_all(b"from a task").await.unwrap();
                };
                let (answer, ()) = crate::runtime::zip(blocking, accepted).await;
                assert_eq!(answer.unwrap(), b"from a task");
            });
        }
    };
}
