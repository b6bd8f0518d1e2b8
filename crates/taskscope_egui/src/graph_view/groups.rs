//! Groups of tasks by key prefix, as the grouped drawing collapses them, and how
//! each node of a drawing is lit by the selection, the critical path and the search.
//!
//! [`KeyGroups`] numbers the groups exactly like `taskscope_layout`'s grouped
//! scene (by [`taskscope_layout::key_split`], in order of each group's first
//! task) and keeps what the view needs to paint a collapsed group: a representative
//! task for its colour, its mean duration, its usual lane and its replay times.
//! [`group_lights`] folds the per-task [`Highlight`] into one [`NodeLight`] per
//! group. Both are pure; this module decides nothing about painting.

use std::collections::{BTreeMap, BTreeSet};

use taskscope_layout::key_split;
use taskscope_trace::{Graph, TaskId};

use crate::replay::{NodeState, TaskTimes};
use crate::selection::Highlight;

/// What one group of tasks adds up to.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupInfo {
    /// The key prefix.
    pub name: String,
    /// How many tasks it holds.
    pub tasks: usize,
    /// Its first task (by id): its name gives the group's colour.
    pub first_task: TaskId,
    /// Mean duration of the tasks that ran, in ns (0 if none ran).
    pub mean_duration_ns: u64,
    /// The lane that ran most of its tasks (lowest on ties), if any ran.
    pub lane: Option<u32>,
    /// The first start of any of its tasks, if any ran.
    pub start_ns: Option<u64>,
    /// The last end of any of its tasks.
    pub end_ns: u64,
    /// When each task that ran started, sorted.
    starts_ns: Vec<u64>,
    /// When each task that ran finished, sorted.
    ends_ns: Vec<u64>,
}

impl GroupInfo {
    /// The group's state at `t_ns`, from its tasks' states (a task runs from its
    /// first start to its last end):
    /// - [`NodeState::NotRun`] when none of its tasks ran;
    /// - [`NodeState::Running`] when at least one of its tasks is running at `t_ns`;
    /// - [`NodeState::Done`] when every task of it that ran has finished — tasks
    ///   that never ran do not count here (the `k / n done` label shows them);
    /// - [`NodeState::Waiting`] otherwise: none runs, some have yet to start
    ///   (before the first start, or in a gap between its tasks).
    ///
    /// # Complexity
    /// O(log tasks).
    pub fn state_at(&self, t_ns: u64) -> NodeState {
        if self.ends_ns.is_empty() {
            return NodeState::NotRun;
        }
        let started = self.starts_ns.partition_point(|&s| s <= t_ns);
        let finished = self.done_at(t_ns);
        // A task with `end <= t` also has `start <= t`, so the difference counts
        // the tasks with `start <= t < end`.
        if started > finished {
            NodeState::Running
        } else if finished == self.ends_ns.len() {
            NodeState::Done
        } else {
            NodeState::Waiting
        }
    }

    /// How many of its tasks have finished at `t_ns`.
    ///
    /// # Complexity
    /// O(log tasks).
    pub fn done_at(&self, t_ns: u64) -> usize {
        self.ends_ns.partition_point(|&e| e <= t_ns)
    }
}

/// Every task's group, and each group's summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyGroups {
    groups: Vec<GroupInfo>,
    group_of: Vec<u32>,
    by_name: BTreeMap<String, u32>,
}

impl KeyGroups {
    /// Groups the tasks of `graph` by key prefix; `times` gives durations and lanes.
    ///
    /// # Complexity
    /// O(V × key length + V log V) time, O(V) memory.
    pub fn new(graph: &Graph, times: &TaskTimes) -> Self {
        let mut by_name: BTreeMap<String, u32> = BTreeMap::new();
        let mut groups: Vec<GroupInfo> = Vec::new();
        let mut group_of = Vec::with_capacity(graph.len());
        let mut lanes: Vec<BTreeMap<u32, usize>> = Vec::new();
        let mut total_ns: Vec<u64> = Vec::new();
        for t in graph.tasks() {
            let name = key_split(graph.key(t).unwrap_or(""));
            let g = *by_name.entry(name.clone()).or_insert_with(|| {
                groups.push(GroupInfo {
                    name,
                    tasks: 0,
                    first_task: t,
                    mean_duration_ns: 0,
                    lane: None,
                    start_ns: None,
                    end_ns: 0,
                    starts_ns: Vec::new(),
                    ends_ns: Vec::new(),
                });
                lanes.push(BTreeMap::new());
                total_ns.push(0);
                groups.len() as u32 - 1
            });
            group_of.push(g);
            let Some(info) = groups.get_mut(g as usize) else {
                continue;
            };
            info.tasks += 1;
            if let Some((s, e)) = times.range(t) {
                info.start_ns = Some(info.start_ns.map_or(s, |x| x.min(s)));
                info.end_ns = info.end_ns.max(e);
                info.starts_ns.push(s);
                info.ends_ns.push(e);
                if let Some(total) = total_ns.get_mut(g as usize) {
                    *total = total.saturating_add(e.saturating_sub(s));
                }
            }
            if let (Some(l), Some(counts)) = (times.lane(t), lanes.get_mut(g as usize)) {
                *counts.entry(l).or_default() += 1;
            }
        }
        for ((info, counts), total) in groups.iter_mut().zip(&lanes).zip(&total_ns) {
            info.starts_ns.sort_unstable();
            info.ends_ns.sort_unstable();
            info.mean_duration_ns = total / (info.ends_ns.len().max(1) as u64);
            info.lane = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&l, _)| l);
        }
        Self {
            groups,
            group_of,
            by_name,
        }
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups (an empty graph).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Group number `g`.
    pub fn get(&self, g: u32) -> Option<&GroupInfo> {
        self.groups.get(g as usize)
    }

    /// All groups, by number.
    pub fn all(&self) -> &[GroupInfo] {
        &self.groups
    }

    /// The group of `task`.
    pub fn group_of(&self, task: TaskId) -> Option<u32> {
        self.group_of.get(task.index()).copied()
    }

    /// The number of the group called `name`.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The group of every task, indexed by task.
    pub fn groups_of_tasks(&self) -> &[u32] {
        &self.group_of
    }

    /// How many nodes a grouped drawing has with the groups in `expanded` drawn
    /// task by task (two nodes per task, task and output box, unless `compact`).
    ///
    /// # Complexity
    /// O(groups).
    pub fn drawn_nodes(&self, expanded: &BTreeSet<String>, compact: bool) -> usize {
        let per_task = if compact { 1 } else { 2 };
        self.groups
            .iter()
            .map(|g| {
                if expanded.contains(&g.name) {
                    g.tasks * per_task
                } else {
                    1
                }
            })
            .sum()
    }
}

/// How a node is lit: flags for the selection, its relatives, the critical path and
/// the search. A group has a flag when any of its tasks has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeLight(u8);

impl NodeLight {
    const SELECTED: u8 = 1;
    const ANCESTOR: u8 = 2;
    const DESCENDANT: u8 = 4;
    const CRITICAL: u8 = 8;
    const MATCH: u8 = 16;

    /// How `task` is lit.
    pub fn of_task(highlight: &Highlight, task: TaskId) -> Self {
        let mut f = 0;
        if highlight.is_selected(task) {
            f |= Self::SELECTED;
        }
        if highlight.is_ancestor(task) {
            f |= Self::ANCESTOR;
        }
        if highlight.is_descendant(task) {
            f |= Self::DESCENDANT;
        }
        if highlight.is_critical(task) {
            f |= Self::CRITICAL;
        }
        if highlight.is_match(task) {
            f |= Self::MATCH;
        }
        Self(f)
    }

    /// Holds the selected task.
    pub fn selected(self) -> bool {
        self.0 & Self::SELECTED != 0
    }

    /// Holds an ancestor of the selected task.
    pub fn ancestor(self) -> bool {
        self.0 & Self::ANCESTOR != 0
    }

    /// Holds a descendant of the selected task.
    pub fn descendant(self) -> bool {
        self.0 & Self::DESCENDANT != 0
    }

    /// Holds a task of the shown critical path.
    pub fn critical(self) -> bool {
        self.0 & Self::CRITICAL != 0
    }

    /// Holds a search match.
    pub fn matched(self) -> bool {
        self.0 & Self::MATCH != 0
    }

    /// Drawn at full strength: nothing is selected, or it holds the selection or a relative.
    pub fn lit(self, has_selection: bool) -> bool {
        !has_selection || self.0 & (Self::SELECTED | Self::ANCESTOR | Self::DESCENDANT) != 0
    }

    /// Upstream of the selection (the selection itself or an ancestor).
    pub fn up(self) -> bool {
        self.0 & (Self::SELECTED | Self::ANCESTOR) != 0
    }

    /// Downstream of the selection (the selection itself or a descendant).
    pub fn down(self) -> bool {
        self.0 & (Self::SELECTED | Self::DESCENDANT) != 0
    }
}

/// Sets `out[g]` to the light of group `g`: the union of its tasks' lights.
///
/// # Complexity
/// O(V) time; no allocation beyond resizing `out` to the group count.
pub fn group_lights(groups: &KeyGroups, highlight: &Highlight, out: &mut Vec<NodeLight>) {
    out.clear();
    out.resize(groups.len(), NodeLight::default());
    for (i, &g) in groups.groups_of_tasks().iter().enumerate() {
        let light = NodeLight::of_task(highlight, TaskId(i as u32));
        if light.0 != 0
            && let Some(slot) = out.get_mut(g as usize)
        {
            slot.0 |= light.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{GraphBuilder, TaskState};

    /// load-0 → inc-1 → sum-3 ← inc-2 ← load-0, and other-4 alone.
    fn graph() -> Graph {
        let mut g = GraphBuilder::new();
        let l = g.add_task("load-0", "load", [], TaskState::Done).unwrap();
        let a = g.add_task("inc-1", "inc", [l], TaskState::Done).unwrap();
        let b = g.add_task("inc-2", "inc", [l], TaskState::Done).unwrap();
        g.add_task("sum-3", "sum", [a, b], TaskState::Done).unwrap();
        g.add_task("other-4", "other", [], TaskState::NotRun)
            .unwrap();
        g.build().unwrap()
    }

    #[test]
    fn groups_follow_key_split_in_first_appearance_order() {
        let g = graph();
        let groups = KeyGroups::new(&g, &TaskTimes::default());
        let names: Vec<&str> = groups.all().iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, vec!["load", "inc", "sum", "other"]);
        assert_eq!(groups.group_of(TaskId(2)), Some(1));
        assert_eq!(groups.find("sum"), Some(2));
        assert_eq!(groups.get(1).unwrap().tasks, 2);
        let expanded: BTreeSet<String> = ["inc".to_owned()].into();
        assert_eq!(groups.drawn_nodes(&BTreeSet::new(), false), 4);
        assert_eq!(groups.drawn_nodes(&expanded, false), 3 + 4);
        assert_eq!(groups.drawn_nodes(&expanded, true), 3 + 2);
    }

    #[test]
    fn replay_state_and_progress_of_a_group() {
        let trace = crate::synthetic::diamond().unwrap();
        let times = TaskTimes::from_trace(&trace);
        let groups = KeyGroups::new(trace.graph(), &times);
        let inc = groups.get(groups.find("inc").unwrap()).unwrap();
        // inc-1 runs 0–10 ms, inc-2 0–9 ms.
        assert_eq!(inc.state_at(5_000_000), NodeState::Running);
        assert_eq!(inc.done_at(5_000_000), 0);
        assert_eq!(inc.done_at(9_500_000), 1);
        assert_eq!(inc.state_at(10_000_000), NodeState::Done);
        assert_eq!(inc.done_at(10_000_000), 2);
        assert_eq!(inc.mean_duration_ns, 9_500_000);
        assert_eq!(inc.lane, Some(0));
        let add = groups.get(groups.find("add").unwrap()).unwrap();
        assert_eq!(add.state_at(5_000_000), NodeState::Waiting);
        let g = graph();
        let none = KeyGroups::new(&g, &TaskTimes::default());
        assert_eq!(none.get(0).unwrap().state_at(0), NodeState::NotRun);
    }

    #[test]
    fn a_group_runs_only_while_one_of_its_tasks_runs_and_is_done_when_all_that_ran_are() {
        use taskscope_trace::{Lane, LaneId, RunMeta, Span, SpanKind, TraceBuilder};
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let a = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
        let c = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
        g.add_task("inc-3", "inc", [], TaskState::NotRun).unwrap();
        b.add_lane(Lane {
            name: "w".into(),
            process: "p".into(),
            sort_index: 0,
            is_async: false,
        })
        .unwrap();
        // inc-1 runs 10–20, inc-2 30–40, inc-3 never: a gap from 20 to 30.
        for (task, start_ns, end_ns) in [(a, 10, 20), (c, 30, 40)] {
            b.add_span(Span {
                start_ns,
                end_ns,
                task,
                lane: LaneId(0),
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        let trace = b.build().unwrap();
        let groups = KeyGroups::new(trace.graph(), &TaskTimes::from_trace(&trace));
        let inc = groups.get(0).unwrap();
        assert_eq!(inc.tasks, 3);
        let at = |t| inc.state_at(t);
        assert_eq!(at(5), NodeState::Waiting);
        assert_eq!(at(10), NodeState::Running);
        assert_eq!(at(19), NodeState::Running);
        // In the gap nothing of it runs: it waits for inc-2.
        assert_eq!(at(20), NodeState::Waiting);
        assert_eq!(at(29), NodeState::Waiting);
        assert_eq!(at(30), NodeState::Running);
        // Both tasks that ran are done; inc-3, which never ran, shows in the count.
        assert_eq!(at(40), NodeState::Done);
        assert_eq!(inc.done_at(40), 2);
    }

    #[test]
    fn a_group_is_lit_when_any_of_its_tasks_is() {
        let g = graph();
        let groups = KeyGroups::new(&g, &TaskTimes::default());
        let mut h = Highlight::new(g.len());
        let mut lights = Vec::new();
        group_lights(&groups, &h, &mut lights);
        assert_eq!(lights.len(), 4);
        assert!(lights.iter().all(|l| l.lit(false) && !l.up()));
        h.select(&g, &g.dependents(), Some(TaskId(1)));
        h.set_critical_path(&[TaskId(0), TaskId(2), TaskId(3)]);
        group_lights(&groups, &h, &mut lights);
        let [load, inc, sum, other] = lights.as_slice() else {
            panic!("{lights:?}");
        };
        assert!(load.ancestor() && !load.selected() && load.critical());
        assert!(inc.selected() && inc.critical() && inc.up() && inc.down());
        assert!(sum.descendant() && sum.lit(true) && !sum.up());
        assert!(!other.lit(true) && !other.critical());
    }
}
