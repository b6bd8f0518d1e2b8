//! Foreign Chrome Trace Event JSON: the cases the issue lists, on small crafted files.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod format_common;

use format_common::diag;
use taskscope_trace::{FormatError, SourceFormat, Trace};

fn read(text: &str) -> Trace {
    Trace::from_slice(text.as_bytes(), "test.json").unwrap()
}

const EVENTS: &str = r#"{"ph":"X","name":"a","ts":1,"dur":2,"pid":1,"tid":1},
{"ph":"X","name":"b","ts":5,"dur":1,"pid":1,"tid":1}"#;

#[test]
fn object_and_array_forms_read_the_same() {
    let a = read(&format!("[{EVENTS}]"));
    let o = read(&format!(
        "{{\"traceEvents\":[{EVENTS}],\"displayTimeUnit\":\"ns\"}}"
    ));
    assert_eq!(a.spans(), o.spans());
    assert_eq!(a.spans().len(), 2);
    assert_eq!(a.meta().source, SourceFormat::Chrome);
    // Times are relative to the earliest event; origin keeps the absolute value.
    assert_eq!(a.spans()[0].start_ns, 0);
    assert_eq!(a.spans()[1].start_ns, 4_000);
    assert_eq!(a.meta().origin_ns, 1_000);
    // Every span is a task named after the event, with a stable unique key.
    assert_eq!(a.graph().name(a.spans()[1].task), Some("b"));
    assert_eq!(a.graph().key(a.spans()[1].task), Some("b-0:1"));
    // Their key prefix is their name: a file without keys is grouped by name.
    let index = taskscope_trace::TraceIndex::new(&a);
    let groups = index.groups(a.graph());
    let names: Vec<&str> = groups.all().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn byte_order_mark_is_skipped() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(format!("[{EVENTS}]").as_bytes());
    assert_eq!(
        Trace::from_slice(&bytes, "bom.json").unwrap().spans().len(),
        2
    );
}

#[test]
fn truncated_files_keep_every_complete_event() {
    let full = format!("[{EVENTS}]");
    // Missing ']'.
    let t = read(&full[..full.len() - 1]);
    assert_eq!(t.spans().len(), 2);
    assert!(
        diag(&t).contains("recovered 2 complete events"),
        "{}",
        diag(&t)
    );
    // Trailing comma.
    let t = read(&format!("{},", &full[..full.len() - 1]));
    assert_eq!(t.spans().len(), 2);
    assert!(
        diag(&t).contains("dropped the last byte (byte "),
        "{}",
        diag(&t)
    );
    // Cut in the middle of the second event: 20 bytes of it are dropped.
    let cut = full.find("\"b\"").unwrap() + 10;
    let t = read(&full[..cut]);
    assert_eq!(t.spans().len(), 1);
    let dropped = cut - (full.find("},\n").unwrap() + 1);
    assert!(
        diag(&t).contains(&format!("dropped the last {dropped} bytes")),
        "{}",
        diag(&t)
    );
    // Object form cut inside traceEvents.
    let obj = format!("{{\"traceEvents\":[{EVENTS}");
    let t = read(&obj[..obj.len() - 5]);
    assert_eq!(t.spans().len(), 1);
    // NUL padding left by a crashed writer.
    let mut padded = full.as_bytes()[..cut].to_vec();
    padded.extend_from_slice(&[0; 64]);
    assert_eq!(
        Trace::from_slice(&padded, "pad.json")
            .unwrap()
            .spans()
            .len(),
        1
    );
}

#[test]
fn begin_end_pair_per_lane_and_unclosed_stay_open() {
    let t = read(
        r#"[
        {"ph":"B","name":"outer","ts":0,"pid":1,"tid":1},
        {"ph":"B","name":"other lane","ts":1,"pid":1,"tid":2},
        {"ph":"B","name":"inner","ts":2,"pid":1,"tid":1},
        {"ph":"E","ts":3,"pid":1,"tid":1},
        {"ph":"E","ts":9,"pid":1,"tid":1},
        {"ph":"B","name":"never closed","ts":10,"pid":1,"tid":1},
        {"ph":"E","ts":12,"pid":1,"tid":2},
        {"ph":"E","ts":13,"pid":1,"tid":3},
        {"ph":"i","name":"end","ts":20,"pid":1,"tid":1,"s":"g"}
    ]"#,
    );
    let names: Vec<_> = t
        .spans()
        .iter()
        .map(|s| {
            (
                t.graph().name(s.task).unwrap(),
                s.start_ns / 1000,
                s.end_ns / 1000,
                s.depth,
                s.unclosed,
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("outer", 0, 9, 0, false),
            ("inner", 2, 3, 1, false),
            ("never closed", 10, 20, 0, true),
            ("other lane", 1, 12, 0, false),
        ]
    );
    assert!(
        diag(&t).contains("1 'B' events were never closed"),
        "{}",
        diag(&t)
    );
    assert!(
        diag(&t).contains("1 'E' events without a matching 'B'"),
        "{}",
        diag(&t)
    );
}

#[test]
fn unsorted_events_are_sorted_before_pairing() {
    let t = read(
        r#"[
        {"ph":"E","ts":9,"pid":1,"tid":1},
        {"ph":"X","name":"x","ts":4,"dur":1,"pid":1,"tid":1},
        {"ph":"B","name":"b","ts":0,"pid":1,"tid":1}
    ]"#,
    );
    assert_eq!(t.spans().len(), 2);
    assert_eq!(t.spans()[0].end_ns, 9_000);
    assert_eq!(t.spans()[1].depth, 1);
    assert!(t.diagnostics().is_empty(), "{}", diag(&t));
}

#[test]
fn string_pids_big_ids_and_flows_v1() {
    // Flow ids above 2^53 must not collide through f64 rounding.
    let t = read(
        r#"[
        {"ph":"X","name":"send","ts":0,"dur":10,"pid":"browser","tid":"io"},
        {"ph":"s","name":"m","cat":"c","id":18446744073709551615,"ts":5,"pid":"browser","tid":"io"},
        {"ph":"s","name":"m","cat":"c","id":18446744073709551614,"ts":6,"pid":"browser","tid":"io"},
        {"ph":"X","name":"recv","ts":20,"dur":10,"pid":"renderer","tid":7},
        {"ph":"f","bp":"e","name":"m","cat":"c","id":18446744073709551615,"ts":21,"pid":"renderer","tid":7},
        {"ph":"X","name":"late","ts":40,"dur":1,"pid":"renderer","tid":7},
        {"ph":"f","name":"m","cat":"c","id":18446744073709551614,"ts":35,"pid":"renderer","tid":7}
    ]"#,
    );
    assert_eq!(t.lanes().len(), 2);
    assert_eq!(t.lanes()[0].process, "process browser");
    assert_eq!(t.flows().len(), 2);
    let pairs: Vec<_> = t
        .flows()
        .iter()
        .map(|f| {
            (
                t.graph().name(t.span(f.from).unwrap().task).unwrap(),
                t.graph().name(t.span(f.to).unwrap().task).unwrap(),
            )
        })
        .collect();
    // "bp":"e" binds to the enclosing slice; without it, to the next slice.
    assert!(pairs.contains(&("send", "recv")), "{pairs:?}");
    assert!(pairs.contains(&("send", "late")), "{pairs:?}");
    // Dependencies come from the arrows.
    let recv = t
        .spans()
        .iter()
        .find(|s| t.graph().name(s.task) == Some("recv"))
        .unwrap();
    assert_eq!(t.graph().deps(recv.task).len(), 1);
}

#[test]
fn flows_v2_bind_ids() {
    let t = read(
        r#"[
        {"ph":"X","name":"p","ts":0,"dur":1,"pid":1,"tid":1,"bind_id":"0x1","flow_out":true},
        {"ph":"X","name":"c1","ts":2,"dur":1,"pid":1,"tid":2,"bind_id":"0x1","flow_in":true},
        {"ph":"X","name":"c2","ts":3,"dur":1,"pid":1,"tid":3,"bind_id":"0x1","flow_in":true}
    ]"#,
    );
    assert_eq!(t.flows().len(), 2);
}

#[test]
fn metadata_names_and_sort_indexes() {
    let t = read(
        r#"{"traceEvents":[
        {"ph":"M","name":"process_name","pid":3,"args":{"name":"Renderer"}},
        {"ph":"M","name":"thread_name","pid":3,"tid":4,"args":{"name":"Main"}},
        {"ph":"M","name":"thread_sort_index","pid":3,"tid":4,"args":{"sort_index":-2}},
        {"ph":"M","name":"thread_name","pid":3,"tid":5,"args":{"name":"idle, no events"}},
        {"ph":"X","name":"a","ts":1,"dur":1,"pid":3,"tid":4}
    ]}"#,
    );
    assert_eq!(t.lanes().len(), 1);
    assert_eq!(t.lanes()[0].name, "Main");
    assert_eq!(t.lanes()[0].process, "Renderer");
    assert_eq!(t.lanes()[0].sort_index, -2);
}

#[test]
fn instants_counters_and_skipped_phases() {
    let t = read(
        r#"[
        {"ph":"i","name":"t","ts":1,"pid":1,"tid":1},
        {"ph":"I","name":"p","ts":2,"pid":1,"s":"p"},
        {"ph":"C","name":"mem","ts":3,"pid":1,"args":{"heap":10,"stack":"2.5"}},
        {"ph":"C","name":"mem","ts":1,"pid":1,"args":{"heap":5}},
        {"ph":"b","name":"async","ts":1,"pid":1,"id":1},
        {"ph":"e","name":"async","ts":2,"pid":1,"id":1},
        {"ph":"O","name":"snapshot","ts":1,"pid":1,"id":1},
        {"ph":"Z","name":"unknown phase","ts":1},
        {"ph":"X","name":"x","ts":1,"dur":1,"pid":1,"tid":1,"weird_key":1},
        {"name":"no phase"},
        42
    ]"#,
    );
    assert_eq!(t.instants().len(), 2);
    assert!(t.instants()[0].lane.is_some());
    assert!(t.instants()[1].lane.is_none());
    assert_eq!(t.counters().len(), 2);
    let heap = t.counters().iter().find(|c| c.series == "heap").unwrap();
    assert_eq!(heap.samples.len(), 2);
    assert!(
        heap.samples[0].ts_ns < heap.samples[1].ts_ns,
        "samples sorted by time"
    );
    let d = diag(&t);
    assert!(d.contains("1 'O'") && d.contains("1 'Z'"), "{d}");
    assert!(d.contains("skipped 2 async events"), "{d}");
    assert!(
        d.contains("1 events had keys this reader does not use"),
        "{d}"
    );
    assert!(d.contains("skipped 2 events without"), "{d}");
}

#[test]
fn ray_timelines_are_detected_by_content() {
    let t = read(
        r#"[
        {"cat":"task","name":"f","pid":"10.0.0.1","tid":"worker:abc","ts":1795643215975189.5,"dur":1000,"ph":"X","cname":"rail_response","args":{"task_id":"t1"}},
        {"cat":"task:deserialize_arguments","name":"task:deserialize_arguments","pid":"10.0.0.1","tid":"worker:abc","ts":1795643215975190,"dur":10,"ph":"X","cname":"rail_load","args":{}}
    ]"#,
    );
    assert_eq!(t.meta().source, SourceFormat::Ray);
    // Epoch microseconds keep their fraction exactly.
    assert_eq!(t.meta().origin_ns, 1_795_643_215_975_189_500);
    assert_eq!(t.meta().started_at_unix_ns, Some(1_795_643_215_975_189_500));
    assert_eq!(t.spans()[1].kind, taskscope_trace::SpanKind::Deserialize);
    assert_eq!(t.spans()[1].depth, 1);
}

#[test]
fn errors_name_file_offset_line_column_and_expectation() {
    let err =
        Trace::from_slice(b"[\n{\"ph\":\"X\",\n \"ts\": 1 \"dur\":2}]", "bad.json").unwrap_err();
    match &err {
        FormatError::Syntax {
            file,
            offset,
            line,
            column,
            expected,
        } => {
            assert_eq!(file, "bad.json");
            assert_eq!(*line, 3);
            assert!(*column >= 8 && *column <= 10, "column {column}");
            assert!(*offset > 13, "offset {offset}");
            assert!(expected.contains("expected"), "{expected}");
        }
        other => panic!("not a syntax error: {other:?}"),
    }
    let text = err.to_string();
    assert!(text.starts_with("bad.json:3:"), "{text}");
    let err = Trace::from_slice(b"  hello", "x.json").unwrap_err();
    assert!(err.to_string().contains("x.json:1:3 (byte 2)"), "{err}");
    let err = Trace::from_slice(b"", "empty.json").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let err = Trace::from_slice(br#"{"foo": 1}"#, "foo.json").unwrap_err();
    assert!(matches!(err, FormatError::Unrecognized { .. }), "{err}");
    let err = Trace::open("/nonexistent/trace.json").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/trace.json"), "{err}");
    let err = Trace::from_slice(br#"[{"ph":"X","ts":1}] trailing"#, "t.json").unwrap_err();
    assert!(err.to_string().contains("end of the file"), "{err}");
}

#[test]
fn newer_taskscope_versions_are_refused_with_the_version() {
    let text = r#"{"traceEvents":[],"taskscope":{"version":7,"graph":"a shape we do not know"}}"#;
    let err = Trace::from_slice(text.as_bytes(), "new.json").unwrap_err();
    assert!(
        matches!(err, FormatError::UnsupportedVersion { version: 7, .. }),
        "{err}"
    );
}

#[test]
fn truncated_taskscope_file_still_gives_its_spans() {
    let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
    let t0 = b
        .graph_mut()
        .add_task("k0", "n", [], taskscope_trace::TaskState::Done)
        .unwrap();
    let lane = b.add_lane(taskscope_trace::Lane::default()).unwrap();
    for i in 0..3 {
        b.add_span(taskscope_trace::Span {
            start_ns: i * 10,
            end_ns: i * 10 + 5,
            task: t0,
            lane,
            kind: taskscope_trace::SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    let trace = b.build().unwrap();
    let mut bytes = Vec::new();
    trace.write_to(&mut bytes).unwrap();
    let cut = bytes
        .windows(13)
        .position(|w| w == b"\"taskscope\":{")
        .unwrap()
        + 20;
    let back = Trace::from_slice(&bytes[..cut], "cut.json").unwrap();
    assert_eq!(back.spans().len(), 3);
    // All three spans carry the key "k0", so they are one task again.
    assert_eq!(back.graph().len(), 1);
    assert!(diag(&back).contains("cut short"), "{}", diag(&back));
}

#[test]
fn numbers_that_do_not_fit_leave_their_event_out_with_its_position() {
    let t = read(
        r#"{"traceEvents":[
{"ph":"X","name":"a","ts":0,"dur":10,"pid":1,"tid":1},
{"ph":"X","name":"b","ts":20,"dur":10,"pid":1,"tid":1},
{"ph":"X","name":"huge","ts":1e308,"dur":10,"pid":1,"tid":2},
{"ph":"X","name":"neg","ts":40,"dur":-5,"pid":1,"tid":1},
{"ph":"X","name":"far","ts":5,"dur":1e300,"pid":1,"tid":2},
{"ph":"i","name":"mark","ts":-1e300,"pid":1,"tid":1}
]}"#,
    );
    // Nothing of the four events distorts a figure: 30 µs wall time, 10 µs durations.
    assert_eq!(t.wall_ns(), 30_000);
    assert_eq!(t.spans().len(), 2);
    assert!(t.spans().iter().all(|s| s.end_ns - s.start_ns == 10_000));
    assert_eq!(
        diag(&t),
        "test.json:4:1: event \"huge\" left out: its \"ts\" is beyond what nanoseconds in 64 bits hold\n\
         test.json:5:1: event \"neg\" left out: its \"dur\" is negative\n\
         test.json:6:1: event \"far\" left out: its \"dur\" ends beyond what nanoseconds in 64 bits hold\n\
         test.json:7:1: event \"mark\" left out: its \"ts\" is beyond what nanoseconds in 64 bits hold"
    );
    let sim = taskscope_trace::analysis::simulate(&t);
    assert!(!sim.points.is_empty(), "the prediction has rows");
}

#[test]
fn generated_keys_are_unique_whatever_the_lanes_are_called() {
    // Two lanes whose pid and tid texts would read alike joined by ':'.
    let events = r#"{"ph":"X","name":"f","ts":0,"dur":1,"pid":"1:2","tid":3},
{"ph":"X","name":"f","ts":5,"dur":1,"pid":1,"tid":"2:3"}"#;
    let t = read(&format!("[{events}]"));
    assert_eq!(t.graph().len(), 2);
    assert_ne!(
        t.graph().key(t.spans()[0].task),
        t.graph().key(t.spans()[1].task)
    );
    // A span elsewhere with a key of its own changes nothing for the others.
    let keyed =
        r#"{"ph":"X","cat":"task","name":"g","ts":9,"dur":1,"pid":9,"tid":9,"args":{"key":"g-1"}}"#;
    let t = read(&format!("[{events},\n{keyed}]"));
    assert_eq!(t.graph().len(), 3);
}
