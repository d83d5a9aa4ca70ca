//! The table of `localipc bench` for people: each family's rows, the
//! throughput and then the round trips, every figure as its median with
//! the lowest and highest round, and the targets.

use localipc_bench_engine::job::{Figure, Job, KIB, MIB, Plan};
use localipc_bench_engine::machine::Machine;
use localipc_bench_engine::results::{FamilyTable, Summary};
use localipc_bench_engine::targets::Check;

/// The width of the primitive column: the longest name.
const NAME_WIDTH: usize = 24;
/// The width of a number from [`compact`].
const NUMBER_WIDTH: usize = 5;
/// The width of a cell from [`spread`]: `median [lowest–highest]`.
const SPREAD_WIDTH: usize = 3 * NUMBER_WIDTH + 4;
/// The width of a round-trip column: the spread and the p99.
const LATENCY_WIDTH: usize = SPREAD_WIDTH + 2 + NUMBER_WIDTH;

/// The table for people: throughput, then round trips, each figure as its
/// median with the lowest and highest round; every column of a fixed width.
pub(super) fn render_table(
    families: &[FamilyTable],
    checks: &[Check],
    plan: &Plan,
    machine: &Machine,
    quick: bool,
    elapsed: f64,
) -> String {
    let mut out = format!(
        "localipc bench{}: {}, {} CPUs; two processes, unpinned; localipc at both ends{}\n\
         {} rounds; in each, every primitive in turn: {},\n\
         {}, {} of each size\n\
         each figure is the median over rounds [lowest–highest round];\n\
         p99: each round's 99th percentile (nearest rank), median over rounds\n",
        if quick { " --quick" } else { "" },
        machine.os,
        machine.logical_cpus,
        if families.iter().any(|family| family.baseline.is_some()) {
            "\n(but a family's baseline: std or the raw transport on this side)"
        } else {
            ""
        },
        plan.rounds,
        describe(plan.job(Figure::Throughput64K)),
        describe(plan.job(Figure::Throughput4K)),
        describe(plan.job(Figure::RoundTrip1)),
    );
    let line = |out: &mut String, name: &str, cells: &[String]| {
        let mut text = format!("{name:<NAME_WIDTH$}");
        for cell in cells {
            text.push_str("  ");
            text.push_str(cell);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let heading = |title: &str, width: usize| format!("{title:<width$}");
    let sub_heading = format!("{:<SPREAD_WIDTH$}", "median [range]");
    out.push('\n');
    line(
        &mut out,
        "MiB/s",
        &[
            heading("64 KiB writes", SPREAD_WIDTH),
            heading("4 KiB writes", SPREAD_WIDTH),
        ],
    );
    line(&mut out, "", &[sub_heading.clone(), sub_heading.clone()]);
    for family in families {
        family_heading(&mut out, family);
        for row in &family.rows {
            let cell = |figure: Figure| spread(&row.figures[figure.index()], 1.0);
            line(
                &mut out,
                row.contender,
                &[cell(Figure::Throughput64K), cell(Figure::Throughput4K)],
            );
        }
    }
    out.push('\n');
    line(
        &mut out,
        "µs",
        &[
            heading("1 B round trip", LATENCY_WIDTH),
            heading("64 B round trip", LATENCY_WIDTH),
        ],
    );
    let p99 = format!("{:>NUMBER_WIDTH$}", "p99");
    line(
        &mut out,
        "",
        &[sub_heading.clone(), p99.clone(), sub_heading, p99],
    );
    for family in families {
        family_heading(&mut out, family);
        for row in &family.rows {
            let mut cells = Vec::new();
            for figure in [Figure::RoundTrip1, Figure::RoundTrip64] {
                let summary = &row.figures[figure.index()];
                let p99_us = summary.p99.map_or(f64::NAN, |nanos| nanos / 1e3);
                cells.push(spread(summary, 1e-3));
                cells.push(format!("{:>NUMBER_WIDTH$}", compact(p99_us)));
            }
            line(&mut out, row.contender, &cells);
        }
    }
    if !checks.is_empty() {
        out.push_str(&render_targets(checks));
    }
    out.push_str(&format!("\ntook {elapsed:.1} s\n"));
    out
}

/// A family's name above its rows, in the family's order; with its
/// baseline, which the targets' ratios are taken against.
fn family_heading(out: &mut String, family: &FamilyTable) {
    match family.baseline {
        Some(baseline) => out.push_str(&format!("[{}, against {baseline}]\n", family.name)),
        None => out.push_str(&format!("[{}]\n", family.name)),
    }
}

/// The targets, one line each: what, the value, the goal, whether it was
/// met. Reported, never enforced.
fn render_targets(checks: &[Check]) -> String {
    let width = checks
        .iter()
        .map(|check| check.target.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "\ntargets (reported, not enforced; ratios are medians of per-round ratios)\n",
    );
    for check in checks {
        let padding = width - check.target.chars().count();
        out.push_str(&format!(
            "{}{:padding$}  {:>8.3}  {:>8}  {}\n",
            check.target,
            "",
            check.value,
            check.goal.describe(),
            if check.met() { "yes" } else { "NO" },
        ));
    }
    out
}

/// What a job moves in one round, for people.
fn describe(job: Job) -> String {
    match job {
        Job::Throughput {
            write_size,
            total_bytes,
            ..
        } => format!(
            "{} MiB in {} KiB writes",
            total_bytes / MIB,
            write_size as u64 / KIB
        ),
        Job::RoundTrip { count, .. } => format!("{count} round trips"),
    }
}

/// `median [lowest–highest]` of `summary`, times `scale`, in
/// [`SPREAD_WIDTH`] characters.
fn spread(summary: &Summary, scale: f64) -> String {
    let range = format!(
        "[{}–{}]",
        compact(summary.lowest * scale),
        compact(summary.highest * scale)
    );
    format!(
        "{:>NUMBER_WIDTH$} {range:<width$}",
        compact(summary.value * scale),
        width = SPREAD_WIDTH - NUMBER_WIDTH - 1
    )
}

/// `value` in at most [`NUMBER_WIDTH`] characters: three or four
/// significant digits, with a k, M or G suffix past 9999; `-` for a value
/// that is not a finite, non-negative number.
fn compact(value: f64) -> String {
    if !(value.is_finite() && value >= 0.0) {
        return "-".to_owned();
    }
    for (scale, suffix) in [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "G")] {
        let scaled = value / scale;
        // The most decimals that fit: four characters before the suffix.
        for decimals in [2, 1, 0] {
            let text = format!("{scaled:.decimals$}");
            if text.len() <= 4 {
                return text + suffix;
            }
        }
    }
    "huge".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_never_outgrow_their_column() {
        let cases = [
            (0.0, "0.00"),
            (0.004, "0.00"),
            (9.996, "10.0"),
            (29.5, "29.5"),
            (99.96, "100"),
            (2122.0, "2122"),
            (9999.6, "10.0k"),
            (21220.0, "21.2k"),
            (999_999.0, "1000k"),
            (1.5e7, "15.0M"),
            (f64::NAN, "-"),
        ];
        for (value, expected) in cases {
            assert_eq!(compact(value), expected, "{value}");
        }
        for exponent in -3..13 {
            for mantissa in [1.0, 1.2345, 9.9999] {
                let value = mantissa * 10f64.powi(exponent);
                assert!(compact(value).chars().count() <= NUMBER_WIDTH, "{value}");
            }
        }
    }

    #[test]
    fn names_fit_their_column() {
        let families = crate::bench::families::families(true)
            .into_iter()
            .chain(crate::bench::families::families(false));
        for contender in families.flat_map(|family| family.contenders) {
            assert!(
                contender.name.chars().count() <= NAME_WIDTH,
                "{}",
                contender.name
            );
        }
    }
}
