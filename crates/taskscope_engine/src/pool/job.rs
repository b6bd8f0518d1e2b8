//! One run as the pool's workers see it: where a worker finds its next task, how a
//! finished task releases its consumers, when the run is over, and how idle workers
//! sleep. The algorithm is described in the pool's `README.md`.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use std::time::Duration;

use crossbeam_deque::{Steal, Stealer, Worker};
use parking_lot::{Condvar, Mutex};

use taskscope_trace::{LaneId, Span};

use crate::run::{RunState, clock};
use crate::unwind::{drop_payload, panic_message};

/// How often an idle worker re-checks for work before it sleeps.
const SPIN_ROUNDS: u32 = 64;
/// A safety net: a sleeping worker re-checks after this long even without a wake-up.
const SLEEP_TIMEOUT: Duration = Duration::from_millis(50);
/// Tasks with at least this many inputs have their arrivals counted in batches (see
/// [`Batch`]); below it, a batch would rarely hold more than one arrival.
const BATCH_MIN_INPUTS: u32 = 16;

/// Arrivals at one task with many inputs (a gather's sum, a map-reduce's partial sum)
/// that this worker made and has not yet added to the task's counter.
///
/// A counter's atomic add is a full barrier: it waits until every earlier store of the
/// worker (the finished task's result, written to memory no other task touched) has
/// reached the cache, so one per finished input serialised a wide gather's leaves on
/// those stores (a quarter to a half of a gather's run time). A worker running one
/// input after another of the same task counts them here and adds them in one step.
///
/// **A task that is ready runs as it would without batches.** The worker adds its batch
/// to the counter ([`Job::flush`], `AcqRel` as a single arrival) when it holds the last
/// arrivals as far as the counter tells (then the task is its next task, as `release`
/// hands on any consumer it makes ready), and otherwise before it runs a task that is
/// not another input of the batch's task (which runs first if the flush makes it ready
/// and its priority is no lower) or sleeps. A batch stays open only while the worker's
/// next task is another input of its task, which cannot be ready before that runs.
#[derive(Clone, Copy, Debug)]
struct Batch {
    task: u32,
    count: u32,
}

#[derive(Default)]
struct Sleep {
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

/// One run as the workers see it.
pub(super) struct Job<'r, 'p> {
    run: &'r RunState<'p>,
    /// Sinks (tasks without consumers) not yet finished.
    sinks_left: AtomicUsize,
    done: AtomicBool,
    pub(super) end_raw: AtomicU64,
    root_cursor: AtomicUsize,
    deques: Mutex<Vec<Option<Worker<u32>>>>,
    stealers: Vec<Stealer<u32>>,
    sleep: Sleep,
    /// Per worker: its span buffer, taken for the run and put back before its report.
    pub(super) lanes: Mutex<Vec<Vec<Span>>>,
    /// Test hook: worker 0's work loop panics (outside any task) when it starts.
    #[cfg(test)]
    pub(super) panic_in_work_loop: bool,
}

impl<'r, 'p> Job<'r, 'p> {
    pub(super) fn new(run: &'r RunState<'p>, lanes: Vec<Vec<Span>>, workers: usize) -> Self {
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
            #[cfg(test)]
            panic_in_work_loop: false,
        }
    }

    /// Worker `index`'s part of the run, with any panic that escapes it caught: the run
    /// is stopped with an internal error (the pool stays usable), and the panic's
    /// payload dropped without unwinding further.
    pub(super) fn work_caught(&self, index: usize) {
        let spans = self.lanes.lock().get_mut(index).map(std::mem::take);
        debug_assert!(spans.is_some(), "worker {index} has a lane");
        let spans = spans.unwrap_or_default();
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
        #[cfg(test)]
        assert!(
            !(self.panic_in_work_loop && me == 0),
            "a panic of the work loop injected by a test"
        );
        let plan = self.run.plan;
        let Some(local) = self.deques.lock().get_mut(me).and_then(Option::take) else {
            return spans;
        };
        if self.run.record {
            // Any worker may run every task. Reserving address space is free; only the
            // pages actually written are touched, so this never copies on growth.
            spans.reserve(plan.len());
            crate::run::advise_huge_pages(spans.spare_capacity_mut());
        }
        let lane = LaneId(me as u32);
        let mut live = crate::live::hook(self.run.live, me, &spans);
        // The end of the task this lane just ran, while it goes straight on to the next.
        let mut last_end: Option<u64> = None;
        let mut next: Option<u32> = None;
        let mut my_roots: Range<usize> = 0..0;
        let mut batch: Option<Batch> = None;
        loop {
            if self.stopped() {
                // A finished run has no open batch: its task ran, so every input arrived.
                debug_assert!(
                    batch.is_none() || self.run.abort.load(Ordering::Relaxed),
                    "a finished run left arrivals uncounted"
                );
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
            let task = match (task, batch) {
                (Some(task), Some(open)) if !plan.users(task).contains(&open.task) => {
                    // `task` is no input of the batch's task: count the batch before running
                    // it. A task the flush makes ready runs first (its inputs are in cache), as
                    // `release` would have chosen it, unless `task` has a longer path to
                    // the output; the other waits on the deque, where idle workers steal.
                    match self.flush(&mut batch) {
                        Some(ready) => {
                            let (run, wait) = if plan.priority(task) > plan.priority(ready) {
                                (task, ready)
                            } else {
                                (ready, task)
                            };
                            local.push(wait);
                            self.notify_work();
                            Some(run)
                        }
                        None => Some(task),
                    }
                }
                (None, Some(_)) => self.flush(&mut batch),
                (task, _) => task,
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
            // SAFETY: `task` is ready: it is a root, or the last of its inputs to finish
            // made it ready (`release`, through the AcqRel counter), and it was handed to
            // exactly one worker (a root claimed by the cursor, or a task popped or stolen
            // from a deque, or the continuation kept by the releasing worker).
            let ok = unsafe { self.run.run_task(task, &mut spans, lane, &mut last_end) };
            if let Some(live) = &mut live {
                live.task_ran(&spans, ok);
            }
            if !ok {
                self.wake_all();
                break;
            }
            next = self.release(task, &local, &mut batch);
        }
        // Roots claimed but not run stay unrun (the run stopped).
        spans
    }

    /// Counts the arrivals of an open batch at its task; returns the task if that made
    /// it ready. Leaves no batch open.
    fn flush(&self, batch: &mut Option<Batch>) -> Option<u32> {
        let Batch { task, count } = batch.take()?;
        let inputs = self.run.plan.input_count(task);
        self.run
            .tasks
            .arrive_many(task, count, inputs)
            .then_some(task)
    }

    /// Counts down the consumers of `task`; returns the best one that became ready and
    /// pushes the others onto the local deque. An arrival at a task with many inputs
    /// goes into the worker's `batch` instead, if none is open or the open one is that
    /// task's (see [`Batch`]).
    fn release(&self, task: u32, local: &Worker<u32>, batch: &mut Option<Batch>) -> Option<u32> {
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
            let inputs = plan.input_count(user);
            let ready = if inputs >= BATCH_MIN_INPUTS && batch.is_none_or(|open| open.task == user)
            {
                let open = batch.get_or_insert(Batch {
                    task: user,
                    count: 0,
                });
                open.count += 1;
                debug_assert!(
                    open.count <= inputs,
                    "a batch holds no more than all inputs"
                );
                // Counted here until this worker holds the last arrivals, as far as the
                // counter tells (a plain load: other workers' batches may be counted
                // meanwhile, and then the flush before the next task makes it ready).
                let counted = self.run.tasks.arrived(user);
                counted.saturating_add(open.count) >= inputs && self.flush(batch).is_some()
            } else {
                self.run.tasks.arrive(user, inputs)
            };
            if !ready {
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
