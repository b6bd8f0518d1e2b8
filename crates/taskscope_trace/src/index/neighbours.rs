//! A task's neighbourhood: its inputs and its users a few steps out, closest
//! first, bounded so that a task feeding a million others stays a small set.
//! This module decides nothing about drawing.

use std::collections::BTreeSet;
use std::collections::VecDeque;

use crate::model::{Dependents, Graph, TaskId};

/// How far a neighbourhood reaches by default, in dependency steps each way.
pub const NEIGHBOURHOOD_STEPS: usize = 2;

/// The most tasks a neighbourhood holds by default (the task itself included).
pub const NEIGHBOURHOOD_LIMIT: usize = 200;

/// `task`, its inputs and their inputs up to `steps` steps up, and its users and
/// theirs up to `steps` steps down, at most `limit` tasks in all: nearer tasks
/// first (one step up and down before two), ties by id. Sorted by id. Empty when
/// `task` is not in `graph`.
///
/// # Complexity
/// O(limit × (log limit + degree)): a breadth-first walk that stops at `limit`
/// tasks, whatever the graph's size.
pub fn neighbourhood(
    graph: &Graph,
    dependents: &Dependents,
    task: TaskId,
    steps: usize,
    limit: usize,
) -> Vec<TaskId> {
    if task.index() >= graph.len() || limit == 0 {
        return Vec::new();
    }
    let mut seen = BTreeSet::from([task]);
    // Two frontiers walked in lockstep: inputs (up) and users (down).
    let mut queue: VecDeque<(TaskId, usize, bool)> = VecDeque::new();
    queue.push_back((task, 0, true));
    queue.push_back((task, 0, false));
    while let Some((t, depth, up)) = queue.pop_front() {
        if depth >= steps {
            continue;
        }
        let mut next: Vec<TaskId> = if up {
            graph.deps(t).to_vec()
        } else {
            dependents.users(t).to_vec()
        };
        next.sort_unstable();
        for n in next {
            if seen.len() >= limit {
                return seen.into_iter().collect();
            }
            if seen.insert(n) {
                queue.push_back((n, depth + 1, up));
            }
        }
    }
    seen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GraphBuilder, TaskState};

    #[test]
    fn inputs_and_users_a_few_steps_out_nearest_first_within_the_limit() {
        // a → b → c → d → e, and b → f.
        let mut g = GraphBuilder::new();
        let a = g.add_task("a", "a", [], TaskState::Done).unwrap();
        let b = g.add_task("b", "b", [a], TaskState::Done).unwrap();
        let c = g.add_task("c", "c", [b], TaskState::Done).unwrap();
        let d = g.add_task("d", "d", [c], TaskState::Done).unwrap();
        let e = g.add_task("e", "e", [d], TaskState::Done).unwrap();
        let f = g.add_task("f", "f", [b], TaskState::Done).unwrap();
        let g = g.build().unwrap();
        let users = g.dependents();
        assert_eq!(neighbourhood(&g, &users, c, 1, 100), vec![b, c, d]);
        assert_eq!(neighbourhood(&g, &users, c, 2, 100), vec![a, b, c, d, e]);
        assert_eq!(neighbourhood(&g, &users, b, 1, 100), vec![a, b, c, f]);
        // The limit keeps the nearest: b's inputs and users, one step, by id.
        assert_eq!(neighbourhood(&g, &users, b, 2, 3), vec![a, b, c]);
        assert_eq!(neighbourhood(&g, &users, TaskId(99), 2, 10), vec![]);
        let _ = (e, f);
    }
}
