//! Reading a 1,000,000-span taskscope file, next to a plain `serde_json` DOM parse of its events.
//!
//! Run: `cargo bench -p taskscope_trace --bench read`. Besides criterion's timings, the
//! bench prints the figures the issue asks for as ratios measured in the same run:
//! read MB/s against `serde_json::from_slice::<Vec<Value>>` of the `traceEvents` array,
//! the heap the loaded trace keeps per span (a counting global allocator), and how long
//! `Trace::save` takes for the same trace. On Linux it also prints the CPU time of each
//! measured step next to its wall time: on a shared machine the wall time includes
//! waiting for a core, the CPU time does not.
//!
//! Files mode, for `scripts/bench.sh`: with `TASKSCOPE_BENCH_READ_FILES=a.json,b.json` the
//! bench skips criterion and, for each file, times `Trace::from_slice` and the same
//! baseline (`serde_json::from_slice::<Value>` of the whole file) on the same bytes,
//! `TASKSCOPE_BENCH_READ_REPS` times each (default 3), and measures the heap each result
//! keeps. It prints one JSON line per file:
//! `{"path", "bytes", "spans", "source", "taskscope_secs": [..], "taskscope_heap_bytes",
//! "value_secs": [..], "value_heap_bytes"}` (or `"error"` when a file does not read).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark harness"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use taskscope_trace::{
    Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

/// Counts live heap bytes, to measure what a loaded trace keeps.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const SPANS: u32 = 1_000_000;
/// The size when the binary runs as a test or lists its benchmarks (`cargo test
/// --all-targets`, `cargo nextest list`): quick, and nothing printed but criterion's lines.
const SMOKE_SPANS: u32 = 1_000;
const LANES: u32 = 8;

/// Whether criterion was started to measure (`cargo bench` passes `--bench`).
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A run of `spans` tasks on `LANES` workers: task i depends on task (i-1)/2 (a binary tree).
fn generate(spans: u32) -> Trace {
    let mut b = TraceBuilder::new(RunMeta {
        title: Some("bench".into()),
        scheduler: Some("threads".into()),
        workers: Some(LANES),
        ..RunMeta::default()
    });
    let names = ["inc", "add", "mul", "sum", "load", "store"];
    {
        let g = b.graph_mut();
        for i in 0..spans {
            let deps = (i > 0).then(|| TaskId((i - 1) / 2));
            let name = names[i as usize % names.len()];
            g.add_task(&format!("{name}-{i:08x}"), name, deps, TaskState::Done)
                .unwrap();
        }
    }
    for l in 0..LANES {
        b.add_lane(Lane {
            name: format!("worker {l}"),
            ..Lane::default()
        })
        .unwrap();
    }
    b.reserve_spans(spans as usize);
    let mut clock = [0u64; LANES as usize];
    for i in 0..spans {
        let lane = i % LANES;
        let start = clock[lane as usize] + 1_000 + u64::from(i % 7) * 13;
        let end = start + 5_000 + u64::from(i % 11) * 997;
        clock[lane as usize] = end;
        b.add_span(Span {
            start_ns: start,
            end_ns: end,
            task: TaskId(i),
            lane: LaneId(lane),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    b.build().unwrap()
}

/// The first events of `traceEvents` (about `limit` bytes), as a JSON array of their own.
///
/// A `Value` DOM costs 0.5-1.8 KB per event, so the baseline parses a prefix that fits in
/// memory next to the rest; MB/s is a rate, so the comparison holds.
fn events_prefix(bytes: &[u8], limit: usize) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b == b'[').unwrap();
    // The writer ends the events with "\n],\n" before the taskscope object.
    let close = memchr::memmem::rfind(bytes, b"\n],\n\"taskscope\"").unwrap();
    let mut end = start.saturating_add(limit).min(close);
    if end < close {
        // Back to the end of the last complete event: its "," before a newline.
        while !(bytes[end] == b'\n' && bytes[end - 1] == b',') {
            end -= 1;
        }
        end -= 1;
    }
    let mut out = bytes[start..end].to_vec();
    out.push(b']');
    out
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t0 = Instant::now();
    let v = f();
    (v, t0.elapsed())
}

/// CPU time this thread has run (Linux), to tell work from waiting on a busy machine.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Wall and CPU time of `f`.
fn time_cpu<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let c0 = thread_cpu();
    let (v, wall) = time(f);
    let cpu = c0.and_then(|c0| Some(thread_cpu()?.saturating_sub(c0)));
    (v, wall, cpu)
}

fn show_cpu(cpu: Option<Duration>) -> String {
    cpu.map_or_else(|| "n/a".to_owned(), |c| format!("{:.3} s", c.as_secs_f64()))
}

fn read(c: &mut Criterion) {
    if !measuring() {
        let mut bytes = Vec::new();
        generate(SMOKE_SPANS).write_to(&mut bytes).unwrap();
        let events = events_prefix(&bytes, usize::MAX);
        register(c, &bytes, &events);
        return;
    }
    let trace = generate(SPANS);
    let mut bytes = Vec::new();
    let ((), write_time) = time(|| trace.write_to(&mut bytes).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.json");
    let ((), save_time, save_cpu) = time_cpu(|| trace.save(&path).unwrap());
    drop(trace);
    std::fs::remove_file(&path).unwrap();
    let events_owned = events_prefix(&bytes, 100_000_000);
    let events = events_owned.as_slice();
    let mb = bytes.len() as f64 / 1e6;

    // One measured load for the memory figure and a same-run timing ratio.
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (loaded, read_time, read_cpu) =
        time_cpu(|| Trace::from_slice(&bytes, "bench.json").unwrap());
    let kept = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(loaded.spans().len(), SPANS as usize);
    drop(loaded);
    let (dom, dom_time, dom_cpu) =
        time_cpu(|| serde_json::from_slice::<Vec<serde_json::Value>>(events).unwrap());
    let dom_events = dom.len();
    drop(dom);

    println!(
        "file: {mb:.1} MB, {SPANS} spans, {dom_events} events; write_to(Vec) {:.2} s ({:.0} MB/s); Trace::save {:.2} s (CPU {}, the rest is I/O: write, fsync, rename)",
        write_time.as_secs_f64(),
        mb / write_time.as_secs_f64(),
        save_time.as_secs_f64(),
        show_cpu(save_cpu),
    );
    println!(
        "Trace::from_slice: {:.3} s = {:.0} MB/s; serde_json Vec<Value> of the first {:.1} MB of traceEvents: {:.3} s = {:.0} MB/s; time ratio read/DOM = {:.2}, throughput ratio = {:.2}",
        read_time.as_secs_f64(),
        mb / read_time.as_secs_f64(),
        events.len() as f64 / 1e6,
        dom_time.as_secs_f64(),
        events.len() as f64 / 1e6 / dom_time.as_secs_f64(),
        read_time.as_secs_f64() / dom_time.as_secs_f64(),
        (mb / read_time.as_secs_f64()) / (events.len() as f64 / 1e6 / dom_time.as_secs_f64()),
    );
    println!(
        "CPU time: Trace::from_slice {} ({:.0} MB/s); DOM baseline {} ({:.0} MB/s); CPU time ratio read/DOM per MB = {}",
        show_cpu(read_cpu),
        read_cpu.map_or(0.0, |c| mb / c.as_secs_f64()),
        show_cpu(dom_cpu),
        dom_cpu.map_or(0.0, |c| events.len() as f64 / 1e6 / c.as_secs_f64()),
        match (read_cpu, dom_cpu) {
            (Some(r), Some(d)) => format!(
                "{:.3}",
                (r.as_secs_f64() / mb) / (d.as_secs_f64() / (events.len() as f64 / 1e6))
            ),
            _ => "n/a".to_owned(),
        },
    );
    println!(
        "heap kept by the loaded trace: {kept} bytes = {:.1} bytes/span (target <= 120); peak while loading: {:.1} bytes/span = {:.2} x file size",
        kept as f64 / f64::from(SPANS),
        peak as f64 / f64::from(SPANS),
        peak as f64 / bytes.len() as f64
    );

    register(c, &bytes, events);
}

/// The criterion benchmarks: reading and writing the taskscope file `bytes`, and the
/// serde_json DOM baseline on `events`.
fn register(c: &mut Criterion, bytes: &[u8], events: &[u8]) {
    let mut group = c.benchmark_group("read_1m_spans");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("taskscope Trace::from_slice", |b| {
        b.iter(|| black_box(Trace::from_slice(black_box(bytes), "bench.json").unwrap()));
    });
    let reloaded = Trace::from_slice(bytes, "bench.json").unwrap();
    group.bench_function("taskscope Trace::write_to (sink)", |b| {
        b.iter(|| reloaded.write_to(std::io::sink()).unwrap());
    });
    drop(reloaded);
    group.throughput(Throughput::Bytes(events.len() as u64));
    group.bench_function("serde_json Vec<Value> of traceEvents", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<Vec<serde_json::Value>>(black_box(events)).unwrap())
        });
    });
    group.finish();
}

/// Heap bytes `f`'s result keeps alive, and the result.
fn heap_kept<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let v = f();
    (v, LIVE.load(Ordering::Relaxed).saturating_sub(before))
}

fn secs_list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("{s:.6}")).collect();
    format!("[{}]", items.join(","))
}

/// `MemAvailable` from /proc/meminfo, in bytes (Linux).
fn mem_available() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Files mode (see the module docs): one JSON line per file.
fn files_mode(files: &str) {
    let reps: usize = std::env::var("TASKSCOPE_BENCH_READ_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    for path in files.split(',').filter(|p| !p.is_empty()) {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                println!("{{\"path\":{path:?},\"error\":{:?}}}", e.to_string());
                continue;
            }
        };
        let mut ts_secs = Vec::with_capacity(reps);
        let mut spans = 0;
        let mut source = "";
        let mut failed = None;
        for _ in 0..reps {
            let (r, t) = time(|| Trace::from_slice(black_box(&bytes), path));
            match r {
                Ok(trace) => {
                    spans = trace.spans().len();
                    source = trace.meta().source.as_str();
                    drop(black_box(trace));
                }
                Err(e) => failed = Some(e.to_string()),
            }
            ts_secs.push(t.as_secs_f64());
        }
        if let Some(e) = failed {
            let e: String = e.chars().take(300).collect();
            println!("{{\"path\":{path:?},\"error\":{e:?}}}");
            continue;
        }
        let (trace, ts_heap) = heap_kept(|| Trace::from_slice(&bytes, path).unwrap());
        drop(black_box(trace));
        // A `Value` DOM keeps 5-11x the file's size; on a shared machine it runs only when
        // twice that is available, and the line says so otherwise.
        let need = bytes.len().saturating_mul(22);
        if mem_available().is_some_and(|avail| avail < need) {
            println!(
                "{{\"path\":{path:?},\"bytes\":{},\"spans\":{spans},\"source\":{source:?},\"taskscope_secs\":{},\"taskscope_heap_bytes\":{ts_heap},\"value_not_run\":\"needs ~{} MB free, {} MB available\"}}",
                bytes.len(),
                secs_list(&ts_secs),
                need / 1_000_000,
                mem_available().unwrap_or(0) / 1_000_000,
            );
            continue;
        }
        let mut value_secs = Vec::with_capacity(reps);
        for _ in 0..reps {
            let (v, t) = time(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)));
            value_secs.push(t.as_secs_f64());
            drop(black_box(v.unwrap()));
        }
        let (v, value_heap) =
            heap_kept(|| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
        drop(black_box(v));
        println!(
            "{{\"path\":{path:?},\"bytes\":{},\"spans\":{spans},\"source\":{source:?},\"taskscope_secs\":{},\"taskscope_heap_bytes\":{ts_heap},\"value_secs\":{},\"value_heap_bytes\":{value_heap}}}",
            bytes.len(),
            secs_list(&ts_secs),
            secs_list(&value_secs),
        );
    }
}

criterion_group!(benches, read);

fn main() {
    if let Ok(files) = std::env::var("TASKSCOPE_BENCH_READ_FILES") {
        files_mode(&files);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
