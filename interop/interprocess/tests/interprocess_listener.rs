//! A localipc client with the default checks talks to a local-socket
//! listener made by interprocess: same user, so it is accepted (on Windows
//! under Wine, whose pipes made by interprocess have no owner, by the user of
//! the server process), and bytes flow both ways.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

use interprocess::local_socket::traits::Listener as _;
use interprocess::local_socket::{GenericNamespaced, ListenerOptions, ToNsName};
use localipc::local_socket::{Name, Stream};
use localipc_test_support::{unique_name, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

/// Starts an interprocess listener on the namespaced name `name` that
/// answers one client's `ping` with `pong`.
fn interprocess_server(name: &str) -> thread::JoinHandle<()> {
    let listener = ListenerOptions::new()
        .name(name.to_ns_name::<GenericNamespaced>().unwrap())
        .create_sync()
        .unwrap();
    thread::spawn(move || {
        let mut stream = listener.accept().unwrap();
        let mut request = [0; 4];
        stream.read_exact(&mut request).unwrap();
        assert_eq!(&request, b"ping");
        stream.write_all(b"pong").unwrap();
        stream.flush().unwrap();
    })
}

#[test]
fn a_default_localipc_client_talks_to_an_interprocess_listener() {
    let _watchdog = watchdog(
        "a_default_localipc_client_talks_to_an_interprocess_listener",
        LIMIT,
    );
    let name = format!("{}.sock", unique_name("interprocess"));
    let server = interprocess_server(&name);
    let mut stream = Stream::connect(&Name::namespaced(&name).unwrap()).unwrap();
    stream.write_all(b"ping").unwrap();
    let mut reply = [0; 4];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"pong");
    server.join().unwrap();
}

#[cfg(windows)]
#[test]
fn a_named_pipe_client_expecting_this_user_talks_to_an_interprocess_listener() {
    use localipc::local_socket::ExpectedServer;
    use localipc::os::windows::named_pipe::ConnectOptions;

    let _watchdog = watchdog(
        "a_named_pipe_client_expecting_this_user_talks_to_an_interprocess_listener",
        LIMIT,
    );
    let name = unique_name("interprocess-pipe");
    let server = interprocess_server(&name);
    let stream = ConnectOptions::new(format!(r"\\.\pipe\{name}"))
        .expected_server(ExpectedServer::current_user())
        .connect()
        .unwrap();
    (&stream).write_all(b"ping").unwrap();
    let mut reply = [0; 4];
    (&stream).read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"pong");
    server.join().unwrap();
}
