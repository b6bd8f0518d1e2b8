//! Linked selection: the selected task, its ancestors and descendants, and the critical path.
//!
//! Both views read one [`Highlight`]; the app changes it when a view reports a
//! click (views never change it themselves). Ancestors and descendants are found
//! with an explicit stack, never recursion, so a chain of a million tasks is fine.

use std::sync::atomic::{AtomicU64, Ordering};

use taskscope_trace::{Dependents, Graph, TaskId};

/// The next [`Highlight::revision`]: unique across all highlights, so that a cache
/// keyed on it never mistakes one highlight for another.
static NEXT_REVISION: AtomicU64 = AtomicU64::new(1);

fn next_revision() -> u64 {
    NEXT_REVISION.fetch_add(1, Ordering::Relaxed)
}

const SELECTED: u8 = 1;
const ANCESTOR: u8 = 2;
const DESCENDANT: u8 = 4;
const CRITICAL: u8 = 8;
const MATCH: u8 = 16;

/// What each task looks like because of the selection, the critical path and the search.
#[derive(Clone, Debug)]
pub struct Highlight {
    selected: Option<TaskId>,
    flags: Vec<u8>,
    ancestors: usize,
    descendants: usize,
    critical: usize,
    matches: usize,
    revision: u64,
}

impl Default for Highlight {
    /// No selection, for an empty graph; with its own [`Highlight::revision`].
    fn default() -> Self {
        Self::new(0)
    }
}

impl Highlight {
    /// No selection, for a graph of `tasks` tasks.
    pub fn new(tasks: usize) -> Self {
        Self {
            selected: None,
            flags: vec![0; tasks],
            ancestors: 0,
            descendants: 0,
            critical: 0,
            matches: 0,
            revision: next_revision(),
        }
    }

    /// A number that changes whenever anything here changes (selection, critical
    /// path, matches) and differs between highlights, so that views can cache what
    /// they derive from it. Every highlight made by [`Highlight::new`] or
    /// [`Highlight::default`] gets its own; a clone keeps its original's (same
    /// contents) until either of them changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The selected task.
    pub fn selected(&self) -> Option<TaskId> {
        self.selected
    }

    /// Whether a task is selected.
    pub fn has_selection(&self) -> bool {
        self.selected.is_some()
    }

    fn flag(&self, task: TaskId, bit: u8) -> bool {
        self.flags.get(task.index()).is_some_and(|f| f & bit != 0)
    }

    /// Whether `task` is the selected task.
    pub fn is_selected(&self, task: TaskId) -> bool {
        self.selected == Some(task)
    }

    /// Whether `task` is an ancestor (a transitive input) of the selected task.
    pub fn is_ancestor(&self, task: TaskId) -> bool {
        self.flag(task, ANCESTOR)
    }

    /// Whether `task` is a descendant (transitively uses the result) of the selected task.
    pub fn is_descendant(&self, task: TaskId) -> bool {
        self.flag(task, DESCENDANT)
    }

    /// Whether `task` is on the critical path (when one is shown).
    pub fn is_critical(&self, task: TaskId) -> bool {
        self.flag(task, CRITICAL)
    }

    /// Whether `task` matches the current search.
    pub fn is_match(&self, task: TaskId) -> bool {
        self.flag(task, MATCH)
    }

    /// Whether `task` is the selection or related to it (drawn at full strength).
    ///
    /// With no selection every task is lit.
    pub fn is_lit(&self, task: TaskId) -> bool {
        self.selected.is_none() || self.flag(task, SELECTED | ANCESTOR | DESCENDANT)
    }

    /// How many ancestors the selected task has.
    pub fn ancestor_count(&self) -> usize {
        self.ancestors
    }

    /// How many descendants the selected task has.
    pub fn descendant_count(&self) -> usize {
        self.descendants
    }

    /// How many tasks are on the shown critical path.
    pub fn critical_count(&self) -> usize {
        self.critical
    }

    /// How many tasks match the search.
    pub fn match_count(&self) -> usize {
        self.matches
    }

    /// Selects `task` (or clears the selection) and marks its ancestors and descendants.
    ///
    /// # Complexity
    /// O(V + E) time in the worst case, O(V) extra memory; iterative.
    pub fn select(&mut self, graph: &Graph, dependents: &Dependents, task: Option<TaskId>) {
        self.revision = next_revision();
        if self.flags.len() != graph.len() {
            self.flags.resize(graph.len(), 0);
        }
        for f in &mut self.flags {
            *f &= !(SELECTED | ANCESTOR | DESCENDANT);
        }
        self.ancestors = 0;
        self.descendants = 0;
        self.selected = task.filter(|t| t.index() < graph.len());
        let Some(task) = self.selected else {
            return;
        };
        if let Some(f) = self.flags.get_mut(task.index()) {
            *f |= SELECTED;
        }
        self.ancestors = self.mark(task, ANCESTOR, |t| graph.deps(t));
        self.descendants = self.mark(task, DESCENDANT, |t| dependents.users(t));
    }

    /// Marks everything reachable from `start` through `next` with `bit`; returns how many.
    fn mark<'g>(&mut self, start: TaskId, bit: u8, next: impl Fn(TaskId) -> &'g [TaskId]) -> usize {
        let mut count = 0;
        let mut stack = vec![start];
        while let Some(t) = stack.pop() {
            for &n in next(t) {
                if let Some(f) = self.flags.get_mut(n.index())
                    && *f & bit == 0
                {
                    *f |= bit;
                    count += 1;
                    stack.push(n);
                }
            }
        }
        count
    }

    /// Marks `path` as the critical path (an empty slice hides it).
    pub fn set_critical_path(&mut self, path: &[TaskId]) {
        self.set_bit(CRITICAL, path);
        self.critical = path.iter().filter(|t| self.is_critical(**t)).count();
    }

    /// Marks the tasks matching the search (an empty slice clears it).
    pub fn set_matches(&mut self, tasks: &[TaskId]) {
        self.set_bit(MATCH, tasks);
        self.matches = tasks.iter().filter(|t| self.is_match(**t)).count();
    }

    fn set_bit(&mut self, bit: u8, tasks: &[TaskId]) {
        self.revision = next_revision();
        for f in &mut self.flags {
            *f &= !bit;
        }
        for t in tasks {
            if let Some(f) = self.flags.get_mut(t.index()) {
                *f |= bit;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{GraphBuilder, TaskState};

    /// a → c, b → c, c → d, e alone.
    fn graph() -> Graph {
        let mut g = GraphBuilder::new();
        let a = g.add_task("a", "inc", [], TaskState::Done).unwrap();
        let b = g.add_task("b", "inc", [], TaskState::Done).unwrap();
        let c = g.add_task("c", "add", [a, b], TaskState::Done).unwrap();
        g.add_task("d", "sum", [c], TaskState::Done).unwrap();
        g.add_task("e", "other", [], TaskState::Done).unwrap();
        g.build().unwrap()
    }

    #[test]
    fn ancestors_and_descendants() {
        let g = graph();
        let deps = g.dependents();
        let mut h = Highlight::new(g.len());
        assert!(h.is_lit(TaskId(4)));
        h.select(&g, &deps, Some(TaskId(2)));
        assert!(h.is_selected(TaskId(2)));
        assert!(h.is_ancestor(TaskId(0)) && h.is_ancestor(TaskId(1)));
        assert!(h.is_descendant(TaskId(3)));
        assert!(!h.is_lit(TaskId(4)));
        assert_eq!((h.ancestor_count(), h.descendant_count()), (2, 1));
        h.select(&g, &deps, Some(TaskId(0)));
        assert!(!h.is_ancestor(TaskId(1)) && !h.is_lit(TaskId(1)));
        assert!(h.is_descendant(TaskId(2)) && h.is_descendant(TaskId(3)));
        h.select(&g, &deps, None);
        assert!(!h.has_selection() && h.is_lit(TaskId(1)));
        h.select(&g, &deps, Some(TaskId(99)));
        assert!(!h.has_selection());
    }

    #[test]
    fn long_chain_without_recursion() {
        let n = 200_000;
        let mut b = GraphBuilder::with_capacity(n, n);
        let mut prev = None;
        for i in 0..n {
            prev = Some(
                b.add_task(&format!("t{i}"), "step", prev, TaskState::Done)
                    .unwrap(),
            );
        }
        let g = b.build().unwrap();
        let mut h = Highlight::new(g.len());
        h.select(&g, &g.dependents(), prev);
        assert_eq!(h.ancestor_count(), n - 1);
    }

    #[test]
    fn critical_path_and_matches() {
        let g = graph();
        let mut h = Highlight::new(g.len());
        let r0 = h.revision();
        h.set_critical_path(&[TaskId(0), TaskId(2), TaskId(3)]);
        assert_ne!(h.revision(), r0);
        assert!(h.is_critical(TaskId(2)) && !h.is_critical(TaskId(1)));
        assert_eq!(h.critical_count(), 3);
        h.set_matches(&[TaskId(4)]);
        assert!(h.is_match(TaskId(4)) && h.is_critical(TaskId(3)));
        h.set_critical_path(&[]);
        assert!(!h.is_critical(TaskId(2)));
        assert_eq!(h.match_count(), 1);
    }

    #[test]
    fn every_new_or_default_highlight_has_its_own_revision() {
        let revisions = [
            Highlight::default().revision(),
            Highlight::default().revision(),
            Highlight::new(0).revision(),
            Highlight::new(3).revision(),
        ];
        for (i, a) in revisions.iter().enumerate() {
            assert!(revisions[i + 1..].iter().all(|b| a != b), "{revisions:?}");
        }
        assert_ne!(revisions[0], 0);
        // A clone is the same highlight until one of them changes.
        let g = graph();
        let h = Highlight::new(g.len());
        let mut c = h.clone();
        assert_eq!(c.revision(), h.revision());
        c.select(&g, &g.dependents(), Some(TaskId(0)));
        assert_ne!(c.revision(), h.revision());
    }
}
