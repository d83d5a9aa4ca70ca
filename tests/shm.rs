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
fn pair_with(label: &str, options: &ShmOptions) -> (ShmStream, ShmStream) {
    let name = namespaced(label);
    let options = options.clone();
    let listener = ShmListener::bind(&name).unwrap();
    let client = thread::spawn(move || options.connect(&name));
    let server = listener.accept().unwrap();
    (client.join().unwrap().unwrap(), server)
}

fn pair(label: &str) -> (ShmStream, ShmStream) {
    pair_with(label, &ShmOptions::new())
}

/// Bytes each way in the integrity test: 1 GiB.
fn integrity_total() -> u64 {
    1 << 30
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

/// Another user is refused by a listener's default policy: its connection
/// never becomes a channel, and the listener goes on serving its own user.
#[cfg(unix)]
#[test]
fn another_user_cannot_open_a_channel_by_default() {
    use std::os::unix::process::CommandExt;
    let test = "another_user_cannot_open_a_channel_by_default";
    if is_child() {
        // Playing uid 65534: the set-up must fail.
        match ShmStream::connect(&name_from_parent()) {
            Ok(_) => std::process::exit(3),
            Err(error) => {
                eprintln!("refused as expected: {error}");
                std::process::exit(0)
            }
        }
    }
    let _watchdog = watchdog(test, LIMIT);
    if !rustix::process::geteuid().is_root() {
        util::skip(test, "needs root to run a child process as another user");
        return;
    }
    for kind in ["namespaced", "path"] {
        let path = util::names::path_name("shm-other-user");
        let name = if kind == "path" {
            path.name.clone()
        } else {
            namespaced("shm-other-user")
        };
        let listener = ShmListener::bind(&name).unwrap();
        let mut command = child_command(test);
        name_for_child(&mut command, &name);
        command.uid(65534).gid(65534);
        let status = command.status_child().unwrap();
        assert_success(status, &format!("the other user's client ({kind} name)"));
        let client = thread::spawn({
            let name = name.clone();
            move || ShmStream::connect(&name)
        });
        let mut server = listener.accept().unwrap();
        let mut client = client.join().unwrap().unwrap();
        client.write_all(b"me").unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"me", "{kind}");
    }
}

/// A POSIX shared memory object of `len` bytes (unlinked at once): the
/// memory of systems without memfd seals, which has none.
#[cfg(any(target_os = "linux", localipc_unsealed_shm))]
fn posix_shared_memory(len: u64) -> std::os::fd::OwnedFd {
    use rustix::fs::Mode;
    use rustix::shm::OFlags;
    let name = format!("/{}", util::names::unique("posix-shm"));
    let fd = rustix::shm::open(
        name.as_str(),
        OFlags::CREATE | OFlags::EXCL | OFlags::RDWR,
        Mode::RUSR | Mode::WUSR,
    )
    .unwrap();
    rustix::shm::unlink(name.as_str()).unwrap();
    rustix::fs::ftruncate(&fd, len).unwrap();
    fd
}

/// Where the OS cannot keep the peer from shrinking the memory (no memfd
/// seals, and POSIX shared memory that can be resized; forced on Linux by
/// `--cfg localipc_unsealed_shm`, as CI does), a channel is refused on both
/// sides with `Unsupported`, naming the OS, and neither side waits for the
/// other: each side's peer sees the end of the socket at once. Under that
/// cfg CI runs these tests alone (the others need working channels).
#[cfg(localipc_unsealed_shm)]
mod unsealed {
    use std::io::Read;
    use std::thread;

    use localipc::local_socket::{Listener, ResourceStream, Stream};
    use localipc::resource::AsResource;
    use localipc::shm::{ShmListener, ShmOptions, ShmStream};

    use crate::util::assert_refused_for_this_os;
    use crate::util::names::namespaced;
    use crate::{LIMIT, watchdog};

    /// Asserts that `stream`'s peer closed it without sending a byte.
    #[track_caller]
    fn assert_ended(mut stream: &ResourceStream) {
        let mut buf = [0; 8];
        assert_eq!(stream.read(&mut buf).unwrap(), 0);
    }

    /// A connected pair of resource streams: (client, server).
    fn resource_pair(label: &str) -> (ResourceStream, ResourceStream) {
        let name = namespaced(label);
        let listener = Listener::bind(&name).unwrap();
        let client = Stream::connect(&name).unwrap();
        let server = listener.accept().unwrap();
        (
            ResourceStream::new(client).unwrap(),
            ResourceStream::new(server).unwrap(),
        )
    }

    #[test]
    fn connect_and_accept_refuse_naming_the_os() {
        let _watchdog = watchdog("unsealed::connect_and_accept_refuse_naming_the_os", LIMIT);
        let name = namespaced("unsealed");
        let listener = ShmListener::bind(&name).unwrap();
        let client = thread::spawn(move || ShmStream::connect(&name));
        assert_refused_for_this_os(listener.accept(), "accept");
        assert_refused_for_this_os(client.join().unwrap(), "connect");
    }

    #[test]
    fn offer_refuses_and_its_peer_sees_the_end() {
        let _watchdog = watchdog("unsealed::offer_refuses_and_its_peer_sees_the_end", LIMIT);
        let (client, server) = resource_pair("unsealed-offer");
        assert_refused_for_this_os(ShmOptions::new().offer(client), "offer");
        assert_ended(&server);
    }

    /// With no limit on the set-up, an accept that waited for the peer
    /// would hang (to the watchdog): it refuses before it reads.
    #[test]
    fn accept_refuses_without_waiting_and_its_peer_sees_the_end() {
        let _watchdog = watchdog(
            "unsealed::accept_refuses_without_waiting_and_its_peer_sees_the_end",
            LIMIT,
        );
        let mut options = ShmOptions::new();
        options.setup_timeout(None);
        let (silent, server) = resource_pair("unsealed-accept");
        assert_refused_for_this_os(options.accept(server), "accept of a silent peer");
        assert_ended(&silent);
        // A peer that offers memory as this system would make it.
        let (client, server) = resource_pair("unsealed-accept-memory");
        let memory = crate::posix_shared_memory(4096 + 2 * 4096);
        client
            .send_with(b"LIPCSHM\x01", &[memory.as_resource()])
            .unwrap();
        assert_refused_for_this_os(options.accept(server), "accept of offered memory");
        assert_ended(&client);
    }
}

/// A peer that speaks the protocol by hand (memory of its own: a memfd
/// written with `pwrite` on Linux, a section written through a view of its
/// own on Windows) and lies: at the set-up, then in the shared memory while
/// the channel runs.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
mod hostile {
    use std::io::{ErrorKind, Read, Write};
    use std::thread;
    use std::time::Duration;

    use localipc::local_socket::{Name, ResourceStream, Stream};
    use localipc::resource::{AsResource, BorrowedResource, OwnedResource};
    use localipc::shm::ShmListener;

    use crate::util::names::namespaced;
    use crate::{LIMIT, watchdog};

    const HEADER: u64 = 4096;
    const RING0: u64 = 256;
    const RING1: u64 = 1280;
    const WRITTEN: u64 = 0;
    const READ: u64 = 256;

    /// The hostile peer's memory.
    struct Memory {
        object: OwnedResource,
        #[cfg(windows)]
        view: View,
    }

    /// A view of the section, unmapped on drop.
    #[cfg(windows)]
    struct View {
        base: *mut u8,
        len: u64,
    }

    // SAFETY: the view is plain memory of this process, written only through
    // `put`'s volatile writes; the test moves it to one scribbling thread.
    #[cfg(windows)]
    unsafe impl Send for View {}

    #[cfg(windows)]
    impl Drop for View {
        fn drop(&mut self) {
            use windows_sys::Win32::System::Memory::{MEMORY_MAPPED_VIEW_ADDRESS, UnmapViewOfFile};
            // SAFETY: the view was mapped by `memory` and is unmapped once.
            unsafe {
                UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS {
                    Value: self.base.cast(),
                })
            };
        }
    }

    /// Memory for rings of `capacity`, with a header that says
    /// `header_capacity`, sealed against shrinking or not (Linux; a section
    /// cannot shrink).
    fn memory(capacity: u64, header_capacity: u64, seal: bool) -> Memory {
        let len = HEADER + 2 * capacity;
        #[cfg(unix)]
        let memory = {
            use rustix::fs::{MemfdFlags, SealFlags};
            let fd = rustix::fs::memfd_create(
                "hostile",
                MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
            )
            .unwrap();
            rustix::fs::ftruncate(&fd, len).unwrap();
            if seal {
                rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW).unwrap();
            }
            Memory { object: fd }
        };
        #[cfg(windows)]
        let memory = {
            use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
            use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
            use windows_sys::Win32::System::Memory::{
                CreateFileMappingW, FILE_MAP_ALL_ACCESS, MapViewOfFile, PAGE_READWRITE,
            };
            let _ = seal;
            // SAFETY: an unnamed section backed by the paging file.
            let raw = unsafe {
                CreateFileMappingW(
                    INVALID_HANDLE_VALUE,
                    std::ptr::null(),
                    PAGE_READWRITE,
                    0,
                    len as u32,
                    std::ptr::null(),
                )
            };
            assert!(!raw.is_null(), "{}", std::io::Error::last_os_error());
            // SAFETY: a new handle owned by nothing else.
            let object = unsafe { OwnedHandle::from_raw_handle(raw) };
            // SAFETY: a view of all of the live section.
            let view =
                unsafe { MapViewOfFile(object.as_raw_handle(), FILE_MAP_ALL_ACCESS, 0, 0, 0) };
            assert!(!view.Value.is_null());
            Memory {
                object,
                view: View {
                    base: view.Value.cast(),
                    len,
                },
            }
        };
        write_header(&memory, header_capacity);
        memory
    }

    /// Writes a valid channel header that says rings of `capacity` bytes.
    fn write_header(memory: &Memory, capacity: u64) {
        put(memory, 0, u64::from_le_bytes(*b"LIPCSHM1"));
        // The layout's version 2.
        put(memory, 8, 2);
        put(memory, 16, capacity);
    }

    /// POSIX shared memory (no seals) for rings of `capacity`, with a valid
    /// header: what a peer on a system without memfd seals makes.
    #[cfg(target_os = "linux")]
    fn posix_memory(capacity: u64) -> Memory {
        let memory = Memory {
            object: crate::posix_shared_memory(HEADER + 2 * capacity),
        };
        write_header(&memory, capacity);
        memory
    }

    /// A section of `len` bytes created with `SEC_RESERVE`, with only its
    /// first page (the header's) committed, through a view of its own whose
    /// writable length is that page. `None` if a second view does not show
    /// the rest reserved (what the accepting side will see), which only an
    /// emulation of Windows could do.
    #[cfg(windows)]
    fn reserved_memory(len: u64) -> Option<Memory> {
        use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
        use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
        use windows_sys::Win32::System::Memory::{
            CreateFileMappingW, FILE_MAP_ALL_ACCESS, MEM_COMMIT, MapViewOfFile, PAGE_READWRITE,
            SEC_RESERVE, VirtualAlloc,
        };
        // SAFETY: an unnamed section backed by the paging file, its pages
        // reserved, not committed.
        let raw = unsafe {
            CreateFileMappingW(
                INVALID_HANDLE_VALUE,
                std::ptr::null(),
                PAGE_READWRITE | SEC_RESERVE,
                0,
                len as u32,
                std::ptr::null(),
            )
        };
        assert!(!raw.is_null(), "{}", std::io::Error::last_os_error());
        // SAFETY: a new handle owned by nothing else.
        let object = unsafe { OwnedHandle::from_raw_handle(raw) };
        // SAFETY: a view of all of the live section.
        let view = unsafe { MapViewOfFile(object.as_raw_handle(), FILE_MAP_ALL_ACCESS, 0, 0, 0) };
        assert!(!view.Value.is_null(), "{}", std::io::Error::last_os_error());
        let view = View {
            base: view.Value.cast(),
            len: HEADER,
        };
        // SAFETY: commits the first page of the view just mapped, which
        // holds no Rust object.
        let committed = unsafe {
            VirtualAlloc(
                view.base.cast(),
                HEADER as usize,
                MEM_COMMIT,
                PAGE_READWRITE,
            )
        };
        assert!(!committed.is_null(), "{}", std::io::Error::last_os_error());
        // SAFETY: a second view of all of the live section, unmapped by the
        // guard below.
        let second = unsafe { MapViewOfFile(object.as_raw_handle(), FILE_MAP_ALL_ACCESS, 0, 0, 0) };
        assert!(
            !second.Value.is_null(),
            "{}",
            std::io::Error::last_os_error()
        );
        let second = View {
            base: second.Value.cast(),
            len,
        };
        let header = region_at(second.base);
        let rings = region_at(second.base.wrapping_add(HEADER as usize));
        let faithful = header.State == MEM_COMMIT
            && header.RegionSize == HEADER as usize
            && rings.State == windows_sys::Win32::System::Memory::MEM_RESERVE;
        faithful.then_some(Memory { object, view })
    }

    /// What `VirtualQuery` says about the pages from `address` on.
    #[cfg(windows)]
    fn region_at(address: *mut u8) -> windows_sys::Win32::System::Memory::MEMORY_BASIC_INFORMATION {
        use windows_sys::Win32::System::Memory::{MEMORY_BASIC_INFORMATION, VirtualQuery};
        let mut info = MEMORY_BASIC_INFORMATION::default();
        // SAFETY: `info` is writable and of the size passed; any address may
        // be queried.
        let written = unsafe {
            VirtualQuery(
                address.cast_const().cast(),
                &mut info,
                size_of::<MEMORY_BASIC_INFORMATION>(),
            )
        };
        assert_ne!(written, 0, "{}", std::io::Error::last_os_error());
        info
    }

    /// Writes `value` at `offset` of the memory, as the peer may: at any
    /// offset, aligned or not.
    fn put(memory: &Memory, offset: u64, value: u64) {
        #[cfg(unix)]
        rustix::io::pwrite(&memory.object, &value.to_le_bytes(), offset).unwrap();
        #[cfg(windows)]
        {
            assert!(offset + 8 <= memory.view.len);
            for (i, byte) in value.to_le_bytes().into_iter().enumerate() {
                let at = memory.view.base.wrapping_add(offset as usize + i);
                // SAFETY: within the view (checked above); volatile, as the
                // other side reads this memory concurrently.
                unsafe { at.write_volatile(byte) };
            }
        }
    }

    /// Reads the word at `offset` of the memory, as the peer may.
    fn get(memory: &Memory, offset: u64) -> u64 {
        let mut bytes = [0; 8];
        #[cfg(unix)]
        rustix::io::pread(&memory.object, &mut bytes, offset).unwrap();
        #[cfg(windows)]
        {
            assert!(offset + 8 <= memory.view.len);
            for (i, byte) in bytes.iter_mut().enumerate() {
                let at = memory.view.base.wrapping_add(offset as usize + i);
                // SAFETY: within the view (checked above); volatile, as the
                // other side writes this memory concurrently.
                *byte = unsafe { at.read_volatile() };
            }
        }
        u64::from_le_bytes(bytes)
    }

    /// Connects to `name` and sends `hello` with `resources`; returns the
    /// stream.
    fn offer(name: &Name, hello: &[u8], resources: &[BorrowedResource<'_>]) -> ResourceStream {
        let stream = ResourceStream::new(Stream::connect(name).unwrap()).unwrap();
        stream.send_with(hello, resources).unwrap();
        stream
    }

    const HELLO: &[u8] = b"LIPCSHM\x01";

    #[test]
    fn lies_at_the_set_up_are_refused_and_the_listener_lives_on() {
        let _watchdog = watchdog(
            "hostile::lies_at_the_set_up_are_refused_and_the_listener_lives_on",
            LIMIT,
        );
        let name = namespaced("hostile-setup");
        let listener = ShmListener::bind(&name).unwrap();
        let (_pipe_writer, pipe_reader) = localipc::pipe::pipe().unwrap();
        let pipe_reader = OwnedResource::from(pipe_reader);
        let file =
            OwnedResource::from(std::fs::File::open(std::env::current_exe().unwrap()).unwrap());
        let good = || memory(4096, 4096, true).object;
        #[allow(unused_mut, reason = "the unsealed case is Linux's")]
        let mut cases: Vec<(&str, Vec<u8>, Vec<OwnedResource>)> = vec![
            (
                "a capacity larger than the memory",
                HELLO.to_vec(),
                vec![memory(4096, 8192, true).object],
            ),
            (
                "a capacity that is no power of two",
                HELLO.to_vec(),
                vec![memory(8192, 6000, true).object],
            ),
            (
                "a capacity of 0",
                HELLO.to_vec(),
                vec![memory(4096, 0, true).object],
            ),
            ("a pipe for memory", HELLO.to_vec(), vec![pipe_reader]),
            ("a file for memory", HELLO.to_vec(), vec![file]),
            ("two memories", HELLO.to_vec(), vec![good(), good()]),
            ("no memory", HELLO.to_vec(), vec![]),
            ("another protocol", b"LIPCSHM\x02".to_vec(), vec![good()]),
        ];
        #[cfg(unix)]
        cases.push((
            "unsealed memory",
            HELLO.to_vec(),
            vec![memory(4096, 4096, false).object],
        ));
        #[cfg(target_os = "linux")]
        cases.push((
            "POSIX shared memory (no seals)",
            HELLO.to_vec(),
            vec![posix_memory(4096).object],
        ));
        for (what, hello, resources) in cases {
            let borrowed: Vec<_> = resources.iter().map(AsResource::as_resource).collect();
            let peer = offer(&name, &hello, &borrowed);
            let error = listener.accept().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidData, "{what}: {error}");
            drop(peer);
        }
        // A wrong magic in the memory itself.
        let bad = memory(4096, 4096, true);
        put(&bad, 0, 0x0bad);
        let peer = offer(&name, HELLO, &[bad.object.as_resource()]);
        assert_eq!(
            listener.accept().unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        drop(peer);
        // An honest peer still gets a channel.
        let honest = good();
        let peer = offer(&name, HELLO, &[honest.as_resource()]);
        let mut server = listener.accept().unwrap();
        let mut ack = [0; 8];
        (&peer).read_exact(&mut ack).unwrap();
        assert_eq!(&ack, HELLO);
        server.write_all(b"ok").unwrap();
    }

    /// A peer's section whose ring pages were reserved and never committed
    /// (`SEC_RESERVE`), with a valid header in the one committed page:
    /// touching a ring would fault. The accepting side takes the memory's
    /// size from what is committed in its view, so the capacity does not
    /// fit and the memory is refused.
    #[cfg(windows)]
    #[test]
    fn a_section_with_uncommitted_ring_pages_is_refused() {
        let test = "hostile::a_section_with_uncommitted_ring_pages_is_refused";
        let _watchdog = watchdog(test, LIMIT);
        let capacity = 4096;
        let Some(memory) = reserved_memory(HEADER + 2 * capacity) else {
            assert!(
                crate::util::is_wine(),
                "a SEC_RESERVE section showed its uncommitted pages as committed"
            );
            crate::util::skip(
                test,
                "Wine does not keep a SEC_RESERVE section's pages reserved in a second view",
            );
            return;
        };
        write_header(&memory, capacity);
        let name = namespaced("hostile-reserved");
        let listener = ShmListener::bind(&name).unwrap();
        let peer = offer(&name, HELLO, &[memory.object.as_resource()]);
        let error = listener.accept().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        drop(peer);
    }

    /// Sets up a channel with a hand-made peer; returns its memory, its
    /// socket, and the server's stream.
    fn hand_made(label: &str, capacity: u64) -> (Memory, ResourceStream, localipc::shm::ShmStream) {
        let name = namespaced(label);
        let listener = ShmListener::bind(&name).unwrap();
        let fd = memory(capacity, capacity, true);
        let peer = offer(&name, HELLO, &[fd.object.as_resource()]);
        let server = listener.accept().unwrap();
        let mut ack = [0; 8];
        (&peer).read_exact(&mut ack).unwrap();
        (fd, peer, server)
    }

    #[test]
    fn counts_out_of_bounds_end_the_channel_with_invalid_data() {
        let _watchdog = watchdog(
            "hostile::counts_out_of_bounds_end_the_channel_with_invalid_data",
            LIMIT,
        );
        // A write count past the capacity: the reader refuses it, for good.
        let (fd, _peer, mut server) = hand_made("hostile-written", 4096);
        put(&fd, RING0 + WRITTEN, 4097);
        let mut buf = [0; 64];
        assert_eq!(
            server.read(&mut buf).unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        put(&fd, RING0 + WRITTEN, 0);
        assert_eq!(
            server.read(&mut buf).unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        assert_eq!(
            server.write(b"x").unwrap_err().kind(),
            ErrorKind::InvalidData
        );

        // A read count ahead of what was written: the writer refuses it once
        // it looks (when the ring seems full).
        let (fd, _peer, mut server) = hand_made("hostile-read", 4096);
        server.write_all(&[1; 4096]).unwrap();
        put(&fd, RING1 + READ, u64::MAX);
        assert_eq!(
            server.write(b"x").unwrap_err().kind(),
            ErrorKind::InvalidData
        );

        // A write count that goes backwards.
        let (fd, _peer, mut server) = hand_made("hostile-backwards", 4096);
        put(&fd, RING0 + WRITTEN, 100);
        assert_eq!(server.read(&mut buf).unwrap(), 64);
        put(&fd, RING0 + WRITTEN, 10);
        assert_eq!(
            server.read(&mut buf).unwrap(),
            36,
            "what was seen stays readable"
        );
        assert_eq!(
            server.read(&mut buf).unwrap_err().kind(),
            ErrorKind::InvalidData
        );
    }

    /// A peer that takes every byte and asks for a bell each time, but
    /// never reads a bell: its socket (or pipe) fills up with them, and this
    /// side goes on writing (a bell that cannot go is dropped; on Windows,
    /// after one write that waited its limit, no bell goes again). Without
    /// that, a write would wait for room on the socket forever.
    #[test]
    fn a_peer_that_never_takes_its_bells_cannot_stall_this_side() {
        let _watchdog = watchdog(
            "hostile::a_peer_that_never_takes_its_bells_cannot_stall_this_side",
            3 * LIMIT,
        );
        const READER_WAITS: u64 = 512;
        let (fd, peer, mut server) = hand_made("hostile-bells", 4096);
        // More bells than the socket buffer of Linux (a few hundred) or the
        // 64 KiB pipe buffer of Windows holds: each write finds the peer
        // waiting, so each rings. (Under Wine a write to a pipe holding many
        // small writes is slow: this takes about a minute there.)
        for written in 0..65_536 + 4_096 {
            // A new announcement each time (odd, never used before).
            put(&fd, RING1 + READER_WAITS, 2 * written + 1);
            assert_eq!(server.write(&[7]).unwrap(), 1, "after {written} bytes");
            // Taken at once: the ring never fills.
            put(&fd, RING1 + READ, get(&fd, RING1 + WRITTEN));
        }
        // On Windows the bells are bare bytes after the set-up, which the
        // peer's framed reads would refuse: only Unix looks at them.
        #[cfg(unix)]
        {
            let mut bells = vec![0; 1 << 20];
            let read = (&peer).read(&mut bells).unwrap();
            assert!(read > 0, "the peer was sent bells");
            assert!(bells[..read].iter().all(|&byte| byte == 1));
        }
        drop(peer);
    }

    /// Rings a bell on `peer` every `interval` until the returned flag is
    /// cleared; the thread gives the socket back.
    fn ring_bells(
        peer: ResourceStream,
        interval: Duration,
    ) -> (
        std::sync::Arc<std::sync::atomic::AtomicBool>,
        thread::JoinHandle<ResourceStream>,
    ) {
        use std::sync::atomic::{AtomicBool, Ordering};
        let ringing = std::sync::Arc::new(AtomicBool::new(true));
        let flag = std::sync::Arc::clone(&ringing);
        let thread = thread::spawn(move || {
            while flag.load(Ordering::Relaxed) {
                // Any bytes are bells once the channel is set up.
                let _ = (&peer).write(&[1]);
                thread::sleep(interval);
            }
            peer
        });
        (ringing, thread)
    }

    /// How late a wait that a bell-ringing peer pokes may end: one bell
    /// interval, and room for a busy machine (the stress lane runs these
    /// beside busy loops, under Wine too).
    const LATE: Duration = Duration::from_millis(100 + 900);

    /// A peer that rings a bell every 100 ms and never moves a byte: each
    /// bell wakes the waiting read or write, which must still end with
    /// `TimedOut` when its timeout is up (each wake-up used to start a new
    /// full timeout: the read never ended).
    #[test]
    fn a_peer_ringing_bells_cannot_hold_a_read_or_write_past_its_timeout() {
        let _watchdog = watchdog(
            "hostile::a_peer_ringing_bells_cannot_hold_a_read_or_write_past_its_timeout",
            LIMIT,
        );
        let timeout = Duration::from_secs(1);
        let (_fd, peer, mut server) = hand_made("hostile-ringing", 4096);
        let (ringing, bells) = ring_bells(peer, Duration::from_millis(100));
        server.set_read_timeout(Some(timeout)).unwrap();
        let started = std::time::Instant::now();
        let error = server.read(&mut [0; 16]).unwrap_err();
        let waited = started.elapsed();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(
            waited >= timeout && waited < timeout + LATE,
            "read: {waited:?}"
        );
        // Fill the ring the peer never reads, then wait for room.
        server.write_all(&[5; 4096]).unwrap();
        server.set_write_timeout(Some(timeout)).unwrap();
        let started = std::time::Instant::now();
        let error = server.write(b"more").unwrap_err();
        let waited = started.elapsed();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(
            waited >= timeout && waited < timeout + LATE,
            "write: {waited:?}"
        );
        ringing.store(false, std::sync::atomic::Ordering::Relaxed);
        drop(bells.join().unwrap());
    }

    /// A peer that sends its set-up one byte every 250 ms and never
    /// finishes: the set-up ends at its timeout (a timeout per receive used
    /// to start again with each byte: 7 × 250 ms + the timeout).
    #[test]
    fn a_peer_trickling_its_set_up_cannot_hold_it_past_the_timeout() {
        let _watchdog = watchdog(
            "hostile::a_peer_trickling_its_set_up_cannot_hold_it_past_the_timeout",
            LIMIT,
        );
        let limit = Duration::from_millis(400);
        let name = namespaced("hostile-trickle");
        let listener = ShmListener::bind_with(
            &localipc::local_socket::ListenerOptions::new(&name),
            localipc::shm::ShmOptions::new().setup_timeout(Some(limit)),
        )
        .unwrap();
        let peer = thread::spawn(move || {
            let stream = ResourceStream::new(Stream::connect(&name).unwrap()).unwrap();
            for &byte in &HELLO[..7] {
                if stream.send_with(&[byte], &[]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(250));
            }
            stream
        });
        let started = std::time::Instant::now();
        let error = listener.accept().unwrap_err();
        let waited = started.elapsed();
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(waited < limit + LATE, "{waited:?}");
        drop(peer.join().unwrap());
    }

    /// A peer that writes random values all over the header and the rings
    /// while this side reads and writes: every call returns bytes, would
    /// block or `InvalidData` (or `BrokenPipe`, `Ok(0)` once the peer is
    /// gone); nothing panics or hangs.
    #[test]
    fn a_scribbling_peer_never_crashes_or_hangs_this_side() {
        let _watchdog = watchdog(
            "hostile::a_scribbling_peer_never_crashes_or_hangs_this_side",
            LIMIT,
        );
        for round in 0..20u64 {
            let capacity = 4096 << (round % 3);
            let (fd, peer, mut server) = hand_made("hostile-scribble", capacity);
            server.set_nonblocking(true).unwrap();
            let len = HEADER + 2 * capacity;
            let scribbler = thread::spawn(move || {
                let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ round;
                let mut random = move || {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state
                };
                for _ in 0..2000 {
                    // Mostly the header's words, sometimes the rings' bytes.
                    let offset = if random() % 4 == 0 {
                        random() % (len - 8)
                    } else {
                        (random() % (HEADER / 8)) * 8
                    };
                    let value = match random() % 4 {
                        0 => random(),
                        1 => random() % (2 * capacity),
                        2 => u64::MAX - random() % 8,
                        _ => 0,
                    };
                    put(&fd, offset, value);
                    if random() % 16 == 0 {
                        let _ = (&peer).write(&[1]);
                    }
                }
                drop(peer);
            });
            let mut buf = vec![0; 5000];
            let mut broken = false;
            let started = std::time::Instant::now();
            loop {
                let read = server.read(&mut buf);
                let write = server.write(&buf[..1234]);
                for result in [read.map(|_| ()), write.map(|_| ())] {
                    if let Err(error) = result {
                        match error.kind() {
                            ErrorKind::WouldBlock | ErrorKind::BrokenPipe => {}
                            ErrorKind::InvalidData => broken = true,
                            other => panic!("round {round}: {other:?}: {error}"),
                        }
                    }
                }
                if scribbler.is_finished()
                    && (broken || matches!(server.read(&mut buf), Ok(0) | Err(_)))
                {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "round {round} never ended"
                );
            }
            scribbler.join().unwrap();
            // Blocking again, the end (or the broken channel) is seen at once.
            server.set_nonblocking(false).unwrap();
            match server.read(&mut buf) {
                Ok(n) => assert!(n <= buf.len()),
                Err(error) => assert_eq!(error.kind(), ErrorKind::InvalidData, "round {round}"),
            }
        }
    }
}

#[test]
fn timeouts_end_waits_with_timed_out_and_the_stream_goes_on() {
    let _watchdog = watchdog(
        "timeouts_end_waits_with_timed_out_and_the_stream_goes_on",
        LIMIT,
    );
    let (mut client, mut server) = pair_with("timeouts", ShmOptions::new().capacity(4096));
    assert_eq!(
        server
            .set_read_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    server
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    assert_eq!(server.read_timeout(), Some(Duration::from_millis(100)));
    let started = std::time::Instant::now();
    let mut buf = [0; 8];
    assert_eq!(
        server.read(&mut buf).unwrap_err().kind(),
        ErrorKind::TimedOut
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(90), "{waited:?}");
    // A write into a full ring times out too, and both go on afterwards.
    client
        .set_write_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    client.write_all(&[7; 4096]).unwrap();
    assert_eq!(
        client.write(b"more").unwrap_err().kind(),
        ErrorKind::TimedOut
    );
    let mut all = [0; 4096];
    server.read_exact(&mut all).unwrap();
    assert_eq!(client.write(b"more").unwrap(), 4);
    server.read_exact(&mut buf[..4]).unwrap();
    assert_eq!(&buf[..4], b"more");
    // A read that times out after the writer's timeout was set (the socket's
    // own timeout switches between the two).
    assert_eq!(
        server.read(&mut buf).unwrap_err().kind(),
        ErrorKind::TimedOut
    );
    server.set_read_timeout(None).unwrap();
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        client.write_all(b"late").unwrap();
        client
    });
    server.read_exact(&mut buf[..4]).unwrap();
    assert_eq!(&buf[..4], b"late");
    drop(writer.join().unwrap());
}
