//! The baseline of the overhead benchmarks: the leanest dependency-driven executor we
//! could write on `crossbeam-deque`, on the same graph shapes as taskscope's benchmarks.
//!
//! Continuation passing, as taskscope's own pool: the graph is CSR arrays (inputs and
//! users per task); each run has one atomic in-degree counter per task; a finished task
//! counts its users down and runs one user it made ready directly (no queue operation),
//! pushing the others onto its worker's LIFO deque (arrivals at a task with 16 or more
//! inputs counted in batches, as the pool does); roots are claimed in chunks by an
//! atomic cursor; an idle worker steals half of another's deque in one batch. Only sinks
//! count down a termination counter. No graph objects, no values moved (a task sums its
//! inputs' `u64`s from a shared array), no trace, no error handling, threads spawned per
//! run (tens of microseconds). Shared by `benches/engine.rs` and the `overhead` driver
//! through `#[path]`.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crossbeam_deque::{Steal, Stealer, Worker};

/// A task graph as plain arrays: dependencies and users per task, and the roots.
pub struct BareGraph {
    dep_start: Vec<u32>,
    deps: Vec<u32>,
    user_start: Vec<u32>,
    users: Vec<u32>,
    roots: Vec<u32>,
    sinks: usize,
}

impl BareGraph {
    fn from_deps(deps_of: &[Vec<u32>]) -> Self {
        let n = deps_of.len();
        let mut dep_start = Vec::with_capacity(n + 1);
        let mut deps = Vec::new();
        dep_start.push(0);
        for d in deps_of {
            deps.extend_from_slice(d);
            dep_start.push(deps.len() as u32);
        }
        let mut user_start = vec![0u32; n + 1];
        for &d in &deps {
            user_start[d as usize + 1] += 1;
        }
        for i in 1..=n {
            user_start[i] += user_start[i - 1];
        }
        let mut fill = user_start.clone();
        let mut users = vec![0u32; deps.len()];
        for (t, d) in deps_of.iter().enumerate() {
            for &x in d {
                users[fill[x as usize] as usize] = t as u32;
                fill[x as usize] += 1;
            }
        }
        let roots = (0..n as u32)
            .filter(|&t| deps_of[t as usize].is_empty())
            .collect();
        let sinks = (0..n)
            .filter(|&t| user_start[t] == user_start[t + 1])
            .count();
        Self {
            dep_start,
            deps,
            user_start,
            users,
            roots,
            sinks,
        }
    }

    /// The graph of one of the benchmark shapes (`None` for an unknown shape name).
    pub fn shape(shape: &str, n: usize) -> Option<Self> {
        Some(Self::from_deps(&shape_deps(shape, n)?))
    }

    /// How many tasks the graph has.
    pub fn len(&self) -> usize {
        self.dep_start.len() - 1
    }

    /// The tasks without inputs.
    #[allow(
        dead_code,
        reason = "used by the overhead driver's rayon peer, not by every bench"
    )]
    pub fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// Task `t`'s inputs.
    #[allow(
        dead_code,
        reason = "used by the overhead driver's rayon peer, not by every bench"
    )]
    pub fn deps_of(&self, t: usize) -> &[u32] {
        &self.deps[self.dep_start[t] as usize..self.dep_start[t + 1] as usize]
    }

    /// The tasks that read task `t`'s result.
    #[allow(
        dead_code,
        reason = "used by the overhead driver's rayon peer, not by every bench"
    )]
    pub fn users_of(&self, t: usize) -> &[u32] {
        &self.users[self.user_start[t] as usize..self.user_start[t + 1] as usize]
    }

    /// Runs every task on `workers` threads; returns the last task's value.
    pub fn run(&self, workers: usize) -> u64 {
        let n = self.len();
        let pending: Vec<AtomicU32> = (0..n)
            .map(|t| AtomicU32::new(self.dep_start[t + 1] - self.dep_start[t]))
            .collect();
        let values: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
        let sinks_left = AtomicUsize::new(self.sinks);
        let cursor = AtomicUsize::new(0);
        let deques: Vec<Worker<u32>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        let stealers: Vec<Stealer<u32>> = deques.iter().map(Worker::stealer).collect();
        let run = Run {
            graph: self,
            pending: &pending,
            values: &values,
            sinks_left: &sinks_left,
            cursor: &cursor,
            stealers: &stealers,
        };
        std::thread::scope(|s| {
            for (me, local) in deques.into_iter().enumerate() {
                let run = &run;
                s.spawn(move || run.work(me, &local));
            }
        });
        values.last().map_or(0, |v| v.load(Ordering::Relaxed))
    }
}

/// One run's shared state.
struct Run<'a> {
    graph: &'a BareGraph,
    pending: &'a [AtomicU32],
    values: &'a [AtomicU64],
    sinks_left: &'a AtomicUsize,
    cursor: &'a AtomicUsize,
    stealers: &'a [Stealer<u32>],
}

impl Run<'_> {
    fn work(&self, me: usize, local: &Worker<u32>) {
        let roots = &self.graph.roots;
        let mut mine = 0..0;
        let mut next: Option<u32> = None;
        // Arrivals at a task with many inputs, not yet counted (as taskscope's pool does:
        // counted when this worker holds the last ones, else before it runs a task that is
        // not another input of that task, which then waits on the deque).
        let mut batch: Option<(u32, u32)> = None;
        loop {
            let task = next.take().or_else(|| local.pop()).or_else(|| {
                if mine.is_empty() {
                    let chunk = 64;
                    let start = self.cursor.fetch_add(chunk, Ordering::Relaxed);
                    mine = start.min(roots.len())..(start + chunk).min(roots.len());
                }
                mine.next().map(|i| roots[i])
            });
            let task = match (task, batch) {
                (Some(t), Some((b, _))) if !self.graph.users_of(t as usize).contains(&b) => {
                    match self.flush(&mut batch) {
                        Some(ready) => {
                            local.push(t);
                            Some(ready)
                        }
                        None => Some(t),
                    }
                }
                (None, Some(_)) => self.flush(&mut batch),
                (task, _) => task,
            };
            let task = task.or_else(|| self.steal(me, local));
            let Some(t) = task else {
                if self.sinks_left.load(Ordering::Acquire) == 0 {
                    return;
                }
                std::thread::yield_now();
                continue;
            };
            let t = t as usize;
            let mut v = 1u64;
            for &d in self.graph.deps_of(t) {
                v = v.wrapping_add(self.values[d as usize].load(Ordering::Relaxed));
            }
            self.values[t].store(v, Ordering::Relaxed);
            let users = self.graph.users_of(t);
            if users.is_empty() {
                self.sinks_left.fetch_sub(1, Ordering::AcqRel);
            }
            for &u in users {
                let inputs =
                    self.graph.dep_start[u as usize + 1] - self.graph.dep_start[u as usize];
                let ready = if inputs >= 16 && batch.is_none_or(|(b, _)| b == u) {
                    let (_, count) = batch.get_or_insert((u, 0));
                    *count += 1;
                    // Counted when this worker holds the last arrivals, as far as it can tell.
                    *count >= self.pending[u as usize].load(Ordering::Relaxed)
                        && self.flush(&mut batch).is_some()
                } else {
                    self.pending[u as usize].fetch_sub(1, Ordering::AcqRel) == 1
                };
                if ready {
                    match next {
                        None => next = Some(u),
                        Some(_) => local.push(u),
                    }
                }
            }
        }
    }

    /// Counts an open batch of arrivals; returns its task if that made it ready.
    fn flush(&self, batch: &mut Option<(u32, u32)>) -> Option<u32> {
        let (task, count) = batch.take()?;
        (self.pending[task as usize].fetch_sub(count, Ordering::AcqRel) == count).then_some(task)
    }

    fn steal(&self, me: usize, local: &Worker<u32>) -> Option<u32> {
        let n = self.stealers.len();
        for offset in 1..n {
            loop {
                match self.stealers[(me + offset) % n].steal_batch_and_pop(local) {
                    Steal::Success(t) => return Some(t),
                    Steal::Empty => break,
                    Steal::Retry => {}
                }
            }
        }
        None
    }
}

/// Each task's inputs, in a topological order (every input before its consumer), for
/// one benchmark shape: `gather` (N tasks + 1), `chain` (N), `tree` (binary reduction
/// of N leaves, 2N − 1 tasks), `mapreduce` (N maps, N/64 partial sums, 1 total).
pub fn shape_deps(shape: &str, n: usize) -> Option<Vec<Vec<u32>>> {
    let mut deps_of: Vec<Vec<u32>> = Vec::new();
    match shape {
        "gather" => {
            deps_of.resize(n, Vec::new());
            deps_of.push((0..n as u32).collect());
        }
        "chain" => {
            deps_of.push(Vec::new());
            for i in 1..n as u32 {
                deps_of.push(vec![i - 1]);
            }
        }
        "tree" => {
            deps_of.resize(n, Vec::new());
            let mut level: Vec<u32> = (0..n as u32).collect();
            while level.len() > 1 {
                let mut next = Vec::new();
                for pair in level.chunks(2) {
                    if pair.len() == 2 {
                        deps_of.push(pair.to_vec());
                        next.push(deps_of.len() as u32 - 1);
                    } else {
                        next.push(pair[0]);
                    }
                }
                level = next;
            }
        }
        "mapreduce" => {
            deps_of.resize(n, Vec::new());
            let mut partials = Vec::new();
            for chunk in (0..n as u32).collect::<Vec<_>>().chunks(64) {
                deps_of.push(chunk.to_vec());
                partials.push(deps_of.len() as u32 - 1);
            }
            deps_of.push(partials);
        }
        _ => return None,
    }
    Some(deps_of)
}
