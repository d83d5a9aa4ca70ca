//! The table printed on stdout.

use std::fmt::Write as _;

use super::{ALLOCATION_HEADINGS, HEADINGS, allocation_cells, allocation_title, cells, legend};
use crate::results::Results;

pub(super) fn render(results: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "machine: {}", results.machine.line());
    for line in legend(&results.plan) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(note) = results.pinning_note {
        let _ = writeln!(out, "note: {note}");
    }
    for tables in &results.placements {
        for family in &tables.families {
            let _ = writeln!(
                out,
                "\n{}, {} (baseline: {})",
                family.name,
                tables.placement.describe(),
                family.baseline
            );
            let rows: Vec<Vec<String>> = family.rows.iter().map(cells).collect();
            aligned(&mut out, &HEADINGS, &rows);
        }
    }
    let _ = writeln!(out, "\n{}", allocation_title(&results.plan));
    aligned(&mut out, &ALLOCATION_HEADINGS, &allocation_cells(results));
    let _ = writeln!(out, "\ntook {:.1} s", results.elapsed.as_secs_f64());
    out
}

/// Writes `rows` under `headings`, the first column left-aligned and the
/// others right-aligned, each as wide as its widest cell.
fn aligned(out: &mut String, headings: &[&str], rows: &[Vec<String>]) {
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .chain([headings[column].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headings.len()).map(width).collect();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        for (column, cell) in cells.enumerate() {
            let padding = widths[column].saturating_sub(cell.chars().count());
            if column == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(padding));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(padding));
            }
        }
        out.push('\n');
    };
    line(out, &mut headings.iter().copied());
    for row in rows {
        line(out, &mut row.iter().map(String::as_str));
    }
}
