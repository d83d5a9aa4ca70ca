//! The behaviour of async message sockets, written once against the
//! binding layer (`rt`) and instantiated per runtime and scheduler.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// and its scheduler `$scheduler`.
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $other:ident) => {
        use std::future::Future;
        use std::io::ErrorKind;
        use std::sync::Arc;
        use std::task::Poll;
        use std::time::Duration;

        use localipc::local_socket::MessageTooLong;
        use rt::local_socket::{MessageListener, MessageSocket};

        use crate::util::names::{both_kinds, namespaced};

        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(120));

        /// A connected (client, server) pair.
        async fn pair(label: &str) -> (MessageSocket, MessageSocket) {
            let name = namespaced(label);
            let listener = MessageListener::bind(&name).unwrap();
            let client = MessageSocket::connect(&name).await.unwrap();
            let server = listener.accept().await.unwrap();
            (client, server)
        }

        /// A message of `len` bytes that depends on `seed`.
        fn message(len: usize, seed: usize) -> Vec<u8> {
            (0..len)
                .map(|i| (i.wrapping_mul(31) ^ seed ^ len) as u8)
                .collect()
        }

        #[test]
        fn boundaries_are_kept_for_every_size_while_both_sides_run_at_once() {
            run(
                "boundaries_are_kept_for_every_size_while_both_sides_run_at_once",
                async {
                    for (name, _keep) in both_kinds("am-sizes") {
                        let listener = MessageListener::bind(&name).unwrap();
                        let client = MessageSocket::connect(&name).await.unwrap();
                        let server = Arc::new(listener.accept().await.unwrap());
                        client.set_max_message_size(1 << 20).unwrap();
                        server.set_max_message_size(1 << 20).unwrap();
                        let sizes = [1, 2, 100, 4096, 65_536, 100_000, 212_960, 1 << 20];
                        // The receiver runs as a task of its own while the
                        // sender queues every size (on Windows a message
                        // larger than the pipe's buffer waits for it).
                        let receiver = rt::spawn({
                            let server = Arc::clone(&server);
                            async move {
                                let mut got = Vec::new();
                                for (seed, len) in sizes.into_iter().enumerate() {
                                    assert_eq!(server.recv_to_vec(&mut got).await.unwrap(), len);
                                    assert_eq!(got, message(len, seed), "{len}");
                                }
                            }
                        });
                        for (seed, len) in sizes.into_iter().enumerate() {
                            client.send(&message(len, seed)).await.unwrap();
                        }
                        receiver.await;
                        // And back, into buffers of exactly the size.
                        for (seed, len) in sizes.into_iter().enumerate().take(5) {
                            server.send(&message(len, seed)).await.unwrap();
                            let mut buf = vec![0; len];
                            assert_eq!(client.recv(&mut buf).await.unwrap(), len);
                            assert_eq!(buf, message(len, seed), "{name}: {len}");
                        }
                    }
                },
            );
        }

        #[test]
        fn a_cancelled_or_too_small_receive_loses_no_message() {
            run("a_cancelled_or_too_small_receive_loses_no_message", async {
                let (client, server) = pair("am-cancel").await;
                // A receive polled once with nothing there, then dropped.
                {
                    let mut buf = [0; 64];
                    let mut receive = std::pin::pin!(server.recv(&mut buf));
                    let first = std::future::poll_fn(|cx| {
                        Poll::Ready(receive.as_mut().poll(cx).is_pending())
                    })
                    .await;
                    assert!(first, "nothing was sent yet");
                }
                client.send(b"kept").await.unwrap();
                client.send(&message(5000, 5)).await.unwrap();
                let mut buf = [0; 64];
                let n = server.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"kept");
                // Too small: the message stays, whole.
                let error = server.recv(&mut buf).await.unwrap_err();
                assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                let too_long = error
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<MessageTooLong>())
                    .copied()
                    .unwrap();
                assert_eq!((too_long.len, too_long.buffer), (5000, 64));
                let mut big = vec![0; too_long.len];
                assert_eq!(server.recv(&mut big).await.unwrap(), 5000);
                assert_eq!(big, message(5000, 5));
            });
        }

        #[test]
        fn a_message_too_long_for_its_buffer_comes_whole_next_without_more_traffic() {
            run(
                "a_message_too_long_for_its_buffer_comes_whole_next_without_more_traffic",
                async {
                    let (client, server) = pair("am-held").await;
                    // Nothing follows either message: the next receive
                    // must not wait for the socket to become readable.
                    client.send(&message(5000, 1)).await.unwrap();
                    let error = server.recv(&mut [0; 4999]).await.unwrap_err();
                    let too_long = error
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<MessageTooLong>())
                        .copied()
                        .unwrap();
                    assert_eq!((too_long.len, too_long.buffer), (5000, 4999));
                    let mut exact = vec![0; 5000];
                    assert_eq!(server.recv(&mut exact).await.unwrap(), 5000);
                    assert_eq!(exact, message(5000, 1));
                    client.send(&message(3000, 2)).await.unwrap();
                    let error = server.recv(&mut [0; 8]).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    let mut got = Vec::new();
                    assert_eq!(server.recv_to_vec(&mut got).await.unwrap(), 3000);
                    assert_eq!(got, message(3000, 2));
                },
            );
        }

        #[test]
        fn a_buffer_of_the_limit_receives_a_message_of_the_limit_and_drops_a_longer_one() {
            run(
                "a_buffer_of_the_limit_receives_a_message_of_the_limit_and_drops_a_longer_one",
                async {
                    let (client, server) = pair("am-limit-buffer").await;
                    let server = Arc::new(server);
                    let limit = server.max_message_size().unwrap();
                    client.set_max_message_size(limit * 2).unwrap();
                    // The receiver runs at once: on Windows a message larger
                    // than the pipe's buffer waits for it.
                    let receiver = rt::spawn({
                        let server = Arc::clone(&server);
                        async move {
                            let mut buf = vec![0; limit];
                            assert_eq!(server.recv(&mut buf).await.unwrap(), limit);
                            assert_eq!(buf, message(limit, 1));
                            let error = server.recv(&mut buf).await.unwrap_err();
                            assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
                            assert_eq!(server.recv(&mut buf).await.unwrap(), 5);
                            assert_eq!(&buf[..5], b"after");
                        }
                    });
                    client.send(&message(limit, 1)).await.unwrap();
                    client.send(&message(limit + 1, 2)).await.unwrap();
                    client.send(b"after").await.unwrap();
                    receiver.await;
                },
            );
        }

        #[test]
        fn empty_and_oversized_messages_are_refused_and_send_nothing() {
            run(
                "empty_and_oversized_messages_are_refused_and_send_nothing",
                async {
                    let (client, server) = pair("am-refuse").await;
                    let error = client.send(b"").await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    let max = client.max_message_size().unwrap();
                    let error = client.send(&vec![0; max + 1]).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    client
                        .send_vectored(&[std::io::IoSlice::new(b"a"), std::io::IoSlice::new(b"b")])
                        .await
                        .unwrap();
                    let mut got = Vec::new();
                    assert_eq!(server.recv_to_vec(&mut got).await.unwrap(), 2);
                    assert_eq!(got, b"ab");
                },
            );
        }

        #[test]
        fn a_message_over_the_receivers_limit_is_dropped_and_the_next_arrives() {
            run(
                "a_message_over_the_receivers_limit_is_dropped_and_the_next_arrives",
                async {
                    let (client, server) = pair("am-limit").await;
                    let server = Arc::new(server);
                    client.set_max_message_size(400_000).unwrap();
                    server.set_max_message_size(100_000).unwrap();
                    let limit = server.max_message_size().unwrap();
                    // The receiver runs at once: on Windows a message larger
                    // than the pipe's buffer waits for it.
                    let receiver = rt::spawn({
                        let server = Arc::clone(&server);
                        async move {
                            let mut got = Vec::new();
                            let error = server.recv_to_vec(&mut got).await.unwrap_err();
                            assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
                            assert_eq!(server.recv_to_vec(&mut got).await.unwrap(), 5);
                            assert_eq!(got, b"after");
                        }
                    });
                    client.send(&message(limit + 100_000, 7)).await.unwrap();
                    client.send(b"after").await.unwrap();
                    receiver.await;
                },
            );
        }

        #[test]
        fn a_closed_peer_ends_the_stream_after_its_messages_and_breaks_sends() {
            run(
                "a_closed_peer_ends_the_stream_after_its_messages_and_breaks_sends",
                async {
                    let (client, server) = pair("am-closed").await;
                    client.send(b"bye").await.unwrap();
                    drop(client);
                    let mut buf = [0; 8];
                    let n = server.recv(&mut buf).await.unwrap();
                    assert_eq!(&buf[..n], b"bye");
                    assert_eq!(server.recv(&mut buf).await.unwrap(), 0);
                    assert_eq!(server.recv_to_vec(&mut Vec::new()).await.unwrap(), 0);
                    // The first send may still be accepted on Windows (its
                    // outcome is awaited by the next); one of two fails.
                    let first = server.send(b"anyone?").await;
                    let error = match first {
                        Err(error) => error,
                        Ok(()) => server.send(b"anyone?").await.unwrap_err(),
                    };
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
                },
            );
        }

        #[test]
        fn a_thousand_concurrent_clients_each_get_their_own_answer() {
            run(
                "a_thousand_concurrent_clients_each_get_their_own_answer",
                async {
                    const CLIENTS: usize = 1000;
                    let name = namespaced("am-thousand");
                    let listener = MessageListener::bind(&name).unwrap();
                    let server = rt::spawn(async move {
                        let mut served = Vec::new();
                        for _ in 0..CLIENTS {
                            let socket = listener.accept().await.unwrap();
                            served.push(rt::spawn(async move {
                                let mut request = Vec::new();
                                while socket.recv_to_vec(&mut request).await.unwrap() > 0 {
                                    request.reverse();
                                    socket.send(&request).await.unwrap();
                                }
                            }));
                        }
                        for task in served {
                            task.await;
                        }
                    });
                    let clients: Vec<_> = (0..CLIENTS)
                        .map(|id| {
                            let name = name.clone();
                            rt::spawn(async move {
                                let socket = MessageSocket::connect(&name).await.unwrap();
                                let request = format!("client {id}").into_bytes();
                                socket.send(&request).await.unwrap();
                                let mut answer = Vec::new();
                                socket.recv_to_vec(&mut answer).await.unwrap();
                                answer.reverse();
                                assert_eq!(answer, request);
                            })
                        })
                        .collect();
                    for client in clients {
                        client.await;
                    }
                    server.await;
                },
            );
        }
        /// A name belongs to one kind: an async message listener keeps it
        /// from stream listeners and leaves it to either kind when dropped.
        #[test]
        fn an_async_message_listener_holds_its_name_from_streams_until_dropped() {
            run(
                "an_async_message_listener_holds_its_name_from_streams_until_dropped",
                async {
                    use localipc::local_socket::Listener;
                    for (name, _keep) in both_kinds("am-kind") {
                        let listener = MessageListener::bind(&name).unwrap();
                        match Listener::bind(&name) {
                            Err(error) => {
                                assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}")
                            }
                            Ok(_) if crate::util::is_wine() => {}
                            Ok(_) => {
                                panic!("{name}: a stream listener took a message listener's name")
                            }
                        }
                        let framed_abstract =
                            cfg!(localipc_framed_messages) && name.fs_path().is_none();
                        if !framed_abstract {
                            let error = rt::local_socket::Stream::connect(&name).await.unwrap_err();
                            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name}: {error}");
                            assert!(
                                error.to_string().contains("`MessageSocket::connect`"),
                                "{error}"
                            );
                        }
                        drop(listener);
                        drop(crate::util::bind_soon(|| Listener::bind(&name)));
                        drop(crate::util::bind_soon(|| MessageListener::bind(&name)));
                    }
                },
            );
        }
    };
}
