//! Key-prefix groups of the trace index on a shared sample graph.

// Test code: a broken fixture should fail loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use taskscope_trace::index::{KeyGroups, RunState, TaskTimes};
use taskscope_trace::{TaskId, TaskState};

#[test]
fn groups_follow_key_split_in_first_appearance_order() {
    let g = taskscope_fixtures::four_groups().unwrap();
    let groups = KeyGroups::new(&g, &TaskTimes::not_run(g.len()));
    let names: Vec<&str> = groups.all().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["load", "inc", "sum", "other"]);
    assert_eq!(groups.group_of(TaskId(2)), Some(1));
    assert_eq!(groups.find("sum"), Some(2));
    assert_eq!(groups.get(1).unwrap().tasks, 2);
    let expanded: BTreeSet<String> = ["inc".to_owned()].into();
    assert_eq!(groups.drawn_nodes(&BTreeSet::new(), false), 4);
    assert_eq!(groups.drawn_nodes(&expanded, false), 3 + 4);
    assert_eq!(groups.drawn_nodes(&expanded, true), 3 + 2);
    assert_eq!(groups.get(3).unwrap().states.worst(), TaskState::NotRun);
    assert_eq!(groups.get(1).unwrap().inner_edges, 0);
    assert_eq!(groups.get(0).unwrap().state_at(0), RunState::NotRun);
}

#[test]
fn a_group_with_a_failed_task_ends_failed_and_one_still_running_never_ends() {
    use taskscope_trace::{Lane, LaneId, RunMeta, Span, SpanKind, TraceBuilder};
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let load = [
        g.add_task("load-1", "load", [], TaskState::Done).unwrap(),
        g.add_task("load-2", "load", [], TaskState::Failed).unwrap(),
    ];
    let sum = [
        g.add_task("sum-1", "sum", [load[0]], TaskState::Done)
            .unwrap(),
        g.add_task("sum-2", "sum", [load[0]], TaskState::NotRun)
            .unwrap(),
    ];
    b.add_lane(Lane::default()).unwrap();
    // load-1 [0, 10), load-2 [10, 20) failed, sum-1 [20, 30), sum-2 from 30, never ended.
    let tasks = [load[0], load[1], sum[0], sum[1]];
    for (i, task) in tasks.into_iter().enumerate() {
        let start_ns = 10 * i as u64;
        b.add_span(Span {
            start_ns,
            end_ns: start_ns + 10,
            task,
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: task == sum[1],
        })
        .unwrap();
    }
    let trace = b.build().unwrap();
    let groups = KeyGroups::new(trace.graph(), &TaskTimes::new(&trace));
    let loads = groups.get(groups.find("load").unwrap()).unwrap();
    let sums = groups.get(groups.find("sum").unwrap()).unwrap();
    assert_eq!(loads.state_at(15), RunState::Running);
    assert_eq!(loads.state_at(20), RunState::Failed);
    assert_eq!(sums.state_at(35), RunState::Running);
    // At the trace's end, and after: sum-2 has not finished.
    assert_eq!(sums.state_at(40), RunState::Running);
    assert_eq!(sums.state_at(u64::MAX), RunState::Running);
    assert_eq!(sums.done_at(40), 1);
}
