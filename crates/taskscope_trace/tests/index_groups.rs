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
