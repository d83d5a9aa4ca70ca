//! What is measured: the four figures, the job behind each, and the sizes
//! each mode uses.

use std::time::Duration;

use crate::args::Mode;

/// One column of the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Figure {
    Throughput64K,
    Throughput4K,
    RoundTrip1,
    RoundTrip64,
}

impl Figure {
    pub(crate) const ALL: [Self; 4] = [
        Self::Throughput64K,
        Self::Throughput4K,
        Self::RoundTrip1,
        Self::RoundTrip64,
    ];

    /// The figure's position in [`Figure::ALL`] and in per-figure arrays.
    pub(crate) fn index(self) -> usize {
        match self {
            Self::Throughput64K => 0,
            Self::Throughput4K => 1,
            Self::RoundTrip1 => 2,
            Self::RoundTrip64 => 3,
        }
    }

    /// The key of the figure in the JSON output.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Throughput64K => "throughput_64k",
            Self::Throughput4K => "throughput_4k",
            Self::RoundTrip1 => "round_trip_1b",
            Self::RoundTrip64 => "round_trip_64b",
        }
    }

    /// A heading for people.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Throughput64K => "64 KiB writes",
            Self::Throughput4K => "4 KiB writes",
            Self::RoundTrip1 => "1 B round trip",
            Self::RoundTrip64 => "64 B round trip",
        }
    }

    pub(crate) fn is_throughput(self) -> bool {
        matches!(self, Self::Throughput64K | Self::Throughput4K)
    }
}

/// The work of one measurement, shared by the measured side and its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Job {
    /// Write `warm_bytes` and wait for an acknowledgement, then write
    /// `total_bytes` (timed) and wait for the second one; always in writes of
    /// `write_size`, which divides both byte counts.
    Throughput {
        write_size: usize,
        warm_bytes: u64,
        total_bytes: u64,
    },
    /// Send a message of `message_size` and read its echo, `warm` times
    /// untimed and then `count` times, each timed.
    RoundTrip {
        message_size: usize,
        warm: u32,
        count: u32,
    },
}

impl Job {
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

/// The sizes and counts of one run.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) mode: Mode,
    pub(crate) rounds: usize,
    /// One job per figure, in the order of [`Figure::ALL`].
    pub(crate) jobs: [Job; 4],
    /// Whether the peer checks every byte it receives against the pattern.
    pub(crate) verify: bool,
    /// Writes and reads counted per primitive for the allocation figures.
    pub(crate) allocation_ops: u32,
    /// How long one measurement (spawn, transfer, peer exit) may take
    /// before the watchdog fails the run.
    pub(crate) step_limit: Duration,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

impl Plan {
    pub(crate) fn new(mode: Mode, rounds: Option<usize>) -> Self {
        // (bytes to warm up, bytes timed) for 64 KiB and 4 KiB writes, then
        // (round trips to warm up, round trips timed).
        let (large, small, round_trips) = match mode {
            Mode::Full => ((16 * MIB, 256 * MIB), (4 * MIB, 64 * MIB), (800, 8_000)),
            Mode::Quick => ((2 * MIB, 24 * MIB), (512 * KIB, 6 * MIB), (200, 1_500)),
            Mode::Smoke => ((256 * KIB, MIB), (64 * KIB, 256 * KIB), (20, 200)),
        };
        let throughput = |write_size: usize, (warm_bytes, total_bytes)| Job::Throughput {
            write_size,
            warm_bytes,
            total_bytes,
        };
        let round_trip = |message_size, (warm, count)| Job::RoundTrip {
            message_size,
            warm,
            count,
        };
        Self {
            mode,
            rounds: rounds.unwrap_or(match mode {
                Mode::Full => 7,
                Mode::Quick => 3,
                Mode::Smoke => 1,
            }),
            jobs: [
                throughput(64 * 1024, large),
                throughput(4 * 1024, small),
                round_trip(1, round_trips),
                round_trip(64, round_trips),
            ],
            verify: mode == Mode::Smoke,
            allocation_ops: if mode == Mode::Smoke { 1_000 } else { 10_000 },
            step_limit: Duration::from_secs(60),
        }
    }

    pub(crate) fn job(&self, figure: Figure) -> Job {
        self.jobs[figure.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_of_every_mode_survives_the_command_line() {
        for mode in [Mode::Full, Mode::Quick, Mode::Smoke] {
            for job in Plan::new(mode, None).jobs {
                assert_eq!(Job::parse(&job.to_argument()), Some(job));
            }
        }
    }

    #[test]
    fn write_sizes_divide_the_byte_counts() {
        for mode in [Mode::Full, Mode::Quick, Mode::Smoke] {
            for job in Plan::new(mode, None).jobs {
                if let Job::Throughput {
                    write_size,
                    warm_bytes,
                    total_bytes,
                } = job
                {
                    assert_eq!(warm_bytes % write_size as u64, 0);
                    assert_eq!(total_bytes % write_size as u64, 0);
                }
            }
        }
    }
}
