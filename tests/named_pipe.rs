//! Windows named pipes, through the public API: under Wine in CI, and on real
//! Windows.
#![cfg(windows)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{self, ErrorKind, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use localipc::os::windows::named_pipe::{
    ConnectOptions, Listener, ListenerOptions, MessageTooLong, PipeDirection, PipeMode, Stream,
};
use util::names::pipe_path;
use util::{
    Pattern, assert_success, child_command, is_child, is_wine, receive_all, skip, watchdog,
};

const LIMIT: Duration = Duration::from_secs(60);
const PATH_VAR: &str = "LOCALIPC_TEST_PIPE_PATH";

fn listen(path: &str) -> Listener {
    ListenerOptions::new(path).create().unwrap()
}

fn connect(path: &str) -> Stream {
    ConnectOptions::new(path).connect().unwrap()
}

/// A connected (server, client) pair made with the given options.
fn pair(options: &ListenerOptions, client: &ConnectOptions) -> (Listener, Stream, Stream) {
    let listener = options.create().unwrap();
    let client = client.connect().unwrap();
    let server = listener.accept().unwrap();
    (listener, server, client)
}

fn read_exactly(stream: &Stream, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    (&*stream).read_exact(&mut buf).unwrap();
    buf
}

// --- Byte mode ---------------------------------------------------------------

#[test]
fn bytes_flow_both_ways_beyond_the_buffer_size() {
    let _watchdog = watchdog("bytes_flow_both_ways_beyond_the_buffer_size", LIMIT);
    let path = pipe_path("duplex");
    let mut options = ListenerOptions::new(&path);
    options.in_buffer_size(4096).out_buffer_size(4096);
    let (_listener, server, client) = pair(&options, &ConnectOptions::new(&path));
    let total = 2 << 20;
    thread::scope(|scope| {
        scope.spawn(|| Pattern::new(1).send(&server, total, 10_000).unwrap());
        scope.spawn(|| Pattern::new(2).send(&client, total, 10_000).unwrap());
        let from_client = scope.spawn(|| {
            let mut reader = (&server).take(total);
            receive_all(&mut reader).unwrap()
        });
        let from_server = scope.spawn(|| {
            let mut reader = (&client).take(total);
            receive_all(&mut reader).unwrap()
        });
        assert_eq!(
            from_client.join().unwrap(),
            (total, Pattern::new(2).checksum(total))
        );
        assert_eq!(
            from_server.join().unwrap(),
            (total, Pattern::new(1).checksum(total))
        );
    });
}

#[test]
fn client_to_server_pipe_carries_data_one_way() {
    let _watchdog = watchdog("client_to_server_pipe_carries_data_one_way", LIMIT);
    let path = pipe_path("inbound");
    let mut options = ListenerOptions::new(&path);
    options
        .direction(PipeDirection::ClientToServer)
        .in_buffer_size(4096);
    let mut client_options = ConnectOptions::new(&path);
    client_options.direction(PipeDirection::ClientToServer);
    let (_listener, server, client) = pair(&options, &client_options);
    let total = 1 << 20;
    let writer = thread::spawn(move || Pattern::new(3).send(client, total, 8192).unwrap());
    let (len, checksum) = receive_all(&server).unwrap();
    assert_eq!((len, checksum), (total, writer.join().unwrap()));
    assert!(
        (&server).write(b"x").is_err(),
        "the server cannot write on an inbound pipe"
    );
}

#[test]
fn server_to_client_pipe_carries_data_one_way() {
    let _watchdog = watchdog("server_to_client_pipe_carries_data_one_way", LIMIT);
    let path = pipe_path("outbound");
    let mut options = ListenerOptions::new(&path);
    options
        .direction(PipeDirection::ServerToClient)
        .out_buffer_size(4096);
    let mut client_options = ConnectOptions::new(&path);
    client_options.direction(PipeDirection::ServerToClient);
    let (_listener, server, client) = pair(&options, &client_options);
    let total = 1 << 20;
    let writer = thread::spawn(move || Pattern::new(4).send(server, total, 8192).unwrap());
    let (len, checksum) = receive_all(&client).unwrap();
    assert_eq!((len, checksum), (total, writer.join().unwrap()));
}

#[test]
fn a_duplex_client_on_a_one_way_pipe_is_permission_denied() {
    let _watchdog = watchdog(
        "a_duplex_client_on_a_one_way_pipe_is_permission_denied",
        LIMIT,
    );
    let path = pipe_path("wrongway");
    let _listener = ListenerOptions::new(&path)
        .direction(PipeDirection::ServerToClient)
        .create()
        .unwrap();
    let error = ConnectOptions::new(&path).connect().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
    assert!(error.to_string().contains(&path), "{error}");
}

#[test]
fn everything_written_before_a_drop_is_read_by_the_peer() {
    let _watchdog = watchdog(
        "everything_written_before_a_drop_is_read_by_the_peer",
        LIMIT,
    );
    let path = pipe_path("dropwrite");
    let listener = listen(&path);
    for server_writes in [true, false] {
        let client = connect(&path);
        let server = listener.accept().unwrap();
        let (writer, reader) = if server_writes {
            (server, client)
        } else {
            (client, server)
        };
        let total = 1 << 20;
        // The writer drops its end the moment its last write returns, with
        // the tail of the data still in the pipe.
        let writing = thread::spawn(move || Pattern::new(5).send(writer, total, 100_000).unwrap());
        let (len, checksum) = receive_all(&reader).unwrap();
        writing.join().unwrap();
        assert_eq!(
            (len, checksum),
            (total, Pattern::new(5).checksum(total)),
            "server writes: {server_writes}"
        );
    }
}

#[test]
fn read_after_the_peer_closed_is_zero_and_write_is_broken_pipe() {
    let _watchdog = watchdog(
        "read_after_the_peer_closed_is_zero_and_write_is_broken_pipe",
        LIMIT,
    );
    let path = pipe_path("closed");
    let listener = listen(&path);
    for server_closes in [true, false] {
        let client = connect(&path);
        let server = listener.accept().unwrap();
        let (closing, staying) = if server_closes {
            (server, client)
        } else {
            (client, server)
        };
        drop(closing);
        let mut staying = staying;
        assert_eq!(
            staying.read(&mut [0; 8]).unwrap(),
            0,
            "server closed: {server_closes}"
        );
        assert_eq!(
            staying.read(&mut [0; 8]).unwrap(),
            0,
            "end of stream is sticky"
        );
        let error = staying.write(b"anyone?").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    }
}

#[test]
fn a_blocked_read_does_not_block_a_write_on_the_same_stream() {
    let _watchdog = watchdog(
        "a_blocked_read_does_not_block_a_write_on_the_same_stream",
        LIMIT,
    );
    let path = pipe_path("fullduplex");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    thread::scope(|scope| {
        // Blocks until the server answers, which it does only after the write.
        let reader = scope.spawn(|| read_exactly(&client, 5));
        thread::sleep(Duration::from_millis(100));
        (&client).write_all(b"ping!").unwrap();
        let request = read_exactly(&server, 5);
        (&server).write_all(b"pong!").unwrap();
        assert_eq!(request, b"ping!");
        assert_eq!(reader.join().unwrap(), b"pong!");
    });
}

#[test]
fn many_full_duplex_exchanges_from_two_threads() {
    let _watchdog = watchdog("many_full_duplex_exchanges_from_two_threads", LIMIT);
    let path = pipe_path("pingpong");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    let echo = thread::spawn(move || {
        let mut buf = [0; 64];
        loop {
            let n = (&server).read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            (&server).write_all(&buf[..n]).unwrap();
        }
    });
    let total = 4 << 20;
    thread::scope(|scope| {
        scope.spawn(|| Pattern::new(6).send(&client, total, 4096).unwrap());
        let (len, checksum) = receive_all((&client).take(total)).unwrap();
        assert_eq!((len, checksum), (total, Pattern::new(6).checksum(total)));
    });
    drop(client);
    echo.join().unwrap();
}

// --- Messages ----------------------------------------------------------------

fn message_pair(test: &str, buffer: u32) -> (Listener, Stream, Stream) {
    let path = pipe_path(test);
    let mut options = ListenerOptions::new(&path);
    options
        .mode(PipeMode::Messages)
        .in_buffer_size(buffer)
        .out_buffer_size(buffer);
    pair(&options, &ConnectOptions::new(&path))
}

#[test]
fn messages_keep_their_boundaries_both_ways() {
    let _watchdog = watchdog("messages_keep_their_boundaries_both_ways", LIMIT);
    let (_listener, server, client) = message_pair("messages", 65536);
    assert!(server.is_message_mode() && client.is_message_mode());
    for (from, to) in [(&client, &server), (&server, &client)] {
        from.send(b"one").unwrap();
        from.send(b"").unwrap();
        from.send(b"three").unwrap();
        assert_eq!(to.recv().unwrap().unwrap(), b"one");
        assert_eq!(to.recv().unwrap().unwrap(), b"");
        assert_eq!(to.recv().unwrap().unwrap(), b"three");
    }
}

#[test]
fn a_message_larger_than_the_pipe_buffer_arrives_whole() {
    let _watchdog = watchdog("a_message_larger_than_the_pipe_buffer_arrives_whole", LIMIT);
    let (_listener, server, client) = message_pair("bigmessage", 4096);
    let mut message = vec![0; 1 << 20];
    Pattern::new(7).fill(0, &mut message);
    for (from, to) in [(&client, &server), (&server, &client)] {
        thread::scope(|scope| {
            scope.spawn(|| from.send(&message).unwrap());
            let mut got = Vec::new();
            assert_eq!(to.recv_to_vec(&mut got).unwrap(), Some(message.len()));
            assert!(got == message, "the message arrived changed");
        });
    }
}

#[test]
fn one_way_message_pipes_carry_messages_in_their_direction() {
    let _watchdog = watchdog(
        "one_way_message_pipes_carry_messages_in_their_direction",
        LIMIT,
    );
    for direction in [PipeDirection::ClientToServer, PipeDirection::ServerToClient] {
        let path = pipe_path("oneway-messages");
        let mut options = ListenerOptions::new(&path);
        options
            .mode(PipeMode::Messages)
            .direction(direction)
            .in_buffer_size(4096)
            .out_buffer_size(4096);
        let mut client_options = ConnectOptions::new(&path);
        client_options.direction(direction);
        let (_listener, server, client) = pair(&options, &client_options);
        assert!(
            client.is_message_mode(),
            "the client follows the server's mode"
        );
        let (from, to) = match direction {
            PipeDirection::ClientToServer => (client, server),
            _ => (server, client),
        };
        let big = vec![0x5a; 100_000];
        thread::scope(|scope| {
            scope.spawn(|| {
                from.send(b"small").unwrap();
                from.send(&big).unwrap();
            });
            assert_eq!(to.recv().unwrap().unwrap(), b"small", "{direction:?}");
            assert!(to.recv().unwrap().unwrap() == big, "{direction:?}");
        });
        drop(from);
        assert_eq!(to.recv().unwrap(), None, "{direction:?}");
    }
}

#[test]
fn a_message_too_long_for_a_fixed_buffer_is_an_error_and_stays_readable() {
    let _watchdog = watchdog(
        "a_message_too_long_for_a_fixed_buffer_is_an_error_and_stays_readable",
        LIMIT,
    );
    let (_listener, server, client) = message_pair("toolong", 65536);
    client.send(b"0123456789abcdef").unwrap();
    client.send(b"next").unwrap();
    assert_eq!(server.peek_len().unwrap(), Some(16));
    let mut buf = [0; 10];
    let error = server.recv_into(&mut buf).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    let too_long = error
        .get_ref()
        .unwrap()
        .downcast_ref::<MessageTooLong>()
        .unwrap();
    assert_eq!((too_long.received(), too_long.message_len()), (10, 16));
    assert!(error.to_string().contains("16 bytes"), "{error}");
    assert_eq!(&buf, b"0123456789");
    assert_eq!(
        server.peek_len().unwrap(),
        Some(6),
        "the rest is still there"
    );
    assert_eq!(server.recv_into(&mut buf).unwrap(), Some(6));
    assert_eq!(&buf[..6], b"abcdef");
    assert_eq!(server.recv_into(&mut buf).unwrap(), Some(4));
    assert_eq!(&buf[..4], b"next");
    assert_eq!(server.peek_len().unwrap(), None);
    drop(client);
    assert_eq!(server.recv_into(&mut buf).unwrap(), None);
    assert_eq!(server.recv().unwrap(), None);
}

// --- Many clients, real processes ---------------------------------------------

#[test]
fn thirty_two_clients_at_once_each_exchange_1_mib() {
    let _watchdog = watchdog(
        "thirty_two_clients_at_once_each_exchange_1_mib",
        Duration::from_secs(180),
    );
    let path = pipe_path("many");
    let listener = listen(&path);
    let clients = 32u64;
    let total = 1 << 20;
    thread::scope(|scope| {
        scope.spawn(|| {
            for _ in 0..clients {
                let stream = listener.accept().unwrap();
                thread::spawn(move || {
                    // Each client first says who it is, then sends 1 MiB.
                    let id = u64::from_le_bytes(read_exactly(&stream, 8).try_into().unwrap());
                    let (len, checksum) = receive_all((&stream).take(total)).unwrap();
                    assert_eq!(
                        (len, checksum),
                        (total, Pattern::new(100 + id).checksum(total))
                    );
                    (&stream).write_all(&checksum.to_le_bytes()).unwrap();
                    Pattern::new(200 + id).send(&stream, total, 32_768).unwrap();
                });
            }
        });
        let handles: Vec<_> = (0..clients)
            .map(|id| {
                let path = path.clone();
                scope.spawn(move || {
                    let stream = connect(&path);
                    (&stream).write_all(&id.to_le_bytes()).unwrap();
                    let sent = Pattern::new(100 + id).send(&stream, total, 32_768).unwrap();
                    let echoed = u64::from_le_bytes(read_exactly(&stream, 8).try_into().unwrap());
                    assert_eq!(echoed, sent, "client {id}: the server saw other bytes");
                    let (len, checksum) = receive_all(&stream).unwrap();
                    assert_eq!(
                        (len, checksum),
                        (total, Pattern::new(200 + id).checksum(total)),
                        "client {id}"
                    );
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
}

#[test]
fn a_client_in_a_child_process_talks_to_this_server() {
    let name = "a_client_in_a_child_process_talks_to_this_server";
    let _watchdog = watchdog(name, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let stream = connect(&std::env::var(PATH_VAR).unwrap());
        assert_eq!(
            stream.server_process_id().unwrap(),
            std::env::var("LOCALIPC_TEST_PARENT_PID")
                .unwrap()
                .parse::<u32>()
                .unwrap()
        );
        Pattern::new(8).send(&stream, total, 65536).unwrap();
        let (len, checksum) = receive_all(&stream).unwrap();
        assert_eq!((len, checksum), (total, Pattern::new(9).checksum(total)));
        return;
    }
    let path = pipe_path("childclient");
    let listener = listen(&path);
    let mut child = child_command(name)
        .env(PATH_VAR, &path)
        .env("LOCALIPC_TEST_PARENT_PID", std::process::id().to_string())
        .spawn_child()
        .unwrap();
    let stream = listener.accept().unwrap();
    assert_eq!(stream.client_process_id().unwrap(), child.id());
    assert_eq!(stream.peer_process_id().unwrap(), child.id());
    assert_eq!(stream.server_process_id().unwrap(), std::process::id());
    let (len, checksum) = receive_all((&stream).take(total)).unwrap();
    assert_eq!((len, checksum), (total, Pattern::new(8).checksum(total)));
    Pattern::new(9).send(&stream, total, 65536).unwrap();
    drop(stream);
    assert_success(child.wait().unwrap(), "client child");
}

#[test]
fn a_server_in_a_child_process_serves_this_client() {
    let name = "a_server_in_a_child_process_serves_this_client";
    let _watchdog = watchdog(name, LIMIT);
    let total = 8 << 20;
    if is_child() {
        let listener = listen(&std::env::var(PATH_VAR).unwrap());
        // The parent retries connecting until the pipe exists.
        let stream = listener.accept().unwrap();
        let (len, checksum) = receive_all((&stream).take(total)).unwrap();
        assert_eq!((len, checksum), (total, Pattern::new(10).checksum(total)));
        Pattern::new(11).send(&stream, total, 65536).unwrap();
        (&stream).flush().unwrap();
        return;
    }
    let path = pipe_path("childserver");
    let mut child = child_command(name)
        .env(PATH_VAR, &path)
        .spawn_child()
        .unwrap();
    let started = Instant::now();
    let stream = loop {
        match ConnectOptions::new(&path).connect() {
            Ok(stream) => break stream,
            Err(error)
                if error.kind() == ErrorKind::NotFound
                    && started.elapsed() < Duration::from_secs(30) =>
            {
                thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("connecting to the child's server: {error}"),
        }
    };
    assert_eq!(stream.server_process_id().unwrap(), child.id());
    Pattern::new(10).send(&stream, total, 65536).unwrap();
    let (len, checksum) = receive_all(&stream).unwrap();
    assert_eq!((len, checksum), (total, Pattern::new(11).checksum(total)));
    assert_success(child.wait().unwrap(), "server child");
}

// --- Connecting and accepting ---------------------------------------------------

#[test]
fn connecting_to_a_missing_name_is_not_found() {
    let _watchdog = watchdog("connecting_to_a_missing_name_is_not_found", LIMIT);
    let path = pipe_path("missing");
    let error = ConnectOptions::new(&path).connect().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(
        error.to_string().contains(&path),
        "the message names the pipe: {error}"
    );
}

#[test]
fn clients_that_leave_before_accept_do_not_break_the_listener() {
    let _watchdog = watchdog(
        "clients_that_leave_before_accept_do_not_break_the_listener",
        LIMIT,
    );
    let path = pipe_path("doa");
    let listener = ListenerOptions::new(&path)
        .ready_instances(3)
        .create()
        .unwrap();
    // Three clients take the three waiting instances and leave before any
    // accept; the third writes something first.
    drop(connect(&path));
    drop(connect(&path));
    let mut last = connect(&path);
    last.write_all(b"bye").unwrap();
    drop(last);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let mut stream = listener.accept().unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        seen.push(got);
    }
    seen.sort();
    assert_eq!(seen, [b"".to_vec(), b"".to_vec(), b"bye".to_vec()]);
    // The listener still works.
    let client = thread::spawn({
        let path = path.clone();
        move || connect(&path).write_all(b"alive").unwrap()
    });
    let mut stream = listener.accept().unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"alive");
    client.join().unwrap();
}

#[test]
fn a_busy_pipe_with_a_timeout_is_timed_out() {
    let _watchdog = watchdog("a_busy_pipe_with_a_timeout_is_timed_out", LIMIT);
    let path = pipe_path("busy");
    let listener = ListenerOptions::new(&path)
        .max_instances(Some(1))
        .ready_instances(1)
        .create()
        .unwrap();
    let _first = connect(&path);
    let _server = listener.accept().unwrap();
    let started = Instant::now();
    let error = ConnectOptions::new(&path)
        .timeout(Some(Duration::from_millis(300)))
        .connect()
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(error.to_string().contains("busy"), "{error}");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

#[test]
fn a_busy_pipe_without_a_timeout_is_waited_for() {
    let _watchdog = watchdog("a_busy_pipe_without_a_timeout_is_waited_for", LIMIT);
    let path = pipe_path("busywait");
    // Two instances: after the first accept, the listener keeps the second
    // waiting; a second client takes it, and a third finds the pipe busy.
    let listener = ListenerOptions::new(&path)
        .max_instances(Some(2))
        .ready_instances(1)
        .create()
        .unwrap();
    let first = connect(&path);
    let first_server = listener.accept().unwrap();
    let second = connect(&path);
    let third = thread::spawn({
        let path = path.clone();
        move || {
            let mut stream = ConnectOptions::new(&path).connect().unwrap();
            stream.write_all(b"third").unwrap();
        }
    });
    let second_server = listener.accept().unwrap();
    thread::sleep(Duration::from_millis(300));
    assert!(
        !third.is_finished(),
        "the third client got in although the pipe was busy"
    );
    drop(first);
    drop(first_server);
    // An instance is free again: accept makes a new one, the waiting client takes it.
    let mut stream = listener.accept().unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"third");
    third.join().unwrap();
    drop((second, second_server));
}

#[test]
fn nonblocking_accept_and_read_would_block() {
    let _watchdog = watchdog("nonblocking_accept_and_read_would_block", LIMIT);
    let path = pipe_path("nonblocking");
    let listener = ListenerOptions::new(&path)
        .nonblocking(true)
        .create()
        .unwrap();
    assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
    let client = ConnectOptions::new(&path)
        .nonblocking(true)
        .connect()
        .unwrap();
    let server = loop {
        match listener.accept() {
            Ok(stream) => break stream,
            Err(error) if error.kind() == ErrorKind::WouldBlock => thread::yield_now(),
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(
        (&client).read(&mut [0; 4]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    (&server).write_all(b"data").unwrap();
    let mut buf = [0; 4];
    let n = loop {
        match (&client).read(&mut buf) {
            Ok(n) => break n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => thread::yield_now(),
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(&buf[..n], &b"data"[..n]);
}

#[test]
fn incoming_yields_connected_streams() {
    let _watchdog = watchdog("incoming_yields_connected_streams", LIMIT);
    let path = pipe_path("incoming");
    let listener = listen(&path);
    let clients = thread::spawn({
        let path = path.clone();
        move || {
            for i in 0..3u8 {
                connect(&path).write_all(&[i]).unwrap();
            }
        }
    });
    let mut seen: Vec<u8> = listener
        .incoming()
        .take(3)
        .map(|stream| {
            let mut byte = [0];
            stream.unwrap().read_exact(&mut byte).unwrap();
            byte[0]
        })
        .collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2]);
    clients.join().unwrap();
}

// --- Timeouts --------------------------------------------------------------------

#[test]
fn a_read_timeout_fires_within_tolerance_and_consumes_nothing() {
    let _watchdog = watchdog(
        "a_read_timeout_fires_within_tolerance_and_consumes_nothing",
        LIMIT,
    );
    let path = pipe_path("readtimeout");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert_eq!(client.read_timeout(), Some(Duration::from_millis(200)));
    let started = Instant::now();
    let error = (&client).read(&mut [0; 8]).unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_secs(3),
        "took {took:?}"
    );
    (&server).write_all(b"late").unwrap();
    assert_eq!(
        read_exactly(&client, 4),
        b"late",
        "the timed-out read took nothing"
    );
}

#[test]
fn a_write_timeout_fires_when_the_peer_does_not_read() {
    let _watchdog = watchdog("a_write_timeout_fires_when_the_peer_does_not_read", LIMIT);
    let path = pipe_path("writetimeout");
    let listener = ListenerOptions::new(&path)
        .in_buffer_size(4096)
        .out_buffer_size(4096)
        .create()
        .unwrap();
    let client = connect(&path);
    let _server = listener.accept().unwrap();
    client
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let chunk = vec![1; 64 * 1024];
    let error = util::write_until_error(&client, &chunk);
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
}

#[test]
fn a_zero_timeout_is_invalid_input() {
    let _watchdog = watchdog("a_zero_timeout_is_invalid_input", LIMIT);
    let path = pipe_path("zerotimeout");
    let listener = listen(&path);
    let client = connect(&path);
    let _server = listener.accept().unwrap();
    assert_eq!(
        client
            .set_read_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        client
            .set_write_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    client.set_read_timeout(None).unwrap();
    assert_eq!(client.read_timeout(), None);
}

#[test]
fn a_clone_shares_the_connection_and_copies_the_settings() {
    let _watchdog = watchdog(
        "a_clone_shares_the_connection_and_copies_the_settings",
        LIMIT,
    );
    let path = pipe_path("clone");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let clone = client.try_clone().unwrap();
    assert_eq!(clone.read_timeout(), Some(Duration::from_millis(100)));
    drop(client);
    (&clone).write_all(b"via clone").unwrap();
    assert_eq!(read_exactly(&server, 9), b"via clone");
    drop(clone);
    assert_eq!((&server).read(&mut [0; 1]).unwrap(), 0);
}

#[test]
fn flush_waits_until_the_peer_has_read_everything() {
    let name = "flush_waits_until_the_peer_has_read_everything";
    let _watchdog = watchdog(name, LIMIT);
    let path = pipe_path("flush");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    (&client).write_all(&[9; 1000]).unwrap();
    let flusher = thread::spawn(move || {
        (&client).flush().unwrap();
        client
    });
    thread::sleep(Duration::from_millis(300));
    if flusher.is_finished() && is_wine() {
        skip(
            name,
            "Wine's FlushFileBuffers on a pipe returns without waiting for the reader",
        );
        return;
    }
    assert!(
        !flusher.is_finished(),
        "flush returned before the peer read anything"
    );
    assert_eq!(read_exactly(&server, 1000), vec![9; 1000]);
    flusher.join().unwrap();
}

// --- Names and options -------------------------------------------------------------

#[test]
fn a_second_listener_on_a_taken_name_is_addr_in_use() {
    let name = "a_second_listener_on_a_taken_name_is_addr_in_use";
    let _watchdog = watchdog(name, LIMIT);
    let path = pipe_path("taken");
    let _first = listen(&path);
    let second = ListenerOptions::new(&path).create();
    if second.is_ok() && is_wine() {
        skip(
            name,
            "Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server gets the name",
        );
        return;
    }
    let error = second.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    assert!(error.to_string().contains("taken"), "{error}");
}

#[test]
fn bad_paths_are_invalid_input_saying_why() {
    let _watchdog = watchdog("bad_paths_are_invalid_input_saying_why", LIMIT);
    let long = format!(r"\\.\pipe\{}", "x".repeat(248));
    assert_eq!(long.len(), 257);
    let cases = [
        ("relative", "must start with"),
        (r"C:\pipe\name", "must start with"),
        (r"\\.\pipe\", "empty"),
        (r"\\.\notpipe\name", "form"),
        ("\\\\.\\pipe\\nul\0inside", "NUL"),
        (long.as_str(), "257"),
    ];
    for (path, why) in cases {
        for error in [
            ListenerOptions::new(path).create().unwrap_err(),
            ConnectOptions::new(path).connect().unwrap_err(),
        ] {
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{path:?}: {error}");
            assert!(error.to_string().contains(why), "{path:?}: {error}");
        }
    }
    let error = ListenerOptions::new(r"\\server\pipe\name")
        .create()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("local"), "{error}");
}

#[test]
fn a_path_at_the_length_limit_works() {
    let _watchdog = watchdog("a_path_at_the_length_limit_works", LIMIT);
    let prefix = pipe_path("limit");
    let path = format!("{prefix}{}", "y".repeat(256 - prefix.len()));
    assert_eq!(path.len(), 256);
    let listener = listen(&path);
    let client = connect(&path);
    let _server = listener.accept().unwrap();
    drop(client);
}

#[test]
fn bad_instance_counts_are_invalid_input() {
    let _watchdog = watchdog("bad_instance_counts_are_invalid_input", LIMIT);
    let path = pipe_path("counts");
    for error in [
        ListenerOptions::new(&path)
            .max_instances(Some(0))
            .create()
            .unwrap_err(),
        ListenerOptions::new(&path)
            .max_instances(Some(255))
            .create()
            .unwrap_err(),
        ListenerOptions::new(&path)
            .ready_instances(0)
            .create()
            .unwrap_err(),
        ListenerOptions::new(&path)
            .ready_instances(65)
            .create()
            .unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
}

#[test]
fn session_ids_match_on_one_machine() {
    let name = "session_ids_match_on_one_machine";
    let _watchdog = watchdog(name, LIMIT);
    let path = pipe_path("session");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    if is_wine() {
        skip(
            name,
            "GetNamedPipeClientSessionId and ServerSessionId are stubs in Wine",
        );
        return;
    }
    let client_session = server.client_session_id().unwrap();
    assert_eq!(client_session, client.client_session_id().unwrap());
    assert_eq!(
        server.server_session_id().unwrap(),
        client_session,
        "same process, same session"
    );
}

#[test]
fn impersonation_runs_the_closure_and_only_on_the_server_end() {
    let name = "impersonation_runs_the_closure_and_only_on_the_server_end";
    let _watchdog = watchdog(name, LIMIT);
    let path = pipe_path("impersonate");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    let error = client.impersonate_client(|| ()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    if is_wine() {
        skip(name, "ImpersonateNamedPipeClient is a stub in Wine");
        return;
    }
    // Impersonation needs the client to have sent something first.
    (&client).write_all(b"x").unwrap();
    read_exactly(&server, 1);
    assert_eq!(server.impersonate_client(|| 42).unwrap(), 42);
}

#[test]
fn process_ids_in_one_process_are_our_own() {
    let _watchdog = watchdog("process_ids_in_one_process_are_our_own", LIMIT);
    let path = pipe_path("pids");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    let me = std::process::id();
    for stream in [&server, &client] {
        assert_eq!(stream.client_process_id().unwrap(), me);
        assert_eq!(stream.server_process_id().unwrap(), me);
        assert_eq!(stream.peer_process_id().unwrap(), me);
    }
    assert!(server.is_server() && !client.is_server());
}

#[test]
fn errors_have_the_kinds_the_docs_promise_for_plain_io() {
    let _watchdog = watchdog("errors_have_the_kinds_the_docs_promise_for_plain_io", LIMIT);
    // A closed peer mid-transfer: the writer sees BrokenPipe, the reader Ok(0).
    let path = pipe_path("midtransfer");
    let listener = listen(&path);
    let client = connect(&path);
    let server = listener.accept().unwrap();
    let writer = thread::spawn(move || {
        let chunk = [3; 8192];
        loop {
            if let Err(error) = (&client).write(&chunk) {
                return error;
            }
        }
    });
    read_exactly(&server, 100_000);
    drop(server);
    let error = writer.join().unwrap();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
}

#[test]
fn an_inheritable_server_end_reaches_a_child_and_the_default_does_not() {
    let name = "an_inheritable_server_end_reaches_a_child_and_the_default_does_not";
    let _watchdog = watchdog(name, LIMIT);
    if is_child() {
        thread::sleep(Duration::from_secs(60));
        return;
    }
    for inheritable in [false, true] {
        let path = pipe_path("inherit");
        let listener = ListenerOptions::new(&path)
            .inheritable(inheritable)
            .create()
            .unwrap();
        let client = connect(&path);
        let server = listener.accept().unwrap();
        // std spawns with handle inheritance on: only inheritable handles go along.
        let mut child = child_command(name).spawn_child().unwrap();
        drop(server);
        drop(listener);
        client
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let read = (&client).read(&mut [0; 1]);
        child.kill().unwrap();
        child.wait().unwrap();
        if inheritable {
            // The child holds a copy of the server end: no end of stream yet.
            assert_eq!(read.unwrap_err().kind(), ErrorKind::TimedOut, "inheritable");
            assert_eq!(
                (&client).read(&mut [0; 1]).unwrap(),
                0,
                "end of stream once the child is gone"
            );
        } else {
            assert_eq!(read.unwrap(), 0, "not inheritable: end of stream at once");
        }
    }
}
