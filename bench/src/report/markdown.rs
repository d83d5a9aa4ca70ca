//! The Markdown report.

use std::fmt::Write as _;

use super::{ALLOCATION_HEADINGS, HEADINGS, allocation_cells, allocation_title, cells, legend};
use crate::results::Results;

pub(super) fn render(results: &Results) -> String {
    let mut out = String::from("# localipc benchmarks\n\n");
    let _ = writeln!(out, "Machine: {}\n", results.machine.line());
    for line in legend(&results.plan) {
        let _ = writeln!(out, "- {line}");
    }
    if let Some(note) = results.pinning_note {
        let _ = writeln!(out, "- Note: {note}");
    }
    for tables in &results.placements {
        let _ = writeln!(out, "\n## {}", capitalized(&tables.placement.describe()));
        for family in &tables.families {
            let _ = writeln!(
                out,
                "\n### {} (baseline: {})\n",
                family.name, family.baseline
            );
            let rows: Vec<Vec<String>> = family.rows.iter().map(cells).collect();
            table(&mut out, &HEADINGS, &rows);
        }
    }
    let _ = writeln!(out, "\n## {}\n", allocation_title(&results.plan));
    table(&mut out, &ALLOCATION_HEADINGS, &allocation_cells(results));
    let _ = writeln!(
        out,
        "\nThe run took {:.1} s.",
        results.elapsed.as_secs_f64()
    );
    out
}

fn table(out: &mut String, headings: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", headings.join(" | "));
    let rule: Vec<&str> = (0..headings.len())
        .map(|column| if column == 0 { "---" } else { "---:" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in rows {
        let escaped: Vec<String> = row.iter().map(|cell| escape(cell)).collect();
        let _ = writeln!(out, "| {} |", escaped.join(" | "));
    }
}

/// Backslash-escapes what Markdown would read as a table border or an HTML
/// tag (`Async<UnixStream>`).
fn escape(cell: &str) -> String {
    let mut escaped = String::with_capacity(cell.len());
    for c in cell.chars() {
        if matches!(c, '|' | '<' | '>') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
