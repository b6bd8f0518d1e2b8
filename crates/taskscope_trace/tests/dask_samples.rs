//! The Rust side on real recordings of `taskscope-dask` (`tests/samples/dask/`, made by
//! `scripts/dask_samples.py`): what the reader keeps, the per-worker statistics and
//! the advisor's Dask findings, with numbers read from these files.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use std::path::PathBuf;

use taskscope_trace::analysis::{WorkerStats, worker_stats};
use taskscope_trace::index::Workers;
use taskscope_trace::{ArgValue, SpanId, SpanKind, TaskId, Trace};

fn sample(name: &str) -> Trace {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/samples/dask"))
        .join(format!("{name}.json"));
    Trace::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn task(trace: &Trace, key: &str) -> TaskId {
    trace.graph().key_index()[key]
}

#[test]
fn transfers_keep_their_sender() {
    let trace = sample("total_cluster");
    let transfers: Vec<(usize, &str)> = trace
        .spans()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == SpanKind::Transfer)
        .map(|(i, _)| {
            let source = trace.span_arg(SpanId(i as u32), "source");
            (i, source.and_then(ArgValue::as_str).unwrap_or(""))
        })
        .collect();
    assert_eq!(transfers.len(), 3, "{transfers:?}");
    assert!(
        transfers
            .iter()
            .all(|(_, s)| s.starts_with("tcp://127.0.0.1:"))
    );
    // Only transfers carry a source.
    assert_eq!(trace.span_args().with_key("source").count(), 3);
    let Some(ArgValue::Json(dask)) = trace.run_args().get("dask") else {
        panic!("run.dask kept: {:?}", trace.run_args())
    };
    assert!(dask.contains("\"lanes\""), "{dask}");
}

#[test]
fn failures_keep_the_error_and_the_attempt() {
    let trace = sample("failures_cluster");
    let boom = task(&trace, "boom-0");
    assert_eq!(
        trace.task_arg(boom, "exception").and_then(ArgValue::as_str),
        Some("ZeroDivisionError('no inverse of 1')")
    );
    let recomputed: Vec<&str> = trace
        .span_args()
        .with_key("attempt")
        .filter(|(_, v)| v.as_i64() == Some(2))
        .filter_map(|(span, _)| {
            let span = trace.span(SpanId(span))?;
            trace.graph().key(span.task)
        })
        .collect();
    assert_eq!(recomputed.len(), 6, "{recomputed:?}");
    assert!(recomputed.iter().all(|k| k.starts_with("leaf-")));
}

#[test]
fn task_stream_transfers_keep_their_sender() {
    // Dask's own `get_task_stream()` records (../shared/dask, when present).
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/dask"));
    let path = dir.join("tree1024.taskstream.json");
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return;
    }
    let trace = Trace::open_with_graph(&path, dir.join("tree1024.graph.json")).unwrap();
    let transfers = trace
        .spans()
        .iter()
        .filter(|s| s.kind == SpanKind::Transfer)
        .count();
    let sources: Vec<(u32, &ArgValue)> = trace.span_args().with_key("source").collect();
    assert!(transfers > 0);
    assert_eq!(sources.len(), transfers);
    for (span, source) in sources {
        assert_eq!(trace.spans()[span as usize].kind, SpanKind::Transfer);
        assert!(source.as_str().unwrap().starts_with("tcp://"), "{source}");
    }
}

fn stats(trace: &Trace) -> Vec<WorkerStats> {
    worker_stats(trace, &Workers::new(trace))
}

#[test]
fn workers_are_the_cluster_workers_with_their_io_lanes() {
    let trace = sample("total_cluster");
    let workers = Workers::new(&trace);
    let names: Vec<(&str, Option<&str>, usize, usize)> = workers
        .all()
        .iter()
        .map(|w| {
            (
                w.name.as_str(),
                w.address.as_deref(),
                w.thread_lanes.len(),
                w.io_lanes.len(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (
                "worker 1 (tcp://127.0.0.1:43287)",
                Some("tcp://127.0.0.1:43287"),
                2,
                1
            ),
            (
                "worker 0 (tcp://127.0.0.1:39441)",
                Some("tcp://127.0.0.1:39441"),
                2,
                1
            ),
        ]
    );
    // Every transfer's sender is the other worker.
    for (i, span) in trace.spans().iter().enumerate() {
        if span.kind == SpanKind::Transfer {
            let to = workers.of_lane(span.lane).unwrap();
            let from = workers.source_of(&trace, SpanId(i as u32)).unwrap();
            assert_ne!(from, to);
        }
    }
}

#[test]
fn worker_statistics_split_compute_from_transfers() {
    let trace = sample("total_cluster");
    let s = stats(&trace);
    // Seven tasks of 1 s each: four on one worker, three on the other (+ their transfers).
    let computed: Vec<u64> = s.iter().map(|w| w.compute_spans).collect();
    assert_eq!(computed.iter().sum::<u64>(), 7);
    for w in &s {
        assert_eq!(w.threads, 2);
        assert!(w.compute_ns >= w.compute_spans * 1_000_000_000, "{w:?}");
        assert!(w.transfer_ns > 0 && w.transfer_ns < 50_000_000, "{w:?}");
    }
    assert_eq!(s.iter().map(|w| w.transfers_in).sum::<u64>(), 3);
    assert_eq!(s.iter().map(|w| w.transfers_out).sum::<u64>(), 3);
    // The numbers of this recording (taskstream order: worker 1, then worker 0).
    assert_eq!(
        s.iter()
            .map(|w| (w.compute_spans, w.transfers_in, w.transfer_ns / 1000))
            .collect::<Vec<_>>(),
        [(4, 2, 6106), (3, 1, 1900)]
    );
    // The threaded scheduler: one process, no transfers.
    let local = stats(&sample("total_threads"));
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].compute_spans, 7);
    assert_eq!(local[0].overhead_ns(), 0);
}
