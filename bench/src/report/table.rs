//! The table printed on stdout.

use std::fmt::Write as _;

use super::blocks::{Block, document};
use crate::results::Results;

pub(super) fn render(results: &Results) -> String {
    let mut out = String::new();
    for block in document(results) {
        match block {
            Block::Heading(1, title) => {
                let _ = writeln!(out, "\n== {title}");
            }
            Block::Heading(_, title) => {
                let _ = writeln!(out, "\n{title}");
            }
            Block::Note(note) => {
                let _ = writeln!(out, "{note}");
            }
            Block::Table { headings, rows } => aligned(&mut out, headings, &rows),
        }
    }
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
