//! Unnamed pipes, through the public API, in one process and across processes.

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{self, BufWriter, IoSlice, IoSliceMut, Read, Write};
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use localipc::pipe::{self, Handoff, Receiver, Sender};
use util::{Pattern, assert_success, child_command, is_child, receive_all, watchdog};

const LIMIT: Duration = Duration::from_secs(60);
const CROSS_PROCESS_LIMIT: Duration = Duration::from_secs(180);
const SIXTY_FOUR_MIB: u64 = 64 << 20;

#[test]
fn read_returns_everything_written_before_the_sender_is_dropped() {
    let _watchdog = watchdog(
        "read_returns_everything_written_before_the_sender_is_dropped",
        LIMIT,
    );
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    for i in 0..100u8 {
        tx.write_all(&[i; 100]).unwrap();
    }
    drop(tx);
    let mut got = Vec::new();
    rx.read_to_end(&mut got).unwrap();
    let expected: Vec<u8> = (0..100u8).flat_map(|i| [i; 100]).collect();
    assert_eq!(got, expected);
}

#[test]
fn read_after_every_sender_is_dropped_returns_zero() {
    let _watchdog = watchdog("read_after_every_sender_is_dropped_returns_zero", LIMIT);
    let (tx, mut rx) = pipe::pipe().unwrap();
    let clone = tx.try_clone().unwrap();
    drop(tx);
    (&clone).write_all(b"last").unwrap();
    drop(clone);
    let mut buf = [0; 16];
    assert_eq!(rx.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"last");
    assert_eq!(rx.read(&mut buf).unwrap(), 0);
    assert_eq!(rx.read(&mut buf).unwrap(), 0, "end of stream is sticky");
}

#[test]
fn read_blocks_until_the_sender_is_dropped_then_returns_zero() {
    let _watchdog = watchdog(
        "read_blocks_until_the_sender_is_dropped_then_returns_zero",
        LIMIT,
    );
    let (tx, mut rx) = pipe::pipe().unwrap();
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(tx);
    });
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 0);
    dropper.join().unwrap();
}

#[test]
fn write_after_the_receiver_is_dropped_is_broken_pipe() {
    let _watchdog = watchdog("write_after_the_receiver_is_dropped_is_broken_pipe", LIMIT);
    let (mut tx, rx) = pipe::pipe().unwrap();
    drop(rx);
    let error = tx.write(b"nobody listens").unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
    let error = tx.write_all(b"still nobody").unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
}

#[test]
fn write_blocked_on_a_full_pipe_fails_when_the_receiver_is_dropped() {
    let _watchdog = watchdog(
        "write_blocked_on_a_full_pipe_fails_when_the_receiver_is_dropped",
        LIMIT,
    );
    let (mut tx, rx) = pipe::pipe().unwrap();
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        drop(rx);
    });
    // Far more than any pipe buffer: the write must block, then fail.
    let error = tx.write_all(&vec![7; 4 << 20]).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
    dropper.join().unwrap();
}

#[test]
fn flush_succeeds_on_a_sender_and_through_a_bufwriter() {
    let _watchdog = watchdog("flush_succeeds_on_a_sender_and_through_a_bufwriter", LIMIT);
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    tx.write_all(b"direct ").unwrap();
    tx.flush().unwrap();
    (&tx).flush().unwrap();
    let mut writer = BufWriter::new(tx);
    writer.write_all(b"buffered").unwrap();
    writer.flush().unwrap();
    let mut got = [0; 15];
    rx.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"direct buffered");
    drop(writer);
    assert_eq!(rx.read(&mut [0; 1]).unwrap(), 0);
}

#[test]
fn shared_references_read_and_write() {
    let _watchdog = watchdog("shared_references_read_and_write", LIMIT);
    let (tx, rx) = pipe::pipe().unwrap();
    let writers: Vec<_> = (0..4u8).map(|_| tx.try_clone().unwrap()).collect();
    thread::scope(|scope| {
        for (i, writer) in writers.iter().enumerate() {
            scope.spawn(move || {
                let mut writer: &Sender = writer;
                // 64-byte writes are atomic in every pipe, so records never interleave.
                for _ in 0..100 {
                    writer.write_all(&[i as u8; 64]).unwrap();
                }
            });
        }
    });
    drop(writers);
    drop(tx);
    let mut reader: &Receiver = &rx;
    let mut counts = [0; 4];
    let mut record = [0; 64];
    for _ in 0..400 {
        reader.read_exact(&mut record).unwrap();
        assert!(
            record.iter().all(|b| *b == record[0]),
            "records interleaved"
        );
        counts[record[0] as usize] += 1;
    }
    assert_eq!(counts, [100; 4]);
    assert_eq!(reader.read(&mut record).unwrap(), 0);
}

#[test]
fn vectored_write_and_read_move_every_buffer_in_order() {
    let _watchdog = watchdog("vectored_write_and_read_move_every_buffer_in_order", LIMIT);
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    let parts = [&b"alpha "[..], &b""[..], &b"beta "[..], &b"gamma"[..]];
    let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
    let mut slices = &mut slices[..];
    IoSlice::advance_slices(&mut slices, 0);
    let mut remaining = 16;
    while remaining > 0 {
        let n = tx.write_vectored(slices).unwrap();
        assert!(n > 0);
        remaining -= n;
        IoSlice::advance_slices(&mut slices, n);
    }
    drop(tx);
    let mut got = Vec::new();
    loop {
        let (mut a, mut b) = ([0; 3], [0; 5]);
        let n = rx
            .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
            .unwrap();
        if n == 0 {
            break;
        }
        let joined: Vec<u8> = a.iter().chain(b.iter()).copied().collect();
        got.extend_from_slice(&joined[..n]);
    }
    assert_eq!(got, b"alpha beta gamma");
}

#[test]
fn a_cloned_receiver_reads_the_same_pipe() {
    let _watchdog = watchdog("a_cloned_receiver_reads_the_same_pipe", LIMIT);
    let (mut tx, rx) = pipe::pipe().unwrap();
    let clone = rx.try_clone().unwrap();
    drop(rx);
    tx.write_all(b"to the clone").unwrap();
    drop(tx);
    let mut got = String::new();
    (&clone).read_to_string(&mut got).unwrap();
    assert_eq!(got, "to the clone");
}

#[test]
fn eight_mib_cross_threads_arrive_intact() {
    let _watchdog = watchdog("eight_mib_cross_threads_arrive_intact", LIMIT);
    let (tx, rx) = pipe::pipe().unwrap();
    let pattern = Pattern::new(8);
    let writer = thread::spawn(move || Pattern::new(8).send(tx, 8 << 20, 12_345).unwrap());
    let (len, checksum) = receive_all(rx).unwrap();
    assert_eq!(writer.join().unwrap(), checksum);
    assert_eq!((len, checksum), (8 << 20, pattern.checksum(8 << 20)));
}

#[test]
fn conversions_to_std_pipe_types_round_trip() {
    let _watchdog = watchdog("conversions_to_std_pipe_types_round_trip", LIMIT);
    let (tx, rx) = pipe::pipe().unwrap();
    let mut std_writer = io::PipeWriter::from(tx);
    let std_reader = io::PipeReader::from(rx);
    std_writer.write_all(b"via std").unwrap();
    let mut tx = Sender::from(std_writer);
    let rx = Receiver::from(std_reader.try_clone().unwrap());
    drop(std_reader);
    tx.write_all(b" and back").unwrap();
    drop(tx);
    let mut got = String::new();
    (&rx).read_to_string(&mut got).unwrap();
    assert_eq!(got, "via std and back");

    let (std_reader, mut std_writer) = io::pipe().unwrap();
    let (mut tx, mut rx) = (
        Sender::from(std_writer.try_clone().unwrap()),
        Receiver::from(std_reader),
    );
    std_writer.write_all(b"std-made ").unwrap();
    drop(std_writer);
    tx.write_all(b"pipe").unwrap();
    drop(tx);
    let mut got = String::new();
    rx.read_to_string(&mut got).unwrap();
    assert_eq!(got, "std-made pipe");
}

#[cfg(unix)]
#[test]
fn conversions_to_owned_fd_round_trip() {
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    let _watchdog = watchdog("conversions_to_owned_fd_round_trip", LIMIT);
    let (tx, rx) = pipe::pipe().unwrap();
    let raw = tx.as_raw_fd();
    assert_eq!(tx.as_fd().as_raw_fd(), raw);
    let fd = OwnedFd::from(tx);
    assert_eq!(fd.as_raw_fd(), raw, "conversion keeps the same descriptor");
    let mut tx = Sender::from(fd);
    tx.write_all(b"fd").unwrap();
    drop(tx);
    let mut rx = Receiver::from(OwnedFd::from(rx));
    let mut got = Vec::new();
    rx.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"fd");
}

#[cfg(windows)]
#[test]
fn conversions_to_owned_handle_round_trip() {
    use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};
    let _watchdog = watchdog("conversions_to_owned_handle_round_trip", LIMIT);
    let (tx, rx) = pipe::pipe().unwrap();
    let raw = tx.as_raw_handle();
    assert_eq!(tx.as_handle().as_raw_handle(), raw);
    let handle = OwnedHandle::from(tx);
    assert_eq!(
        handle.as_raw_handle(),
        raw,
        "conversion keeps the same handle"
    );
    let mut tx = Sender::from(handle);
    tx.write_all(b"handle").unwrap();
    drop(tx);
    let mut rx = Receiver::from(OwnedHandle::from(rx));
    let mut got = Vec::new();
    rx.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"handle");
}

// --- Across processes -------------------------------------------------------

const PIPE_VAR: &str = "LOCALIPC_TEST_PIPE";

#[test]
fn child_streams_64_mib_to_the_parent_through_a_handed_sender() {
    let name = "child_streams_64_mib_to_the_parent_through_a_handed_sender";
    let _watchdog = watchdog(name, CROSS_PROCESS_LIMIT);
    let pattern = Pattern::new(64);
    if is_child() {
        // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
        let tx = unsafe { Sender::from_handoff(PIPE_VAR) }.unwrap();
        pattern.send(tx, SIXTY_FOUR_MIB, 1 << 16).unwrap();
        return;
    }
    let (tx, rx) = pipe::pipe().unwrap();
    let mut child = Handoff::new()
        .sender(PIPE_VAR, &tx)
        .spawn(&mut child_command(name))
        .unwrap();
    drop(tx);
    let (len, checksum) = receive_all(&rx).unwrap();
    assert_success(child.wait().unwrap(), "sending child");
    assert_eq!(len, SIXTY_FOUR_MIB);
    assert_eq!(checksum, pattern.checksum(SIXTY_FOUR_MIB));
}

#[test]
fn parent_streams_64_mib_to_the_child_through_a_handed_receiver() {
    let name = "parent_streams_64_mib_to_the_child_through_a_handed_receiver";
    let _watchdog = watchdog(name, CROSS_PROCESS_LIMIT);
    let pattern = Pattern::new(65);
    if is_child() {
        // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
        let rx = unsafe { Receiver::from_handoff(PIPE_VAR) }.unwrap();
        let (len, checksum) = receive_all(rx).unwrap();
        assert_eq!(len, SIXTY_FOUR_MIB);
        assert_eq!(checksum, pattern.checksum(SIXTY_FOUR_MIB));
        return;
    }
    let (tx, rx) = pipe::pipe().unwrap();
    let mut child = Handoff::new()
        .receiver(PIPE_VAR, &rx)
        .spawn(&mut child_command(name))
        .unwrap();
    drop(rx);
    pattern.send(&tx, SIXTY_FOUR_MIB, 1 << 16).unwrap();
    drop(tx);
    assert_success(
        child.wait().unwrap(),
        "receiving child (it checks length and checksum)",
    );
}

#[test]
fn receiver_as_child_stdin_and_sender_as_child_stderr() {
    let name = "receiver_as_child_stdin_and_sender_as_child_stderr";
    let _watchdog = watchdog(name, CROSS_PROCESS_LIMIT);
    let total = 4 << 20;
    if is_child() {
        // Echo standard input to standard error, which libtest leaves alone.
        let (len, _) = receive_all(io::stdin().lock()).unwrap();
        assert_eq!(len, total);
        Pattern::new(4)
            .send(io::stderr().lock(), total, 1 << 16)
            .unwrap();
        return;
    }
    let (to_child, child_stdin) = pipe::pipe().unwrap();
    let (child_stderr, from_child) = pipe::pipe().unwrap();
    let mut child = child_command(name)
        .stdin(Stdio::from(child_stdin))
        .stderr(Stdio::from(child_stderr))
        .spawn_child()
        .unwrap();
    let writer = thread::spawn(move || Pattern::new(3).send(to_child, total, 1 << 16).unwrap());
    let (len, checksum) = receive_all(from_child).unwrap();
    writer.join().unwrap();
    assert_success(child.wait().unwrap(), "echoing child");
    assert_eq!((len, checksum), (total, Pattern::new(4).checksum(total)));
}

#[test]
fn a_child_not_handed_an_end_does_not_hold_it() {
    let name = "a_child_not_handed_an_end_does_not_hold_it";
    let _watchdog = watchdog(name, CROSS_PROCESS_LIMIT);
    if is_child() {
        #[cfg(unix)]
        {
            // The parent's write end number must not be open here.
            let raw: i32 = std::env::var("LOCALIPC_TEST_PARENT_END")
                .unwrap()
                .parse()
                .unwrap();
            // SAFETY: only asks for the flags of a descriptor number; nothing is owned.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
            let error = rustix::io::fcntl_getfd(fd).unwrap_err();
            assert_eq!(
                error,
                rustix::io::Errno::BADF,
                "descriptor {raw} leaked into the child"
            );
        }
        // Outlive the parent's check by far; the parent kills us.
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let (tx, mut rx) = pipe::pipe().unwrap();
    let mut command = child_command(name);
    #[cfg(unix)]
    command.env(
        "LOCALIPC_TEST_PARENT_END",
        std::os::fd::AsRawFd::as_raw_fd(&tx).to_string(),
    );
    let mut child = command.spawn_child().unwrap();
    // Give the child time to start (and, on Unix, to check for the descriptor).
    thread::sleep(Duration::from_millis(500));
    let alive = child.try_wait().unwrap();
    assert!(alive.is_none(), "child ended early: {alive:?}");
    drop(tx);
    let started = Instant::now();
    assert_eq!(
        rx.read(&mut [0; 1]).unwrap(),
        0,
        "end of stream while the child lives"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn from_handoff_without_the_variable_is_not_found() {
    let _watchdog = watchdog("from_handoff_without_the_variable_is_not_found", LIMIT);
    // SAFETY: the variable is not set, so nothing can be claimed.
    let error = unsafe { Sender::from_handoff("LOCALIPC_TEST_NEVER_SET") }.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    assert!(
        error.to_string().contains("LOCALIPC_TEST_NEVER_SET"),
        "{error}"
    );
}

#[test]
fn from_handoff_with_a_bad_value_is_invalid_input() {
    let name = "from_handoff_with_a_bad_value_is_invalid_input";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        for var in [
            "LOCALIPC_TEST_GARBAGE",
            "LOCALIPC_TEST_NEGATIVE",
            "LOCALIPC_TEST_CLOSED",
        ] {
            // SAFETY: none of these name a descriptor or handle this process owns.
            let error = unsafe { Receiver::from_handoff(var) }.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{var}: {error}");
            assert!(error.to_string().contains(var), "{error}");
        }
        return;
    }
    // Set only in a child: the environment of this multi-threaded process stays untouched.
    let status = child_command(name)
        .env("LOCALIPC_TEST_GARBAGE", "not a number")
        .env("LOCALIPC_TEST_NEGATIVE", "-4")
        .env("LOCALIPC_TEST_CLOSED", "987654")
        .status_child()
        .unwrap();
    assert_success(status, "child checking bad handoff values");
}

#[cfg(unix)]
#[test]
fn from_handoff_refuses_the_wrong_end() {
    let name = "from_handoff_refuses_the_wrong_end";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        // SAFETY: on success this would own the handed read end; it must fail instead.
        let error = unsafe { Sender::from_handoff(PIPE_VAR) }.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
        assert!(error.to_string().contains("wrong end"), "{error}");
        return;
    }
    let (_tx, rx) = pipe::pipe().unwrap();
    let mut child = Handoff::new()
        .receiver(PIPE_VAR, &rx)
        .spawn(&mut child_command(name))
        .unwrap();
    assert_success(child.wait().unwrap(), "child claiming the wrong end");
}

#[test]
fn a_command_spawned_again_without_the_handoff_inherits_nothing() {
    let name = "a_command_spawned_again_without_the_handoff_inherits_nothing";
    let _watchdog = watchdog(name, CROSS_PROCESS_LIMIT);
    if is_child() {
        if std::env::var_os("LOCALIPC_TEST_SECOND").is_none() {
            // SAFETY: the parent handed this end under PIPE_VAR; claimed once.
            let mut tx = unsafe { Sender::from_handoff(PIPE_VAR) }.unwrap();
            tx.write_all(b"first").unwrap();
        } else {
            thread::sleep(Duration::from_secs(60));
        }
        return;
    }
    let (tx, mut rx) = pipe::pipe().unwrap();
    let mut command = child_command(name);
    let mut first = Handoff::new()
        .sender(PIPE_VAR, &tx)
        .spawn(&mut command)
        .unwrap();
    command.env("LOCALIPC_TEST_SECOND", "1");
    let mut second = command.spawn_child().unwrap();
    drop(tx);
    let mut got = Vec::new();
    rx.read_to_end(&mut got).unwrap();
    assert_eq!(
        got, b"first",
        "end of stream although the second child still runs"
    );
    assert_success(first.wait().unwrap(), "first child");
    second.kill().unwrap();
    second.wait().unwrap();
}

// --- Unix only --------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_write_to_a_broken_pipe_is_an_error_even_with_sigpipe_at_its_default() {
    let name = "a_write_to_a_broken_pipe_is_an_error_even_with_sigpipe_at_its_default";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        // SAFETY: restoring the default disposition runs no handler code.
        let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        assert_ne!(previous, libc::SIG_ERR);
        let (mut tx, rx) = pipe::pipe().unwrap();
        drop(rx);
        let error = tx.write(b"x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        return;
    }
    let status = child_command(name).status_child().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), None, "child killed by a signal: {status}");
    assert_success(status, "child writing to a broken pipe");
}

#[cfg(unix)]
#[test]
fn a_handler_the_program_installed_for_sigpipe_is_kept() {
    let name = "a_handler_the_program_installed_for_sigpipe_is_kept";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        static CAUGHT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        extern "C" fn on_sigpipe(_: libc::c_int) {
            CAUGHT.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let handler = on_sigpipe as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { libc::signal(libc::SIGPIPE, handler) };
        let (mut tx, rx) = pipe::pipe().unwrap();
        drop(rx);
        assert_eq!(
            tx.write(b"x").unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        assert!(
            CAUGHT.load(std::sync::atomic::Ordering::SeqCst),
            "the program's handler ran"
        );
        return;
    }
    assert_success(
        child_command(name).status_child().unwrap(),
        "child with its own handler",
    );
}

#[cfg(unix)]
#[test]
fn nonblocking_read_on_an_empty_pipe_would_block() {
    use localipc::os::unix::PipeExt;
    let _watchdog = watchdog("nonblocking_read_on_an_empty_pipe_would_block", LIMIT);
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    rx.set_nonblocking(true).unwrap();
    assert_eq!(
        rx.read(&mut [0; 4]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    tx.write_all(b"now").unwrap();
    let mut buf = [0; 4];
    assert_eq!(rx.read(&mut buf).unwrap(), 3);
    rx.set_nonblocking(false).unwrap();
    drop(tx);
    assert_eq!(rx.read(&mut buf).unwrap(), 0);
}

#[cfg(unix)]
#[test]
fn nonblocking_write_into_a_full_pipe_would_block() {
    use localipc::os::unix::PipeExt;
    let _watchdog = watchdog("nonblocking_write_into_a_full_pipe_would_block", LIMIT);
    let (mut tx, rx) = pipe::pipe().unwrap();
    tx.set_nonblocking(true).unwrap();
    let chunk = [1; 4096];
    let mut written = 0;
    let error = loop {
        match tx.write(&chunk) {
            Ok(n) => written += n,
            Err(error) => break error,
        }
        assert!(written < 64 << 20, "the pipe never filled");
    };
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    assert!(written >= 4096);
    drop(rx);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn capacity_can_be_read_and_raised() {
    use localipc::os::linux::PipeExt;
    use localipc::os::unix::PipeExt as _;
    let _watchdog = watchdog("capacity_can_be_read_and_raised", LIMIT);
    let (mut tx, rx) = pipe::pipe().unwrap();
    assert_eq!(tx.capacity().unwrap(), 64 << 10, "Linux's default");
    let granted = tx.set_capacity(1 << 20).unwrap();
    assert_eq!(granted, 1 << 20);
    assert_eq!(
        rx.capacity().unwrap(),
        1 << 20,
        "both ends see the one pipe"
    );
    // A writer without a reading partner now fits 1 MiB before it would block.
    tx.set_nonblocking(true).unwrap();
    tx.write_all(&vec![5; 1 << 20]).unwrap();
    assert_eq!(
        tx.write(&[5]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    drop(rx);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn shrinking_below_the_buffered_data_is_resource_busy() {
    use localipc::os::linux::PipeExt;
    let _watchdog = watchdog("shrinking_below_the_buffered_data_is_resource_busy", LIMIT);
    let (mut tx, _rx) = pipe::pipe().unwrap();
    tx.write_all(&[0; 16 << 10]).unwrap();
    let error = tx.set_capacity(4096).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::ResourceBusy, "{error}");
}
