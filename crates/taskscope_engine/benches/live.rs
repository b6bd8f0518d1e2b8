//! What watching a run costs (issue 11): the same compute with in-memory recording only,
//! with a streaming trace (`stream_to`), and with the progress bar (`progress`), in one run
//! of the benchmark so that the ratios compare like with like on a noisy machine.
//!
//! Graphs of trivial tasks, 2 workers: `tree` (a binary reduction, 2N-1 tasks) and
//! `chain` (N tasks in a row, one worker busy at a time).
//! - `recorded/<shape>/<n>`: the baseline (spans recorded in memory, as by default);
//! - `written/<shape>/<n>`: `recorded`, then `trace.write_to` a file (what a user who keeps
//!   the trace does without streaming, as `save` but without its `fsync`: the stream does
//!   not sync either);
//! - `streamed/<shape>/<n>`: the compute streamed to a file (the file is complete when the
//!   compute returns: graph, spans and the final `taskscope` object). Target: at most
//!   30 ns per task more than `written` (time difference / tasks); against `recorded` the
//!   difference is writing the file (hundreds of bytes per task);
//! - `recorded_run`, `streamed_run`: the same two computes, timed by the run's own makespan
//!   (`trace.wall_ns()`: from the first task's start to the last one's end, without
//!   creating the file and writing its graph before, nor its end after): what streaming
//!   costs the workers (publishing each span, and sharing the cores with the writer
//!   thread). Target: at most 30 ns per task more than `recorded_run`;
//! - `progress/<shape>/<n>`: the bar on, forced (it draws even when stderr is not a
//!   terminal, to stderr), shown from the start. Target: at most 2 % more than
//!   `recorded` at 10^6 tasks.
//!
//! `TASKSCOPE_BENCH_MAX=100000` skips the 10^6-task graphs. `TASKSCOPE_LIVE_QUICK=<rounds>`
//! skips criterion and prints, per graph, the median over interleaved rounds of each
//! round's ratio (progress / recorded, whole computes) and difference per task (streamed
//! makespan − recorded makespan): steadier than criterion on a loaded machine. Beside the
//! median ratio it prints the ratios of the total, median and minimum wall times and of
//! the process CPU time (`getrusage`) spent in the computes: a chain's wall time on two
//! workers is bimodal here (about 57 ms or 85–100 ms for 10^6 tasks, from round to round),
//! so one estimator alone can be several percent off.
//!
//! Quick mode, 2026-12-07, load average 1.2–1.5, two runs of 31 rounds (`TASKSCOPE_LIVE_QUICK=31`):
//! at 10^6 tasks the bar's estimators ranged 0.90–1.06 (chain) and 0.97–1.06 (tree 2×10^6),
//! process CPU time 0.97–0.99 (chain) and 1.00–1.01 (tree): no cost this machine resolves
//! beside its ±5 % noise; at 10^5 (computes of 5–10 ms: the watcher thread's start and
//! final line) 0.93–1.14. Streamed makespan +4 to +24 ns per task on every graph (target ≤ 30).
//!
//! Measured (`cargo bench -p taskscope_engine --bench live`, medians, one run, the 2-core
//! development machine shared with other builds, load average about 12: differences
//! under about 15 % are noise there):
//!
//! | graph | recorded | progress | written | streamed | recorded_run | streamed_run |
//! |---|---|---|---|---|---|---|
//! | tree, 199,999 tasks | 43.9 ms | 52.2 ms | 345 ms | 603 ms | 40.0 ms | 49.4 ms |
//! | tree, 1,999,999 tasks | 560 ms | 498 ms | 5.40 s | 6.77 s | 312 ms | 517 ms |
//! | chain, 100,000 tasks | 18.0 ms | 16.5 ms | 169 ms | 250 ms | 16.2 ms | 22.1 ms |
//! | chain, 1,000,000 tasks | 156 ms | 159 ms | 1.75 s | 2.87 s | 114 ms | 237 ms |
//!
//! So: the bar costs nothing measurable (within the noise; chain 10^6: +1.5 %). Streaming
//! costs the run's makespan 47–123 ns per task here (the writer thread encodes an `X`
//! event of about 150 bytes per span on one of the two cores the workers use; the workers' own part is a
//! 40-byte copy and two stores per task, and since the running slot three more stores as a task
//! starts), over the 30 ns target; and the whole compute
//! 0.7–1.3 µs per task more than computing and then writing the same trace (the stream
//! writes the graph twice, at the start and in its final object, and competes with the
//! workers for the cores).
//!
//! The running slot (a task seen running is streamed as a `B` event), same binary built before
//! and after it, 5 runs each alternated, `TASKSCOPE_LIVE_QUICK=11`, load average 4–5 on the
//! 2-core machine: streamed − recorded makespan, median of the 5 runs' medians, before → after:
//! tree 2×10^5 21 → 27, tree 2×10^6 50 → 56, chain 10^5 15 → 14, chain 10^6 25 → 37 ns per
//! task; one binary's runs spread by 20–40 ns, so the slot's cost is not resolved there.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use taskscope_engine::{Delayed, Progress, Scheduler};

const WORKERS: usize = 2;

fn build(shape: &str, n: usize) -> Delayed<u64> {
    if shape == "tree" {
        let leaves: Vec<Delayed<u64>> = (0..n as u64)
            .map(|i| Delayed::from_fn("leaf", move || i))
            .collect();
        taskscope_engine::reduce(leaves, "add", |a, b| a + b).unwrap()
    } else {
        let mut d = Delayed::from_fn("start", || 0_u64);
        for _ in 1..n {
            d = d.then("step", |x| x + 1);
        }
        d
    }
}

fn sizes() -> Vec<usize> {
    let max = std::env::var("TASKSCOPE_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    [100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n <= max)
        .collect()
}

fn live(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.json");
    let written_path = dir.path().join("written.json");
    let recorded = Scheduler::threads(WORKERS);
    let streamed = Scheduler::threads(WORKERS).stream_to(&path);
    let progress = Scheduler::threads(WORKERS).progress_with(Some(Progress {
        min_time: Duration::ZERO,
        force: true,
    }));
    for shape in ["tree", "chain"] {
        let mut group = c.benchmark_group(format!("live/{shape}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        for n in sizes() {
            let graph = build(shape, n);
            let tasks = graph.graph().unwrap().len();
            group.throughput(Throughput::Elements(tasks as u64));
            // Each variant right after the other, so drifts hit all of them alike.
            group.bench_with_input(BenchmarkId::new("written", n), &graph, |b, g| {
                b.iter(|| {
                    let run = g.compute_with(&recorded).unwrap();
                    let file = std::fs::File::create(&written_path).unwrap();
                    run.trace.write_to(file).unwrap();
                    run.value
                });
            });
            for (name, scheduler) in [
                ("recorded", &recorded),
                ("streamed", &streamed),
                ("progress", &progress),
            ] {
                group.bench_with_input(BenchmarkId::new(name, n), &graph, |b, g| {
                    b.iter(|| g.compute_with(scheduler).unwrap().value);
                });
            }
            // The run's makespan only (see the module docs).
            for (name, scheduler) in [("recorded_run", &recorded), ("streamed_run", &streamed)] {
                group.bench_with_input(BenchmarkId::new(name, n), &graph, |b, g| {
                    b.iter_custom(|iters| {
                        (0..iters)
                            .map(|_| {
                                let run = g.compute_with(scheduler).unwrap();
                                Duration::from_nanos(run.trace.wall_ns())
                            })
                            .sum()
                    });
                });
            }
        }
        group.finish();
    }
}

/// The `TASKSCOPE_LIVE_QUICK` mode (see the module docs).
fn quick(rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let recorded = Scheduler::threads(WORKERS);
    let streamed = Scheduler::threads(WORKERS).stream_to(dir.path().join("live.json"));
    let progress = Scheduler::threads(WORKERS).progress_with(Some(Progress {
        min_time: Duration::ZERO,
        force: true,
    }));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for shape in ["tree", "chain"] {
        for n in sizes() {
            let graph = build(shape, n);
            let tasks = graph.graph().unwrap().len() as f64;
            let (mut bar_ratio, mut stream_ns) = (Vec::new(), Vec::new());
            let (mut base_times, mut bar_times) = (Vec::new(), Vec::new());
            let (mut base_cpu, mut bar_cpu) = (0.0, 0.0);
            let timed = |scheduler: &Scheduler, cpu: &mut f64| {
                let (t, c) = (std::time::Instant::now(), process_cpu_s());
                let run = graph.compute_with(scheduler).unwrap();
                *cpu += process_cpu_s() - c;
                (t.elapsed().as_secs_f64(), run)
            };
            for round in 0..rounds {
                // Alternate which goes first, so that neither always follows the stream's
                // writes.
                let ((base_s, base), (bar_s, _)) = if round % 2 == 0 {
                    let base = timed(&recorded, &mut base_cpu);
                    (base, timed(&progress, &mut bar_cpu))
                } else {
                    let bar = timed(&progress, &mut bar_cpu);
                    (timed(&recorded, &mut base_cpu), bar)
                };
                bar_ratio.push(bar_s / base_s);
                base_times.push(base_s);
                bar_times.push(bar_s);
                let run = graph.compute_with(&streamed).unwrap();
                stream_ns.push((run.trace.wall_ns() as f64 - base.trace.wall_ns() as f64) / tasks);
            }
            let sum = |v: &[f64]| v.iter().sum::<f64>();
            let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{shape} {tasks} tasks, {rounds} rounds: progress/recorded {:.3} (median of the rounds' ratios; ratio of total times {:.3}, of medians {:.3}, of minima {:.3}; process CPU time {:.3}), streamed makespan {:+.0} ns/task (median)",
                median(bar_ratio),
                sum(&bar_times) / sum(&base_times),
                median(bar_times.clone()) / median(base_times.clone()),
                min(&bar_times) / min(&base_times),
                bar_cpu / base_cpu,
                median(stream_ns)
            );
        }
    }
}

/// CPU time the process used so far (user + system), in seconds.
fn process_cpu_s() -> f64 {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &raw mut usage);
        usage
    };
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(usage.ru_utime) + s(usage.ru_stime)
}

fn main() {
    if let Some(rounds) = std::env::var("TASKSCOPE_LIVE_QUICK")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        quick(rounds.max(1));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

criterion_group!(benches, live);
