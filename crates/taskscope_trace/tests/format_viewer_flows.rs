//! The dependency arrows of our files in other viewers: Perfetto's JSON importer and
//! Chrome DevTools' trace engine, replayed by `taskscope_test_support::viewer_flows`.

#![allow(clippy::unwrap_used, reason = "tests")]

mod format_common;

use proptest::prelude::*;
use taskscope_test_support::viewer_flows::{assert_every_dependency_is_an_arrow, check};
use taskscope_trace::{Lane, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder};

use format_common::sample_trace;

fn write(trace: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    trace.write_to(&mut out).unwrap();
    out
}

#[test]
fn a_streamed_task_seen_running_keeps_its_arrows_in_devtools() {
    use std::sync::Arc;
    use taskscope_trace::{LaneId, StreamWriter};
    // `a` is streamed as running (B, then E); `b` starts on its lane as it ends, `c` on
    // the other lane.
    let mut builder = TraceBuilder::new(RunMeta::default());
    let g = builder.graph_mut();
    let a = g.add_task("a", "load", [], TaskState::Done).unwrap();
    let b = g.add_task("b", "inc", [a], TaskState::Done).unwrap();
    let c = g.add_task("c", "inc", [a], TaskState::Done).unwrap();
    for _ in 0..2 {
        builder.add_lane(Lane::default()).unwrap();
    }
    let span = |task, lane, start_ns, end_ns| Span {
        start_ns,
        end_ns,
        task,
        lane: LaneId(lane),
        kind: SpanKind::Compute,
        depth: 0,
        unclosed: false,
    };
    let spans = [
        span(a, 0, 0, 10_000),
        span(c, 1, 12_000, 15_000),
        span(b, 0, 10_000, 20_000),
    ];
    for s in spans {
        builder.add_span(s).unwrap();
    }
    let trace = builder.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.json");
    let mut w =
        StreamWriter::create(&path, Arc::new(trace.graph().clone()), trace.lanes()).unwrap();
    w.push_begin(a, LaneId(0), 0);
    w.push_end(&spans[0], TaskState::Done);
    w.push_span(&spans[1], TaskState::Done);
    w.push_span(&spans[2], TaskState::Done);
    w.finish(&trace).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let result = check(&bytes, "stream.json").unwrap();
    assert_eq!(result.dependencies, 2, "{result}");
    // The E of `a` has the ts and thread of `b`'s slice, before it in the file: the
    // arrow to `b` still binds to `b`.
    assert!(result.devtools.is_exact(), "{result}");
}

#[test]
fn the_sample_shows_every_dependency_in_both_viewers() {
    let result = check(&write(&sample_trace()), "sample.json").unwrap();
    assert_eq!(result.dependencies, 3, "{result}");
    assert!(result.perfetto.is_exact(), "{result}");
    assert!(result.devtools.is_exact(), "{result}");
    // The sample's `add` has a transfer span that ends 13 ns after its compute span
    // starts, on one lane: Perfetto draws the compute span on an overflow track. That
    // is the only rule the file breaks, and it is the trace's, not the writer's.
    assert_eq!(result.problems.len(), 1, "{result}");
    assert!(result.problems[0].contains("overlaps"), "{result}");
}

/// A run on `lanes` lanes: task `i` depends on the listed earlier tasks, runs (or not)
/// for `dur` ns after a `gap` on its lane, as a scheduler would place it.
#[derive(Debug, Clone)]
struct Run {
    lanes: u32,
    tasks: Vec<(Vec<usize>, bool, u32, u64, u64)>,
    two_processes: bool,
}

fn arb_run() -> impl Strategy<Value = Run> {
    (1u32..=4, 1usize..40, any::<bool>()).prop_flat_map(|(lanes, n, two_processes)| {
        let task = |i: usize| {
            (
                proptest::collection::vec(0..i.max(1), 0..=3.min(i)),
                prop::bool::weighted(0.9),
                0..lanes,
                0u64..4,
                0u64..4,
            )
        };
        let tasks: Vec<_> = (0..n).map(task).collect();
        tasks.prop_map(move |tasks| Run {
            lanes,
            tasks: tasks
                .into_iter()
                .enumerate()
                .map(|(i, (deps, ran, lane, gap, dur))| {
                    let deps = if i == 0 { Vec::new() } else { deps };
                    (deps, ran, lane, gap, dur)
                })
                .collect(),
            two_processes,
        })
    })
}

/// The trace of `run` and the start of each task that ran.
fn build(run: &Run) -> (Trace, Vec<Option<(u32, u64)>>) {
    let mut b = TraceBuilder::new(RunMeta::default());
    for lane in 0..run.lanes {
        b.add_lane(Lane {
            name: format!("worker {lane}"),
            process: if run.two_processes && lane % 2 == 1 {
                "other".into()
            } else {
                String::new()
            },
            sort_index: i64::from(lane),
            is_async: false,
        })
        .unwrap();
    }
    let mut free = vec![0u64; run.lanes as usize];
    let mut ends: Vec<Option<u64>> = Vec::new();
    let mut starts = Vec::new();
    for (i, (deps, ran, lane, gap, dur)) in run.tasks.iter().enumerate() {
        let ready = deps.iter().filter_map(|&d| ends[d]).max().unwrap_or(0);
        let runs = *ran && deps.iter().all(|&d| ends[d].is_some());
        let state = if runs {
            TaskState::Done
        } else {
            TaskState::NotRun
        };
        let deps: Vec<TaskId> = deps.iter().map(|&d| TaskId(d as u32)).collect();
        let task = b
            .graph_mut()
            .add_task(&format!("t-{i}"), "t", deps, state)
            .unwrap();
        if !runs {
            ends.push(None);
            starts.push(None);
            continue;
        }
        let start = free[*lane as usize].max(ready) + gap;
        free[*lane as usize] = start + dur;
        ends.push(Some(start + dur));
        starts.push(Some((*lane, start)));
        b.add_span(Span {
            start_ns: start,
            end_ns: start + dur,
            task,
            lane: taskscope_trace::LaneId(*lane),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    (b.build().unwrap(), starts)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Where no two spans of a lane start together and every producer starts before its
    /// consumer, both viewers draw exactly the graph's dependencies. Otherwise Perfetto
    /// still draws one arrow per dependency (some at a slice that starts with the
    /// intended one), and DevTools loses only arrows whose two ends start together.
    #[test]
    fn run_like_traces_show_their_dependencies(run in arb_run()) {
        let (trace, starts) = build(&run);
        let bytes = write(&trace);
        let result = check(&bytes, "run.json").unwrap();
        let mut seen = std::collections::HashSet::new();
        let costart = starts.iter().flatten().any(|s| !seen.insert(*s));
        let mut same_start = 0;
        let mut edges = 0;
        for (c, (deps, ..)) in run.tasks.iter().enumerate() {
            for &d in deps {
                if let (Some((_, a)), Some((_, b))) = (starts[d], starts[c]) {
                    edges += 1;
                    same_start += usize::from(a == b);
                }
            }
        }
        prop_assert_eq!(result.dependencies, edges);
        if !costart && same_start == 0 {
            assert_every_dependency_is_an_arrow(&bytes, "run.json");
        } else {
            prop_assert!(result.problems.is_empty(), "{}", result);
            prop_assert_eq!(result.perfetto.arrows.len(), edges, "{}", result);
            if !costart {
                prop_assert!(result.perfetto.is_exact(), "{}", result);
                prop_assert_eq!(result.devtools.matching, edges - same_start, "{}", result);
            }
        }
    }
}
