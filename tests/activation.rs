//! Socket activation (`os::unix::activation`), with real processes: each
//! test runs itself again as a child that a shell started the way systemd
//! starts a service, the socket as descriptor 3 and `LISTEN_PID` its own
//! pid, and the child takes it and says what it found.
//!
//! (Tests of the real `systemd-socket-activate` are the tool's:
//! `cli/tests/activated.rs`.)
#![cfg(unix)]

mod util;

use util::Spawn as _;

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use localipc::local_socket::{Access, Listener, Name, Stream};
use localipc::os::unix::activation::{self, ActivatedSocket};
use localipc::os::unix::local_socket::StreamExt as _;
use util::names::{name_for_child, name_from_parent, path_name};
use util::{assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

/// The shell that starts the test binary as systemd would: its standard
/// input (the socket) as descriptor 3, and `LISTEN_PID` set to its own pid
/// (the shell's, which `exec` keeps) unless `LOCALIPC_TEST_LISTEN_PID`
/// says `unset` or another pid. `LISTEN_FDS` and `LISTEN_FDNAMES` come from
/// the environment the test gives.
const SYSTEMD_LIKE: &str = r#"exec 3<&0 0</dev/null
case "$LOCALIPC_TEST_LISTEN_PID" in
  unset) ;;
  "") LISTEN_PID=$$; export LISTEN_PID ;;
  *) LISTEN_PID=$LOCALIPC_TEST_LISTEN_PID; export LISTEN_PID ;;
esac
exec "$0" "$@""#;

const VARIABLES: [&str; 3] = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"];

/// The command that runs this binary's test `test` as a child with
/// `socket` as descriptor 3 and `LISTEN_FDS=1`, through [`SYSTEMD_LIKE`].
fn activated_child(test: &str, socket: impl Into<OwnedFd>) -> Command {
    let child = child_command(test);
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(SYSTEMD_LIKE)
        .arg(child.get_program())
        .args(child.get_args())
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_FDNAMES")
        .stdin(Stdio::from(socket.into()))
        .stdout(Stdio::null());
    for (key, value) in child.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
}

/// Starts `command`, an activated child that serves on `name` (which it
/// is told), and drops the command, so that the socket is the child's
/// alone.
fn serving_child(mut command: Command, name: &Name) -> std::process::Child {
    name_for_child(&mut command, name);
    command.spawn_child().unwrap()
}

/// Runs `command` to its end.
fn run(mut command: Command) -> ExitStatus {
    command.status_child().unwrap()
}

/// Takes what this process was passed (the child's first step).
fn take() -> std::io::Result<Vec<ActivatedSocket>> {
    // SAFETY: the child runs one test on one thread, which has not started
    // any other yet; nothing else here knows descriptor 3.
    unsafe { activation::take() }
}

/// Takes exactly one socket.
fn take_one() -> ActivatedSocket {
    let mut sockets = take().unwrap();
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    sockets.pop().unwrap()
}

fn assert_variables_unset() {
    for variable in VARIABLES {
        assert_eq!(
            std::env::var_os(variable),
            None,
            "{variable} is still set after take"
        );
    }
}

/// The flags of descriptor 3, or `None` if it is not open.
fn descriptor_3_flags() -> Option<rustix::io::FdFlags> {
    // SAFETY: borrowed for one fcntl, which only reads its flags (and fails
    // with EBADF if it is closed).
    let fd = unsafe { BorrowedFd::borrow_raw(3) };
    rustix::io::fcntl_getfd(fd).ok()
}

/// Accepts one client and sends back what it sends until it closes.
fn echo_one(listener: &Listener) {
    let mut stream = listener.accept().unwrap();
    let mut buf = [0; 64];
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            return;
        }
        stream.write_all(&buf[..n]).unwrap();
    }
}

/// Sends `ping` to `name` and returns what comes back before the end.
fn ping(name: &Name) -> Vec<u8> {
    let mut stream = Stream::connect(name).unwrap();
    stream.write_all(b"ping").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    reply
}

// --- Serving ------------------------------------------------------------------

#[test]
fn a_path_stream_socket_is_served_and_its_file_left() {
    let test = "a_path_stream_socket_is_served_and_its_file_left";
    if is_child() {
        let socket = take_one();
        assert_eq!(socket.name(), "web");
        assert_eq!(socket.address(), Some(name_from_parent()));
        let listener = socket.into_listener(Access::current_user()).unwrap();
        assert_eq!(listener.name(), Some(&name_from_parent()));
        echo_one(&listener);
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let path = path_name("activated-path");
    let path_on_disk = path.name.fs_path().unwrap().to_owned();
    let socket = UnixListener::bind(&path_on_disk).unwrap();
    let mut command = activated_child(test, socket);
    command.env("LISTEN_FDNAMES", "web");
    let mut child = serving_child(command, &path.name);
    assert_eq!(ping(&path.name), b"ping");
    assert_success(child.wait().unwrap(), "the activated child");
    // The socket file is the manager's: the listener leaves it.
    assert!(
        path_on_disk.exists(),
        "the listener removed the socket file"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn an_abstract_stream_socket_is_served() {
    let test = "an_abstract_stream_socket_is_served";
    if is_child() {
        let socket = take_one();
        assert_eq!(socket.name(), "unknown");
        let name = name_from_parent();
        assert!(name.is_namespaced());
        assert_eq!(socket.address(), Some(name));
        let listener = socket.into_listener(Access::current_user()).unwrap();
        echo_one(&listener);
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let name = util::names::namespaced("activated-abstract");
    let socket = abstract_socket(&name, rustix::net::SocketType::STREAM);
    let mut child = serving_child(activated_child(test, socket), &name);
    assert_eq!(ping(&name), b"ping");
    assert_success(child.wait().unwrap(), "the activated child");
}

#[cfg(target_os = "linux")]
#[test]
fn a_seqpacket_socket_becomes_a_message_listener() {
    use localipc::local_socket::MessageSocket;
    let test = "a_seqpacket_socket_becomes_a_message_listener";
    if is_child() {
        let socket = take_one();
        assert_eq!(socket.address(), Some(name_from_parent()));
        let listener = socket
            .into_message_listener(Access::current_user())
            .unwrap();
        let socket = listener.accept().unwrap();
        let mut buf = [0; 64];
        let n = socket.recv(&mut buf).unwrap();
        socket.send(&buf[..n]).unwrap();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let name = util::names::namespaced("activated-seqpacket");
    let socket = abstract_socket(&name, rustix::net::SocketType::SEQPACKET);
    let mut child = serving_child(activated_child(test, socket), &name);
    let client = MessageSocket::connect(&name).unwrap();
    client.send(b"one message").unwrap();
    let mut buf = [0; 64];
    let n = client.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one message");
    assert_success(child.wait().unwrap(), "the activated child");
}

/// A listening socket of `kind` on the abstract name `name`, as systemd
/// makes one for `ListenStream=@name` or `ListenSequentialPacket=@name`.
#[cfg(target_os = "linux")]
fn abstract_socket(name: &Name, kind: rustix::net::SocketType) -> OwnedFd {
    let abstract_name = name.to_string();
    let abstract_name = abstract_name.strip_prefix('@').unwrap();
    // Close-on-exec, as children other tests start meanwhile must not
    // inherit it (they would see it as their descriptor 4 or up).
    let socket = rustix::net::socket_with(
        rustix::net::AddressFamily::UNIX,
        kind,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    let address = rustix::net::SocketAddrUnix::new_abstract_name(abstract_name.as_bytes()).unwrap();
    rustix::net::bind(&socket, &address).unwrap();
    rustix::net::listen(&socket, 16).unwrap();
    socket
}

// --- Refusing what is not a listener of the right kind -------------------------

/// The child of a refusal test: takes the socket, converts it as
/// `LOCALIPC_TEST_AS` says (`listener` or `messages`) and checks that the
/// error is `InvalidInput` and contains `LOCALIPC_TEST_EXPECT`.
fn expect_refusal() {
    let socket = take_one();
    let expected = std::env::var("LOCALIPC_TEST_EXPECT").unwrap();
    let error = match std::env::var("LOCALIPC_TEST_AS").unwrap().as_str() {
        "listener" => socket.into_listener(Access::current_user()).unwrap_err(),
        #[cfg(target_os = "linux")]
        "messages" => socket
            .into_message_listener(Access::current_user())
            .unwrap_err(),
        other => panic!("unknown conversion {other}"),
    };
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    let message = error.to_string();
    assert!(
        message.starts_with("activated socket 3 (`unknown`) is "),
        "{message}"
    );
    assert!(message.contains(&expected), "{message}");
}

fn assert_refused(test: &str, socket: impl Into<OwnedFd>, conversion: &str, expected: &str) {
    let _watchdog = watchdog(test, LIMIT);
    let mut command = activated_child(test, socket);
    command
        .env("LOCALIPC_TEST_AS", conversion)
        .env("LOCALIPC_TEST_EXPECT", expected);
    assert_success(run(command), "the activated child");
}

#[test]
fn a_datagram_socket_is_no_listener() {
    let test = "a_datagram_socket_is_no_listener";
    if is_child() {
        return expect_refusal();
    }
    let (socket, _peer) = UnixDatagram::pair().unwrap();
    assert_refused(
        test,
        socket,
        "listener",
        "a datagram (SOCK_DGRAM) socket; a Listener needs a listening Unix stream socket",
    );
}

#[test]
fn a_pipe_is_no_listener() {
    let test = "a_pipe_is_no_listener";
    if is_child() {
        return expect_refusal();
    }
    let (_sender, receiver) = localipc::pipe::pipe().unwrap();
    assert_refused(test, receiver, "listener", "a pipe or FIFO, not a socket");
}

// Apple systems do not answer SO_ACCEPTCONN: there the first accept fails.
#[cfg(not(target_vendor = "apple"))]
#[test]
fn a_connected_stream_socket_is_no_listener() {
    let test = "a_connected_stream_socket_is_no_listener";
    if is_child() {
        return expect_refusal();
    }
    let (socket, _peer) = UnixStream::pair().unwrap();
    assert_refused(test, socket, "listener", "socket that is not listening");
}

#[cfg(target_os = "linux")]
#[test]
fn a_stream_socket_is_no_message_listener() {
    let test = "a_stream_socket_is_no_message_listener";
    if is_child() {
        return expect_refusal();
    }
    let path = path_name("activated-not-messages");
    let socket = UnixListener::bind(path.name.fs_path().unwrap()).unwrap();
    assert_refused(
        test,
        socket,
        "messages",
        "a stream (SOCK_STREAM) socket; a MessageListener needs",
    );
}

// --- The variables ---------------------------------------------------------------

/// The child of the tests where nothing is this process's: takes nothing,
/// unsets the variables, and leaves descriptor 3 as it was (open, and
/// inherited by children).
fn expect_nothing_taken() {
    assert!(take().unwrap().is_empty());
    assert_variables_unset();
    let flags = descriptor_3_flags().expect("descriptor 3 was closed");
    assert!(
        !flags.contains(rustix::io::FdFlags::CLOEXEC),
        "descriptor 3 was made close-on-exec"
    );
}

#[test]
fn another_process_s_sockets_are_left_alone() {
    let test = "another_process_s_sockets_are_left_alone";
    if is_child() {
        return expect_nothing_taken();
    }
    let _watchdog = watchdog(test, LIMIT);
    let (socket, _peer) = UnixStream::pair().unwrap();
    let mut command = activated_child(test, socket);
    command.env("LOCALIPC_TEST_LISTEN_PID", "1");
    assert_success(run(command), "the child");
}

#[test]
fn without_the_variables_nothing_is_taken() {
    let test = "without_the_variables_nothing_is_taken";
    if is_child() {
        return expect_nothing_taken();
    }
    let _watchdog = watchdog(test, LIMIT);
    let (socket, _peer) = UnixStream::pair().unwrap();
    let mut command = activated_child(test, socket);
    command
        .env("LOCALIPC_TEST_LISTEN_PID", "unset")
        .env_remove("LISTEN_FDS");
    assert_success(run(command), "the child");
}

#[test]
fn malformed_variables_are_invalid_input() {
    let test = "malformed_variables_are_invalid_input";
    if is_child() {
        let error = take().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        let expected = std::env::var("LOCALIPC_TEST_EXPECT").unwrap();
        assert!(error.to_string().contains(&expected), "{error}");
        assert_variables_unset();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    for (fds, names, expected) in [
        ("one", None, "LISTEN_FDS is \"one\""),
        ("1", Some("a:b"), "LISTEN_FDNAMES names 2 descriptors"),
        // Descriptor 4 is not open in the child.
        ("2", None, "descriptor 4, but it is not open"),
        // A count of two billion: an error at the first closed descriptor,
        // not an allocation of two billion names.
        ("2000000000", None, "descriptor 4, but it is not open"),
    ] {
        let (socket, _peer) = UnixStream::pair().unwrap();
        let mut command = activated_child(test, socket);
        command
            .env("LISTEN_FDS", fds)
            .env("LOCALIPC_TEST_EXPECT", expected);
        if let Some(names) = names {
            command.env("LISTEN_FDNAMES", names);
        }
        assert_success(run(command), expected);
    }
}

#[test]
fn children_inherit_neither_the_variables_nor_the_sockets() {
    let test = "children_inherit_neither_the_variables_nor_the_sockets";
    if is_child() {
        let socket = take_one();
        assert_variables_unset();
        let flags = descriptor_3_flags().expect("descriptor 3 is open");
        assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
        // A grandchild: no variable set, and no descriptor 3.
        let status = Command::new("sh")
            .arg("-c")
            .arg(
                r#"[ -z "${LISTEN_PID+x}${LISTEN_FDS+x}${LISTEN_FDNAMES+x}" ] || exit 3
                if (: <&3) 2>/dev/null; then exit 4; fi"#,
            )
            .status()
            .unwrap();
        assert_eq!(
            status.code(),
            Some(0),
            "the grandchild saw what it should not"
        );
        drop(socket);
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let (socket, _peer) = UnixStream::pair().unwrap();
    assert_success(run(activated_child(test, socket)), "the child");
}

// --- The access policy --------------------------------------------------------------

/// The user a refused client runs as: `nobody` on Linux.
#[cfg(target_os = "linux")]
const NOBODY: u32 = 65534;

/// Exit codes of the client as `nobody`: what it saw.
#[cfg(target_os = "linux")]
const GOT_ECHO: i32 = 22;
#[cfg(target_os = "linux")]
const TOLD_REFUSED: i32 = 23;

/// A client as another user: connects to the name (any server will do),
/// sends `ping` and says with its exit code whether it came back.
#[cfg(target_os = "linux")]
fn nobody_client() {
    use localipc::local_socket::{ConnectOptions, ExpectedServer};
    let name = name_from_parent();
    let mut options = ConnectOptions::new(&name);
    options.expected_server(ExpectedServer::any_user());
    let mut stream = options.connect().unwrap();
    let _ = stream.write_all(b"ping");
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut reply = Vec::new();
    match stream.read_to_end(&mut reply) {
        Ok(_) if reply == b"ping" => std::process::exit(GOT_ECHO),
        Err(error) if error.kind() == ErrorKind::PermissionDenied => {
            std::process::exit(TOLD_REFUSED)
        }
        other => panic!("unexpected: {other:?} {reply:?}"),
    }
}

/// The server of the access tests: serves one client under the policy
/// `LOCALIPC_TEST_ACCESS` names.
#[cfg(target_os = "linux")]
fn policy_server() {
    let access = match std::env::var("LOCALIPC_TEST_ACCESS").unwrap().as_str() {
        "any-user" => Access::any_user(),
        _ => Access::current_user(),
    };
    let listener = take_one().into_listener(access).unwrap();
    echo_one(&listener);
}

#[cfg(target_os = "linux")]
#[test]
fn the_access_policy_is_checked_at_accept() {
    use std::os::unix::process::CommandExt;
    let test = "the_access_policy_is_checked_at_accept";
    if is_child() {
        match std::env::var("LOCALIPC_TEST_ROLE").as_deref() {
            Ok("client") => nobody_client(),
            _ => policy_server(),
        }
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    if !rustix::process::geteuid().is_root() {
        util::skip(test, "needs root to run a client as another user");
        return;
    }
    for (access, nobody_sees) in [("current-user", TOLD_REFUSED), ("any-user", GOT_ECHO)] {
        // An abstract name: no file mode keeps anyone out, only the check.
        let name = util::names::namespaced("activated-access");
        let socket = abstract_socket(&name, rustix::net::SocketType::STREAM);
        let mut server = activated_child(test, socket);
        server.env("LOCALIPC_TEST_ACCESS", access);
        let mut server = serving_child(server, &name);
        let mut client = child_command(test);
        client
            .env("LOCALIPC_TEST_ROLE", "client")
            .uid(NOBODY)
            .gid(NOBODY);
        name_for_child(&mut client, &name);
        let status = run(client);
        assert_eq!(status.code(), Some(nobody_sees), "{access}: {status}");
        if nobody_sees == TOLD_REFUSED {
            // The server goes on waiting, for this user.
            assert_eq!(ping(&name), b"ping", "{access}");
        }
        assert_success(server.wait().unwrap(), access);
    }
}

#[test]
fn a_socket_can_be_taken_as_a_descriptor() {
    let test = "a_socket_can_be_taken_as_a_descriptor";
    if is_child() {
        let socket = take_one();
        let raw = std::os::fd::AsRawFd::as_raw_fd(&socket.as_fd());
        assert_eq!(raw, 3);
        let fd = OwnedFd::from(socket);
        let datagram = UnixDatagram::from(fd);
        datagram.send(b"datagram").unwrap();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let (socket, peer) = UnixDatagram::pair().unwrap();
    assert_success(run(activated_child(test, socket)), "the child");
    let mut buf = [0; 16];
    let n = peer.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"datagram");
}
