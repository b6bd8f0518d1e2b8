//! The streaming trace of a run: the watcher thread moves the spans the workers published
//! into a [`StreamWriter`] and flushes it on every tick; the run's end appends the rest.
//!
//! This module decides what reaches the file and when an error stops the stream. The
//! bytes are the trace crate's (`taskscope_trace::format::StreamWriter`).

use std::path::Path;
use std::sync::Arc;

use taskscope_trace::{FormatError, Graph, Lane, StreamWriter, TaskState, Trace};

use super::Entry;
use super::log::LogReader;

/// A run's stream, owned by the watcher thread.
pub(crate) struct Stream {
    writer: StreamWriter,
    /// The first write error; nothing more is written after it.
    error: Option<FormatError>,
}

impl Stream {
    /// Creates the file with the run's graph and its lanes (the compute fails at once if
    /// the file cannot be created: before any task runs).
    pub(crate) fn create(
        path: &Path,
        graph: Arc<Graph>,
        lanes: &[Lane],
    ) -> Result<Self, FormatError> {
        Ok(Self {
            writer: StreamWriter::create(path, graph, lanes)?,
            error: None,
        })
    }

    /// Moves every span published since the last tick into the file.
    pub(crate) fn tick(&mut self, readers: &mut [LogReader<'_, Entry>]) {
        if self.error.is_some() {
            return;
        }
        for reader in readers {
            let writer = &mut self.writer;
            reader.drain(|entry| {
                let status = if entry.failed {
                    TaskState::Failed
                } else {
                    TaskState::Done
                };
                writer.push_span(&entry.span, status);
            });
        }
        if let Err(e) = self.writer.flush() {
            self.error = Some(e);
        }
    }

    /// Ends the stream: with `trace`, the run's trace, the file becomes what
    /// `trace.save` writes; without (the trace could not be built), it stays a
    /// truncated stream. Returns the first error of the whole stream.
    pub(crate) fn finish(self, trace: Option<&Trace>) -> Result<(), FormatError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match trace {
            Some(trace) => self.writer.finish(trace),
            None => Ok(()),
        }
    }
}
