//! Writing a trace and reading it back gives the same trace; the golden files of version 1.

#![allow(
    clippy::unwrap_used,
    clippy::type_complexity,
    reason = "test helpers outside #[test] functions; recipes are plain tuples"
)]

mod format_common;

use proptest::prelude::*;
use taskscope_trace::{
    Counter, CounterSample, Flow, Instant, Lane, LaneId, RunMeta, SourceFormat, Span, SpanId,
    SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

use format_common::{assert_same_trace, sample_trace};

const GOLDEN_V1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/taskscope_v1.json"
);

/// Version 1 as written before spans carried their task index (`args.task` only for
/// repeated keys, spans found by key): the same sample trace, an older layout.
const GOLDEN_V1_SPAN_KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/taskscope_v1_span_keys.json"
);

/// Version 1 as written before its flow events bound in other viewers (category `dep`,
/// placed just inside the slices' ends, spans grouped by lane): the same sample trace.
const GOLDEN_V1_DEP_FLOWS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/taskscope_v1_dep_flows.json"
);

/// Version 1 as written before graph tasks named their dependencies by index (by key,
/// by index only where a key repeats): the same sample trace.
const GOLDEN_V1_KEY_DEPS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/taskscope_v1_key_deps.json"
);

fn write(trace: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    trace.write_to(&mut out).unwrap();
    out
}

#[test]
fn sample_round_trips() {
    let trace = sample_trace();
    let bytes = write(&trace);
    let back = Trace::from_slice(&bytes, "sample.json").unwrap();
    assert_eq!(back.meta().source, SourceFormat::Taskscope);
    assert_eq!(back.meta().format_version, Some(1));
    assert_same_trace(&trace, &back);
    // Same trace, same bytes.
    assert_eq!(write(&back), bytes);
}

#[test]
fn writing_the_sample_gives_the_golden_bytes() {
    let bytes = write(&sample_trace());
    if std::env::var_os("TASKSCOPE_BLESS").is_some() {
        std::fs::write(GOLDEN_V1, &bytes).unwrap();
    }
    let golden = std::fs::read(GOLDEN_V1).unwrap();
    assert!(
        bytes == golden,
        "the writer's output differs from {GOLDEN_V1}; if the change is intended, add a new format version"
    );
}

#[test]
fn golden_v1_reads_as_the_sample() {
    let golden = std::fs::read(GOLDEN_V1).unwrap();
    let trace = Trace::from_slice(&golden, "taskscope_v1.json").unwrap();
    assert_eq!(trace.meta().format_version, Some(1));
    assert_same_trace(&sample_trace(), &trace);
    assert!(
        trace
            .diagnostics()
            .iter()
            .all(|d| !d.message.contains("skipped"))
    );
}

/// An older layout of version 1 reads as the sample, without skipped events, and
/// rewrites as today's golden file.
fn assert_older_layout_reads_as_the_sample(path: &str) {
    let golden = std::fs::read(path).unwrap();
    let trace = Trace::from_slice(&golden, path).unwrap();
    assert_eq!(trace.meta().source, SourceFormat::Taskscope);
    assert_eq!(trace.meta().format_version, Some(1));
    assert_same_trace(&sample_trace(), &trace);
    assert!(
        trace
            .diagnostics()
            .iter()
            .all(|d| !d.message.contains("skipped")),
        "{:?}",
        trace.diagnostics()
    );
    assert_eq!(write(&trace), std::fs::read(GOLDEN_V1).unwrap());
}

#[test]
fn golden_v1_with_key_deps_reads_as_the_sample() {
    let text = std::fs::read_to_string(GOLDEN_V1_KEY_DEPS).unwrap();
    assert!(
        text.contains("\"deps\":[\""),
        "the older layout names dependencies by key"
    );
    assert_older_layout_reads_as_the_sample(GOLDEN_V1_KEY_DEPS);
}

#[test]
fn golden_v1_with_span_keys_reads_as_the_sample() {
    let text = std::fs::read_to_string(GOLDEN_V1_SPAN_KEYS).unwrap();
    assert!(
        !text.contains("\"task\":"),
        "the older layout has no task indices"
    );
    assert_older_layout_reads_as_the_sample(GOLDEN_V1_SPAN_KEYS);
}

#[test]
fn golden_v1_with_dep_flows_reads_as_the_sample() {
    let text = std::fs::read_to_string(GOLDEN_V1_DEP_FLOWS).unwrap();
    assert!(
        text.contains(r#"{"ph":"s","cat":"dep","name":"dep""#),
        "the older layout has flows of category dep"
    );
    assert_older_layout_reads_as_the_sample(GOLDEN_V1_DEP_FLOWS);
}

#[test]
fn spans_carry_their_task_index() {
    let golden = std::fs::read(GOLDEN_V1).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&golden).unwrap();
    let trace = sample_trace();
    let tasks: Vec<u64> = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| e["args"]["task"].as_u64().unwrap())
        .collect();
    // X events come in order of start time (then lane), not grouped by lane.
    let mut spans = trace.spans().to_vec();
    spans.sort_by_key(|s| (s.start_ns, s.lane));
    let expected: Vec<u64> = spans.iter().map(|s| u64::from(s.task.0)).collect();
    assert_eq!(tasks, expected);
}

#[test]
fn golden_v1_is_chrome_json_with_the_promised_events() {
    let golden = std::fs::read(GOLDEN_V1).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&golden).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    let phase = |p: &str| events.iter().filter(|e| e["ph"] == p).count();
    assert_eq!(phase("X"), 5, "one X per span");
    // Edges with both ends run: inc-1→add-3, inc-2→add-3, add-3→fail-4 (sink-5 never ran).
    assert_eq!(phase("s"), 3);
    assert_eq!(phase("f"), 3);
    assert!(
        events
            .iter()
            .filter(|e| e["ph"] == "f")
            .all(|e| e["bp"] == "e")
    );
    let ids: std::collections::BTreeSet<_> = events
        .iter()
        .filter(|e| e["ph"] == "s")
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "unique flow ids");
    assert!(
        events
            .iter()
            .any(|e| e["ph"] == "C" && e["name"] == "running tasks")
    );
    for name in [
        "process_name",
        "thread_name",
        "process_sort_index",
        "thread_sort_index",
    ] {
        assert!(
            events.iter().any(|e| e["ph"] == "M" && e["name"] == name),
            "{name}"
        );
    }
    let x = events.iter().find(|e| e["ph"] == "X").unwrap();
    assert_eq!(x["args"]["key"], "inc-1");
    assert_eq!(x["args"]["status"], "done");
    // ts/dur printed as µs with three decimals: 1,003,210 ns → 1003.210.
    let text = String::from_utf8(golden.clone()).unwrap();
    assert!(text.contains("\"dur\":1003.210"), "{text}");
    let graph = &doc["taskscope"]["graph"]["tasks"];
    assert_eq!(graph.as_array().unwrap().len(), 5);
    assert_eq!(graph[3]["state"], "failed");
    assert_eq!(graph[2]["deps"], serde_json::json!([0, 1]), "by index");
    assert_eq!(doc["taskscope"]["version"], 1);
    assert_eq!(doc["taskscope"]["run"]["workers"], 2);
}

#[test]
fn save_is_atomic_and_opens_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    std::fs::write(&path, b"old content").unwrap();
    sample_trace().save(&path).unwrap();
    let back = Trace::open(&path).unwrap();
    assert_same_trace(&sample_trace(), &back);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // A directory that does not exist is an error naming the path.
    let err = sample_trace()
        .save(dir.path().join("missing/run.json"))
        .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    // A name as long as the file system takes (255 bytes, multi-byte characters at the
    // cut) still has a temporary name it takes.
    let long = format!("{}é{}.json", "r".repeat(199), "s".repeat(49));
    assert_eq!(long.len(), 255);
    sample_trace().save(dir.path().join(&long)).unwrap();
    assert!(dir.path().join(&long).is_file());
}

#[test]
fn duplicate_keys_round_trip_by_index() {
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let a = g.add_task("same", "a", [], TaskState::Done).unwrap();
    let c = g.add_task("same", "b", [a], TaskState::Done).unwrap();
    g.add_task("other", "c", [c, a], TaskState::Cancelled)
        .unwrap();
    let lane = b.add_lane(Lane::default()).unwrap();
    b.add_span(Span {
        start_ns: 5,
        end_ns: 9,
        task: c,
        lane,
        kind: SpanKind::Other,
        depth: 2,
        unclosed: true,
    })
    .unwrap();
    let trace = b.build().unwrap();
    let back = Trace::from_slice(&write(&trace), "dup.json").unwrap();
    assert_same_trace(&trace, &back);
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,6}",
        "[a-z]{1,3}-[0-9]{1,3}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
        Just("q\"\\\n\t\u{1}é".to_owned()),
    ]
}

fn arb_state() -> impl Strategy<Value = TaskState> {
    prop_oneof![
        Just(TaskState::Done),
        Just(TaskState::Failed),
        Just(TaskState::Cancelled),
        Just(TaskState::NotRun),
    ]
}

fn arb_kind() -> impl Strategy<Value = SpanKind> {
    prop_oneof![
        Just(SpanKind::Compute),
        Just(SpanKind::Transfer),
        Just(SpanKind::DiskRead),
        Just(SpanKind::DiskWrite),
        Just(SpanKind::Deserialize),
        Just(SpanKind::Other),
    ]
}

#[derive(Debug, Clone)]
struct Recipe {
    meta: (
        Option<String>,
        Option<String>,
        Option<u32>,
        u64,
        Option<String>,
        Option<i64>,
        i64,
    ),
    tasks: Vec<(String, String, Vec<u32>, TaskState)>,
    lanes: Vec<(String, String, i64, bool)>,
    spans: Vec<(u32, u32, u64, u64, SpanKind, u16, bool)>,
    flows: Vec<(u32, u32)>,
    instants: Vec<(u64, Option<u32>, String)>,
    counters: Vec<(String, String, Vec<(u64, f64)>)>,
    diagnostics: Vec<String>,
}

fn arb_recipe() -> impl Strategy<Value = Recipe> {
    let meta = (
        proptest::option::of(arb_string()),
        proptest::option::of(arb_string()),
        proptest::option::of(any::<u32>()),
        any::<u64>(),
        proptest::option::of(arb_string()),
        proptest::option::of(any::<i64>()),
        any::<i64>(),
    );
    let tasks = proptest::collection::vec(
        (
            arb_string(),
            arb_string(),
            proptest::collection::vec(any::<u32>(), 0..4),
            arb_state(),
        ),
        1..20,
    );
    let lanes = proptest::collection::vec(
        (arb_string(), arb_string(), any::<i64>(), any::<bool>()),
        1..5,
    );
    // The reader keeps times up to 2^63 ns from the origin (292 years); beyond that they saturate.
    let time = prop_oneof![0u64..5_000, 0u64..10_000_000_000_000, 0u64..(1u64 << 62)];
    let spans = proptest::collection::vec(
        (
            any::<u32>(),
            any::<u32>(),
            time.clone(),
            0u64..3_000_000,
            arb_kind(),
            0u16..4,
            any::<bool>(),
        ),
        0..40,
    );
    let flows = proptest::collection::vec((any::<u32>(), any::<u32>()), 0..10);
    let instants = proptest::collection::vec(
        (
            time.clone(),
            proptest::option::of(any::<u32>()),
            arb_string(),
        ),
        0..5,
    );
    let value = prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        -1e6f64..1e6
    ];
    let counters = proptest::collection::vec(
        (
            arb_string(),
            arb_string(),
            proptest::collection::vec((time, value), 1..5),
        ),
        0..3,
    );
    let diagnostics = proptest::collection::vec(arb_string(), 0..3);
    (
        meta,
        tasks,
        lanes,
        spans,
        flows,
        instants,
        counters,
        diagnostics,
    )
        .prop_map(
            |(meta, tasks, lanes, spans, flows, instants, counters, diagnostics)| Recipe {
                meta,
                tasks,
                lanes,
                spans,
                flows,
                instants,
                counters,
                diagnostics,
            },
        )
}

fn build(r: &Recipe) -> Trace {
    let (title, scheduler, workers, wall_ns, host, started, origin) = r.meta.clone();
    let mut b = TraceBuilder::new(RunMeta {
        title,
        scheduler,
        workers,
        wall_ns,
        host,
        started_at_unix_ns: started,
        origin_ns: origin,
        ..RunMeta::default()
    });
    let n = r.tasks.len() as u32;
    for (key, name, deps, state) in &r.tasks {
        b.graph_mut()
            .add_task(key, name, deps.iter().map(|d| TaskId(d % n)), *state)
            .unwrap();
    }
    let lanes = r.lanes.len() as u32;
    for (name, process, sort_index, is_async) in &r.lanes {
        b.add_lane(Lane {
            name: name.clone(),
            process: process.clone(),
            sort_index: *sort_index,
            is_async: *is_async,
        })
        .unwrap();
    }
    for &(task, lane, start, dur, kind, depth, unclosed) in &r.spans {
        b.add_span(Span {
            start_ns: start,
            end_ns: start.saturating_add(dur),
            task: TaskId(task % n),
            lane: LaneId(lane % lanes),
            kind,
            depth,
            unclosed,
        })
        .unwrap();
    }
    let spans = r.spans.len() as u32;
    if spans > 0 {
        for &(from, to) in &r.flows {
            b.add_flow(Flow {
                from: SpanId(from % spans),
                to: SpanId(to % spans),
            });
        }
    }
    for (ts, lane, name) in &r.instants {
        b.add_instant(Instant {
            ts_ns: *ts,
            lane: lane.map(|l| LaneId(l % lanes)),
            name: name.clone(),
        });
    }
    for (track, series, samples) in &r.counters {
        let mut samples: Vec<CounterSample> = samples
            .iter()
            .map(|&(ts_ns, value)| CounterSample { ts_ns, value })
            .collect();
        samples.sort_by_key(|s| s.ts_ns);
        b.add_counter(Counter {
            track: track.clone(),
            series: series.clone(),
            samples,
        });
    }
    for d in &r.diagnostics {
        b.add_diagnostic(d.clone());
    }
    b.build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_traces_round_trip(recipe in arb_recipe()) {
        let trace = build(&recipe);
        let bytes = write(&trace);
        let back = Trace::from_slice(&bytes, "random.json").unwrap();
        assert_same_trace(&trace, &back);
        prop_assert_eq!(write(&back), bytes);
    }
}
