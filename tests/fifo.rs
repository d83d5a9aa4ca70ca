//! FIFOs (Unix only), through the public API.
#![cfg(unix)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use localipc::os::unix::{PipeExt, fifo};
use util::{Pattern, TempDir, assert_success, child_command, is_child, receive_all, watchdog};

const LIMIT: Duration = Duration::from_secs(60);
const FIFO_VAR: &str = "LOCALIPC_TEST_FIFO";

#[test]
fn create_makes_a_fifo_with_the_mode_asked() {
    let _watchdog = watchdog("create_makes_a_fifo_with_the_mode_asked", LIMIT);
    let dir = TempDir::new("fifo-mode");
    for mode in [0o600, 0o700, 0o400] {
        let path = dir.path().join(format!("fifo-{mode:o}"));
        fifo::create(&path, mode).unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        assert!(metadata.file_type().is_fifo());
        // Only owner bits: no sensible umask masks them.
        assert_eq!(metadata.permissions().mode() & 0o7777, mode);
    }
}

#[test]
fn create_on_an_existing_path_is_already_exists() {
    let _watchdog = watchdog("create_on_an_existing_path_is_already_exists", LIMIT);
    let dir = TempDir::new("fifo-exists");
    let path = dir.path().join("taken");
    fifo::create(&path, 0o600).unwrap();
    let error = fifo::create(&path, 0o600).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");
    assert!(
        error.to_string().contains("taken"),
        "the message names the path: {error}"
    );

    let file = dir.path().join("regular");
    std::fs::write(&file, b"keep me").unwrap();
    let error = fifo::create(&file, 0o600).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"keep me",
        "nothing is replaced"
    );
}

#[test]
fn create_rejects_bad_input() {
    let _watchdog = watchdog("create_rejects_bad_input", LIMIT);
    let dir = TempDir::new("fifo-bad");
    let error = fifo::create(dir.path().join("mode"), 0o10_000).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    let error = fifo::create(dir.path().join("nul\0byte"), 0o600).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("NUL"), "{error}");
    let error = fifo::create(dir.path().join("missing").join("fifo"), 0o600).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}

#[test]
fn nonblocking_sender_without_a_reader_is_not_connected() {
    let _watchdog = watchdog(
        "nonblocking_sender_without_a_reader_is_not_connected",
        LIMIT,
    );
    let dir = TempDir::new("fifo-noreader");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let error = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_sender(&path)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotConnected, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("reading") && message.contains("fifo"),
        "{message}"
    );
}

#[test]
fn nonblocking_sender_with_a_reader_opens_and_writes() {
    let _watchdog = watchdog("nonblocking_sender_with_a_reader_opens_and_writes", LIMIT);
    let dir = TempDir::new("fifo-nb");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let mut rx = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_receiver(&path)
        .unwrap();
    assert_eq!(
        rx.read(&mut [0; 4]).unwrap(),
        0,
        "no writer yet reads as end of stream"
    );
    let mut tx = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_sender(&path)
        .unwrap();
    assert_eq!(
        rx.read(&mut [0; 4]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    tx.write_all(b"hi").unwrap();
    rx.set_nonblocking(false).unwrap();
    let mut buf = [0; 2];
    rx.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hi");
    drop(tx);
    assert_eq!(rx.read(&mut buf).unwrap(), 0);
}

#[test]
fn opening_a_missing_path_is_not_found() {
    let _watchdog = watchdog("opening_a_missing_path_is_not_found", LIMIT);
    let dir = TempDir::new("fifo-missing");
    let path = dir.path().join("nothing-here");
    for error in [
        fifo::open_receiver(&path).unwrap_err(),
        fifo::open_sender(&path).unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        assert!(error.to_string().contains("nothing-here"), "{error}");
    }
}

#[test]
fn opening_something_that_is_not_a_fifo_is_invalid_input() {
    let _watchdog = watchdog(
        "opening_something_that_is_not_a_fifo_is_invalid_input",
        LIMIT,
    );
    let dir = TempDir::new("fifo-notfifo");
    let file = dir.path().join("regular");
    std::fs::write(&file, b"data").unwrap();
    for (path, kind) in [(file, "regular file"), (dir.path().to_owned(), "directory")] {
        let error = fifo::open_receiver(&path).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        assert!(error.to_string().contains(kind), "{error}");
        let error = fifo::open_sender(&path).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
}

#[test]
fn blocking_opens_wait_for_each_other() {
    let _watchdog = watchdog("blocking_opens_wait_for_each_other", LIMIT);
    let dir = TempDir::new("fifo-wait");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let writer_path = path.clone();
    let writer = thread::spawn(move || {
        let mut tx = fifo::open_sender(&writer_path).unwrap();
        tx.write_all(b"after the wait").unwrap();
    });
    thread::sleep(Duration::from_millis(200));
    assert!(
        !writer.is_finished(),
        "open_sender returned without a reader"
    );
    let mut rx = fifo::open_receiver(&path).unwrap();
    let mut text = String::new();
    rx.read_to_string(&mut text).unwrap();
    assert_eq!(text, "after the wait");
    writer.join().unwrap();
}

#[test]
fn write_after_the_reader_closed_is_broken_pipe() {
    let _watchdog = watchdog("write_after_the_reader_closed_is_broken_pipe", LIMIT);
    let dir = TempDir::new("fifo-broken");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let rx = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_receiver(&path)
        .unwrap();
    let mut tx = fifo::open_sender(&path).unwrap();
    drop(rx);
    assert_eq!(tx.write(b"x").unwrap_err().kind(), ErrorKind::BrokenPipe);
}

fn child_fifo_path() -> PathBuf {
    PathBuf::from(std::env::var_os(FIFO_VAR).expect("the parent names the FIFO"))
}

#[test]
fn two_processes_stream_through_a_fifo_child_writing() {
    let name = "two_processes_stream_through_a_fifo_child_writing";
    let _watchdog = watchdog(name, LIMIT);
    let total = 16 << 20;
    if is_child() {
        let tx = fifo::open_sender(child_fifo_path()).unwrap();
        Pattern::new(16).send(tx, total, 1 << 16).unwrap();
        return;
    }
    let dir = TempDir::new("fifo-xproc-w");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let mut child = child_command(name)
        .env(FIFO_VAR, &path)
        .spawn_child()
        .unwrap();
    let rx = fifo::open_receiver(&path).unwrap();
    let (len, checksum) = receive_all(rx).unwrap();
    assert_success(child.wait().unwrap(), "writing child");
    assert_eq!((len, checksum), (total, Pattern::new(16).checksum(total)));
}

#[test]
fn two_processes_stream_through_a_fifo_child_reading() {
    let name = "two_processes_stream_through_a_fifo_child_reading";
    let _watchdog = watchdog(name, LIMIT);
    let total = 16 << 20;
    if is_child() {
        let rx = fifo::open_receiver(child_fifo_path()).unwrap();
        let (len, checksum) = receive_all(rx).unwrap();
        assert_eq!((len, checksum), (total, Pattern::new(17).checksum(total)));
        return;
    }
    let dir = TempDir::new("fifo-xproc-r");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let mut child = child_command(name)
        .env(FIFO_VAR, &path)
        .spawn_child()
        .unwrap();
    let tx = fifo::open_sender(&path).unwrap();
    Pattern::new(17).send(tx, total, 1 << 16).unwrap();
    assert_success(
        child.wait().unwrap(),
        "reading child (it checks length and checksum)",
    );
}

#[test]
fn a_killed_reader_process_makes_writes_fail_with_broken_pipe() {
    let name = "a_killed_reader_process_makes_writes_fail_with_broken_pipe";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        let _rx = fifo::open_receiver(child_fifo_path()).unwrap();
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let dir = TempDir::new("fifo-killed");
    let path = dir.path().join("fifo");
    fifo::create(&path, 0o600).unwrap();
    let mut child = child_command(name)
        .env(FIFO_VAR, &path)
        .spawn_child()
        .unwrap();
    let tx = fifo::open_sender(&path).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let error = util::write_until_error(tx, &[0; 4096]);
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn fifo_errors_show_every_byte_of_the_path() {
    let _watchdog = watchdog("fifo_errors_show_every_byte_of_the_path", LIMIT);
    let dir = TempDir::new("fifo-escaped");
    let path = dir.path().join("gone\u{1}dir").join("f\u{1b}[2Jifo");
    let error = fifo::create(&path, 0o600).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("gone\\x01dir") && message.contains("f\\x1b[2Jifo"),
        "{message}"
    );
    assert!(
        !message.contains('\u{1}') && !message.contains('\u{1b}'),
        "{message:?}"
    );
    let error = fifo::open_receiver(&path).unwrap_err();
    assert!(error.to_string().contains("gone\\x01dir"), "{error}");
}
