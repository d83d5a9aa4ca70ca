//! What every test of the `localipc` binary needs: the binary, fresh names,
//! running it with some standard input, and the shape of its errors.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use localipc_test_support::Spawn as _;

/// How long a test of the tool may take before its watchdog fails it.
pub(crate) const LIMIT: Duration = Duration::from_secs(120);

/// The binary under test.
pub(crate) fn localipc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_localipc"))
}

/// Runs `localipc ARGS` with `input` on its standard input, to the end.
pub(crate) fn run(args: &[&str], input: &[u8]) -> Output {
    let mut command = localipc();
    command.args(args);
    run_command(command, input)
}

/// Runs `command` with `input` on its standard input, to the end. The input
/// is written while the output is read, so neither can fill up and stall.
pub(crate) fn run_command(mut command: Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_child()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // A command that exits without reading all of it is fine here.
    let writer = std::thread::spawn(move || drop(stdin.write_all(&input)));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

/// Runs `localipc connect ARGS` with `input` on its standard input.
pub(crate) fn connect(args: &[&str], input: &[u8]) -> Output {
    let mut all = vec!["connect"];
    all.extend_from_slice(args);
    run(&all, input)
}

/// Starts `localipc ARGS` (a listening verb) and waits until it says it is
/// listening; its later messages are drained so it never blocks on them.
pub(crate) fn start_listening(args: &[&str]) -> Child {
    let mut child = localipc()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_child()
        .unwrap();
    drop(first_line_then_drain(&mut child, "listening on"));
    child
}

/// Reads the first line `child` writes to its piped standard error, which
/// must contain `expect`, then drains the rest on a thread (so the child
/// never blocks on it), which returns it.
pub(crate) fn first_line_then_drain(
    child: &mut Child,
    expect: &str,
) -> std::thread::JoinHandle<String> {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains(expect), "{line:?}");
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    })
}

/// Starts the listening verb `listen`, connects to it with `connect` (each
/// the whole command line), and checks that each side's standard input
/// reaches the other's standard output, both ways at once.
pub(crate) fn assert_relays_both_ways(listen: &[&str], connect: &[&str]) {
    let mut listener = start_listening(listen);
    let mut server_stdin = listener.stdin.take().unwrap();
    let client = std::thread::spawn({
        let connect: Vec<String> = connect.iter().map(|arg| arg.to_string()).collect();
        move || {
            let connect: Vec<&str> = connect.iter().map(String::as_str).collect();
            run(&connect, b"from the client\n")
        }
    });
    server_stdin.write_all(b"from the server\n").unwrap();
    drop(server_stdin);
    let client = client.join().unwrap();
    assert!(client.status.success(), "{client:?}");
    assert_eq!(client.stdout, b"from the server\n");
    let server = listener.wait_with_output().unwrap();
    assert!(server.status.success(), "{server:?}");
    assert_eq!(server.stdout, b"from the client\n");
}

/// Asserts a failure with exit status `code` and exactly one line on
/// standard error, `localipc: …` containing `needle`, and no panic.
pub(crate) fn assert_one_line_error(output: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.starts_with("localipc: ") && stderr.contains(needle),
        "{stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr:?}"
    );
}

/// Asserts a usage error: exit status 2, clap's `error:` line containing
/// `needle`, and the pointer to `--help`.
pub(crate) fn assert_usage_error(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "{stderr:?}");
    assert!(stderr.contains("--help"), "{stderr:?}");
    assert!(output.stdout.is_empty(), "{:?}", output.stdout);
}
