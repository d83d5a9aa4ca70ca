//! Who wrote what (Linux, Android): peer credentials across pid
//! namespaces, and the writer's credentials with each receive
//! (`SCM_CREDENTIALS`), through the public API and real processes.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use localipc::local_socket::{
    Access, Listener, ListenerOptions, PeerCredentials, ResourceStream, Stream,
};
use localipc::os::unix::local_socket::ResourceStreamExt;
use localipc::resource::AsResource;
use util::names::{name_for_child, name_from_parent, namespaced};
use util::{assert_success, child_command, is_child, skip, watchdog};

const LIMIT: Duration = Duration::from_secs(60);
const NOBODY: u32 = 65534;

fn my_pid() -> Option<u32> {
    Some(std::process::id())
}

fn my_uid() -> Option<u32> {
    Some(rustix::process::geteuid().as_raw())
}

/// A connected (client, server) pair of plain streams in this process.
fn stream_pair(label: &str) -> (Stream, Stream) {
    let name = namespaced(label);
    let listener = Listener::bind(&name).unwrap();
    let client = Stream::connect(&name).unwrap();
    (client, listener.accept().unwrap())
}

/// One receive with credentials, expecting exactly `expected` bytes.
fn recv_message(stream: &ResourceStream, expected: &[u8]) -> Option<PeerCredentials> {
    let mut buf = vec![0; expected.len() + 16];
    let mut resources = Vec::new();
    let (n, credentials) = stream
        .recv_with_credentials(&mut buf, &mut resources)
        .unwrap();
    assert_eq!(&buf[..n], expected);
    assert!(resources.is_empty());
    credentials
}

#[test]
fn credentials_come_with_receives_once_asked_for_and_not_before() {
    let _watchdog = watchdog(
        "credentials_come_with_receives_once_asked_for_and_not_before",
        LIMIT,
    );
    let (client, server) = stream_pair("creds-asked");
    let server = ResourceStream::new(server).unwrap();
    let client = ResourceStream::new(client).unwrap();
    assert!(!server.pass_credentials().unwrap());

    (&client).write_all(b"before").unwrap();
    assert_eq!(recv_message(&server, b"before"), None);

    server.set_pass_credentials(true).unwrap();
    assert!(server.pass_credentials().unwrap());
    (&client).write_all(b"after").unwrap();
    let credentials = recv_message(&server, b"after").expect("credentials once asked for");
    assert_eq!(credentials.pid, my_pid());
    assert_eq!(credentials.uid, my_uid());
    assert_eq!(credentials.gid, Some(rustix::process::getegid().as_raw()));

    // Resources and credentials arrive together, each in full.
    let (sender, receiver) = localipc::pipe::pipe().unwrap();
    client
        .send_with(b"with a pipe end", &[receiver.as_resource()])
        .unwrap();
    let mut buf = [0; 15];
    let mut resources = Vec::new();
    let (n, credentials) = server
        .recv_with_credentials(&mut buf, &mut resources)
        .unwrap();
    assert_eq!(&buf[..n], b"with a pipe end");
    assert_eq!(resources.len(), 1);
    assert_eq!(credentials.and_then(|c| c.pid), my_pid());
    let mut passed = localipc::pipe::Receiver::from(resources.pop().unwrap());
    drop(receiver);
    (&sender).write_all(b"!").unwrap();
    let mut byte = [0];
    passed.read_exact(&mut byte).unwrap();

    // A plain read, and `recv_with`, still work with credentials on: the
    // credentials are dropped, not mistaken for lost resources.
    (&client).write_all(b"plain").unwrap();
    let mut plain = [0; 5];
    (&server).read_exact(&mut plain).unwrap();
    assert_eq!(&plain, b"plain");
    (&client).write_all(b"with").unwrap();
    let mut with = [0; 4];
    let n = server.recv_with(&mut with, &mut resources).unwrap();
    assert_eq!(&with[..n], &b"with"[..n]);

    server.set_pass_credentials(false).unwrap();
    let mut rest = vec![0; 4 - n];
    (&server).read_exact(&mut rest).unwrap();
    (&client).write_all(b"off").unwrap();
    assert_eq!(recv_message(&server, b"off"), None);
}

// --- The writer, not the connector -------------------------------------------

fn writer_role() {
    let control = ResourceStream::new(Stream::connect(&name_from_parent()).unwrap()).unwrap();
    let mut buf = [0; 1];
    let mut resources = Vec::new();
    let n = control.recv_with(&mut buf, &mut resources).unwrap();
    assert_eq!(n, 1);
    assert_eq!(resources.len(), 1, "the parent's stream");
    let stream = Stream::from(resources.pop().unwrap());
    (&stream).write_all(b"from the child").unwrap();
    // Stay until the parent has read it, so its pid still names us.
    let mut end = [0; 1];
    let _ = (&control).read(&mut end);
}

#[test]
fn credentials_name_the_process_that_wrote_the_bytes() {
    let test = "credentials_name_the_process_that_wrote_the_bytes";
    if is_child() {
        let _watchdog = watchdog("the writing child", LIMIT);
        writer_role();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let as_root = rustix::process::geteuid().is_root();
    if !as_root {
        skip(
            test,
            "the writer runs as this user, not as another one (that needs root)",
        );
    }

    // The stream is connected here, by this process...
    let (client, server) = stream_pair("creds-writer");
    let server = ResourceStream::new(server).unwrap();
    server.set_pass_credentials(true).unwrap();
    (&client).write_all(b"from the parent").unwrap();

    // ...then passed to a child (of another user, as root), which writes.
    let control_name = namespaced("creds-control");
    let control = ListenerOptions::new(&control_name)
        .access(Access::any_user())
        .bind()
        .unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &control_name);
    if as_root {
        command.uid(NOBODY).gid(NOBODY);
    }
    let mut child = command.spawn_child().unwrap();
    let to_child = ResourceStream::new(control.accept().unwrap()).unwrap();
    to_child.send_with(b"s", &[client.as_resource()]).unwrap();
    drop(client);

    let connector = server.peer_credentials().unwrap();
    assert_eq!(connector.pid, my_pid());
    assert_eq!(connector.uid, my_uid());

    // Bytes of two writers never come in one receive, and each receive
    // names its own writer.
    let first = recv_message(&server, b"from the parent").unwrap();
    assert_eq!(first.pid, my_pid());
    assert_eq!(first.uid, my_uid());
    let second = recv_message(&server, b"from the child").unwrap();
    assert_eq!(second.pid, Some(child.id()));
    let expected_uid = if as_root { Some(NOBODY) } else { my_uid() };
    assert_eq!(second.uid, expected_uid);
    drop(to_child);
    assert_success(child.wait().unwrap(), "the writing child");
}

// --- Across pid namespaces ----------------------------------------------------

/// In a pid namespace of its own: accepts the parent's connection and
/// checks that the parent, whom it cannot see, has no pid.
fn hidden_parent_role() {
    // Pid 1 of its namespace ignores signals it has no handler for: it
    // must end by itself.
    let _watchdog = watchdog("the child in its own pid namespace", LIMIT);
    let listener = Listener::bind(&name_from_parent()).unwrap();
    let server = ResourceStream::new(listener.accept().unwrap()).unwrap();
    let credentials = server.peer_credentials().unwrap();
    assert_eq!(credentials.pid, None, "{credentials:?}");
    assert_eq!(credentials.uid, Some(0));
    server.set_pass_credentials(true).unwrap();
    (&server).write_all(b"go").unwrap();
    let credentials = recv_message(&server, b"hello").unwrap();
    assert_eq!(credentials.pid, None, "{credentials:?}");
    assert_eq!(credentials.uid, Some(0));
}

#[test]
fn a_peer_in_a_pid_namespace_this_process_cannot_see_has_no_pid() {
    let test = "a_peer_in_a_pid_namespace_this_process_cannot_see_has_no_pid";
    if is_child() {
        hidden_parent_role();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "true"])
        .status_child();
    if !matches!(probe, Ok(status) if status.success()) {
        skip(
            test,
            "cannot make a pid namespace here (needs root and `unshare`)",
        );
        return;
    }
    let name = namespaced("creds-pidns");
    let inner = child_command(test);
    let mut command = Command::new("unshare");
    command
        .args(["--pid", "--fork", "--kill-child"])
        .arg(inner.get_program())
        .args(inner.get_args());
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();

    // The child binds once it runs: try until it listens.
    let deadline = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        match Stream::connect(&name) {
            Ok(stream) => break stream,
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("the child never listened: {error}"),
        }
    };
    // This process sees the child's pid, though the child cannot see ours.
    let seen = stream.peer_credentials().unwrap();
    assert!(seen.pid.is_some_and(|pid| pid > 1), "{seen:?}");
    let mut go = [0; 2];
    (&stream).read_exact(&mut go).unwrap();
    (&stream).write_all(b"hello").unwrap();
    assert_success(child.wait().unwrap(), "the child in its own pid namespace");
}
