//! A picture of the ratios: every contender's ratio to its family's
//! baseline, one panel per figure, as an SVG document.
//!
//! Each bar is the median of the per-round ratios; its whisker runs from
//! the lowest to the highest round, so the spread behind the median shows.
//! A bar is green where the contender did better than the baseline by more
//! than 3% (a higher throughput, a shorter round trip), orange where it did
//! worse by more than that, and grey in between.
//!
//! The SVG is written by hand: a few rectangles, lines and texts need no
//! drawing library, and text is laid out by the viewer (anchored, never
//! measured), so no font is needed to make the picture.

use std::fmt::Write as _;

use crate::job::Figure;
use crate::results::{PlacementTables, Summary};
use crate::stats;

/// The width of one figure's panel, in pixels.
const PANEL_WIDTH: f64 = 230.0;
/// The gap between two panels.
const PANEL_GAP: f64 = 24.0;
/// The height of one contender's row.
const ROW_HEIGHT: f64 = 22.0;
/// The height of a family's heading row.
const HEADING_HEIGHT: f64 = 26.0;
/// Above the rows: the title, the notes and the panels' headings.
const TOP: f64 = 92.0;
/// Below the rows: the axis and its ticks.
const BOTTOM: f64 = 40.0;
/// The left and right margins.
const MARGIN: f64 = 16.0;
/// An estimate of the width of one character of the 12 px labels, only to
/// size the label column (the viewer lays the text out).
const CHAR_WIDTH: f64 = 6.8;
/// Room for a bar's value to the right of its whisker.
const VALUE_ROOM: f64 = 38.0;

/// How far from 1 a ratio may be and still be drawn as a tie: run-to-run
/// noise on a busy machine is of this order.
const TIE: f64 = 0.03;

const BETTER: &str = "#2e7d32";
const WORSE: &str = "#e65100";
const TIED: &str = "#757575";
const UNKNOWN: &str = "#9e9e9e";

/// One row of the picture.
enum Line<'a> {
    /// A family's heading: its name, placement and baseline.
    Heading(String),
    /// A contender and its summary of each figure, in [`Figure::ALL`] order.
    Bar(&'static str, &'a [Summary; 4]),
}

/// The SVG picture of every family with a baseline in `placements`, under
/// the heading `title`. Families without a baseline have no ratios and are
/// left out; a picture with none says so.
pub fn svg(title: &str, placements: &[PlacementTables]) -> String {
    let lines = lines(placements);
    let label_width = lines
        .iter()
        .map(|line| match line {
            Line::Heading(_) => 0,
            Line::Bar(contender, _) => contender.chars().count(),
        })
        .max()
        .unwrap_or(0) as f64
        * CHAR_WIDTH
        + 2.0 * MARGIN;
    let rows_height: f64 = lines
        .iter()
        .map(|line| match line {
            Line::Heading(_) => HEADING_HEIGHT,
            Line::Bar(..) => ROW_HEIGHT,
        })
        .sum();
    let width = label_width + 4.0 * (PANEL_WIDTH + PANEL_GAP) + MARGIN;
    let height = TOP + rows_height.max(ROW_HEIGHT) + BOTTOM;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{MARGIN}" y="24" font-size="16" font-weight="bold">{}</text>
<text x="{MARGIN}" y="44" fill="#555">Each bar: the median over rounds of the ratio to the family's baseline, measured within each round; whisker: the lowest and highest round.</text>
<text x="{MARGIN}" y="60" fill="#555">Green: better than the baseline by more than 3% (throughput higher, round trip shorter); orange: worse by more than 3%; grey: within 3%.</text>
"##,
        escape(title)
    );
    if lines.is_empty() {
        let _ = writeln!(
            out,
            r#"<text x="{MARGIN}" y="{}">No family has a baseline: there are no ratios to draw.</text>"#,
            TOP + 14.0
        );
    }
    for (index, figure) in Figure::ALL.into_iter().enumerate() {
        let left = label_width + index as f64 * (PANEL_WIDTH + PANEL_GAP);
        panel(&mut out, &lines, figure, left, TOP + rows_height);
    }
    // The labels, right-aligned against the first panel.
    let mut y = TOP;
    for line in &lines {
        match line {
            Line::Heading(text) => {
                let _ = writeln!(
                    out,
                    r#"<text x="{MARGIN}" y="{:.1}" font-weight="bold">{}</text>"#,
                    y + HEADING_HEIGHT - 8.0,
                    escape(text)
                );
                y += HEADING_HEIGHT;
            }
            Line::Bar(contender, _) => {
                let _ = writeln!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                    label_width - MARGIN,
                    y + ROW_HEIGHT - 7.0,
                    escape(contender)
                );
                y += ROW_HEIGHT;
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The rows: for each placement and family with a baseline, a heading and
/// every contender but the baseline.
fn lines(placements: &[PlacementTables]) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    for tables in placements {
        for family in &tables.families {
            let Some(baseline) = family.baseline else {
                continue;
            };
            let placement = if placements.len() > 1 {
                format!(", {}", tables.placement.key())
            } else {
                String::new()
            };
            lines.push(Line::Heading(format!(
                "{}{placement}: ratio to {baseline}",
                family.name
            )));
            for row in family.rows.iter().skip(1) {
                lines.push(Line::Bar(row.contender, &row.figures));
            }
        }
    }
    lines
}

/// One figure's panel: its heading, the 1 line, the ticks and every bar.
fn panel(out: &mut String, lines: &[Line<'_>], figure: Figure, left: f64, bottom: f64) {
    let spans: Vec<Option<Span>> = lines
        .iter()
        .map(|line| match line {
            Line::Heading(_) => None,
            Line::Bar(_, figures) => Span::of(&figures[figure.index()]),
        })
        .collect();
    let largest = spans
        .iter()
        .flatten()
        .map(|span| span.highest.max(span.ratio))
        .fold(1.0, f64::max);
    let (step, end) = axis(largest);
    let scale = (PANEL_WIDTH - VALUE_ROOM) / end;
    let x = |ratio: f64| left + ratio.clamp(0.0, end) * scale;
    let better = if figure.is_throughput() {
        "higher is better"
    } else {
        "lower is better"
    };
    let _ = writeln!(
        out,
        r##"<text x="{left:.1}" y="{:.1}" font-weight="bold">{}</text>
<text x="{left:.1}" y="{:.1}" fill="#555">ratio to baseline, {better}</text>"##,
        TOP - 16.0,
        figure.title(),
        TOP - 3.0,
    );
    // Ticks and their grid lines.
    let mut tick = 0.0;
    while tick <= end + 1e-9 {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{bottom:.1}" stroke="#e0e0e0"/>
<text x="{0:.1}" y="{1:.1}" text-anchor="middle" fill="#555">{2}</text>"##,
            x(tick),
            bottom + 16.0,
            tick_label(tick)
        );
        tick += step;
    }
    let _ = writeln!(
        out,
        r##"<line x1="{left:.1}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#555"/>"##,
        x(end)
    );
    let mut y = TOP;
    for (line, span) in lines.iter().zip(&spans) {
        if let Line::Heading(_) = line {
            y += HEADING_HEIGHT;
            continue;
        }
        let middle = y + ROW_HEIGHT / 2.0;
        match span {
            Some(span) => {
                // How much better than the baseline: above 1 is better.
                let gain = if figure.is_throughput() {
                    span.ratio
                } else {
                    1.0 / span.ratio
                };
                let colour = if gain > 1.0 + TIE {
                    BETTER
                } else if gain < 1.0 - TIE {
                    WORSE
                } else {
                    TIED
                };
                let (low, high) = (x(span.lowest), x(span.highest));
                let (top, under) = (middle - 4.0, middle + 4.0);
                let _ = writeln!(
                    out,
                    r##"<rect x="{left:.1}" y="{bar_top:.1}" width="{bar_width:.1}" height="{bar_height:.1}" fill="{colour}" fill-opacity="0.75"/>
<line x1="{low:.1}" y1="{middle:.1}" x2="{high:.1}" y2="{middle:.1}" stroke="#212121"/>
<line x1="{low:.1}" y1="{top:.1}" x2="{low:.1}" y2="{under:.1}" stroke="#212121"/>
<line x1="{high:.1}" y1="{top:.1}" x2="{high:.1}" y2="{under:.1}" stroke="#212121"/>
<text x="{value_x:.1}" y="{under:.1}">{ratio:.3}</text>"##,
                    bar_top = y + 4.0,
                    bar_width = x(span.ratio) - left,
                    bar_height = ROW_HEIGHT - 8.0,
                    value_x = x(span.highest.max(span.ratio)) + 4.0,
                    ratio = span.ratio,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" fill="{UNKNOWN}">no ratio</text>"##,
                    left + 4.0,
                    middle + 4.0
                );
            }
        }
        y += ROW_HEIGHT;
    }
    // The baseline's own place: 1, over the bars.
    let _ = writeln!(
        out,
        r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{bottom:.1}" stroke="#212121" stroke-dasharray="4 3"/>"##,
        x(1.0),
        TOP + 2.0
    );
}

/// A ratio and its spread over rounds.
struct Span {
    ratio: f64,
    lowest: f64,
    highest: f64,
}

impl Span {
    /// The ratio of `summary`, if it has a finite one.
    fn of(summary: &Summary) -> Option<Self> {
        let ratio = summary.ratio.filter(|ratio| ratio.is_finite())?;
        let (lowest, highest) = stats::range(summary.per_round_ratio.iter().copied());
        let (lowest, highest) = if lowest.is_finite() && highest.is_finite() {
            (lowest, highest)
        } else {
            (ratio, ratio)
        };
        Some(Self {
            ratio,
            lowest,
            highest,
        })
    }
}

/// The tick step and the end of an axis from 0 that shows `largest`: the
/// end is a whole number of steps, with at most about six ticks.
fn axis(largest: f64) -> (f64, f64) {
    let step = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|step| largest / step <= 5.0)
        .unwrap_or(largest / 5.0);
    (step, (largest / step).ceil().max(1.0) * step)
}

/// A tick's value without needless decimals.
fn tick_label(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `text` with XML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affinity::Placement;
    use crate::results::{FamilyTable, Row};

    fn summary(ratio: Option<f64>, per_round_ratio: Vec<f64>) -> Summary {
        Summary {
            value: 1.0,
            lowest: 1.0,
            highest: 1.0,
            p99: None,
            ratio,
            p99_ratio: None,
            allocations_per_op: None,
            cpu_ns_per_op: None,
            per_round: vec![1.0],
            per_round_ratio,
        }
    }

    fn tables(baseline: Option<&'static str>) -> Vec<PlacementTables> {
        let row = |contender, ratio: Option<f64>| Row {
            contender,
            figures: [0.8, 1.2, 0.95, 1.05]
                .map(|factor| summary(ratio.map(|r| r * factor), vec![0.9, 1.1, 1.3])),
        };
        vec![PlacementTables {
            placement: Placement::Unpinned,
            families: vec![FamilyTable {
                name: "Unix sockets",
                key: "sockets",
                baseline,
                rows: vec![
                    row("std UnixStream", Some(1.0)),
                    row("async-io Async<UnixStream>", Some(1.1)),
                    row("unmeasured", None),
                ],
            }],
        }]
    }

    #[test]
    fn every_contender_but_the_baseline_is_drawn_escaped() {
        let svg = svg("a & b", &tables(Some("std UnixStream")));
        let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(document.root_element().tag_name().name(), "svg");
        assert!(svg.contains("async-io Async&lt;UnixStream&gt;"));
        assert!(svg.contains("a &amp; b"));
        assert!(svg.contains("Unix sockets: ratio to std UnixStream"));
        assert!(!svg.contains(r#"text-anchor="end">std UnixStream<"#));
        // One bar per figure for the measured contender, "no ratio" for the other.
        assert_eq!(svg.matches("<rect x=").count(), 4);
        assert_eq!(svg.matches("no ratio").count(), 4);
        for figure in Figure::ALL {
            assert!(svg.contains(figure.title()), "{}", figure.title());
        }
    }

    #[test]
    fn families_without_a_baseline_are_left_out() {
        let svg = svg("none", &tables(None));
        assert!(svg.contains("there are no ratios to draw"));
        assert!(!svg.contains("async-io"));
    }

    #[test]
    fn an_axis_ends_on_a_whole_step_past_the_largest_ratio() {
        assert_eq!(axis(1.0), (0.25, 1.0));
        assert_eq!(axis(1.3), (0.5, 1.5));
        assert_eq!(axis(2.55), (1.0, 3.0));
        assert_eq!(axis(12.0), (5.0, 15.0));
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(2.0), "2");
    }
}
