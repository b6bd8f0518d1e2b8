//! How each node of a drawing is lit by the selection, the critical path and the
//! search: [`group_lights`] folds the per-task [`Highlight`] into one
//! [`NodeLight`] per collapsed group (the groups themselves are the trace
//! crate's [`KeyGroups`], shared with the scene). Pure; this module decides
//! nothing about painting.

use taskscope_trace::TaskId;
use taskscope_trace::index::KeyGroups;

use crate::selection::Highlight;

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
    use taskscope_trace::Graph;
    use taskscope_trace::index::{RunState, TaskTimes};

    /// load-0 → inc-1 → sum-3 ← inc-2 ← load-0, and other-4 alone.
    fn graph() -> Graph {
        taskscope_fixtures::four_groups().unwrap()
    }

    #[test]
    fn replay_state_and_progress_of_a_group() {
        let trace = taskscope_fixtures::diamond().unwrap();
        let times = TaskTimes::new(&trace);
        let groups = KeyGroups::new(trace.graph(), &times);
        let inc = groups.get(groups.find("inc").unwrap()).unwrap();
        // inc-1 runs 0–10 ms, inc-2 0–9 ms.
        assert_eq!(inc.state_at(5_000_000), RunState::Running);
        assert_eq!(inc.done_at(5_000_000), 0);
        assert_eq!(inc.done_at(9_500_000), 1);
        assert_eq!(inc.state_at(10_000_000), RunState::Done);
        assert_eq!(inc.done_at(10_000_000), 2);
        assert_eq!(inc.mean_duration_ns, 9_500_000);
        assert_eq!(inc.lane, Some(taskscope_trace::LaneId(0)));
        let add = groups.get(groups.find("add").unwrap()).unwrap();
        assert_eq!(add.state_at(5_000_000), RunState::Waiting);
        let g = graph();
        let none = KeyGroups::new(&g, &TaskTimes::not_run(g.len()));
        assert_eq!(none.get(0).unwrap().state_at(0), RunState::NotRun);
    }

    #[test]
    fn a_group_is_lit_when_any_of_its_tasks_is() {
        let g = graph();
        let groups = KeyGroups::new(&g, &TaskTimes::not_run(g.len()));
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
