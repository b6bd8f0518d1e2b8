//! The analysis on Dask's real traces in `../shared/dask/` (threaded scheduler,
//! `Profiler().results` plus the graph file). A tiny loader here turns them into
//! a `Trace`; the real readers live in `format/`. Skips when the files are absent.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use taskscope_trace::analysis::{FindingKind, advise, critical_path, simulate, worker_count};
use taskscope_trace::{
    Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

fn dask_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/dask"))
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `NAME.graph.json` + `NAME.profiler.json` as a trace (times from `start_rel`/`end_rel`).
fn load(name: &str) -> Option<Trace> {
    let dir = dask_dir();
    let graph_path = dir.join(format!("{name}.graph.json"));
    let profile_path = dir.join(format!("{name}.profiler.json"));
    if !graph_path.exists() || !profile_path.exists() {
        eprintln!("skipping: {} not found", graph_path.display());
        return None;
    }
    let graph: Value = serde_json::from_slice(&std::fs::read(graph_path).unwrap()).unwrap();
    let profile: Value = serde_json::from_slice(&std::fs::read(profile_path).unwrap()).unwrap();
    let tasks = graph["tasks"].as_array().unwrap();
    let ids: BTreeMap<String, TaskId> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (key_text(&t["key"]), TaskId(i as u32)))
        .collect();
    let mut b = TraceBuilder::new(RunMeta {
        workers: profile["num_workers"].as_u64().map(|w| w as u32),
        ..RunMeta::default()
    });
    for t in tasks {
        let deps: Vec<TaskId> = t["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| ids.get(&key_text(d)).copied())
            .collect();
        b.graph_mut()
            .add_task(
                &key_text(&t["key"]),
                t["name"].as_str().unwrap(),
                deps,
                TaskState::Done,
            )
            .unwrap();
    }
    let mut lanes: BTreeMap<u64, LaneId> = BTreeMap::new();
    let seconds = |v: &Value| (v.as_f64().unwrap() * 1e9).round() as u64;
    for r in profile["results"].as_array().unwrap() {
        let worker = r["worker_id"].as_u64().unwrap();
        let next = lanes.len();
        let lane = *lanes.entry(worker).or_insert_with(|| LaneId(next as u32));
        if lane.index() == next {
            b.add_lane(Lane {
                name: format!("thread {worker}"),
                ..Lane::default()
            })
            .unwrap();
        }
        b.add_span(Span {
            start_ns: seconds(&r["start_rel"]),
            end_ns: seconds(&r["end_rel"]),
            task: ids[&key_text(&r["key"])],
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    Some(b.build().unwrap())
}

fn kinds(trace: &Trace) -> Vec<FindingKind> {
    advise(trace).iter().map(|f| f.kind).collect()
}

#[test]
fn xyz_is_bounded_by_its_critical_path() {
    let Some(trace) = load("xyz") else { return };
    let findings = advise(&trace);
    assert_eq!(kinds(&trace), [FindingKind::CriticalPathBound]);
    assert!(
        findings[0].message.contains("at most 1.50× faster"),
        "{}",
        findings[0].message
    );
    assert_eq!(critical_path(&trace).steps.len(), 2);
}

#[test]
fn sum_on_two_threads_loses_a_second_to_dask_order() {
    // FIGURES.md: on the 2-thread pool z runs at 1–2 s and z2 at 3–4 s because
    // dask.order starts z before x2 and y2; the best possible is 3 s.
    let Some(trace) = load("sum") else { return };
    assert_eq!(worker_count(&trace), 2);
    let findings = advise(&trace);
    assert_eq!(
        kinds(&trace),
        [FindingKind::SchedulingOrder],
        "{findings:#?}"
    );
    let message = &findings[0].message;
    assert!(
        message.starts_with("the tasks ran for 4.00 s on 2 workers"),
        "{message}"
    );
    assert!(message.contains("At 1.00 s, `add`"), "{message}");
    assert!(
        message.contains("finish in 3.00 s on 2 workers, 1.00 s (25%) sooner"),
        "{message}"
    );
    let two = &simulate(&trace).points[1];
    assert_eq!(two.workers, 2);
    assert!(
        (3_000_000_000..3_010_000_000).contains(&two.makespan_ns),
        "{two:?}"
    );
}

#[test]
fn prod_chain_is_a_serial_reduction() {
    let Some(trace) = load("prod_chain") else {
        return;
    };
    let findings = advise(&trace);
    assert_eq!(
        kinds(&trace),
        [FindingKind::SerialReduction],
        "{findings:#?}"
    );
    assert!(
        findings[0].message.starts_with(
            "the 7 `mul` tasks form a serial chain of depth 7, each waiting for the previous \
             one; combining their 8 inputs as a balanced tree would have depth 3."
        ),
        "{}",
        findings[0].message
    );
    assert_eq!(findings[0].tasks.len(), 7);
    // One `inc` and the seven `mul`s that follow it.
    let cp = critical_path(&trace);
    assert_eq!(cp.steps.len(), 8);
    assert!(cp.steps.iter().skip(1).all(|s| s.name == "mul"));
}

#[test]
fn tree1024_has_a_depth_11_path_and_nothing_to_report() {
    let Some(trace) = load("tree1024") else {
        return;
    };
    assert_eq!(trace.graph().len(), 2047);
    let cp = critical_path(&trace);
    assert_eq!(cp.steps.len(), 11);
    assert_eq!(cp.steps[0].name, "inc");
    assert!(cp.steps.iter().skip(1).all(|s| s.name == "add"));
    let findings = advise(&trace);
    assert!(findings.is_empty(), "{findings:#?}");
}
