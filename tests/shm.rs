//! Shared-memory channels (`localipc::shm`): integrity across processes,
//! wrap-around at every offset, the ends of a channel (a peer that drops,
//! shuts down or is killed), nonblocking mode, the set-up's checks, a
//! hostile peer that scribbles on the memory, other users, and no leaked
//! descriptors, handles or mappings after 1,000 channels.

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::Duration;

use localipc::local_socket::{Listener, ResourceStream, Stream};
use localipc::shm::{ShmListener, ShmOptions, ShmStream, Spin};
use util::names::{name_for_child, name_from_parent, namespaced};
use util::{Checksum, Pattern, assert_success, child_command, is_child, receive_all, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

/// A connected pair in this process: (client, server).
fn pair_with(label: &str, options: ShmOptions) -> (ShmStream, ShmStream) {
    let name = namespaced(label);
    let listener = ShmListener::bind(&name).unwrap();
    let client = thread::spawn(move || options.connect(&name));
    let server = listener.accept().unwrap();
    (client.join().unwrap().unwrap(), server)
}

fn pair(label: &str) -> (ShmStream, ShmStream) {
    pair_with(label, ShmOptions::new())
}

/// Bytes each way in the integrity test: 1 GiB, less under Wine (whose
/// process and pipe emulation is slow, not the channel).
fn integrity_total() -> u64 {
    if util::is_wine() { 64 << 20 } else { 1 << 30 }
}

/// The child of the integrity test: receives the parent's bytes and checks
/// them, then sends its own, on a channel it connects.
fn integrity_child() {
    let total = integrity_total();
    let mut stream = ShmStream::connect(&name_from_parent()).unwrap();
    // Odd-sized writes, so that they straddle the ring's end at many offsets.
    let sent = Pattern::new(2).send(&mut stream, total, 65_521).unwrap();
    stream.shutdown_write();
    let (received, checksum) = receive_all(&mut stream).unwrap();
    assert_eq!(received, total);
    assert_eq!(checksum, Pattern::new(1).checksum(total), "parent to child");
    let _ = sent;
}

#[test]
fn a_gibibyte_crosses_each_way_between_processes_intact() {
    let test = "a_gibibyte_crosses_each_way_between_processes_intact";
    if is_child() {
        integrity_child();
        return;
    }
    let _watchdog = watchdog(test, Duration::from_secs(300));
    let total = integrity_total();
    let name = namespaced("integrity");
    let listener = ShmListener::bind(&name).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    let mut child = command.spawn_child().unwrap();
    let mut stream = listener.accept().unwrap();
    let (received, checksum) = receive_all(&mut stream).unwrap();
    assert_eq!(received, total);
    assert_eq!(checksum, Pattern::new(2).checksum(total), "child to parent");
    Pattern::new(1).send(&mut stream, total, 1 << 16).unwrap();
    stream.shutdown_write();
    assert_success(child.wait().unwrap(), "the integrity child");
}

#[test]
fn bytes_wrap_around_the_ring_at_every_offset() {
    let _watchdog = watchdog("bytes_wrap_around_the_ring_at_every_offset", LIMIT);
    let capacity = 4096;
    let (mut client, mut server) = pair_with("wrap", ShmOptions::new().capacity(capacity));
    assert_eq!(client.capacity(), capacity);
    let pattern = Pattern::new(7);
    let mut block = vec![0; capacity];
    let mut got = vec![0; capacity];
    let mut offset = 0u64;
    for shift in 0..capacity {
        // One byte moves the start by one; then a full ring's worth, which
        // wraps at `shift` (a write of a full ring never waits).
        for len in [1, capacity] {
            pattern.fill(offset, &mut block[..len]);
            client.write_all(&block[..len]).unwrap();
            server.read_exact(&mut got[..len]).unwrap();
            assert_eq!(got[..len], block[..len], "at shift {shift}, {len} bytes");
            offset += len as u64;
        }
    }
    // And the other way, a sample of offsets with uneven sizes.
    for len in [1, 7, 4095, 4096, 3000, 13] {
        pattern.fill(offset, &mut block[..len]);
        server.write_all(&block[..len]).unwrap();
        client.read_exact(&mut got[..len]).unwrap();
        assert_eq!(got[..len], block[..len]);
        offset += len as u64;
    }
}

/// The child of the kill tests: `LOCALIPC_TEST_ROLE` says whether it
/// writes without end or reads a little and then sleeps.
fn killed_child() {
    let mut stream = ShmStream::connect(&name_from_parent()).unwrap();
    if std::env::var("LOCALIPC_TEST_ROLE").as_deref() == Ok("writer") {
        let chunk = vec![0x5a; 10_000];
        loop {
            stream.write_all(&chunk).unwrap();
        }
    } else {
        let mut buf = [0; 1000];
        stream.read_exact(&mut buf).unwrap();
        stream.write_all(b"r").unwrap();
        thread::sleep(Duration::from_secs(100));
    }
}

#[test]
fn a_writer_killed_mid_transfer_ends_the_readers_stream() {
    let test = "a_writer_killed_mid_transfer_ends_the_readers_stream";
    if is_child() {
        killed_child();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    for spin in [Spin::default(), Spin::Off] {
        let name = namespaced("kill-writer");
        let listener = ShmListener::bind_with(
            &localipc::local_socket::ListenerOptions::new(&name),
            ShmOptions::new().spin(spin),
        )
        .unwrap();
        let mut command = child_command(test);
        name_for_child(&mut command, &name);
        command.env("LOCALIPC_TEST_ROLE", "writer");
        let mut child = command.spawn_child().unwrap();
        let mut stream = listener.accept().unwrap();
        let mut buf = vec![0; 1 << 16];
        let mut total = 0;
        while total < 1 << 20 {
            total += stream.read(&mut buf).unwrap();
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // What was written before the kill is still there, then the end.
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => assert!(buf[..n].iter().all(|&byte| byte == 0x5a)),
                Err(error) => panic!("a read after the writer died: {error}"),
            }
        }
        assert_eq!(stream.read(&mut buf).unwrap(), 0, "the end stays the end");
        let error = stream.write(b"x").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    }
}

#[test]
fn a_reader_killed_mid_transfer_breaks_the_writers_writes() {
    let test = "a_reader_killed_mid_transfer_breaks_the_writers_writes";
    if is_child() {
        killed_child();
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let name = namespaced("kill-reader");
    let listener = ShmListener::bind(&name).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    command.env("LOCALIPC_TEST_ROLE", "reader");
    let mut child = command.spawn_child().unwrap();
    let mut stream = listener.accept().unwrap();
    stream.write_all(&[1; 1000]).unwrap();
    let mut answer = [0; 1];
    stream.read_exact(&mut answer).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // The ring takes writes until it is full; then the write would wait,
    // and sees the peer gone.
    let error = util::write_until_error(&mut stream, &[2; 10_000]);
    assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    // Reads see the end.
    assert_eq!(stream.read(&mut answer).unwrap(), 0);
}

#[test]
fn a_dropped_peer_ends_reads_after_its_bytes_and_breaks_writes_at_once() {
    let _watchdog = watchdog(
        "a_dropped_peer_ends_reads_after_its_bytes_and_breaks_writes_at_once",
        LIMIT,
    );
    let (mut client, mut server) = pair("drop");
    client.write_all(b"last words").unwrap();
    drop(client);
    let mut text = String::new();
    server.read_to_string(&mut text).unwrap();
    assert_eq!(text, "last words");
    let error = server.write(b"anyone?").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BrokenPipe);

    // A reader asleep in its wait wakes up when the peer drops.
    let (client, mut server) = pair_with("drop-waiting", ShmOptions::new().spin(Spin::Off));
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(client);
    });
    let mut buf = [0; 8];
    assert_eq!(server.read(&mut buf).unwrap(), 0);
    dropper.join().unwrap();
}

#[test]
fn shutdown_write_ends_the_peers_reads_and_refuses_later_writes() {
    let _watchdog = watchdog(
        "shutdown_write_ends_the_peers_reads_and_refuses_later_writes",
        LIMIT,
    );
    let (mut client, mut server) = pair("shutdown");
    client.write_all(b"request").unwrap();
    client.shutdown_write();
    assert_eq!(
        client.write(b"more").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
    let mut request = Vec::new();
    server.read_to_end(&mut request).unwrap();
    assert_eq!(request, b"request");
    // The other direction still works.
    server.write_all(b"response").unwrap();
    drop(server);
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    assert_eq!(response, b"response");
}

#[test]
fn nonblocking_reads_and_writes_would_block_then_go_on() {
    let _watchdog = watchdog("nonblocking_reads_and_writes_would_block_then_go_on", LIMIT);
    let capacity = 8192;
    let (mut client, mut server) = pair_with("nonblocking", ShmOptions::new().capacity(capacity));
    client.set_nonblocking(true).unwrap();
    server.set_nonblocking(true).unwrap();
    let mut buf = vec![0; capacity * 2];
    assert_eq!(
        server.read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    // Writes fill the ring, then would block.
    let mut written = 0;
    loop {
        match client.write(&[3; 1000]) {
            Ok(n) => written += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("{error}"),
        }
    }
    assert_eq!(written, capacity);
    assert_eq!(server.read(&mut buf).unwrap(), capacity);
    assert!(buf[..capacity].iter().all(|&byte| byte == 3));
    assert_eq!(client.write(b"again").unwrap(), 5);
    // A blocking read on the other side, woken by a nonblocking write.
    server.set_nonblocking(false).unwrap();
    assert_eq!(server.read(&mut buf).unwrap(), 5);
    let reader = thread::spawn(move || {
        let mut buf = [0; 4];
        server.read_exact(&mut buf).map(|()| buf)
    });
    thread::sleep(Duration::from_millis(100));
    client.write_all(b"wake").unwrap();
    assert_eq!(&reader.join().unwrap().unwrap(), b"wake");
    // The peer gone: the end, in nonblocking mode too.
    assert_eq!(client.read(&mut buf).unwrap(), 0);
    assert_eq!(
        client.write(b"x").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
}

#[test]
fn options_and_the_set_up_are_checked() {
    let _watchdog = watchdog("options_and_the_set_up_are_checked", LIMIT);
    let name = namespaced("options");
    for capacity in [0, 1000, 2048, 3 << 20, 1 << 31] {
        let error = ShmOptions::new()
            .capacity(capacity)
            .connect(&name)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "capacity {capacity}");
    }
    // A server that does not speak the protocol.
    let listener = Listener::bind(&name).unwrap();
    let client = thread::spawn({
        let name = name.clone();
        move || {
            ShmOptions::new()
                .setup_timeout(Some(Duration::from_secs(5)))
                .connect(&name)
        }
    });
    let stream = listener.accept().unwrap();
    (&stream)
        .write_all(b"HTTP/1.1 400 Bad Request\r\n")
        .unwrap();
    let error = client.join().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    drop(stream);
    // A client that never sends: the set-up times out, the listener lives.
    let shm = ShmListener::from_listener(
        listener,
        ShmOptions::new().setup_timeout(Some(Duration::from_millis(300))),
    );
    let silent = Stream::connect(&name).unwrap();
    let error = shm.accept().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    drop(silent);
    // A client with the right words but no memory.
    let liar = ResourceStream::new(Stream::connect(&name).unwrap()).unwrap();
    liar.send_with(b"LIPCSHM\x01", &[]).unwrap();
    let error = shm.accept().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    drop(liar);
    // And a real one still gets through.
    let client = thread::spawn(move || ShmStream::connect(&name));
    let mut server = shm.accept().unwrap();
    let mut client = client.join().unwrap().unwrap();
    client.write_all(b"fine").unwrap();
    let mut buf = [0; 4];
    server.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"fine");
    assert!(format!("{server:?}").contains("ShmStream"));
}

/// The number of memory mappings of this process, where the test can count
/// them.
#[cfg(target_os = "linux")]
fn mapping_count() -> Option<usize> {
    Some(
        std::fs::read_to_string("/proc/self/maps")
            .unwrap()
            .lines()
            .count(),
    )
}

#[cfg(windows)]
fn mapping_count() -> Option<usize> {
    use windows_sys::Win32::System::Memory::{MEM_MAPPED, MEMORY_BASIC_INFORMATION, VirtualQuery};
    let mut count = 0;
    let mut address = 0usize;
    loop {
        let mut info = MEMORY_BASIC_INFORMATION::default();
        // SAFETY: `info` is writable and of the size passed; any address may
        // be queried.
        let written = unsafe {
            VirtualQuery(
                address as *const _,
                &mut info,
                size_of::<MEMORY_BASIC_INFORMATION>(),
            )
        };
        if written == 0 {
            return Some(count);
        }
        if info.Type == MEM_MAPPED && info.AllocationBase == info.BaseAddress {
            count += 1;
        }
        address = info.BaseAddress as usize + info.RegionSize;
    }
}

#[cfg(not(any(target_os = "linux", windows)))]
fn mapping_count() -> Option<usize> {
    None
}

fn handle_count() -> Option<usize> {
    #[cfg(any(target_os = "linux", windows))]
    return Some(util::open_handle_count());
    #[cfg(not(any(target_os = "linux", windows)))]
    return None;
}

/// Counts in a child process of its own, where no other test opens or
/// closes anything meanwhile.
#[test]
fn a_thousand_channels_leak_no_descriptors_handles_or_mappings() {
    let test = "a_thousand_channels_leak_no_descriptors_handles_or_mappings";
    let _watchdog = watchdog(test, LIMIT);
    if !is_child() {
        assert_success(
            child_command(test).status_child().unwrap(),
            "the counting child",
        );
        return;
    }
    let name = namespaced("thousand");
    let listener = ShmListener::bind(&name).unwrap();
    let round = |count: usize| {
        for _ in 0..count {
            let client = thread::spawn({
                let name = name.clone();
                move || {
                    let mut client = ShmStream::connect(&name).unwrap();
                    client.write_all(b"x").unwrap();
                    let mut buf = [0; 1];
                    client.read_exact(&mut buf).unwrap();
                }
            });
            let mut server = listener.accept().unwrap();
            let mut buf = [0; 1];
            server.read_exact(&mut buf).unwrap();
            server.write_all(&buf).unwrap();
            client.join().unwrap();
        }
    };
    // Warm up: what the first channel sets up for good (thread pools).
    round(3);
    thread::sleep(Duration::from_millis(200));
    // The counters can see a channel: one kept open shows up in both.
    let (handles_before, maps_before) = (handle_count(), mapping_count());
    let (kept_client, kept_server) = pair("thousand-kept");
    let (handles_with, maps_with) = (handle_count(), mapping_count());
    if let (Some(before), Some(with)) = (maps_before, maps_with) {
        assert!(
            with >= before + 2,
            "mappings: {before} then {with} with a channel open"
        );
    }
    if let (Some(before), Some(with)) = (handles_before, handles_with) {
        assert!(
            with >= before + 2,
            "handles: {before} then {with} with a channel open"
        );
    }
    drop((kept_client, kept_server));
    thread::sleep(Duration::from_millis(200));

    let rounds = 1000;
    let (handles_before, maps_before) = (handle_count(), mapping_count());
    round(rounds);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (handles, maps) = (handle_count(), mapping_count());
        if (handles, maps) == (handles_before, maps_before) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "after {rounds} channels: handles {handles_before:?} -> {handles:?}, mappings {maps_before:?} -> {maps:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_round_trip_with_and_without_spinning() {
    let _watchdog = watchdog("a_round_trip_with_and_without_spinning", LIMIT);
    for spin in [
        Spin::Off,
        Spin::default(),
        Spin::For(Duration::from_millis(5)),
    ] {
        let (mut client, mut server) = pair_with("rtt", ShmOptions::new().spin(spin));
        let echo = thread::spawn(move || {
            let mut buf = [0; 64];
            loop {
                match server.read(&mut buf).unwrap() {
                    0 => return,
                    n => server.write_all(&buf[..n]).unwrap(),
                }
            }
        });
        let mut checksum = Checksum::new();
        for i in 0..2000u32 {
            let message = i.to_le_bytes();
            client.write_all(&message).unwrap();
            let mut back = [0; 4];
            client.read_exact(&mut back).unwrap();
            assert_eq!(back, message);
            checksum.update(&back);
        }
        drop(client);
        echo.join().unwrap();
        let _ = checksum.finish();
    }
}
