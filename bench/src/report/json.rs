//! The JSON report, written by hand: a small value tree and its printer.

use std::fmt::Write as _;

use crate::job::{Figure, Job};
use crate::results::{FamilyTable, PlacementTables, Results, Row, Summary};
use crate::targets::{Check, Goal};

/// A JSON value.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    fn text(text: &str) -> Self {
        Self::Text(text.to_owned())
    }

    /// A count or size; exact in a JSON number up to 2^53.
    fn count(count: u64) -> Self {
        Self::Number(count as f64)
    }

    fn optional(value: Option<f64>) -> Self {
        value.map_or(Self::Null, Self::Number)
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, level: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        };
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(value) => {
                let _ = write!(out, "{value}");
            }
            Self::Number(number) if number.is_finite() => {
                let _ = write!(out, "{number}");
            }
            Self::Number(_) => out.push_str("null"),
            Self::Text(text) => write_string(out, text),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    pad(out, indent + 1);
                    item.write(out, indent + 1);
                }
                pad(out, indent);
                out.push(']');
            }
            Self::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Self::Object(fields) => {
                out.push('{');
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    pad(out, indent + 1);
                    write_string(out, key);
                    out.push_str(": ");
                    value.write(out, indent + 1);
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn render(results: &Results) -> String {
    let plan = &results.plan;
    let machine = &results.machine;
    let document = Json::Object(vec![
        ("suite", Json::text("localipc-bench")),
        ("mode", Json::text(plan.mode.name())),
        ("rounds", Json::count(plan.rounds as u64)),
        ("elapsed_s", Json::Number(results.elapsed.as_secs_f64())),
        (
            "machine",
            Json::Object(vec![
                (
                    "cpu_model",
                    machine.cpu_model.as_deref().map_or(Json::Null, Json::text),
                ),
                ("logical_cpus", Json::count(machine.logical_cpus as u64)),
                (
                    "kernel",
                    machine.kernel.as_deref().map_or(Json::Null, Json::text),
                ),
                (
                    "pipe_max_size",
                    machine.pipe_max_size.map_or(Json::Null, Json::count),
                ),
            ]),
        ),
        (
            "jobs",
            Json::Object(
                Figure::ALL
                    .iter()
                    .map(|&figure| (figure.key(), job(plan.job(figure))))
                    .collect(),
            ),
        ),
        (
            "notes",
            Json::Array(
                super::legend(plan)
                    .iter()
                    .map(|line| Json::text(line))
                    .chain(results.pinning_note.map(Json::text))
                    .collect(),
            ),
        ),
        (
            "placements",
            Json::Array(results.placements.iter().map(placement).collect()),
        ),
        (
            "allocations",
            Json::Object(vec![
                ("ops", Json::count(u64::from(plan.allocation_ops))),
                ("message_size", Json::count(64)),
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
        (
            "targets",
            Json::Array(results.targets.iter().map(target).collect()),
        ),
    ]);
    let mut out = String::new();
    document.write(&mut out, 0);
    out.push('\n');
    out
}

fn target(check: &Check) -> Json {
    let (kind, bound) = match check.goal {
        Goal::AtLeast(least) => ("at_least", least),
        Goal::AtMost(most) => ("at_most", most),
    };
    Json::Object(vec![
        ("target", Json::text(&check.target)),
        (
            "placement",
            check
                .placement
                .map_or(Json::Null, |placement| Json::text(placement.key())),
        ),
        ("value", Json::Number(check.value)),
        (kind, Json::Number(bound)),
        ("met", Json::Bool(check.met())),
    ])
}

fn placement(tables: &PlacementTables) -> Json {
    Json::Object(vec![
        ("placement", Json::text(tables.placement.key())),
        ("description", Json::Text(tables.placement.describe())),
        (
            "families",
            Json::Array(tables.families.iter().map(family).collect()),
        ),
    ])
}

fn family(family: &FamilyTable) -> Json {
    Json::Object(vec![
        ("family", Json::text(family.key)),
        ("name", Json::text(family.name)),
        ("baseline", Json::text(family.baseline)),
        (
            "contenders",
            Json::Array(family.rows.iter().map(row).collect()),
        ),
    ])
}

fn row(row: &Row) -> Json {
    let mut fields = vec![("name", Json::text(row.contender))];
    for figure in Figure::ALL {
        fields.push((figure.key(), summary(figure, &row.figures[figure.index()])));
    }
    Json::Object(fields)
}

fn job(job: Job) -> Json {
    match job {
        Job::Throughput {
            write_size,
            warm_bytes,
            total_bytes,
        } => Json::Object(vec![
            ("write_size", Json::count(write_size as u64)),
            ("warm_bytes", Json::count(warm_bytes)),
            ("timed_bytes", Json::count(total_bytes)),
        ]),
        Job::RoundTrip {
            message_size,
            warm,
            count,
        } => Json::Object(vec![
            ("message_size", Json::count(message_size as u64)),
            ("warm_round_trips", Json::count(u64::from(warm))),
            ("timed_round_trips", Json::count(u64::from(count))),
        ]),
    }
}

/// `values`, each times `scale`.
fn numbers(values: &[f64], scale: f64) -> Json {
    Json::Array(
        values
            .iter()
            .map(|value| Json::Number(value * scale))
            .collect(),
    )
}

fn summary(figure: Figure, summary: &Summary) -> Json {
    if figure.is_throughput() {
        Json::Object(vec![
            ("mib_per_s", Json::Number(summary.value)),
            ("ratio", Json::Number(summary.ratio)),
            (
                "allocations_per_write",
                Json::Number(summary.allocations_per_op),
            ),
            ("per_round_mib_per_s", numbers(&summary.per_round, 1.0)),
            ("per_round_ratio", numbers(&summary.per_round_ratio, 1.0)),
        ])
    } else {
        let micros = |nanos: f64| nanos / 1000.0;
        Json::Object(vec![
            ("median_us", Json::Number(micros(summary.value))),
            ("p99_us", Json::optional(summary.p99.map(micros))),
            ("ratio", Json::Number(summary.ratio)),
            ("p99_ratio", Json::optional(summary.p99_ratio)),
            (
                "allocations_per_round_trip",
                Json::Number(summary.allocations_per_op),
            ),
            ("per_round_median_us", numbers(&summary.per_round, 1e-3)),
            ("per_round_ratio", numbers(&summary.per_round_ratio, 1.0)),
        ])
    }
}
