//! The measured side of a job: the timed loops for blocking, Tokio and
//! futures-io streams, and the bookkeeping they share.
//!
//! What the loops share (the pattern, the echo check, the clock, the
//! samples) lives here, so that each loop holds only its reads and writes.
//! The blocking loop is written out; one async body serves both Tokio's and
//! futures-io's traits.

/// Defines `run`, the measured side over an async stream, for one family of
/// async I/O traits: Tokio's and futures-io's have the same method names, so
/// one body serves both, and a change to the loop reaches both.
macro_rules! async_measured_side {
    ($($module:ident)::+) => {
        use std::io;
        use std::time::Instant;

        use ::$($module)::+::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

        use super::{Clock, Measurement, Plan, check_ack};
        use crate::job::Job;

        /// Runs `job` over `stream`, as [`super::blocking::run`] does.
        pub(crate) async fn run<S>(stream: &mut S, job: Job) -> io::Result<Measurement>
        where
            S: AsyncRead + AsyncWrite + Unpin,
        {
            match Plan::new(job) {
                Plan::Throughput(writes) => {
                    for index in 0..writes.warm_writes {
                        stream.write_all(writes.chunk(index)).await?;
                    }
                    read_ack(stream).await?;
                    let clock = Clock::start();
                    for index in writes.warm_writes..writes.all_writes {
                        stream.write_all(writes.chunk(index)).await?;
                    }
                    read_ack(stream).await?;
                    Ok(writes.finish(&clock))
                }
                Plan::RoundTrip(mut trips) => {
                    for index in 0..trips.warm {
                        let (message, echo) = trips.prepare(index);
                        stream.write_all(message).await?;
                        stream.read_exact(echo).await?;
                        trips.check(index)?;
                    }
                    let clock = Clock::start();
                    for index in trips.warm..trips.warm + trips.count {
                        let (message, echo) = trips.prepare(index);
                        let started = Instant::now();
                        stream.write_all(message).await?;
                        stream.read_exact(echo).await?;
                        trips.record(index, started)?;
                    }
                    Ok(trips.finish(&clock))
                }
            }
        }

        async fn read_ack<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<()> {
            let mut ack = [0];
            stream.read_exact(&mut ack).await?;
            check_ack(ack[0])
        }
    };
}

pub(crate) mod blocking;
pub(crate) mod futures;
pub(crate) mod tokio;

use std::io;
use std::time::{Duration, Instant};

use crate::allocator;
use crate::job::Job;
use crate::pattern;
use crate::stats;

/// The byte the peer sends when it has read everything it was asked to.
pub(crate) const ACK: u8 = 0xAC;

/// What one measurement found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Measurement {
    pub(crate) value: Value,
    /// Allocations in this process during the timed part, per write
    /// (throughput) or per round trip.
    pub(crate) allocations_per_op: f64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Value {
    Throughput { mib_per_s: f64 },
    RoundTrip { median_ns: f64, p99_ns: f64 },
}

/// The start of the timed part: the time and the allocation count.
#[derive(Debug)]
pub(crate) struct Clock {
    started: Instant,
    allocations: u64,
}

impl Clock {
    pub(crate) fn start() -> Self {
        let allocations = allocator::allocations();
        Self {
            started: Instant::now(),
            allocations,
        }
    }

    /// (time since start, allocations since start)
    fn stop(&self) -> (Duration, u64) {
        let elapsed = self.started.elapsed();
        (elapsed, allocator::allocations() - self.allocations)
    }
}

/// A throughput job as the measured side sees it: write `i` of the stream
/// is `chunk(i)`; writes `0..warm_writes` warm up, the rest are timed.
#[derive(Debug)]
pub(crate) struct Writes {
    source: pattern::Source,
    write_size: u64,
    pub(crate) warm_writes: u64,
    pub(crate) all_writes: u64,
}

impl Writes {
    pub(crate) fn chunk(&self, index: u64) -> &[u8] {
        self.source.chunk(index * self.write_size)
    }

    pub(crate) fn finish(&self, clock: &Clock) -> Measurement {
        let (elapsed, allocations) = clock.stop();
        let timed = self.all_writes - self.warm_writes;
        let bytes = (timed * self.write_size) as f64;
        Measurement {
            value: Value::Throughput {
                mib_per_s: bytes / (1024.0 * 1024.0) / elapsed.as_secs_f64(),
            },
            allocations_per_op: allocations as f64 / timed as f64,
        }
    }
}

/// A round-trip job as the measured side sees it: message `i` is
/// `prepare(i)`, its echo lands in `echo` and is checked by `check`.
#[derive(Debug)]
pub(crate) struct RoundTrips {
    message: Vec<u8>,
    echo: Vec<u8>,
    samples: Vec<u64>,
    pub(crate) warm: u32,
    pub(crate) count: u32,
}

impl RoundTrips {
    /// Fills the message for round trip `index` and returns it with the
    /// buffer for its echo.
    pub(crate) fn prepare(&mut self, index: u32) -> (&[u8], &mut [u8]) {
        let stamp = index.to_le_bytes();
        for (byte, stamp) in self.message.iter_mut().zip(stamp.iter().cycle()) {
            *byte = *stamp;
        }
        (&self.message, &mut self.echo)
    }

    /// Checks the echo of the last message.
    pub(crate) fn check(&self, index: u32) -> io::Result<()> {
        if self.message == self.echo {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("round trip {index}: the echo differs from the message"),
            ))
        }
    }

    /// Checks the echo of the last message and keeps its time.
    pub(crate) fn record(&mut self, index: u32, started: Instant) -> io::Result<()> {
        let elapsed = started.elapsed();
        self.check(index)?;
        self.samples
            .push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        Ok(())
    }

    pub(crate) fn finish(mut self, clock: &Clock) -> Measurement {
        let (_, allocations) = clock.stop();
        self.samples.sort_unstable();
        Measurement {
            value: Value::RoundTrip {
                median_ns: stats::percentile_sorted(&self.samples, 0.5),
                p99_ns: stats::percentile_sorted(&self.samples, 0.99),
            },
            allocations_per_op: allocations as f64 / f64::from(self.count),
        }
    }
}

/// The bookkeeping for `job`, made before anything is timed.
#[derive(Debug)]
pub(crate) enum Plan {
    Throughput(Writes),
    RoundTrip(RoundTrips),
}

impl Plan {
    pub(crate) fn new(job: Job) -> Self {
        match job {
            Job::Throughput {
                write_size,
                warm_bytes,
                total_bytes,
            } => {
                let write_size_64 = write_size as u64;
                Self::Throughput(Writes {
                    source: pattern::Source::new(write_size),
                    write_size: write_size_64,
                    warm_writes: warm_bytes / write_size_64,
                    all_writes: (warm_bytes + total_bytes) / write_size_64,
                })
            }
            Job::RoundTrip {
                message_size,
                warm,
                count,
            } => Self::RoundTrip(RoundTrips {
                message: vec![0; message_size],
                echo: vec![0; message_size],
                samples: Vec::with_capacity(count as usize),
                warm,
                count,
            }),
        }
    }
}

/// Checks the peer's acknowledgement byte.
pub(crate) fn check_ack(byte: u8) -> io::Result<()> {
    if byte == ACK {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the peer acknowledged with {byte:#04x} instead of {ACK:#04x}"),
        ))
    }
}
