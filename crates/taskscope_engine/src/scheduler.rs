//! [`Scheduler`]: how a graph is run — sequentially, or on a pool of threads.

use std::sync::{Arc, OnceLock};

use crate::pool::Pool;

/// How [`compute_with`](crate::compute_with) runs a graph.
///
/// Cloning a scheduler shares its thread pool. Every run records a trace (one
/// span per task with its worker lane) unless [`Scheduler::tracing`] turns it off.
#[derive(Clone)]
pub struct Scheduler {
    pub(crate) kind: Kind,
    pub(crate) record: bool,
}

#[derive(Clone)]
pub(crate) enum Kind {
    Sequential,
    Threads(Arc<Pool>),
}

impl Scheduler {
    /// Runs every task on the calling thread, one after the other, in a topological order:
    /// the serial baseline.
    pub fn sequential() -> Self {
        Self {
            kind: Kind::Sequential,
            record: true,
        }
    }

    /// A dependency-driven executor on a new pool of `workers` threads (at least one).
    ///
    /// The threads start on the first run and park between runs (using no CPU); they exit
    /// when the last clone of this scheduler is dropped. The pool keeps the per-task
    /// buffers of its largest run for the next one (40 bytes per task, plus up to 32 per
    /// task and worker for spans), so repeated runs allocate nothing per task.
    pub fn threads(workers: usize) -> Self {
        Self {
            kind: Kind::Threads(Arc::new(Pool::new(workers))),
            record: true,
        }
    }

    /// The scheduler [`Delayed::compute`](crate::Delayed::compute) uses: a process-wide pool
    /// with one thread per core.
    pub fn global() -> Self {
        static GLOBAL: OnceLock<Arc<Pool>> = OnceLock::new();
        let pool = GLOBAL.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            Arc::new(Pool::new(cores))
        });
        Self {
            kind: Kind::Threads(Arc::clone(pool)),
            record: true,
        }
    }

    /// Turns span recording on (the default) or off. Off, the run's trace still has the
    /// graph and task states, but no spans.
    pub fn tracing(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// How many workers (lanes) this scheduler runs tasks on.
    pub fn workers(&self) -> usize {
        match &self.kind {
            Kind::Sequential => 1,
            Kind::Threads(pool) => pool.workers(),
        }
    }

    /// A short name: `sequential` or `threads`.
    pub fn name(&self) -> &'static str {
        match &self.kind {
            Kind::Sequential => "sequential",
            Kind::Threads(_) => "threads",
        }
    }
}

impl Default for Scheduler {
    fn default() -> Self {
        Self::global()
    }
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("kind", &self.name())
            .field("workers", &self.workers())
            .field("tracing", &self.record)
            .finish()
    }
}
