//! The behaviour of the async unnamed pipes and FIFOs, written once against
//! the binding layer (`rt`) and instantiated per runtime and scheduler by
//! `main.rs`.

/// Defines every test of the suite in the invoking module, on runtime `$rt`
/// (`tokio` or `smol`) and its scheduler `$scheduler` (no test here needs the
/// other runtime).
macro_rules! suite {
    ($rt:ident, $scheduler:ident, $_other:ident) => {
        use std::io::{ErrorKind, IoSlice, Read};
        use std::time::Duration;

        use localipc::pipe::{Handoff, Receiver, Sender};

        use crate::util::{self, Pattern, assert_success, is_child};

        #[allow(unused_imports, reason = "not every suite starts processes")]
        use crate::util::Spawn as _;

        crate::runtime::suite_support!($rt, $scheduler, Duration::from_secs(90));

        const PIPE_VAR: &str = "LOCALIPC_TEST_PIPE";

        #[test]
        fn data_flows_and_the_end_follows_the_last_sender() {
            run("data_flows_and_the_end_follows_the_last_sender", async {
                let total = 4 << 20;
                let (mut sender, mut receiver) = rt::pipe::pipe().unwrap();
                let writing = rt::spawn(async move {
                    rt::send(&Pattern::new(1), &mut sender, total, 10_000)
                        .await
                        .unwrap();
                });
                let got = rt::receive_all(&mut receiver).await.unwrap();
                writing.await;
                assert_eq!(got, (total, Pattern::new(1).checksum(total)));
                assert_eq!(receiver.read(&mut [0; 4]).await.unwrap(), 0);
            });
        }

        #[test]
        fn a_write_without_receivers_is_broken_pipe() {
            run("a_write_without_receivers_is_broken_pipe", async {
                let (mut sender, receiver) = rt::pipe::pipe().unwrap();
                drop(receiver);
                let error = rt::write_until_error(&mut sender, &[1; 4096]).await;
                assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
            });
        }

        #[test]
        fn vectored_writes_move_every_buffer_in_order() {
            run("vectored_writes_move_every_buffer_in_order", async {
                let (mut sender, mut receiver) = rt::pipe::pipe().unwrap();
                let parts: [&[u8]; 3] = [b"alpha ", b"", b"beta"];
                let mut slices: Vec<IoSlice<'_>> =
                    parts.iter().map(|part| IoSlice::new(part)).collect();
                let mut slices = &mut slices[..];
                let mut left = 10;
                while left > 0 {
                    let n = sender.write_vectored(slices).await.unwrap();
                    left -= n;
                    IoSlice::advance_slices(&mut slices, n);
                }
                drop(sender);
                let mut got = Vec::new();
                receiver.read_to_end(&mut got).await.unwrap();
                assert_eq!(got, b"alpha beta");
            });
        }

        #[test]
        fn dropped_read_futures_lose_no_byte() {
            run("dropped_read_futures_lose_no_byte", async {
                let (sender, receiver) = rt::pipe::pipe().unwrap();
                rt::check_that_dropped_reads_lose_no_byte(sender, receiver).await;
            });
        }

        #[test]
        fn an_end_dropped_after_its_runtime_is_gone_keeps_what_it_wrote() {
            let _watchdog =
                watchdog("an_end_dropped_after_its_runtime_is_gone_keeps_what_it_wrote");
            let runtime = rt::Runtime::new(SCHEDULER);
            let (sender, receiver) = runtime.block_on(async {
                let (mut sender, receiver) = rt::pipe::pipe_with_blocking_receiver().unwrap();
                sender.write_all(b"kept").await.unwrap();
                sender.flush().await.unwrap();
                (sender, receiver)
            });
            drop(runtime);
            drop(sender);
            let mut got = String::new();
            (&receiver).read_to_string(&mut got).unwrap();
            assert_eq!(got, "kept");
        }

        // --- Child processes ---------------------------------------------------------

        #[test]
        fn a_child_reads_what_an_async_sender_writes() {
            let test = "a_child_reads_what_an_async_sender_writes";
            let total = 8 << 20;
            if is_child() {
                let _watchdog = watchdog(test);
                // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
                let receiver = unsafe { Receiver::from_handoff(PIPE_VAR) }.unwrap();
                let got = util::receive_all(&receiver).unwrap();
                assert_eq!(got, (total, Pattern::new(11).checksum(total)));
                return;
            }
            run(test, async move {
                let (mut sender, child_end) = rt::pipe::pipe_with_blocking_receiver().unwrap();
                let mut child = Handoff::new()
                    .receiver(PIPE_VAR, &child_end)
                    .spawn(&mut child_command(test))
                    .unwrap();
                drop(child_end);
                rt::send(&Pattern::new(11), &mut sender, total, 65536)
                    .await
                    .unwrap();
                drop(sender);
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), "reading child");
            });
        }

        #[test]
        fn an_async_receiver_reads_what_a_child_writes() {
            let test = "an_async_receiver_reads_what_a_child_writes";
            let total = 8 << 20;
            if is_child() {
                let _watchdog = watchdog(test);
                // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
                let sender = unsafe { Sender::from_handoff(PIPE_VAR) }.unwrap();
                Pattern::new(12).send(&sender, total, 65536).unwrap();
                return;
            }
            run(test, async move {
                let (child_end, mut receiver) = rt::pipe::pipe_with_blocking_sender().unwrap();
                let mut child = Handoff::new()
                    .sender(PIPE_VAR, &child_end)
                    .spawn(&mut child_command(test))
                    .unwrap();
                drop(child_end);
                let got = rt::receive_all(&mut receiver).await.unwrap();
                assert_eq!(got, (total, Pattern::new(12).checksum(total)));
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), "writing child");
            });
        }

        #[test]
        fn a_blocking_end_is_ordinary_standard_input_for_a_child() {
            let test = "a_blocking_end_is_ordinary_standard_input_for_a_child";
            if is_child() {
                let _watchdog = watchdog(test);
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).unwrap();
                assert_eq!(text, "through standard input");
                return;
            }
            run(test, async move {
                let (mut sender, child_end) = rt::pipe::pipe_with_blocking_receiver().unwrap();
                let mut child = child_command(test)
                    .stdin(std::process::Stdio::from(child_end))
                    .spawn_child()
                    .unwrap();
                sender.write_all(b"through standard input").await.unwrap();
                drop(sender);
                let status = rt::unblock(move || child.wait()).await;
                assert_success(status.unwrap(), "child reading standard input");
            });
        }

        // --- Unix only ---------------------------------------------------------------

        #[cfg(unix)]
        #[test]
        fn blocking_and_async_ends_convert_both_ways() {
            use std::io::Write;
            run("blocking_and_async_ends_convert_both_ways", async {
                let (sender, receiver) = localipc::pipe::pipe().unwrap();
                let mut sender = rt::pipe::Sender::from_blocking(sender).unwrap();
                let receiver = rt::pipe::Receiver::from_blocking(receiver).unwrap();
                sender.write_all(b"async, then blocking").await.unwrap();
                let mut sender = sender.into_blocking().unwrap();
                sender.write_all(b"!").unwrap();
                drop(sender);
                let receiver = receiver.into_blocking().unwrap();
                let mut text = String::new();
                (&receiver).read_to_string(&mut text).unwrap();
                assert_eq!(text, "async, then blocking!");
            });
        }

        #[cfg(unix)]
        #[test]
        fn a_write_to_a_closed_pipe_is_an_error_even_with_sigpipe_at_its_default() {
            use std::os::unix::process::ExitStatusExt;
            let test = "a_write_to_a_closed_pipe_is_an_error_even_with_sigpipe_at_its_default";
            let _watchdog = watchdog(test);
            if is_child() {
                // SAFETY: restoring the default disposition runs no handler code.
                unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
                rt::run(SCHEDULER, async {
                    let (mut sender, receiver) = rt::pipe::pipe().unwrap();
                    drop(receiver);
                    let error = sender.write_all(b"x").await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::BrokenPipe);
                });
                return;
            }
            let status = child_command(test).status_child().unwrap();
            assert_eq!(status.signal(), None, "killed by a signal: {status}");
            assert_success(status, "child writing to a closed pipe");
        }

        #[cfg(unix)]
        mod fifo {
            use localipc::os::unix::fifo;

            use super::*;

            #[test]
            fn the_sender_open_waits_for_a_reader_without_blocking_the_runtime() {
                run(
                    "fifo::the_sender_open_waits_for_a_reader_without_blocking_the_runtime",
                    async {
                        let dir = util::TempDir::new("fifo-sender");
                        let path = dir.path().join("fifo");
                        fifo::create(&path, 0o600).unwrap();
                        let opening = rt::spawn({
                            let path = path.clone();
                            async move { rt::fifo::open_sender(&path).await }
                        });
                        // The runtime stays responsive while the open waits.
                        rt::sleep(Duration::from_millis(100)).await;
                        assert!(!opening.is_finished(), "opened without a reader");
                        let mut receiver = rt::fifo::open_receiver(&path).await.unwrap();
                        let mut sender = opening.await.unwrap();
                        sender.write_all(b"via the FIFO").await.unwrap();
                        drop(sender);
                        let mut text = String::new();
                        receiver.read_to_string(&mut text).await.unwrap();
                        assert_eq!(text, "via the FIFO");
                    },
                );
            }

            /// Linux reports neither data nor the end to a reader that no
            /// writer has joined yet, so an early read waits instead of
            /// seeing an end.
            #[cfg(any(target_os = "linux", target_os = "android"))]
            #[test]
            fn a_receiver_opened_first_waits_for_the_writer_instead_of_ending() {
                use std::io::Write;
                run(
                    "fifo::a_receiver_opened_first_waits_for_the_writer_instead_of_ending",
                    async {
                        let dir = util::TempDir::new("fifo-receiver");
                        let path = dir.path().join("fifo");
                        fifo::create(&path, 0o600).unwrap();
                        let mut receiver = rt::fifo::open_receiver(&path).await.unwrap();
                        let mut buf = [0; 16];
                        let early =
                            rt::timeout(Duration::from_millis(100), receiver.read(&mut buf));
                        if let Some(read) = early.await {
                            panic!("read before any writer: {read:?}");
                        }
                        let writer = std::thread::spawn(move || {
                            let mut sender = fifo::open_sender(&path).unwrap();
                            sender.write_all(b"late writer").unwrap();
                        });
                        let mut text = String::new();
                        receiver.read_to_string(&mut text).await.unwrap();
                        assert_eq!(text, "late writer");
                        writer.join().unwrap();
                    },
                );
            }

            #[test]
            fn a_path_that_is_not_a_fifo_is_invalid_input() {
                run("fifo::a_path_that_is_not_a_fifo_is_invalid_input", async {
                    let dir = util::TempDir::new("fifo-regular");
                    let path = dir.path().join("file");
                    std::fs::write(&path, b"regular").unwrap();
                    let error = rt::fifo::open_receiver(&path).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    let error = rt::fifo::open_sender(&path).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
                    let error = rt::fifo::open_sender(dir.path().join("missing"))
                        .await
                        .unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
                });
            }

            #[test]
            fn a_cancelled_sender_open_leaves_no_writer_behind() {
                run(
                    "fifo::a_cancelled_sender_open_leaves_no_writer_behind",
                    async {
                        let dir = util::TempDir::new("fifo-cancel");
                        let path = dir.path().join("fifo");
                        fifo::create(&path, 0o600).unwrap();
                        let opened =
                            rt::timeout(Duration::from_millis(50), rt::fifo::open_sender(&path))
                                .await;
                        assert!(opened.is_none(), "opened without a reader");
                        // A real writer comes and goes: the reader sees its data
                        // and then the end, so no abandoned writer holds the FIFO
                        // open.
                        let mut receiver = rt::fifo::open_receiver(&path).await.unwrap();
                        let mut sender = rt::fifo::open_sender(&path).await.unwrap();
                        sender.write_all(b"only writer").await.unwrap();
                        drop(sender);
                        let mut text = String::new();
                        rt::timeout(Duration::from_secs(10), receiver.read_to_string(&mut text))
                            .await
                            .expect("the end of the stream never came")
                            .unwrap();
                        assert_eq!(text, "only writer");
                    },
                );
            }
        }
    };
}
