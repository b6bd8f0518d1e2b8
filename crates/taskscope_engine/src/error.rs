//! Errors of a compute.

use taskscope_trace::Trace;

/// Why a compute did not return a value.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    /// A task panicked or returned an error; the run stopped.
    #[error("{0}")]
    TaskFailed(Box<TaskFailed>),
    /// The scheduler could not start its worker threads.
    #[error("could not start worker threads: {0}")]
    Spawn(#[source] std::io::Error),
    /// The trace of the run could not be assembled (an engine bug; please report it).
    #[error("could not assemble the run's trace: {0}")]
    Trace(#[from] taskscope_trace::ModelError),
    /// The run's streaming trace (see [`Scheduler::stream_to`](crate::Scheduler::stream_to))
    /// could not be created or written; the file names itself in the error.
    #[error("could not stream the run's trace: {0}")]
    Stream(#[source] taskscope_trace::FormatError),
    /// A value had an unexpected type or went missing (an engine bug; please report it).
    #[error("taskscope internal error: {0}")]
    Internal(String),
}

impl ComputeError {
    /// The trace of the run up to the failure (every task that finished has its span).
    pub fn trace(&self) -> Option<&Trace> {
        match self {
            Self::TaskFailed(failed) => Some(&failed.trace),
            _ => None,
        }
    }
}

/// The first task that failed, and what the run did up to then.
#[derive(Debug)]
pub struct TaskFailed {
    /// The failed task's key, e.g. `parse-0123456789abcdef`.
    pub key: String,
    /// The failed task's name.
    pub name: String,
    /// The panic message or the error's `Display`.
    pub message: String,
    /// How many tasks failed in all (several can fail before the run stops).
    pub failed_tasks: usize,
    /// The partial trace: spans of every task that ran, states of the others.
    pub trace: Trace,
}

impl std::fmt::Display for TaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {} failed: {}", self.key, self.message)?;
        if self.failed_tasks > 1 {
            write!(f, " ({} tasks failed in all)", self.failed_tasks)?;
        }
        Ok(())
    }
}
