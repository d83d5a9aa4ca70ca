//! The measured side of a job: one timed loop for blocking, Tokio and
//! futures-io streams and for whole messages, and the bookkeeping it needs.
//!
//! The loop is written once, in a macro that takes the method that writes,
//! the method that reads and the `.await` of async ends as arguments:
//! [`blocking`] instantiates it for `Read` and `Write`,
//! [`async_measured_side!`](crate::async_measured_side) for the async
//! traits of the caller's choice (Tokio's and futures-io's have the same
//! method names), and [`messages`] and [`async_messages`] for ends that
//! send and receive one whole message at a time (see [`message`](crate::message)); [`duplex`]
//! for a stream whose reads and writes take `&mut self`. What the loop
//! needs besides its reads and writes (the pattern, the echo check, the
//! clock, the samples) lives in this module.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::allocator;
use crate::cpu;
use crate::job::Job;
use crate::message::{AsyncMessages, Messages};
use crate::pattern;
use crate::stats;

/// The measured side's loop, for `$job`: every write is
/// `$writer.$write(bytes)` (all of them, or one whole message), every read
/// `$reader.$read(buffer)` (filling the buffer, or one message that fills
/// it); every I/O call is followed by the tokens after the job (`.await`,
/// or nothing).
#[doc(hidden)]
#[macro_export]
macro_rules! __measured_loop {
    ($writer:ident . $write:ident, $reader:ident . $read:ident, $job:expr $(, $($await:tt)+)?) => {{
        use $crate::measure::{Clock, Work, check_ack};
        match Work::new($job) {
            Work::Throughput(writes) => {
                let mut ack = [0];
                for index in 0..writes.warm_writes {
                    $writer.$write(writes.chunk(index)) $($($await)+)? ?;
                }
                $reader.$read(&mut ack) $($($await)+)? ?;
                check_ack(ack[0])?;
                let clock = Clock::start();
                for index in writes.warm_writes..writes.all_writes {
                    $writer.$write(writes.chunk(index)) $($($await)+)? ?;
                }
                $reader.$read(&mut ack) $($($await)+)? ?;
                check_ack(ack[0])?;
                Ok(writes.finish(&clock))
            }
            Work::RoundTrip(mut trips) => {
                for index in 0..trips.warm {
                    let (message, echo) = trips.prepare(index);
                    $writer.$write(message) $($($await)+)? ?;
                    $reader.$read(echo) $($($await)+)? ?;
                    trips.check(index)?;
                }
                let clock = Clock::start();
                for index in trips.warm..trips.warm + trips.count {
                    let (message, echo) = trips.prepare(index);
                    let started = std::time::Instant::now();
                    $writer.$write(message) $($($await)+)? ?;
                    $reader.$read(echo) $($($await)+)? ?;
                    trips.record(index, started)?;
                }
                Ok(trips.finish(&clock))
            }
        }
    }};
}

/// Defines `pub(crate) async fn run(stream, job)`, the measured side over an
/// async stream, for the async I/O traits of the module path given (for
/// example `tokio::io` or `futures_lite`), which must hold `AsyncRead`,
/// `AsyncWrite`, `AsyncReadExt` and `AsyncWriteExt`.
///
/// ```text
/// mod on_tokio {
///     localipc_bench_engine::async_measured_side!(tokio::io);
/// }
/// // on a runtime: on_tokio::run(&mut stream, job).await
/// ```
#[macro_export]
macro_rules! async_measured_side {
    ($($module:ident)::+) => {
        /// Runs `job` over `stream`, as the engine's `measure::blocking`
        /// does over blocking ends.
        pub(crate) async fn run<S>(
            stream: &mut S,
            job: $crate::job::Job,
        ) -> std::io::Result<$crate::measure::Measurement>
        where
            S: ::$($module)::+::AsyncRead + ::$($module)::+::AsyncWrite + Unpin,
        {
            use ::$($module)::+::{AsyncReadExt as _, AsyncWriteExt as _};
            $crate::__measured_loop!(stream.write_all, stream.read_exact, job, .await)
        }
    };
}

/// Runs `job`, writing to `writer` and reading the peer's answers from
/// `reader`. Both are dropped on return, which ends the peer's stream.
///
/// # Errors
///
/// The first I/O error, or `InvalidData` if the peer's acknowledgement or
/// an echo is not what was sent.
pub fn blocking(
    mut writer: impl Write,
    mut reader: impl Read,
    job: Job,
) -> io::Result<Measurement> {
    __measured_loop!(writer.write_all, reader.read_exact, job)
}

/// [`blocking`] over one stream that both writes and reads, for streams
/// whose reads and writes take `&mut self` (a shared-memory stream). The
/// stream is dropped on return, which ends the peer's stream.
///
/// # Errors
///
/// As [`blocking`].
pub fn duplex(mut stream: impl Read + Write, job: Job) -> io::Result<Measurement> {
    __measured_loop!(stream.write_all, stream.read_exact, job)
}

/// Runs `job` over whole messages (see [`message`](crate::message)): every write is one
/// message, and the peer's acknowledgements and echoes are messages too.
/// `end` is dropped on return, which ends the peer's stream if it owns the
/// connection.
///
/// # Errors
///
/// The first I/O error, `InvalidData` if the peer's acknowledgement or an
/// echo is not what was sent, or a message of another length.
pub fn messages(mut end: impl Messages, job: Job) -> io::Result<Measurement> {
    __measured_loop!(end.send_message, end.recv_exact_message, job)
}

/// [`messages`] over an async end, on the caller's executor.
///
/// # Errors
///
/// As [`messages`].
pub async fn async_messages(mut end: impl AsyncMessages, job: Job) -> io::Result<Measurement> {
    __measured_loop!(end.send_message, end.recv_exact_message, job, .await)
}

/// The byte the peer sends when it has read everything it was asked to.
pub(crate) const ACK: u8 = 0xAC;

/// What one measurement found.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// The figure.
    pub value: Value,
    /// Allocations in this process during the timed part, per write
    /// (throughput) or per round trip; `None` where the binary does not
    /// count allocations (see [`allocator`]).
    pub allocations_per_op: Option<f64>,
    /// CPU time in ns per write (throughput) or per round trip during the
    /// timed part, user and system, of this process and, once
    /// [`Peer::conclude`](crate::peer::Peer::conclude) has added its share,
    /// of the peer; `None` where a process's CPU time is unknown (see
    /// [`cpu`]).
    pub cpu_ns_per_op: Option<f64>,
}

impl Measurement {
    /// Adds `peer_cpu`, the peer's CPU time over the timed part of `job`, to
    /// this side's CPU time per operation; no figure if either is unknown.
    pub(crate) fn add_peer_cpu(&mut self, job: Job, peer_cpu: Option<Duration>) {
        self.cpu_ns_per_op = self
            .cpu_ns_per_op
            .zip(peer_cpu)
            .map(|(ours, theirs)| ours + theirs.as_nanos() as f64 / job.timed_ops() as f64);
    }
}

/// The figure one measurement found.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// A throughput job's figure.
    Throughput {
        /// MiB per second, from the first timed write to the peer's
        /// acknowledgement that it read everything.
        mib_per_s: f64,
    },
    /// A round-trip job's figures over its timed samples (see
    /// [`stats`]).
    RoundTrip {
        /// The median round trip.
        median_ns: f64,
        /// The 99th-percentile round trip, by nearest rank.
        p99_ns: f64,
    },
}

/// The start of the timed part: the time, the allocation count and the
/// CPU time.
#[doc(hidden)]
#[derive(Debug)]
pub struct Clock {
    started: Instant,
    allocations: Option<u64>,
    cpu: Option<Duration>,
}

/// What the timed part took.
#[derive(Debug)]
struct Taken {
    elapsed: Duration,
    /// Allocations, if counted.
    allocations: Option<u64>,
    /// This process's CPU time, if known.
    cpu: Option<Duration>,
}

impl Clock {
    /// Starts timing now.
    pub fn start() -> Self {
        let cpu = cpu::process_time();
        let allocations = allocator::allocations();
        Self {
            started: Instant::now(),
            allocations,
            cpu,
        }
    }

    fn stop(&self) -> Taken {
        let elapsed = self.started.elapsed();
        let allocations = allocator::allocations()
            .zip(self.allocations)
            .map(|(now, then)| now - then);
        let cpu = cpu::process_time()
            .zip(self.cpu)
            .map(|(now, then)| now.saturating_sub(then));
        Taken {
            elapsed,
            allocations,
            cpu,
        }
    }
}

/// `count` per operation, for `ops` operations.
fn per_op(count: f64, ops: u64) -> f64 {
    count / ops as f64
}

/// A throughput job as the measured side sees it: write `i` of the stream
/// is `chunk(i)`; writes `0..warm_writes` warm up, the rest are timed.
#[doc(hidden)]
#[derive(Debug)]
pub struct Writes {
    source: pattern::Source,
    write_size: u64,
    /// Writes before the clock starts.
    pub warm_writes: u64,
    /// Writes in all.
    pub all_writes: u64,
}

impl Writes {
    /// The bytes of write `index`.
    pub fn chunk(&self, index: u64) -> &[u8] {
        self.source.chunk(index * self.write_size)
    }

    /// The measurement, once every write has been acknowledged.
    pub fn finish(&self, clock: &Clock) -> Measurement {
        let taken = clock.stop();
        let timed = self.all_writes - self.warm_writes;
        let bytes = (timed * self.write_size) as f64;
        Measurement {
            value: Value::Throughput {
                mib_per_s: bytes / (1024.0 * 1024.0) / taken.elapsed.as_secs_f64(),
            },
            allocations_per_op: taken.allocations.map(|count| per_op(count as f64, timed)),
            cpu_ns_per_op: taken.cpu.map(|cpu| per_op(cpu.as_nanos() as f64, timed)),
        }
    }
}

/// A round-trip job as the measured side sees it: message `i` is
/// `prepare(i)`, its echo lands in `echo` and is checked by `check`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RoundTrips {
    message: Vec<u8>,
    echo: Vec<u8>,
    samples: Vec<u64>,
    /// Round trips before the clock starts.
    pub warm: u32,
    /// Round trips timed.
    pub count: u32,
}

impl RoundTrips {
    /// Fills the message for round trip `index` and returns it with the
    /// buffer for its echo.
    pub fn prepare(&mut self, index: u32) -> (&[u8], &mut [u8]) {
        let stamp = index.to_le_bytes();
        for (byte, stamp) in self.message.iter_mut().zip(stamp.iter().cycle()) {
            *byte = *stamp;
        }
        (&self.message, &mut self.echo)
    }

    /// Checks the echo of the last message.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the echo differs from the message.
    pub fn check(&self, index: u32) -> io::Result<()> {
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
    ///
    /// # Errors
    ///
    /// As [`RoundTrips::check`].
    pub fn record(&mut self, index: u32, started: Instant) -> io::Result<()> {
        let elapsed = started.elapsed();
        self.check(index)?;
        self.samples
            .push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        Ok(())
    }

    /// The measurement, once every round trip is recorded.
    pub fn finish(self, clock: &Clock) -> Measurement {
        let taken = clock.stop();
        let sorted = stats::sorted(self.samples.iter().map(|&nanos| nanos as f64));
        let timed = u64::from(self.count);
        Measurement {
            value: Value::RoundTrip {
                median_ns: stats::median_of_sorted(&sorted),
                p99_ns: stats::p99_of_sorted(&sorted),
            },
            allocations_per_op: taken.allocations.map(|count| per_op(count as f64, timed)),
            cpu_ns_per_op: taken.cpu.map(|cpu| per_op(cpu.as_nanos() as f64, timed)),
        }
    }
}

/// The bookkeeping for a job, made before anything is timed.
#[doc(hidden)]
#[derive(Debug)]
pub enum Work {
    /// A throughput job.
    Throughput(Writes),
    /// A round-trip job.
    RoundTrip(RoundTrips),
}

impl Work {
    /// The bookkeeping for `job`.
    pub fn new(job: Job) -> Self {
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
///
/// # Errors
///
/// `InvalidData` if it is not the acknowledgement byte.
#[doc(hidden)]
pub fn check_ack(byte: u8) -> io::Result<()> {
    if byte == ACK {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the peer acknowledged with {byte:#04x} instead of {ACK:#04x}"),
        ))
    }
}
