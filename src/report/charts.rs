//! The report's charts, drawn as inline SVG with the `svg` crate: a tree of
//! elements whose text and attributes it escapes. Each chart carries a
//! `<title>` and a `<desc>` that say in words what it shows, and tells its
//! series apart by pattern and shape, so it reads in black and white.

use chrono::{Datelike, NaiveDate};
use svg::Document;
use svg::node::element::{Circle, Description, Group, Line, Path, Pattern, Rectangle, Text, Title};

use crate::journal::Leg;
use crate::journal::weeks::Week;
use crate::report::dates;

const WIDTH: f64 = 700.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 8.0;

/// How a bar is filled: solid, or hatched (the second series, in black and white).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fill {
    /// Solid dark bars.
    Solid,
    /// Diagonal hatching.
    Hatched,
}

/// The weeks a bar chart shows, and the nights they are cut to.
pub(crate) struct Bars<'a> {
    /// The weeks, oldest first.
    pub weeks: &'a [Week],
    /// The first night counted.
    pub from: NaiveDate,
    /// The last night counted.
    pub until: NaiveDate,
    /// Whether the last week is still going on (its last night is tonight).
    pub so_far: bool,
}

/// Nights per week as bars, 0 to 7, each labelled with its count of the
/// nights counted that week ("so far" on a week still going on) and, below,
/// the nights it covers.
pub(crate) fn weekly_bars(id: &str, bars: &Bars, value: fn(&Week) -> u32, title: &str, fill: Fill) -> String {
    let weeks = bars.weeks;
    let top = 24.0;
    let height = 96.0;
    let bottom = height - 24.0;
    let plot = WIDTH - LEFT - RIGHT;
    // A few weeks make bars of a usual width, from the left, not a wall.
    let slot = (plot / weeks.len().max(1) as f64).min(70.0);
    let y = |v: f64| bottom - (bottom - top) * v / 7.0;
    let nights = |w: &Week| dates::week_nights(w.week, bars.from, bars.until);
    let still = |i: usize| bars.so_far && i + 1 == weeks.len() && nights(&weeks[i]).1 < w_end(&weeks[i]);
    let words: Vec<String> = weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (first, last) = nights(w);
            let so_far = if still(i) { " so far" } else { "" };
            format!(
                "nights of {} ({}): {} of {} nights{so_far}",
                dates::span(first, last),
                w.label(),
                value(w),
                w.nights
            )
        })
        .collect();
    let mut doc = frame(id, height, title, &words.join("; "));
    let paint = match fill {
        Fill::Solid => "#2f5d8a".to_string(),
        Fill::Hatched => {
            doc = doc.add(hatch(id));
            format!("url(#{id}-hatch)")
        }
    };
    doc = doc.add(axis(&[0, 7], y, bottom));
    // Dates under every bar where they fit, else under every other one.
    let every = if slot >= 34.0 { 1 } else { 2 };
    for (i, week) in weeks.iter().enumerate() {
        let v = f64::from(value(week));
        let x = LEFT + slot * i as f64;
        let (first, last) = nights(week);
        doc = doc
            .add(
                Rectangle::new()
                    .set("x", x + slot * 0.15)
                    .set("y", y(v))
                    .set("width", slot * 0.7)
                    .set("height", bottom - y(v))
                    .set("fill", paint.as_str())
                    .set("stroke", "#000")
                    .set("stroke-width", 0.8),
            )
            .add(small(
                x + slot / 2.0,
                y(v) - if still(i) { 12.0 } else { 3.0 },
                &format!("{} of {}", value(week), week.nights),
                "middle",
            ));
        if still(i) {
            doc = doc.add(small(x + slot / 2.0, y(v) - 3.0, "so far", "middle"));
        }
        // The first night, and under it the last: `28 Sep` / `–4 Oct`.
        if i % every == 0 {
            doc = doc.add(small(x + slot / 2.0, bottom + 11.0, &first.format("%-d %b").to_string(), "middle"));
            if last > first {
                doc = doc.add(small(x + slot / 2.0, bottom + 20.0, &last.format("–%-d %b").to_string(), "middle"));
            }
        }
    }
    doc.to_string()
}

/// A week's Sunday.
fn w_end(week: &Week) -> NaiveDate {
    week.week + chrono::Days::new(6)
}

/// Each cramp's severity (1 to 5) on its night; the leg by marker shape.
pub(crate) fn severity(id: &str, first: NaiveDate, last: NaiveDate, cramps: &[(NaiveDate, u8, Leg)]) -> String {
    let top = 26.0;
    let height = 104.0;
    let bottom = height - 22.0;
    let days = (last - first).num_days().max(1) as f64;
    let x = |d: NaiveDate| LEFT + (WIDTH - LEFT - RIGHT - 8.0) * (d - first).num_days() as f64 / days + 4.0;
    let y = |v: f64| bottom - (bottom - top) * (v - 1.0) / 4.0;
    let words: Vec<String> =
        cramps.iter().map(|(d, s, leg)| format!("{}: severity {s}, {}", dates::night(*d), leg.words())).collect();
    let desc = if words.is_empty() { "No cramps recorded in this period.".to_string() } else { words.join("; ") };
    let mut doc = frame(id, height, "Severity of each cramp (1 mild to 5 worst), by the night it woke", &desc);
    doc = doc.add(axis(&[1, 3, 5], y, bottom));
    let (start, end) = (first.format("night of %-d %b").to_string(), last.format("night of %-d %b %Y").to_string());
    doc = doc.add(label(LEFT, bottom + 14.0, &start, "start")).add(label(WIDTH - RIGHT, bottom + 14.0, &end, "end"));
    for (at, text) in month_marks(first, last, x, &start, &end) {
        doc = doc.add(small(at, bottom + 14.0, &text, "middle"));
    }
    for (date, sev, leg) in cramps {
        doc = doc.add(marker(x(*date), y(f64::from(*sev)), *leg));
    }
    // The legend, above the plot where no point can be: shapes, not colours.
    let mut legend = Group::new().add(label(WIDTH - RIGHT - 250.0, 10.0, "Leg:", "end"));
    for (i, leg) in [Leg::Left, Leg::Right, Leg::Both].into_iter().enumerate() {
        let lx = WIDTH - RIGHT - 236.0 + 80.0 * i as f64;
        legend = legend.add(marker(lx, 7.0, leg)).add(label(lx + 8.0, 10.0, leg_word(leg), "start"));
    }
    doc.add(legend).to_string()
}

/// The first night of each month between `first` and `last`, for bearings:
/// where each is centred and its words, only those that keep clear of the
/// `start` and `end` labels and of each other (over two years, every other
/// month or fewer).
fn month_marks(
    first: NaiveDate,
    last: NaiveDate,
    x: impl Fn(NaiveDate) -> f64,
    start: &str,
    end: &str,
) -> Vec<(f64, String)> {
    const GAP: f64 = 6.0;
    let mut taken =
        vec![(LEFT, LEFT + text_width(start, 10.0)), (WIDTH - RIGHT - text_width(end, 10.0), WIDTH - RIGHT)];
    let mut marks = Vec::new();
    let mut month = first.with_day(1).and_then(|d| d.checked_add_months(chrono::Months::new(1)));
    while let Some(m) = month.filter(|m| *m < last) {
        let text = m.format("%-d %b").to_string();
        let half = text_width(&text, 9.0) / 2.0;
        let (from, to) = (x(m) - half, x(m) + half);
        if taken.iter().all(|(l, r)| to + GAP < *l || from - GAP > *r) {
            taken.push((from, to));
            marks.push((x(m), text));
        }
        month = m.checked_add_months(chrono::Months::new(1));
    }
    marks
}

/// About how wide `text` is at `size` px in a sans-serif face: wide enough
/// an estimate that labels kept this far apart never touch.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.62
}

/// The leg in a word: `left`, `right`, `both`.
pub(crate) fn leg_word(leg: Leg) -> &'static str {
    match leg {
        Leg::Left => "left",
        Leg::Right => "right",
        Leg::Both => "both",
    }
}

/// Left: an open circle; right: a filled square; both: a filled triangle.
fn marker(x: f64, y: f64, leg: Leg) -> Group {
    let g = Group::new();
    match leg {
        Leg::Left => g.add(
            Circle::new()
                .set("cx", x)
                .set("cy", y)
                .set("r", 4)
                .set("fill", "#fff")
                .set("stroke", "#000")
                .set("stroke-width", 1.5),
        ),
        Leg::Right => g.add(
            Rectangle::new().set("x", x - 3.5).set("y", y - 3.5).set("width", 7).set("height", 7).set("fill", "#000"),
        ),
        Leg::Both => g.add(
            Path::new()
                .set("d", format!("M{x},{} L{},{} L{},{} Z", y - 5.0, x + 5.0, y + 4.0, x - 5.0, y + 4.0))
                .set("fill", "#555")
                .set("stroke", "#000"),
        ),
    }
}

/// The chart's outer element, with its title and description for screen readers.
fn frame(id: &str, height: f64, title: &str, desc: &str) -> Document {
    Document::new()
        .set("viewBox", (0, 0, WIDTH, height))
        .set("role", "img")
        .set("id", id)
        .set("aria-labelledby", format!("{id}-title {id}-desc"))
        .set("class", "chart")
        .add(Title::new(title).set("id", format!("{id}-title")))
        .add(Description::new().set("id", format!("{id}-desc")).add(svg::node::Text::new(desc)))
}

/// Diagonal hatching, for the second series.
fn hatch(id: &str) -> Pattern {
    Pattern::new()
        .set("id", format!("{id}-hatch"))
        .set("patternUnits", "userSpaceOnUse")
        .set("width", 6)
        .set("height", 6)
        .set("patternTransform", "rotate(45)")
        .add(Rectangle::new().set("width", 6).set("height", 6).set("fill", "#fff"))
        .add(
            Line::new()
                .set("x1", 0)
                .set("y1", 0)
                .set("x2", 0)
                .set("y2", 6)
                .set("stroke", "#000")
                .set("stroke-width", 2.5),
        )
}

/// Horizontal grid lines with their values on the left.
fn axis(values: &[u32], y: impl Fn(f64) -> f64, bottom: f64) -> Group {
    let mut g = Group::new().add(
        Line::new().set("x1", LEFT).set("y1", bottom).set("x2", WIDTH - RIGHT).set("y2", bottom).set("stroke", "#000"),
    );
    for v in values {
        let at = y(f64::from(*v));
        g = g
            .add(
                Line::new()
                    .set("x1", LEFT)
                    .set("y1", at)
                    .set("x2", WIDTH - RIGHT)
                    .set("y2", at)
                    .set("stroke", "#999")
                    .set("stroke-dasharray", "2 3"),
            )
            .add(label(LEFT - 6.0, at + 4.0, &v.to_string(), "end"));
    }
    g
}

fn label(x: f64, y: f64, text: &str, anchor: &str) -> Text {
    Text::new(text).set("x", x).set("y", y).set("font-size", 10).set("text-anchor", anchor)
}

fn small(x: f64, y: f64, text: &str, anchor: &str) -> Text {
    Text::new(text).set("x", x).set("y", y).set("font-size", 9).set("text-anchor", anchor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_marks_keep_clear_of_the_ends_and_of_each_other() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for (first, last) in [
            (date(2024, 12, 7), date(2026, 12, 7)),
            (date(2026, 9, 1), date(2026, 12, 7)),
            (date(2026, 10, 30), date(2026, 11, 3)),
        ] {
            let days = (last - first).num_days() as f64;
            let x = |d: NaiveDate| LEFT + (WIDTH - LEFT - RIGHT - 8.0) * (d - first).num_days() as f64 / days + 4.0;
            let (start, end) =
                (first.format("night of %-d %b").to_string(), last.format("night of %-d %b %Y").to_string());
            let marks = month_marks(first, last, x, &start, &end);
            let mut spans =
                vec![(LEFT, LEFT + text_width(&start, 10.0)), (WIDTH - RIGHT - text_width(&end, 10.0), WIDTH - RIGHT)];
            spans.extend(marks.iter().map(|(at, t)| (at - text_width(t, 9.0) / 2.0, at + text_width(t, 9.0) / 2.0)));
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(spans.windows(2).all(|w| w[0].1 < w[1].0), "{first}..{last}: {marks:?}");
            let months = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32;
            if months >= 3 {
                assert!(marks.len() as i32 >= months.min(24) / 3, "{first}..{last}: bearings kept: {marks:?}");
            }
        }
    }
}
