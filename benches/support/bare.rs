//! The baseline of the overhead benchmarks: a bare dependency-counting executor written
//! directly on `crossbeam-deque` (an injector for roots, a LIFO deque per worker, stealing, one
//! atomic pending counter per task), on the same graph shapes as taskscope's benchmarks.
//! Shared by `benches/engine.rs` and `examples/bench_overhead.rs` through `#[path]`.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crossbeam_deque::{Injector, Steal, Stealer, Worker};

/// A task graph as plain arrays: dependencies and users per task, and the roots.
pub struct BareGraph {
    dep_start: Vec<u32>,
    deps: Vec<u32>,
    user_start: Vec<u32>,
    users: Vec<u32>,
    roots: Vec<u32>,
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
        Self {
            dep_start,
            deps,
            user_start,
            users,
            roots,
        }
    }

    /// The graph of one of the benchmark shapes (`None` for an unknown shape name).
    pub fn shape(shape: &str, n: usize) -> Option<Self> {
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
        Some(Self::from_deps(&deps_of))
    }

    /// How many tasks the graph has.
    pub fn len(&self) -> usize {
        self.dep_start.len() - 1
    }

    /// Runs every task on `workers` threads; returns the last task's value.
    pub fn run(&self, workers: usize) -> u64 {
        let n = self.len();
        let pending: Vec<AtomicU32> = (0..n)
            .map(|t| AtomicU32::new(self.dep_start[t + 1] - self.dep_start[t]))
            .collect();
        let values: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
        let remaining = AtomicUsize::new(n);
        let injector = Injector::new();
        for &r in &self.roots {
            injector.push(r);
        }
        let deques: Vec<Worker<u32>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        let stealers: Vec<Stealer<u32>> = deques.iter().map(Worker::stealer).collect();
        std::thread::scope(|s| {
            for (me, local) in deques.into_iter().enumerate() {
                let (pending, values, remaining, injector, stealers) =
                    (&pending, &values, &remaining, &injector, &stealers);
                s.spawn(move || {
                    loop {
                        let task = local.pop().or_else(|| {
                            loop {
                                match injector.steal_batch_and_pop(&local) {
                                    Steal::Success(t) => break Some(t),
                                    Steal::Retry => continue,
                                    Steal::Empty => {}
                                }
                                let stolen = (1..stealers.len()).find_map(|o| {
                                    match stealers[(me + o) % stealers.len()].steal() {
                                        Steal::Success(t) => Some(t),
                                        _ => None,
                                    }
                                });
                                break stolen;
                            }
                        });
                        let Some(t) = task else {
                            if remaining.load(Ordering::Acquire) == 0 {
                                return;
                            }
                            std::hint::spin_loop();
                            continue;
                        };
                        let t = t as usize;
                        let mut v = 1u64;
                        for &d in
                            &self.deps[self.dep_start[t] as usize..self.dep_start[t + 1] as usize]
                        {
                            v = v.wrapping_add(values[d as usize].load(Ordering::Relaxed));
                        }
                        values[t].store(v, Ordering::Relaxed);
                        for &u in &self.users
                            [self.user_start[t] as usize..self.user_start[t + 1] as usize]
                        {
                            if pending[u as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                                local.push(u);
                            }
                        }
                        remaining.fetch_sub(1, Ordering::AcqRel);
                    }
                });
            }
        });
        values.last().map_or(0, |v| v.load(Ordering::Relaxed))
    }
}
