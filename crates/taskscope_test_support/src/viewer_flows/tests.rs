#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};

use super::*;

/// A file of `events` over the graph a→c, b→c (tasks 0, 1, 2).
fn file(events: &[Value]) -> Vec<u8> {
    let doc = json!({
        "traceEvents": events,
        "taskscope": {"version": 1, "graph": {"tasks": [
            {"key": "a", "name": "a", "deps": []},
            {"key": "b", "name": "b", "deps": []},
            {"key": "c", "name": "c", "deps": ["a", 1]},
        ]}},
    });
    serde_json::to_vec(&doc).unwrap()
}

fn x(task: u32, tid: u32, ts: f64, dur: f64) -> Value {
    json!({"ph": "X", "cat": "task", "name": "t", "ts": ts, "dur": dur, "pid": 0, "tid": tid,
           "args": {"task": task}})
}

fn flow(ph: &str, id: u64, tid: u32, ts: f64) -> Value {
    let mut e =
        json!({"ph": ph, "cat": "task", "name": "dep", "id": id, "ts": ts, "pid": 0, "tid": tid});
    if ph == "f" {
        e["bp"] = json!("e");
    }
    e
}

/// a on lane 0 at 0–10, b on lane 1 at 1–5, c on lane 0 at 12–20.
fn slices() -> Vec<Value> {
    vec![x(0, 0, 0.0, 10.0), x(1, 1, 1.0, 4.0), x(2, 0, 12.0, 8.0)]
}

fn good_flows() -> Vec<Value> {
    vec![
        flow("s", 1, 0, 0.0),
        flow("f", 1, 0, 12.0),
        flow("s", 2, 1, 1.0),
        flow("f", 2, 0, 12.0),
    ]
}

fn checked(events: &[Value]) -> FlowCheck {
    check(&file(events), "t.json").unwrap()
}

fn tasks(v: &ViewerArrows) -> Vec<(Option<u32>, Option<u32>)> {
    v.arrows.iter().map(|a| (a.from.task, a.to.task)).collect()
}

#[test]
fn flows_at_their_slices_start_bind_in_both_viewers() {
    let mut events = slices();
    events.extend(good_flows());
    let result = checked(&events);
    assert!(result.is_exact(), "{result}");
    assert_eq!(result.dependencies, 2);
    assert_eq!(
        tasks(&result.perfetto),
        [(Some(0), Some(2)), (Some(1), Some(2))]
    );
    assert_eq!(
        tasks(&result.devtools),
        [(Some(0), Some(2)), (Some(1), Some(2))]
    );
    let result = assert_every_dependency_is_an_arrow(&file(&events), "t.json");
    assert_eq!(result.devtools.matching, 2);
}

#[test]
fn flows_inside_their_slices_bind_in_perfetto_only() {
    // The layout written before: `s` just before the producer ends, `f` just after the
    // consumer starts, category "dep". Perfetto binds by enclosing slice, DevTools by the
    // exact (ts, pid, tid, cat) and finds nothing.
    let mut events = slices();
    for (id, tid, s_ts) in [(1, 0, 9.999), (2, 1, 4.999)] {
        let mut s = flow("s", id, tid, s_ts);
        s["cat"] = json!("dep");
        let mut f = flow("f", id, 0, 12.001);
        f["cat"] = json!("dep");
        events.extend([s, f]);
    }
    let result = checked(&events);
    assert!(result.perfetto.is_exact(), "{result}");
    assert!(result.devtools.arrows.is_empty());
    assert_eq!(result.devtools.missing, [(0, 2), (1, 2)]);
    assert!(!result.is_exact());
}

#[test]
fn devtools_draws_arrows_in_file_order() {
    // The consumer's X before the producer's: DevTools makes the consumer the initiator.
    let mut events = vec![x(2, 0, 12.0, 8.0), x(0, 0, 0.0, 10.0), x(1, 1, 1.0, 4.0)];
    events.extend(good_flows());
    let result = checked(&events);
    assert!(result.perfetto.is_exact(), "{result}");
    assert_eq!(
        tasks(&result.devtools),
        [(Some(2), Some(0)), (Some(2), Some(1))]
    );
    assert_eq!(result.devtools.missing.len(), 2);
}

#[test]
fn slices_starting_together_on_a_lane_are_ambiguous() {
    // A zero-length span of b starts with c on lane 0: DevTools binds to the first X of
    // that (ts, pid, tid, cat) in the file, Perfetto to the topmost (the shortest).
    let mut events = vec![x(0, 0, 0.0, 10.0), x(2, 0, 12.0, 8.0), x(1, 0, 12.0, 0.0)];
    events.extend([
        flow("s", 1, 0, 0.0),
        flow("f", 1, 0, 12.0),
        flow("s", 2, 0, 12.0),
        flow("f", 2, 0, 12.0),
    ]);
    let result = checked(&events);
    assert_eq!(
        tasks(&result.perfetto),
        [(Some(0), Some(1)), (Some(1), Some(1))]
    );
    // DevTools: flow 2 has both ends at ts 12 on one thread: one event, no arrow.
    assert_eq!(tasks(&result.devtools), [(Some(0), Some(2))]);
    assert!(!result.is_exact());
}

#[test]
fn broken_rules_are_problems() {
    let cases: [(&str, Vec<Value>); 5] = [
        ("overlaps", {
            let mut e = slices();
            e.push(x(1, 0, 5.0, 10.0));
            e
        }),
        ("second flow start", {
            let mut e = slices();
            e.extend(good_flows());
            e.push(flow("s", 1, 1, 1.0));
            e
        }),
        ("bp", {
            let mut e = slices();
            let mut f = flow("f", 1, 0, 12.0);
            f.as_object_mut().unwrap().remove("bp");
            e.extend([flow("s", 1, 0, 0.0), f]);
            e
        }),
        ("no slice is open", {
            let mut e = slices();
            e.extend([flow("s", 1, 3, 0.0), flow("f", 1, 0, 12.0)]);
            e
        }),
        ("which ended", {
            let mut e = slices();
            e.extend([flow("s", 1, 1, 6.0), flow("f", 1, 0, 12.0)]);
            e
        }),
    ];
    for (words, events) in cases {
        let result = checked(&events);
        assert!(
            result.problems.iter().any(|p| p.contains(words)),
            "{words}: {result}"
        );
        assert!(!result.is_exact());
    }
}

#[test]
fn files_that_cannot_be_checked_are_errors() {
    assert!(matches!(
        check(b"{", "a.json"),
        Err(CheckError::Json { .. })
    ));
    let no_graph = serde_json::to_vec(&json!({"traceEvents": []})).unwrap();
    let err = check(&no_graph, "b.json").unwrap_err();
    assert!(
        err.to_string().starts_with("b.json: no taskscope.graph"),
        "{err}"
    );
}
