//! Targets: goals a run's figures are held against and how the run fared.
//! They are reported, never enforced: a slow or busy machine must not fail
//! a run.
//!
//! The goal types are the suite's and the tool's alike, and so are the
//! shared-memory targets ([`shm_checks`]) and the message-socket targets
//! ([`message_checks`]): `localipc-bench` and `localipc bench` print the
//! same lines for the same rows.

use crate::affinity::Placement;
use crate::job::Figure;
use crate::results::{FamilyTable, Row};
use crate::stats::median;

/// The least speed-up of a spinning shared-memory stream over the stream a
/// program would use without it, for 64 KiB writes, in every placement.
pub const SHM_SPEEDUP: f64 = 3.0;
/// The longest 1-byte round trip of a spinning shared-memory stream,
/// unpinned, in µs: an absolute bound, the median over rounds of each
/// round's median.
pub const SHM_SPINNING_ROUND_TRIP_US: f64 = 2.0;
/// The most ratio to the baseline for the 1-byte round trip of a
/// shared-memory stream that never spins: "no worse than std", with the
/// noise allowance of the local sockets' parity targets.
pub const SHM_SPIN_OFF_CEILING: f64 = 1.03;

/// The least ratio of a blocking localipc `MessageSocket` to the raw
/// message transport under it for the throughput of 64 KiB and 4 KiB
/// messages: the parity allowance of the local sockets with std.
pub const MESSAGE_THROUGHPUT_FLOOR: f64 = 0.97;
/// The most ratio of a blocking localipc `MessageSocket` to the raw
/// message transport under it for the 1-byte round trip.
pub const MESSAGE_ROUND_TRIP_CEILING: f64 = 1.03;

/// What a figure is held to.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// At least this much.
    AtLeast(f64),
    /// At most this much.
    AtMost(f64),
}

impl Goal {
    /// Whether `value` meets the goal; NaN never does.
    #[must_use]
    pub fn met(self, value: f64) -> bool {
        match self {
            Self::AtLeast(least) => value >= least,
            Self::AtMost(most) => value <= most,
        }
    }

    /// The goal for people: `>= 3`, `<= 1.03`.
    #[must_use]
    pub fn describe(self) -> String {
        // Three decimals at most, as the values are shown.
        let shown = |bound: f64| (bound * 1000.0).round() / 1000.0;
        match self {
            Self::AtLeast(least) => format!(">= {}", shown(least)),
            Self::AtMost(most) => format!("<= {}", shown(most)),
        }
    }

    /// At least as good as `reference`: more throughput, or less latency.
    #[must_use]
    pub fn as_good_as(figure: Figure, reference: f64) -> Self {
        if figure.is_throughput() {
            Self::AtLeast(reference)
        } else {
            Self::AtMost(reference)
        }
    }
}

/// One target and how the run fared.
#[derive(Clone, Debug)]
pub struct Check {
    /// What is held to the goal, for people.
    pub target: String,
    /// `None` for targets measured outside the placements.
    pub placement: Option<Placement>,
    /// What the run measured.
    pub value: f64,
    /// What it is held to.
    pub goal: Goal,
}

impl Check {
    /// Whether the run met the target.
    #[must_use]
    pub fn met(&self) -> bool {
        self.goal.met(self.value)
    }
}

/// A row's ratio to its family's baseline for `figure`; NaN (a target not
/// met) if the family has none.
#[must_use]
pub fn ratio(row: &Row, figure: Figure) -> f64 {
    row.figures[figure.index()].ratio.unwrap_or(f64::NAN)
}

/// The most allocations per op over a row's figures; infinite (a target
/// not met) if they were not counted.
#[must_use]
pub fn most_allocations_of(row: &Row) -> f64 {
    row.figures
        .iter()
        .map(|summary| summary.allocations_per_op.unwrap_or(f64::INFINITY))
        .fold(0.0, f64::max)
}

/// The shared-memory rows of a family whose baseline is the stream a
/// program would use without shared memory.
#[derive(Clone, Copy, Debug)]
pub struct ShmRows<'a> {
    /// The row with the default spin at both ends.
    pub spinning: &'a str,
    /// The row that never spins.
    pub spin_off: &'a str,
    /// Every shared-memory row of the family, held to no allocation.
    pub all: &'a [&'a str],
}

/// The shared-memory targets of `family` in `placement`: 64 KiB writes at
/// least [`SHM_SPEEDUP`] times the baseline's, a spinning 1-byte round trip
/// within [`SHM_SPINNING_ROUND_TRIP_US`] (unpinned), one without spin no
/// worse than the baseline's, and no allocation while timed. Rows the
/// family lacks have no line.
pub fn shm_checks(
    family: &FamilyTable,
    rows: ShmRows<'_>,
    placement: Placement,
    checks: &mut Vec<Check>,
) {
    let row = |name: &str| family.rows.iter().find(|row| row.contender == name);
    let versus = format!("×{}", family.baseline.unwrap_or("(no baseline)"));
    if let Some(spinning) = row(rows.spinning) {
        checks.push(Check {
            target: format!("{}, 64 KiB writes: {versus}", rows.spinning),
            placement: Some(placement),
            value: ratio(spinning, Figure::Throughput64K),
            goal: Goal::AtLeast(SHM_SPEEDUP),
        });
        if placement == Placement::Unpinned {
            checks.push(Check {
                target: format!("{}, 1 B round trip: µs", rows.spinning),
                placement: Some(placement),
                value: spinning.figures[Figure::RoundTrip1.index()].value / 1e3,
                goal: Goal::AtMost(SHM_SPINNING_ROUND_TRIP_US),
            });
        }
    }
    if let Some(off) = row(rows.spin_off) {
        checks.push(Check {
            target: format!("{}, 1 B round trip: {versus}", rows.spin_off),
            placement: Some(placement),
            value: ratio(off, Figure::RoundTrip1),
            goal: Goal::AtMost(SHM_SPIN_OFF_CEILING),
        });
    }
    let measured: Vec<&Row> = rows.all.iter().filter_map(|name| row(name)).collect();
    if !measured.is_empty() {
        checks.push(Check {
            target: "every shared-memory row: allocations per op while timed (the most)".to_owned(),
            placement: Some(placement),
            value: measured
                .into_iter()
                .map(most_allocations_of)
                .fold(0.0, f64::max),
            goal: Goal::AtMost(0.0),
        });
    }
}

/// A row's figure over another row's in the same family: the median of
/// the ratios within each round, as [`ratio`] is to the baseline; NaN (a
/// target not met) without a round measured by both.
#[must_use]
pub fn ratio_between(ours: &Row, theirs: &Row, figure: Figure) -> f64 {
    let (ours, theirs) = (
        &ours.figures[figure.index()].per_round,
        &theirs.figures[figure.index()].per_round,
    );
    if ours.is_empty() || theirs.is_empty() {
        return f64::NAN;
    }
    median(ours.iter().zip(theirs).map(|(ours, theirs)| ours / theirs))
}

/// The message-socket rows of a family: localipc's blocking
/// `MessageSocket` and the raw transport it is built on (`SOCK_SEQPACKET`
/// on Linux and Android, a message-mode named pipe on Windows), which need
/// not be the family's baseline.
#[derive(Clone, Copy, Debug)]
pub struct MessageRows<'a> {
    /// The raw transport's row.
    pub raw: &'a str,
    /// The blocking `MessageSocket`'s row.
    pub localipc: &'a str,
}

/// The message-socket targets of `family` in `placement`: the blocking
/// `MessageSocket` at least [`MESSAGE_THROUGHPUT_FLOOR`] times the raw
/// transport's throughput of 64 KiB and 4 KiB messages, and its 1-byte
/// round trip (the median) at most [`MESSAGE_ROUND_TRIP_CEILING`] times
/// the raw transport's. Without both rows there is no line.
pub fn message_checks(
    family: &FamilyTable,
    rows: MessageRows<'_>,
    placement: Placement,
    checks: &mut Vec<Check>,
) {
    let row = |name: &str| family.rows.iter().find(|row| row.contender == name);
    let (Some(raw), Some(ours)) = (row(rows.raw), row(rows.localipc)) else {
        return;
    };
    for (figure, goal) in [
        (
            Figure::Throughput64K,
            Goal::AtLeast(MESSAGE_THROUGHPUT_FLOOR),
        ),
        (
            Figure::Throughput4K,
            Goal::AtLeast(MESSAGE_THROUGHPUT_FLOOR),
        ),
        (Figure::RoundTrip1, Goal::AtMost(MESSAGE_ROUND_TRIP_CEILING)),
    ] {
        checks.push(Check {
            target: format!("{}, {}: ×{}", rows.localipc, figure.title(), rows.raw),
            placement: Some(placement),
            value: ratio_between(ours, raw, figure),
            goal,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Summary;

    #[test]
    fn goals_are_shown_to_three_decimals_at_most() {
        assert_eq!(Goal::AtMost(0.712_874_999_999_999_9).describe(), "<= 0.713");
        assert_eq!(Goal::AtLeast(0.97).describe(), ">= 0.97");
        assert_eq!(Goal::AtLeast(3.0).describe(), ">= 3");
    }

    #[test]
    fn a_figure_without_ratio_or_count_misses_its_target() {
        assert!(!Goal::AtLeast(0.97).met(f64::NAN));
        assert!(!Goal::AtMost(0.0).met(f64::INFINITY));
    }

    fn summary(value: f64, ratio: Option<f64>, allocations: Option<f64>) -> Summary {
        Summary {
            value,
            lowest: value,
            highest: value,
            ratio,
            allocations_per_op: allocations,
            cpu_ns_per_op: None,
            per_round: vec![value],
            per_round_ratio: ratio.into_iter().collect(),
            p99: None,
            p99_ratio: None,
        }
    }

    /// A row with `ratio` for every figure and `round_trip_ns` as its
    /// 1-byte round trip.
    fn row(contender: &'static str, ratio: f64, round_trip_ns: f64, allocations: f64) -> Row {
        let figure = |value| summary(value, Some(ratio), Some(allocations));
        Row {
            contender,
            figures: [
                figure(1.0),
                figure(1.0),
                figure(round_trip_ns),
                figure(round_trip_ns),
            ],
        }
    }

    #[test]
    fn shm_lines_pass_and_fail_on_their_bounds() {
        let rows = ShmRows {
            spinning: "spinning",
            spin_off: "off",
            all: &["spinning", "off"],
        };
        let family = |spinning: Row, off: Row| FamilyTable {
            name: "shm",
            key: "shm",
            baseline: Some("std"),
            rows: vec![row("std", 1.0, 50_000.0, 0.0), spinning, off],
        };
        let verdicts = |family: &FamilyTable, placement| {
            let mut checks = Vec::new();
            shm_checks(family, rows, placement, &mut checks);
            checks.iter().map(Check::met).collect::<Vec<_>>()
        };
        let good = family(
            row("spinning", 3.0, 2_000.0, 0.0),
            row("off", 1.03, 0.0, 0.0),
        );
        assert_eq!(verdicts(&good, Placement::Unpinned), [true; 4]);
        // Pinned, there is no absolute round-trip line.
        assert_eq!(verdicts(&good, Placement::Pinned { cpu: 0 }), [true; 3]);
        let bad = family(
            row("spinning", 2.99, 2_001.0, 0.0),
            row("off", 1.031, 0.0, 0.5),
        );
        assert_eq!(verdicts(&bad, Placement::Unpinned), [false; 4]);
        // A family without the rows has no line at all.
        let other = FamilyTable {
            rows: Vec::new(),
            ..good
        };
        assert!(verdicts(&other, Placement::Unpinned).is_empty());
    }

    /// A row whose rounds measured `values` for every figure.
    fn measured(contender: &'static str, values: &[f64]) -> Row {
        let figure = || Summary {
            per_round: values.to_vec(),
            ..summary(values[0], None, None)
        };
        Row {
            contender,
            figures: [figure(), figure(), figure(), figure()],
        }
    }

    fn message_verdicts(raw: &[f64], ours: &[f64]) -> Vec<(String, f64, bool)> {
        let family = FamilyTable {
            name: "messages",
            key: "messages",
            baseline: Some("framed"),
            rows: vec![
                measured("framed", &[1.0, 1.0, 1.0]),
                measured("raw", raw),
                measured("ours", ours),
            ],
        };
        let rows = MessageRows {
            raw: "raw",
            localipc: "ours",
        };
        let mut checks = Vec::new();
        message_checks(&family, rows, Placement::Unpinned, &mut checks);
        checks
            .into_iter()
            .map(|check| (check.target.clone(), check.value, check.met()))
            .collect()
    }

    #[test]
    fn message_lines_hold_the_socket_to_the_raw_row_not_the_baseline() {
        // Within each round: 0.97, 1.0 and 0.96 of the raw row; the median
        // of those is 0.97, whatever the medians of each row are.
        let verdicts = message_verdicts(&[100.0, 50.0, 200.0], &[97.0, 50.0, 192.0]);
        let targets: Vec<&str> = verdicts
            .iter()
            .map(|(target, ..)| target.as_str())
            .collect();
        assert_eq!(
            targets,
            [
                "ours, 64 KiB writes: ×raw",
                "ours, 4 KiB writes: ×raw",
                "ours, 1 B round trip: ×raw",
            ]
        );
        for (_, value, _) in &verdicts {
            assert!((value - 0.97).abs() < 1e-12, "{value}");
        }
        // Throughput at 0.97 meets its floor; a round trip at 0.97 of the
        // raw one is well under its ceiling.
        let met: Vec<bool> = verdicts.iter().map(|&(_, _, met)| met).collect();
        assert_eq!(met, [true, true, true]);
    }

    #[test]
    fn message_lines_fail_past_their_bounds() {
        let slower = message_verdicts(&[100.0, 100.0], &[96.0, 96.0]);
        assert_eq!(
            slower.iter().map(|&(_, _, met)| met).collect::<Vec<_>>(),
            [false, false, true]
        );
        let longer = message_verdicts(&[100.0, 100.0], &[104.0, 104.0]);
        assert_eq!(
            longer.iter().map(|&(_, _, met)| met).collect::<Vec<_>>(),
            [true, true, false]
        );
    }

    #[test]
    fn a_family_without_both_message_rows_has_no_message_line() {
        let family = FamilyTable {
            name: "messages",
            key: "messages",
            baseline: None,
            rows: vec![measured("ours", &[1.0])],
        };
        let rows = MessageRows {
            raw: "raw",
            localipc: "ours",
        };
        let mut checks = Vec::new();
        message_checks(&family, rows, Placement::Unpinned, &mut checks);
        assert!(checks.is_empty());
    }
}
