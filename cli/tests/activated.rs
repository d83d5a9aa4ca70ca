//! `localipc listen --activated` under the real `systemd-socket-activate`
//! (Debian's `systemd` package), which listens and starts the command on
//! the first connection with the socket as descriptor 3: a client is
//! served through a path, an abstract name, and a `SOCK_SEQPACKET`
//! socket. Without `systemd-socket-activate` a test prints a skip line, or
//! on Linux fails when `CI` is set (CI installs it there).
#![cfg(unix)]

mod common;

use localipc_test_support::Spawn as _;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{
    LIMIT, assert_one_line_error, assert_usage_error, connect, first_line_then_drain, run,
};
use localipc_test_support::{TempDir, skip, watchdog};

/// `systemd-socket-activate` on the `PATH`; `None` (after a skip line, or
/// a failure in CI) if it is not there.
fn socket_activate(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("systemd-socket-activate"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        // CI installs it on Linux; other systems have no systemd.
        assert!(
            !cfg!(target_os = "linux") || std::env::var_os("CI").is_none(),
            "systemd-socket-activate is not installed (Debian package `systemd`)"
        );
        skip(
            test,
            "systemd-socket-activate is not installed (Debian package `systemd`)",
        );
    }
    found
}

/// Starts `systemd-socket-activate ACTIVATE_ARGS localipc LISTEN_ARGS` and
/// waits until it listens; returns it and the rest of its standard error,
/// read to the end by a thread.
fn activate(
    program: &Path,
    activate_args: &[&str],
    listen_args: &[&str],
) -> (Child, std::thread::JoinHandle<String>) {
    let mut child = Command::new(program)
        .args(activate_args)
        .arg(env!("CARGO_BIN_EXE_localipc"))
        .args(listen_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn_child()
        .unwrap();
    // systemd-socket-activate's own first line.
    let rest = first_line_then_drain(&mut child, "Listening on ");
    (child, rest)
}

/// Serves one client of `connect_args` through `systemd-socket-activate
/// ACTIVATE_ARGS localipc listen --activated --echo EXTRA`, and checks
/// the echo and the `listening on SHOWN` line.
fn assert_echoes(
    test: &str,
    activate_args: &[&str],
    extra: &[&str],
    connect_args: &[&str],
    shown: &str,
) {
    let _watchdog = watchdog(test, LIMIT);
    let Some(program) = socket_activate(test) else {
        return;
    };
    let mut listen_args = vec!["listen", "--activated", "--echo"];
    listen_args.extend_from_slice(extra);
    let (mut server, stderr) = activate(&program, activate_args, &listen_args);
    let output = connect(connect_args, b"one\ntwo\n");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "one\ntwo\n");
    let status = server.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains(&format!("localipc: listening on {shown}\n")),
        "{stderr}"
    );
}

#[test]
fn a_path_socket_is_served() {
    let dir = TempDir::new("cli-activated-path");
    let path = dir.path().join("s.sock");
    let path = path.to_str().unwrap();
    assert_echoes(
        "a_path_socket_is_served",
        &["-l", path],
        &[],
        &["--path", path],
        path,
    );
    assert!(Path::new(path).exists(), "the socket file was removed");
}

#[cfg(target_os = "linux")]
#[test]
fn an_abstract_socket_is_served() {
    let name = localipc_test_support::unique_name("cli-activated-abstract");
    let at_name = format!("@{name}");
    assert_echoes(
        "an_abstract_socket_is_served",
        &["-l", &at_name],
        &[],
        &[&name],
        &at_name,
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_seqpacket_socket_serves_messages() {
    let name = localipc_test_support::unique_name("cli-activated-seqpacket");
    let at_name = format!("@{name}");
    assert_echoes(
        "a_seqpacket_socket_serves_messages",
        &["-l", &at_name, "--seqpacket"],
        &["--messages"],
        &["--messages", &name],
        &format!("{at_name} (messages)"),
    );
}

#[test]
fn fd_name_picks_the_socket_of_that_name() {
    let dir = TempDir::new("cli-activated-fdname");
    let first = dir.path().join("first.sock");
    let second = dir.path().join("second.sock");
    let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());
    assert_echoes(
        "fd_name_picks_the_socket_of_that_name",
        &["-l", first, "-l", second, "--fdname=one:two"],
        &["--fd-name", "two"],
        &["--path", second],
        second,
    );
}

#[test]
fn a_socket_of_the_wrong_type_is_an_error() {
    let test = "a_socket_of_the_wrong_type_is_an_error";
    let _watchdog = watchdog(test, LIMIT);
    let Some(program) = socket_activate(test) else {
        return;
    };
    let dir = TempDir::new("cli-activated-dgram");
    let path = dir.path().join("d.sock");
    let (mut server, stderr) = activate(
        &program,
        &["--datagram", "-l", path.to_str().unwrap()],
        &["listen", "--activated", "--echo"],
    );
    // A datagram starts the command.
    let client = std::os::unix::net::UnixDatagram::unbound().unwrap();
    client.send_to(b"x", &path).unwrap();
    let status = server.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "localipc: activated socket 3 (`unknown`) is a datagram (SOCK_DGRAM) socket; \
             a Listener needs a listening Unix stream socket"
        ),
        "{stderr}"
    );
}

#[test]
fn listen_without_activation_says_so() {
    let _watchdog = watchdog("listen_without_activation_says_so", LIMIT);
    let mut command = common::localipc();
    command
        .args(["listen", "--activated", "--echo"])
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS");
    let output = common::run_command(command, b"");
    assert_one_line_error(
        &output,
        1,
        "not socket-activated: LISTEN_FDS is not set or LISTEN_PID names another process",
    );
}

#[test]
fn activated_takes_no_name() {
    let _watchdog = watchdog("activated_takes_no_name", LIMIT);
    let output = run(&["listen", "--activated", "app.sock"], b"");
    assert_usage_error(&output, "cannot be used with");
    let output = run(&["listen", "--fd-name", "web", "app.sock"], b"");
    assert_usage_error(&output, "cannot be used with");
    let output = run(&["listen", "--fd-name", "web"], b"");
    assert_usage_error(&output, "--activated");
}
