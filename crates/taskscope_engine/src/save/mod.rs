//! Saving a run's trace on several threads: [`Run::save_trace`](crate::Run::save_trace).
//!
//! The trace crate runs no threads; it cuts a file into pieces that can be encoded
//! apart ([`TraceEncoder`]) and saves atomically whatever a caller writes
//! ([`Trace::save_with`]). Here helper threads encode pieces while the calling thread
//! writes finished pieces to the file in order and, when none is ready, encodes one
//! itself. Writing (the kernel copying the text into the page cache) costs about as much
//! as formatting it, so on two cores the two overlap.
//!
//! The file is written back to disk while it is being written ([`Writeback`]), so the
//! sync that ends an atomic save waits for little.
//!
//! At most [`WINDOW`] pieces (about 1 MiB each) are encoded ahead of the one being
//! written, so memory stays bounded whatever the trace's size.
//!
//! This module decides how pieces are shared out; the bytes are the trace crate's, the
//! same as [`Trace::save`] writes.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

use parking_lot::{Condvar, Mutex};
use taskscope_trace::{FormatError, Join, Trace, TraceEncoder};

/// How many pieces may be encoded ahead of the next one to write.
const WINDOW: usize = 4;

/// At most this many threads encode (the caller included): writing is one stream, so
/// more encoders than that only wait.
const MAX_THREADS: usize = 4;

/// Saves `trace` at `path` atomically, encoding it on up to `threads` threads (the
/// caller's included). The same bytes as [`Trace::save`].
pub(crate) fn save_trace(trace: &Trace, path: &Path, threads: usize) -> Result<(), FormatError> {
    // A small trace is written before a thread would have started.
    let small = trace.spans().len() + trace.graph().len() < SMALL_TRACE;
    let join: Join<'_> = if threads > 1 && !small {
        &join_on_two_threads
    } else {
        &one_after_the_other
    };
    trace.save_with(path, join, |encoder, file| {
        write_on_threads(encoder, &mut Writeback::new(file), threads)
    })
}

/// Spans and tasks below which a trace's preparations are not worth a thread.
const SMALL_TRACE: usize = 1 << 14;

/// Runs `a`, then `b`.
fn one_after_the_other(a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
    a();
    b();
}

/// Start writing a file back to disk once this many bytes were written since the last start.
const WRITEBACK_BYTES: u64 = 8 << 20;

/// A file being written that asks the kernel to start writing each [`WRITEBACK_BYTES`]
/// back to disk at once (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`, Linux only), so
/// that the disk works while the rest is encoded and the final sync of an atomic save
/// (`File::sync_all`) has little left to wait for. Only a hint: durability still comes
/// from that sync, and where the call is missing or fails, nothing changes.
struct Writeback<'f> {
    file: &'f std::fs::File,
    /// Bytes written so far.
    written: u64,
    /// Bytes whose writeback was started.
    started: u64,
    /// Cleared when the kernel refuses the hint (then it is not asked again).
    hint: bool,
}

impl<'f> Writeback<'f> {
    fn new(file: &'f std::fs::File) -> Self {
        Self {
            file,
            written: 0,
            started: 0,
            hint: cfg!(target_os = "linux"),
        }
    }

    /// Starts the writeback of what was written since the last start, once it is enough.
    fn start_writeback(&mut self) {
        if !self.hint || self.written - self.started < WRITEBACK_BYTES {
            return;
        }
        self.hint = start_writeback(self.file, self.started, self.written - self.started);
        self.started = self.written;
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        self.start_writeback();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Asks the kernel to start writing bytes `offset..offset + len` of `file` back to disk,
/// without waiting; returns whether it accepted.
#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File, offset: u64, len: u64) -> bool {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return false;
    };
    // SAFETY: `sync_file_range` reads no memory of ours; the descriptor is open for as
    // long as `file` is borrowed, and any offset or length is allowed (a bad one gives an
    // error, which ends the hints).
    let result = unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
    };
    result == 0
}

/// Not on this system: the final sync writes everything.
#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) -> bool {
    false
}

/// Runs `a` on a new thread and `b` on this one (both on this one when no thread starts).
fn join_on_two_threads(a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
    // Behind a lock only so that this thread can still run `a` if no thread starts.
    let a = Mutex::new(a);
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("taskscope-save".into())
            .spawn_scoped(scope, || (a.lock())());
        b();
        // A panic in `a` on the other thread reaches the caller when the scope joins it.
        if other.is_err() {
            (a.lock())();
        }
    });
}

/// Writes every piece of `encoder` to `out` in order, encoding on up to `threads`
/// threads (the caller's included).
fn write_on_threads(
    encoder: &TraceEncoder<'_>,
    out: &mut dyn Write,
    threads: usize,
) -> std::io::Result<()> {
    let threads = threads.clamp(1, MAX_THREADS).min(encoder.pieces());
    if threads <= 1 {
        return write_in_order(encoder, out);
    }
    let shared = Shared::new(encoder.pieces());
    std::thread::scope(|scope| {
        // However the writer ends (done, failed, or unwinding), helpers must not wait
        // for it: the scope joins them before returning.
        let _stop = Stop {
            shared: &shared,
            only_on_panic: false,
        };
        for _ in 1..threads {
            let shared = &shared;
            // A helper that cannot be started leaves more for the caller to encode.
            let _ = std::thread::Builder::new()
                .name("taskscope-save".into())
                .spawn_scoped(scope, move || shared.help(encoder));
        }
        shared.write(encoder, out)
    })
}

/// Encodes and writes every piece on the calling thread.
fn write_in_order(encoder: &TraceEncoder<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = Vec::new();
    for piece in 0..encoder.pieces() {
        encoder.encode(piece, &mut buf);
        out.write_all(&buf)?;
        buf.clear();
    }
    out.flush()
}

/// What the threads of one save share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when a piece is encoded, a piece is written, or the save stops.
    changed: Condvar,
}

struct State {
    pieces: usize,
    /// The next piece nobody has started to encode.
    next_to_encode: usize,
    /// The next piece to write; pieces before it are written (or being written).
    next_to_write: usize,
    /// Encoded pieces `next_to_write..`, `None` while still being encoded.
    ready: VecDeque<Option<Vec<u8>>>,
    /// Buffers of written pieces, for reuse.
    spare: Vec<Vec<u8>>,
    /// Set when the writer is done (finished or failed), or a helper panicked.
    stopped: bool,
}

impl Shared {
    fn new(pieces: usize) -> Self {
        Self {
            state: Mutex::new(State {
                pieces,
                next_to_encode: 0,
                next_to_write: 0,
                ready: VecDeque::with_capacity(WINDOW),
                spare: Vec::with_capacity(WINDOW),
                stopped: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Claims the next piece to encode if the window allows it; returns it and a buffer.
    fn claim(state: &mut State) -> Option<(usize, Vec<u8>)> {
        if state.stopped
            || state.next_to_encode >= state.pieces
            || state.next_to_encode >= state.next_to_write + WINDOW
        {
            return None;
        }
        let piece = state.next_to_encode;
        state.next_to_encode += 1;
        state.ready.push_back(None);
        debug_assert_eq!(
            state.ready.len(),
            state.next_to_encode - state.next_to_write,
            "one entry per claimed, unwritten piece"
        );
        Some((piece, state.spare.pop().unwrap_or_default()))
    }

    /// Puts encoded piece `piece` where the writer finds it.
    fn deposit(&self, piece: usize, buf: Vec<u8>) {
        let mut state = self.state.lock();
        let Some(offset) = piece.checked_sub(state.next_to_write) else {
            debug_assert!(false, "piece {piece} written before it was encoded");
            return;
        };
        if let Some(slot) = state.ready.get_mut(offset) {
            debug_assert!(slot.is_none(), "piece {piece} encoded twice");
            *slot = Some(buf);
        }
        drop(state);
        self.changed.notify_all();
    }

    /// A helper thread: encodes pieces until none is left or the save stops.
    fn help(&self, encoder: &TraceEncoder<'_>) {
        // If encoding panics, the writer would wait for that piece forever: stop the save
        // instead (the panic then reaches the caller when the scope joins this thread).
        let _stop = Stop {
            shared: self,
            only_on_panic: true,
        };
        loop {
            let mut state = self.state.lock();
            let (piece, mut buf) = loop {
                if state.stopped || state.next_to_encode >= state.pieces {
                    return;
                }
                match Self::claim(&mut state) {
                    Some(claimed) => break claimed,
                    None => self.changed.wait(&mut state),
                }
            };
            drop(state);
            encoder.encode(piece, &mut buf);
            self.deposit(piece, buf);
        }
    }

    /// The calling thread: writes pieces in order; encodes one itself whenever the next
    /// to write is not ready.
    fn write(&self, encoder: &TraceEncoder<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        let mut state = self.state.lock();
        while state.next_to_write < state.pieces {
            if state.stopped {
                return Err(std::io::Error::other(
                    "a thread encoding the trace panicked",
                ));
            }
            if let Some(Some(_)) = state.ready.front() {
                let Some(Some(buf)) = state.ready.pop_front() else {
                    debug_assert!(false, "the front was just seen ready");
                    continue;
                };
                state.next_to_write += 1;
                drop(state);
                let written = out.write_all(&buf);
                state = self.state.lock();
                let mut buf = buf;
                buf.clear();
                state.spare.push(buf);
                self.changed.notify_all();
                written?;
            } else if let Some((piece, mut buf)) = Self::claim(&mut state) {
                drop(state);
                encoder.encode(piece, &mut buf);
                self.deposit(piece, buf);
                state = self.state.lock();
            } else {
                self.changed.wait(&mut state);
            }
        }
        drop(state);
        out.flush()
    }

    /// Ends the save: helpers return instead of waiting.
    fn stop(&self) {
        self.state.lock().stopped = true;
        self.changed.notify_all();
    }
}

/// Stops the save when dropped: always, or only while the thread unwinds.
struct Stop<'a> {
    shared: &'a Shared,
    only_on_panic: bool,
}

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        if !self.only_on_panic || std::thread::panicking() {
            self.shared.stop();
        }
    }
}

#[cfg(test)]
mod test;
