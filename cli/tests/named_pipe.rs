//! `localipc named-pipe listen|connect` (Windows), run as a real program,
//! with the library's own named-pipe client and server on the other end
//! where the test must see message boundaries.
#![cfg(windows)]

mod common;

#[allow(unused_imports, reason = "where processes are started")]
use localipc_test_support::Spawn as _;

use std::io::Write;
use std::process::Stdio;

use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode};
use localipc_test_support::{unique_name as unique, watchdog};

use common::{LIMIT, assert_one_line_error, localipc, run, start_listening};

fn pipe_path(name: &str) -> String {
    format!(r"\\.\pipe\{name}")
}

#[test]
fn byte_mode_relays_both_ways() {
    let _watchdog = watchdog("byte_mode_relays_both_ways", LIMIT);
    let name = unique("np-bytes");
    // The full path and the bare name reach the same pipe.
    common::assert_relays_both_ways(
        &["named-pipe", "listen", &name],
        &["named-pipe", "connect", &pipe_path(&name)],
    );
}

#[test]
fn message_mode_listener_sends_lines_as_messages_and_prints_messages_as_lines() {
    let _watchdog = watchdog(
        "message_mode_listener_sends_lines_as_messages_and_prints_messages_as_lines",
        LIMIT,
    );
    let name = unique("np-messages");
    let mut listener = start_listening(&["named-pipe", "listen", "--pipe-mode", "message", &name]);
    let mut server_stdin = listener.stdin.take().unwrap();
    server_stdin.write_all(b"first\r\n\nthird one\n").unwrap();
    drop(server_stdin);
    let client = ConnectOptions::new(pipe_path(&name)).connect().unwrap();
    assert!(client.is_message_mode());
    for expected in [&b"first"[..], b"", b"third one"] {
        assert_eq!(client.recv().unwrap().as_deref(), Some(expected));
    }
    client.send(b"a message\nwith a line break").unwrap();
    client.send(b"another").unwrap();
    drop(client);
    let server = listener.wait_with_output().unwrap();
    assert!(server.status.success());
    assert_eq!(server.stdout, b"a message\nwith a line break\nanother\n");
}

#[test]
fn message_mode_echo_keeps_message_boundaries() {
    let _watchdog = watchdog("message_mode_echo_keeps_message_boundaries", LIMIT);
    let name = unique("np-echo");
    let mut listener = start_listening(&[
        "named-pipe",
        "listen",
        "--pipe-mode",
        "message",
        "--echo",
        &name,
    ]);
    let client = ConnectOptions::new(pipe_path(&name)).connect().unwrap();
    for message in [&b"one"[..], b"", b"three\nlines\n"] {
        client.send(message).unwrap();
        assert_eq!(client.recv().unwrap().as_deref(), Some(message));
    }
    drop(client);
    assert!(listener.wait().unwrap().success());
}

#[test]
fn message_mode_connect_follows_the_servers_mode() {
    let _watchdog = watchdog("message_mode_connect_follows_the_servers_mode", LIMIT);
    let path = pipe_path(&unique("np-client"));
    let listener = ListenerOptions::new(&path)
        .mode(PipeMode::Messages)
        .create()
        .unwrap();
    let client = std::thread::spawn({
        let path = path.clone();
        move || run(&["named-pipe", "connect", &path], b"alpha\nbeta\n")
    });
    let server = listener.accept().unwrap();
    assert_eq!(server.recv().unwrap().as_deref(), Some(&b"alpha"[..]));
    assert_eq!(server.recv().unwrap().as_deref(), Some(&b"beta"[..]));
    server.send(b"gamma").unwrap();
    server.send(b"delta").unwrap();
    drop(server);
    let client = client.join().unwrap();
    assert!(client.status.success(), "{client:?}");
    assert_eq!(client.stdout, b"gamma\ndelta\n");
}

/// With one instance, a second client finds the pipe busy while the first
/// is served: it waits, and gives up after its timeout.
#[test]
fn the_instance_limit_makes_other_clients_wait() {
    let _watchdog = watchdog("the_instance_limit_makes_other_clients_wait", LIMIT);
    let name = unique("np-instances");
    let mut listener = start_listening(&[
        "named-pipe",
        "listen",
        "--instances",
        "1",
        "--keep",
        "--echo",
        &name,
    ]);
    // The first client is being served once its echo comes back.
    let mut first = localipc()
        .args(["named-pipe", "connect", &name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_child()
        .unwrap();
    let mut first_stdin = first.stdin.take().unwrap();
    first_stdin.write_all(b"hold\n").unwrap();
    let mut echo = [0; 5];
    std::io::Read::read_exact(first.stdout.as_mut().unwrap(), &mut echo).unwrap();
    assert_eq!(&echo, b"hold\n");
    let second = run(&["named-pipe", "connect", "--timeout", "300", &name], b"x");
    assert_one_line_error(&second, 1, "timed out waiting for a free instance");
    // Once the first leaves, the next client is served.
    drop(first_stdin);
    assert!(first.wait().unwrap().success());
    let third = run(&["named-pipe", "connect", &name], b"next\n");
    assert!(third.status.success(), "{third:?}");
    assert_eq!(third.stdout, b"next\n");
    listener.kill().unwrap();
    listener.wait().unwrap();
}

#[test]
fn connecting_to_no_pipe_is_one_line_and_exit_1() {
    let _watchdog = watchdog("connecting_to_no_pipe_is_one_line_and_exit_1", LIMIT);
    let output = run(&["named-pipe", "connect", &unique("np-nobody")], b"");
    assert_one_line_error(&output, 1, "no listener on the pipe");
}

#[test]
fn bad_instance_limits_are_usage_errors() {
    let _watchdog = watchdog("bad_instance_limits_are_usage_errors", LIMIT);
    for limit in ["0", "255", "many"] {
        common::assert_usage_error(
            &run(&["named-pipe", "listen", "--instances", limit, "x"], b""),
            &format!("invalid value '{limit}' for '--instances <N>'"),
        );
    }
}
