//! What a person sees: on a terminal, a line per phase above a live progress
//! bar; elsewhere (a pipe, cron, `TERM=dumb`) plain lines, one per phase
//! change, with no escape codes. The sound guides; the screen only confirms.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::clock::{Moment, StopReason};
use crate::routine::timeline::{Cue, Observer, Phase, PhaseKind};
use crate::term::look::{Look, Stream};
use crate::term::output;

/// How to draw: the stream's [`Look`], and the bell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Where, live or not, coloured or not.
    pub look: Look,
    /// Ring the terminal bell at each cue (no audio device, on a terminal).
    pub bell: bool,
}

/// The human display of a session.
pub(crate) struct Human {
    style: Style,
    reps: u32,
    /// Whether each hold is a step of its own (see `Timeline::stepped`).
    stepped: bool,
    bar: Option<ProgressBar>,
    /// The bar's width in its style now (0: no bar, the line is too narrow).
    bar_cols: Option<usize>,
    /// The current phase's title, before the bar.
    title: String,
    /// The current phase's words, repeated beside the bar.
    words: String,
}

/// The live line laid out for a terminal's width: the title, the bar (0
/// columns when there is no room for one) and the message after it.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    prefix: String,
    bar: usize,
    msg: String,
}

/// The bar's widest and narrowest.
const BAR: (usize, usize) = (30, 10);

/// Lays out the live line in `width` columns (one spare, so the terminal
/// never wraps it): the bar narrows first, then the words are shortened with
/// an ellipsis, then dropped, then the bar goes, then the title is shortened.
fn layout(width: usize, title: &str, lead: &str, words: &str) -> Layout {
    use crate::term::fit::shorten;
    let room = width.saturating_sub(1);
    let (title_w, lead_w) = (console::measure_text_width(title), console::measure_text_width(lead));
    let with_words = |words: &str| match (lead.is_empty(), words.is_empty()) {
        (_, true) => lead.to_string(),
        (true, false) => words.to_string(),
        (false, false) => format!("{lead}  {words}"),
    };
    // Title, bar and lead with their spaces; what is left goes to the words.
    let fixed = |bar: usize| title_w + 1 + bar + 1 + lead_w;
    let words_w = console::measure_text_width(words);
    let gap = if words.is_empty() { 0 } else { 2 };
    if fixed(BAR.1) + gap + words_w <= room {
        let bar = (room - fixed(0) - gap - words_w).min(BAR.0);
        return Layout { prefix: title.to_string(), bar, msg: with_words(words) };
    }
    // Words shortened to fewer than this many columns say nothing.
    const WORDS_AT_LEAST: usize = 8;
    if fixed(BAR.1) + 2 + WORDS_AT_LEAST <= room {
        let short = shorten(words, room - fixed(BAR.1) - 2);
        return Layout { prefix: title.to_string(), bar: BAR.1, msg: with_words(&short) };
    }
    if fixed(5) <= room {
        let bar = (room - fixed(0)).min(BAR.1);
        return Layout { prefix: title.to_string(), bar, msg: lead.to_string() };
    }
    Layout { prefix: shorten(title, room.saturating_sub(1 + lead_w)), bar: 0, msg: shorten(lead, room) }
}

/// How often the live bar is redrawn: once a second, on the whole second, so
/// the seconds left change on time and a hold costs one wake-up a second (the
/// process sleeps otherwise). The bar moves in whole seconds to match.
const REDRAW: Duration = Duration::from_secs(1);

impl Human {
    /// A display for a routine of `reps` reps.
    pub(crate) fn new(style: Style, reps: u32, stepped: bool) -> Self {
        let bar = style.look.live.then(|| new_bar(style));
        Human { style, reps, stepped, bar, bar_cols: None, title: String::new(), words: String::new() }
    }

    /// Rings the bell at each cue from now on (when no device plays them).
    pub(crate) fn ring_bell(&mut self, bell: bool) {
        self.style.bell = bell;
    }

    /// Prints a line, above the bar if there is one.
    pub(crate) fn line(&self, text: &str) {
        // Lines are words (a journal's path among them); only `write` paints.
        let text = &crate::visible::visible_lines(text);
        // Broken between words, not wherever the terminal's edge falls; a
        // phase's lines continue under its words, after "[m:ss] ".
        let fitted = || {
            let indent = text.strip_prefix('[').and_then(|t| t.find("] ")).map_or(2, |at| at + 3);
            crate::term::fit::wrap(text, self.width().saturating_sub(1), indent)
        };
        match &self.bar {
            Some(bar) => bar.println(fitted()),
            // The closing line comes after the bar is gone, on the same terminal.
            None if self.style.look.live => self.write(&format!("{}\n", fitted())),
            None => self.write(&format!("{text}\n")),
        }
    }

    fn write(&self, text: &str) {
        // Output that cannot be shown (a closed pipe) must not stop the routine.
        match self.style.look.stream {
            Stream::Stdout => output::painted(text),
            Stream::Stderr => {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
        }
    }

    /// Clears the bar, leaving the lines above it.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// The terminal's width where the bar is drawn (80 if it cannot be told).
    fn width(&self) -> usize {
        match self.style.look.stream {
            Stream::Stdout => crate::term::fit::stdout_width(),
            Stream::Stderr => crate::term::fit::stderr_width(),
        }
        .unwrap_or(80)
    }

    /// Shows `lead` and `words` beside the bar, all fitted to the terminal's
    /// width as it is now (it may have been resized).
    fn show(&mut self, lead: &str, words: &str) {
        let Some(bar) = &self.bar else { return };
        let fitted = layout(self.width(), &self.title, lead, words);
        if self.bar_cols != Some(fitted.bar) {
            bar.set_style(bar_style(self.style, fitted.bar));
            self.bar_cols = Some(fitted.bar);
        }
        bar.set_prefix(fitted.prefix);
        bar.set_message(fitted.msg);
    }

    fn show_left(&mut self, left: Duration) {
        let words = std::mem::take(&mut self.words);
        self.show(&format!("{}s left", seconds_left(left)), &words);
        self.words = words;
    }

    fn title(&self, phase: &Phase) -> String {
        let side = phase.side.map(|s| format!(", {} leg", s.name())).unwrap_or_default();
        match phase.kind {
            PhaseKind::Prepare => "Get ready".to_string(),
            // Steps each do something else: their number, not "hold" again and again.
            PhaseKind::Hold if self.stepped => format!("Step {} of {}{side}", phase.rep, self.reps),
            PhaseKind::Hold => format!("Hold, rep {} of {}{side}", phase.rep, self.reps),
            PhaseKind::Rest => "Rest".to_string(),
            PhaseKind::Done => "Done".to_string(),
        }
    }
}

fn new_bar(style: Style) -> ProgressBar {
    let target = match style.look.stream {
        Stream::Stdout => ProgressDrawTarget::stdout(),
        Stream::Stderr => ProgressDrawTarget::stderr(),
    };
    let bar = ProgressBar::with_draw_target(Some(1), target);
    crate::term::mode::cursor_may_be_hidden();
    bar.set_style(bar_style(style, BAR.0));
    bar
}

/// The bar's style with a bar `cols` wide (none when 0).
fn bar_style(style: Style, cols: usize) -> ProgressStyle {
    let template = match (style.look.color, cols) {
        (true, 0) => "{prefix:.bold.cyan} {msg}".to_string(),
        (false, 0) => "{prefix} {msg}".to_string(),
        (true, n) => format!("{{prefix:.bold.cyan}} {{bar:{n}.cyan/blue}} {{msg}}"),
        (false, n) => format!("{{prefix}} {{bar:{n}}} {{msg}}"),
    };
    ProgressStyle::with_template(&template).expect("the template is valid").progress_chars("█▉ ")
}

/// `m:ss` of an offset.
pub(crate) fn clock_face(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// How much of a phase of `length` the bar shows done with `left` to go: the
/// part before the seconds left, so bar and number move together.
fn elapsed_shown(length: Duration, left: Duration) -> Duration {
    length.saturating_sub(Duration::from_secs(seconds_left(left)))
}

/// Whole seconds left, rounded up, so `0s` is never shown while time remains.
fn seconds_left(left: Duration) -> u64 {
    left.as_millis().div_ceil(1000) as u64
}

impl Observer for Human {
    fn phase(&mut self, phase: &Phase, at: Moment) {
        let length = if phase.kind == PhaseKind::Done || phase.length.is_zero() {
            String::new()
        } else {
            format!(" ({})", crate::time::duration::format(phase.length))
        };
        let title = self.title(phase);
        // "Done: Done. Sleep well." says it twice: words that begin with the title stand alone.
        let repeats = phase.kind == PhaseKind::Done && phase.words.to_lowercase().starts_with(&title.to_lowercase());
        let text = if repeats { phase.words.clone() } else { format!("{title}{length}: {}", phase.words) };
        self.line(&format!("[{}] {text}", clock_face(at.planned)));
        if let Some(bar) = &self.bar {
            if phase.kind == PhaseKind::Done {
                self.finish();
                return;
            }
            bar.set_length(phase.length.as_millis() as u64);
            bar.set_position(0);
            self.title = self.title(phase);
            self.words.clone_from(&phase.words);
            self.show_left(phase.length);
        }
    }

    fn redraw(&mut self, phase: &Phase, left: Duration) {
        if let Some(bar) = &self.bar {
            bar.set_position(elapsed_shown(phase.length, left).as_millis() as u64);
            self.show_left(left);
        }
    }

    fn stopped(&mut self, phase: &Phase, at: Moment, reason: StopReason) {
        if self.bar.is_some() {
            // The terminal may have echoed ^C onto the bar's line: clear it too.
            self.write("\r\x1b[2K");
        }
        self.finish();
        let why = match reason {
            StopReason::Interrupt => "interrupted",
            StopReason::Terminate => "terminated",
            StopReason::Hangup => "the terminal closed",
            StopReason::QuitSignal => "quit",
            StopReason::Quit => "stopped",
        };
        self.line(&format!("[{}] {why} during {}", clock_face(at.actual), self.title(phase).to_lowercase()));
    }

    fn paused(&mut self, _phase: &Phase, at: Moment, paused: bool) {
        let text = if paused { "paused; press space to resume" } else { "resumed" };
        if self.bar.is_some() {
            self.show(text, "");
        } else {
            self.line(&format!("[{}] {text}", clock_face(at.actual)));
        }
    }

    fn skipped(&mut self, phase: &Phase, at: Moment) {
        let what = if phase.kind == PhaseKind::Prepare { "getting ready" } else { "the rest" };
        self.line(&format!("[{}] skipped {what}; on to the next hold", clock_face(at.actual)));
    }

    fn cue(&mut self, _phase: &Phase, _cue: &Cue, _at: Moment) {
        self.write("\x07");
    }

    fn redraw_every(&self) -> Option<Duration> {
        self.bar.as_ref().map(|_| REDRAW)
    }

    fn wants_cues(&self) -> bool {
        self.style.bell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_rounds_up() {
        assert_eq!(seconds_left(Duration::from_millis(9001)), 10);
        assert_eq!(seconds_left(Duration::from_millis(1)), 1);
        assert_eq!(seconds_left(Duration::ZERO), 0);
    }

    #[test]
    fn redraws_are_few_and_fall_on_whole_seconds() {
        assert!(REDRAW >= Duration::from_secs(1), "at most one wake-up a second");
        assert_eq!(REDRAW.as_millis() % 1000, 0, "redraws fall on whole seconds");
    }

    #[test]
    fn the_bar_moves_in_whole_seconds() {
        let ten = Duration::from_secs(10);
        assert_eq!(elapsed_shown(ten, Duration::from_millis(9_999)), Duration::ZERO);
        assert_eq!(elapsed_shown(ten, Duration::from_millis(7_000)), Duration::from_secs(3));
        assert_eq!(elapsed_shown(ten, Duration::from_millis(6_500)), Duration::from_secs(3));
        assert_eq!(elapsed_shown(Duration::from_millis(2_500), Duration::from_millis(2_400)), Duration::ZERO);
    }

    #[test]
    fn the_live_line_fits_the_terminal() {
        let words = "Hold. Heels on the floor, knees straight.";
        let title = "Hold, rep 1 of 3, left leg";
        let line = |l: &Layout| {
            let bar = if l.bar == 0 { String::new() } else { format!(" {}", "#".repeat(l.bar)) };
            format!("{}{bar} {}", l.prefix, l.msg)
        };
        let wide = layout(120, title, "8s left", words);
        assert_eq!((wide.bar, wide.msg.as_str()), (BAR.0, "8s left  Hold. Heels on the floor, knees straight."));
        let hundred = layout(100, title, "8s left", words);
        assert_eq!((hundred.bar, hundred.msg.as_str()), (21, wide.msg.as_str()), "the bar gives way first");
        let mid = layout(70, title, "8s left", words);
        assert_eq!(mid.bar, BAR.1);
        assert_eq!(mid.msg, "8s left  Hold. Heels on the…");
        let narrow = layout(40, title, "8s left", words);
        assert_eq!((narrow.prefix.as_str(), narrow.msg.as_str()), (title, "8s left"), "{narrow:?}");
        let tiny = layout(20, title, "8s left", words);
        assert_eq!(tiny.bar, 0);
        assert!(tiny.prefix.ends_with('…'), "{tiny:?}");
        for width in 10..140 {
            for (lead, words) in [("8s left", words), ("", "paused; press space to resume"), ("10s left", "")] {
                let l = layout(width, title, lead, words);
                assert!(console::measure_text_width(&line(&l)) < width, "{width}: {l:?}");
            }
        }
    }

    #[test]
    fn clock_faces_are_minutes_and_seconds() {
        assert_eq!(clock_face(Duration::from_millis(75_900)), "1:15");
    }
}
