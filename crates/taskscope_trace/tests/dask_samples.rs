//! The Rust side on real recordings of `taskscope-dask` (`tests/samples/dask/`, made by
//! `scripts/dask_samples.py`): what the reader keeps, the per-worker statistics and
//! the advisor's Dask findings, with numbers read from these files.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use std::path::PathBuf;

use taskscope_trace::analysis::{Facts, FindingKind, WorkerStats, advise, worker_stats};
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

fn facts(trace: &Trace, kind: FindingKind) -> Vec<Facts> {
    advise(trace)
        .into_iter()
        .filter(|f| f.kind() == kind)
        .map(|f| f.facts)
        .collect()
}

#[test]
fn transfers_that_set_the_wall_time_are_found() {
    // 4 arrays of 64 MB made on worker 1 and summed on worker 0: the chain that ended
    // last is block-0 → blocksum-0 → total-0, and blocksum-0 waited behind the
    // transfers of the other three blocks on worker 0's io lane.
    let trace = sample("transfer_cluster");
    let [Facts::TransferBound(t)] = &facts(&trace, FindingKind::TransferBound)[..] else {
        panic!("{:#?}", advise(&trace))
    };
    assert_eq!((t.chain_tasks, t.transfers, t.own_transfers), (3, 4, 1));
    assert_eq!(t.last.name, "total");
    assert_eq!(t.longest.key.as_deref(), Some("blocksum-1"));
    assert_eq!(t.longest_to, "worker 0 (tcp://127.0.0.1:43147)");
    assert_eq!(
        t.longest_from.as_deref(),
        Some("worker 1 (tcp://127.0.0.1:32917)")
    );
    // The numbers of this recording, in ms.
    let ms = |ns: u64| ns / 1_000_000;
    assert_eq!(
        (
            ms(t.transfer_ns),
            ms(t.compute_ns),
            ms(t.extent_ns),
            ms(t.longest_ns)
        ),
        (634, 911, 2972, 1204)
    );
    assert_eq!(t.compute_ns + t.transfer_ns + t.other_ns, t.extent_ns);
    // On the straggler and the seed's total, transfers are a few ms: no finding.
    assert!(facts(&sample("straggler_cluster"), FindingKind::TransferBound).is_empty());
    assert!(facts(&sample("total_cluster"), FindingKind::TransferBound).is_empty());
}

#[test]
fn transfers_of_the_array_run_are_found_too() {
    // (x + x.T).mean() in 1000² chunks: the transposed blocks cross workers.
    let trace = sample("array_cluster");
    let [Facts::TransferBound(t)] = &facts(&trace, FindingKind::TransferBound)[..] else {
        panic!("{:#?}", advise(&trace))
    };
    assert_eq!((t.chain_tasks, t.transfers, t.own_transfers), (5, 6, 3));
    assert_eq!(t.transfer_ns / 1_000_000, 262);
}

#[test]
fn a_straggling_worker_is_named() {
    let trace = sample("straggler_cluster");
    let [Facts::Straggler(s)] = &facts(&trace, FindingKind::Straggler)[..] else {
        panic!("{:#?}", advise(&trace))
    };
    assert_eq!(s.worker, "worker 1 (tcp://127.0.0.1:46139)");
    assert_eq!(s.name, "work");
    assert_eq!((s.tasks_here, s.tasks_elsewhere), (3, 5));
    // 1.6 s against 200 ms of sleep: 8× within the machine's noise.
    assert!((7.5..8.5).contains(&s.factor()), "{}", s.factor());
    assert_eq!(
        (s.others_done_ns / 1_000_000, s.end_ns / 1_000_000),
        (1371, 3215)
    );
    // Same work on every worker: no straggler.
    for name in ["total_cluster", "transfer_cluster", "failures_cluster"] {
        assert!(
            facts(&sample(name), FindingKind::Straggler).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn local_scheduler_gaps_are_its_per_task_cost() {
    let trace = sample("array_threads");
    let [Facts::SchedulerGaps(g)] = &facts(&trace, FindingKind::SchedulerGaps)[..] else {
        panic!("{:#?}", advise(&trace))
    };
    assert_eq!(g.scheduler, "threads");
    assert_eq!((g.pairs, g.gaps, g.threads), (148, 66, 2));
    assert_eq!(
        (
            g.median_gap_ns / 100,
            g.total_gap_ns / 100_000,
            g.median_task_ns / 1000
        ),
        (216, 477, 488)
    );
    assert_eq!(g.recording_ns, Some(3_831_848));
    let tree = sample("tree1024_threads");
    let [Facts::SchedulerGaps(g)] = &facts(&tree, FindingKind::SchedulerGaps)[..] else {
        panic!("{:#?}", advise(&tree))
    };
    assert_eq!((g.pairs, g.gaps), (2045, 257));
    assert_eq!(g.median_gap_ns / 1000, 184);
    // Not on a cluster, and not when the gaps are a small share (1 s tasks).
    assert!(facts(&sample("array_cluster"), FindingKind::SchedulerGaps).is_empty());
    assert!(facts(&sample("total_threads"), FindingKind::SchedulerGaps).is_empty());
}
