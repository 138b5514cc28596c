//! Requests to the server, each bounded in time: one that stops answering
//! (stopped, hung) never holds the session or its exit.

use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_executor::block_on;
use pulseaudio::protocol::PlaybackLatency;
use pulseaudio::{ClientError, PlaybackStream};

use super::*;

/// The stream's timing, and the instant it describes (halfway through the
/// round trip).
pub(super) fn query(stream: &PlaybackStream) -> Option<(Instant, PlaybackLatency)> {
    let asked = Instant::now();
    let info = within(stream.timing_info()).ok()?;
    let answered = Instant::now();
    Some((asked + (answered - asked) / 2, info))
}

/// Runs a request to the server, giving up (as timed out) after [`REPLY`].
pub(super) fn within<T>(request: impl Future<Output = Result<T, ClientError>>) -> Result<T, ClientError> {
    within_for(REPLY, request)
}

/// Runs a request to the server, giving up (as timed out) after `limit`.
pub(super) fn within_for<T>(
    limit: Duration,
    request: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    let timer = Arc::new(Timer::default());
    let (answered, waiting) = mpsc::channel::<()>();
    let alarm = Arc::clone(&timer);
    std::thread::spawn(move || {
        if waiting.recv_timeout(limit) == Err(RecvTimeoutError::Timeout) {
            alarm.ring();
        }
    });
    let out = block_on(Within { request: pin!(request), timer });
    drop(answered);
    out.unwrap_or_else(|| Err(ClientError::Io(io::ErrorKind::TimedOut.into())))
}

/// Rung once a request has waited too long.
#[derive(Default)]
pub(super) struct Timer {
    pub(super) rung: AtomicBool,
    pub(super) waker: Mutex<Option<Waker>>,
}

impl Timer {
    pub(super) fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.lock().unwrap_or_else(PoisonError::into_inner).take() {
            waker.wake();
        }
    }
}

/// A request, or `None` once its timer rings.
pub(super) struct Within<'a, F> {
    pub(super) request: Pin<&'a mut F>,
    pub(super) timer: Arc<Timer>,
}

impl<F: Future> Future for Within<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(out) = this.request.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        // The waker is left before the bell is looked at, so a ring between
        // the two still wakes this.
        *this.timer.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        if this.timer.rung.load(Ordering::SeqCst) { Poll::Ready(None) } else { Poll::Pending }
    }
}
