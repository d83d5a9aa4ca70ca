//! The Markdown report.

use std::fmt::Write as _;

use super::blocks::{Block, document};
use crate::results::Results;

pub(super) fn render(results: &Results) -> String {
    let mut out = String::from("# localipc benchmarks\n\n");
    for block in document(results) {
        match block {
            Block::Heading(level, title) => {
                let _ = writeln!(out, "\n{} {title}\n", "#".repeat(level + 1));
            }
            Block::Note(note) => {
                let _ = writeln!(out, "- {}", escape(&note));
            }
            Block::Table { headings, rows } => table(&mut out, headings, &rows),
        }
    }
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
    out.push('\n');
}

/// Backslash-escapes what Markdown would read as a table border or an HTML
/// tag (`Async<UnixStream>`, `>= 0.97`).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '<' | '>') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
