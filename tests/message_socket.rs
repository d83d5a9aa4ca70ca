//! Message local sockets through the public API: boundaries, sizes, the
//! empty-message rule, limits, end of stream, timeouts, and their mixing
//! with streams; between real processes where it matters. Linux and
//! Windows (under Wine).
#![cfg(message_sockets)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{ErrorKind, IoSlice};
use std::time::Duration;

use localipc::local_socket::{
    ConnectOptions, Listener, MessageListener, MessageSocket, MessageTooLong, Stream,
};
use util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
use util::{assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

/// The sizes every boundary test sends: 1 byte to 1 MiB.
const SIZES: [usize; 10] = [
    1,
    2,
    100,
    4095,
    4096,
    65_535,
    65_536,
    100_000,
    212_960,
    1 << 20,
];

/// A message of `len` bytes that says its own length and position.
fn message(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ seed ^ len) as u8)
        .collect()
}

/// A connected (client, server) pair in this process.
fn pair(label: &str) -> (MessageSocket, MessageSocket) {
    let name = namespaced(label);
    let listener = MessageListener::bind(&name).unwrap();
    let client = MessageSocket::connect(&name).unwrap();
    (client, listener.accept().unwrap())
}

fn too_long(error: &std::io::Error) -> MessageTooLong {
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    *error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<MessageTooLong>())
        .unwrap_or_else(|| panic!("not a MessageTooLong: {error}"))
}

// --- Between processes ----------------------------------------------------------

/// Echoes every message back until the end of the stream.
fn echo_role() {
    let socket = MessageSocket::connect(&name_from_parent()).unwrap();
    socket.set_max_message_size(1 << 20).unwrap();
    let mut buf = Vec::new();
    loop {
        let n = socket.recv_to_vec(&mut buf).unwrap();
        if n == 0 {
            return;
        }
        socket.send(&buf).unwrap();
    }
}

#[test]
fn boundaries_are_kept_for_every_size_both_ways_between_processes() {
    let test = "boundaries_are_kept_for_every_size_both_ways_between_processes";
    if is_child() {
        echo_role();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    for (name, _keep) in both_kinds("m-echo") {
        let listener = MessageListener::bind(&name).unwrap();
        let mut command = child_command(test);
        name_for_child(&mut command, &name);
        let mut child = command.spawn_child().unwrap();
        let socket = listener.accept().unwrap();
        socket.set_max_message_size(1 << 20).unwrap();
        // Every size, one at a time and then all queued at once.
        for (seed, &len) in SIZES.iter().enumerate() {
            let sent = message(len, seed);
            socket.send(&sent).unwrap();
            let mut back = vec![0; len];
            assert_eq!(socket.recv(&mut back).unwrap(), len, "{name}: {len}");
            assert_eq!(back, sent, "{name}: {len}");
        }
        // (Sent from a thread of their own: on Windows a message larger
        // than the pipe's buffer waits for the reader.)
        let small: Vec<_> = SIZES[..8].iter().map(|&len| message(len, 99)).collect();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for sent in &small {
                    socket.send(sent).unwrap();
                }
            });
            let mut back = Vec::new();
            for sent in &small {
                assert_eq!(socket.recv_to_vec(&mut back).unwrap(), sent.len());
                assert_eq!(&back, sent);
            }
        });
        drop(socket);
        assert_success(child.wait().unwrap(), "the echoing child");
    }
}

fn killed_role() {
    let socket = MessageSocket::connect(&name_from_parent()).unwrap();
    socket.send(b"last words").unwrap();
    // Wait to be killed.
    let _ = socket.recv(&mut [0; 8]);
    std::thread::sleep(LIMIT);
}

#[test]
fn a_killed_peer_ends_the_stream_after_its_messages_and_breaks_sends() {
    let test = "a_killed_peer_ends_the_stream_after_its_messages_and_breaks_sends";
    if is_child() {
        killed_role();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let name = namespaced("m-killed");
    let listener = MessageListener::bind(&name).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();
    let socket = listener.accept().unwrap();
    let mut buf = [0; 64];
    // Its message arrives before it dies...
    let n = socket.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"last words");
    child.kill().unwrap();
    child.wait().unwrap();
    // ...and after it, the end of the stream, every time.
    assert_eq!(socket.recv(&mut buf).unwrap(), 0);
    assert_eq!(socket.recv(&mut buf).unwrap(), 0);
    assert_eq!(socket.recv_to_vec(&mut Vec::new()).unwrap(), 0);
    let error = socket.send(b"anyone?").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
}

// --- In one process ---------------------------------------------------------------

#[test]
fn a_message_longer_than_the_buffer_stays_queued_whole() {
    let _watchdog = watchdog("a_message_longer_than_the_buffer_stays_queued_whole", LIMIT);
    let (client, server) = pair("m-too-long");
    let sent = message(5000, 1);
    client.send(&sent).unwrap();
    client.send(b"next").unwrap();
    for small in [0, 1, 4999] {
        let error = server.recv(&mut vec![0; small]).unwrap_err();
        let too_long = too_long(&error);
        assert_eq!((too_long.len, too_long.buffer), (5000, small), "{error}");
    }
    let mut buf = vec![0; 5000];
    assert_eq!(server.recv(&mut buf).unwrap(), 5000);
    assert_eq!(buf, sent);
    let mut buf = [0; 4];
    assert_eq!(server.recv(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"next");
}

#[test]
fn a_buffer_of_exactly_the_messages_length_receives_it_and_one_byte_less_does_not() {
    let _watchdog = watchdog(
        "a_buffer_of_exactly_the_messages_length_receives_it_and_one_byte_less_does_not",
        LIMIT,
    );
    let (client, server) = pair("m-exact");
    for (seed, len) in [1, 2, 4096, 65_536].into_iter().enumerate() {
        let sent = message(len, seed);
        // (Sent from a thread of their own: on Windows a message larger
        // than the pipe's buffer waits for the reader.)
        std::thread::scope(|scope| {
            scope.spawn(|| {
                client.send(&sent).unwrap();
                client.send(b"next").unwrap();
            });
            let error = server.recv(&mut vec![0; len - 1]).unwrap_err();
            assert_eq!(too_long(&error).len, len, "{error}");
            let mut buf = vec![0; len];
            assert_eq!(server.recv(&mut buf).unwrap(), len);
            assert_eq!(buf, sent, "{len}");
            let mut buf = [0; 4];
            assert_eq!(server.recv(&mut buf).unwrap(), 4, "{len}");
            assert_eq!(&buf, b"next");
        });
    }
}

#[test]
fn a_message_too_long_for_recv_is_taken_whole_by_recv_to_vec_and_order_is_kept() {
    let _watchdog = watchdog(
        "a_message_too_long_for_recv_is_taken_whole_by_recv_to_vec_and_order_is_kept",
        LIMIT,
    );
    let (client, server) = pair("m-held-vec");
    let sent = message(70_000, 3);
    // (From a thread of its own: on Windows a message larger than the
    // pipe's buffer waits for the reader.)
    std::thread::scope(|scope| {
        scope.spawn(|| {
            client.send(&sent).unwrap();
            client.send(b"second").unwrap();
        });
        let error = server.recv(&mut [0; 100]).unwrap_err();
        assert_eq!(
            (too_long(&error).len, too_long(&error).buffer),
            (70_000, 100)
        );
        // Asked again with a buffer still too small: the same answer.
        let error = server.recv(&mut [0; 69_999]).unwrap_err();
        assert_eq!(too_long(&error).len, 70_000, "{error}");
        let mut got = Vec::new();
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), 70_000);
        assert_eq!(got, sent);
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), 6);
        assert_eq!(got, b"second");
    });
}

#[test]
fn a_nonblocking_receive_after_a_too_long_one_finds_the_message_at_once() {
    let _watchdog = watchdog(
        "a_nonblocking_receive_after_a_too_long_one_finds_the_message_at_once",
        LIMIT,
    );
    let (client, server) = pair("m-held-nb");
    client.send(&message(300, 4)).unwrap();
    // Until it is there.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    server.set_nonblocking(true).unwrap();
    let error = loop {
        match server.recv(&mut [0; 10]) {
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                assert!(std::time::Instant::now() < deadline, "never arrived");
                std::thread::sleep(Duration::from_millis(5));
            }
            other => break other.unwrap_err(),
        }
    };
    assert_eq!(too_long(&error).len, 300, "{error}");
    let mut buf = [0; 300];
    assert_eq!(server.recv(&mut buf).unwrap(), 300);
    assert_eq!(buf[..], message(300, 4)[..]);
    let error = server.recv(&mut buf).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock, "{error}");
}

#[test]
fn buffers_as_large_as_the_limit_or_larger_receive_and_bound_what_is_kept() {
    let _watchdog = watchdog(
        "buffers_as_large_as_the_limit_or_larger_receive_and_bound_what_is_kept",
        LIMIT,
    );
    let (client, server) = pair("m-limit-buffers");
    let limit = server.max_message_size().unwrap();
    client.set_max_message_size(limit * 2).unwrap();
    // (Sent from a thread of their own: on Windows a message larger than
    // the pipe's buffer waits for the reader.)
    // Framed messages (Apple systems) drop a frame over the limit whatever
    // the buffer.
    let framed = cfg!(any(localipc_framed_messages, target_vendor = "apple"));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            client.send(&message(limit, 1)).unwrap();
            if !framed {
                client.send(&message(limit + 1, 2)).unwrap();
            }
            client.send(&message(limit + 1, 3)).unwrap();
            client.send(&message(limit + 1, 4)).unwrap();
            client.send(&message(limit + 1, 5)).unwrap();
            client.send(&message(limit + 1, 6)).unwrap();
            client.send(b"after").unwrap();
        });
        // A buffer of exactly the limit takes a message of the limit.
        let mut buf = vec![0; limit];
        assert_eq!(server.recv(&mut buf).unwrap(), limit);
        assert_eq!(buf, message(limit, 1));
        // One longer than the limit, which the peer allows itself: a
        // buffer that holds it receives it...
        if !framed {
            let mut larger = vec![0; limit + 1];
            assert_eq!(server.recv(&mut larger).unwrap(), limit + 1);
            assert_eq!(larger, message(limit + 1, 2));
        }
        // ...but one that does not is not kept for later: longer than the
        // buffer and the limit, it is dropped, as recv_to_vec drops it.
        let error = server.recv(&mut buf).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        let error = server.recv_to_vec(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        // So do a small buffer and one of a few pages (each size of buffer
        // has its own way of receiving on Linux).
        for size in [100, 3 * 4096] {
            let error = server.recv(&mut vec![0; size]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidData, "{size}: {error}");
        }
        assert_eq!(server.recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"after");
    });
}

#[test]
fn recv_to_vec_refuses_a_message_over_the_limit_whatever_the_vectors_capacity() {
    let _watchdog = watchdog(
        "recv_to_vec_refuses_a_message_over_the_limit_whatever_the_vectors_capacity",
        LIMIT,
    );
    let (client, server) = pair("m-vec-capacity");
    server.set_max_message_size(100_000).unwrap();
    let limit = server.max_message_size().unwrap();
    client.set_max_message_size(limit * 2).unwrap();
    let mut got = Vec::with_capacity(limit * 4);
    // (Sent from a thread of their own: on Windows a message larger than
    // the pipe's buffer waits for the reader.)
    std::thread::scope(|scope| {
        scope.spawn(|| {
            client.send(&message(limit, 1)).unwrap();
            client.send(&message(limit + 1, 2)).unwrap();
            client.send(b"after").unwrap();
        });
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), limit);
        assert_eq!(got, message(limit, 1));
        let error = server.recv_to_vec(&mut got).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        assert!(got.is_empty());
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), 5);
        assert_eq!(got, b"after");
    });
}

#[test]
fn a_vectored_send_gathers_one_message() {
    let _watchdog = watchdog("a_vectored_send_gathers_one_message", LIMIT);
    let (client, server) = pair("m-vectored");
    let parts: Vec<Vec<u8>> = (0..50).map(|i| message(i * 7 + 1, i)).collect();
    let slices: Vec<_> = parts.iter().map(|part| IoSlice::new(part)).collect();
    client.send_vectored(&slices).unwrap();
    client
        .send_vectored(&[IoSlice::new(b""), IoSlice::new(b"x"), IoSlice::new(b"")])
        .unwrap();
    let mut got = Vec::new();
    server.recv_to_vec(&mut got).unwrap();
    assert_eq!(got, parts.concat());
    server.recv_to_vec(&mut got).unwrap();
    assert_eq!(got, b"x");
}

#[test]
fn an_empty_message_is_refused_and_sends_nothing() {
    let _watchdog = watchdog("an_empty_message_is_refused_and_sends_nothing", LIMIT);
    let (client, server) = pair("m-empty");
    let error = client.send(b"").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    let error = client
        .send_vectored(&[IoSlice::new(b""), IoSlice::new(b"")])
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    let error = client.send_vectored(&[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    // Nothing went: the next message is the first.
    client.send(b"first").unwrap();
    let mut buf = [0; 8];
    let n = server.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"first");
}

#[test]
fn a_message_over_the_limit_is_refused_at_send_and_at_recv_to_vec() {
    let _watchdog = watchdog(
        "a_message_over_the_limit_is_refused_at_send_and_at_recv_to_vec",
        LIMIT,
    );
    let (client, server) = pair("m-limit");
    let max = client.max_message_size().unwrap();
    assert!(max >= 64 * 1024, "{max}");
    let error = client.send(&vec![1; max + 1]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains(&max.to_string()), "{error}");
    // (Sent from a thread of their own: on Windows a message larger than
    // the pipe's buffer waits for the reader.)
    client.set_max_message_size(max * 2).unwrap();
    server.set_max_message_size(max).unwrap();
    let server_max = server.max_message_size().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            client.send(&vec![2; max]).unwrap();
            // A peer that allows itself more than this socket: recv_to_vec
            // discards what exceeds this socket's limit, and goes on.
            client.send(&vec![3; server_max + 1]).unwrap();
            client.send(b"after").unwrap();
        });
        let mut got = Vec::new();
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), max);
        let error = server.recv_to_vec(&mut got).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        assert_eq!(server.recv_to_vec(&mut got).unwrap(), 5);
        assert_eq!(got, b"after");
    });

    // A size the OS cannot give is a clear error.
    let error = client.set_max_message_size(usize::MAX / 2).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
}

#[test]
fn receives_time_out_or_would_block_and_take_nothing() {
    let _watchdog = watchdog("receives_time_out_or_would_block_and_take_nothing", LIMIT);
    let (client, server) = pair("m-timeout");
    server
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let error = server.recv(&mut [0; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    server.set_read_timeout(None).unwrap();
    server.set_nonblocking(true).unwrap();
    let error = server.recv(&mut [0; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock, "{error}");
    let error = server.recv_to_vec(&mut Vec::new()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock, "{error}");
    client.send(b"now").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut buf = [0; 8];
    let n = loop {
        match server.recv(&mut buf) {
            Ok(n) => break n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                assert!(std::time::Instant::now() < deadline, "never arrived");
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(&buf[..n], b"now");
}

#[test]
fn streams_and_message_sockets_do_not_connect_to_each_other() {
    let _watchdog = watchdog(
        "streams_and_message_sockets_do_not_connect_to_each_other",
        LIMIT,
    );
    if cfg!(any(localipc_framed_messages, target_vendor = "apple")) {
        framed_messages_and_streams_do_not_talk();
        return;
    }
    for (name, _keep) in both_kinds("m-mix-stream") {
        let _streams = Listener::bind(&name).unwrap();
        let error = MessageSocket::connect(&name).unwrap_err();
        assert_refused_as_the_other_kind(&name, &error, "stream listener", "`Stream::connect`");
    }
    for (name, _keep) in both_kinds("m-mix-messages") {
        let _messages = MessageListener::bind(&name).unwrap();
        let error = Stream::connect(&name).unwrap_err();
        assert_refused_as_the_other_kind(
            &name,
            &error,
            "message socket",
            "`MessageSocket::connect`",
        );
    }
}

/// Framed message sockets (Apple systems) are stream sockets underneath.
/// On a socket file, the client reads which kind listens from its lock file
/// and refuses the other kind before connecting. Without one (Linux's
/// abstract names, in the CI lane that runs the framing there) the two
/// kinds connect, but the message side's first receive finds no localipc
/// hello and fails with `InvalidData`.
fn framed_messages_and_streams_do_not_talk() {
    use std::io::Write;
    for (name, _keep) in both_kinds("m-mix-stream") {
        let streams = Listener::bind(&name).unwrap();
        if name.fs_path().is_some() {
            let error = MessageSocket::connect(&name).unwrap_err();
            assert_refused_as_the_other_kind(&name, &error, "stream listener", "`Stream::connect`");
            continue;
        }
        let client = MessageSocket::connect(&name).unwrap();
        let server = streams.accept().unwrap();
        (&server).write_all(b"plain bytes").unwrap();
        let error = client.recv(&mut [0; 64]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{name}: {error}");
        assert!(
            error.to_string().contains("not a localipc message socket"),
            "{error}"
        );
    }
    for (name, _keep) in both_kinds("m-mix-messages") {
        let messages = MessageListener::bind(&name).unwrap();
        if name.fs_path().is_some() {
            let error = Stream::connect(&name).unwrap_err();
            assert_refused_as_the_other_kind(
                &name,
                &error,
                "message socket",
                "`MessageSocket::connect`",
            );
            continue;
        }
        let client = Stream::connect(&name).unwrap();
        let server = messages.accept().unwrap();
        (&client).write_all(b"plain bytes").unwrap();
        let error = server.recv_to_vec(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{name}: {error}");
    }
}

/// A connection to a listener of the other kind fails with `InvalidInput`
/// that names the kind listening there (`what`) and the call to use.
fn assert_refused_as_the_other_kind(
    name: &localipc::local_socket::Name,
    error: &std::io::Error,
    what: &str,
    call: &str,
) {
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name}: {error}");
    let text = error.to_string();
    assert!(text.contains(what), "{name}: {error}");
    assert!(text.contains(call), "{name}: {error}");
}

#[test]
fn a_name_belongs_to_the_kind_of_listener_that_bound_it() {
    let _watchdog = watchdog(
        "a_name_belongs_to_the_kind_of_listener_that_bound_it",
        LIMIT,
    );
    let test = "a_name_belongs_to_the_kind_of_listener_that_bound_it";
    for (name, _keep) in both_kinds("m-kind-messages") {
        let _messages = MessageListener::bind(&name).unwrap();
        match Listener::bind(&name) {
            Err(error) => assert_held_by_the_other_kind(&name, &error, "message socket"),
            Ok(_) if util::is_wine() => return wine_gives_the_name_away(test),
            Ok(_) => panic!("{name}: a stream listener took a message listener's name"),
        }
    }
    for (name, _keep) in both_kinds("m-kind-stream") {
        let _streams = Listener::bind(&name).unwrap();
        match MessageListener::bind(&name) {
            Err(error) => assert_held_by_the_other_kind(&name, &error, "stream listener"),
            Ok(_) if util::is_wine() => return wine_gives_the_name_away(test),
            Ok(_) => panic!("{name}: a message listener took a stream listener's name"),
        }
    }
}

fn wine_gives_the_name_away(test: &str) {
    util::skip(
        test,
        "Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server gets the name",
    );
}

/// A bind of a name the other kind holds fails with `AddrInUse` that names
/// that kind (`what`), where the OS lets the binder tell.
fn assert_held_by_the_other_kind(
    name: &localipc::local_socket::Name,
    error: &std::io::Error,
    what: &str,
) {
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}");
    // Framed messages are stream sockets underneath: on an abstract name
    // (Linux's CI lane for them), the kernel cannot tell the two kinds.
    // Windows cannot tell a pipe's mode without connecting to it.
    let kind_unknown = cfg!(windows) || (cfg!(localipc_framed_messages) && name.is_namespaced());
    if !kind_unknown {
        assert!(error.to_string().contains(what), "{name}: {error}");
    }
}

#[test]
fn a_dropped_listener_leaves_its_name_to_either_kind() {
    let _watchdog = watchdog("a_dropped_listener_leaves_its_name_to_either_kind", LIMIT);
    for (name, _keep) in both_kinds("m-kind-dropped") {
        drop(MessageListener::bind(&name).unwrap());
        let streams = util::bind_soon(|| Listener::bind(&name));
        let _client = Stream::connect(&name).unwrap();
        drop(streams.accept().unwrap());
        drop(streams);
        let messages = util::bind_soon(|| MessageListener::bind(&name));
        let _client = MessageSocket::connect(&name).unwrap();
        drop(messages.accept().unwrap());
    }
}

/// Linux's abstract names: a clone of a stream listener holds the name
/// (for both socket types) until it, the last owner, is dropped.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_listener_clone_holds_an_abstract_name_until_the_last_is_dropped() {
    use localipc::os::unix::local_socket::ListenerExt;

    let _watchdog = watchdog(
        "a_listener_clone_holds_an_abstract_name_until_the_last_is_dropped",
        LIMIT,
    );
    let name = namespaced("m-kind-clone");
    let listener = Listener::bind(&name).unwrap();
    let clone = listener.try_clone().unwrap();
    drop(listener);
    let error = MessageListener::bind(&name).unwrap_err();
    assert_held_by_the_other_kind(&name, &error, "stream listener");
    if !cfg!(localipc_framed_messages) {
        let error = MessageSocket::connect(&name).unwrap_err();
        assert_refused_as_the_other_kind(&name, &error, "stream listener", "`Stream::connect`");
    }
    drop(clone);
    let messages = util::bind_soon(|| MessageListener::bind(&name));
    let _client = MessageSocket::connect(&name).unwrap();
    drop(messages.accept().unwrap());
}

#[test]
fn two_threads_receiving_at_once_each_get_whole_messages() {
    let _watchdog = watchdog(
        "two_threads_receiving_at_once_each_get_whole_messages",
        LIMIT,
    );
    let (client, server) = pair("m-threads");
    let server = std::sync::Arc::new(server);
    let count = 2000;
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || {
                let mut lens = Vec::new();
                let mut buf = vec![0; 600];
                loop {
                    match server.recv(&mut buf) {
                        Ok(n) if &buf[..n] == b"end" => return lens,
                        Ok(n) => {
                            assert_eq!(buf[..n], message(n, n)[..], "a cut or mixed message");
                            lens.push(n);
                        }
                        Err(error) => panic!("{error}"),
                    }
                }
            })
        })
        .collect();
    for i in 0..count {
        let len = 1 + (i * 37) % 599;
        client.send(&message(len, len)).unwrap();
    }
    client.send(b"end").unwrap();
    client.send(b"end").unwrap();
    let received: usize = receivers
        .into_iter()
        .map(|receiver| receiver.join().unwrap().len())
        .sum();
    assert_eq!(received, count);
}

#[test]
fn options_apply_to_message_sockets_as_to_streams() {
    let _watchdog = watchdog("options_apply_to_message_sockets_as_to_streams", LIMIT);
    let name = namespaced("m-options");
    let listener = localipc::local_socket::ListenerOptions::new(&name)
        .nonblocking(true)
        .bind_messages()
        .unwrap();
    assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
    let client = ConnectOptions::new(&name)
        .timeout(Some(Duration::from_secs(5)))
        .connect_messages()
        .unwrap();
    let server = loop {
        match listener.accept() {
            Ok(server) => break server,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(
        server.peer_credentials().unwrap().pid,
        Some(std::process::id())
    );
    assert_eq!(
        client.peer_credentials().unwrap().pid,
        Some(std::process::id())
    );
    // On Linux and Android a message socket is a SOCK_SEQPACKET socket
    // (unless the BSD or Apple path is selected for a CI lane).
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(localipc_framed_messages)
    ))]
    {
        use std::os::fd::AsFd;
        let kind = rustix::net::sockopt::socket_type(server.as_fd()).unwrap();
        assert_eq!(kind, rustix::net::SocketType::SEQPACKET);
    }
    let debug = format!("{server:?}");
    assert!(
        debug.contains("MessageSocket") && debug.contains("Server"),
        "{debug}"
    );
}

/// Whether this is the process to run `test` in: a child of its own, alone
/// (the other tests' descriptors would blur a count of open ones). The
/// parent starts it, checks that it succeeded, and is told `false`.
#[cfg(target_os = "linux")]
fn in_a_counting_child(test: &str) -> bool {
    if is_child() {
        return true;
    }
    assert_success(
        child_command(test).status_child().unwrap(),
        "the counting child",
    );
    false
}

#[cfg(target_os = "linux")]
#[test]
fn descriptors_ride_with_their_message_only_and_never_leak() {
    use localipc::os::unix::local_socket::MessageSocketExt;
    use localipc::resource::AsResource;
    use std::io::{Read, Write};

    let test = "descriptors_ride_with_their_message_only_and_never_leak";
    let _watchdog = watchdog(test, LIMIT);
    if !in_a_counting_child(test) {
        return;
    }
    let (client, server) = pair("m-fds");
    let (mut sender, receiver) = localipc::pipe::pipe().unwrap();
    let before = util::open_handle_count();

    // With its message, and not with the next one.
    server
        .send_with(b"with", &[receiver.as_resource()])
        .unwrap();
    server.send(b"without").unwrap();
    // Too long for the buffer: the message and its descriptor stay queued.
    let mut fds = Vec::new();
    let error = client.recv_with(&mut [0; 2], &mut fds).unwrap_err();
    assert_eq!(too_long(&error).len, 4);
    assert!(fds.is_empty());
    let mut buf = [0; 16];
    let n = client.recv_with(&mut buf, &mut fds).unwrap();
    assert_eq!(&buf[..n], b"with");
    assert_eq!(fds.len(), 1);
    let n = client.recv_with(&mut buf, &mut fds).unwrap();
    assert_eq!(&buf[..n], b"without");
    assert_eq!(fds.len(), 1);
    let mut passed = localipc::pipe::Receiver::from(fds.pop().unwrap());
    sender.write_all(b"!").unwrap();
    let mut byte = [0];
    passed.read_exact(&mut byte).unwrap();
    drop(passed);

    // A receive that does not ask for them closes them.
    for _ in 0..50 {
        let many: Vec<_> = (0..10).map(|_| receiver.as_resource()).collect();
        server.send_with(b"ignored", &many).unwrap();
        assert_eq!(client.recv(&mut buf).unwrap(), 7);
    }
    let mut vec = Vec::new();
    server
        .send_with(b"ignored", &[receiver.as_resource()])
        .unwrap();
    assert_eq!(client.recv_to_vec(&mut vec).unwrap(), 7);
    assert_eq!(util::open_handle_count(), before, "a descriptor leaked");

    // Limits as for resource streams.
    let many: Vec<_> = (0..254).map(|_| receiver.as_resource()).collect();
    let error = server.send_with(b"too many", &many).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
}

#[cfg(target_os = "linux")]
#[test]
fn descriptors_of_a_message_too_long_for_its_buffer_are_kept_or_closed_never_leaked() {
    use localipc::os::unix::local_socket::MessageSocketExt;
    use localipc::resource::AsResource;

    let test = "descriptors_of_a_message_too_long_for_its_buffer_are_kept_or_closed_never_leaked";
    let _watchdog = watchdog(test, LIMIT);
    if !in_a_counting_child(test) {
        return;
    }
    let (client, server) = pair("m-fds-long");
    let (_sender, receiver) = localipc::pipe::pipe().unwrap();
    let limit = client.max_message_size().unwrap();
    server.set_max_message_size(limit * 2).unwrap();
    let before = util::open_handle_count();
    let two = [receiver.as_resource(), receiver.as_resource()];

    // Too long for the buffer, within the limit: kept with its message,
    // and delivered with it.
    server.send_with(&message(5000, 1), &two).unwrap();
    let mut fds = Vec::new();
    let error = client.recv_with(&mut [0; 100], &mut fds).unwrap_err();
    assert_eq!(too_long(&error).len, 5000);
    assert!(fds.is_empty());
    let mut buf = vec![0; 5000];
    assert_eq!(client.recv_with(&mut buf, &mut fds).unwrap(), 5000);
    assert_eq!(buf, message(5000, 1));
    assert_eq!(fds.len(), 2);
    fds.clear();

    // Kept, then taken by recv_to_vec, which closes them.
    server.send_with(&message(5000, 2), &two).unwrap();
    let error = client.recv_with(&mut [0; 100], &mut fds).unwrap_err();
    assert_eq!(too_long(&error).len, 5000);
    assert_eq!(client.recv_to_vec(&mut Vec::new()).unwrap(), 5000);

    // Longer than the buffer and the limit: dropped, and them closed.
    // (Sent from a thread of their own: a framed message this long waits
    // for the reader.)
    std::thread::scope(|scope| {
        scope.spawn(|| {
            server.send_with(&message(limit + 1, 3), &two).unwrap();
            server.send_with(&message(limit + 1, 4), &two).unwrap();
        });
        let error = client.recv_with(&mut [0; 100], &mut fds).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        assert!(fds.is_empty());
        let error = client.recv_to_vec(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    });

    // Kept, and never received: closed with the socket.
    server.send_with(&message(5000, 5), &two).unwrap();
    let error = client.recv_with(&mut [0; 100], &mut fds).unwrap_err();
    assert_eq!(too_long(&error).len, 5000);
    drop(client);
    drop(server);
    assert_eq!(util::open_handle_count(), before - 2, "a descriptor leaked");
}

/// A client running as another user: exit 0 if it got the listener's
/// answer, 3 if it was refused at connect, 4 if the listener told it that
/// it refused it (and says so again on the next receive).
#[cfg(target_os = "linux")]
fn other_user_role() {
    use localipc::local_socket::ExpectedServer;
    let connected = ConnectOptions::new(&name_from_parent())
        .expected_server(ExpectedServer::any_user())
        .connect_messages();
    let socket = match connected {
        Ok(socket) => socket,
        Err(error) if error.kind() == ErrorKind::PermissionDenied => std::process::exit(3),
        Err(error) => panic!("{error}"),
    };
    // A refusing listener may have closed the socket already.
    let _ = socket.send(b"ping");
    let mut buf = [0; 8];
    match socket.recv(&mut buf) {
        Ok(4) if &buf[..4] == b"pong" => std::process::exit(0),
        Err(error)
            if error.kind() == ErrorKind::PermissionDenied
                && error.to_string().contains("refused this connection") =>
        {
            let again = socket.recv_to_vec(&mut Vec::new()).unwrap_err();
            assert_eq!(again.kind(), ErrorKind::PermissionDenied, "{again}");
            std::process::exit(4)
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn another_user_is_refused_by_default_and_admitted_when_the_policy_says() {
    use localipc::local_socket::{Access, ListenerOptions};
    use std::os::unix::process::CommandExt;

    const NOBODY: u32 = 65534;
    let test = "another_user_is_refused_by_default_and_admitted_when_the_policy_says";
    if is_child() {
        other_user_role();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    if !rustix::process::geteuid().is_root() {
        util::skip(test, "needs root to run a child process as another user");
        return;
    }
    for (access, admitted) in [(Access::default(), false), (Access::any_user(), true)] {
        for (name, _keep) in both_kinds("m-policy") {
            let listener = ListenerOptions::new(&name)
                .access(access.clone())
                .nonblocking(true)
                .bind_messages()
                .unwrap();
            let mut command = child_command(test);
            name_for_child(&mut command, &name);
            let mut child = command.uid(NOBODY).gid(NOBODY).spawn_child().unwrap();
            let status = loop {
                match listener.accept() {
                    Ok(server) => {
                        assert!(admitted, "{name}: {access:?} accepted another user");
                        server.set_nonblocking(false).unwrap();
                        let mut buf = [0; 8];
                        let n = server.recv(&mut buf).unwrap();
                        assert_eq!(&buf[..n], b"ping");
                        server.send(b"pong").unwrap();
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                    Err(error) => panic!("{name}: {error}"),
                }
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            // A socket file's mode refuses at connect; elsewhere the
            // listener tells the client.
            let expected = match (admitted, name.fs_path()) {
                (true, _) => 0,
                (false, Some(_)) => 3,
                (false, None) => 4,
            };
            assert_eq!(status.code(), Some(expected), "{name}: {access:?}");
            // Nothing refused is ever returned later either.
            assert_eq!(
                listener.accept().unwrap_err().kind(),
                ErrorKind::WouldBlock,
                "{name}"
            );
        }
    }
}

/// Framed message sockets (Apple systems; on Linux with `--cfg
/// localipc_framed_messages`) against a peer that writes raw frames: lies
/// are `InvalidData`, never a hang, a panic or an allocation of what the
/// peer claims.
#[cfg(any(localipc_framed_messages, target_vendor = "apple"))]
#[test]
fn a_framed_peer_that_lies_gets_invalid_data() {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    let _watchdog = watchdog("a_framed_peer_that_lies_gets_invalid_data", LIMIT);
    let hello = *b"LIPCMSG\x01";
    let frame = |len: u32, body: &[u8]| [&len.to_le_bytes()[..], body].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a wrong hello", b"HELLO!!!".to_vec()),
        ("an empty frame", [&hello[..], &frame(0, b"")].concat()),
        (
            "a frame claiming 4 GiB, cut short",
            [&hello[..], &frame(u32::MAX, b"0123456789")].concat(),
        ),
        (
            "the end inside a frame",
            [&hello[..], &frame(10, b"abc")].concat(),
        ),
        (
            "the end inside a header",
            [&hello[..], &[7, 0][..]].concat(),
        ),
    ];
    for (what, bytes) in cases {
        let path = util::names::path_name("m-liar");
        let listener = MessageListener::bind(&path.name).unwrap();
        let mut raw = UnixStream::connect(path.name.fs_path().unwrap()).unwrap();
        let socket = listener.accept().unwrap();
        raw.write_all(&bytes).unwrap();
        drop(raw);
        let error = socket.recv_to_vec(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{what}: {error}");
    }

    // A whole frame over the limit is dropped, and the next one arrives.
    let path = util::names::path_name("m-liar-long");
    let listener = MessageListener::bind(&path.name).unwrap();
    let mut raw = UnixStream::connect(path.name.fs_path().unwrap()).unwrap();
    let socket = listener.accept().unwrap();
    socket.set_max_message_size(1000).unwrap();
    let long = vec![9; 1001];
    raw.write_all(&[&hello[..], &frame(1001, &long), &frame(2, b"ok")].concat())
        .unwrap();
    let error = socket.recv_to_vec(&mut Vec::new()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    let mut got = Vec::new();
    assert_eq!(socket.recv_to_vec(&mut got).unwrap(), 2);
    assert_eq!(got, b"ok");
}

// --- Timeouts bound whole calls ------------------------------------------------

/// A signal does not start a receive's read timeout afresh: the receive
/// times out on time however often its thread is interrupted.
#[cfg(unix)]
#[test]
fn signals_do_not_restart_the_read_timeout_of_a_receive() {
    let _watchdog = watchdog(
        "signals_do_not_restart_the_read_timeout_of_a_receive",
        LIMIT,
    );
    let (_client, server) = pair("m-eintr");
    server
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    util::assert_signals_do_not_restart_a_timeout(|| server.recv(&mut [0; 8]));
}

/// Framed message sockets: a read timeout bounds the whole receive, so a
/// peer that trickles a frame cannot stretch it a timeout per piece.
#[cfg(any(localipc_framed_messages, target_vendor = "apple"))]
#[test]
fn a_read_timeout_bounds_a_framed_receive_whose_frame_trickles() {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    let _watchdog = watchdog(
        "a_read_timeout_bounds_a_framed_receive_whose_frame_trickles",
        LIMIT,
    );
    let path = util::names::path_name("m-trickle");
    let listener = MessageListener::bind(&path.name).unwrap();
    let mut raw = UnixStream::connect(path.name.fs_path().unwrap()).unwrap();
    let socket = listener.accept().unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    // The hello and a header for 30 bytes at once, then the bytes one
    // every 100 ms: 3 s for the whole frame.
    raw.write_all(&[&b"LIPCMSG\x01"[..], &30u32.to_le_bytes()].concat())
        .unwrap();
    let mut sent = 0;
    let writer = util::repeat(move || {
        std::thread::sleep(Duration::from_millis(100));
        sent += 1;
        raw.write_all(b"x").is_ok() && sent < 30
    });
    let started = std::time::Instant::now();
    let received = socket.recv_to_vec(&mut Vec::new());
    let took = started.elapsed();
    drop(writer);
    let error = received.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(
        took < Duration::from_millis(1800),
        "a receive with a 1 s timeout took {took:?}"
    );
}

/// Framed message sockets: a write timeout bounds the whole send, however
/// slowly the peer makes room; the frame is cut then, and the socket sends
/// no more.
#[cfg(any(localipc_framed_messages, target_vendor = "apple"))]
#[test]
fn a_write_timeout_bounds_a_framed_send_to_a_slow_reader() {
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    let _watchdog = watchdog(
        "a_write_timeout_bounds_a_framed_send_to_a_slow_reader",
        LIMIT,
    );
    let path = util::names::path_name("m-slow-reader");
    let listener = MessageListener::bind(&path.name).unwrap();
    let mut raw = UnixStream::connect(path.name.fs_path().unwrap()).unwrap();
    let socket = listener.accept().unwrap();
    // 32 KiB every 100 ms: the 4 MiB message would take 13 s to drain.
    let reader = util::slow_reader(32 << 10, Duration::from_millis(100), move |buf| {
        raw.read(buf)
    });
    socket.set_max_message_size(8 << 20).unwrap();
    socket
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let started = std::time::Instant::now();
    let sent = socket.send(&vec![7; 4 << 20]);
    let took = started.elapsed();
    let after = socket.send(b"more");
    drop(socket);
    drop(reader);
    let error = sent.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(
        took < Duration::from_secs(2),
        "a send with a 500 ms timeout took {took:?}"
    );
    assert_eq!(after.unwrap_err().kind(), ErrorKind::BrokenPipe);
}
