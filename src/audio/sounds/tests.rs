use super::*;
use crate::audio::clip::decode_all;
use crate::audio::loudness;
use crate::audio::speech::Mute;
use crate::routine::catalog;
use crate::routine::timeline::{self, Timeline};

fn embedded() -> impl Iterator<Item = &'static [u8]> {
    VOICE.iter().map(|(_, b)| *b).chain([READY, HOLD, RELEASE, TICK, FINISH])
}

fn floats(clip: &[i16]) -> Vec<f32> {
    clip.iter().map(|&s| f32::from(s) / 32768.0).collect()
}

#[test]
fn every_embedded_sound_is_48k_mono_and_sounds_from_its_first_sample_to_its_last() {
    for bytes in embedded() {
        let raw = decode_all(bytes);
        let clip = Clip::from_flac(bytes).expect("16-bit mono at 48 kHz");
        assert_eq!(embedded_clip(bytes), clip);
        let clip = clip.samples();
        assert!(clip.len() > 1000);
        let lead = raw.iter().position(|&s| s != 0).unwrap();
        assert!(lead < 48, "at most a millisecond of leading silence");
        assert_eq!(&raw[lead..lead + clip.len()], &clip[..]);
        assert!(raw[lead + clip.len()..].iter().all(|&s| s == 0), "only silence is cut");
        assert_ne!(clip[0], 0);
        assert_ne!(clip[clip.len() - 1], 0, "the device closes on the last sound, not after silence");
    }
}

#[test]
fn every_embedded_sound_is_at_the_same_loudness_with_headroom() {
    for bytes in embedded() {
        // Levelled as generated: the silence a clip is cut from is part of
        // the 400 ms blocks the loudness is gated on.
        let lufs = loudness::integrated(&floats(&decode_all(bytes)));
        let clip = floats(&embedded_clip(bytes).samples());
        assert!((lufs - loudness::TARGET_LUFS).abs() < 1.0, "{lufs} LUFS");
        assert!(loudness::peak_dbfs(&clip) < loudness::PEAK_DBFS, "peak under -3 dBFS");
        let last = clip[clip.len() - 1].abs();
        assert!(last < 0.001, "fades out, ending at {last}");
    }
}

#[test]
fn every_built_in_phrase_is_recorded() {
    for entry in catalog::list(None).unwrap() {
        let t = timeline::build(&entry.routine.unwrap());
        for cue in &t.cues {
            if let CueSound::PhaseStart { say: Some(text), .. } = &cue.sound {
                assert!(recorded(text).is_some(), "{}: no recording of {text:?}; run sounds/generate.sh", entry.name);
            }
            if let CueSound::Countdown(n) = cue.sound {
                assert!(recorded(number(n)).is_some(), "no recording of the number {n}");
            }
        }
    }
}

#[test]
fn the_built_in_routines_speak_every_word_with_nothing_to_tell() {
    for entry in catalog::list(None).unwrap() {
        let t = timeline::build(&entry.routine.unwrap());
        let cast = cast(&t, SoundSet::Voice, &Mute);
        assert_eq!(cast.notices, Vec::<String>::new(), "{}", entry.name);
        for (cue, clip) in t.cues.iter().zip(&cast.clips) {
            if let CueSound::PhaseStart { kind, say: Some(_) } = &cue.sound {
                assert_ne!(clip.as_ref(), Some(&chime(*kind)), "{}: words, not a chime", entry.name);
            }
        }
    }
}

fn wall_calf() -> crate::routine::Routine {
    catalog::resolve("wall-calf", None).unwrap().0
}

/// The clip of the first cue of `kind`.
fn first(t: &Timeline, cast: &Cast, kind: PhaseKind) -> Clip {
    let i = t.cues.iter().position(|c| t.phases[c.phase].kind == kind).unwrap();
    cast.clips[i].clone().unwrap()
}

#[test]
fn a_phrase_longer_than_its_phase_gives_way_to_the_chime_with_one_line() {
    let mut r = wall_calf();
    r.prepare.length = Duration::from_secs(2);
    let t = timeline::build(&r);
    let cast = cast(&t, SoundSet::Voice, &Mute);
    assert_eq!(first(&t, &cast, PhaseKind::Prepare), chime(PhaseKind::Prepare));
    assert_eq!(first(&t, &cast, PhaseKind::Hold), recorded("Hold.").unwrap(), "the rest still speak");
    assert_eq!(cast.notices.len(), 1, "{:?}", cast.notices);
    let notice = &cast.notices[0];
    let takes = seconds(recorded(r.prepare.say.as_deref().unwrap()).unwrap().length());
    assert_eq!(notice, &format!("\"Face a wall and ...\" takes {takes} but prepare is 2s; a chime plays instead"));
}

#[test]
fn a_short_test_hold_plays_its_chime() {
    let mut r = wall_calf();
    r.prepare.length = Duration::ZERO;
    r.hold.length = Duration::from_millis(200);
    let t = timeline::build(&r);
    let cast = cast(&t, SoundSet::Voice, &Mute);
    assert_eq!(first(&t, &cast, PhaseKind::Hold), chime(PhaseKind::Hold));
    assert!(cast.notices.iter().all(|n| n.contains("but hold is 0.2s")), "{:?}", cast.notices);
    // "Hold." is 0.44 s: against 0.4 s, tenths alone would read "0.4s but hold is 0.4s".
    r.hold.length = Duration::from_millis(400);
    r.hold.say = Some("Hold.".into());
    let takes = recorded("Hold.").unwrap().length().as_millis();
    assert_eq!(seconds(Duration::from_millis(takes as u64)), "0.4s");
    let hold = super::cast(&timeline::build(&r), SoundSet::Voice, &Mute);
    assert_eq!(hold.notices, [format!("\"Hold.\" takes {takes}ms but hold is 400ms; a chime plays instead")]);
    assert_eq!(cast.clips.len(), t.cues.len());
}

#[test]
fn countdown_numbers_speak_only_when_they_end_before_what_follows() {
    let three = recorded("three").unwrap();
    assert!(three.length() <= COUNTDOWN_ROOM);
    assert_eq!(countdown(3, COUNTDOWN_ROOM), three);
    assert_eq!(countdown(3, three.length() - Duration::from_millis(1)), tick());
    assert_eq!(countdown(11, COUNTDOWN_ROOM), tick(), "no recording: the tick");
}

#[test]
fn a_countdown_has_a_second_before_the_next_number_and_the_hold_end() {
    let t = timeline::build(&wall_calf());
    let rooms: Vec<Duration> = (0..t.cues.len())
        .filter(|&i| matches!(t.cues[i].sound, CueSound::Countdown(_)))
        .map(|i| countdown_room(&t, i))
        .collect();
    assert_eq!(rooms, vec![COUNTDOWN_ROOM; 9]);
    // A countdown squeezed against the hold's end: its room is what is left.
    let mut squeezed = t.clone();
    let last = squeezed.cues.iter().rposition(|c| matches!(c.sound, CueSound::Countdown(_))).unwrap();
    squeezed.cues[last].at += Duration::from_millis(700);
    assert_eq!(countdown_room(&squeezed, last), Duration::from_millis(300));
}

#[test]
fn own_words_are_spoken_by_the_speaker_or_else_chimed_with_one_line() {
    struct Echo;
    impl Speak for Echo {
        fn say(&self, text: &str) -> Result<Spoken, Unspoken> {
            let clip = Clip::from_samples(&vec![1000; 100 * text.len()]);
            Ok(Spoken { clip, other_voice: (text == "Breathe out").then_some("flite"), passed_over: None })
        }
    }
    let mut r = wall_calf();
    r.prepare.say = Some("My own words".into());
    r.rest.say = Some("Breathe out".into());
    let t = timeline::build(&r);
    let echoed = cast(&t, SoundSet::Voice, &Echo);
    assert_eq!(first(&t, &echoed, PhaseKind::Prepare).len(), 1200);
    // Words in another voice than the recordings' are said once, with how to get it.
    assert_eq!(
        echoed.notices,
        [format!(
            "this routine's own words are spoken by flite, not in the recorded voice (for the same voice: {})",
            crate::audio::speech::GET_MATCHING_VOICE
        )]
    );
    r.rest.say = Some("Breathe in".into());
    assert_eq!(
        cast(&timeline::build(&r), SoundSet::Voice, &Echo).notices,
        Vec::<String>::new(),
        "all in the recorded voice"
    );
    r.rest.say = Some("Breathe out".into());
    let mute = cast(&t, SoundSet::Voice, &Mute);
    assert_eq!(first(&t, &mute, PhaseKind::Prepare), chime(PhaseKind::Prepare));
    assert_eq!(first(&t, &mute, PhaseKind::Rest), chime(PhaseKind::Rest));
    assert_eq!(mute.notices.len(), 1, "{:?}", mute.notices);
    assert!(mute.notices[0].contains("\"My own words\" and 1 more"), "{}", mute.notices[0]);
    assert!(mute.notices[0].ends_with(&format!("(for speech: {GET_SPEECH})")));
}

#[test]
fn chimes_and_silence() {
    let t = timeline::build(&wall_calf());
    let chimes = cast(&t, SoundSet::Chime, &Mute);
    assert_eq!(first(&t, &chimes, PhaseKind::Hold), chime(PhaseKind::Hold));
    assert!(cast(&t, SoundSet::Off, &Mute).clips.iter().all(Option::is_none));
}

#[test]
fn notices_name_lengths_plainly() {
    assert_eq!(seconds(Duration::from_millis(6240)), "6.2s");
    assert_eq!(seconds(Duration::from_secs(2)), "2s");
    assert_eq!(quote("Hold."), "\"Hold.\"");
}

#[test]
fn a_countdown_number_never_starts_over_the_phase_s_own_words() {
    let mut r = wall_calf();
    r.prepare.length = Duration::ZERO;
    r.hold.length = Duration::from_millis(3300);
    let t = timeline::build(&r);
    for set in [SoundSet::Voice, SoundSet::Chime] {
        let cast = cast(&t, set, &Mute);
        let hold =
            t.cues.iter().position(|c| matches!(c.sound, CueSound::PhaseStart { kind: PhaseKind::Hold, .. })).unwrap();
        let ends = t.cues[hold].at + cast.clips[hold].as_ref().unwrap().length();
        let numbers: Vec<usize> = (hold + 1..t.cues.len())
            .take_while(|&i| t.cues[i].phase == t.cues[hold].phase)
            .filter(|&i| matches!(t.cues[i].sound, CueSound::Countdown(_)))
            .collect();
        assert!(t.cues[numbers[0]].at < ends, "the first number falls inside the hold's words");
        for i in numbers {
            assert_eq!(cast.clips[i].is_some(), t.cues[i].at >= ends, "{set:?}: cue at {:?}", t.cues[i].at);
        }
    }
}
