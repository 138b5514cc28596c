//! When the stream can rest: the cue track's silences long enough to cork the
//! stream through. A playing stream costs the sound server a wake-up every
//! few milliseconds even when it carries silence; a corked one costs nothing,
//! so a hold's quiet seconds cost neither this process nor the server.

use std::ops::Range;

use super::sounds::RATE;

/// A stretch of the track the stream is corked through: from frame `cork`
/// (just after a sound has ended) to frame `wake` (a little before the next
/// begins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rest {
    pub cork: u64,
    pub wake: u64,
}

const fn frames(ms: u64) -> u64 {
    ms * RATE as u64 / 1000
}

/// Corked this long after a sound ends, so its last sample has surely been
/// heard.
const AFTER: u64 = frames(50);

/// Woken with this much silence before the next sound: a sink waking from
/// suspend may drop its first moments, and a late start is measured (and the
/// session's clock moved to match) before anything is due to be heard.
const LEAD: u64 = frames(300);

/// A shorter silence plays through: corking costs a few round trips.
const SHORTEST: u64 = frames(1000);

/// Corked at most this long at a time: servers suspend an idle sink after
/// 5 s, and a suspended Bluetooth headset takes a second or more to wake.
const LONGEST: u64 = frames(4000);

/// Between two rests the stream plays (silence) this long, which keeps the
/// sink awake.
const AWAKE: u64 = frames(500);

/// The rests between the track's `sounds` (sample ranges, in order).
pub(crate) fn plan(sounds: &[Range<usize>]) -> Vec<Rest> {
    let mut rests = Vec::new();
    for pair in sounds.windows(2) {
        let (mut from, until) = (pair[0].end as u64 + AFTER, (pair[1].start as u64).saturating_sub(LEAD));
        while until.saturating_sub(from) >= SHORTEST {
            let wake = (from + LONGEST).min(until);
            rests.push(Rest { cork: from, wake });
            from = wake + AWAKE;
        }
    }
    rests
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = RATE as usize;

    #[test]
    fn short_silences_play_through() {
        assert!(plan(&[0..S, 2 * S..3 * S]).is_empty());
        assert!(plan(std::slice::from_ref(&(0..S))).is_empty());
        assert!(plan(&[]).is_empty());
    }

    #[test]
    fn a_hold_rests_between_its_first_words_and_the_countdown() {
        // "Hold ..." for 2 s, then silence until the countdown at 6 s.
        let rests = plan(&[0..2 * S, 6 * S..6 * S + S / 3]);
        assert_eq!(rests, [Rest { cork: 2 * RATE as u64 + AFTER, wake: 6 * RATE as u64 - LEAD }]);
    }

    #[test]
    fn a_long_silence_rests_in_pieces_that_keep_the_sink_awake() {
        let sounds = [0..S, 61 * S..62 * S];
        let rests = plan(&sounds);
        assert!(rests.len() > 10);
        assert_eq!(rests[0].cork, S as u64 + AFTER);
        for rest in &rests {
            assert!(rest.wake - rest.cork >= SHORTEST && rest.wake - rest.cork <= LONGEST, "{rest:?}");
            assert!(rest.wake <= 61 * RATE as u64 - LEAD);
        }
        for pair in rests.windows(2) {
            assert_eq!(pair[1].cork - pair[0].wake, AWAKE);
        }
    }
}
