//! What every test of the `localipc` binary needs: the binary, fresh names,
//! running it with some standard input, and the shape of its errors.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long a test of the tool may take before its watchdog fails it.
pub(crate) const LIMIT: Duration = Duration::from_secs(120);

/// The binary under test.
pub(crate) fn localipc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_localipc"))
}

/// A name no other test (or test process) uses.
pub(crate) fn unique(label: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "localipc-cli-test-{}-{label}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
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
        .spawn()
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
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("listening on"), "{line:?}");
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
    });
    child
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
