//! The JSON output, written by hand: a small value tree, its printer, and
//! the parts every report shares (the machine, the jobs, the tables, the
//! targets).

use std::fmt::Write as _;

use crate::job::{Figure, Job, Plan};
use crate::machine::Machine;
use crate::results::{FamilyTable, PlacementTables, Row, Summary};
use crate::targets::{Check, Goal};

/// A JSON value.
#[derive(Debug)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; not finite ones are written as `null`.
    Number(f64),
    /// A string.
    Text(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, its fields in this order.
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    /// A string.
    pub fn text(text: &str) -> Self {
        Self::Text(text.to_owned())
    }

    /// A count or size; exact in a JSON number up to 2^53.
    pub fn count(count: u64) -> Self {
        Self::Number(count as f64)
    }

    /// A number, or `null`.
    pub fn optional(value: Option<f64>) -> Self {
        value.map_or(Self::Null, Self::Number)
    }

    /// The document, indented, with a final newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
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

/// The machine the figures come from.
pub fn machine(machine: &Machine) -> Json {
    let text = |value: &Option<String>| value.as_deref().map_or(Json::Null, Json::text);
    Json::Object(vec![
        ("os", Json::text(machine.os)),
        ("cpu_model", text(&machine.cpu_model)),
        ("logical_cpus", Json::count(machine.logical_cpus as u64)),
        ("kernel", text(&machine.kernel)),
        (
            "pipe_max_size",
            machine.pipe_max_size.map_or(Json::Null, Json::count),
        ),
    ])
}

/// The job behind every figure, by the figure's key.
pub fn jobs(plan: &Plan) -> Json {
    Json::Object(
        Figure::ALL
            .iter()
            .map(|&figure| (figure.key(), job(plan.job(figure))))
            .collect(),
    )
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

/// Every placement's tables.
pub fn placements(placements: &[PlacementTables]) -> Json {
    Json::Array(placements.iter().map(placement).collect())
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
        ("baseline", family.baseline.map_or(Json::Null, Json::text)),
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

/// `values`, each times `scale`.
fn numbers(values: &[f64], scale: f64) -> Json {
    Json::Array(
        values
            .iter()
            .map(|value| Json::Number(value * scale))
            .collect(),
    )
}

/// One figure: its median, spread and ratios over rounds, with the value of
/// every round. Ratios appear only in a family with a baseline, allocation
/// counts only where they were counted, CPU times only where both
/// processes knew theirs.
fn summary(figure: Figure, summary: &Summary) -> Json {
    // (median, lowest, highest, every round, allocations, CPU time), and
    // the scale from the summary's unit (MiB/s or ns) to the JSON's.
    let (keys, scale) = if figure.is_throughput() {
        (
            [
                "mib_per_s",
                "lowest_mib_per_s",
                "highest_mib_per_s",
                "per_round_mib_per_s",
                "allocations_per_write",
                "cpu_us_per_write",
            ],
            1.0,
        )
    } else {
        (
            [
                "median_us",
                "lowest_median_us",
                "highest_median_us",
                "per_round_median_us",
                "allocations_per_round_trip",
                "cpu_us_per_round_trip",
            ],
            1e-3,
        )
    };
    let mut fields = vec![
        (keys[0], Json::Number(summary.value * scale)),
        (keys[1], Json::Number(summary.lowest * scale)),
        (keys[2], Json::Number(summary.highest * scale)),
    ];
    let optional = [
        ("p99_us", summary.p99.map(|p99| p99 * scale)),
        ("ratio", summary.ratio),
        ("p99_ratio", summary.p99_ratio),
        (keys[4], summary.allocations_per_op),
        (keys[5], summary.cpu_ns_per_op.map(|nanos| nanos * 1e-3)),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            fields.push((key, Json::Number(value)));
        }
    }
    fields.push((keys[3], numbers(&summary.per_round, scale)));
    if summary.ratio.is_some() {
        fields.push(("per_round_ratio", numbers(&summary.per_round_ratio, 1.0)));
    }
    Json::Object(fields)
}

/// Each target as `{target, placement, value, at_least | at_most, met}`;
/// `placement` is null for a target measured outside the placements.
pub fn targets(checks: &[Check]) -> Json {
    Json::Array(checks.iter().map(target).collect())
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
