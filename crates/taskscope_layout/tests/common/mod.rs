//! Loading the real Dask fixtures in `/work/shared/dask` (skipped when absent).
// Fixture loading in tests: a malformed fixture should fail the test loudly.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use taskscope_trace::{
    Graph, GraphBuilder, Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace,
    TraceBuilder,
};

/// `shared/dask/NAME`, if present.
pub fn fixture(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/dask")).join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: fixture {} is absent", p.display());
        None
    }
}

fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Fills `b` with the tasks of `NAME.graph.json`; returns the key → id map.
pub fn fill_graph(b: &mut GraphBuilder, json: &Value) -> BTreeMap<String, TaskId> {
    let tasks = json["tasks"].as_array().expect("tasks");
    let mut ids = BTreeMap::new();
    for (i, t) in tasks.iter().enumerate() {
        ids.insert(key_text(&t["key"]), TaskId(i as u32));
    }
    for t in tasks {
        let deps: Vec<TaskId> = t["deps"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|k| ids.get(&key_text(k)).copied())
                    .collect()
            })
            .unwrap_or_default();
        b.add_task(
            &key_text(&t["key"]),
            t["name"].as_str().unwrap_or(""),
            deps,
            TaskState::Done,
        )
        .unwrap();
    }
    ids
}

fn read_json(name: &str) -> Option<Value> {
    let path = fixture(name)?;
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

/// The graph of `shared/dask/NAME.graph.json`.
pub fn dask_graph(name: &str) -> Option<Graph> {
    let json = read_json(&format!("{name}.graph.json"))?;
    let mut b = GraphBuilder::new();
    fill_graph(&mut b, &json);
    Some(b.build().unwrap())
}

/// The graph plus the task stream of `NAME.taskstream.json` (lanes = worker threads,
/// transfers and disk writes included), times relative to the first start.
pub fn dask_trace(name: &str) -> Option<Trace> {
    let graph = read_json(&format!("{name}.graph.json"))?;
    let stream = read_json(&format!("{name}.taskstream.json"))?;
    let mut tb = TraceBuilder::new(RunMeta {
        title: Some(name.to_owned()),
        scheduler: Some("distributed".to_owned()),
        ..RunMeta::default()
    });
    let ids = fill_graph(tb.graph_mut(), &graph);
    let records = stream["data"].as_array().expect("data");
    let t0 = records
        .iter()
        .flat_map(|r| r["startstops"].as_array().unwrap().iter())
        .map(|s| s["start"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    let mut lanes: BTreeMap<(String, u64), LaneId> = BTreeMap::new();
    for r in records {
        let Some(&task) = ids.get(&key_text(&r["key"])) else {
            continue;
        };
        let worker = r["worker"].as_str().unwrap_or("").to_owned();
        let thread = r["thread"].as_u64().unwrap_or(0);
        let lane = *lanes.entry((worker.clone(), thread)).or_insert_with(|| {
            tb.add_lane(Lane {
                name: format!("thread {thread}"),
                process: worker.clone(),
                ..Lane::default()
            })
            .unwrap()
        });
        for ss in r["startstops"].as_array().unwrap() {
            let ns = |v: &Value| ((v.as_f64().unwrap() - t0) * 1e9).round().max(0.0) as u64;
            tb.add_span(Span {
                start_ns: ns(&ss["start"]),
                end_ns: ns(&ss["stop"]),
                task,
                lane,
                kind: SpanKind::parse(ss["action"].as_str().unwrap_or("")),
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
    }
    Some(tb.build().unwrap())
}

/// Counts of circles, boxes and edges in Dask's own `NAME.dot`.
pub fn dask_dot_counts(name: &str) -> Option<(usize, usize, usize)> {
    let text = std::fs::read_to_string(fixture(&format!("{name}.dot"))?).unwrap();
    let circles = text.matches("shape=circle").count();
    let boxes = text.matches("shape=box").count();
    let edges = text.matches(" -> ").count();
    Some((circles, boxes, edges))
}
