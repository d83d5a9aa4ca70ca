//! Resources (descriptors, handles) passed between processes over local
//! sockets, through `ResourceStream`: what arrives, with which bytes, and
//! that nothing leaks whatever the receiver does.

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use localipc::local_socket::{Listener, ResourceStream, Stream};
use localipc::resource::{AsResource, MAX_PER_CALL, OwnedResource};
use util::names::{name_for_child, name_from_parent, namespaced};
use util::{assert_success, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

/// The number of open descriptors or handles, where the tests can count
/// them (Linux and Windows).
fn handle_count() -> Option<usize> {
    #[cfg(any(target_os = "linux", windows))]
    return Some(util::open_handle_count());
    #[cfg(not(any(target_os = "linux", windows)))]
    return None;
}

/// Serialises the tests of this file: some count this process's open
/// descriptors or handles, which the others would disturb.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits (a bounded while) for the count of open handles to become
/// `expected`, and returns the last count seen. On Windows the sender's
/// copies are closed by a thread-pool wait once the receiver has signalled,
/// a moment after the receive returns.
fn settled(expected: Option<usize>) -> Option<usize> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let count = handle_count();
        if count == expected || std::time::Instant::now() > deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends and receives one resource, so that what the first send sets up
/// for good (Windows' thread pool) is counted before a test starts counting.
fn warm_up(client: &ResourceStream, server: &ResourceStream) {
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    server.send_with(b"w", &[file.as_resource()]).unwrap();
    let mut resources = Vec::new();
    assert_eq!(recv_exactly(client, 1, &mut resources), b"w");
    drop(resources);
    drop(file);
    std::thread::sleep(Duration::from_millis(200));
}

/// A connected pair of resource streams in this process: (client, server).
fn pair(label: &str) -> (ResourceStream, ResourceStream) {
    let name = namespaced(label);
    let listener = Listener::bind(&name).unwrap();
    let client = ResourceStream::new(Stream::connect(&name).unwrap()).unwrap();
    let server = ResourceStream::new(listener.accept().unwrap()).unwrap();
    (client, server)
}

/// Receives exactly `len` bytes, collecting resources on the way.
fn recv_exactly(
    stream: &ResourceStream,
    len: usize,
    resources: &mut Vec<OwnedResource>,
) -> Vec<u8> {
    let mut got = vec![0; len];
    let mut filled = 0;
    while filled < len {
        let n = stream.recv_with(&mut got[filled..], resources).unwrap();
        assert_ne!(n, 0, "the stream ended after {filled} of {len} bytes");
        filled += n;
    }
    got
}

#[test]
fn bytes_and_resources_arrive_together_and_the_sender_keeps_its_own() {
    let _alone = one_at_a_time();
    let _watchdog = watchdog(
        "bytes_and_resources_arrive_together_and_the_sender_keeps_its_own",
        LIMIT,
    );
    let (client, server) = pair("together");
    let (mut sender, receiver) = localipc::pipe::pipe().unwrap();
    assert_eq!(
        server
            .send_with(b"one pipe", &[receiver.as_resource()])
            .unwrap(),
        8
    );
    let mut resources = Vec::new();
    assert_eq!(recv_exactly(&client, 8, &mut resources), b"one pipe");
    assert_eq!(resources.len(), 1);
    let mut copy = localipc::pipe::Receiver::from(resources.pop().unwrap());
    // Both copies read the same pipe; the sender still has its own.
    sender.write_all(b"ab").unwrap();
    let mut first = [0; 1];
    copy.read_exact(&mut first).unwrap();
    let mut second = [0; 1];
    (&receiver).read_exact(&mut second).unwrap();
    assert_eq!([first[0], second[0]], *b"ab");
}

#[test]
fn resources_never_come_with_bytes_sent_after_them() {
    let _alone = one_at_a_time();
    let _watchdog = watchdog("resources_never_come_with_bytes_sent_after_them", LIMIT);
    let (client, server) = pair("order");
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    (&server).write_all(b"before").unwrap();
    server.send_with(b"with", &[file.as_resource()]).unwrap();
    (&server).write_all(b"after").unwrap();
    let mut received = Vec::new();
    let mut with_resources = None;
    while received.len() < 15 {
        let mut buf = [0; 64];
        let mut resources = Vec::new();
        let n = client.recv_with(&mut buf, &mut resources).unwrap();
        assert_ne!(n, 0);
        if !resources.is_empty() {
            assert_eq!(resources.len(), 1);
            assert!(with_resources.is_none(), "the resource came twice");
            with_resources = Some(received.len()..received.len() + n);
        }
        received.extend_from_slice(&buf[..n]);
    }
    assert_eq!(received, b"beforewithafter");
    let range = with_resources.expect("the resource came");
    let carried = &received[range.clone()];
    assert!(
        carried.ends_with(b"with") || carried.ends_with(b"w") || carried.starts_with(b"w"),
        "the receive that returned the resource returned {:?}",
        String::from_utf8_lossy(carried)
    );
    assert!(
        range.end <= 10,
        "bytes sent after the resource came with it"
    );
    assert!(
        range.start <= 6 && range.end > 6,
        "it came with the first byte sent with it"
    );
}

#[test]
fn the_most_resources_go_in_one_call_and_one_more_is_refused_leaking_nothing() {
    let _watchdog = watchdog(
        "the_most_resources_go_in_one_call_and_one_more_is_refused_leaking_nothing",
        LIMIT,
    );
    let _alone = one_at_a_time();
    let (client, server) = pair("many");
    warm_up(&client, &server);
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let before = handle_count();
    {
        let borrowed: Vec<_> = (0..MAX_PER_CALL + 1).map(|_| file.as_resource()).collect();
        let error = server.send_with(b"x", &borrowed).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        assert!(error.to_string().contains("253"), "{error}");
        server.send_with(b"y", &borrowed[..MAX_PER_CALL]).unwrap();
        let mut resources = Vec::new();
        assert_eq!(recv_exactly(&client, 1, &mut resources), b"y");
        assert_eq!(resources.len(), MAX_PER_CALL);
        let expected = before.map(|count| count + MAX_PER_CALL);
        assert_eq!(settled(expected), expected, "the sender's copies closed");
    }
    assert_eq!(settled(before), before, "every received copy closed");
    // Resources without bytes are refused too.
    let error = server.send_with(b"", &[file.as_resource()]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
}

#[test]
fn a_plain_read_of_bytes_that_carry_resources_leaks_nothing() {
    let _watchdog = watchdog(
        "a_plain_read_of_bytes_that_carry_resources_leaks_nothing",
        LIMIT,
    );
    let _alone = one_at_a_time();
    let (mut client, server) = pair("plain");
    warm_up(&client, &server);
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let before = handle_count();
    for _ in 0..50 {
        let borrowed: Vec<_> = (0..10).map(|_| file.as_resource()).collect();
        server.send_with(b"0123456789", &borrowed).unwrap();
        let mut got = [0; 10];
        client.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"0123456789");
    }
    assert_eq!(
        settled(before),
        before,
        "the declined resources were closed"
    );
    drop(server);
    assert_eq!(client.read(&mut [0; 4]).unwrap(), 0);
}

/// Receives with the open-file limit so close to the count of open files
/// that most of ten descriptors cannot be installed: an error saying how
/// many bytes came, nothing leaked, and the stream still good.
#[cfg(target_os = "linux")]
#[test]
fn resources_lost_to_the_open_file_limit_are_an_error_and_leak_nothing() {
    let test = "resources_lost_to_the_open_file_limit_are_an_error_and_leak_nothing";
    if is_child() {
        let stream = ResourceStream::new(Stream::connect(&name_from_parent()).unwrap()).unwrap();
        let open = util::open_handle_count() as u64;
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        rustix::process::setrlimit(
            rustix::process::Resource::Nofile,
            rustix::process::Rlimit {
                current: Some(open + 3),
                maximum: limit.maximum,
            },
        )
        .unwrap();
        let mut buf = [0; 16];
        let mut resources = Vec::new();
        let error = stream.recv_with(&mut buf, &mut resources).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        let lost = error
            .get_ref()
            .unwrap()
            .downcast_ref::<localipc::resource::ResourcesLost>()
            .unwrap();
        assert_eq!(&buf[..lost.bytes], b"ten");
        assert!(resources.is_empty());
        assert_eq!(
            util::open_handle_count() as u64,
            open,
            "no received descriptor stayed open"
        );
        // The stream goes on: the next message, with one descriptor, fits.
        let n = stream.recv_with(&mut buf, &mut resources).unwrap();
        assert_eq!(&buf[..n], b"one");
        assert_eq!(resources.len(), 1);
        return;
    }
    let _alone = one_at_a_time();
    let _watchdog = watchdog(test, LIMIT);
    let name = namespaced("rlimit");
    let listener = Listener::bind(&name).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();
    let stream = ResourceStream::new(listener.accept().unwrap()).unwrap();
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    // Give the child time to lower its limit before anything arrives.
    std::thread::sleep(Duration::from_millis(300));
    let ten: Vec<_> = (0..10).map(|_| file.as_resource()).collect();
    stream.send_with(b"ten", &ten).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    stream.send_with(b"one", &[file.as_resource()]).unwrap();
    assert_success(child.wait().unwrap(), "receiver at its open-file limit");
}

// --- Across processes --------------------------------------------------------------

/// The child: receives a pipe end, a stream, a file (and on Unix a
/// listener) and uses each as the parent expects.
fn receiving_child() {
    let stream = ResourceStream::new(Stream::connect(&name_from_parent()).unwrap()).unwrap();
    let mut resources = Vec::new();
    let mut kinds = Vec::new();
    while kinds.len() < RESOURCE_KINDS.len() {
        let mut buf = [0; 16];
        let n = stream.recv_with(&mut buf, &mut resources).unwrap();
        assert_ne!(n, 0, "the parent left early");
        kinds.extend(buf[..n].iter().map(|&kind| kind as char));
    }
    assert_eq!(kinds.iter().collect::<String>(), RESOURCE_KINDS);
    assert_eq!(resources.len(), RESOURCE_KINDS.len());
    let mut resources = resources.into_iter();
    // A pipe end: read what the parent writes into the other end.
    let mut receiver = localipc::pipe::Receiver::from(resources.next().unwrap());
    let mut text = String::new();
    receiver.read_to_string(&mut text).unwrap();
    assert_eq!(text, "through a passed pipe");
    // A file: read it.
    let mut file = std::fs::File::from(resources.next().unwrap());
    let mut contents = String::new();
    file.read_to_string(&mut contents).unwrap();
    assert_eq!(contents, "a passed file");
    // A connected local socket: answer on it.
    let mut passed = to_stream(resources.next().unwrap());
    let mut question = [0; 8];
    passed.read_exact(&mut question).unwrap();
    assert_eq!(&question, b"question");
    passed.write_all(b"answer").unwrap();
    // A listener (Unix): accept on it.
    #[cfg(unix)]
    {
        let listener = Listener::from(resources.next().unwrap());
        let mut accepted = listener.accept().unwrap();
        accepted.write_all(b"accepted by the child").unwrap();
    }
    (&stream).write_all(b"done").unwrap();
}

#[cfg(unix)]
const RESOURCE_KINDS: &str = "pfsl";
#[cfg(windows)]
const RESOURCE_KINDS: &str = "pfs";

#[cfg(unix)]
fn to_stream(resource: OwnedResource) -> Stream {
    Stream::from(resource)
}

#[cfg(windows)]
fn to_stream(resource: OwnedResource) -> Stream {
    Stream::try_from(resource).unwrap()
}

#[test]
fn every_kind_of_resource_crosses_to_another_process_and_works_there() {
    let test = "every_kind_of_resource_crosses_to_another_process_and_works_there";
    if is_child() {
        receiving_child();
        return;
    }
    let _alone = one_at_a_time();
    let _watchdog = watchdog(test, LIMIT);
    let name = namespaced("cross");
    let listener = Listener::bind(&name).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();
    let control = ResourceStream::new(listener.accept().unwrap()).unwrap();

    let (mut sender, receiver) = localipc::pipe::pipe().unwrap();
    let dir = util::TempDir::new("passed-file");
    let path = dir.path().join("file");
    std::fs::write(&path, b"a passed file").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let other = namespaced("passed-stream");
    let other_listener = Listener::bind(&other).unwrap();
    let mut ours = Stream::connect(&other).unwrap();
    let theirs = other_listener.accept().unwrap();
    #[cfg(unix)]
    let passed_listener_name = namespaced("passed-listener");
    #[cfg(unix)]
    let passed_listener = Listener::bind(&passed_listener_name).unwrap();

    control.send_with(b"p", &[receiver.as_resource()]).unwrap();
    control.send_with(b"f", &[file.as_resource()]).unwrap();
    control.send_with(b"s", &[theirs.as_resource()]).unwrap();
    #[cfg(unix)]
    control
        .send_with(b"l", &[passed_listener.as_resource()])
        .unwrap();
    // Ours are not needed any more: the child has its own copies.
    drop((receiver, file, theirs));
    sender.write_all(b"through a passed pipe").unwrap();
    drop(sender);
    ours.write_all(b"question").unwrap();
    let mut answer = [0; 6];
    ours.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"answer");
    #[cfg(unix)]
    {
        let mut client = Stream::connect(&passed_listener_name).unwrap();
        let mut greeting = String::new();
        client.read_to_string(&mut greeting).unwrap();
        assert_eq!(greeting, "accepted by the child");
    }
    let mut done = [0; 4];
    (&control).read_exact(&mut done).unwrap();
    assert_eq!(&done, b"done");
    assert_success(child.wait().unwrap(), "receiving child");
}

/// The child of the kill test: sends resources in a loop (if told to send)
/// or just holds the stream, until it is killed.
fn killed_child() {
    let stream = ResourceStream::new(Stream::connect(&name_from_parent()).unwrap()).unwrap();
    if std::env::var_os("LOCALIPC_TEST_SEND").is_some() {
        let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
        loop {
            let borrowed: Vec<_> = (0..4).map(|_| file.as_resource()).collect();
            if stream.send_with(b"four", &borrowed).is_err() {
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_peer_killed_mid_transfer_leaks_nothing_here() {
    let test = "a_peer_killed_mid_transfer_leaks_nothing_here";
    if is_child() {
        killed_child();
        return;
    }
    let _alone = one_at_a_time();
    let _watchdog = watchdog(test, LIMIT);
    {
        let (client, server) = pair("kill-warm");
        warm_up(&client, &server);
    }
    let name = namespaced("kill");
    let listener = Listener::bind(&name).unwrap();
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let before = handle_count();
    for child_sends in [false, true] {
        let mut command = child_command(test);
        name_for_child(&mut command, &name);
        if child_sends {
            command.env("LOCALIPC_TEST_SEND", "1");
        }
        let mut child = command.spawn_child().unwrap();
        let stream = ResourceStream::new(listener.accept().unwrap()).unwrap();
        if child_sends {
            // Take some of what it sends, then kill it in the middle.
            let mut resources = Vec::new();
            recv_exactly(&stream, 40, &mut resources);
            child.kill().unwrap();
            child.wait().unwrap();
            let mut buf = [0; 64];
            while let Ok(n) = stream.recv_with(&mut buf, &mut resources) {
                if n == 0 {
                    break;
                }
            }
        } else {
            // Send to a child that never reads, then kill it.
            for _ in 0..20 {
                let borrowed: Vec<_> = (0..4).map(|_| file.as_resource()).collect();
                stream.send_with(b"four", &borrowed).unwrap();
            }
            child.kill().unwrap();
            child.wait().unwrap();
        }
        drop((stream, child));
        assert_eq!(
            settled(before),
            before,
            "after a killed child that {}",
            if child_sends { "sent" } else { "received" }
        );
    }
}

// --- Timeouts bound whole calls ------------------------------------------------

/// A write timeout bounds the whole send, however slowly the reader makes
/// room (on Windows the frame that carries the bytes is cut then, and the
/// stream sends no more).
#[test]
fn a_write_timeout_bounds_a_whole_send_to_a_slow_reader() {
    let _alone = one_at_a_time();
    let _watchdog = watchdog(
        "a_write_timeout_bounds_a_whole_send_to_a_slow_reader",
        LIMIT,
    );
    let (client, server) = pair("rs-slow-reader");
    client
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // On Windows the 1 MiB of the send's first frame alone would take
    // seconds to drain.
    util::assert_a_write_to_a_slow_reader_ends_on_time(
        move |buf| (&server).read(buf),
        move |data| client.send_with(data, &[]),
    );
}

/// A signal does not start a receive's read timeout afresh: the receive
/// times out on time however often its thread is interrupted.
#[cfg(unix)]
#[test]
fn signals_do_not_restart_the_read_timeout_of_a_receive() {
    let _alone = one_at_a_time();
    let _watchdog = watchdog(
        "signals_do_not_restart_the_read_timeout_of_a_receive",
        LIMIT,
    );
    let (_client, server) = pair("rs-eintr");
    server
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    util::assert_signals_do_not_restart_a_timeout(|| {
        server.recv_with(&mut [0; 8], &mut Vec::new())
    });
}

/// A read timeout bounds the whole receive: a peer that trickles the frame
/// before the bytes (Windows) cannot stretch it a timeout per piece.
#[cfg(windows)]
#[test]
fn a_read_timeout_bounds_a_receive_whose_frame_trickles() {
    let _alone = one_at_a_time();
    let _watchdog = watchdog(
        "a_read_timeout_bounds_a_receive_whose_frame_trickles",
        LIMIT,
    );
    let name = namespaced("rs-trickle");
    let listener = Listener::bind(&name).unwrap();
    let raw = Stream::connect(&name).unwrap();
    let server = ResourceStream::new(listener.accept().unwrap()).unwrap();
    server
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    // A data frame (kind 1, three zero bytes, the length 5 as a
    // little-endian u32) and its bytes, one byte every 300 ms.
    let frame = [1, 0, 0, 0, 5, 0, 0, 0, b'h', b'e', b'l', b'l', b'o'];
    let mut next = 0;
    let writer = util::repeat(move || {
        std::thread::sleep(Duration::from_millis(300));
        let wrote = (&raw).write_all(&frame[next..next + 1]).is_ok();
        next += 1;
        wrote && next < frame.len()
    });
    let started = std::time::Instant::now();
    let received = server.recv_with(&mut [0; 8], &mut Vec::new());
    let took = started.elapsed();
    drop(writer);
    let error = received.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    assert!(
        took < Duration::from_secs(2),
        "a receive with a 1 s timeout took {took:?}"
    );
}
