//! `localipc fifo create|send|recv` (Unix), run as a real program.
#![cfg(unix)]

mod common;

#[allow(unused_imports, reason = "where processes are started")]
use localipc_test_support::Spawn as _;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::process::Stdio;

use common::{LIMIT, assert_one_line_error, assert_usage_error, localipc, run};
use localipc_test_support::{TempDir, watchdog};

#[test]
fn create_makes_a_fifo_with_the_mode_asked() {
    let _watchdog = watchdog("create_makes_a_fifo_with_the_mode_asked", LIMIT);
    let dir = TempDir::new("cli-fifo-create");
    for (args, mode) in [(&[][..], 0o600), (&["--mode", "0640"], 0o640)] {
        let path = dir.path().join(format!("fifo-{mode:o}"));
        let mut all = vec!["fifo", "create"];
        all.extend_from_slice(args);
        all.push(path.to_str().unwrap());
        let output = run(&all, b"");
        assert!(output.status.success(), "{output:?}");
        let metadata = std::fs::metadata(&path).unwrap();
        assert!(metadata.file_type().is_fifo());
        // The umask may only take bits away.
        assert_eq!(metadata.permissions().mode() & 0o777 & !mode, 0);
        assert_eq!(metadata.permissions().mode() & 0o600, 0o600);
    }
}

#[test]
fn send_and_recv_carry_standard_input_to_standard_output() {
    let _watchdog = watchdog(
        "send_and_recv_carry_standard_input_to_standard_output",
        LIMIT,
    );
    let dir = TempDir::new("cli-fifo-relay");
    let path = dir.path().join("fifo");
    let path = path.to_str().unwrap();
    assert!(run(&["fifo", "create", path], b"").status.success());
    // Either may start first: each waits for the other.
    let receiver = localipc()
        .args(["fifo", "recv", path])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_child()
        .unwrap();
    // Read while the sender sends: the data is larger than a pipe holds.
    let receiver = std::thread::spawn(move || receiver.wait_with_output().unwrap());
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let sent = run(&["fifo", "send", path], &data);
    assert!(sent.status.success(), "{sent:?}");
    let received = receiver.join().unwrap();
    assert!(received.status.success(), "{received:?}");
    assert_eq!(received.stdout.len(), data.len());
    assert!(received.stdout == data, "the bytes differ");
}

#[test]
fn create_where_something_exists_is_one_line_and_exit_1() {
    let _watchdog = watchdog(
        "create_where_something_exists_is_one_line_and_exit_1",
        LIMIT,
    );
    let dir = TempDir::new("cli-fifo-exists");
    let path = dir.path().join("taken");
    std::fs::write(&path, b"precious").unwrap();
    let output = run(&["fifo", "create", path.to_str().unwrap()], b"");
    assert_one_line_error(&output, 1, path.to_str().unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[test]
fn opening_what_is_not_a_fifo_is_one_line_and_exit_1() {
    let _watchdog = watchdog("opening_what_is_not_a_fifo_is_one_line_and_exit_1", LIMIT);
    let dir = TempDir::new("cli-fifo-not");
    let file = dir.path().join("regular");
    std::fs::write(&file, b"precious").unwrap();
    let file = file.to_str().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    for args in [
        ["fifo", "recv", file],
        ["fifo", "send", file],
        ["fifo", "recv", missing],
    ] {
        let output = run(&args, b"data");
        assert_one_line_error(&output, 1, args[2]);
    }
    assert_eq!(std::fs::read(file).unwrap(), b"precious");
}

#[test]
fn a_mode_that_is_not_octal_is_a_usage_error() {
    let _watchdog = watchdog("a_mode_that_is_not_octal_is_a_usage_error", LIMIT);
    for mode in ["rw-------", "800", "17777"] {
        assert_usage_error(
            &run(&["fifo", "create", "--mode", mode, "unused"], b""),
            &format!("invalid value '{mode}' for '--mode <OCTAL>'"),
        );
    }
}
