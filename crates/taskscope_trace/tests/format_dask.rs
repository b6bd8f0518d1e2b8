//! Dask task streams, profiler results and graph files, from `../shared/dask/` and crafted ones.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod format_common;

use format_common::diag;
use std::path::{Path, PathBuf};

use taskscope_trace::{SourceFormat, SpanKind, TaskState, Trace};

fn dask_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/dask"));
    if dir.join("README.md").exists() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn count_in(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .matches(needle)
        .count()
}

#[test]
fn real_task_streams_with_and_without_graph() {
    let Some(dir) = dask_dir() else { return };
    for name in ["xyz", "sum", "prod_chain", "tree1024"] {
        let stream = dir.join(format!("{name}.taskstream.json"));
        let graph = dir.join(format!("{name}.graph.json"));
        let t = Trace::open(&stream).unwrap();
        assert_eq!(t.meta().source, SourceFormat::DaskTaskStream, "{name}");
        // One span per startstop.
        assert_eq!(t.spans().len(), count_in(&stream, "\"action\""), "{name}");
        let transfers = t
            .spans()
            .iter()
            .filter(|s| s.kind == SpanKind::Transfer)
            .count();
        assert_eq!(
            transfers,
            count_in(&stream, "\"action\": \"transfer\""),
            "{name}"
        );
        let disk = t
            .spans()
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::DiskRead | SpanKind::DiskWrite))
            .count();
        assert_eq!(disk, count_in(&stream, "\"action\": \"disk-"), "{name}");
        // Epoch-second clock: the origin is a Unix time.
        assert!(t.meta().started_at_unix_ns.unwrap() > 1_700_000_000_000_000_000);
        assert_eq!(t.meta().title.as_deref(), Some(name));
        // Lanes are worker x thread.
        assert!(
            t.lanes()
                .iter()
                .all(|l| l.process.starts_with("worker tcp://"))
        );

        let with_graph = Trace::open_with_graph(&stream, &graph).unwrap();
        let tasks_in_graph = count_in(&graph, "\"func\"");
        assert_eq!(
            with_graph.graph().len(),
            tasks_in_graph,
            "{name}: {:?}",
            with_graph.diagnostics()
        );
        let edges: usize = with_graph
            .graph()
            .tasks()
            .map(|t| with_graph.graph().deps(t).len())
            .sum();
        assert!(edges >= tasks_in_graph - 1, "{name}: {edges} edges");
        assert!(with_graph.graph().topological_order().is_ok());
        // Every span belongs to a graph task with the graph's name.
        for s in with_graph.spans() {
            assert!(with_graph.graph().name(s.task).is_some());
        }
    }
}

#[test]
fn xyz_stream_matches_the_file() {
    let Some(dir) = dask_dir() else { return };
    let t = Trace::open_with_graph(dir.join("xyz.taskstream.json"), dir.join("xyz.graph.json"))
        .unwrap();
    let g = t.graph();
    let add = g.key_index()["add-3c4650df-d9a5-4615-a8c1-a1da0d229319"];
    assert_eq!(g.name(add), Some("add"));
    assert_eq!(g.deps(add).len(), 2);
    let add_spans: Vec<_> = t.spans().iter().filter(|s| s.task == add).collect();
    assert_eq!(add_spans.len(), 2);
    let transfer = add_spans
        .iter()
        .find(|s| s.kind == SpanKind::Transfer)
        .unwrap();
    // 1795643216.97751 → 1795643216.9845073 s: 6,997,300 ns.
    assert_eq!(transfer.duration_ns(), 6_997_300);
    assert_eq!(t.lanes().len(), 2);
}

#[test]
fn real_profiler_results() {
    let Some(dir) = dask_dir() else { return };
    for name in ["xyz", "sum", "prod_chain", "tree1024"] {
        let path = dir.join(format!("{name}.profiler.json"));
        let t = Trace::open(&path).unwrap();
        assert_eq!(t.meta().source, SourceFormat::DaskProfiler, "{name}");
        assert_eq!(t.spans().len(), count_in(&path, "\"start_time\""), "{name}");
        assert_eq!(t.meta().scheduler.as_deref(), Some("threads"));
        assert!(t.meta().wall_ns > 0);
        assert!(
            t.lanes().len() <= t.meta().workers.unwrap() as usize,
            "{name}"
        );
        let g = Trace::open_with_graph(&path, dir.join(format!("{name}.graph.json"))).unwrap();
        assert!(g.graph().edge_count() > 0 || name == "xyz" && g.graph().edge_count() == 2);
    }
}

#[test]
fn graph_file_alone_is_a_trace_without_spans() {
    let Some(dir) = dask_dir() else { return };
    let t = Trace::open(dir.join("sum.graph.json")).unwrap();
    assert_eq!(t.meta().source, SourceFormat::DaskGraph);
    assert_eq!(t.graph().len(), 8);
    assert_eq!(t.graph().edge_count(), 7);
    assert!(t.spans().is_empty());
    let swap = t.graph().key_index()["_swap-9138805db3c96cd47d9ae79c77b95fa5"];
    assert_eq!(t.graph().name(swap), Some("swap"));
}

#[test]
fn bare_lists_and_tuple_keys() {
    // json.dump(ts.data): a bare list; a tuple key as a list; an error status.
    let stream = br#"[
      {"key": ["sum-agg", 0], "worker": "tcp://w1", "thread": 7, "status": "error",
       "startstops": [{"action": "disk-read", "start": 10.0, "stop": 10.5},
                      {"action": "compute", "start": 10.5, "stop": 12}]},
      {"key": "inc-1", "worker": "tcp://w2", "thread": 8, "status": "OK",
       "startstops": [{"action": "compute", "start": 9, "stop": 9}]}
    ]"#;
    let graph = br#"{"tasks": [
      {"key": "inc-1", "name": "inc", "deps": []},
      {"key": "('sum-agg', 0)", "name": "sum-agg", "deps": ["inc-1"]}
    ]}"#;
    let t = Trace::from_slice_with_graph(stream, "s.json", graph, "g.json").unwrap();
    assert_eq!(t.meta().source, SourceFormat::DaskTaskStream);
    assert_eq!(t.graph().len(), 2, "{:?}", t.diagnostics());
    let agg = t.graph().key_index()["('sum-agg', 0)"];
    assert_eq!(t.graph().deps(agg).len(), 1);
    assert_eq!(t.spans().len(), 3);
    assert!(t.spans().iter().any(|s| s.kind == SpanKind::DiskRead));
    // Zero-length tasks are kept.
    assert!(t.spans().iter().any(|s| s.duration_ns() == 0));
    // Without a graph, the state comes from the status and the name from the key.
    let t = Trace::from_slice(stream, "s.json").unwrap();
    let agg = t.graph().key_index()["('sum-agg', 0)"];
    assert_eq!(t.graph().state(agg), Some(TaskState::Failed));
    assert_eq!(t.graph().name(agg), Some("sum-agg"));

    // Profiler results as json.dump writes named tuples: [key, task, start, end, worker_id].
    let prof = br#"[["inc-1", null, 1.0, 1.5, 11], ["add-2", "task", 1.5, 2.25, 12]]"#;
    let t = Trace::from_slice(prof, "p.json").unwrap();
    assert_eq!(t.meta().source, SourceFormat::DaskProfiler);
    assert_eq!(t.spans().len(), 2);
    assert_eq!(t.lanes().len(), 2);
    assert_eq!(t.graph().name(t.spans()[1].task), Some("add"));
    let prof = br#"[{"key": "inc-1", "start_time": 1, "end_time": 2, "worker_id": 5}]"#;
    assert_eq!(
        Trace::from_slice(prof, "p.json").unwrap().spans()[0].duration_ns(),
        1_000_000_000
    );
}

#[test]
fn graph_file_errors_name_the_graph_file() {
    let err =
        Trace::from_slice_with_graph(b"[]", "s.json", b"{\"tasks\": [1,", "g.json").unwrap_err();
    assert!(err.to_string().contains("g.json"), "{err}");
    let err =
        Trace::from_slice_with_graph(b"[]", "s.json", b"{\"nodes\": []}", "g.json").unwrap_err();
    assert!(err.to_string().contains("g.json"), "{err}");
}

#[test]
fn times_that_run_backwards_or_do_not_fit_are_left_out_with_their_position() {
    let stream = br#"[
{"key": "inc-1", "worker": "w", "thread": 1, "startstops": [{"action": "compute", "start": 1, "stop": 2}]},
{"key": "inc-2", "worker": "w", "thread": 1, "startstops": [{"action": "compute", "start": 5, "stop": 3}]},
{"key": "inc-3", "worker": "w", "thread": 1, "startstops": [{"action": "compute", "start": 1e300, "stop": 1e301}]}
]"#;
    let t = Trace::from_slice(stream, "s.json").unwrap();
    // Neither distorts a figure: one span of 1 s, not a zero-length one at 5 s.
    assert_eq!(t.spans().len(), 1);
    assert_eq!(t.wall_ns(), 1_000_000_000);
    let warnings = diag(&t);
    assert!(
        warnings
            .contains("s.json:3:92: task \"inc-2\" left out: its \"stop\" is before its \"start\""),
        "{warnings}"
    );
    assert!(
        warnings.contains(
            "s.json:4:92: task \"inc-3\" left out: its \"start\" is beyond what nanoseconds in 64 bits hold"
        ),
        "{warnings}"
    );

    let prof = br#"[["inc-1", null, 1.0, 1.5, 11],
["add-2", "task", 2.5, 2.0, 12]]"#;
    let t = Trace::from_slice(prof, "p.json").unwrap();
    assert_eq!(t.spans().len(), 1);
    let warnings = diag(&t);
    assert!(
        warnings.contains(
            "p.json:2:19: task \"add-2\" left out: its \"end_time\" is before its \"start_time\""
        ),
        "{warnings}"
    );
    assert!(
        !warnings.contains("skipped"),
        "left out, not unreadable: {warnings}"
    );
}
