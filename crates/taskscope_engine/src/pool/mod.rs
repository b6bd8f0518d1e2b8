//! The thread-pool scheduler: a dependency-driven executor with work stealing.
//!
//! The design note is `README.md` beside this file (included below). Submodules:
//! `handoff` (which workers exist, and publishing a run to exactly those), `job` (one
//! run as the workers see it: finding work, releasing consumers, sleeping).
//!
#![doc = include_str!("README.md")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;

use taskscope_trace::Span;

use crate::error::ComputeError;
use crate::run::{RunBuffers, RunRecord, RunState, clock, unix_now_ns};
use crate::unwind::AbortIfPanic;

mod handoff;
mod job;

use handoff::{Handoff, Next};
use job::Job;

static NEXT_POOL_ID: AtomicUsize = AtomicUsize::new(1);

std::thread_local! {
    /// The id of the pool whose worker this thread is (0 for other threads).
    static CURRENT_POOL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A pool of worker threads, shared by clones of a [`Scheduler`](crate::Scheduler).
pub(crate) struct Pool {
    shared: Arc<PoolShared>,
    /// One run at a time per pool.
    run_lock: Mutex<()>,
    /// The buffers of the last run, for the next one.
    buffers: Mutex<Option<RunBuffers>>,
    /// Test hook: spawning the worker of this index or a later one fails.
    #[cfg(test)]
    fail_spawn_from: AtomicUsize,
    /// Test hook: worker 0's work loop panics, outside any task, in every run.
    #[cfg(test)]
    panic_in_work_loop: std::sync::atomic::AtomicBool,
}

struct PoolShared {
    id: usize,
    workers: usize,
    /// Which workers exist, and the job they are given (see `handoff`).
    handoff: Handoff<JobPtr>,
    /// Worker threads of this pool alive now (a test oracle, independent of the registry).
    #[cfg(test)]
    live: AtomicUsize,
}

/// A pointer to the current run's job, valid until every worker it was published to
/// has reported back.
#[derive(Clone, Copy)]
struct JobPtr(*const Job<'static, 'static>);

// SAFETY: the job is only dereferenced by the workers it was published to, between its
// publication and their report; `Pool::run` does not return (and the job is not dropped)
// before all of them reported (`Handoff::wait_and_unpublish`, also on unwinding).
unsafe impl Send for JobPtr {}

impl Pool {
    /// A pool of `workers` threads (at least one), started on first use.
    pub(crate) fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            shared: Arc::new(PoolShared {
                id: NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed),
                workers,
                handoff: Handoff::new(workers),
                #[cfg(test)]
                live: AtomicUsize::new(0),
            }),
            run_lock: Mutex::new(()),
            buffers: Mutex::new(None),
            #[cfg(test)]
            fail_spawn_from: AtomicUsize::new(usize::MAX),
            #[cfg(test)]
            panic_in_work_loop: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Buffers for a run: the pool's kept ones, or new ones if another run has them.
    pub(crate) fn take_buffers(&self) -> RunBuffers {
        self.buffers.lock().take().unwrap_or_default()
    }

    /// Keeps `buffers` (clean: every slot empty) for the next run; of two, the larger stays.
    pub(crate) fn keep_buffers(&self, buffers: RunBuffers) {
        let mut kept = self.buffers.lock();
        if kept
            .as_ref()
            .is_none_or(|k| k.tasks.capacity() < buffers.tasks.capacity())
        {
            *kept = Some(buffers);
        }
    }

    /// How many worker threads the pool has.
    pub(crate) fn workers(&self) -> usize {
        self.shared.workers
    }

    /// Whether the calling thread is one of this pool's workers (a task computing a graph itself).
    pub(crate) fn is_current_thread_worker(&self) -> bool {
        CURRENT_POOL.with(std::cell::Cell::get) == self.shared.id
    }

    /// Starts the workers that do not exist yet (all of them on first use; after a
    /// failed spawn, the ones that failed).
    fn ensure_started(&self) -> Result<(), ComputeError> {
        self.shared.handoff.register(|index, generation| {
            #[cfg(test)]
            if index >= self.fail_spawn_from.load(Ordering::Relaxed) {
                return Err(ComputeError::Spawn(std::io::Error::other(
                    "spawn failure injected by a test",
                )));
            }
            let shared = Arc::clone(&self.shared);
            std::thread::Builder::new()
                .name(format!("taskscope-worker-{index}"))
                .spawn(move || worker_main(&shared, index, generation))
                .map(drop)
                .map_err(ComputeError::Spawn)
        })
    }

    /// Runs the plan of `run` on the pool's workers, recording spans into `lanes` (one
    /// per worker, empty); returns when the run finished or stopped.
    pub(crate) fn run(
        &self,
        run: &RunState<'_>,
        lanes: Vec<Vec<Span>>,
    ) -> Result<RunRecord, ComputeError> {
        let _one_run = self.run_lock.lock();
        self.ensure_started()?;
        let workers = self.shared.workers;
        let clock = clock();
        let started_at_unix_ns = unix_now_ns();
        let t0 = run.t0;
        #[cfg_attr(not(test), expect(unused_mut, reason = "set by a test hook"))]
        let mut job = Job::new(run, lanes, workers);
        #[cfg(test)]
        {
            job.panic_in_work_loop = self.panic_in_work_loop.load(Ordering::SeqCst);
        }
        {
            // Waits for every worker's report when it goes out of scope (even when
            // unwinding): the workers borrow `job`, which lives on our stack.
            let _published = Published::new(&self.shared.handoff, &job);
        }
        let end = match job.end_raw.load(Ordering::Acquire) {
            0 => clock.raw(),
            end => end,
        };
        let lanes = std::mem::take(&mut *job.lanes.lock());
        Ok(RunRecord {
            scheduler: "threads",
            lanes,
            wall_ns: clock.delta_as_nanos(t0, end),
            started_at_unix_ns,
        })
    }
}

/// A published job: dropping it waits until every worker it was published to has
/// reported, then unpublishes it.
struct Published<'a> {
    handoff: &'a Handoff<JobPtr>,
}

impl<'a> Published<'a> {
    fn new(handoff: &'a Handoff<JobPtr>, job: &'a Job<'_, '_>) -> Self {
        // SAFETY (lifetime erasure): see `JobPtr`; dropping the returned guard waits for
        // every report before `job` can go out of scope.
        handoff.publish(JobPtr(
            std::ptr::from_ref(job).cast::<Job<'static, 'static>>(),
        ));
        Self { handoff }
    }
}

impl Drop for Published<'_> {
    fn drop(&mut self) {
        self.handoff.wait_and_unpublish();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Workers exit on their own; we do not join (the last handle may be dropped on a worker).
        self.shared.handoff.shut_down();
    }
}

fn worker_main(shared: &PoolShared, index: usize, mut seen_generation: u64) {
    #[cfg(test)]
    let _live = LiveGuard::new(&shared.live);
    // Nothing below may unwind: the caller of a run waits for this worker's report, so a
    // worker that died silently would hang it and every later run. Task bodies and
    // values' drops (user code) are caught where they run; what is left is the engine's
    // own code, and a panic there aborts rather than hangs (as rayon-core's workers do).
    let abort_guard = AbortIfPanic;
    CURRENT_POOL.with(|c| c.set(shared.id));
    while let Next::Job(JobPtr(job)) = shared.handoff.next_job(index, &mut seen_generation) {
        // SAFETY: the job stays alive until this worker reports (see `JobPtr`).
        let job = unsafe { &*job };
        job.work_caught(index);
        // After this, `job` may be freed at any moment: it is not touched again.
        shared.handoff.report(index);
    }
    std::mem::forget(abort_guard);
}

/// Counts a live worker thread from its start to its exit.
#[cfg(test)]
struct LiveGuard<'a>(&'a AtomicUsize);

#[cfg(test)]
impl<'a> LiveGuard<'a> {
    fn new(live: &'a AtomicUsize) -> Self {
        live.fetch_add(1, Ordering::SeqCst);
        Self(live)
    }
}

#[cfg(test)]
impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod test;
