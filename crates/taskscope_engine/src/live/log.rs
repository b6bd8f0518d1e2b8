//! [`SpanLog`]: a fixed-capacity, append-only log with one writer and one reader, so that
//! a worker publishes each span as it ends without a lock and the watcher thread reads it
//! while the run goes on.
//!
//! Why not a lock or a channel: the cost budget is a few nanoseconds per task (a channel
//! send or a lock is 15–50 ns, several times that under contention). Why not the worker's
//! own span buffer: it belongs to the engine's recording and may move or grow. This log
//! has room for the most spans a lane can record (one per task) in segments of
//! [`SEGMENT`] entries that the writer allocates as it reaches them, so a lane that runs
//! few tasks costs little (one pointer per segment it could need).
//!
//! The protocol, with its type: [`SpanLog::writer`] and [`SpanLog::reader`] each hand out
//! their end once, so safe code has at most one writer and one reader per log. The writer
//! fills slot `n` and then publishes `n + 1` with a `Release` store; the reader loads the
//! published length with `Acquire` and reads only slots below it. A slot is written once
//! and never after it was published.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Entries per segment.
pub(crate) const SEGMENT: usize = 1024;

type Segment<T> = Box<[UnsafeCell<MaybeUninit<T>>]>;

/// A fixed-capacity append-only log of `T` with one writer and one reader (see the module docs).
pub(crate) struct SpanLog<T: Copy> {
    /// Entry `i` is slot `i % SEGMENT` of segment `i / SEGMENT`, allocated by the writer
    /// before it writes the segment's first entry.
    segments: Box<[OnceLock<Segment<T>>]>,
    capacity: usize,
    /// Slots `..published` are written and will not change.
    published: AtomicUsize,
    writer_taken: AtomicBool,
    reader_taken: AtomicBool,
}

// SAFETY: segments are created only by the writer (through `OnceLock`, itself `Sync`);
// slots are written only through the one `LogWriter` (at most one exists, see
// `SpanLog::writer`), each slot once, before it is published with `Release`; they are read
// only through the one `LogReader`, below the length it loaded with `Acquire`. No slot is
// read and written at the same time. `T: Copy` has no drop to run and nothing to share.
unsafe impl<T: Copy + Send> Sync for SpanLog<T> {}

impl<T: Copy> SpanLog<T> {
    /// A log for up to `capacity` entries; segments are allocated as they fill.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            segments: (0..capacity.div_ceil(SEGMENT))
                .map(|_| OnceLock::new())
                .collect(),
            capacity,
            published: AtomicUsize::new(0),
            writer_taken: AtomicBool::new(false),
            reader_taken: AtomicBool::new(false),
        }
    }

    /// The writing end, the first time it is asked for; `None` after.
    pub(crate) fn writer(&self) -> Option<LogWriter<'_, T>> {
        if self.writer_taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some(LogWriter {
            log: self,
            len: self.published.load(Ordering::Relaxed),
        })
    }

    /// The reading end, the first time it is asked for; `None` after.
    pub(crate) fn reader(&self) -> Option<LogReader<'_, T>> {
        if self.reader_taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some(LogReader { log: self, read: 0 })
    }
}

/// The one writing end of a [`SpanLog`].
pub(crate) struct LogWriter<'a, T: Copy> {
    log: &'a SpanLog<T>,
    /// Entries written (and published) so far.
    len: usize,
}

impl<T: Copy> LogWriter<'_, T> {
    /// Appends `entry` and publishes it; `false` (and nothing written) when the log is full.
    #[inline]
    pub(crate) fn push(&mut self, entry: T) -> bool {
        if self.len >= self.log.capacity {
            return false;
        }
        let Some(segment) = self.log.segments.get(self.len / SEGMENT) else {
            return false;
        };
        let segment = segment.get_or_init(|| {
            (0..SEGMENT)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect()
        });
        let Some(slot) = segment.get(self.len % SEGMENT) else {
            return false;
        };
        // SAFETY: slot `len` is not published yet, so the reader does not touch it, and
        // this is the only writer (`SpanLog::writer`); it is written once, here.
        unsafe { (*slot.get()).write(entry) };
        self.len += 1;
        // Release: the slot's contents happen-before a reader that sees the new length.
        self.log.published.store(self.len, Ordering::Release);
        true
    }
}

/// The one reading end of a [`SpanLog`].
pub(crate) struct LogReader<'a, T: Copy> {
    log: &'a SpanLog<T>,
    /// Entries handed out so far.
    read: usize,
}

impl<T: Copy> LogReader<'_, T> {
    /// Calls `f` with each entry published since the last call, in order.
    pub(crate) fn drain(&mut self, mut f: impl FnMut(T)) {
        let end = self.log.published.load(Ordering::Acquire);
        debug_assert!(end <= self.log.capacity, "published within capacity");
        while self.read < end {
            // The segment was initialised before its first entry was published: the
            // Acquire load above makes it visible.
            let segment = self
                .log
                .segments
                .get(self.read / SEGMENT)
                .and_then(OnceLock::get);
            debug_assert!(segment.is_some(), "a published entry's segment exists");
            let Some(segment) = segment else { return };
            let first = self.read % SEGMENT;
            let last = SEGMENT.min(first + (end - self.read));
            for slot in segment.get(first..last).unwrap_or(&[]) {
                // SAFETY: slots below the published length were written (and published
                // with Release, loaded above with Acquire) and are never written again.
                f(unsafe { (*slot.get()).assume_init() });
            }
            self.read += last - first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SpanLog;

    #[test]
    fn one_writer_and_one_reader_per_log() {
        let log = SpanLog::<u64>::with_capacity(4);
        let w = log.writer();
        assert!(w.is_some());
        assert!(log.writer().is_none());
        assert!(log.reader().is_some());
        assert!(log.reader().is_none());
    }

    #[test]
    fn a_full_log_refuses_more() {
        let log = SpanLog::<u64>::with_capacity(2);
        let mut w = log.writer().unwrap();
        assert!(w.push(1) && w.push(2));
        assert!(!w.push(3));
        let mut seen = Vec::new();
        log.reader().unwrap().drain(|v| seen.push(v));
        assert_eq!(seen, [1, 2]);
    }

    #[test]
    fn the_reader_sees_every_entry_once_in_order_while_it_is_written() {
        const N: u64 = 200_000 + 7; // several segments and a partial one
        let log = SpanLog::<(u64, u64)>::with_capacity(N as usize);
        std::thread::scope(|s| {
            let mut w = log.writer().unwrap();
            s.spawn(move || {
                for i in 0..N {
                    assert!(w.push((i, i * 3)));
                }
            });
            let mut r = log.reader().unwrap();
            let mut next = 0;
            while next < N {
                r.drain(|(i, j)| {
                    assert_eq!((i, j), (next, next * 3));
                    next += 1;
                });
            }
        });
    }
}
