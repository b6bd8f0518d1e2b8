//! Engine overhead with trivial task bodies, against a bare executor baseline.
//!
//! Four graph shapes at 10^4, 10^5 and 10^6 tasks, 2 worker threads:
//! - `gather`: N independent tasks and one task that gathers them;
//! - `chain`: N tasks, each depending on the previous one;
//! - `tree`: a binary tree reduction of N leaves (2N-1 tasks);
//! - `mapreduce`: N maps, N/64 partial sums, one total.
//!
//! `baseline` is the lean continuation-passing executor of `benches/support/bare.rs`
//! (CSR arrays, an atomic in-degree counter per task, one ready consumer run directly,
//! the others on a LIFO `crossbeam-deque`, batch stealing), run on the same shapes with
//! the same kind of task body (sum the inputs' values). Compare `taskscope/<shape>/<n>`
//! with `baseline/<shape>/<n>`: the target is ≤ 3× on every shape at 10^5 and 10^6.
//!
//! `taskscope` and `taskscope_untraced` compute the same graph again and again (as a
//! user re-running a computation does); `taskscope_first` is the first compute of a
//! freshly built graph (building it is not timed), which also flattens the graph.
//!
//! Also measured: graph building time (bytes per node are measured by the
//! `build_memory` bench, which needs a counting allocator), the cost of recording
//! the trace (tracing on vs off), and the latency of a tiny compute on a pool whose
//! workers are parked (waking cost).
//!
//! Environment: `TASKSCOPE_BENCH_SHAPES=gather,chain`, `TASKSCOPE_BENCH_MIN`/`MAX`
//! select shapes and sizes (graphs are built before criterion's name filter
//! applies); `TASKSCOPE_BENCH_QUICK=<rounds>` skips criterion and prints min/median
//! ratios from interleaved rounds (steadier on a loaded machine);
//! `TASKSCOPE_BENCH_IDLE=<seconds>` prints the CPU time idle workers use.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group};
use taskscope::{Delayed, Scheduler};

const WORKERS: usize = 2;
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const SHAPES: [&str; 4] = ["gather", "chain", "tree", "mapreduce"];

#[path = "support/shapes.rs"]
mod shapes;

#[path = "support/bare.rs"]
mod bare;
use bare::BareGraph;

// ---------------------------------------------------------------------------------------------

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn sizes() -> Vec<usize> {
    // TASKSCOPE_BENCH_MIN / TASKSCOPE_BENCH_MAX limit the sizes for a quick run.
    let min = env_usize("TASKSCOPE_BENCH_MIN").unwrap_or(0);
    let max = env_usize("TASKSCOPE_BENCH_MAX").unwrap_or(usize::MAX);
    SIZES
        .into_iter()
        .filter(|&n| n >= min && n <= max)
        .collect()
}

fn shapes() -> Vec<&'static str> {
    // TASKSCOPE_BENCH_SHAPES=gather,chain limits the shapes (graphs are built before
    // criterion's name filter applies, and a million-task graph takes a while).
    let only = std::env::var("TASKSCOPE_BENCH_SHAPES").unwrap_or_default();
    SHAPES
        .into_iter()
        .filter(|s| only.is_empty() || only.split(',').any(|o| o == *s))
        .collect()
}

fn overhead(c: &mut Criterion) {
    let scheduler = Scheduler::threads(WORKERS);
    for shape in shapes() {
        let mut group = c.benchmark_group(format!("overhead/{shape}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
        for n in sizes() {
            let graph = shapes::build(shape, n).expect("a known shape");
            let tasks = graph.graph().unwrap().len();
            group.throughput(Throughput::Elements(tasks as u64));
            group.bench_with_input(BenchmarkId::new("taskscope", n), &graph, |b, g| {
                b.iter(|| black_box(g.compute_with(&scheduler).unwrap().value));
            });
            let untraced = scheduler.clone().tracing(false);
            group.bench_with_input(BenchmarkId::new("taskscope_untraced", n), &graph, |b, g| {
                b.iter(|| black_box(g.compute_with(&untraced).unwrap().value));
            });
            // The first compute of a freshly built graph (building and dropping it are not
            // timed): it flattens the graph, which later computes of the same value skip.
            group.bench_function(BenchmarkId::new("taskscope_first", n), |b| {
                b.iter_batched_ref(
                    || shapes::build(shape, n).expect("a known shape"),
                    |g| black_box(g.compute_with(&scheduler).unwrap().value),
                    BatchSize::PerIteration,
                );
            });
            let bare = BareGraph::shape(shape, n).expect("a known shape");
            assert_eq!(bare.len(), tasks, "baseline has the same shape");
            group.bench_with_input(BenchmarkId::new("baseline", n), &bare, |b, g| {
                b.iter(|| black_box(g.run(WORKERS)));
            });
        }
        group.finish();
    }
}

fn building(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for shape in ["gather", "chain"] {
        let n = 1_000_000;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new(shape, n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let g = shapes::build(shape, n).expect("a known shape");
                    total += start.elapsed();
                    drop(black_box(g)); // Dropping is not part of building.
                }
                total
            });
        });
    }
    group.finish();
}

/// CPU time (user + system, in clock ticks) of each worker thread of this process.
fn worker_cpu_ticks() -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        // After the name: state, ppid, …; utime and stime are fields 14 and 15 of the line.
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        if name.starts_with("taskscope-work") {
            out.push((name, ticks(11) + ticks(12)));
        }
    }
    out.sort();
    out
}

/// `TASKSCOPE_BENCH_IDLE=<seconds>`: runs a compute, then lets the workers idle and prints
/// the CPU time each used meanwhile (parked workers use none).
fn idle_check(seconds: u64) {
    let scheduler = Scheduler::threads(WORKERS);
    let graph = shapes::build("tree", 100_000).expect("a known shape");
    black_box(graph.compute_with(&scheduler).unwrap().value);
    let before = worker_cpu_ticks();
    std::thread::sleep(Duration::from_secs(seconds));
    let after = worker_cpu_ticks();
    let hz = 100; // USER_HZ on Linux
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        println!(
            "idle/{name}: {} ticks ({} ms) of CPU in {seconds} s of idling",
            a - b,
            (a - b) * 1000 / hz
        );
    }
}

fn waking(c: &mut Criterion) {
    let scheduler = Scheduler::threads(WORKERS);
    let tiny = Delayed::from_fn("one", || 1_u64) + 1;
    tiny.compute_with(&scheduler).unwrap();
    let mut group = c.benchmark_group("wake");
    group.sample_size(20);
    // For comparison: the same compute with workers just back from the previous one, and
    // on the calling thread alone (no workers to wake).
    group.bench_function("tiny_compute_back_to_back", |b| {
        b.iter(|| black_box(tiny.compute_with(&scheduler).unwrap().value));
    });
    let sequential = Scheduler::sequential();
    group.bench_function("tiny_compute_sequential", |b| {
        b.iter(|| black_box(tiny.compute_with(&sequential).unwrap().value));
    });
    group.bench_function("tiny_compute_after_workers_parked", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // Long enough for the workers to give up spinning and park.
                std::thread::sleep(Duration::from_millis(2));
                let start = Instant::now();
                black_box(tiny.compute_with(&scheduler).unwrap().value);
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

/// `TASKSCOPE_BENCH_QUICK=<rounds>`: instead of criterion, run every variant of every
/// selected shape and size `rounds` times, interleaved (so a change in the machine's
/// load hits all variants alike), and print the minimum and median time of each and
/// their ratios to the baseline's. Quicker and steadier than criterion on a shared,
/// loaded machine; `TASKSCOPE_BENCH_SHAPES`/`MIN`/`MAX` select as above.
fn quick(rounds: usize) {
    fn time(f: impl FnOnce() -> u64) -> Duration {
        let start = Instant::now();
        black_box(f());
        start.elapsed()
    }
    fn stats(mut v: Vec<Duration>) -> (f64, f64) {
        v.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        (ms(v[0]), ms(v[v.len() / 2]))
    }
    let scheduler = Scheduler::threads(WORKERS);
    let untraced = scheduler.clone().tracing(false);
    for shape in shapes() {
        for n in sizes() {
            let graph = shapes::build(shape, n).expect("a known shape");
            let bare = BareGraph::shape(shape, n).expect("a known shape");
            let tasks = bare.len();
            let mut times: [Vec<Duration>; 4] = Default::default();
            for _ in 0..rounds {
                times[0].push(time(|| bare.run(WORKERS)));
                times[1].push(time(|| graph.compute_with(&scheduler).unwrap().value));
                times[2].push(time(|| graph.compute_with(&untraced).unwrap().value));
                let fresh = shapes::build(shape, n).expect("a known shape");
                times[3].push(time(|| fresh.compute_with(&scheduler).unwrap().value));
                drop(fresh);
            }
            let [base, traced, plain, first] = times.map(stats);
            let ratio =
                |(min, med): (f64, f64)| format!("{:.2}x/{:.2}x", min / base.0, med / base.1);
            println!(
                "{shape:>9} {n:>8}: baseline {:8.2} ms | taskscope {} untraced {} first {} (min/median) | recording {:.1} ns/task",
                base.0,
                ratio(traced),
                ratio(plain),
                ratio(first),
                (traced.0 - plain.0) * 1e6 / tasks as f64,
            );
        }
    }
}

criterion_group!(benches, overhead, building, waking);

fn main() {
    if let Some(seconds) = env_usize("TASKSCOPE_BENCH_IDLE") {
        idle_check(seconds as u64);
        return;
    }
    if let Some(rounds) = env_usize("TASKSCOPE_BENCH_QUICK") {
        quick(rounds.max(1));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
