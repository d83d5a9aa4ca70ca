//! Helpers shared by the integration tests. What the tool's tests, the
//! examples and the bench share with them (watchdogs, child processes,
//! checksummed data streams, temporary directories, Wine detection, handle
//! counting) is the workspace's `localipc-test-support` crate, re-exported
//! here; what stays here is the library's own: names, slow peers, signals.
//! (`runtime/` binds the async suites to Tokio and smol; those suites
//! include it next to this module.)
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{self, Write};
#[cfg(target_os = "linux")]
use std::path::Path;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

#[allow(unused_imports, reason = "each test file uses a different subset")]
#[cfg(any(target_os = "linux", windows))]
pub(crate) use localipc_test_support::open_handle_count;
#[allow(unused_imports, reason = "each test file uses a different subset")]
pub(crate) use localipc_test_support::{
    Checksum, Pattern, Spawn, TempDir, Watchdog, assert_success, child_command, is_child, is_wine,
    receive_all, skip, test_path, watchdog,
};

/// Writes `chunk` until a write fails and returns the error (a write may
/// move part of the chunk; the first writes after the peer left, or until a
/// buffer fills, may still succeed). Fails the test after 20 s of success.
pub(crate) fn write_until_error(mut writer: impl Write, chunk: &[u8]) -> io::Error {
    let started = std::time::Instant::now();
    loop {
        if let Err(error) = writer.write(chunk) {
            return error;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "writes never failed"
        );
    }
}

/// A thread that runs `step` over and over until it returns `false` or
/// the guard is dropped; dropping the guard stops the thread and waits for
/// it.
#[must_use = "the thread stops as soon as the guard is dropped"]
pub(crate) struct Repeating {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

pub(crate) fn repeat(mut step: impl FnMut() -> bool + Send + 'static) -> Repeating {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    let thread = thread::spawn(move || while !stopped.load(Ordering::Relaxed) && step() {});
    Repeating {
        stop,
        thread: Some(thread),
    }
}

impl Drop for Repeating {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A reader that drains slowly, what a write timeout must bound a write
/// against: `read` into a buffer of `chunk` bytes every `pause`, until the
/// guard is dropped or the peer ends.
pub(crate) fn slow_reader(
    chunk: usize,
    pause: Duration,
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize> + Send + 'static,
) -> Repeating {
    let mut buf = vec![0; chunk];
    repeat(move || match read(&mut buf) {
        Ok(0) | Err(_) => false,
        Ok(_) => {
            thread::sleep(pause);
            true
        }
    })
}

/// Checks a write of 4 MiB under a 500 ms write timeout to a reader that
/// drains 32 KiB every 100 ms (13 s for all of it): `write` ends in under
/// 2 s, having written part of it or failed with `TimedOut`. `write` owns
/// the writing end, which it drops when it returns.
pub(crate) fn assert_a_write_to_a_slow_reader_ends_on_time(
    reader: impl FnMut(&mut [u8]) -> io::Result<usize> + Send + 'static,
    write: impl FnOnce(&[u8]) -> io::Result<usize>,
) {
    let reader = slow_reader(32 << 10, Duration::from_millis(100), reader);
    let data = vec![7; 4 << 20];
    let started = std::time::Instant::now();
    let written = write(&data);
    let took = started.elapsed();
    drop(reader);
    assert!(
        took < Duration::from_secs(2),
        "a write with a 500 ms timeout took {took:?} ({written:?})"
    );
    match written {
        Ok(n) => assert!(n < data.len(), "all {n} bytes went to a slow reader"),
        Err(error) => assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}"),
    }
}

/// Checks a receive under a 500 ms read timeout while this thread is
/// interrupted every 20 ms for 3 s: it fails with `TimedOut` in under 2 s.
#[cfg(unix)]
pub(crate) fn assert_signals_do_not_restart_a_timeout<T: std::fmt::Debug>(
    receive: impl FnOnce() -> io::Result<T>,
) {
    let interrupts = interrupt_this_thread_often(Duration::from_secs(3));
    let started = std::time::Instant::now();
    let received = receive();
    let took = started.elapsed();
    drop(interrupts);
    let error = received.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    assert!(
        took < Duration::from_secs(2),
        "a receive with a 500 ms timeout took {took:?}"
    );
}

/// Interrupts the blocking system calls of the calling thread with a
/// signal every 20 ms, for `how_long` or until the returned guard is
/// dropped: `SIGUSR1`, whose handler does nothing and is installed without
/// `SA_RESTART` (a call under a socket timeout is never restarted anyway).
/// A call that takes each `EINTR` for a fresh start of its timeout does
/// not time out before the signals stop.
#[cfg(unix)]
pub(crate) fn interrupt_this_thread_often(how_long: Duration) -> Repeating {
    extern "C" fn nothing(_: libc::c_int) {}
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(|| {
        // SAFETY: `sigaction` is plain data; all zeros is a valid value
        // (an empty mask, no flags), completed below.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler does nothing, so it is async-signal-safe; the
        // pointers are a live local and null (the old action is not asked).
        let installed = unsafe { libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()) };
        assert_eq!(installed, 0, "installing the SIGUSR1 handler");
    });
    // SAFETY: no preconditions.
    let target = unsafe { libc::pthread_self() };
    // The guard stops and joins this thread before the target thread can
    // end, so the target's id is never stale when it is signalled.
    let started = std::time::Instant::now();
    repeat(move || {
        thread::sleep(Duration::from_millis(20));
        // SAFETY: `target` is a live thread (see above); SIGUSR1 has a
        // handler that does nothing.
        unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
        started.elapsed() < how_long
    })
}

/// Fills the listen backlog of the socket at `path` with nonblocking
/// connections that nobody accepts, and returns them: while they live,
/// Linux makes the next blocking `connect` wait (and a nonblocking one fail
/// with `EAGAIN`).
#[cfg(target_os = "linux")]
pub(crate) fn fill_the_backlog(path: &Path) -> Vec<rustix::fd::OwnedFd> {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let address = SocketAddrUnix::new(path).unwrap();
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
            Err(rustix::io::Errno::AGAIN) => return pending,
            Err(errno) => panic!("filling the backlog: {errno}"),
        }
        assert!(pending.len() < 100_000, "the backlog never filled");
    }
}

/// Asserts that the set-up of a shared-memory channel failed as it must
/// where the OS cannot keep the peer from shrinking the memory:
/// `Unsupported`, with the OS named in the message. `side` says which call.
#[track_caller]
pub(crate) fn assert_refused_for_this_os<T: std::fmt::Debug>(result: io::Result<T>, side: &str) {
    let error = result.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::Unsupported, "{side}: {error}");
    assert!(
        error.to_string().contains(std::env::consts::OS),
        "{side}: the error does not name the OS: {error}"
    );
}

/// Unique local-socket names for tests, and passing them to child processes.
pub(crate) mod names {
    use localipc::local_socket::Name;

    const NAME_VAR: &str = "LOCALIPC_TEST_NAME";
    const KIND_VAR: &str = "LOCALIPC_TEST_NAME_KIND";

    pub(crate) use localipc_test_support::unique_name as unique;

    pub(crate) fn namespaced(label: &str) -> Name {
        Name::namespaced(format!("{}.sock", unique(label))).unwrap()
    }

    /// A Windows pipe path no other test (or test process) uses.
    pub(crate) fn pipe_path(label: &str) -> String {
        format!(r"\\.\pipe\{}", unique(label))
    }

    /// A path name: a socket file in a fresh directory on Unix, a pipe path on Windows.
    pub(crate) struct PathName {
        pub(crate) name: Name,
        #[cfg(unix)]
        _dir: super::TempDir,
    }

    pub(crate) fn path_name(label: &str) -> PathName {
        #[cfg(unix)]
        {
            let dir = super::TempDir::new(label);
            let name = Name::path(dir.path().join("s.sock")).unwrap();
            PathName { name, _dir: dir }
        }
        #[cfg(windows)]
        {
            PathName {
                name: Name::path(pipe_path(label)).unwrap(),
            }
        }
    }

    /// A name of each kind, with whatever keeps it usable.
    pub(crate) fn both_kinds(label: &str) -> Vec<(Name, Option<PathName>)> {
        let path = path_name(label);
        vec![(namespaced(label), None), (path.name.clone(), Some(path))]
    }

    /// Passes a name to a child process and back.
    pub(crate) fn name_for_child(command: &mut std::process::Command, name: &Name) {
        let (kind, value) = match name.fs_path() {
            Some(path) => ("path", path.as_os_str().to_owned()),
            None if cfg!(windows) && !name.is_namespaced() => ("path", name.to_string().into()),
            None => (
                "namespaced",
                name.to_string()
                    .trim_start_matches('@')
                    .trim_start_matches(r"\\.\pipe\")
                    .into(),
            ),
        };
        command.env(KIND_VAR, kind).env(NAME_VAR, value);
    }

    pub(crate) fn name_from_parent() -> Name {
        let value = std::env::var_os(NAME_VAR).unwrap();
        match std::env::var(KIND_VAR).unwrap().as_str() {
            "path" => Name::path(value).unwrap(),
            _ => Name::namespaced(value).unwrap(),
        }
    }
}

/// `bind()`, again while it fails with `AddrInUse` for up to 5 s: a child
/// process that another test starts meanwhile holds copies of this
/// process's descriptors from its fork to its exec, so a name just dropped
/// can stay taken for that moment.
pub(crate) fn bind_soon<T>(mut bind: impl FnMut() -> io::Result<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        match bind() {
            Err(error)
                if error.kind() == io::ErrorKind::AddrInUse
                    && started.elapsed() < Duration::from_secs(5) =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            bound => return bound.unwrap(),
        }
    }
}
