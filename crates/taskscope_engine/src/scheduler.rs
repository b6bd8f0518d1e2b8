//! [`Scheduler`]: how a graph is run — sequentially, or on a pool of threads.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::live::{LiveOptions, Progress};
use crate::pool::Pool;

/// How [`compute_with`](crate::compute_with) runs a graph.
///
/// Cloning a scheduler shares its thread pool. Every run records a trace (one
/// span per task with its worker lane) unless [`Scheduler::tracing`] turns it off.
#[derive(Clone)]
pub struct Scheduler {
    pub(crate) kind: Kind,
    pub(crate) record: bool,
    /// Progress bar and streaming trace (`crate::live`).
    pub(crate) live: LiveOptions,
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
            live: LiveOptions::default(),
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
            live: LiveOptions::default(),
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
            live: LiveOptions::default(),
        }
    }

    /// Turns span recording on (the default) or off. Off, the run's trace still has the
    /// graph and task states, but no spans.
    pub fn tracing(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// Draws a progress bar on stderr while a compute runs (with [`Progress::default`]:
    /// only for computes longer than 0.5 s, only when stderr is a terminal), or not (the
    /// default).
    ///
    /// The bar shows the tasks done of the total, the percentage, the time elapsed and an
    /// estimate of the time left, and ends with a final line. Its cost to the workers is
    /// one counter store per task; a background thread redraws it (10 times a second at
    /// most).
    pub fn progress(self, on: bool) -> Self {
        self.progress_with(on.then(Progress::default))
    }

    /// [`Scheduler::progress`] with options (`None`: no bar).
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskscope_engine::{Progress, Scheduler};
    /// let scheduler = Scheduler::threads(2).progress_with(Some(Progress {
    ///     min_time: Duration::from_secs(2),
    ///     ..Progress::default()
    /// }));
    /// # drop(scheduler);
    /// ```
    pub fn progress_with(mut self, options: Option<Progress>) -> Self {
        self.live.progress = options;
        self
    }

    /// Writes the trace of each run to `path` while it runs: the graph first, then each
    /// span within about 0.1 s of its end, by a background thread (the workers only
    /// publish their spans to it, without locking or I/O); when the run ends, the file is
    /// what [`Trace::save`](taskscope_trace::Trace::save) would write for its trace.
    ///
    /// At any moment [`Trace::open`](taskscope_trace::Trace::open) reads the file as the
    /// run so far, with the whole graph (tasks without a span are not finished), also
    /// after the process was killed. Each compute replaces the file; an error creating or
    /// writing it fails the compute with [`ComputeError::Stream`](crate::ComputeError::Stream)
    /// (the file is created before any task runs). Recording must be on
    /// ([`Scheduler::tracing`]) for spans to be streamed.
    ///
    /// ```no_run
    /// use taskscope_engine::{Delayed, Scheduler};
    /// let total = Delayed::value(1_i64) + 2;
    /// let run = total.compute_with(&Scheduler::threads(2).stream_to("run.json"))?;
    /// # Ok::<(), taskscope_engine::ComputeError>(())
    /// ```
    pub fn stream_to(mut self, path: impl AsRef<Path>) -> Self {
        self.live.stream = Some(Arc::from(path.as_ref()));
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
            .field("progress", &self.live.progress)
            .field("stream_to", &self.live.stream)
            .finish()
    }
}
