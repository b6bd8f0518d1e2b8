//! Helpers shared by the format tests: trace comparison and a fixed sample trace.

#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

use taskscope_trace::{
    Counter, CounterSample, Flow, Instant, Lane, LaneId, RunMeta, Span, SpanId, SpanKind, TaskId,
    TaskState, Trace, TraceBuilder,
};

/// Asserts that two traces hold the same data (the reader's `source`/`format_version` aside).
pub fn assert_same_trace(a: &Trace, b: &Trace) {
    let (ma, mb) = (a.meta(), b.meta());
    assert_eq!(ma.title, mb.title, "title");
    assert_eq!(ma.scheduler, mb.scheduler, "scheduler");
    assert_eq!(ma.workers, mb.workers, "workers");
    assert_eq!(ma.wall_ns, mb.wall_ns, "wall_ns");
    assert_eq!(ma.host, mb.host, "host");
    assert_eq!(ma.started_at_unix_ns, mb.started_at_unix_ns, "started_at");
    assert_eq!(ma.origin_ns, mb.origin_ns, "origin");
    let (ga, gb) = (a.graph(), b.graph());
    assert_eq!(ga.len(), gb.len(), "task count");
    for t in ga.tasks() {
        assert_eq!(ga.key(t), gb.key(t), "key of {t}");
        assert_eq!(ga.name_id(t), gb.name_id(t), "name id of {t}");
        assert_eq!(ga.name(t), gb.name(t), "name of {t}");
        assert_eq!(ga.state(t), gb.state(t), "state of {t}");
        assert_eq!(ga.deps(t), gb.deps(t), "deps of {t}");
    }
    let names_a: Vec<_> = ga.names().iter().collect();
    let names_b: Vec<_> = gb.names().iter().collect();
    assert_eq!(names_a, names_b, "interned names");
    assert_eq!(a.lanes(), b.lanes(), "lanes");
    assert_eq!(a.spans(), b.spans(), "spans");
    for l in 0..a.lanes().len() {
        let l = LaneId(l as u32);
        assert_eq!(a.lane_span_range(l), b.lane_span_range(l), "lane range {l}");
    }
    assert_eq!(a.flows(), b.flows(), "flows");
    assert_eq!(a.instants(), b.instants(), "instants");
    assert_eq!(a.counters(), b.counters(), "counters");
    assert_eq!(a.diagnostics(), b.diagnostics(), "diagnostics");
}

/// A small fixed trace that uses every feature of the format.
pub fn sample_trace() -> Trace {
    let mut b = TraceBuilder::new(RunMeta {
        title: Some("xyz \"quoted\" é".to_owned()),
        scheduler: Some("threads".to_owned()),
        workers: Some(2),
        wall_ns: 2_013_507,
        host: Some("build-box".to_owned()),
        started_at_unix_ns: Some(1_795_643_215_975_189_200),
        origin_ns: 0,
        ..RunMeta::default()
    });
    let g = b.graph_mut();
    let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
    let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
    let z = g.add_task("add-3", "add", [x, y], TaskState::Done).unwrap();
    let f = g
        .add_task("fail-4", "boom", [z], TaskState::Failed)
        .unwrap();
    g.add_task("sink-5", "sink", [f], TaskState::NotRun)
        .unwrap();
    let w0 = b
        .add_lane(Lane {
            name: "worker 0".into(),
            process: String::new(),
            sort_index: 0,
            is_async: false,
        })
        .unwrap();
    let w1 = b
        .add_lane(Lane {
            name: "worker 1".into(),
            process: String::new(),
            sort_index: 1,
            is_async: false,
        })
        .unwrap();
    let span = |task, lane, start_ns, end_ns, kind| Span {
        start_ns,
        end_ns,
        task,
        lane,
        kind,
        depth: 0,
        unclosed: false,
    };
    let sx = b
        .add_span(span(x, w0, 0, 1_003_210, SpanKind::Compute))
        .unwrap();
    let sy = b
        .add_span(span(y, w1, 4, 1_011_175, SpanKind::Compute))
        .unwrap();
    let st = b
        .add_span(span(z, w0, 1_003_300, 1_011_200, SpanKind::Transfer))
        .unwrap();
    let sz = b
        .add_span(span(z, w0, 1_011_187, 2_011_638, SpanKind::Compute))
        .unwrap();
    b.add_span(span(f, w1, 2_011_700, 2_011_700, SpanKind::Compute))
        .unwrap();
    b.add_flow(Flow { from: sx, to: sz });
    b.add_flow(Flow { from: sy, to: st });
    b.add_instant(Instant {
        ts_ns: 1_500_000,
        lane: Some(w0),
        name: "checkpoint".into(),
    });
    b.add_instant(Instant {
        ts_ns: 2_011_700,
        lane: None,
        name: "run stopped".into(),
    });
    b.add_counter(Counter {
        track: "memory".into(),
        series: "bytes".into(),
        samples: vec![
            CounterSample {
                ts_ns: 0,
                value: 1024.0,
            },
            CounterSample {
                ts_ns: 1_000_000,
                value: 1.5e9,
            },
        ],
    });
    b.add_diagnostic("task fail-4 failed: boom");
    b.build().unwrap()
}

/// Span ids of a trace, for readability in tests.
pub fn span_ids(t: &Trace) -> Vec<SpanId> {
    (0..t.spans().len() as u32).map(SpanId).collect()
}

/// The task of span `i`.
pub fn task_of(t: &Trace, i: usize) -> TaskId {
    t.spans()[i].task
}

/// The trace's diagnostics, one message per line.
pub fn diag(t: &Trace) -> String {
    t.diagnostics()
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
