//! What is measured: the four figures, the job behind each, and the plan of
//! a run.

use std::time::Duration;

/// 1024 bytes.
pub const KIB: u64 = 1024;
/// 1024 KiB.
pub const MIB: u64 = 1024 * KIB;

/// One column of the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// Throughput of 64 KiB writes.
    Throughput64K,
    /// Throughput of 4 KiB writes.
    Throughput4K,
    /// Round trip of a 1-byte message.
    RoundTrip1,
    /// Round trip of a 64-byte message.
    RoundTrip64,
}

impl Figure {
    /// Every figure, in the order of the results.
    pub const ALL: [Self; 4] = [
        Self::Throughput64K,
        Self::Throughput4K,
        Self::RoundTrip1,
        Self::RoundTrip64,
    ];

    /// The figure's position in [`Figure::ALL`] and in per-figure arrays.
    pub fn index(self) -> usize {
        match self {
            Self::Throughput64K => 0,
            Self::Throughput4K => 1,
            Self::RoundTrip1 => 2,
            Self::RoundTrip64 => 3,
        }
    }

    /// The key of the figure in the JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Self::Throughput64K => "throughput_64k",
            Self::Throughput4K => "throughput_4k",
            Self::RoundTrip1 => "round_trip_1b",
            Self::RoundTrip64 => "round_trip_64b",
        }
    }

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Throughput64K => "64 KiB writes",
            Self::Throughput4K => "4 KiB writes",
            Self::RoundTrip1 => "1 B round trip",
            Self::RoundTrip64 => "64 B round trip",
        }
    }

    /// Throughput (higher is better) rather than latency (lower is better).
    pub fn is_throughput(self) -> bool {
        matches!(self, Self::Throughput64K | Self::Throughput4K)
    }
}

/// The work of one measurement, shared by the measured side and its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Write `warm_bytes` and wait for an acknowledgement, then write
    /// `total_bytes` (timed) and wait for the second one; always in writes of
    /// `write_size`, which divides both byte counts.
    Throughput {
        /// The size of every write.
        write_size: usize,
        /// Bytes written before the clock starts.
        warm_bytes: u64,
        /// Bytes written while timed.
        total_bytes: u64,
    },
    /// Send a message of `message_size` and read its echo, `warm` times
    /// untimed and then `count` times, each timed.
    RoundTrip {
        /// The size of every message.
        message_size: usize,
        /// Round trips before the clock starts.
        warm: u32,
        /// Round trips timed, one sample each.
        count: u32,
    },
}

impl Job {
    /// The operations of the timed part: writes, or round trips.
    pub fn timed_ops(self) -> u64 {
        match self {
            Self::Throughput {
                write_size,
                total_bytes,
                ..
            } => total_bytes / write_size as u64,
            Self::RoundTrip { count, .. } => u64::from(count),
        }
    }

    /// The job as one command-line argument for the peer.
    pub(crate) fn to_argument(self) -> String {
        match self {
            Self::Throughput {
                write_size,
                warm_bytes,
                total_bytes,
            } => format!("throughput:{write_size}:{warm_bytes}:{total_bytes}"),
            Self::RoundTrip {
                message_size,
                warm,
                count,
            } => format!("round-trip:{message_size}:{warm}:{count}"),
        }
    }

    /// The inverse of [`Job::to_argument`].
    pub(crate) fn parse(argument: &str) -> Option<Self> {
        let mut parts = argument.split(':');
        let kind = parts.next()?;
        let a = parts.next()?.parse().ok()?;
        let b = parts.next()?.parse().ok()?;
        let c = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        match kind {
            "throughput" => Some(Self::Throughput {
                write_size: a,
                warm_bytes: b,
                total_bytes: c.parse().ok()?,
            }),
            "round-trip" => Some(Self::RoundTrip {
                message_size: a,
                warm: u32::try_from(b).ok()?,
                count: c.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// How much each job of a run moves.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// (bytes to warm up, bytes timed) in 64 KiB writes.
    pub large_writes: (u64, u64),
    /// (bytes to warm up, bytes timed) in 4 KiB writes.
    pub small_writes: (u64, u64),
    /// (round trips to warm up, round trips timed), for 1 B and 64 B
    /// messages alike.
    pub round_trips: (u32, u32),
}

/// The jobs and rounds of one run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// How many times every contender does every job.
    pub rounds: usize,
    /// One job per figure, in the order of [`Figure::ALL`].
    pub jobs: [Job; 4],
    /// Whether the peer checks every byte it receives against the pattern.
    pub verify: bool,
    /// How long one measurement (spawn, transfer, peer exit) may take
    /// before the watchdog fails the run.
    pub step_limit: Duration,
}

impl Plan {
    /// `rounds` rounds of jobs of `sizes`, unverified, each measurement
    /// bounded by a minute.
    ///
    /// # Panics
    ///
    /// If a write size does not divide its byte counts: a plan is a table
    /// of constants, and a test of each table calls this.
    pub fn new(rounds: usize, sizes: Sizes) -> Self {
        let throughput = |write_size: u64, (warm_bytes, total_bytes): (u64, u64)| {
            assert!(
                warm_bytes.is_multiple_of(write_size) && total_bytes.is_multiple_of(write_size),
                "{write_size}-byte writes do not divide {warm_bytes} and {total_bytes} bytes"
            );
            Job::Throughput {
                write_size: write_size as usize,
                warm_bytes,
                total_bytes,
            }
        };
        let (warm, count) = sizes.round_trips;
        let round_trip = |message_size| Job::RoundTrip {
            message_size,
            warm,
            count,
        };
        Self {
            rounds,
            jobs: [
                throughput(64 * KIB, sizes.large_writes),
                throughput(4 * KIB, sizes.small_writes),
                round_trip(1),
                round_trip(64),
            ],
            verify: false,
            step_limit: Duration::from_secs(60),
        }
    }

    /// The job behind `figure`.
    pub fn job(&self, figure: Figure) -> Job {
        self.jobs[figure.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_survives_the_command_line() {
        let plan = Plan::new(
            1,
            Sizes {
                large_writes: (64 * KIB, 3 * MIB),
                small_writes: (4 * KIB, 12 * KIB),
                round_trips: (7, 9),
            },
        );
        for job in plan.jobs {
            assert_eq!(Job::parse(&job.to_argument()), Some(job));
        }
    }

    #[test]
    #[should_panic(expected = "do not divide")]
    fn a_write_size_that_does_not_divide_the_bytes_is_refused() {
        Plan::new(
            1,
            Sizes {
                large_writes: (0, 100_000),
                small_writes: (0, 4 * KIB),
                round_trips: (1, 1),
            },
        );
    }
}
