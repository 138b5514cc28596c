//! What the server pulls the track from: the playhead, held while the
//! stream is moved, handed over frame by frame as the server asks.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use pulseaudio::PlaybackSource;
use rodio::Source as _;

use crate::audio::track::Playhead;

use super::*;

/// What the server pulls from: the track, held back while the stream is
/// being moved (a pause, a skip) so nothing stale is queued.
pub(super) struct Feed {
    pub(super) head: Playhead,
    /// The next frame of the track to hand over.
    pub(super) pos: u64,
    pub(super) held: bool,
    pub(super) waker: Option<Waker>,
}

#[derive(Clone)]
pub(super) struct Shared(pub(super) Arc<Mutex<Feed>>);

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Feed> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn hold(&self) {
        self.lock().held = true;
    }

    /// Moves the track to `frame` (while held).
    pub(super) fn seek(&self, frame: u64) {
        let mut feed = self.lock();
        let _ = feed.head.try_seek(offset(frame));
        feed.pos = frame;
    }

    /// Lets the server pull again, and waits (briefly) until it has taken
    /// frames up to `want`, so the stream is full before it is uncorked.
    pub(super) fn release(&self, want: u64) {
        let waker = {
            let mut feed = self.lock();
            feed.held = false;
            feed.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        let deadline = Instant::now() + Duration::from_millis(50);
        while self.lock().pos < want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl PlaybackSource for Shared {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<usize> {
        let mut feed = self.lock();
        let frames = buf.len() / FRAME;
        if feed.held || frames == 0 {
            feed.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // Past its end the track is silence: the stream is closed once the
        // last sound is heard, never by running dry.
        for chunk in buf.chunks_exact_mut(FRAME) {
            let sample = feed.head.next().unwrap_or(0.0);
            chunk.copy_from_slice(&sample.to_le_bytes());
        }
        feed.pos += frames as u64;
        Poll::Ready(frames * FRAME)
    }
}
