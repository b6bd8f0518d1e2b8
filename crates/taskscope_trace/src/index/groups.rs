//! Key-prefix groups: Dask's `key_split` and, for every task, the group it
//! belongs to, with what each group adds up to.
//!
//! Groups are numbered in order of their first task (by id), so the numbering is
//! stable and the same for the graph scene, the graph view and anything else
//! that names a group by number. This module decides nothing about drawing.
//!
//! # Parts
//! A group too big to look at task by task can be cut into parts
//! ([`KeyGroups::split`]): its tasks in run order (by start, tasks that never ran
//! last, ties by id) cut into at most [`SPLIT_PARTS`] runs of near-equal size,
//! each a group of its own named `mix #3` (and, cut again, `mix #3.7`), with the
//! same summaries as any group. Run order keeps tasks that ran together in one
//! part, so a part reads as a phase of the group.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::times::{RunState, TaskTimes};
use crate::intern::Interner;
use crate::model::{Graph, LaneId, TaskId, TaskState};

/// The name prefix of a task key: Dask's `dask.utils.key_split` applied to the
/// key's text, rule for rule (checked against dask 2026.8.0's source).
///
/// The key is split on `-`. The first word is kept; when it does not start with a
/// letter (a tuple key written as text, `('x-2', 1)`), only what comes before its
/// first `,` is kept, stripped of `_'()"` at both ends. Each following word is
/// appended while it is made of letters only and is not an 8-letter word starting
/// with `a`–`f` (a token such as `abcdefab`); the first other word ends the name.
/// A result of 32 hex digits is `data`; one starting with `<` (an object's repr,
/// `<module.Class object at 0x…>`) gives the last dotted part of its first word;
/// an empty result, or an empty key, is `Other`.
///
/// Dask also takes tuple *objects* by their first element (`key_split(('x-2', 1))`);
/// a key here is text, so readers that see a tuple as a tuple (a JSON list) call
/// this on its first element themselves. "Letter" is Python's `str.isalpha`: exact
/// for ASCII; beyond it Rust's `char::is_alphabetic` (without numeric letters such as
/// Roman numerals) stands in for Python's Unicode categories `L*`, which differ only
/// on combining marks and a few symbols.
///
/// ```
/// use taskscope_trace::index::key_split;
/// assert_eq!(key_split("inc-584d85fa-f2d9-4f19-b665-5038de1b8c9d"), "inc");
/// assert_eq!(key_split("add-3-17"), "add");
/// assert_eq!(key_split("hello-world-1"), "hello-world");
/// assert_eq!(key_split("('x-2', 1)"), "x");
/// assert_eq!(key_split("('sum-agg', 0)"), "sum"); // the text of a tuple, as Dask reads text
/// assert_eq!(key_split("x-abcdefab"), "x");
/// assert_eq!(key_split("_swap-9138805db3c96cd47d9ae79c77b95fa5"), "swap");
/// assert_eq!(key_split("_(x)"), "x");
/// assert_eq!(key_split("ae05086432ca935f6eba409a8ecd4896"), "data");
/// assert_eq!(key_split("<module.submodule.myclass object at 0xdaf372"), "myclass");
/// assert_eq!(key_split(""), "Other");
/// ```
///
/// # Complexity
/// O(key length).
pub fn key_split(key: &str) -> String {
    key_prefix(key).into_owned()
}

/// [`key_split`] without a copy where the name is a part of the key (almost always:
/// the key's first words, or its first word stripped); owned where the rules join
/// pieces that are not next to each other in the key, and for an object's repr (`<…>`,
/// rare).
///
/// ```
/// use std::borrow::Cow;
/// use taskscope_trace::index::{key_prefix, key_split};
/// assert!(matches!(key_prefix("hello-world-1"), Cow::Borrowed("hello-world")));
/// assert_eq!(key_prefix("_(x)-abc"), key_split("_(x)-abc"));
/// ```
///
/// # Complexity
/// O(key length).
pub fn key_prefix(key: &str) -> Cow<'_, str> {
    let mut words = key.split('-');
    let first = words.next().unwrap_or("");
    let Some(c0) = first.chars().next() else {
        return Cow::Borrowed("Other");
    };
    let mut result = Cow::Borrowed(if py_isalpha(c0) {
        first
    } else {
        let before_comma = first.split(',').next().unwrap_or(first);
        before_comma.trim_matches(|c| matches!(c, '_' | '\'' | '(' | ')' | '"'))
    });
    // Where `result` ends in `key`, while it is a part of it.
    let mut end = match &result {
        Cow::Borrowed(r) if r.len() == first.len() => Some(first.len()),
        _ => None,
    };
    for word in words {
        let is_token = word.chars().count() == 8
            && word
                .chars()
                .next()
                .is_some_and(|c| ('a'..='f').contains(&c));
        if !word.is_empty() && word.chars().all(py_isalpha) && !is_token {
            if let Some(e) = end {
                // The word follows `result` in the key: the part grows.
                let grown = e + 1 + word.len();
                result = Cow::Borrowed(key.get(..grown).unwrap_or(key));
                end = Some(grown);
            } else {
                let owned = result.to_mut();
                owned.push('-');
                owned.push_str(word);
            }
        } else {
            break;
        }
    }
    if result.len() == 32
        && result
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Cow::Borrowed("data");
    }
    if result.is_empty() {
        // Python: `result[0]` raises on an empty result, and key_split answers "Other".
        return Cow::Borrowed("Other");
    }
    if result.starts_with('<') {
        // `result.strip("<>").split()[0].split(".")[-1]`; no first word raises: "Other".
        // Rare (an object's repr): owned.
        return Cow::Owned(
            result
                .trim_matches(|c| c == '<' || c == '>')
                .split(py_isspace)
                .find(|w| !w.is_empty())
                .and_then(|w| w.rsplit('.').next())
                .unwrap_or("Other")
                .to_owned(),
        );
    }
    result
}

/// Python's `str.isalpha` for one character (see [`key_split`] on its exactness).
fn py_isalpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// Python's `str.isspace` for one character: Unicode white space, and the ASCII
/// information separators U+001C–U+001F that Python counts as well.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// How many tasks of a group ended in each [`TaskState`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// Ran to completion.
    pub done: usize,
    /// Failed.
    pub failed: usize,
    /// Stopped before finishing.
    pub cancelled: usize,
    /// Never started.
    pub not_run: usize,
}

impl StateCounts {
    fn add(&mut self, state: TaskState) {
        match state {
            TaskState::Done => self.done += 1,
            TaskState::Failed => self.failed += 1,
            TaskState::Cancelled => self.cancelled += 1,
            TaskState::NotRun => self.not_run += 1,
        }
    }

    /// The counts with their state, in the order done, failed, cancelled, not run.
    pub fn by_state(&self) -> [(TaskState, usize); 4] {
        [
            (TaskState::Done, self.done),
            (TaskState::Failed, self.failed),
            (TaskState::Cancelled, self.cancelled),
            (TaskState::NotRun, self.not_run),
        ]
    }

    /// The worst state present: failed, then cancelled, then not run, else done.
    pub fn worst(&self) -> TaskState {
        if self.failed > 0 {
            TaskState::Failed
        } else if self.cancelled > 0 {
            TaskState::Cancelled
        } else if self.not_run > 0 {
            TaskState::NotRun
        } else {
            TaskState::Done
        }
    }
}

/// How many parts [`KeyGroups::split`] cuts a group into (fewer when it has fewer
/// tasks).
pub const SPLIT_PARTS: usize = 16;

/// Where a part ([`KeyGroups::split`]) sits in the group it was cut from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartOf {
    /// The key-prefix group it was cut from, at the top.
    pub root: String,
    /// The group or part it was cut from.
    pub parent: String,
    /// Its number among the parent's parts, from 1.
    pub number: usize,
    /// How many parts the parent was cut into.
    pub of: usize,
    /// The position of its first task in the parent's run order, from 1.
    pub first: usize,
    /// How many tasks the parent has.
    pub parent_tasks: usize,
}

/// What one group of tasks adds up to.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupInfo {
    /// The key prefix (or, for a part, the part's name, e.g. `mix #3`).
    pub name: String,
    /// For a part of a split group, where it was cut from.
    pub part: Option<PartOf>,
    /// How many tasks it holds.
    pub tasks: usize,
    /// Its first task (by id): its name gives the group's colour.
    pub first_task: TaskId,
    /// How many of its tasks ran.
    pub ran: usize,
    /// The measured durations of its tasks summed, in ns ([`TaskTimes::duration_ns`]).
    pub total_ns: u64,
    /// Mean measured duration of the tasks that ran, in ns (0 if none ran).
    pub mean_duration_ns: u64,
    /// The lane that ran most of its tasks (lowest on ties), if any ran.
    pub lane: Option<LaneId>,
    /// The first start of any of its tasks, if any ran.
    pub start_ns: Option<u64>,
    /// The last end of any of its tasks.
    pub end_ns: u64,
    /// How its tasks ended.
    pub states: StateCounts,
    /// Dependencies between two of its own tasks.
    pub inner_edges: u64,
    /// When each task that ran started, sorted.
    starts_ns: Vec<u64>,
    /// When each task that ran finished, sorted (`u64::MAX` for a task that has not:
    /// [`TaskTimes::is_unfinished`]).
    ends_ns: Vec<u64>,
}

impl GroupInfo {
    fn new(name: String, first_task: TaskId) -> Self {
        Self {
            name,
            part: None,
            tasks: 0,
            first_task,
            ran: 0,
            total_ns: 0,
            mean_duration_ns: 0,
            lane: None,
            start_ns: None,
            end_ns: 0,
            states: StateCounts::default(),
            inner_edges: 0,
            starts_ns: Vec::new(),
            ends_ns: Vec::new(),
        }
    }

    /// The group's state at `t_ns`, from its tasks' states (a task runs from its
    /// first start to its last end):
    /// - [`RunState::NotRun`] when none of its tasks ran;
    /// - [`RunState::Running`] when at least one of its tasks is running at `t_ns`;
    /// - [`RunState::Done`] when every task of it that ran has finished — tasks
    ///   that never ran do not count here (the `k / n done` label shows them);
    ///   [`RunState::Failed`] instead when one of its tasks failed;
    /// - [`RunState::Waiting`] otherwise: none runs, some have yet to start
    ///   (before the first start, or in a gap between its tasks).
    ///
    /// # Complexity
    /// O(log tasks).
    pub fn state_at(&self, t_ns: u64) -> RunState {
        if self.ends_ns.is_empty() {
            return RunState::NotRun;
        }
        let started = self.starts_ns.partition_point(|&s| s <= t_ns);
        let finished = self.done_at(t_ns);
        // A task with `end <= t` also has `start <= t`, so the difference counts
        // the tasks with `start <= t < end`.
        if started > finished {
            RunState::Running
        } else if finished == self.ends_ns.len() {
            if self.states.failed > 0 {
                RunState::Failed
            } else {
                RunState::Done
            }
        } else {
            RunState::Waiting
        }
    }

    /// [`GroupInfo::state_at`] in a run that is still going (a file being followed):
    /// its tasks that have not run yet may still run, so it has not finished while one
    /// of them has not run: [`RunState::Waiting`] then, unless one of its tasks runs
    /// at `t_ns`.
    ///
    /// # Complexity
    /// O(log tasks).
    pub fn state_while_going_at(&self, t_ns: u64) -> RunState {
        match self.state_at(t_ns) {
            RunState::Running => RunState::Running,
            _ if self.ran < self.tasks => RunState::Waiting,
            finished => finished,
        }
    }

    /// How many of its tasks have finished at `t_ns`.
    ///
    /// # Complexity
    /// O(log tasks).
    pub fn done_at(&self, t_ns: u64) -> usize {
        // `u64::MAX`: a task that never ends (sorted last), not done even then.
        self.ends_ns
            .partition_point(|&e| e <= t_ns && e != u64::MAX)
    }
}

/// Every task's group (by [`key_split`] of its key), and each group's summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyGroups {
    groups: Vec<GroupInfo>,
    group_of: Vec<u32>,
    by_name: BTreeMap<String, u32>,
}

impl KeyGroups {
    /// Groups the tasks of `graph` by key prefix; `times` (of the same tasks) gives
    /// durations, lanes and replay times.
    ///
    /// # Complexity
    /// O(V × key length + V log V + E) time, O(V) memory.
    pub fn new(graph: &Graph, times: &TaskTimes) -> Self {
        // Names borrowed from the keys while grouping: no allocation per task.
        let mut by_name: Interner<Cow<'_, str>> = Interner::default();
        let labels: Vec<u32> = graph
            .tasks()
            .map(|t| by_name.intern(key_prefix(graph.key(t).unwrap_or(""))))
            .collect();
        let names = by_name
            .into_keys()
            .into_iter()
            .map(|name| (name.into_owned(), None))
            .collect();
        Self::assemble(graph, times, &labels, names)
    }

    /// The same groups (the same tasks in each, the same numbers) with their summaries
    /// made again from `graph`'s states and `times`: for a graph whose tasks do not
    /// change while its states and times do (a live trace that grows by spans). Keys are
    /// not split again.
    ///
    /// `graph` has the tasks, keys and dependencies of the graph these groups were built
    /// from.
    ///
    /// # Complexity
    /// O(V + E + V log V) time (the summaries' sorted times), without the key splitting
    /// of [`KeyGroups::new`].
    pub fn regrouped(&self, graph: &Graph, times: &TaskTimes) -> Self {
        debug_assert_eq!(self.group_of.len(), graph.len(), "the same tasks");
        let names = self
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.part.clone()))
            .collect();
        Self::assemble(graph, times, &self.group_of, names)
    }

    /// These groups with the groups and parts named in `split` cut into parts (see
    /// the module docs), recursively: a part named in `split` is cut again. A part
    /// holds at least one task; names that match no group or part are ignored.
    /// Parts are numbered, like groups, by their first task.
    ///
    /// `graph` and `times` are those these groups were built from.
    ///
    /// # Complexity
    /// O(V + E + S log S) for V tasks, E dependencies and S tasks in split groups.
    pub fn split(&self, graph: &Graph, times: &TaskTimes, split: &BTreeSet<String>) -> Self {
        debug_assert!(
            self.group_of.len() == graph.len(),
            "the groups were built from this graph"
        );
        let mut names: Vec<(String, Option<PartOf>)> = self
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.part.clone()))
            .collect();
        let mut labels = self.group_of.clone();
        let cut: Vec<bool> = self
            .groups
            .iter()
            .map(|g| split.contains(&g.name))
            .collect();
        let mut members: BTreeMap<u32, Vec<TaskId>> = BTreeMap::new();
        for (t, &g) in graph.tasks().zip(&self.group_of) {
            if cut.get(g as usize).copied().unwrap_or(false) {
                members.entry(g).or_default().push(t);
            }
        }
        let mut cutter = Cutter {
            split,
            taken: &self.by_name,
            names: &mut names,
            labels: &mut labels,
        };
        for (g, mut tasks) in members {
            // Run order: by first start, tasks that never ran last, ties by id.
            tasks.sort_by_key(|&t| (times.range(t).map_or(u64::MAX, |(s, _)| s), t));
            cutter.cut(g, &tasks);
        }
        Self::assemble(graph, times, &labels, names)
    }

    /// The groups of `labels` (each task's entry in `names`), renumbered by first
    /// task; entries of `names` no task has are dropped.
    fn assemble(
        graph: &Graph,
        times: &TaskTimes,
        labels: &[u32],
        names: Vec<(String, Option<PartOf>)>,
    ) -> Self {
        debug_assert!(
            times.is_empty() || times.len() == graph.len(),
            "times measure the graph's tasks"
        );
        debug_assert!(labels.len() == graph.len(), "one label per task");
        let mut names: Vec<Option<(String, Option<PartOf>)>> =
            names.into_iter().map(Some).collect();
        let mut number = vec![u32::MAX; names.len()];
        let mut by_name: BTreeMap<String, u32> = BTreeMap::new();
        let mut groups: Vec<GroupInfo> = Vec::new();
        let mut group_of = Vec::with_capacity(graph.len());
        let mut lanes: Vec<BTreeMap<LaneId, usize>> = Vec::new();
        for (t, &label) in graph.tasks().zip(labels) {
            let Some(slot) = number.get_mut(label as usize) else {
                debug_assert!(false, "label {label} has a name");
                continue;
            };
            if *slot == u32::MAX {
                *slot = groups.len() as u32;
                let (name, part) = names
                    .get_mut(label as usize)
                    .and_then(Option::take)
                    .unwrap_or_default();
                by_name.insert(name.clone(), *slot);
                let mut info = GroupInfo::new(name, t);
                info.part = part;
                groups.push(info);
                lanes.push(BTreeMap::new());
            }
            let g = *slot;
            group_of.push(g);
            let Some(info) = groups.get_mut(g as usize) else {
                continue;
            };
            info.tasks += 1;
            info.states.add(graph.state(t).unwrap_or_default());
            if let Some((s, e)) = times.range(t) {
                info.ran += 1;
                info.total_ns = info.total_ns.saturating_add(times.duration(t));
                info.start_ns = Some(info.start_ns.map_or(s, |x| x.min(s)));
                info.end_ns = info.end_ns.max(e);
                info.starts_ns.push(s);
                // A task that has not finished (an unclosed span) never ends.
                info.ends_ns
                    .push(if times.is_unfinished(t) { u64::MAX } else { e });
            }
            if let (Some(l), Some(counts)) = (times.lane(t), lanes.get_mut(g as usize)) {
                *counts.entry(l).or_default() += 1;
            }
        }
        for (t, &g) in graph.tasks().zip(&group_of) {
            let inner = graph
                .deps(t)
                .iter()
                .filter(|d| group_of.get(d.index()) == Some(&g))
                .count();
            if let Some(info) = groups.get_mut(g as usize) {
                info.inner_edges += inner as u64;
            }
        }
        for (info, counts) in groups.iter_mut().zip(&lanes) {
            info.starts_ns.sort_unstable();
            info.ends_ns.sort_unstable();
            info.mean_duration_ns = info.total_ns / (info.ran.max(1) as u64);
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
        self.drawn_nodes_split(expanded, &BTreeSet::new(), compact)
    }

    /// [`KeyGroups::drawn_nodes`] with the groups in `split` (and not in `expanded`)
    /// drawn as their parts, each collapsed.
    ///
    /// # Complexity
    /// O(groups + (expanded + split) × log groups).
    pub fn drawn_nodes_split(
        &self,
        expanded: &BTreeSet<String>,
        split: &BTreeSet<String>,
        compact: bool,
    ) -> usize {
        let per_task = if compact { 1 } else { 2 };
        self.groups
            .iter()
            .map(|g| {
                if expanded.contains(&g.name) {
                    g.tasks * per_task
                } else if split.contains(&g.name) {
                    g.tasks.min(SPLIT_PARTS)
                } else {
                    1
                }
            })
            .sum()
    }
}

/// Cuts groups into parts for [`KeyGroups::split`].
struct Cutter<'a> {
    split: &'a BTreeSet<String>,
    /// The names of the groups before cutting: a part never takes one.
    taken: &'a BTreeMap<String, u32>,
    names: &'a mut Vec<(String, Option<PartOf>)>,
    labels: &'a mut [u32],
}

impl Cutter<'_> {
    /// Cuts `tasks` (label `parent`'s tasks, in run order) into parts, and each
    /// part named in `split` again. A stack, not recursion: parts of parts of a
    /// million tasks stay a few levels deep, but nothing here relies on it.
    fn cut(&mut self, parent: u32, tasks: &[TaskId]) {
        let mut stack = vec![(parent, 0..tasks.len())];
        while let Some((label, range)) = stack.pop() {
            let Some((parent_name, parent_part)) = self.names.get(label as usize).cloned() else {
                continue;
            };
            let Some(slice) = tasks.get(range.clone()) else {
                continue;
            };
            let len = slice.len();
            let of = len.min(SPLIT_PARTS);
            for k in 0..of {
                let (lo, hi) = (k * len / of, (k + 1) * len / of);
                let Some(part_tasks) = slice.get(lo..hi) else {
                    continue;
                };
                debug_assert!(!part_tasks.is_empty(), "of ≤ len: every part has a task");
                let mut name = match &parent_part {
                    Some(_) => format!("{parent_name}.{}", k + 1),
                    None => format!("{parent_name} #{}", k + 1),
                };
                while self.taken.contains_key(&name) {
                    // A key prefix that looks like a part name keeps its name.
                    name.push('\'');
                }
                let root = parent_part
                    .as_ref()
                    .map_or_else(|| parent_name.clone(), |p| p.root.clone());
                let new = self.names.len() as u32;
                self.names.push((
                    name.clone(),
                    Some(PartOf {
                        root,
                        parent: parent_name.clone(),
                        number: k + 1,
                        of,
                        first: lo + 1,
                        parent_tasks: len,
                    }),
                ));
                for t in part_tasks {
                    if let Some(l) = self.labels.get_mut(t.index()) {
                        *l = new;
                    }
                }
                if part_tasks.len() > 1 && self.split.contains(&name) {
                    stack.push((new, range.start + lo..range.start + hi));
                }
            }
        }
    }
}

/// Whether `name` is `root` or one of the parts cut from it ([`KeyGroups::split`]).
pub fn is_part_of(name: &str, root: &str) -> bool {
    name.strip_prefix(root).is_some_and(|rest| {
        rest.is_empty()
            || rest.strip_prefix(" #").is_some_and(|path| {
                path.starts_with(|c: char| c.is_ascii_digit())
                    && path
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '\'')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lane, RunMeta, Span, SpanKind, TraceBuilder};

    /// A compute span of `task` on lane 0.
    fn compute_span(task: TaskId, start_ns: u64, end_ns: u64) -> Span {
        Span {
            start_ns,
            end_ns,
            task,
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        }
    }

    #[test]
    fn key_split_gives_what_dask_gives() {
        // Each pair is (key, what `dask.utils.key_split(key)` returned for that string
        // in dask 2026.8.0), printed by Python, not written by hand.
        let cases = [
            ("x", "x"),
            ("x-1-2-3", "x"),
            ("('x-2', 1)", "x"),
            ("('x', 1)", "x"),
            ("hello-world-1", "hello-world"),
            ("ae05086432ca935f6eba409a8ecd4896", "data"),
            ("<module.submodule.myclass object at 0xdaf372", "myclass"),
            ("x-abcdefab", "x"),
            ("_(x)", "x"),
            ("", "Other"),
            ("inc-584d85fa-f2d9-4f19-b665-5038de1b8c9d", "inc"),
            ("('sum-agg', 0)", "sum"),
            ("('add-7a1b2c3d4e5f60718293a4b5c6d7e8f9', 0, 1)", "add"),
            (
                "('mean_agg-aggregate-0123456789abcdef0123456789abcdef',)",
                "mean_agg-aggregate",
            ),
            ("_swap-9138805db3c96cd47d9ae79c77b95fa5", "swap"),
            ("read-csv-abc12345", "read-csv"),
            ("x-feedback", "x"),
            ("x-feedbacks", "x-feedbacks"),
            ("x-Abcdefab", "x-Abcdefab"),
            ("[\"x-2\", 1]", "[\"x"),
            ("(-x", "-x"),
            ("()", "Other"),
            ("<>", "Other"),
            ("< a.b.c>", "c"),
            ("<x.y>", "y"),
            ("1", "1"),
            ("42-abc", "42-abc"),
            ("a,b-c", "a,b-c"),
            ("é-ß-1", "é-ß"),
            ("x-Ⅻ", "x"),
            ("x- ", "x"),
            ("-", "Other"),
            ("--", "Other"),
            ("<\u{1c}foo bar", "foo"),
            ("x-1e5", "x"),
            ("x-ab_cd", "x"),
            ("task-12345678", "task"),
            ("__-x", "-x"),
            ("'-x-y-1", "-x-y"),
        ];
        for (key, dask) in cases {
            assert_eq!(key_split(key), dask, "{key:?}");
            assert_eq!(key_prefix(key), dask, "{key:?}");
        }
    }

    #[test]
    fn a_group_runs_only_while_one_of_its_tasks_runs_and_is_done_when_all_that_ran_are() {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let a = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
        let c = g.add_task("inc-2", "inc", [a], TaskState::Done).unwrap();
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
            b.add_span(compute_span(task, start_ns, end_ns)).unwrap();
        }
        let trace = b.build().unwrap();
        let groups = KeyGroups::new(trace.graph(), &TaskTimes::new(&trace));
        let inc = groups.get(0).unwrap();
        assert_eq!(
            (inc.tasks, inc.ran, inc.total_ns, inc.mean_duration_ns),
            (3, 2, 20, 10)
        );
        assert_eq!((inc.inner_edges, inc.lane), (1, Some(LaneId(0))));
        assert_eq!(inc.states.by_state()[3], (TaskState::NotRun, 1));
        let at = |t| inc.state_at(t);
        assert_eq!(at(5), RunState::Waiting);
        assert_eq!(at(10), RunState::Running);
        assert_eq!(at(19), RunState::Running);
        // In the gap nothing of it runs: it waits for inc-2.
        assert_eq!(at(20), RunState::Waiting);
        assert_eq!(at(29), RunState::Waiting);
        assert_eq!(at(30), RunState::Running);
        // Both tasks that ran are done; inc-3, which never ran, shows in the count.
        assert_eq!(at(40), RunState::Done);
        assert_eq!(inc.done_at(40), 2);
        // In a run still going, inc-3 may yet run: the group has not finished.
        let going = |t| inc.state_while_going_at(t);
        assert_eq!(going(5), RunState::Waiting);
        assert_eq!(going(10), RunState::Running);
        assert_eq!(going(20), RunState::Waiting);
        assert_eq!(going(40), RunState::Waiting);
        assert_eq!(RunState::NotRun.while_going(), RunState::Waiting);
        assert_eq!(RunState::Failed.while_going(), RunState::Failed);
    }

    #[test]
    fn a_split_group_is_cut_into_parts_in_run_order_recursively() {
        // 100 "x" tasks, a chain, run in reverse id order; one "y" task.
        let mut b = TraceBuilder::new(RunMeta::default());
        let mut prev = None;
        let mut ids = Vec::new();
        for i in 0..100u32 {
            let deps: Vec<TaskId> = prev.into_iter().collect();
            let t = b
                .graph_mut()
                .add_task(&format!("x-{i}"), "x", deps, TaskState::Done)
                .unwrap();
            ids.push(t);
            prev = Some(t);
        }
        b.graph_mut()
            .add_task("y-0", "y", [], TaskState::NotRun)
            .unwrap();
        b.add_lane(Lane::default()).unwrap();
        for (i, &t) in ids.iter().enumerate() {
            let start_ns = 1_000 - 10 * i as u64;
            b.add_span(compute_span(t, start_ns, start_ns + 5)).unwrap();
        }
        let trace = b.build().unwrap();
        let times = TaskTimes::new(&trace);
        let groups = KeyGroups::new(trace.graph(), &times);
        let split: BTreeSet<String> = ["x".to_owned()].into();
        assert_eq!(groups.drawn_nodes_split(&BTreeSet::new(), &split, true), 17);
        let parts = groups.split(trace.graph(), &times, &split);
        assert_eq!(parts.len(), 17);
        assert!(parts.find("x").is_none());
        // Run order is reversed id order: part 1 holds the last six tasks by id.
        let first = parts.get(parts.find("x #1").unwrap()).unwrap();
        assert_eq!(first.tasks, 6);
        assert_eq!(parts.group_of(TaskId(99)), parts.find("x #1"));
        assert_eq!(parts.group_of(TaskId(0)), parts.find("x #16"));
        let of = first.part.as_ref().unwrap();
        assert_eq!(
            (of.root.as_str(), of.number, of.of, of.first),
            ("x", 1, 16, 1)
        );
        assert_eq!((first.ran, first.total_ns, first.inner_edges), (6, 30, 5));
        let total: usize = parts.all().iter().map(|g| g.tasks).sum();
        assert_eq!(total, 101);
        // Numbered by first task: y (task 100) comes last.
        assert_eq!(parts.all().last().unwrap().name, "y");
        // Cut again: x #1's six tasks become six parts of one.
        let split: BTreeSet<String> = ["x".to_owned(), "x #1".to_owned()].into();
        let deeper = groups.split(trace.graph(), &times, &split);
        assert_eq!(deeper.len(), 16 + 6);
        let leaf = deeper.get(deeper.find("x #1.2").unwrap()).unwrap();
        assert_eq!(leaf.tasks, 1);
        assert_eq!(leaf.part.as_ref().unwrap().parent, "x #1");
        assert_eq!(leaf.part.as_ref().unwrap().root, "x");
        assert!(is_part_of("x #1.2", "x") && is_part_of("x", "x"));
        assert!(!is_part_of("xy", "x") && !is_part_of("x #1", "y"));
        assert!(!is_part_of("x #tag", "x") && is_part_of("x #2.13'", "x"));
    }
}
