//! A picture of the ratios: every contender's ratio to its family's
//! baseline, one panel per figure, as an SVG document.
//!
//! Each family is a section of its own: its heading on a line above its
//! panels, then one row per contender in the family's order, then each
//! panel's axis. Each bar is the median of the per-round ratios; its
//! whisker runs from the lowest to the highest round, so the spread behind
//! the median shows. A bar is green where every round was better than the
//! baseline (a higher throughput, a shorter round trip), orange where every
//! round was worse, and grey where the rounds fall on both sides of 1: the
//! run cannot tell which is faster. Above the sections the picture states
//! the run's facts: when (UTC), the machine, the mode and the rounds.
//!
//! The SVG is written by hand: a few rectangles, lines and texts need no
//! drawing library, and text is laid out by the viewer (anchored, never
//! measured), so no font is needed to make the picture.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::job::Figure;
use crate::machine::Machine;
use crate::results::{PlacementTables, Summary};
use crate::stats;

/// The width of one figure's panel, in pixels.
const PANEL_WIDTH: f64 = 230.0;
/// The gap between two panels.
const PANEL_GAP: f64 = 24.0;
/// The height of one contender's row.
const ROW_HEIGHT: f64 = 22.0;
/// The band of a family's heading, above its panels: nothing else is drawn
/// in it.
const HEADING_HEIGHT: f64 = 30.0;
/// The size of a family's heading, in pixels.
const HEADING_SIZE: f64 = 13.0;
/// Under a family's panels: their axes' tick labels.
const AXIS_HEIGHT: f64 = 22.0;
/// Between two families.
const FAMILY_GAP: f64 = 8.0;
/// Above the first family: the title, the facts, the legend and the
/// figures' headings.
const TOP: f64 = 126.0;
/// Below the last family.
const BOTTOM: f64 = 8.0;
/// The left and right margins.
const MARGIN: f64 = 16.0;
/// An estimate of the width of one character of the 12 px labels, only to
/// size the label column (the viewer lays the text out).
const CHAR_WIDTH: f64 = 6.8;
/// Room for a bar's value to the right of its whisker.
const VALUE_ROOM: f64 = 38.0;

const BETTER: &str = "#2e7d32";
const WORSE: &str = "#e65100";
const NEUTRAL: &str = "#757575";
const UNKNOWN: &str = "#9e9e9e";

/// What a picture says about its run, so that it can be read on its own.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// When the run was made; shown in UTC, to the minute.
    pub when: SystemTime,
    /// The machine it ran on.
    pub machine: &'a Machine,
    /// The run's mode, for people (`quick`, `full`, `smoke`).
    pub mode: &'a str,
    /// The rounds behind every figure.
    pub rounds: usize,
}

impl Facts<'_> {
    /// One line for people.
    fn line(&self) -> String {
        format!(
            "{} · {} run, {} round{} · {}",
            utc_minute(self.when),
            self.mode,
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            self.machine.line()
        )
    }
}

/// One family's section of the picture.
struct Section<'a> {
    /// The family's name, placement and baseline.
    heading: String,
    /// Every contender but the baseline, in the family's order, with its
    /// summary of each figure in [`Figure::ALL`] order.
    rows: Vec<(&'static str, &'a [Summary; 4])>,
}

impl Section<'_> {
    fn height(&self) -> f64 {
        HEADING_HEIGHT + self.rows.len() as f64 * ROW_HEIGHT + AXIS_HEIGHT + FAMILY_GAP
    }
}

/// The SVG picture of every family with a baseline in `placements`, under
/// the heading `title`, with the run's `facts`. Families without a
/// baseline have no ratios and are left out; a picture with none says so.
pub fn svg(title: &str, facts: &Facts<'_>, placements: &[PlacementTables]) -> String {
    let sections = sections(placements);
    let label_width = sections
        .iter()
        .flat_map(|section| &section.rows)
        .map(|(contender, _)| contender.chars().count())
        .max()
        .unwrap_or(0) as f64
        * CHAR_WIDTH
        + 2.0 * MARGIN;
    let sections_height: f64 = sections.iter().map(Section::height).sum();
    let width = label_width + 4.0 * (PANEL_WIDTH + PANEL_GAP) + MARGIN;
    let height = TOP + sections_height.max(ROW_HEIGHT) + BOTTOM;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{MARGIN}" y="24" font-size="16" font-weight="bold">{}</text>
<text x="{MARGIN}" y="44" class="facts">{}</text>
<text x="{MARGIN}" y="62" fill="#555">Each bar: the median over rounds of the ratio to the family's baseline, measured within each round; whisker: the lowest and highest round.</text>
<text x="{MARGIN}" y="78" fill="#555" class="legend">Green: better than the baseline in every round (throughput higher, round trip shorter); orange: worse in every round; grey: the rounds fall on both sides of 1.</text>
"##,
        escape(title),
        escape(&facts.line()),
    );
    if sections.is_empty() {
        let _ = writeln!(
            out,
            r#"<text x="{MARGIN}" y="{}">No family has a baseline: there are no ratios to draw.</text>"#,
            TOP + 14.0
        );
    }
    for (index, figure) in Figure::ALL.into_iter().enumerate() {
        let better = if figure.is_throughput() {
            "higher is better"
        } else {
            "lower is better"
        };
        let _ = writeln!(
            out,
            r##"<text x="{left:.1}" y="{:.1}" font-weight="bold">{}</text>
<text x="{left:.1}" y="{:.1}" fill="#555">ratio to baseline, {better}</text>"##,
            TOP - 24.0,
            figure.title(),
            TOP - 10.0,
            left = panel_left(label_width, index),
        );
    }
    let mut y = TOP;
    for section in &sections {
        let _ = writeln!(
            out,
            r#"<text x="{MARGIN}" y="{:.1}" font-size="{HEADING_SIZE}" font-weight="bold" class="heading">{}</text>"#,
            y + HEADING_HEIGHT - 9.0,
            escape(&section.heading)
        );
        let panel_top = y + HEADING_HEIGHT;
        for (index, figure) in Figure::ALL.into_iter().enumerate() {
            panel(
                &mut out,
                &section.rows,
                figure,
                panel_left(label_width, index),
                panel_top,
            );
        }
        // The labels, right-aligned against the first panel.
        for (row, (contender, _)) in section.rows.iter().enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="label">{}</text>"#,
                label_width - MARGIN,
                panel_top + (row + 1) as f64 * ROW_HEIGHT - 7.0,
                escape(contender)
            );
        }
        y += section.height();
    }
    out.push_str("</svg>\n");
    out
}

/// The left edge of the panel of the figure at `index`.
fn panel_left(label_width: f64, index: usize) -> f64 {
    label_width + index as f64 * (PANEL_WIDTH + PANEL_GAP)
}

/// The sections: for each placement, each family with a baseline and
/// another contender, its contenders but the baseline in the family's
/// order.
fn sections(placements: &[PlacementTables]) -> Vec<Section<'_>> {
    let mut sections = Vec::new();
    for tables in placements {
        for family in &tables.families {
            let Some(baseline) = family.baseline else {
                continue;
            };
            let rows: Vec<_> = family
                .rows
                .iter()
                .filter(|row| row.contender != baseline)
                .map(|row| (row.contender, &row.figures))
                .collect();
            if rows.is_empty() {
                continue;
            }
            let placement = if placements.len() > 1 {
                format!(", {}", tables.placement.key())
            } else {
                String::new()
            };
            sections.push(Section {
                heading: format!("{}{placement}: ratio to {baseline}", family.name),
                rows,
            });
        }
    }
    sections
}

/// One figure's panel of a section, from `top` down: its background, the
/// 1 line, the axis and its ticks, and every bar.
fn panel(
    out: &mut String,
    rows: &[(&'static str, &[Summary; 4])],
    figure: Figure,
    left: f64,
    top: f64,
) {
    let bottom = top + rows.len() as f64 * ROW_HEIGHT;
    let spans: Vec<Option<Span>> = rows
        .iter()
        .map(|(_, figures)| Span::of(&figures[figure.index()]))
        .collect();
    let largest = spans
        .iter()
        .flatten()
        .map(|span| span.highest.max(span.ratio))
        .fold(1.0, f64::max);
    let (step, end) = axis(largest);
    let scale = (PANEL_WIDTH - VALUE_ROOM) / end;
    let x = |ratio: f64| left + ratio.clamp(0.0, end) * scale;
    let _ = writeln!(
        out,
        r##"<rect x="{left:.1}" y="{top:.1}" width="{PANEL_WIDTH}" height="{:.1}" fill="#fafafa" class="panel"/>"##,
        bottom - top
    );
    // Ticks and their grid lines.
    let mut tick = 0.0;
    while tick <= end + 1e-9 {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{top:.1}" x2="{0:.1}" y2="{bottom:.1}" stroke="#e0e0e0"/>
<text x="{0:.1}" y="{1:.1}" text-anchor="middle" fill="#555">{2}</text>"##,
            x(tick),
            bottom + 15.0,
            tick_label(tick)
        );
        tick += step;
    }
    let _ = writeln!(
        out,
        r##"<line x1="{left:.1}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#555"/>"##,
        x(end)
    );
    for (row, span) in spans.iter().enumerate() {
        let y = top + row as f64 * ROW_HEIGHT;
        let middle = y + ROW_HEIGHT / 2.0;
        match span {
            Some(span) => {
                let colour = span.colour(figure);
                let (low, high) = (x(span.lowest), x(span.highest));
                let (tip, foot) = (middle - 4.0, middle + 4.0);
                let _ = writeln!(
                    out,
                    r##"<rect x="{left:.1}" y="{bar_top:.1}" width="{bar_width:.1}" height="{bar_height:.1}" fill="{colour}" fill-opacity="0.75" class="bar"/>
<line x1="{low:.1}" y1="{middle:.1}" x2="{high:.1}" y2="{middle:.1}" stroke="#212121"/>
<line x1="{low:.1}" y1="{tip:.1}" x2="{low:.1}" y2="{foot:.1}" stroke="#212121"/>
<line x1="{high:.1}" y1="{tip:.1}" x2="{high:.1}" y2="{foot:.1}" stroke="#212121"/>
<text x="{value_x:.1}" y="{foot:.1}">{ratio:.3}</text>"##,
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
    }
    // The baseline's own place: 1, over the bars.
    let _ = writeln!(
        out,
        r##"<line x1="{0:.1}" y1="{top:.1}" x2="{0:.1}" y2="{bottom:.1}" stroke="#212121" stroke-dasharray="4 3"/>"##,
        x(1.0),
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

    /// The bar's colour for `figure`: better or worse than the baseline
    /// only where every round's ratio is on that side of 1, neutral where
    /// the rounds straddle it (or touch it).
    fn colour(&self, figure: Figure) -> &'static str {
        let above = self.lowest > 1.0;
        let below = self.highest < 1.0;
        match (above, below, figure.is_throughput()) {
            (true, _, true) | (_, true, false) => BETTER,
            (true, _, false) | (_, true, true) => WORSE,
            _ => NEUTRAL,
        }
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

/// `when` in UTC, to the minute: `2026-12-07 12:40 UTC`. Before 1970 is
/// shown as 1970.
fn utc_minute(when: SystemTime) -> String {
    let seconds = when
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's
    // `civil_from_days`), over 400-year eras of 146,097 days that start on
    // a 1 March.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3_600,
        of_day % 3_600 / 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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

    /// A row whose every figure has `ratio` and these per-round ratios.
    fn row(contender: &'static str, ratio: Option<f64>, per_round: &[f64]) -> Row {
        Row {
            contender,
            figures: [0, 1, 2, 3].map(|_| summary(ratio, per_round.to_vec())),
        }
    }

    fn family(name: &'static str, baseline: Option<&'static str>, rows: Vec<Row>) -> FamilyTable {
        FamilyTable {
            name,
            key: name,
            baseline,
            rows,
        }
    }

    fn tables(baseline: Option<&'static str>) -> Vec<PlacementTables> {
        vec![PlacementTables {
            placement: Placement::Unpinned,
            families: vec![family(
                "Unix sockets",
                baseline,
                vec![
                    row("std UnixStream", Some(1.0), &[1.0, 1.0, 1.0]),
                    row("async-io Async<UnixStream>", Some(1.1), &[0.9, 1.1, 1.3]),
                    row("unmeasured", None, &[]),
                ],
            )],
        }]
    }

    /// Two families, the second's rows in an order no sort would give.
    fn two_families() -> Vec<PlacementTables> {
        vec![PlacementTables {
            placement: Placement::Unpinned,
            families: vec![
                family(
                    "local sockets",
                    Some("std UnixStream"),
                    vec![
                        row("std UnixStream", Some(1.0), &[1.0]),
                        row("socket, path", Some(1.0), &[0.99, 1.01]),
                    ],
                ),
                family(
                    "shared memory",
                    Some("std UnixStream"),
                    vec![
                        row("std UnixStream", Some(1.0), &[1.0]),
                        row("shm, spinning", Some(5.0), &[4.0, 6.0]),
                        row("shm, 200 µs", Some(5.0), &[4.0, 6.0]),
                        row("shm, off", Some(1.0), &[0.9, 1.1]),
                    ],
                ),
            ],
        }]
    }

    fn machine() -> Machine {
        Machine {
            os: "linux",
            cpu_model: Some("Example CPU @ 3.00GHz".to_owned()),
            logical_cpus: 2,
            kernel: Some("Linux 6.1.0 x86_64".to_owned()),
            pipe_max_size: None,
        }
    }

    /// The picture of `placements`, made on 2026-12-07 at 12:00 UTC.
    fn draw(title: &str, placements: &[PlacementTables]) -> String {
        let machine = machine();
        let facts = Facts {
            when: UNIX_EPOCH + Duration::from_secs(1_796_644_800),
            machine: &machine,
            mode: "quick",
            rounds: 5,
        };
        svg(title, &facts, placements)
    }

    fn attribute(node: roxmltree::Node<'_, '_>, name: &str) -> f64 {
        node.attribute(name).unwrap().parse().unwrap()
    }

    /// The text of every `<text>` of `class`, in document order.
    fn texts_of<'a>(document: &'a roxmltree::Document<'a>, class: &str) -> Vec<&'a str> {
        document
            .descendants()
            .filter(|node| node.has_tag_name("text") && node.attribute("class") == Some(class))
            .map(|node| node.text().unwrap())
            .collect()
    }

    /// The fill of every bar, in document order: figure by figure within
    /// each family.
    fn bar_colours(svg: &str) -> Vec<String> {
        let document = roxmltree::Document::parse(svg).unwrap();
        document
            .descendants()
            .filter(|node| node.has_tag_name("rect") && node.attribute("class") == Some("bar"))
            .map(|node| node.attribute("fill").unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_contender_but_the_baseline_is_drawn_escaped() {
        let svg = draw("a & b", &tables(Some("std UnixStream")));
        let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(document.root_element().tag_name().name(), "svg");
        assert!(svg.contains("async-io Async&lt;UnixStream&gt;"));
        assert!(svg.contains("a &amp; b"));
        assert_eq!(
            texts_of(&document, "heading"),
            ["Unix sockets: ratio to std UnixStream"]
        );
        assert_eq!(
            texts_of(&document, "label"),
            ["async-io Async<UnixStream>", "unmeasured"]
        );
        // One bar per figure for the measured contender, "no ratio" for the other.
        assert_eq!(bar_colours(&svg).len(), 4);
        assert_eq!(svg.matches("no ratio").count(), 4);
        for figure in Figure::ALL {
            assert!(svg.contains(figure.title()), "{}", figure.title());
        }
    }

    #[test]
    fn families_without_a_baseline_are_left_out() {
        let svg = draw("none", &tables(None));
        assert!(svg.contains("there are no ratios to draw"));
        assert!(!svg.contains("async-io"));
    }

    #[test]
    fn a_bar_is_coloured_only_where_every_round_is_on_one_side_of_one() {
        let placements = |per_round: &[f64]| {
            vec![PlacementTables {
                placement: Placement::Unpinned,
                families: vec![family(
                    "f",
                    Some("base"),
                    vec![
                        row("base", Some(1.0), &[1.0]),
                        row("ours", Some(median_of(per_round)), per_round),
                    ],
                )],
            }]
        };
        // Figures in order: two throughputs, then two round trips.
        let colours = |per_round: &[f64]| bar_colours(&draw("colours", &placements(per_round)));
        // A median 10% above 1 whose rounds straddle 1 tells nothing.
        assert_eq!(colours(&[0.99, 1.1, 1.2]), [NEUTRAL; 4]);
        assert_eq!(colours(&[0.8, 0.9, 1.01]), [NEUTRAL; 4]);
        // A round exactly at 1 is not on either side.
        assert_eq!(colours(&[1.0, 1.2, 1.3]), [NEUTRAL; 4]);
        // All above 1, even by a hair: more throughput is better, a longer
        // round trip worse.
        assert_eq!(
            colours(&[1.005, 1.01, 1.02]),
            [BETTER, BETTER, WORSE, WORSE]
        );
        assert_eq!(colours(&[0.5, 0.9, 0.99]), [WORSE, WORSE, BETTER, BETTER]);
    }

    fn median_of(values: &[f64]) -> f64 {
        stats::median(values.iter().copied())
    }

    #[test]
    fn the_legend_states_the_colour_rule() {
        let svg = draw("legend", &tables(Some("std UnixStream")));
        let document = roxmltree::Document::parse(&svg).unwrap();
        let legend = texts_of(&document, "legend").concat();
        assert!(
            legend.contains("better than the baseline in every round"),
            "{legend}"
        );
        assert!(legend.contains("worse in every round"), "{legend}");
        assert!(legend.contains("both sides of 1"), "{legend}");
        assert!(!svg.contains("3%"), "{svg}");
    }

    #[test]
    fn each_family_has_a_heading_clear_of_every_panel() {
        let svg = draw("sections", &two_families());
        let document = roxmltree::Document::parse(&svg).unwrap();
        let headings: Vec<(f64, f64)> = document
            .descendants()
            .filter(|node| node.attribute("class") == Some("heading"))
            .map(|node| {
                // From the top of the tallest letter to under a descender.
                let (baseline, size) = (attribute(node, "y"), attribute(node, "font-size"));
                (baseline - size, baseline + 0.3 * size)
            })
            .collect();
        let panels: Vec<(f64, f64)> = document
            .descendants()
            .filter(|node| node.attribute("class") == Some("panel"))
            .map(|node| {
                let top = attribute(node, "y");
                (top, top + attribute(node, "height"))
            })
            .collect();
        assert_eq!(
            texts_of(&document, "heading"),
            [
                "local sockets: ratio to std UnixStream",
                "shared memory: ratio to std UnixStream"
            ]
        );
        // Four panels per family, one family under the other.
        assert_eq!(panels.len(), 8);
        assert!(headings[0].1 < panels[0].0 && panels[0].1 < headings[1].0);
        for (top, bottom) in &headings {
            for (panel_top, panel_bottom) in &panels {
                assert!(
                    bottom <= panel_top || panel_bottom <= top,
                    "heading {top}..{bottom} overlaps panel {panel_top}..{panel_bottom}"
                );
            }
        }
    }

    #[test]
    fn rows_keep_their_family_order() {
        let svg = draw("order", &two_families());
        let document = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(
            texts_of(&document, "label"),
            ["socket, path", "shm, spinning", "shm, 200 µs", "shm, off"]
        );
    }

    #[test]
    fn the_run_facts_are_in_the_picture() {
        let svg = draw("facts", &tables(Some("std UnixStream")));
        let document = roxmltree::Document::parse(&svg).unwrap();
        let facts = texts_of(&document, "facts").concat();
        for fact in [
            "2026-12-07 12:00 UTC",
            "quick run",
            "5 rounds",
            "Example CPU @ 3.00GHz",
            "2 logical CPUs",
        ] {
            assert!(facts.contains(fact), "{fact} missing: {facts}");
        }
    }

    #[test]
    fn dates_are_shown_in_utc_to_the_minute() {
        let at = |seconds| utc_minute(UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01 00:00 UTC");
        assert_eq!(at(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(at(1_796_644_800 + 59), "2026-12-07 12:00 UTC");
        assert_eq!(at(4_107_542_399), "2100-02-28 23:59 UTC");
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
