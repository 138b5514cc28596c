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
    /// The current phase's words, repeated beside the bar.
    words: String,
}

/// How often the live bar is redrawn: once a second, on the whole second, so
/// the seconds left change on time and a hold costs one wake-up a second (the
/// process sleeps otherwise). The bar moves in whole seconds to match.
const REDRAW: Duration = Duration::from_secs(1);

impl Human {
    /// A display for a routine of `reps` reps.
    pub(crate) fn new(style: Style, reps: u32, stepped: bool) -> Self {
        let bar = style.look.live.then(|| new_bar(style));
        Human { style, reps, stepped, bar, words: String::new() }
    }

    /// Rings the bell at each cue from now on (when no device plays them).
    pub(crate) fn ring_bell(&mut self, bell: bool) {
        self.style.bell = bell;
    }

    /// Prints a line, above the bar if there is one.
    pub(crate) fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => self.write(&format!("{text}\n")),
        }
    }

    fn write(&self, text: &str) {
        // Output that cannot be shown (a closed pipe) must not stop the routine.
        match self.style.look.stream {
            Stream::Stdout => output::text(text),
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

    fn left_message(&self, left: Duration) -> String {
        format!("{}s left  {}", seconds_left(left), self.words)
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
    let template =
        if style.look.color { "{prefix:.bold.cyan} {bar:30.cyan/blue} {msg}" } else { "{prefix} {bar:30} {msg}" };
    let bar = ProgressBar::with_draw_target(Some(1), target);
    bar.set_style(ProgressStyle::with_template(template).expect("the template is valid").progress_chars("█▉ "));
    bar
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
            bar.set_prefix(self.title(phase));
            self.words.clone_from(&phase.words);
            bar.set_message(self.left_message(phase.length));
        }
    }

    fn redraw(&mut self, phase: &Phase, left: Duration) {
        if let Some(bar) = &self.bar {
            bar.set_position(elapsed_shown(phase.length, left).as_millis() as u64);
            bar.set_message(self.left_message(left));
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
        if let Some(bar) = &self.bar {
            bar.set_message(text);
        } else {
            self.line(&format!("[{}] {text}", clock_face(at.actual)));
        }
    }

    fn skipped(&mut self, phase: &Phase, at: Moment) {
        let what = if phase.kind == PhaseKind::Prepare { "getting ready" } else { "the rest" };
        self.line(&format!("[{}] skipped {what}; on to the next hold", clock_face(at.actual)));
    }

    fn cue(&mut self, _cue: &Cue) {
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
    fn clock_faces_are_minutes_and_seconds() {
        assert_eq!(clock_face(Duration::from_millis(75_900)), "1:15");
    }
}
