//! Allocations per read and per write in steady state, for every localipc
//! primitive (and std's, for reference): after a warm-up, each write and each
//! read of a 64-byte message in this process is bracketed by the global
//! allocation counter. The target is zero.

use std::io::{self, Read, Write};

use localipc::local_socket::{Listener, Name, Stream};
use localipc::shm::{ShmListener, ShmStream};
use localipc_bench_engine::allocator::allocations;
use localipc_bench_engine::context::Context;

/// The size of each message.
pub(crate) const MESSAGE: usize = 64;
/// Writes and reads before counting starts: first-use work (lazy
/// initialisation, the first page faults) is not the steady state.
pub(crate) const WARM: u32 = 1_000;

/// The allocations one primitive made.
#[derive(Clone, Debug)]
pub(crate) struct AllocationCount {
    pub(crate) primitive: &'static str,
    pub(crate) per_write: f64,
    pub(crate) per_read: f64,
}

/// Counts every primitive, `ops` writes and reads each.
pub(crate) fn count_all(context: &Context, ops: u32) -> io::Result<Vec<AllocationCount>> {
    let mut counts = Vec::new();

    #[cfg(unix)]
    {
        let (client, server) = std::os::unix::net::UnixStream::pair()?;
        counts.push(count("std UnixStream (reference)", ops, &client, &server)?);
    }
    for (primitive, name) in local_socket_names(context)? {
        let listener = Listener::bind(&name)?;
        let client = Stream::connect(&name)?;
        let server = listener.accept()?;
        counts.push(count(primitive, ops, &client, &server)?);
    }
    {
        let (mut client, mut server) = shm_pair(context)?;
        counts.push(count(SHM, ops, &mut client, &mut server)?);
    }

    let (reader, writer) = std::io::pipe()?;
    counts.push(count("std pipe (reference)", ops, writer, reader)?);
    let (sender, receiver) = localipc::pipe::pipe()?;
    counts.push(count("localipc pipe", ops, sender, receiver)?);
    #[cfg(unix)]
    {
        let (sender, receiver) = localipc_bench_engine::link::fifo_ends(context)?;
        counts.push(count("localipc FIFO", ops, sender, receiver)?);
    }
    Ok(counts)
}

/// The shared-memory stream's name in the allocation table.
pub(crate) const SHM: &str = "localipc ShmStream";

/// Both ends of a shared-memory channel with default options, the client
/// set up in a thread while this one accepts.
fn shm_pair(context: &Context) -> io::Result<(ShmStream, ShmStream)> {
    let name = Name::namespaced(context.unique_name())?;
    let listener = ShmListener::bind(&name)?;
    let client = std::thread::spawn(move || ShmStream::connect(&name));
    let server = listener.accept();
    let client = client
        .join()
        .map_err(|_| io::Error::other("the shared-memory client panicked"))?;
    Ok((client?, server?))
}

/// The local-socket names counted, with their rows' names.
#[cfg(unix)]
fn local_socket_names(context: &Context) -> io::Result<Vec<(&'static str, Name)>> {
    use crate::socket::{LOCALIPC_NAMESPACED, LOCALIPC_PATH};

    let mut names = vec![(LOCALIPC_PATH, Name::path(context.scratch_path("sock"))?)];
    if cfg!(any(target_os = "linux", target_os = "android")) {
        names.push((
            LOCALIPC_NAMESPACED,
            Name::namespaced(context.unique_name())?,
        ));
    }
    Ok(names)
}

#[cfg(windows)]
fn local_socket_names(context: &Context) -> io::Result<Vec<(&'static str, Name)>> {
    Ok(vec![(
        "localipc Stream",
        Name::namespaced(context.unique_name())?,
    )])
}

fn count(
    primitive: &'static str,
    ops: u32,
    mut writer: impl Write,
    mut reader: impl Read,
) -> io::Result<AllocationCount> {
    let message = [0x5A; MESSAGE];
    let mut received = [0; MESSAGE];
    for _ in 0..WARM {
        writer.write_all(&message)?;
        reader.read_exact(&mut received)?;
    }
    let counted =
        || allocations().ok_or_else(|| io::Error::other("the counting allocator is not installed"));
    let (mut in_writes, mut in_reads) = (0, 0);
    for _ in 0..ops {
        let before = counted()?;
        writer.write_all(&message)?;
        let between = counted()?;
        reader.read_exact(&mut received)?;
        let after = counted()?;
        in_writes += between - before;
        in_reads += after - between;
    }
    if received != message {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{primitive}: a message came back changed"),
        ));
    }
    Ok(AllocationCount {
        primitive,
        per_write: in_writes as f64 / f64::from(ops),
        per_read: in_reads as f64 / f64::from(ops),
    })
}
