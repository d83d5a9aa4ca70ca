//! The report as blocks (headings, notes and tables) with their cells,
//! which the text table and the Markdown lay out each in their own way, and
//! the legend, which the JSON carries as its notes.

use localipc_bench_engine::job::{Figure, Job, Plan};
use localipc_bench_engine::peer;
use localipc_bench_engine::results::Row;

use crate::allocations;
use crate::args::Mode;
use crate::results::Results;

/// The column headings of a family's table.
const HEADINGS: [&str; 12] = [
    "contender",
    "64K MiB/s",
    "×base",
    "4K MiB/s",
    "×base",
    "1B µs",
    "p99 µs",
    "×base",
    "64B µs",
    "p99 µs",
    "×base",
    "allocs/op",
];

/// What the headings mean, and how the figures were made.
pub(super) fn legend(results: &Results) -> Vec<String> {
    let plan = &results.plan;
    let mut notes = vec![
        format!(
            "{} run, {} round(s). Each figure is the median over rounds; ×base is the median of the per-round ratios to the family's baseline (its first row) measured in the same round; the JSON has every round's value and the lowest and highest.",
            results.mode.name(),
            plan.rounds
        ),
        format!(
            "64K/4K MiB/s: throughput of {} and {}, timed from the first write to the peer's acknowledgement that it read everything; higher is better.",
            describe_job(plan.job(Figure::Throughput64K)),
            describe_job(plan.job(Figure::Throughput4K)),
        ),
        format!(
            "1B/64B µs: the median of {} of a 1-byte or 64-byte message, echoed by the peer; p99 µs: their 99th percentile by nearest rank; lower is better.",
            describe_job(plan.job(Figure::RoundTrip1)),
        ),
        "allocs/op: allocations in the measured process per write or per round trip while timed, the most over the four figures.".to_owned(),
        format!(
            "The peer is always a second process running the same plain blocking std/localipc code for every contender of a family; it reads up to {} at a time.",
            bytes(peer::READ_BUFFER as u64)
        ),
    ];
    #[cfg(any(target_os = "linux", target_os = "android", windows))]
    notes.push(crate::messages::NOTE.to_owned());
    notes.push(crate::shm::note());
    notes.extend(results.extra_notes.iter().cloned());
    if cfg!(windows) {
        notes.push(
            "On Windows the peer listens with a blocking localipc Listener. Run under Wine, the figures say how the contenders compare on Wine, not what Windows gives; the targets are reported all the same, and under Wine need not be met (the shared-memory ones included: Wine's scheduling and its CPU-time clock, which advances in ticks, are not Windows').".to_owned(),
        );
    }
    notes
}

fn describe_job(job: Job) -> String {
    match job {
        Job::Throughput {
            write_size,
            warm_bytes,
            total_bytes,
        } => format!(
            "{} in {} writes (after {} to warm up)",
            bytes(total_bytes),
            bytes(write_size as u64),
            bytes(warm_bytes),
        ),
        Job::RoundTrip { warm, count, .. } => {
            format!("{count} timed round trips (after {warm} to warm up)")
        }
    }
}

/// A byte count in the largest binary unit that divides it.
fn bytes(count: u64) -> String {
    match count {
        0 => "0 B".to_owned(),
        _ if count.is_multiple_of(1 << 20) => format!("{} MiB", count >> 20),
        _ if count.is_multiple_of(1 << 10) => format!("{} KiB", count >> 10),
        _ => format!("{count} B"),
    }
}

/// The cells of a row, in the order of [`HEADINGS`].
fn cells(row: &Row) -> Vec<String> {
    let mut cells = vec![row.contender.to_owned()];
    for figure in Figure::ALL {
        let summary = &row.figures[figure.index()];
        if figure.is_throughput() {
            cells.push(format!("{:.0}", summary.value));
        } else {
            cells.push(micros(summary.value));
            cells.push(summary.p99.map_or_else(String::new, micros));
        }
        cells.push(
            summary
                .ratio
                .map_or_else(String::new, |ratio| format!("{ratio:.3}")),
        );
    }
    let most = row
        .figures
        .iter()
        .map(|summary| summary.allocations_per_op)
        .try_fold(0.0, |most: f64, count| Some(most.max(count?)));
    cells.push(most.map_or_else(String::new, |most| format!("{most:.2}")));
    cells
}

fn micros(nanos: f64) -> String {
    format!("{:.2}", nanos / 1000.0)
}

/// The families whose CPU time per operation gets a table of its own.
const CPU_TABLES: &[&str] = &[crate::shm::KEY];

/// The column headings of a family's CPU table.
const CPU_HEADINGS: [&str; 5] = [
    "contender",
    "64K CPU µs/MiB",
    "4K CPU µs/MiB",
    "1B CPU µs/trip",
    "64B CPU µs/trip",
];

/// The cells of a row's CPU table, in the order of [`CPU_HEADINGS`]: for
/// throughput per MiB written (so both write sizes compare), for round
/// trips per round trip.
fn cpu_cells(row: &Row, plan: &Plan) -> Vec<String> {
    let mut cells = vec![row.contender.to_owned()];
    for figure in Figure::ALL {
        let per_op = row.figures[figure.index()].cpu_ns_per_op;
        let scale = match plan.job(figure) {
            Job::Throughput { write_size, .. } => (1 << 20) as f64 / write_size as f64,
            Job::RoundTrip { .. } => 1.0,
        };
        cells.push(per_op.map_or_else(String::new, |nanos| micros(nanos * scale)));
    }
    cells
}

/// The headings of the allocation table.
const ALLOCATION_HEADINGS: [&str; 3] = ["primitive", "allocs/write", "allocs/read"];

fn allocation_rows(results: &Results) -> Vec<Vec<String>> {
    results
        .allocations
        .iter()
        .map(|count| {
            vec![
                count.primitive.to_owned(),
                format!("{:.4}", count.per_write),
                format!("{:.4}", count.per_read),
            ]
        })
        .collect()
}

/// The headings of the targets table.
const TARGET_HEADINGS: [&str; 5] = ["target", "placement", "value", "goal", "met"];

fn target_rows(results: &Results) -> Vec<Vec<String>> {
    results
        .targets
        .iter()
        .map(|check| {
            vec![
                check.target.clone(),
                check
                    .placement
                    .map_or("in-process", |placement| placement.key())
                    .to_owned(),
                format!("{:.3}", check.value),
                check.goal.describe(),
                if check.met() { "yes" } else { "NO" }.to_owned(),
            ]
        })
        .collect()
}

/// A piece of a report, which the text and the Markdown renderers each lay
/// out in their own way.
#[derive(Debug)]
pub(super) enum Block {
    /// A section heading: level 1 for a placement or a part of the run, 2
    /// for a family.
    Heading(usize, String),
    /// A sentence about the run.
    Note(String),
    Table {
        headings: &'static [&'static str],
        rows: Vec<Vec<String>>,
    },
}

/// The whole report as blocks.
pub(super) fn document(results: &Results) -> Vec<Block> {
    let mut blocks = vec![Block::Note(format!("machine: {}", results.machine.line()))];
    blocks.extend(legend(results).into_iter().map(Block::Note));
    if let Some(note) = results.pinning_note {
        blocks.push(Block::Note(format!("note: {note}")));
    }
    for tables in &results.placements {
        blocks.push(Block::Heading(1, capitalized(&tables.placement.describe())));
        for family in &tables.families {
            blocks.push(Block::Heading(
                2,
                match family.baseline {
                    Some(baseline) => format!("{} (baseline: {baseline})", family.name),
                    None => family.name.to_owned(),
                },
            ));
            blocks.push(Block::Table {
                headings: &HEADINGS,
                rows: family.rows.iter().map(cells).collect(),
            });
            if CPU_TABLES.contains(&family.key) {
                blocks.push(Block::Heading(
                    2,
                    format!(
                        "{}: CPU time of both processes (user and system) while timed",
                        family.name
                    ),
                ));
                blocks.push(Block::Table {
                    headings: &CPU_HEADINGS,
                    rows: family
                        .rows
                        .iter()
                        .map(|row| cpu_cells(row, &results.plan))
                        .collect(),
                });
            }
        }
    }
    blocks.push(Block::Heading(
        1,
        format!(
            "Allocations in steady state, counted in this process over {} writes and reads of {} B after {} to warm up (target: 0)",
            results.allocation_ops,
            allocations::MESSAGE,
            allocations::WARM,
        ),
    ));
    blocks.push(Block::Table {
        headings: &ALLOCATION_HEADINGS,
        rows: allocation_rows(results),
    });
    blocks.push(Block::Heading(
        1,
        if results.mode == Mode::Smoke {
            // One round of transfers of a few hundred KiB: the lines show
            // that every target is computed, not where the code stands.
            "Targets (a smoke run measures nothing: its yes and NO say nothing of speed)"
        } else {
            "Targets (reported, not enforced; ratios are medians of per-round ratios)"
        }
        .to_owned(),
    ));
    blocks.push(Block::Table {
        headings: &TARGET_HEADINGS,
        rows: target_rows(results),
    });
    blocks.push(Block::Note(format!(
        "The run took {:.1} s.",
        results.elapsed.as_secs_f64()
    )));
    blocks
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
