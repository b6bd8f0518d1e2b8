//! [`TaskscopeGuard`]: finishes the trace file when dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Sender, sync_channel};
use std::thread::JoinHandle;

use crate::Error;
use crate::shared::{Msg, Shared};

/// Finishes the trace file when dropped (or by [`finish`](Self::finish)).
///
/// Keep it alive for as long as the program should be recorded, as `tracing-chrome`'s and
/// `tracing-flame`'s `FlushGuard`: typically `let _guard = …` at the top of `main`. Dropping
/// it stops recording, takes every thread's records, writes the final file atomically and
/// removes the streaming file. This also happens when `main` panics and unwinds: the file
/// then shows the spans that were left while unwinding as failed.
///
/// Dropping the guard cannot return an error; it prints it on standard error instead. Call
/// [`finish`](Self::finish) to handle it.
#[must_use = "dropping the guard finishes the trace at once"]
pub struct TaskscopeGuard {
    path: PathBuf,
    partial: Option<PathBuf>,
    shared: Arc<Shared>,
    writer: Option<(Sender<Msg>, JoinHandle<()>)>,
    /// Why recording could not start.
    start_error: Option<Error>,
}

impl TaskscopeGuard {
    pub(crate) fn new(
        path: PathBuf,
        partial: PathBuf,
        shared: Arc<Shared>,
        tx: Sender<Msg>,
        handle: JoinHandle<()>,
    ) -> Self {
        Self {
            path,
            partial: Some(partial),
            shared,
            writer: Some((tx, handle)),
            start_error: None,
        }
    }

    /// The guard of a layer that could not start recording.
    pub(crate) fn failed(path: PathBuf, shared: Arc<Shared>, error: Error) -> Self {
        Self {
            path,
            partial: None,
            shared,
            writer: None,
            start_error: Some(error),
        }
    }

    pub(crate) fn take_start_error(&mut self) -> Option<Error> {
        self.start_error.take()
    }

    /// The trace file written at the end.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The streaming file that holds the trace so far while the program runs (`None` when
    /// recording could not start).
    pub fn streaming_path(&self) -> Option<&Path> {
        self.partial.as_deref()
    }

    /// Writes everything recorded so far, by every thread, to the
    /// [streaming file](Self::streaming_path) as a complete trace, and returns once it is
    /// on disk.
    pub fn flush(&self) -> Result<(), Error> {
        let Some((tx, _)) = &self.writer else {
            return Err(Error::NotRecording {
                path: self.path.clone(),
            });
        };
        let (reply_tx, reply) = sync_channel(1);
        if tx.send(Msg::Flush(reply_tx)).is_err() {
            return Err(Error::WriterGone {
                path: self.path.clone(),
            });
        }
        reply.recv().unwrap_or_else(|_| {
            Err(Error::WriterGone {
                path: self.path.clone(),
            })
        })
    }

    /// Stops recording and writes the final file (what dropping the guard does), returning
    /// what went wrong, if anything.
    pub fn finish(mut self) -> Result<(), Error> {
        self.finish_once()
    }

    fn finish_once(&mut self) -> Result<(), Error> {
        if let Some(error) = self.start_error.take() {
            return Err(error);
        }
        let Some((tx, handle)) = self.writer.take() else {
            return Ok(());
        };
        // Threads stop recording now, not when the writer gets to the message.
        self.shared.set_finished();
        let (reply_tx, reply) = sync_channel(1);
        let sent = tx.send(Msg::Finish(reply_tx)).is_ok();
        let result = if sent { reply.recv().ok() } else { None };
        let joined = handle.join().is_ok();
        match result {
            Some(result) if joined => result,
            _ => Err(Error::WriterGone {
                path: self.path.clone(),
            }),
        }
    }
}

impl Drop for TaskscopeGuard {
    fn drop(&mut self) {
        if let Err(error) = self.finish_once() {
            // The only way left to tell: a guard's drop cannot return an error.
            eprintln!("taskscope_tracing: {}", crate::error::with_causes(&error));
        }
    }
}
