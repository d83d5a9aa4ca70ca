//! Local sockets, through the public API: one portable file, run on Linux and
//! under Wine; Unix-only cases are gated.

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use localipc::local_socket::{ConnectOptions, Listener, ListenerOptions, Name, Stream};
#[cfg(unix)]
use util::names::path_name;
use util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
use util::{
    Pattern, assert_success, child_command, is_child, is_wine, receive_all, skip, watchdog,
};

const LIMIT: Duration = Duration::from_secs(60);
/// A connected (server, client) pair.
fn pair(name: &Name) -> (Listener, Stream, Stream) {
    let listener = Listener::bind(name).unwrap();
    let client = Stream::connect(name).unwrap();
    let server = listener.accept().unwrap();
    (listener, server, client)
}

fn read_exactly(stream: &Stream, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    (&*stream).read_exact(&mut buf).unwrap();
    buf
}

// --- Data ------------------------------------------------------------------------

#[test]
fn both_name_kinds_carry_data_both_ways() {
    let _watchdog = watchdog("both_name_kinds_carry_data_both_ways", LIMIT);
    for (name, _keep) in both_kinds("kinds") {
        let (_listener, server, client) = pair(&name);
        let total = 1 << 20;
        thread::scope(|scope| {
            scope.spawn(|| Pattern::new(1).send(&server, total, 50_000).unwrap());
            scope.spawn(|| Pattern::new(2).send(&client, total, 50_000).unwrap());
            let at_server = scope.spawn(|| receive_all((&server).take(total)).unwrap());
            let at_client = receive_all((&client).take(total)).unwrap();
            assert_eq!(
                at_client,
                (total, Pattern::new(1).checksum(total)),
                "{name}"
            );
            assert_eq!(
                at_server.join().unwrap(),
                (total, Pattern::new(2).checksum(total)),
                "{name}"
            );
        });
    }
}

#[test]
fn vectored_io_moves_every_buffer_in_order() {
    use std::io::{IoSlice, IoSliceMut};
    let _watchdog = watchdog("vectored_io_moves_every_buffer_in_order", LIMIT);
    let (_listener, server, client) = pair(&namespaced("vectored"));
    let parts = [&b"one "[..], &b""[..], &b"two "[..], &b"three"[..]];
    let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
    let mut slices = &mut slices[..];
    let mut left = 13;
    while left > 0 {
        let n = (&client).write_vectored(slices).unwrap();
        left -= n;
        IoSlice::advance_slices(&mut slices, n);
    }
    drop(client);
    let mut got: Vec<u8> = Vec::new();
    loop {
        let (mut a, mut b) = ([0; 2], [0; 3]);
        let n = (&server)
            .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend(a.iter().chain(b.iter()).take(n).copied());
    }
    assert_eq!(got, b"one two three");
}

#[test]
fn read_after_the_peer_closed_is_zero_and_write_is_broken_pipe() {
    let _watchdog = watchdog(
        "read_after_the_peer_closed_is_zero_and_write_is_broken_pipe",
        LIMIT,
    );
    for (name, _keep) in both_kinds("closed") {
        let listener = Listener::bind(&name).unwrap();
        for server_closes in [true, false] {
            let client = Stream::connect(&name).unwrap();
            let server = listener.accept().unwrap();
            let (closing, mut staying) = if server_closes {
                (server, client)
            } else {
                (client, server)
            };
            (&closing).write_all(b"last words").unwrap();
            drop(closing);
            let mut got = Vec::new();
            staying.read_to_end(&mut got).unwrap();
            assert_eq!(got, b"last words", "{name}");
            assert_eq!(staying.read(&mut [0; 4]).unwrap(), 0);
            let error = util::write_until_error(staying, b"anyone?");
            assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{name}: {error}");
        }
    }
}

#[test]
fn a_blocked_read_does_not_block_a_write_from_another_thread() {
    let _watchdog = watchdog(
        "a_blocked_read_does_not_block_a_write_from_another_thread",
        LIMIT,
    );
    let (_listener, server, client) = pair(&namespaced("duplex"));
    thread::scope(|scope| {
        let reader = scope.spawn(|| read_exactly(&client, 4));
        thread::sleep(Duration::from_millis(100));
        (&client).write_all(b"ping").unwrap();
        assert_eq!(read_exactly(&server, 4), b"ping");
        (&server).write_all(b"pong").unwrap();
        assert_eq!(reader.join().unwrap(), b"pong");
    });
}

#[test]
fn sixty_four_clients_at_once_each_exchange_1_mib() {
    let _watchdog = watchdog(
        "sixty_four_clients_at_once_each_exchange_1_mib",
        Duration::from_secs(240),
    );
    let name = namespaced("many");
    let listener = Listener::bind(&name).unwrap();
    let clients = 64u64;
    let total = 1 << 20;
    thread::scope(|scope| {
        scope.spawn(|| {
            for _ in 0..clients {
                let stream = listener.accept().unwrap();
                thread::spawn(move || {
                    let id = u64::from_le_bytes(read_exactly(&stream, 8).try_into().unwrap());
                    let (len, checksum) = receive_all((&stream).take(total)).unwrap();
                    assert_eq!(
                        (len, checksum),
                        (total, Pattern::new(1000 + id).checksum(total))
                    );
                    (&stream).write_all(&checksum.to_le_bytes()).unwrap();
                    Pattern::new(2000 + id)
                        .send(&stream, total, 32_768)
                        .unwrap();
                });
            }
        });
        let handles: Vec<_> = (0..clients)
            .map(|id| {
                let name = name.clone();
                scope.spawn(move || {
                    let stream = Stream::connect(&name).unwrap();
                    (&stream).write_all(&id.to_le_bytes()).unwrap();
                    let sent = Pattern::new(1000 + id)
                        .send(&stream, total, 32_768)
                        .unwrap();
                    let echoed = u64::from_le_bytes(read_exactly(&stream, 8).try_into().unwrap());
                    assert_eq!(echoed, sent, "client {id}");
                    let got = receive_all(&stream).unwrap();
                    assert_eq!(
                        got,
                        (total, Pattern::new(2000 + id).checksum(total)),
                        "client {id}"
                    );
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
}

// --- Processes -------------------------------------------------------------------

#[test]
fn a_client_process_talks_to_this_server_and_credentials_are_real() {
    let name_ = "a_client_process_talks_to_this_server_and_credentials_are_real";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let stream = Stream::connect(&name_from_parent()).unwrap();
        let parent: u32 = std::env::var("LOCALIPC_TEST_PARENT_PID")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(stream.peer_credentials().unwrap().pid, Some(parent));
        Pattern::new(3).send(&stream, total, 65536).unwrap();
        let got = receive_all(&stream).unwrap();
        assert_eq!(got, (total, Pattern::new(4).checksum(total)));
        return;
    }
    for (name, _keep) in both_kinds("client-child") {
        let listener = Listener::bind(&name).unwrap();
        let mut command = child_command(name_);
        name_for_child(&mut command, &name);
        let mut child = command
            .env("LOCALIPC_TEST_PARENT_PID", std::process::id().to_string())
            .spawn_child()
            .unwrap();
        let stream = listener.accept().unwrap();
        let credentials = stream.peer_credentials().unwrap();
        assert_eq!(credentials.pid, Some(child.id()), "{name}");
        #[cfg(unix)]
        {
            assert_eq!(
                credentials.uid,
                Some(rustix::process::getuid().as_raw()),
                "{name}"
            );
            assert_eq!(
                credentials.gid,
                Some(rustix::process::getgid().as_raw()),
                "{name}"
            );
        }
        #[cfg(windows)]
        assert_eq!((credentials.uid, credentials.gid), (None, None));
        let got = receive_all((&stream).take(total)).unwrap();
        assert_eq!(got, (total, Pattern::new(3).checksum(total)), "{name}");
        Pattern::new(4).send(&stream, total, 65536).unwrap();
        drop(stream);
        assert_success(child.wait().unwrap(), "client child");
    }
}

#[test]
fn a_server_process_serves_this_client() {
    let name_ = "a_server_process_serves_this_client";
    let _watchdog = watchdog(name_, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let listener = Listener::bind(&name_from_parent()).unwrap();
        let stream = listener.accept().unwrap();
        let got = receive_all((&stream).take(total)).unwrap();
        assert_eq!(got, (total, Pattern::new(5).checksum(total)));
        Pattern::new(6).send(&stream, total, 65536).unwrap();
        // Wait for the parent to read everything before the listener goes.
        assert_eq!((&stream).read(&mut [0; 1]).unwrap(), 0);
        return;
    }
    for (name, _keep) in both_kinds("server-child") {
        let mut command = child_command(name_);
        name_for_child(&mut command, &name);
        let mut child = command.spawn_child().unwrap();
        let stream = connect_with_retry(&name);
        assert_eq!(
            stream.peer_credentials().unwrap().pid,
            Some(child.id()),
            "{name}"
        );
        Pattern::new(5).send(&stream, total, 65536).unwrap();
        let got = receive_all((&stream).take(total)).unwrap();
        assert_eq!(got, (total, Pattern::new(6).checksum(total)), "{name}");
        drop(stream);
        assert_success(child.wait().unwrap(), "server child");
    }
}

/// Connects once the listener (in another process) exists.
fn connect_with_retry(name: &Name) -> Stream {
    let started = Instant::now();
    loop {
        match Stream::connect(name) {
            Ok(stream) => return stream,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::NotFound | ErrorKind::ConnectionRefused
                ) && started.elapsed() < Duration::from_secs(30) =>
            {
                thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("connecting to {name}: {error}"),
        }
    }
}

#[test]
fn a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer() {
    let name_ = "a_peer_killed_mid_transfer_ends_cleanly_for_reader_and_writer";
    let _watchdog = watchdog(name_, LIMIT);
    if is_child() {
        // Write forever until killed, with a reader on the other side too.
        let stream = Stream::connect(&name_from_parent()).unwrap();
        let chunk = [7; 4096];
        loop {
            if (&stream).write_all(&chunk).is_err() {
                return;
            }
        }
    }
    let name = namespaced("killed");
    let listener = Listener::bind(&name).unwrap();
    let mut command = child_command(name_);
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();
    let stream = listener.accept().unwrap();
    read_exactly(&stream, 100_000);
    child.kill().unwrap();
    child.wait().unwrap();
    // The reader drains what arrived, then sees the end.
    receive_all(&stream).unwrap();
    // The writer sees a broken pipe; nobody dies of a signal.
    let error = util::write_until_error(&stream, &[0; 4096]);
    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
}

/// Rounds of the kill test each way; process start-up under Wine is slow.
const KILL_ROUNDS: usize = if cfg!(windows) { 40 } else { 200 };

#[test]
fn a_peer_killed_with_data_unread_ends_reads_and_breaks_writes_every_time() {
    let name_ = "a_peer_killed_with_data_unread_ends_reads_and_breaks_writes_every_time";
    if is_child() {
        // Send 1000 bytes, never read what comes back, wait to be killed.
        let stream = Stream::connect(&name_from_parent()).unwrap();
        (&stream).write_all(&[1; 1000]).unwrap();
        println!("localipc-written");
        std::io::stdout().flush().unwrap();
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let _watchdog = watchdog(name_, Duration::from_secs(300));
    let name = namespaced("kill9");
    let listener = Listener::bind(&name).unwrap();
    for round in 0..2 * KILL_ROUNDS {
        let mut command = child_command(name_);
        name_for_child(&mut command, &name);
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn_child()
            .unwrap();
        let stream = listener.accept().unwrap();
        (&stream).write_all(&[2; 1000]).unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim() != "localipc-written" {
            line.clear();
            let read = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
            assert_ne!(read, 0, "round {round}: the child died");
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let read_first = round % 2 == 0;
        if read_first {
            let mut got = Vec::new();
            (&stream)
                .read_to_end(&mut got)
                .unwrap_or_else(|error| panic!("round {round}: reading: {error:?}"));
            assert_eq!(
                got, [1; 1000],
                "round {round}: everything sent, then the end"
            );
        }
        let error = util::write_until_error(&stream, &[0; 4096]);
        assert_eq!(
            error.kind(),
            ErrorKind::BrokenPipe,
            "round {round}: {error:?}"
        );
        if !read_first {
            let mut got = Vec::new();
            (&stream)
                .read_to_end(&mut got)
                .unwrap_or_else(|error| panic!("round {round}: reading: {error:?}"));
            assert_eq!(got, [1; 1000], "round {round}");
        }
    }
}

#[test]
fn a_child_process_does_not_inherit_sockets() {
    let name_ = "a_child_process_does_not_inherit_sockets";
    let _watchdog = watchdog(name_, LIMIT);
    if is_child() {
        #[cfg(unix)]
        for var in ["LOCALIPC_TEST_FD_LISTENER", "LOCALIPC_TEST_FD_SERVER"] {
            let raw: i32 = std::env::var(var).unwrap().parse().unwrap();
            // SAFETY: only asks for the flags of a descriptor number; nothing is owned.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
            assert_eq!(
                rustix::io::fcntl_getfd(fd).unwrap_err(),
                rustix::io::Errno::BADF,
                "{var} leaked"
            );
        }
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let (listener, server, mut client) = pair(&namespaced("inherit"));
    let mut command = child_command(name_);
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        command
            .env(
                "LOCALIPC_TEST_FD_LISTENER",
                listener.as_raw_fd().to_string(),
            )
            .env("LOCALIPC_TEST_FD_SERVER", server.as_raw_fd().to_string());
    }
    let mut child = command.spawn_child().unwrap();
    thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "the child ended early");
    drop(server);
    drop(listener);
    // With the child alive, the client still sees the end of the stream: the
    // child holds no copy of the server end.
    let started = Instant::now();
    assert_eq!(client.read(&mut [0; 1]).unwrap(), 0);
    assert!(started.elapsed() < Duration::from_secs(5));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[cfg(any(target_os = "linux", windows))]
#[test]
fn ten_thousand_connect_accept_cycles_leak_nothing() {
    let name_ = "ten_thousand_connect_accept_cycles_leak_nothing";
    let _watchdog = watchdog(name_, Duration::from_secs(300));
    if !is_child() {
        // Alone in a process of its own: other tests' descriptors would blur the count.
        let status = child_command(name_).status_child().unwrap();
        assert_success(status, "the counting child");
        return;
    }
    let cycles = 10_000;
    for (name, _keep) in both_kinds("cycles") {
        let listener = Listener::bind(&name).unwrap();
        // Warm up once so lazily created objects (the default descriptor) exist.
        drop((Stream::connect(&name).unwrap(), listener.accept().unwrap()));
        let before = util::open_handle_count();
        for _ in 0..cycles {
            let client = Stream::connect(&name).unwrap();
            let server = listener.accept().unwrap();
            (&client).write_all(b"x").unwrap();
            assert_eq!(read_exactly(&server, 1), b"x");
        }
        let after = util::open_handle_count();
        assert_eq!(
            after, before,
            "{name}: {cycles} cycles changed the count from {before} to {after}"
        );
    }
}

// --- Errors ------------------------------------------------------------------------

#[test]
fn connecting_to_a_name_without_a_listener_is_not_found() {
    let _watchdog = watchdog(
        "connecting_to_a_name_without_a_listener_is_not_found",
        LIMIT,
    );
    for (name, _keep) in both_kinds("missing") {
        let error = Stream::connect(&name).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{name}: {error}");
        assert!(
            error.to_string().contains(&name.to_string()),
            "the message names the endpoint: {error}"
        );
        // ... and keeps the OS error inside.
        #[cfg(unix)]
        let expected = if name.fs_path().is_some() {
            rustix::io::Errno::NOENT.raw_os_error()
        } else {
            rustix::io::Errno::CONNREFUSED.raw_os_error()
        };
        #[cfg(windows)]
        let expected = 2; // ERROR_FILE_NOT_FOUND
        assert_eq!(localipc::raw_os_error(&error), Some(expected), "{error:?}");
        let source = std::error::Error::source(&error).expect("the OS error is the source");
        assert!(
            source.downcast_ref::<std::io::Error>().is_some(),
            "{source:?}"
        );
    }
}

#[test]
fn names_show_unprintable_characters_escaped() {
    let _watchdog = watchdog("names_show_unprintable_characters_escaped", LIMIT);
    let name = Name::namespaced("ctl\x01\u{202e}name").unwrap();
    let shown = name.to_string();
    assert!(shown.ends_with(r"ctl\x01\u{202e}name"), "{shown:?}");
    let error = Stream::connect(&name).unwrap_err();
    assert!(
        error.to_string().contains(r"ctl\x01\u{202e}name"),
        "{error}"
    );
    // A backslash is escaped too (on Unix, where it is no separator), and
    // so are bytes that are not UTF-8: each name shows as itself alone.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let shown = Name::path("/tmp/back\\slash").unwrap().to_string();
        assert_eq!(shown, r"/tmp/back\\slash");
        let raw = std::ffi::OsStr::from_bytes(b"/tmp/\xffbyte");
        assert_eq!(Name::path(raw).unwrap().to_string(), r"/tmp/\xffbyte");
    }
    // A path that is no pipe path is shown escaped in its error too.
    #[cfg(windows)]
    {
        let error = Name::path("C:\\not\x01a\\pipe").unwrap_err();
        assert!(error.to_string().contains(r"not\x01a"), "{error}");
        assert!(!error.to_string().contains('\x01'), "{error:?}");
    }
}

#[cfg(unix)]
#[test]
fn connecting_into_a_missing_directory_names_the_directory() {
    let _watchdog = watchdog(
        "connecting_into_a_missing_directory_names_the_directory",
        LIMIT,
    );
    let dir = util::TempDir::new("nodir");
    let missing = dir.path().join("gone");
    let name = Name::path(missing.join("deeper").join("s.sock")).unwrap();
    let error = Stream::connect(&name).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    let message = error.to_string();
    assert!(message.contains(&name.to_string()), "{message}");
    assert!(
        message.contains(&format!(
            "the directory `{}` does not exist",
            missing.display()
        )),
        "{message}"
    );
}

#[test]
fn a_live_listener_makes_a_second_bind_addr_in_use() {
    let name_ = "a_live_listener_makes_a_second_bind_addr_in_use";
    let _watchdog = watchdog(name_, LIMIT);
    for (name, _keep) in both_kinds("taken") {
        let _first = Listener::bind(&name).unwrap();
        let second = Listener::bind(&name);
        if second.is_ok() && is_wine() {
            skip(
                name_,
                "Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server gets the name",
            );
            return;
        }
        let error = second.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}");
        let message = error.to_string();
        assert!(
            message.contains(&name.to_string()) && message.contains("another"),
            "{message}"
        );
    }
}

#[test]
fn bad_names_are_invalid_input_saying_why() {
    let _watchdog = watchdog("bad_names_are_invalid_input_saying_why", LIMIT);
    let cases = [
        (Name::namespaced(""), "empty"),
        (Name::namespaced("nul\0byte"), "NUL"),
        (Name::namespaced("dir/name"), "separator"),
        (Name::path(""), "empty"),
        (Name::path("nul\0byte"), "NUL"),
    ];
    for (result, why) in cases {
        let error = result.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        assert!(
            error.to_string().contains(why),
            "expected {why:?} in: {error}"
        );
    }
    #[cfg(windows)]
    {
        let error = Name::namespaced(r"back\slash").unwrap_err();
        assert!(error.to_string().contains("separator"), "{error}");
        let error = Name::path(r"C:\not\a\pipe").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.to_string().contains(r"\\.\pipe\"), "{error}");
    }
}

/// The longest namespaced name and path this OS takes, and the limit that
/// a too-long namespaced name's error reports (on Windows, that of the pipe
/// path it resolves to).
#[cfg(target_os = "linux")]
const LIMITS: (usize, usize, usize) = (107, 107, 107);
#[cfg(windows)]
const LIMITS: (usize, usize, usize) = (256 - r"\\.\pipe\".len(), 256, 256);

#[cfg(any(target_os = "linux", windows))]
#[test]
fn names_at_the_length_limit_work_and_one_byte_more_is_refused() {
    let _watchdog = watchdog(
        "names_at_the_length_limit_work_and_one_byte_more_is_refused",
        LIMIT,
    );
    let (namespaced_limit, path_limit, reported_limit) = LIMITS;
    let base = util::names::unique("limit");
    let at_limit = format!("{base}{}", "n".repeat(namespaced_limit - base.len()));
    let name = Name::namespaced(&at_limit).unwrap();
    drop(pair(&name));
    let error = Name::namespaced(format!("{at_limit}n")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let message = error.to_string();
    assert!(
        message.contains(&format!("is {} ", reported_limit + 1))
            && message.contains(&format!("at most {reported_limit}")),
        "{message}"
    );

    #[cfg(unix)]
    let (prefix, _dir) = {
        let dir = util::TempDir::new("lim");
        (format!("{}/", dir.path().display()), dir)
    };
    #[cfg(windows)]
    let prefix = format!(r"\\.\pipe\{base}");
    let at_limit = format!("{prefix}{}", "p".repeat(path_limit - prefix.len()));
    assert_eq!(at_limit.len(), path_limit);
    let name = Name::path(&at_limit).unwrap();
    drop(pair(&name));
    let error = Name::path(format!("{at_limit}p")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let message = error.to_string();
    assert!(
        message.contains(&format!("is {} ", path_limit + 1))
            && message.contains(&format!("at most {path_limit}")),
        "{message}"
    );
}

#[test]
fn a_zero_timeout_is_invalid_input() {
    let _watchdog = watchdog("a_zero_timeout_is_invalid_input", LIMIT);
    let (_listener, server, _client) = pair(&namespaced("zero"));
    assert_eq!(
        server
            .set_read_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        server
            .set_write_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let error = ConnectOptions::new(&namespaced("zero"))
        .timeout(Some(Duration::ZERO))
        .connect()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

// --- Timeouts and nonblocking mode ---------------------------------------------------

#[test]
fn a_read_timeout_fires_within_tolerance_as_timed_out() {
    let _watchdog = watchdog("a_read_timeout_fires_within_tolerance_as_timed_out", LIMIT);
    for (name, _keep) in both_kinds("readtimeout") {
        let (_listener, server, client) = pair(&name);
        client
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        assert_eq!(
            client.read_timeout().unwrap(),
            Some(Duration::from_millis(200))
        );
        let started = Instant::now();
        let error = (&client).read(&mut [0; 8]).unwrap_err();
        let took = started.elapsed();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{name}: {error}");
        assert!(
            took >= Duration::from_millis(150) && took < Duration::from_secs(3),
            "{name}: took {took:?}"
        );
        (&server).write_all(b"late").unwrap();
        assert_eq!(read_exactly(&client, 4), b"late");
    }
}

#[test]
fn a_write_timeout_fires_when_the_peer_does_not_read() {
    let _watchdog = watchdog("a_write_timeout_fires_when_the_peer_does_not_read", LIMIT);
    let (_listener, _server, client) = pair(&namespaced("writetimeout"));
    client
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let chunk = vec![1; 64 * 1024];
    let error = util::write_until_error(&client, &chunk);
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
}

#[test]
fn nonblocking_accept_and_read_would_block() {
    let _watchdog = watchdog("nonblocking_accept_and_read_would_block", LIMIT);
    for (name, _keep) in both_kinds("nonblocking") {
        let listener = ListenerOptions::new(&name)
            .nonblocking(true)
            .bind()
            .unwrap();
        assert_eq!(
            listener.accept().unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "{name}"
        );
        let client = ConnectOptions::new(&name)
            .nonblocking(true)
            .connect()
            .unwrap();
        let server = loop {
            match listener.accept() {
                Ok(stream) => break stream,
                Err(error) if error.kind() == ErrorKind::WouldBlock => thread::yield_now(),
                Err(error) => panic!("{name}: {error}"),
            }
        };
        assert_eq!(
            (&client).read(&mut [0; 4]).unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "{name}"
        );
        (&server).write_all(b"data").unwrap();
        let mut buf = [0; 4];
        let n = loop {
            match (&client).read(&mut buf) {
                Ok(n) => break n,
                Err(error) if error.kind() == ErrorKind::WouldBlock => thread::yield_now(),
                Err(error) => panic!("{name}: {error}"),
            }
        };
        assert!(n > 0 && buf[..n] == b"data"[..n]);
        client.set_nonblocking(false).unwrap();
        listener.set_nonblocking(false).unwrap();
    }
}

#[test]
fn incoming_yields_connected_streams_and_try_clone_shares_them() {
    let _watchdog = watchdog(
        "incoming_yields_connected_streams_and_try_clone_shares_them",
        LIMIT,
    );
    let name = namespaced("incoming");
    let listener = Listener::bind(&name).unwrap();
    assert_eq!(listener.name(), Some(&name));
    let clients = thread::spawn({
        let name = name.clone();
        move || {
            for i in 0..3u8 {
                let stream = Stream::connect(&name).unwrap();
                let clone = stream.try_clone().unwrap();
                drop(stream);
                (&clone).write_all(&[i]).unwrap();
            }
        }
    });
    let mut seen: Vec<u8> = listener
        .incoming()
        .take(3)
        .map(|stream| read_exactly(&stream.unwrap(), 1)[0])
        .collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2]);
    clients.join().unwrap();
}

// --- Unix only ---------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_killed_server_leaves_its_socket_file_and_a_new_listener_reclaims_it() {
    let name_ = "a_killed_server_leaves_its_socket_file_and_a_new_listener_reclaims_it";
    let _watchdog = watchdog(name_, LIMIT);
    if is_child() {
        let _listener = Listener::bind(&name_from_parent()).unwrap();
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let path = path_name("stale");
    let mut command = child_command(name_);
    name_for_child(&mut command, &path.name);
    let mut child = command.spawn_child().unwrap();
    let socket_file = path.name.fs_path().unwrap().to_owned();
    drop(connect_with_retry(&path.name));
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert!(
        socket_file.exists(),
        "the killed server's socket file is still there"
    );
    let error = Stream::connect(&path.name).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
    assert!(error.to_string().contains("stale"), "{error}");
    let listener = Listener::bind(&path.name).unwrap();
    let client = Stream::connect(&path.name).unwrap();
    let _server = listener.accept().unwrap();
    drop(client);
    drop(listener);
    assert!(
        !socket_file.exists(),
        "the listener removes its socket file"
    );
}

#[cfg(unix)]
#[test]
fn a_listener_removes_only_its_own_socket_file() {
    let _watchdog = watchdog("a_listener_removes_only_its_own_socket_file", LIMIT);
    let path = path_name("ownfile");
    let file = path.name.fs_path().unwrap().to_owned();
    let listener = Listener::bind(&path.name).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, b"someone else's").unwrap();
    drop(listener);
    assert_eq!(std::fs::read(&file).unwrap(), b"someone else's");
    // A file that is not a socket is never replaced.
    let error = Listener::bind(&path.name).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    assert!(error.to_string().contains("not a socket"), "{error}");
}

#[cfg(unix)]
#[test]
fn the_socket_file_has_the_mode_asked() {
    use localipc::os::unix::local_socket::ListenerOptionsExt;
    use std::os::unix::fs::PermissionsExt;
    let _watchdog = watchdog("the_socket_file_has_the_mode_asked", LIMIT);
    for (mode, expected) in [
        (None, 0o600),
        (Some(0o660), 0o660),
        (Some(0o777), 0o777),
        (Some(0o400), 0o400),
    ] {
        let path = path_name("mode");
        let mut options = ListenerOptions::new(&path.name);
        if let Some(mode) = mode {
            options.mode(mode);
        }
        let _listener = options.bind().unwrap();
        let metadata = std::fs::metadata(path.name.fs_path().unwrap()).unwrap();
        assert_eq!(metadata.permissions().mode() & 0o777, expected, "{mode:?}");
        let mut leftovers: Vec<_> =
            std::fs::read_dir(path.name.fs_path().unwrap().parent().unwrap())
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .collect();
        leftovers.sort();
        let file = path
            .name
            .fs_path()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            leftovers,
            [file.to_owned(), format!("{file}.lock")],
            "the socket file and its lock file, and no staging directory"
        );
    }
    let path = path_name("badmode");
    let error = ListenerOptions::new(&path.name)
        .mode(0o4755)
        .bind()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
}

#[cfg(unix)]
#[test]
fn shutdown_write_is_a_half_close() {
    use localipc::os::unix::local_socket::StreamExt;
    use std::net::Shutdown;
    let _watchdog = watchdog("shutdown_write_is_a_half_close", LIMIT);
    let (_listener, mut server, mut client) = pair(&namespaced("halfclose"));
    client.write_all(b"request").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut request = Vec::new();
    server.read_to_end(&mut request).unwrap();
    assert_eq!(request, b"request");
    server.write_all(b"reply").unwrap();
    assert_eq!(read_exactly(&client, 5), b"reply");
    assert_eq!(
        client.write(b"more").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
}

#[cfg(unix)]
#[test]
fn conversions_to_and_from_std_keep_the_connection() {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::{UnixListener, UnixStream};
    let _watchdog = watchdog("conversions_to_and_from_std_keep_the_connection", LIMIT);
    let path = path_name("convert");
    let listener = Listener::bind(&path.name).unwrap();
    let std_listener = UnixListener::from(listener);
    let listener = Listener::from(std_listener);
    assert_eq!(listener.name(), None);
    let client = UnixStream::connect(path.name.fs_path().unwrap()).unwrap();
    let client = Stream::from(client);
    let server = Stream::from(OwnedFd::from(listener.accept().unwrap()));
    (&client).write_all(b"via std").unwrap();
    assert_eq!(read_exactly(&server, 7), b"via std");
    let mut std_server = UnixStream::from(server);
    std_server.write_all(b"back").unwrap();
    assert_eq!(read_exactly(&client, 4), b"back");
    // The converted listener did not create the socket file: it leaves it.
    drop(listener);
    assert!(path.name.fs_path().unwrap().exists());
}

#[cfg(unix)]
#[test]
fn a_write_to_a_closed_peer_is_an_error_even_with_sigpipe_at_its_default() {
    let name_ = "a_write_to_a_closed_peer_is_an_error_even_with_sigpipe_at_its_default";
    let _watchdog = watchdog(name_, LIMIT);
    if is_child() {
        // SAFETY: restoring the default disposition runs no handler code.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let (_listener, server, client) = pair(&namespaced("sigpipe"));
        drop(server);
        let error = util::write_until_error(&client, b"x");
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
        return;
    }
    let status = child_command(name_).status_child().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), None, "killed by a signal: {status}");
    assert_success(status, "child writing to a closed peer");
}

// --- Windows only ------------------------------------------------------------------

#[cfg(windows)]
#[test]
fn a_local_socket_stream_converts_to_a_named_pipe_stream() {
    use localipc::os::windows::named_pipe;
    let _watchdog = watchdog(
        "a_local_socket_stream_converts_to_a_named_pipe_stream",
        LIMIT,
    );
    let (_listener, server, client) = pair(&namespaced("topipe"));
    let server = named_pipe::Stream::from(server);
    assert!(server.is_server() && !server.is_message_mode());
    assert_eq!(server.client_process_id().unwrap(), std::process::id());
    (&client).write_all(b"same pipe").unwrap();
    let mut buf = [0; 9];
    (&server).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"same pipe");
}

#[cfg(windows)]
#[test]
fn a_busy_listener_with_a_timeout_is_timed_out() {
    use localipc::os::windows::local_socket::ListenerOptionsExt;
    let _watchdog = watchdog("a_busy_listener_with_a_timeout_is_timed_out", LIMIT);
    let name = namespaced("busy");
    let _listener = ListenerOptions::new(&name)
        .ready_instances(1)
        .bind()
        .unwrap();
    let _first = Stream::connect(&name).unwrap(); // takes the only waiting instance
    let started = Instant::now();
    let error = ConnectOptions::new(&name)
        .timeout(Some(Duration::from_millis(300)))
        .connect()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A write timeout bounds the whole write: a reader that drains a little
/// at a time makes room again and again, and each wait for room must not
/// start the timeout afresh (Linux and the BSDs do so inside one `send`,
/// for each chunk of it).
#[test]
fn a_write_timeout_bounds_a_whole_write_to_a_slow_reader() {
    let _watchdog = watchdog(
        "a_write_timeout_bounds_a_whole_write_to_a_slow_reader",
        LIMIT,
    );
    let name = namespaced("slow-reader");
    let listener = Listener::bind(&name).unwrap();
    let client = Stream::connect(&name).unwrap();
    let server = listener.accept().unwrap();
    client
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    util::assert_a_write_to_a_slow_reader_ends_on_time(
        move |buf| (&server).read(buf),
        move |data| (&client).write(data),
    );
}

#[cfg(target_os = "linux")]
#[test]
fn binding_over_a_live_listener_with_a_full_backlog_fails_at_once() {
    let _watchdog = watchdog(
        "binding_over_a_live_listener_with_a_full_backlog_fails_at_once",
        LIMIT,
    );
    let path = path_name("fullbacklog");
    let _listener = Listener::bind(&path.name).unwrap();
    let _pending = util::fill_the_backlog(path.name.fs_path().unwrap());
    let started = Instant::now();
    let error = Listener::bind(&path.name).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

// --- Debug and clones ------------------------------------------------------------

#[test]
fn debug_shows_the_name_and_the_side() {
    let _watchdog = watchdog("debug_shows_the_name_and_the_side", LIMIT);
    for (name, _keep) in both_kinds("debug") {
        let listener = Listener::bind(&name).unwrap();
        let client = Stream::connect(&name).unwrap();
        let server = listener.accept().unwrap();
        let shown = name.to_string();
        for (what, debug) in [
            ("listener", format!("{listener:?}")),
            ("client", format!("{client:?}")),
            ("server", format!("{server:?}")),
        ] {
            assert!(debug.contains(&format!("{shown:?}")), "{what}: {debug}");
        }
        assert!(format!("{client:?}").contains("Client"), "{client:?}");
        assert!(format!("{server:?}").contains("Server"), "{server:?}");
        let clone = server.try_clone().unwrap();
        assert!(format!("{clone:?}").contains("Server"), "{clone:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_cloned_listener_shares_the_queue_and_the_file_stays_with_the_original() {
    use localipc::os::unix::local_socket::ListenerExt;
    let _watchdog = watchdog(
        "a_cloned_listener_shares_the_queue_and_the_file_stays_with_the_original",
        LIMIT,
    );
    let path = path_name("lclone");
    let file = path.name.fs_path().unwrap().to_owned();
    let listener = Listener::bind(&path.name).unwrap();
    let clone = listener.try_clone().unwrap();
    assert_eq!(clone.name(), Some(&path.name));
    for accepting in [&listener, &clone, &listener] {
        let mut client = Stream::connect(&path.name).unwrap();
        client.write_all(b"x").unwrap();
        let mut server = accepting.accept().unwrap();
        let mut got = [0; 1];
        server.read_exact(&mut got).unwrap();
    }
    drop(clone);
    assert!(file.exists(), "a clone leaves the file in place");
    let _client = Stream::connect(&path.name).unwrap();
    listener.accept().unwrap();
    drop(listener);
    assert!(!file.exists(), "the original removes it");
}
