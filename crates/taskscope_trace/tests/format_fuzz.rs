//! The reader never panics: arbitrary bytes, mutated real files, and hostile small files.
//!
//! Each hostile case below is a regression test for something a reader could get wrong
//! (overflow, stack exhaustion, allocation driven by a value in the file).

#![allow(
    clippy::unwrap_used,
    clippy::format_push_string,
    reason = "test helpers outside #[test] functions; test inputs built with format!"
)]

use std::path::Path;

use proptest::prelude::*;
use taskscope_trace::Trace;

/// Small real files to mutate (skipped when ../shared is absent), plus our golden files.
fn seeds() -> Vec<Vec<u8>> {
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    let mut out = vec![
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/taskscope_v1.json"
        ))
        .unwrap(),
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/taskscope_v1_span_keys.json"
        ))
        .unwrap(),
    ];
    for rel in [
        "fixtures/public-traces/perfetto_flow_events_json_v1.json",
        "fixtures/public-traces/perfetto_flow_events_json_v2.json",
        "fixtures/public-traces/catapult_simple_trace.json",
        "fixtures/public-traces/catapult_async_begin_end.json",
        "fixtures/public-traces/catapult_instance_counters.json",
        "dask/xyz.taskstream.json",
        "dask/xyz.profiler.json",
        "dask/xyz.graph.json",
    ] {
        if let Ok(bytes) = std::fs::read(shared.join(rel)) {
            out.push(bytes);
        }
    }
    out
}

/// Reads `bytes` and checks the result is a usable trace or an error with a message.
fn must_not_panic(bytes: &[u8]) {
    match Trace::from_slice(bytes, "fuzz.json") {
        Ok(t) => {
            // Touch everything a viewer would.
            for s in t.spans() {
                assert!(s.start_ns <= s.end_ns);
                assert!(t.graph().key(s.task).is_some());
            }
            let mut out = Vec::new();
            t.write_to(&mut out).unwrap();
            Trace::from_slice(&out, "rewritten.json").unwrap();
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[path = "../src/format/mutate.rs"]
mod mutate;
use mutate::{apply, mutation};

/// Tokens that make a Chrome trace hostile: brackets, huge numbers, phases, BOM, NUL.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "-1e999",
    "18446744073709551616",
    "null",
    "\"ph\":\"B\"",
    "\"ph\":\"E\"",
    "\"ph\":\"f\"",
    "\\u0000",
    "\u{feff}",
    "\"dur\":1e308",
    "\"ts\":-9e18",
    "\"tid\":\"x\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        must_not_panic(&bytes);
    }

    #[test]
    fn json_like_bytes_never_panic(parts in proptest::collection::vec(
        prop_oneof![Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(":"),
            Just("\"ph\""), Just("\"X\""), Just("\"B\""), Just("\"E\""), Just("\"ts\""),
            Just("\"dur\""), Just("\"tid\""), Just("\"traceEvents\""), Just("\"taskscope\""),
            Just("\"version\""), Just("1"), Just("-5"), Just("1e400"), Just("\"s\""), Just("\"f\""),
            Just("\"id\""), Just("\"args\""), Just("\"startstops\""), Just("\"tasks\""), Just("\"key\"")],
        0..64)) {
        must_not_panic(parts.concat().as_bytes());
    }

    #[test]
    fn mutated_real_files_never_panic(
        seed in any::<proptest::sample::Index>(),
        mutations in proptest::collection::vec(mutation(TOKENS, 64), 1..6),
    ) {
        let seeds = seeds();
        let bytes = apply(&seeds[seed.index(seeds.len())], &mutations);
        must_not_panic(&bytes);
    }
}

#[test]
fn huge_durations_and_timestamps_are_left_out_not_saturated() {
    let t = Trace::from_slice(
        br#"[{"ph":"X","name":"a","ts":-9.3e18,"dur":1e308,"pid":1,"tid":1},
             {"ph":"X","name":"b","ts":1e300,"dur":-5,"pid":1,"tid":1},
             {"ph":"C","name":"c","ts":1e999,"args":{"v":1e999}}]"#,
        "huge.json",
    )
    .unwrap();
    // Every event has a number that does not fit: all are left out, each reported.
    assert_eq!(t.spans().len(), 0);
    let left_out = t
        .diagnostics()
        .iter()
        .filter(|d| d.message.contains("left out: its"))
        .count();
    assert_eq!(left_out, 3, "{:?}", t.diagnostics());
}

#[test]
fn deeply_nested_begin_events_do_not_overflow() {
    // 300,000 nested B (the model's depth saturates at u16::MAX) and no E.
    let mut text = String::from("[");
    for i in 0..300_000 {
        text.push_str(&format!(
            "{{\"ph\":\"B\",\"name\":\"n\",\"ts\":{i},\"pid\":1,\"tid\":1}},"
        ));
    }
    text.push_str("{\"ph\":\"f\",\"id\":1,\"ts\":299999,\"pid\":1,\"tid\":1}]");
    let t = Trace::from_slice(text.as_bytes(), "nested.json").unwrap();
    assert_eq!(t.spans().len(), 300_000);
    assert!(t.spans().iter().all(|s| s.unclosed));
    assert_eq!(t.spans().iter().map(|s| s.depth).max(), Some(u16::MAX));
}

#[test]
fn deeply_nested_args_and_values_are_errors_or_skipped_not_crashes() {
    let deep = "[".repeat(200_000);
    // Inside args: skipped over without recursion.
    let text = format!(r#"[{{"ph":"X","ts":1,"dur":1,"pid":1,"tid":1,"args":{deep}"#);
    must_not_panic(text.as_bytes());
    let text = format!(
        r#"[{{"ph":"X","ts":1,"dur":1,"pid":1,"tid":1,"args":{deep}{}}}]"#,
        "]".repeat(200_000)
    );
    must_not_panic(text.as_bytes());
    // In the taskscope object, serde's recursion limit gives an error.
    let text = format!(
        r#"{{"traceEvents":[],"taskscope":{{"version":1,"graph":{deep}{}}}}}"#,
        "]".repeat(200_000)
    );
    assert!(Trace::from_slice(text.as_bytes(), "deep.json").is_err());
    // A Dask key nested deeper than serde's limit.
    let text = format!(
        r#"[{{"key":{deep}{},"startstops":[{{"action":"compute","start":1,"stop":2}}]}}]"#,
        "]".repeat(200_000)
    );
    must_not_panic(text.as_bytes());
    // Top-level nesting.
    must_not_panic(deep.as_bytes());
}

#[test]
fn many_flow_points_on_a_deep_stack_stay_bounded() {
    // Flow points that must walk up a deep nesting; the walk is bounded per point.
    let mut text = String::from("[");
    for i in 0..50_000 {
        text.push_str(&format!(
            "{{\"ph\":\"X\",\"name\":\"n\",\"ts\":{i},\"dur\":{},\"pid\":1,\"tid\":1}},",
            200_000 - 2 * i
        ));
    }
    for i in 0..20_000 {
        text.push_str(&format!(
            "{{\"ph\":\"s\",\"id\":{i},\"ts\":199990,\"pid\":1,\"tid\":1}},{{\"ph\":\"f\",\"bp\":\"e\",\"id\":{i},\"ts\":199995,\"pid\":1,\"tid\":1}},"
        ));
    }
    text.push_str("{\"ph\":\"i\",\"ts\":0}]");
    let t = Trace::from_slice(text.as_bytes(), "flows.json").unwrap();
    assert_eq!(t.spans().len(), 50_000);
}
