//! Unnamed pipes and FIFOs on smol, through the public API, with
//! `smol::block_on` and on a four-thread executor; run on Linux and under
//! Wine (FIFOs on Unix only).
#![cfg(feature = "smol")]

#[path = "util/smol_io.rs"]
mod smol_io;
mod util;

#[cfg(unix)]
use std::io::Write;
use std::io::{ErrorKind, Read};
use std::time::Duration;

use localipc::pipe::{self, Handoff, Receiver, Sender};
use smol::Timer;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol_io::{on_both_executors, spawn, within};
use util::{Checksum, Pattern, assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(90);
const PIPE_VAR: &str = "LOCALIPC_TEST_PIPE";

#[test]
fn data_flows_and_the_end_follows_the_last_sender() {
    let _watchdog = watchdog("data_flows_and_the_end_follows_the_last_sender", LIMIT);
    on_both_executors(move || async move {
        let total = 4 << 20;
        let (mut sender, mut receiver) = pipe::smol::pipe().unwrap();
        let writing = spawn(async move {
            smol_io::send(&Pattern::new(1), &mut sender, total, 10_000)
                .await
                .unwrap();
        });
        let got = smol_io::receive_all(&mut receiver).await.unwrap();
        writing.await;
        assert_eq!(got, (total, Pattern::new(1).checksum(total)));
        assert_eq!(receiver.read(&mut [0; 4]).await.unwrap(), 0);
    });
}

#[test]
fn a_write_without_receivers_is_broken_pipe() {
    let _watchdog = watchdog("a_write_without_receivers_is_broken_pipe", LIMIT);
    on_both_executors(move || async move {
        let (mut sender, receiver) = pipe::smol::pipe().unwrap();
        drop(receiver);
        let error = smol_io::write_until_error(&mut sender, &[1; 4096]).await;
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    });
}

#[test]
fn vectored_writes_move_every_buffer_in_order() {
    let _watchdog = watchdog("vectored_writes_move_every_buffer_in_order", LIMIT);
    on_both_executors(move || async move {
        let (mut sender, mut receiver) = pipe::smol::pipe().unwrap();
        let parts: [&[u8]; 3] = [b"alpha ", b"", b"beta"];
        let mut slices: Vec<std::io::IoSlice<'_>> = parts
            .iter()
            .map(|part| std::io::IoSlice::new(part))
            .collect();
        let mut slices = &mut slices[..];
        let mut left = 10;
        while left > 0 {
            let n = sender.write_vectored(slices).await.unwrap();
            left -= n;
            std::io::IoSlice::advance_slices(&mut slices, n);
        }
        drop(sender);
        let mut got = Vec::new();
        receiver.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"alpha beta");
    });
}

#[test]
fn dropped_read_futures_lose_no_byte() {
    let _watchdog = watchdog("dropped_read_futures_lose_no_byte", LIMIT);
    on_both_executors(move || async move {
        let total: u64 = 1 << 20;
        let (mut sender, mut receiver) = pipe::smol::pipe().unwrap();
        let writing = spawn(async move {
            let pattern = Pattern::new(3);
            let mut buf = vec![0; 3000];
            let mut offset = 0;
            while offset < total {
                let len = buf.len().min((total - offset) as usize);
                pattern.fill(offset, &mut buf[..len]);
                sender.write_all(&buf[..len]).await.unwrap();
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
            match within(Duration::from_micros(200), receiver.read(&mut buf)).await {
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
        writing.await;
        assert_eq!(
            (received, checksum.finish()),
            (total, Pattern::new(3).checksum(total))
        );
        assert!(cancelled > 0, "no read was ever cancelled");
    });
}

#[test]
fn an_end_dropped_after_its_executor_keeps_what_it_wrote() {
    let _watchdog = watchdog(
        "an_end_dropped_after_its_executor_keeps_what_it_wrote",
        LIMIT,
    );
    let executor = smol::Executor::new();
    let (sender, receiver) = smol::block_on(executor.run(async {
        let (mut sender, receiver) = pipe::smol::pipe_with_blocking_receiver().unwrap();
        sender.write_all(b"kept").await.unwrap();
        sender.flush().await.unwrap();
        (sender, receiver)
    }));
    drop(executor);
    drop(sender);
    let mut got = String::new();
    (&receiver).read_to_string(&mut got).unwrap();
    assert_eq!(got, "kept");
}

// --- Child processes -----------------------------------------------------------------

#[test]
fn a_child_reads_what_an_async_sender_writes() {
    let name = "a_child_reads_what_an_async_sender_writes";
    let _watchdog = watchdog(name, LIMIT);
    let total = 8 << 20;
    if is_child() {
        // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
        let receiver = unsafe { Receiver::from_handoff(PIPE_VAR) }.unwrap();
        let got = util::receive_all(&receiver).unwrap();
        assert_eq!(got, (total, Pattern::new(11).checksum(total)));
        return;
    }
    on_both_executors(move || async move {
        let (mut sender, child_end) = pipe::smol::pipe_with_blocking_receiver().unwrap();
        let mut child = Handoff::new()
            .receiver(PIPE_VAR, &child_end)
            .spawn(&mut child_command(name))
            .unwrap();
        drop(child_end);
        smol_io::send(&Pattern::new(11), &mut sender, total, 65536)
            .await
            .unwrap();
        drop(sender);
        let status = smol::unblock(move || child.wait()).await;
        assert_success(status.unwrap(), "reading child");
    });
}

#[test]
fn an_async_receiver_reads_what_a_child_writes() {
    let name = "an_async_receiver_reads_what_a_child_writes";
    let _watchdog = watchdog(name, LIMIT);
    let total = 8 << 20;
    if is_child() {
        // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
        let sender = unsafe { Sender::from_handoff(PIPE_VAR) }.unwrap();
        Pattern::new(12).send(&sender, total, 65536).unwrap();
        return;
    }
    on_both_executors(move || async move {
        let (child_end, mut receiver) = pipe::smol::pipe_with_blocking_sender().unwrap();
        let mut child = Handoff::new()
            .sender(PIPE_VAR, &child_end)
            .spawn(&mut child_command(name))
            .unwrap();
        drop(child_end);
        let got = smol_io::receive_all(&mut receiver).await.unwrap();
        assert_eq!(got, (total, Pattern::new(12).checksum(total)));
        let status = smol::unblock(move || child.wait()).await;
        assert_success(status.unwrap(), "writing child");
    });
}

#[test]
fn a_blocking_end_is_ordinary_standard_input_for_a_child() {
    let name = "a_blocking_end_is_ordinary_standard_input_for_a_child";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).unwrap();
        assert_eq!(text, "through standard input");
        return;
    }
    on_both_executors(move || async move {
        let (mut sender, child_end) = pipe::smol::pipe_with_blocking_receiver().unwrap();
        let mut child = child_command(name)
            .stdin(std::process::Stdio::from(child_end))
            .spawn()
            .unwrap();
        sender.write_all(b"through standard input").await.unwrap();
        drop(sender);
        let status = smol::unblock(move || child.wait()).await;
        assert_success(status.unwrap(), "child reading standard input");
    });
}

// --- Unix only -----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn blocking_and_async_ends_convert_both_ways() {
    let _watchdog = watchdog("blocking_and_async_ends_convert_both_ways", LIMIT);
    on_both_executors(move || async move {
        let (sender, receiver) = pipe::pipe().unwrap();
        let mut sender = pipe::smol::Sender::from_blocking(sender).unwrap();
        let receiver = pipe::smol::Receiver::from_blocking(receiver).unwrap();
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
    let name = "a_write_to_a_closed_pipe_is_an_error_even_with_sigpipe_at_its_default";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        // SAFETY: restoring the default disposition runs no handler code.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        smol::block_on(async {
            let (mut sender, receiver) = pipe::smol::pipe().unwrap();
            drop(receiver);
            let error = sender.write_all(b"x").await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::BrokenPipe);
        });
        return;
    }
    let status = child_command(name).status().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), None, "killed by a signal: {status}");
    assert_success(status, "child writing to a closed pipe");
}

#[cfg(unix)]
mod fifo {
    use super::*;
    use localipc::os::unix::fifo;

    #[test]
    fn the_sender_open_waits_for_a_reader_without_blocking_the_runtime() {
        let _watchdog = watchdog(
            "the_sender_open_waits_for_a_reader_without_blocking_the_runtime",
            LIMIT,
        );
        on_both_executors(move || async move {
            let dir = util::TempDir::new("fifo-smol-sender");
            let path = dir.path().join("fifo");
            fifo::create(&path, 0o600).unwrap();
            let opening = spawn({
                let path = path.clone();
                async move { fifo::smol::open_sender(&path).await }
            });
            // The runtime stays responsive while the open waits.
            Timer::after(Duration::from_millis(100)).await;
            assert!(!opening.is_finished(), "opened without a reader");
            let mut receiver = fifo::smol::open_receiver(&path).await.unwrap();
            let mut sender = opening.await.unwrap();
            sender.write_all(b"via the FIFO").await.unwrap();
            drop(sender);
            let mut text = String::new();
            receiver.read_to_string(&mut text).await.unwrap();
            assert_eq!(text, "via the FIFO");
        });
    }

    /// Linux reports neither data nor the end to a reader that no writer
    /// has joined yet, so an early read waits instead of seeing an end.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_receiver_opened_first_waits_for_the_writer_instead_of_ending() {
        let _watchdog = watchdog(
            "a_receiver_opened_first_waits_for_the_writer_instead_of_ending",
            LIMIT,
        );
        on_both_executors(move || async move {
            let dir = util::TempDir::new("fifo-smol-receiver");
            let path = dir.path().join("fifo");
            fifo::create(&path, 0o600).unwrap();
            let mut receiver = fifo::smol::open_receiver(&path).await.unwrap();
            let mut buf = [0; 16];
            if let Some(read) = within(Duration::from_millis(100), receiver.read(&mut buf)).await {
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
        });
    }

    #[test]
    fn a_path_that_is_not_a_fifo_is_invalid_input() {
        let _watchdog = watchdog("a_path_that_is_not_a_fifo_is_invalid_input", LIMIT);
        on_both_executors(move || async move {
            let dir = util::TempDir::new("fifo-smol-regular");
            let path = dir.path().join("file");
            std::fs::write(&path, b"regular").unwrap();
            let error = fifo::smol::open_receiver(&path).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
            let error = fifo::smol::open_sender(&path).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
            let error = fifo::smol::open_sender(dir.path().join("missing"))
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        });
    }

    #[test]
    fn a_cancelled_sender_open_leaves_no_writer_behind() {
        let _watchdog = watchdog("a_cancelled_sender_open_leaves_no_writer_behind", LIMIT);
        on_both_executors(move || async move {
            let dir = util::TempDir::new("fifo-smol-cancel");
            let path = dir.path().join("fifo");
            fifo::create(&path, 0o600).unwrap();
            let timed_out = within(Duration::from_millis(50), fifo::smol::open_sender(&path)).await;
            assert!(timed_out.is_none());
            // A real writer comes and goes: the reader sees its data and then
            // the end, so no abandoned writer holds the FIFO open.
            let mut receiver = fifo::smol::open_receiver(&path).await.unwrap();
            let mut sender = fifo::smol::open_sender(&path).await.unwrap();
            sender.write_all(b"only writer").await.unwrap();
            drop(sender);
            let mut text = String::new();
            within(Duration::from_secs(10), receiver.read_to_string(&mut text))
                .await
                .expect("the end of the stream never came")
                .unwrap();
            assert_eq!(text, "only writer");
        });
    }
}
