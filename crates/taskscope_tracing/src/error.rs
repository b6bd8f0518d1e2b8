//! The one error type of the crate.

use std::path::PathBuf;

/// Why a trace could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Creating, writing, syncing or renaming a file failed (the error names the file and the step).
    #[error(transparent)]
    Write(#[from] taskscope_trace::FormatError),
    /// The recorded spans do not fit the trace model (over four billion spans, tasks or lanes).
    #[error("the trace for {path} could not be assembled: {source}")]
    Model {
        /// The trace file it was meant for.
        path: PathBuf,
        /// What the model refused.
        #[source]
        source: taskscope_trace::ModelError,
    },
    /// The writer thread could not be started.
    #[error("could not start the trace writer thread for {path}: {source}")]
    Spawn {
        /// The trace file it was meant for.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The writer thread ended before the trace was finished (a bug: it panicked).
    #[error("the trace writer thread for {path} stopped unexpectedly; the trace was not finished")]
    WriterGone {
        /// The trace file it was writing.
        path: PathBuf,
    },
    /// The guard's trace is not being recorded (its writer could not be started).
    #[error("the trace for {path} is not being recorded (recording could not start)")]
    NotRecording {
        /// The trace file it was meant for.
        path: PathBuf,
    },
}

/// `error` and its causes, `: `-separated (e.g. the file, the step, the system's reason).
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
