//! The JSON report: the engine's machine, jobs and tables, with the suite's
//! notes, allocation counts and targets.

use localipc_bench_engine::json::{self, Json};

use super::blocks;
use crate::results::Results;

#[cfg(test)]
mod read;

/// The `format_version` of the document: raised when a field is removed,
/// renamed or changes meaning, so that a reader of old and new files can
/// tell them apart; new fields alone leave it as it is.
const FORMAT_VERSION: u64 = 1;

pub(super) fn render(results: &Results) -> String {
    Json::Object(vec![
        ("format_version", Json::count(FORMAT_VERSION)),
        ("suite", Json::text("localipc-bench")),
        ("mode", Json::text(results.mode.name())),
        ("rounds", Json::count(results.plan.rounds as u64)),
        ("elapsed_s", Json::Number(results.elapsed.as_secs_f64())),
        ("machine", json::machine(&results.machine)),
        ("jobs", json::jobs(&results.plan)),
        (
            "notes",
            Json::Array(
                blocks::legend(results)
                    .iter()
                    .map(|line| Json::text(line))
                    .chain(results.pinning_note.map(Json::text))
                    .collect(),
            ),
        ),
        ("placements", json::placements(&results.placements)),
        (
            "allocations",
            Json::Object(vec![
                ("ops", Json::count(u64::from(results.allocation_ops))),
                (
                    "message_size",
                    Json::count(crate::allocations::MESSAGE as u64),
                ),
                (
                    "primitives",
                    Json::Array(
                        results
                            .allocations
                            .iter()
                            .map(|count| {
                                Json::Object(vec![
                                    ("primitive", Json::text(count.primitive)),
                                    ("per_write", Json::Number(count.per_write)),
                                    ("per_read", Json::Number(count.per_read)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
        ("targets", json::targets(&results.targets)),
    ])
    .render()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use localipc_bench_engine::affinity::Placement;
    use localipc_bench_engine::job::Figure;
    use localipc_bench_engine::machine::Machine;
    use localipc_bench_engine::results::{FamilyTable, PlacementTables, Row, Summary};
    use localipc_bench_engine::targets::{Check, Goal};

    use super::read::{self, Value};
    use super::*;
    use crate::allocations::AllocationCount;
    use crate::args::Mode;

    /// A figure of `value` (MiB/s or ns) in every round, with `ratio` to
    /// the baseline if there is one.
    fn summary(value: f64, ratio: Option<f64>) -> Summary {
        Summary {
            value,
            lowest: value,
            highest: value,
            p99: None,
            ratio,
            p99_ratio: None,
            allocations_per_op: Some(0.0),
            cpu_ns_per_op: None,
            per_round: vec![value],
            per_round_ratio: ratio.into_iter().collect(),
        }
    }

    /// A row whose throughputs are `mib_per_s` and round trips `nanos`.
    fn row(contender: &'static str, mib_per_s: f64, nanos: f64, ratio: Option<f64>) -> Row {
        Row {
            contender,
            figures: Figure::ALL.map(|figure| {
                summary(
                    if figure.is_throughput() {
                        mib_per_s
                    } else {
                        nanos
                    },
                    ratio,
                )
            }),
        }
    }

    /// One placement, one family of two rows, one allocation count and
    /// one target: a report small enough to check whole.
    fn small_report() -> Results {
        Results {
            machine: Machine {
                os: "linux",
                cpu_model: Some("Test CPU".to_owned()),
                logical_cpus: 2,
                kernel: None,
                pipe_max_size: None,
            },
            mode: Mode::Smoke,
            plan: Mode::Smoke.plan(None),
            placements: vec![PlacementTables {
                placement: Placement::Unpinned,
                families: vec![FamilyTable {
                    name: "Test streams",
                    key: "tests",
                    baseline: Some("baseline"),
                    rows: vec![
                        row("baseline", 1000.0, 8000.0, Some(1.0)),
                        row("contender", 1500.0, 4000.0, Some(1.5)),
                    ],
                }],
            }],
            pinning_note: None,
            allocation_ops: 1_000,
            allocations: vec![AllocationCount {
                primitive: "test stream",
                per_write: 0.0,
                per_read: 0.25,
            }],
            extra_notes: Vec::new(),
            targets: vec![Check {
                target: "contender at least as fast".to_owned(),
                placement: Some(Placement::Unpinned),
                value: 1.5,
                goal: Goal::AtLeast(1.0),
            }],
            elapsed: Duration::from_millis(1_250),
            finished: std::time::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_report_parses_back_with_its_version_and_rows() {
        let text = render(&small_report());
        let document = read::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));

        assert_eq!(document.keys()[0], "format_version");
        assert_eq!(document.field("format_version").number(), 1.0);
        assert_eq!(document.field("suite").text(), "localipc-bench");
        assert_eq!(document.field("mode").text(), "smoke");
        assert_eq!(document.field("rounds").number(), 1.0);
        assert_eq!(document.field("elapsed_s").number(), 1.25);
        assert_eq!(document.field("machine").field("os").text(), "linux");

        let placements = document.field("placements").items();
        assert_eq!(placements.len(), 1);
        assert_eq!(placements[0].field("placement").text(), "unpinned");
        let families = placements[0].field("families").items();
        assert_eq!(families.len(), 1);
        assert_eq!(families[0].field("family").text(), "tests");
        assert_eq!(families[0].field("baseline").text(), "baseline");
        let rows = families[0].field("contenders").items();
        let names: Vec<&str> = rows.iter().map(|row| row.field("name").text()).collect();
        assert_eq!(names, ["baseline", "contender"]);
        let throughput = rows[1].field(Figure::Throughput64K.key());
        assert_eq!(throughput.field("mib_per_s").number(), 1500.0);
        assert_eq!(throughput.field("ratio").number(), 1.5);
        assert_eq!(
            throughput.field("per_round_mib_per_s").items(),
            [Value::Number(1500.0)]
        );
        let round_trip = rows[1].field(Figure::RoundTrip1.key());
        assert_eq!(round_trip.field("median_us").number(), 4.0);
        assert_eq!(round_trip.field("allocations_per_round_trip").number(), 0.0);

        let allocations = document.field("allocations");
        assert_eq!(allocations.field("ops").number(), 1_000.0);
        let primitives = allocations.field("primitives").items();
        assert_eq!(primitives.len(), 1);
        assert_eq!(primitives[0].field("primitive").text(), "test stream");
        assert_eq!(primitives[0].field("per_read").number(), 0.25);

        let targets = document.field("targets").items();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].field("at_least").number(), 1.0);
        assert_eq!(targets[0].field("met"), &Value::Bool(true));
    }
}
