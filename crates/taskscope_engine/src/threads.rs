//! The thread-pool scheduler: a dependency-driven executor with work stealing.
//!
//! # Design
//! A pool owns `n` named worker threads that park between runs. A run publishes
//! one [`Job`] to all of them; the calling thread waits until every worker has
//! reported back, so the job (and the graph it borrows) outlives every use.
//!
//! Within a run each worker looks for work in this order (as rayon's `find_work`):
//! 1. the task it just made ready (a *continuation*: no queue operation at all);
//! 2. its own LIFO deque (tasks it made ready but did not run);
//! 3. the shared list of root tasks, claimed in small chunks by an atomic cursor;
//! 4. stealing half of another worker's deque;
//! 5. after a short spin, sleeping on a condition variable until work is pushed.
//!
//! **Ordering.** When more tasks are ready than workers are free, the task with
//! the longest remaining path to the output (its b-level, in tasks) goes first:
//! roots are sorted by b-level, a finished task continues with the highest
//! b-level consumer it released, and a continuation or deque task yields to a
//! waiting root of strictly higher b-level. That is what runs the seed's `total`
//! (4 `inc`s, 3 `add`s) in 4 steps on 2 workers, where Dask's depth-first order
//! starts `add(x, y)` before the second pair of `inc`s and takes 5. The checks
//! are a couple of loads per task, so equal priorities cost nothing extra.
//! One refinement: a task yields to a root only while fewer than
//! `workers × b-level(root)` roots are waiting. With more, the roots alone keep
//! every worker busy for longer than the root's path, so the order cannot make
//! that path the bottleneck, and running the ready consumer first uses inputs
//! that are still in cache (see `Job::few_roots_left`).
//!
//! **Termination.** Only tasks without consumers (the sinks) count down a
//! shared counter: every task is an ancestor of some sink, so all sinks done
//! means all tasks done, and the hot path never touches a global counter.
//!
//! **Prefetching.** A task's node (its function) and the function's captured
//! data are two dependent loads from a heap of a million scattered nodes. Roots
//! are known ahead, so a worker prefetches the node of the root 8 places on and
//! the captured data of the root 4 places on; before running a task it
//! prefetches the nodes of its first consumers (a chain's next step).
//!
//! **Buffers.** The per-task state of a run (dependency counters, result slots)
//! and the per-lane span buffers live in [`RunBuffers`] that the pool keeps
//! between runs: a run of a size the pool has seen allocates nothing per task
//! (fresh memory costs a page fault per 4 KiB, several microseconds in a VM).
//! The pool keeps the buffers of its largest run until it is dropped: 40 bytes
//! per task, plus up to 32 bytes per task and worker for recorded spans.
//!
//! **Sleep.** A worker that finds nothing spins briefly, then registers as a
//! sleeper and re-checks for work before waiting (a Dekker-style handshake with
//! a `SeqCst` fence on the pushing side), so a push never goes unnoticed. Parked
//! workers use no CPU; between runs they wait on the pool's condition variable.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use std::time::Duration;

use crossbeam_deque::{Steal, Stealer, Worker};
use parking_lot::{Condvar, Mutex};

use taskscope_trace::{LaneId, Span};

use crate::error::ComputeError;
use crate::run::{RunRecord, RunState, clock, drop_payload, panic_message, unix_now_ns};
use crate::slots::RunBuffers;

mod handoff;
mod unwind;

use handoff::{Handoff, Next};
use unwind::AbortIfPanic;

/// How often an idle worker re-checks for work before it sleeps.
const SPIN_ROUNDS: u32 = 64;
/// A safety net: a sleeping worker re-checks after this long even without a wake-up.
const SLEEP_TIMEOUT: Duration = Duration::from_millis(50);

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
        }
    }

    /// Buffers for a run: the pool's kept ones, or new ones if another run has them.
    pub(crate) fn take_buffers(&self) -> RunBuffers {
        self.buffers.lock().take().unwrap_or_else(RunBuffers::new)
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
        let job = Job::new(run, lanes, workers);
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

#[derive(Default)]
struct Sleep {
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

/// One run as the workers see it.
struct Job<'r, 'p> {
    run: &'r RunState<'p>,
    /// Sinks (tasks without consumers) not yet finished.
    sinks_left: AtomicUsize,
    done: AtomicBool,
    end_raw: AtomicU64,
    root_cursor: AtomicUsize,
    deques: Mutex<Vec<Option<Worker<u32>>>>,
    stealers: Vec<Stealer<u32>>,
    sleep: Sleep,
    /// Per worker: its span buffer, taken for the run and put back before its report.
    lanes: Mutex<Vec<Vec<Span>>>,
}

impl<'r, 'p> Job<'r, 'p> {
    fn new(run: &'r RunState<'p>, lanes: Vec<Vec<Span>>, workers: usize) -> Self {
        let sinks = run.plan.sinks;
        let deques: Vec<Worker<u32>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        let stealers = deques.iter().map(Worker::stealer).collect();
        let mut lanes = lanes;
        lanes.resize_with(workers, Vec::new);
        Self {
            run,
            sinks_left: AtomicUsize::new(sinks),
            done: AtomicBool::new(sinks == 0),
            end_raw: AtomicU64::new(0),
            root_cursor: AtomicUsize::new(0),
            deques: Mutex::new(deques.into_iter().map(Some).collect()),
            stealers,
            sleep: Sleep::default(),
            lanes: Mutex::new(lanes),
        }
    }

    /// Worker `index`'s part of the run, with any panic that escapes it caught: the run
    /// is stopped with an internal error (the pool stays usable), and the panic's
    /// payload dropped without unwinding further.
    fn work_caught(&self, index: usize) {
        let spans = self
            .lanes
            .lock()
            .get_mut(index)
            .map(std::mem::take)
            .unwrap_or_default();
        match catch_unwind(AssertUnwindSafe(|| self.work(index, spans))) {
            Ok(spans) => {
                if let Some(slot) = self.lanes.lock().get_mut(index) {
                    *slot = spans;
                }
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                drop_payload(payload);
                self.run
                    .fail_internal(format!("worker {index} panicked outside a task: {message}"));
                self.wake_all();
            }
        }
    }

    fn stopped(&self) -> bool {
        self.done.load(Ordering::Acquire) || self.run.abort.load(Ordering::Acquire)
    }

    /// The worker loop of one run.
    fn work(&self, me: usize, mut spans: Vec<Span>) -> Vec<Span> {
        let plan = self.run.plan;
        let Some(local) = self.deques.lock().get_mut(me).and_then(Option::take) else {
            return spans;
        };
        if self.run.record {
            // Any worker may run every task. Reserving address space is free; only the
            // pages actually written are touched, so this never copies on growth.
            spans.reserve(plan.len());
        }
        let lane = LaneId(me as u32);
        // The end of the task this lane just ran, while it goes straight on to the next.
        let mut last_end: Option<u64> = None;
        let mut next: Option<u32> = None;
        let mut my_roots: Range<usize> = 0..0;
        loop {
            if self.stopped() {
                break;
            }
            let task = match next.take().or_else(|| local.pop()) {
                Some(candidate) => match self.peek_root(&my_roots) {
                    Some(root)
                        if plan.priority(root) > plan.priority(candidate)
                            && self.few_roots_left(&my_roots, plan.priority(root)) =>
                    {
                        // A root with a longer path to the output is waiting: it goes first.
                        // Another worker may claim that root first; then we take back the
                        // candidate from our deque (unless it was stolen meanwhile: it must
                        // run exactly once, so we never keep a copy of what we pushed).
                        local.push(candidate);
                        self.take_root(&mut my_roots).or_else(|| local.pop())
                    }
                    _ => Some(candidate),
                },
                None => self
                    .take_root(&mut my_roots)
                    .or_else(|| self.steal(me, &local)),
            };
            let Some(task) = task else {
                self.idle();
                last_end = None;
                continue;
            };
            // Most likely next: a consumer this task makes ready. Start loading its node
            // now, so that load overlaps this task (a chain's next step, a tree's parent).
            for &user in plan.users(task).iter().take(2) {
                plan.prefetch_node(user);
            }
            if !self.run.run_task(task, &mut spans, lane, &mut last_end) {
                self.wake_all();
                break;
            }
            next = self.release(task, &local);
        }
        // Roots claimed but not run stay unrun (the run stopped).
        spans
    }

    /// Counts down the consumers of `task`; returns the best one that became ready and
    /// pushes the others onto the local deque.
    fn release(&self, task: u32, local: &Worker<u32>) -> Option<u32> {
        let plan = self.run.plan;
        let users = plan.users(task);
        if users.is_empty() {
            if self.sinks_left.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.end_raw.store(clock().raw(), Ordering::Release);
                self.done.store(true, Ordering::Release);
                self.wake_all();
            }
            return None;
        }
        let mut best: Option<u32> = None;
        let mut pushed = false;
        for &user in users {
            if !self.run.tasks.arrive(user, plan.input_count(user)) {
                continue;
            }
            match best {
                None => best = Some(user),
                Some(b) => {
                    pushed = true;
                    if plan.priority(user) > plan.priority(b) {
                        local.push(b);
                        best = Some(user);
                    } else {
                        local.push(user);
                    }
                }
            }
        }
        if pushed {
            self.notify_work();
        }
        best
    }

    /// Whether so few roots are waiting that their order can matter: fewer than
    /// `workers × blevel` (counting the unclaimed ones and this worker's chunk).
    ///
    /// With at least that many, the waiting roots alone keep every worker busy for as
    /// long as the path through the best of them (`blevel` tasks), so running a ready
    /// consumer first cannot make that path the bottleneck — and its inputs are still
    /// in cache. A wide map-reduce runs each partial sum as soon as its maps are done,
    /// instead of all of them after the last map (a third faster here).
    fn few_roots_left(&self, mine: &Range<usize>, blevel: u32) -> bool {
        let unclaimed = self
            .run
            .plan
            .roots
            .len()
            .saturating_sub(self.root_cursor.load(Ordering::Relaxed));
        let left = unclaimed + mine.end.saturating_sub(mine.start);
        left < self.stealers.len().saturating_mul(blevel as usize)
    }

    /// The next root this worker would take, without taking it.
    fn peek_root(&self, mine: &Range<usize>) -> Option<u32> {
        let roots = &self.run.plan.roots;
        if mine.start < mine.end {
            return roots.get(mine.start).copied();
        }
        roots.get(self.root_cursor.load(Ordering::Relaxed)).copied()
    }

    /// Takes the next root: from this worker's claimed chunk, or claims a new chunk.
    ///
    /// Roots are known ahead, so their nodes are prefetched: the node of the root
    /// `NODE_AHEAD` places on, and the task function's captured data (a second load,
    /// through the node) of the root `DATA_AHEAD` places on. A wide graph's leaves are
    /// scattered over the heap; without this, each costs two cache misses in a row.
    fn take_root(&self, mine: &mut Range<usize>) -> Option<u32> {
        const NODE_AHEAD: usize = 8;
        const DATA_AHEAD: usize = 4;
        let plan = self.run.plan;
        let roots = &plan.roots;
        if mine.start >= mine.end {
            let workers = self.stealers.len().max(1);
            let mut cursor = self.root_cursor.load(Ordering::Relaxed);
            loop {
                if cursor >= roots.len() {
                    return None;
                }
                // Small chunks while few roots are left, so priorities and balance hold.
                let chunk = ((roots.len() - cursor) / (workers * 4)).clamp(1, 64);
                match self.root_cursor.compare_exchange_weak(
                    cursor,
                    cursor + chunk,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        *mine = cursor..cursor + chunk;
                        break;
                    }
                    Err(now) => cursor = now,
                }
            }
            for &root in roots
                .get(mine.start..mine.end.min(mine.start + NODE_AHEAD))
                .unwrap_or(&[])
            {
                plan.prefetch_node(root);
            }
        }
        let at = mine.start;
        mine.start += 1;
        if at + NODE_AHEAD < mine.end
            && let Some(&ahead) = roots.get(at + NODE_AHEAD)
        {
            plan.prefetch_node(ahead);
        }
        if at + DATA_AHEAD < mine.end
            && let Some(&ahead) = roots.get(at + DATA_AHEAD)
        {
            plan.prefetch_task_data(ahead);
        }
        roots.get(at).copied()
    }

    fn steal(&self, me: usize, local: &Worker<u32>) -> Option<u32> {
        let n = self.stealers.len();
        for offset in 1..n {
            let Some(stealer) = self.stealers.get((me + offset) % n) else {
                continue;
            };
            loop {
                match stealer.steal_batch_and_pop(local) {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => break,
                    Steal::Retry => {}
                }
            }
        }
        None
    }

    fn has_work(&self) -> bool {
        self.root_cursor.load(Ordering::Relaxed) < self.run.plan.roots.len()
            || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Spins a little, then sleeps until work is pushed or the run stops.
    fn idle(&self) {
        for round in 0..SPIN_ROUNDS {
            if self.stopped() || self.has_work() {
                return;
            }
            if round < SPIN_ROUNDS / 2 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        let mut guard = self.sleep.lock.lock();
        self.sleep.sleepers.fetch_add(1, Ordering::SeqCst);
        // Re-check after registering: a push that happened before we registered is seen
        // here; one after it sees us in `sleepers` (see `notify_work`).
        if !(self.stopped() || self.has_work()) {
            self.sleep.cv.wait_for(&mut guard, SLEEP_TIMEOUT);
        }
        self.sleep.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    fn notify_work(&self) {
        fence(Ordering::SeqCst);
        if self.sleep.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.sleep.lock.lock();
            self.sleep.cv.notify_one();
        }
    }

    fn wake_all(&self) {
        let _guard = self.sleep.lock.lock();
        self.sleep.cv.notify_all();
    }
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
