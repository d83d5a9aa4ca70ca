//! The behaviour of async resource streams, written once against the
//! binding layer (`rt`) and instantiated per runtime and scheduler.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// and its scheduler `$scheduler`.
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $other:ident) => {
        use std::io::ErrorKind;
        use std::time::Duration;

        use localipc::resource::{AsResource, MAX_PER_CALL};
        use rt::local_socket::{Listener, ResourceStream, Stream};

        use crate::util::names::namespaced;

        #[allow(unused_imports, reason = "not every suite starts processes")]
        use crate::util::Spawn as _;

        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(90));

        /// A connected (client, server) pair of resource streams.
        async fn pair(label: &str) -> (ResourceStream, ResourceStream) {
            let name = namespaced(label);
            let listener = Listener::bind(&name).unwrap();
            let client = ResourceStream::new(Stream::connect(&name).await.unwrap()).unwrap();
            let server = ResourceStream::new(listener.accept().await.unwrap()).unwrap();
            (client, server)
        }

        /// Open descriptors or handles, where the tests can count them.
        fn handle_count() -> Option<usize> {
            #[cfg(any(target_os = "linux", windows))]
            return Some(crate::util::open_handle_count());
            #[cfg(not(any(target_os = "linux", windows)))]
            return None;
        }

        #[test]
        fn bytes_and_resources_arrive_together() {
            run("bytes_and_resources_arrive_together", async {
                let (client, server) = pair("rs-together").await;
                let (sender, receiver) = localipc::pipe::pipe().unwrap();
                let sent = server
                    .send_with(b"a pipe end", &[receiver.as_resource()])
                    .await
                    .unwrap();
                assert_eq!(sent, 10);
                drop(receiver);
                let mut buf = [0; 10];
                let mut resources = Vec::new();
                let mut filled = 0;
                while filled < 10 {
                    let n = client
                        .recv_with(&mut buf[filled..], &mut resources)
                        .await
                        .unwrap();
                    assert_ne!(n, 0);
                    filled += n;
                }
                assert_eq!(&buf, b"a pipe end");
                assert_eq!(resources.len(), 1);
                let mut copy = localipc::pipe::Receiver::from(resources.pop().unwrap());
                std::io::Write::write_all(&mut &sender, b"x").unwrap();
                drop(sender);
                let mut got = Vec::new();
                std::io::Read::read_to_end(&mut copy, &mut got).unwrap();
                assert_eq!(got, b"x");
            });
        }

        #[test]
        fn a_cancelled_receive_takes_nothing() {
            run("a_cancelled_receive_takes_nothing", async {
                let (client, server) = pair("rs-cancel").await;
                let mut buf = [0; 4];
                let mut resources = Vec::new();
                for _ in 0..3 {
                    let early = rt::timeout(
                        Duration::from_millis(20),
                        client.recv_with(&mut buf, &mut resources),
                    )
                    .await;
                    assert!(early.is_none(), "nothing was sent yet");
                }
                let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
                server
                    .send_with(b"data", &[file.as_resource()])
                    .await
                    .unwrap();
                let n = client.recv_with(&mut buf, &mut resources).await.unwrap();
                assert!(n > 0 && buf[..n] == b"data"[..n], "{:?}", &buf[..n]);
                assert_eq!(resources.len(), 1);
            });
        }

        /// Sends eight bytes with eight copies of `file`, and reads them
        /// plainly at `client`.
        async fn send_and_read_plainly(
            client: &mut ResourceStream,
            server: &ResourceStream,
            file: &std::fs::File,
        ) {
            let borrowed: Vec<_> = (0..8).map(|_| file.as_resource()).collect();
            server.send_with(b"12345678", &borrowed).await.unwrap();
            let mut got = [0; 8];
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"12345678");
        }

        #[test]
        fn a_plain_read_declines_resources_and_leaks_nothing() {
            let test = "a_plain_read_declines_resources_and_leaks_nothing";
            if !crate::util::is_child() {
                // Alone in a process of its own: the other tests of this
                // binary, running meanwhile, would blur the count.
                let _watchdog = watchdog(test);
                let status = child_command(test).status_child().unwrap();
                crate::util::assert_success(status, "the counting child");
                return;
            }
            run(test, async {
                let (mut client, server) = pair("rs-plain").await;
                let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
                // One round before counting, so that what the runtime and
                // Windows' thread pool make lazily exists already.
                send_and_read_plainly(&mut client, &server, &file).await;
                rt::sleep(Duration::from_millis(100)).await;
                let before = handle_count();
                for _ in 0..20 {
                    send_and_read_plainly(&mut client, &server, &file).await;
                }
                // On Windows the sender's copies go once a thread-pool wait
                // sees the receiver's signal: give it a moment.
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while handle_count() != before && std::time::Instant::now() < deadline {
                    rt::sleep(Duration::from_millis(20)).await;
                }
                assert_eq!(handle_count(), before, "every declined resource closed");
                drop(server);
                let mut end = [0; 1];
                assert_eq!(client.read(&mut end).await.unwrap(), 0);
            });
        }

        #[test]
        fn too_many_resources_or_none_to_carry_them_are_refused() {
            run(
                "too_many_resources_or_none_to_carry_them_are_refused",
                async {
                    let (_client, server) = pair("rs-refuse").await;
                    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
                    let many: Vec<_> = (0..MAX_PER_CALL + 1).map(|_| file.as_resource()).collect();
                    let error = server.send_with(b"x", &many).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    let error = server
                        .send_with(b"", &[file.as_resource()])
                        .await
                        .unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                },
            );
        }

        #[test]
        fn plain_bytes_flow_both_ways() {
            run("plain_bytes_flow_both_ways", async {
                let (mut client, mut server) = pair("rs-bytes").await;
                client.write_all(b"ping").await.unwrap();
                let mut got = [0; 4];
                server.read_exact(&mut got).await.unwrap();
                server.write_all(b"pong").await.unwrap();
                client.read_exact(&mut got).await.unwrap();
                assert_eq!(&got, b"pong");
            });
        }
    };
}
