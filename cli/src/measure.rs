//! The measurements, on any pair of one-way byte channels: throughput and
//! round-trip latency. Both sides of each live here, so the peer process and
//! the measuring process run matching code.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// Sends `total` bytes in `chunk`-byte writes, then waits for the peer's
/// one-byte acknowledgement that it read them all; returns the elapsed time.
pub(crate) fn send_bulk(
    mut to_peer: impl Write,
    mut from_peer: impl Read,
    total: u64,
    chunk: usize,
) -> io::Result<Duration> {
    let buf = vec![0x5a; chunk];
    let started = Instant::now();
    let mut sent = 0;
    while sent < total {
        let len = chunk.min((total - sent) as usize);
        to_peer.write_all(&buf[..len])?;
        sent += len as u64;
    }
    let mut ack = [0];
    from_peer.read_exact(&mut ack)?;
    Ok(started.elapsed())
}

/// The peer of [`send_bulk`]: reads exactly `total` bytes, then acknowledges.
pub(crate) fn receive_bulk(
    mut from_peer: impl Read,
    mut to_peer: impl Write,
    total: u64,
) -> io::Result<()> {
    let mut buf = vec![0; 256 * 1024];
    let mut received = 0;
    while received < total {
        let n = from_peer.read(&mut buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended after {received} of {total} bytes"),
            ));
        }
        received += n as u64;
    }
    to_peer.write_all(&[1])
}

/// Sends `count` messages of `size` bytes one at a time, each answered by the
/// peer before the next; returns each round trip's time.
pub(crate) fn ping(
    mut to_peer: impl Write,
    mut from_peer: impl Read,
    size: usize,
    count: usize,
) -> io::Result<Vec<Duration>> {
    let message = vec![0x33; size];
    let mut reply = vec![0; size];
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        to_peer.write_all(&message)?;
        from_peer.read_exact(&mut reply)?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// The peer of [`ping`]: answers `count` messages of `size` bytes.
pub(crate) fn pong(
    mut from_peer: impl Read,
    mut to_peer: impl Write,
    size: usize,
    count: usize,
) -> io::Result<()> {
    let mut message = vec![0; size];
    for _ in 0..count {
        from_peer.read_exact(&mut message)?;
        to_peer.write_all(&message)?;
    }
    Ok(())
}

/// The median and the 99th percentile of `times`.
pub(crate) fn median_and_p99(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort_unstable();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction).round() as usize];
    (at(0.5), at(0.99))
}

/// MiB per second.
pub(crate) fn rate(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / f64::from(1 << 20) / elapsed.as_secs_f64()
}
