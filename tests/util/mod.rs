//! Helpers shared by the integration tests: watchdogs, child processes,
//! checksummed data streams, temporary directories, Wine detection and
//! handle counting. (`runtime/` binds the async suites to Tokio and smol;
//! those suites include it next to this module.)
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Environment variable that marks a process as a test's child.
const CHILD_MARKER: &str = "LOCALIPC_TEST_CHILD";

/// Fails the whole test process if it is still alive after `limit`, so that a
/// hang is a fast, loud failure instead of a stuck CI job. Dropping the
/// returned guard disarms it.
#[must_use = "the watchdog is disarmed as soon as the guard is dropped"]
pub(crate) struct Watchdog {
    _disarm: mpsc::Sender<()>,
}

pub(crate) fn watchdog(test: &str, limit: Duration) -> Watchdog {
    let (disarm, armed) = mpsc::channel::<()>();
    let test = test.to_owned();
    thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = armed.recv_timeout(limit) {
            // Written straight to the descriptor: libtest would capture eprintln!.
            let _ = writeln!(
                io::stderr(),
                "watchdog: `{test}` still running after {limit:?}; aborting the test process"
            );
            std::process::exit(124);
        }
    });
    Watchdog { _disarm: disarm }
}

/// Whether this process was started by [`child_command`] to play a child role.
pub(crate) fn is_child() -> bool {
    std::env::var_os(CHILD_MARKER).is_some()
}

/// A command that runs the test `test` of this same test binary as a child
/// process; that test sees [`is_child`] return true. The child's standard
/// output (libtest's chatter) is discarded; its standard error is inherited so
/// that a failing child explains itself in the log.
///
/// Panics if this binary has no test of that name: libtest would run no test
/// in the child and end with success, so a test that checks the child's exit
/// status would pass without having run anything.
pub(crate) fn child_command(test: &str) -> Command {
    assert!(
        this_binarys_tests().iter().any(|known| known == test),
        "no test named `{test}` in this binary for a child process to run"
    );
    let mut command = Command::new(std::env::current_exe().expect("current_exe"));
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_MARKER, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Starting processes in tests, surviving one fault of Wine's: under load
/// Wine (never Windows) now and then fails process creation with
/// `ERROR_INTERNAL_ERROR` (1359). Under Wine, on that error alone, the
/// start is tried again (at most 5 times) and a note is printed; anywhere
/// else, and for any other error, these are `spawn`, `status` and `output`.
pub(crate) trait Spawn {
    fn spawn_child(&mut self) -> io::Result<std::process::Child>;
    fn status_child(&mut self) -> io::Result<std::process::ExitStatus>;
    fn output_child(&mut self) -> io::Result<std::process::Output>;
}

impl Spawn for Command {
    fn spawn_child(&mut self) -> io::Result<std::process::Child> {
        surviving_wine_faults(|| self.spawn())
    }

    fn status_child(&mut self) -> io::Result<std::process::ExitStatus> {
        surviving_wine_faults(|| self.status())
    }

    fn output_child(&mut self) -> io::Result<std::process::Output> {
        surviving_wine_faults(|| self.output())
    }
}

/// Runs `start` (a process start: a failure means no process was made),
/// again after Wine's internal error; see [`Spawn`].
fn surviving_wine_faults<T>(mut start: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    const ERROR_INTERNAL_ERROR: i32 = 1359;
    let mut tries = 1;
    loop {
        match start() {
            Err(error)
                if tries < 5 && error.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && is_wine() =>
            {
                let _ = writeln!(
                    io::stderr(),
                    "\nlocalipc-test-note: Wine failed to start a process ({error}); trying again"
                );
                tries += 1;
                thread::sleep(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

/// The names of this binary's tests, from libtest's `--list` (asked once).
fn this_binarys_tests() -> &'static [String] {
    static TESTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TESTS.get_or_init(|| {
        let output = Command::new(std::env::current_exe().expect("current_exe"))
            .arg("--list")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output_child()
            .expect("listing this binary's tests");
        assert!(
            output.status.success(),
            "listing this binary's tests: {}",
            output.status
        );
        String::from_utf8(output.stdout)
            .expect("test names are UTF-8")
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_owned)
            .collect()
    })
}

/// The name libtest knows the test `test` of module `module_path` by (pass
/// `module_path!()`): its path without the crate's name, as [`child_command`]
/// needs it for a test inside a module.
pub(crate) fn test_path(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// Asserts that a child ended successfully, with its exit status in the message.
pub(crate) fn assert_success(status: std::process::ExitStatus, what: &str) {
    assert!(
        status.success(),
        "{what}: child process ended with {status}"
    );
}

/// A deterministic byte stream of a given length, generated word by word.
pub(crate) struct Pattern {
    seed: u64,
}

impl Pattern {
    pub(crate) fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// Fills `buf` with the bytes at stream offsets `offset..offset + buf.len()`.
    pub(crate) fn fill(&self, offset: u64, buf: &mut [u8]) {
        let mut word_index = offset / 8;
        let skip = (offset % 8) as usize;
        let head = if skip == 0 {
            0
        } else {
            (8 - skip).min(buf.len())
        };
        let (first, rest) = buf.split_at_mut(head);
        if !first.is_empty() {
            let word = self.word(word_index).to_le_bytes();
            first.copy_from_slice(&word[skip..skip + first.len()]);
            word_index += 1;
        }
        for (i, chunk) in rest.chunks_mut(8).enumerate() {
            let word = self.word(word_index + i as u64).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    fn word(&self, index: u64) -> u64 {
        splitmix(self.seed ^ index)
    }

    /// Writes the first `total` bytes of the stream in `chunk`-byte writes and
    /// returns their checksum.
    pub(crate) fn send(&self, mut writer: impl Write, total: u64, chunk: usize) -> io::Result<u64> {
        let mut buf = vec![0; chunk];
        let mut checksum = Checksum::new();
        let mut offset = 0;
        while offset < total {
            let len = chunk.min((total - offset) as usize);
            self.fill(offset, &mut buf[..len]);
            writer.write_all(&buf[..len])?;
            checksum.update(&buf[..len]);
            offset += len as u64;
        }
        writer.flush()?;
        Ok(checksum.finish())
    }

    /// The checksum of the first `total` bytes of the stream.
    pub(crate) fn checksum(&self, total: u64) -> u64 {
        self.send(io::sink(), total, 1 << 16)
            .expect("sink never fails")
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a over 64-bit little-endian words (the tail padded with zeros): fast
/// enough for 64 MiB in a debug build, sensitive to order and to every byte.
pub(crate) struct Checksum {
    state: u64,
    pending: [u8; 8],
    pending_len: usize,
}

impl Checksum {
    pub(crate) fn new() -> Self {
        Self {
            state: 0xcbf2_9ce4_8422_2325,
            pending: [0; 8],
            pending_len: 0,
        }
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        if self.pending_len > 0 {
            let take = (8 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 8 {
                return;
            }
            self.mix(u64::from_le_bytes(self.pending));
            self.pending_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.mix(u64::from_le_bytes(word.try_into().unwrap()));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn mix(&mut self, word: u64) {
        self.state = (self.state ^ word).wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub(crate) fn finish(mut self) -> u64 {
        if self.pending_len > 0 {
            self.pending[self.pending_len..].fill(0);
            self.mix(u64::from_le_bytes(self.pending));
            self.mix(self.pending_len as u64);
        }
        self.state
    }
}

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

/// Reads `reader` to end of stream and returns the byte count and checksum.
pub(crate) fn receive_all(mut reader: impl Read) -> io::Result<(u64, u64)> {
    let mut buf = vec![0; 1 << 16];
    let mut checksum = Checksum::new();
    let mut total = 0;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok((total, checksum.finish())),
            Ok(n) => {
                checksum.update(&buf[..n]);
                total += n as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// A directory that is removed with its contents when dropped.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "localipc-test-{label}-{}-{unique}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temporary directory");
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Whether this process runs under Wine rather than real Windows. Wine's
/// `ntdll.dll` exports `wine_get_version`; Windows' does not.
#[cfg(windows)]
pub(crate) fn is_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
    // SAFETY: the name is a NUL-terminated UTF-16 string; ntdll is always loaded.
    let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
    if module.is_null() {
        return false;
    }
    // SAFETY: `module` is a loaded module and the name is NUL-terminated.
    unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) }.is_some()
}

/// Whether this process runs under Wine: never, off Windows.
#[cfg(not(windows))]
pub(crate) fn is_wine() -> bool {
    false
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

/// The number of descriptors (Linux) or handles (Windows) this process holds.
///
/// The counter proves itself on first use: it opens 20 more and checks that
/// the count rises by exactly 20 and falls back once they are closed. A
/// counter that cannot see handles (`GetProcessHandleCount` reports 0 under
/// Wine) would let every leak assertion pass, so it fails the test instead.
#[cfg(any(target_os = "linux", windows))]
pub(crate) fn open_handle_count() -> usize {
    static PROVEN: std::sync::Once = std::sync::Once::new();
    PROVEN.call_once(prove_the_handle_counter);
    handles::count()
}

#[cfg(any(target_os = "linux", windows))]
fn prove_the_handle_counter() {
    const EXTRA: usize = 20;
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    // Another thread of the process (a runtime's worker, Windows' thread
    // pool) may open or close a handle meanwhile: a few tries, one must be exact.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let before = handles::count();
        let clones: Vec<_> = (0..EXTRA).map(|_| file.try_clone().unwrap()).collect();
        let with_them = handles::count();
        drop(clones);
        let after = handles::count();
        if with_them == before + EXTRA && after == before {
            return;
        }
        seen.push((before, with_them, after));
    }
    panic!(
        "the handle counter does not see handles: with {EXTRA} more open and then closed, \
         it counted (before, with them, after) = {seen:?}"
    );
}

#[cfg(target_os = "linux")]
mod handles {
    pub(super) fn count() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }
}

/// Windows: this process's entries in the system's handle table, from
/// `NtQuerySystemInformation(SystemExtendedHandleInformation)`, which Wine
/// implements (its `GetProcessHandleCount` always reports 0).
#[cfg(windows)]
mod handles {
    use std::ffi::c_void;
    use std::mem::size_of;

    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};

    const SYSTEM_EXTENDED_HANDLE_INFORMATION: u32 = 64;
    const STATUS_INFO_LENGTH_MISMATCH: i32 = 0xC000_0004_u32 as i32;
    /// The table is two pointer-sized words (the entry count, a reserved
    /// word) and then the entries: three pointer-sized words (object, owning
    /// process id, handle value) and 16 bytes (access mask, two 16-bit
    /// fields, attributes, reserved).
    const HEADER_WORDS: usize = 2;
    const ENTRY_WORDS: usize = 3 + 16 / size_of::<usize>();
    const PROCESS_ID_WORD: usize = 1;

    type NtQuerySystemInformation = unsafe extern "system" fn(
        class: u32,
        information: *mut c_void,
        length: u32,
        returned: *mut u32,
    ) -> i32;

    fn nt_query_system_information() -> NtQuerySystemInformation {
        let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
        // SAFETY: the name is a NUL-terminated UTF-16 string; ntdll is always loaded.
        let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
        assert!(!module.is_null(), "ntdll.dll is not loaded");
        // SAFETY: `module` is a loaded module and the name is NUL-terminated.
        let function =
            unsafe { GetProcAddress(module, c"NtQuerySystemInformation".as_ptr().cast()) }
                .expect("ntdll.dll exports NtQuerySystemInformation");
        // SAFETY: ntdll's NtQuerySystemInformation has exactly this signature.
        unsafe {
            std::mem::transmute::<unsafe extern "system" fn() -> isize, NtQuerySystemInformation>(
                function,
            )
        }
    }

    pub(super) fn count() -> usize {
        let query = nt_query_system_information();
        // Words, so that the table is aligned for its pointer-sized fields.
        let mut table = vec![0_usize; 1 << 16];
        loop {
            let bytes = u32::try_from(table.len() * size_of::<usize>()).unwrap();
            let mut returned = 0;
            // SAFETY: `table` is writable for `bytes` bytes and `returned` is
            // a live out-pointer.
            let status = unsafe {
                query(
                    SYSTEM_EXTENDED_HANDLE_INFORMATION,
                    table.as_mut_ptr().cast(),
                    bytes,
                    &mut returned,
                )
            };
            if status == STATUS_INFO_LENGTH_MISMATCH {
                table.resize(table.len() * 2, 0);
                continue;
            }
            assert!(
                status >= 0,
                "NtQuerySystemInformation(SystemExtendedHandleInformation): status {status:#x}"
            );
            break;
        }
        let entries = table[0];
        let end = HEADER_WORDS + entries * ENTRY_WORDS;
        assert!(
            end <= table.len(),
            "{entries} handle entries overflow the table"
        );
        let this_process = std::process::id() as usize;
        table[HEADER_WORDS..end]
            .chunks_exact(ENTRY_WORDS)
            .filter(|entry| entry[PROCESS_ID_WORD] == this_process)
            .count()
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

/// Reports that `test` skipped `what` and why, on the real standard error
/// (libtest would capture `eprintln!`), in the form `.ci/run` counts.
pub(crate) fn skip(test: &str, why: &str) {
    // The leading newline keeps the line apart from libtest's "test … " prefix
    // that another thread may have just printed.
    let _ = writeln!(io::stderr(), "\nlocalipc-test-skip: {test}: {why}");
}

/// Unique local-socket names for tests, and passing them to child processes.
pub(crate) mod names {
    use std::sync::atomic::{AtomicU32, Ordering};

    use localipc::local_socket::Name;

    const NAME_VAR: &str = "LOCALIPC_TEST_NAME";
    const KIND_VAR: &str = "LOCALIPC_TEST_NAME_KIND";

    pub(crate) fn unique(label: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        format!(
            "localipc-test-{}-{label}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

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
