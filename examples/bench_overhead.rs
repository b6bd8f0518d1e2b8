//! Workload driver for `scripts/bench.sh`: scheduling overhead with trivial tasks.
//!
//! The four shapes of `benches/engine.rs` (gather, chain, tree, mapreduce), each run
//! by taskscope on 2 threads with tracing on and off, by the sequential scheduler, and
//! by a bare dependency-counting executor on `crossbeam-deque` (the same baseline as
//! `benches/engine.rs`, copied here so the figures come from one process). Graph
//! building is timed separately.
//!
//! Prints one JSON object per line: `{"shape", "n", "tasks", "system", "secs": [...]}`.
//!
//! Usage: `cargo run --release --example bench_overhead -- [--shapes gather,chain]
//! [--sizes 10000,100000] [--reps 3] [--workers 2]`

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use taskscope::{Delayed, Scheduler, combine};

type BoxError = Box<dyn std::error::Error>;

fn build(shape: &str, n: usize) -> Result<Delayed<u64>, BoxError> {
    Ok(match shape {
        "gather" => {
            let leaves: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            combine("gather", leaves, |v| v.into_iter().sum::<u64>())
        }
        "chain" => {
            let mut d = Delayed::from_fn("start", || 0_u64);
            for _ in 1..n {
                d = d.then("step", |x| x + 1);
            }
            d
        }
        "tree" => {
            let leaves: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            taskscope::reduce(leaves, "add", |a, b| a + b).ok_or("empty tree")?
        }
        "mapreduce" => {
            let maps: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("map", move || i))
                .collect();
            let partials: Vec<Delayed<u64>> = maps
                .chunks(64)
                .map(|c| combine("partial", c.to_vec(), |v| v.into_iter().sum::<u64>()))
                .collect();
            combine("total", partials, |v| v.into_iter().sum::<u64>())
        }
        other => return Err(format!("unknown shape {other:?}").into()),
    })
}

// ---------------------------------------------------------------------------------------------
// The baseline, copied from benches/engine.rs: a bare dependency-counting executor.

struct BareGraph {
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

    fn shape(shape: &str, n: usize) -> Result<Self, BoxError> {
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
            other => return Err(format!("unknown shape {other:?}").into()),
        }
        Ok(Self::from_deps(&deps_of))
    }

    fn len(&self) -> usize {
        self.dep_start.len() - 1
    }

    fn run(&self, workers: usize) -> u64 {
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

// ---------------------------------------------------------------------------------------------

fn list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.9}")).collect();
    format!("[{}]", items.join(","))
}

fn emit(shape: &str, n: usize, tasks: usize, system: &str, secs: &[f64]) {
    println!(
        "{{\"shape\":\"{shape}\",\"n\":{n},\"tasks\":{tasks},\"system\":\"{system}\",\"secs\":{}}}",
        list(secs)
    );
}

/// Measures one shape and size; prints its JSON lines.
fn case(
    shape: &str,
    n: usize,
    reps: usize,
    workers: usize,
    schedulers: &[Scheduler; 3],
) -> Result<(), BoxError> {
    let [traced, untraced, sequential] = schedulers;
    // Building: a fresh graph per repetition; dropping it is not timed.
    let mut build_secs = Vec::with_capacity(reps);
    let mut graph = build(shape, n)?;
    for _ in 0..reps {
        drop(graph);
        let start = Instant::now();
        graph = build(shape, n)?;
        build_secs.push(start.elapsed().as_secs_f64());
    }
    let tasks = graph.graph()?.len();
    emit(shape, n, tasks, "build", &build_secs);
    let bare = BareGraph::shape(shape, n)?;
    if bare.len() != tasks {
        return Err(format!(
            "{shape}/{n}: baseline has {} tasks, taskscope {tasks}",
            bare.len()
        )
        .into());
    }
    // Interleave the systems repetition by repetition, so load spikes on this
    // shared machine hit all of them alike.
    let mut secs: [Vec<f64>; 4] = Default::default();
    black_box(bare.run(workers));
    black_box(graph.compute_with(traced)?.value);
    black_box(graph.compute_with(untraced)?.value);
    black_box(graph.compute_with(sequential)?.value);
    for _ in 0..reps {
        let start = Instant::now();
        black_box(bare.run(workers));
        secs[0].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(traced)?.value);
        secs[1].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(untraced)?.value);
        secs[2].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(sequential)?.value);
        secs[3].push(start.elapsed().as_secs_f64());
    }
    let names = [
        "baseline",
        "taskscope",
        "taskscope_untraced",
        "taskscope_sequential",
    ];
    for (name, s) in names.iter().zip(&secs) {
        emit(shape, n, tasks, name, s);
    }
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let mut shapes = vec![
        "gather".to_owned(),
        "chain".to_owned(),
        "tree".to_owned(),
        "mapreduce".to_owned(),
    ];
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    let mut reps = 3;
    let mut workers = 2;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--shapes" => shapes = value.split(',').map(str::to_owned).collect(),
            "--sizes" => {
                sizes = value.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--reps" => reps = value.parse()?,
            "--workers" => workers = value.parse()?,
            other => return Err(format!("unknown option {other:?}").into()),
        }
    }
    let traced = Scheduler::threads(workers);
    let untraced = Scheduler::threads(workers).tracing(false);
    let sequential = Scheduler::sequential().tracing(false);
    let mut failed = false;
    let schedulers = [traced, untraced, sequential];
    for shape in &shapes {
        for &n in &sizes {
            if let Err(e) = case(shape, n, reps, workers, &schedulers) {
                // Only the message: a failed run's error carries its whole (partial) trace.
                let mut message: String = e.to_string().chars().take(300).collect();
                message = message.replace('\\', "\\\\").replace('"', "\\\"");
                println!(
                    "{{\"shape\":\"{shape}\",\"n\":{n},\"system\":\"error\",\"message\":\"{message}\"}}"
                );
                eprintln!("{shape}/{n}: {message}");
                failed = true;
            }
        }
    }
    if failed {
        return Err("some cases failed (see the error lines)".into());
    }
    Ok(())
}
