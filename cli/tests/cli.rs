//! The `localipc` tool, run as a real program: relaying, echoing, names,
//! errors and the benchmark's quick mode.

#[path = "../../tests/util/mod.rs"]
mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use util::watchdog;

const LIMIT: Duration = Duration::from_secs(120);

fn localipc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_localipc"))
}

fn unique(label: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "localipc-cli-test-{}-{label}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Starts `localipc listen ARGS` and waits until it says it is listening.
fn start_listener(args: &[&str]) -> Child {
    let mut child = localipc()
        .arg("listen")
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
    // Keep draining the listener's messages so it never blocks on them.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
    });
    child
}

/// Runs `localipc connect ARGS` with `input` on its standard input.
fn connect(args: &[&str], input: &[u8]) -> Output {
    let mut child = localipc()
        .arg("connect")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn assert_one_line_error(output: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.starts_with("localipc: ") && stderr.contains(needle),
        "{stderr:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr:?}"
    );
}

#[test]
fn listen_and_connect_relay_both_ways() {
    let _watchdog = watchdog("listen_and_connect_relay_both_ways", LIMIT);
    let name = unique("relay");
    let mut listener = start_listener(&[&name]);
    let mut server_stdin = listener.stdin.take().unwrap();
    let client = std::thread::spawn({
        let name = name.clone();
        move || connect(&[&name], b"from the client\n")
    });
    server_stdin.write_all(b"from the server\n").unwrap();
    drop(server_stdin);
    let client = client.join().unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    assert_eq!(client.stdout, b"from the server\n");
    let server = listener.wait_with_output().unwrap();
    assert!(server.status.success());
    assert_eq!(server.stdout, b"from the client\n");
}

#[test]
fn listen_keep_echo_serves_clients_one_after_another() {
    let _watchdog = watchdog("listen_keep_echo_serves_clients_one_after_another", LIMIT);
    let name = unique("echo");
    let mut listener = start_listener(&["--keep", "--echo", &name]);
    for i in 0..3 {
        let message = format!("message {i}\n");
        let output = connect(&[&name], message.as_bytes());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout), message);
    }
    assert!(
        listener.try_wait().unwrap().is_none(),
        "--keep keeps serving"
    );
    listener.kill().unwrap();
    listener.wait().unwrap();
}

#[cfg(unix)]
#[test]
fn path_names_work_end_to_end() {
    let _watchdog = watchdog("path_names_work_end_to_end", LIMIT);
    let dir = util::TempDir::new("cli-path");
    let path = dir.path().join("tool.sock");
    let path = path.to_str().unwrap();
    let mut listener = start_listener(&["--path", "--echo", path]);
    let output = connect(&["--path", path], b"over a file\n");
    assert_eq!(output.stdout, b"over a file\n");
    listener.wait().unwrap();
    assert!(
        !std::path::Path::new(path).exists(),
        "the socket file is removed"
    );
}

#[test]
fn names_shows_what_a_name_resolves_to() {
    let _watchdog = watchdog("names_shows_what_a_name_resolves_to", LIMIT);
    let output = localipc().args(["names", "app.sock"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let expected = if cfg!(windows) {
        r"\\.\pipe\app.sock"
    } else if cfg!(any(target_os = "linux", target_os = "android")) {
        "@app.sock"
    } else {
        "app.sock"
    };
    assert!(text.contains(expected), "{text}");
}

#[test]
fn a_missing_listener_is_one_line_and_exit_1() {
    let _watchdog = watchdog("a_missing_listener_is_one_line_and_exit_1", LIMIT);
    let output = connect(&[&unique("nobody")], b"");
    assert_one_line_error(&output, 1, "no listener");
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
}

#[test]
fn a_taken_name_is_one_line_and_exit_1() {
    let name_ = "a_taken_name_is_one_line_and_exit_1";
    let _watchdog = watchdog(name_, LIMIT);
    let name = unique("taken");
    let mut first = start_listener(&[&name]);
    let mut second = localipc()
        .args(["listen", &name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The second listener must fail at once; if it binds, it waits for a client.
    let started = std::time::Instant::now();
    while second.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    if second.try_wait().unwrap().is_none() {
        second.kill().unwrap();
        second.wait().unwrap();
        if util::is_wine() {
            util::skip(
                name_,
                "Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server gets the name",
            );
            return;
        }
        panic!("a second listener on a taken name did not fail");
    }
    let output = second.wait_with_output().unwrap();
    assert_one_line_error(&output, 1, "another listener is active");
}

#[cfg(unix)]
#[test]
fn a_second_listen_on_a_live_path_leaves_the_first_serving() {
    let _watchdog = watchdog(
        "a_second_listen_on_a_live_path_leaves_the_first_serving",
        LIMIT,
    );
    let dir = util::TempDir::new("cli-phantom");
    let path = dir.path().join("tool.sock");
    let path = path.to_str().unwrap();
    let mut first = start_listener(&["--path", path]);
    for _ in 0..3 {
        let second = localipc()
            .args(["listen", "--path", path])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_one_line_error(&second, 1, "another listener is active");
    }
    // The first one saw no client: it still waits, and serves the next.
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first listener left"
    );
    let mut first_stdin = first.stdin.take().unwrap();
    first_stdin.write_all(b"still here\n").unwrap();
    drop(first_stdin);
    let output = connect(&["--path", path], b"");
    assert_eq!(output.stdout, b"still here\n");
    assert!(first.wait().unwrap().success());
}

/// Runs `command` as `nobody` (uid and gid 65534), if this is root; else
/// prints a skip line and returns false.
#[cfg(unix)]
fn as_nobody(test: &str, command: &mut Command) -> bool {
    use std::os::unix::process::CommandExt;
    if !rustix::process::geteuid().is_root() {
        util::skip(test, "needs root to run a process as another user");
        return false;
    }
    command.uid(65534).gid(65534);
    true
}

#[cfg(target_os = "linux")]
#[test]
fn listen_reports_refused_clients_and_serves_the_next() {
    let test = "listen_reports_refused_clients_and_serves_the_next";
    let _watchdog = watchdog(test, LIMIT);
    let name = unique("refusing");
    let mut listener = localipc()
        .args(["listen", &name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("listening on"), "{line:?}");
    let mut other = localipc();
    other.args(["connect", "--expect-server", "any-user", &name]);
    if !as_nobody(test, &mut other) {
        listener.kill().unwrap();
        listener.wait().unwrap();
        return;
    }
    let output = other.stdin(Stdio::null()).output().unwrap();
    assert!(output.stdout.is_empty(), "the refused client got data");
    line.clear();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("refused a client (uid 65534"), "{line:?}");
    assert!(listener.try_wait().unwrap().is_none(), "the listener left");
    let mut listener_stdin = listener.stdin.take().unwrap();
    listener_stdin.write_all(b"for this user\n").unwrap();
    drop(listener_stdin);
    let output = connect(&[&name], b"");
    assert_eq!(output.stdout, b"for this user\n");
    assert!(listener.wait().unwrap().success());
}

#[cfg(unix)]
#[test]
fn connect_refuses_a_server_of_another_user_unless_told_to_expect_it() {
    let test = "connect_refuses_a_server_of_another_user_unless_told_to_expect_it";
    let _watchdog = watchdog(test, LIMIT);
    let dir = util::TempDir::new("cli-squat");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let path = dir.path().join("tool.sock");
    let path = path.to_str().unwrap();
    let mut squatter = localipc();
    squatter
        .args([
            "listen", "--keep", "--echo", "--access", "any-user", "--path", path,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if !as_nobody(test, &mut squatter) {
        return;
    }
    let mut squatter = squatter.spawn().unwrap();
    let mut stderr = BufReader::new(squatter.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("listening on"), "{line:?}");
    let refused = connect(&["--path", path], b"secret\n");
    assert_one_line_error(&refused, 1, "runs as uid 65534");
    let expected = connect(
        &["--expect-server", "user:65534", "--path", path],
        b"hello\n",
    );
    assert_eq!(
        expected.stdout,
        b"hello\n",
        "{}",
        String::from_utf8_lossy(&expected.stderr)
    );
    squatter.kill().unwrap();
    squatter.wait().unwrap();
}

#[test]
fn bad_access_options_are_usage_or_lookup_errors() {
    let _watchdog = watchdog("bad_access_options_are_usage_or_lookup_errors", LIMIT);
    let name = unique("bad-access");
    for (args, code, needle) in [
        (
            vec!["listen", "--access", "everybody", &name],
            2,
            "--access takes",
        ),
        (vec!["listen", "--access"], 2, "needs a value"),
        (
            vec!["connect", "--expect-server", "root", &name],
            2,
            "--expect-server takes",
        ),
        (
            vec!["listen", "--access", "group:localipc-no-such-group", &name],
            1,
            "no group named",
        ),
        (
            vec![
                "connect",
                "--expect-server=user:localipc-no-such-user",
                &name,
            ],
            1,
            "no user named",
        ),
    ] {
        let output = localipc()
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn a_bad_name_is_one_line_and_exit_1() {
    let _watchdog = watchdog("a_bad_name_is_one_line_and_exit_1", LIMIT);
    let output = localipc().args(["connect", "a/b"]).output().unwrap();
    assert_one_line_error(&output, 1, "--path");
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    let output = localipc()
        .args(["listen", &"x".repeat(300)])
        .output()
        .unwrap();
    assert_one_line_error(&output, 1, "at most");
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let _watchdog = watchdog("usage_errors_exit_2_with_a_hint", LIMIT);
    for args in [
        &[][..],
        &["frob"],
        &["listen"],
        &["connect", "--frob", "x"],
        &["bench", "extra"],
    ] {
        let output = localipc().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--help"), "{args:?}: {stderr}");
    }
    let help = localipc().arg("--help").output().unwrap();
    assert!(
        help.status.success() && String::from_utf8_lossy(&help.stdout).contains("localipc bench")
    );
}

#[test]
fn bench_quick_json_covers_every_primitive() {
    let _watchdog = watchdog(
        "bench_quick_json_covers_every_primitive",
        Duration::from_secs(300),
    );
    let output = localipc()
        .args(["bench", "--quick", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: &[&str] = if cfg!(windows) {
        &[
            "local socket, namespaced",
            "local socket, path",
            "unnamed pipe",
            "named pipe, byte mode",
            "named pipe, message mode",
        ]
    } else {
        &[
            "local socket, namespaced",
            "local socket, path",
            "unnamed pipe",
            "FIFO",
        ]
    };
    for primitive in expected {
        assert!(
            stdout.contains(&format!("\"name\": \"{primitive}\"")),
            "{primitive} missing: {stdout}"
        );
    }
    // Two throughput figures per primitive, each with every round's value.
    assert_eq!(
        stdout.matches("\"per_round_mib_per_s\"").count(),
        2 * expected.len()
    );
    // A figure that is not a number is written as null.
    assert!(
        !stdout.contains("_s\": null") && !stdout.contains("_us\": null"),
        "{stdout}"
    );
}
