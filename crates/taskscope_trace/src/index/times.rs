//! Per-task times: when each task started and ended, how long it took, where it
//! ran, and its state at any instant of a replay.
//!
//! Definitions (shared by the analyses, the scenes and the widgets):
//! - A task **ran** when it has at least one span.
//! - Its **duration** is the length of the union of its `Compute` spans; a task
//!   with no `Compute` span (a foreign file that labels slices otherwise) uses the
//!   union of all its spans. Overlapping spans of one task are counted once.
//! - Its **start** is the earliest start of any of its spans, its **end** the latest end.
//! - Its **lane** is the lane of its earliest span among those its duration counts.
//! - Its **work spans** are the spans its duration counts (compute spans, or all its
//!   spans when it has none); transfers and disk spans of a task that computes are not work.
//! - Its **self time** is the time during which one of its work spans is the innermost
//!   open work span of its lane (the one that started last): nested spans (call stacks)
//!   take their time from the span around them, as profilers count self time.
//! - The run's **work** is the time lanes were busy with work spans, each instant counted
//!   once per lane: the sum of every lane's busy time, and of every task's self time. In a
//!   trace where spans of a lane never overlap (the engine's), it is the sum of durations.
//! - Its **state** at an instant ([`TaskTimes::state_at`]): waiting before its first
//!   start, running until its last end, then done — or failed when the graph says it
//!   failed (a streamed file's reader takes that from its last span's status). A task
//!   with an **unclosed** span (a `B` event never closed: in a run still being written,
//!   or one killed, the task is running at the end of what was read) has not finished:
//!   it is running from its first start on, at every later instant.

use crate::model::{LaneId, Span, SpanKind, TaskId, TaskState, Trace};

/// A task's (or a group's) state at one instant of a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunState {
    /// It has not started yet.
    Waiting,
    /// One of its spans covers the instant (or it lies between its first start and last end).
    Running,
    /// It has finished.
    Done,
    /// It has finished, and failed.
    Failed,
    /// It never ran in this trace (no span).
    NotRun,
}

impl RunState {
    /// The state in a run that is still going (a file being followed): what has not
    /// run yet may still run, so [`RunState::NotRun`] is [`RunState::Waiting`] there.
    /// Every other state is the same.
    pub fn while_going(self) -> Self {
        match self {
            Self::NotRun => Self::Waiting,
            other => other,
        }
    }

    /// The lower-case word shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::NotRun => "not run",
        }
    }
}

/// Measured per-task times: when each task started and ended, how long it took,
/// and where it ran (see the module docs for the definitions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskTimes {
    /// Union of the task's compute spans (see the module docs), 0 if it did not run.
    pub(crate) duration_ns: Vec<u64>,
    /// Earliest span start, `u64::MAX` if it did not run.
    pub(crate) start_ns: Vec<u64>,
    /// Latest span end, 0 if it did not run.
    pub(crate) end_ns: Vec<u64>,
    /// Self time of each task (see the module docs), 0 if it did not run.
    self_ns: Vec<u64>,
    /// Time each lane was busy with work spans (nested spans counted once), by lane id.
    lane_work_ns: Vec<u64>,
    /// Work spans per lane, by lane id.
    lane_work_spans: Vec<u64>,
    /// Work spans that started while another work span of their lane was open.
    nested_spans: u64,
    /// Per task: whether it has a compute span (then only those are work).
    computes: Vec<bool>,
    /// The run's work: the sum of `lane_work_ns` (and of `self_ns`).
    pub(crate) total_work_ns: u64,
    /// How many tasks ran.
    pub(crate) ran_count: usize,
    /// Lane of the earliest span that counts for the duration, `u32::MAX` if it did not run.
    lane: Vec<u32>,
    /// Per task: [`ENDS_FAILED`] and [`NEVER_ENDS`] bits (see [`TaskTimes::state_at`]).
    outcome: Vec<u8>,
    /// The last span ends of the tasks that never end (with an unclosed span), sorted.
    unfinished_ends: Vec<u64>,
}

/// [`TaskTimes::outcome`] bit: the task failed (its graph state), so it ends failed.
const ENDS_FAILED: u8 = 1;
/// [`TaskTimes::outcome`] bit: the task has an unclosed span, so it has not ended.
const NEVER_ENDS: u8 = 2;

impl TaskTimes {
    /// Measures every task of `trace`.
    ///
    /// ```
    /// # let trace = taskscope_trace::Trace::default();
    /// let times = taskscope_trace::index::TaskTimes::new(&trace);
    /// assert_eq!(times.ran_count(), 0);
    /// ```
    ///
    /// # Complexity
    /// O(V + S) when every task has at most one span of the kind that counts,
    /// plus O(M log M) for the M spans of tasks that have several.
    pub fn new(trace: &Trace) -> Self {
        // Per-task flags: whether it has one / several compute spans, one / several spans.
        const COMPUTE: u8 = 1;
        const MANY_COMPUTE: u8 = 2;
        const ANY: u8 = 4;
        const MANY_ANY: u8 = 8;
        let n = trace.graph().len();
        let mut start_ns = vec![u64::MAX; n];
        let mut end_ns = vec![0u64; n];
        // The sum of compute spans; fixed up below for tasks that need a union.
        let mut duration_ns = vec![0u64; n];
        let mut flags = vec![0u8; n];
        // The lane of the earliest span that counts (compute, or any span for a task
        // without compute spans), with that span's start.
        let mut lane = vec![u32::MAX; n];
        let mut lane_start = vec![u64::MAX; n];
        for span in trace.spans() {
            let t = span.task.index();
            let (Some(s), Some(e), Some(d), Some(f)) = (
                start_ns.get_mut(t),
                end_ns.get_mut(t),
                duration_ns.get_mut(t),
                flags.get_mut(t),
            ) else {
                continue;
            };
            *s = (*s).min(span.start_ns);
            *e = (*e).max(span.end_ns);
            let compute = span.kind == SpanKind::Compute;
            // A compute span replaces a lane taken from other kinds; among spans of the
            // kind that counts, the earliest wins (the lowest lane on ties, as spans
            // come sorted by lane).
            let earlier = span.start_ns < lane_start.get(t).copied().unwrap_or(u64::MAX);
            if ((compute && *f & COMPUTE == 0) || (earlier && (compute || *f & COMPUTE == 0)))
                && let (Some(l), Some(ls)) = (lane.get_mut(t), lane_start.get_mut(t))
            {
                *l = span.lane.0;
                *ls = span.start_ns;
            }
            *f |= if *f & ANY == 0 { ANY } else { MANY_ANY };
            if compute {
                *d = d.saturating_add(span.duration_ns());
                *f |= if *f & COMPUTE == 0 {
                    COMPUTE
                } else {
                    MANY_COMPUTE
                };
            }
        }
        // Tasks whose duration is not simply their one compute span's.
        let uses_compute = |f: u8| f & COMPUTE != 0;
        let needs_union = |f: u8| {
            if uses_compute(f) {
                f & MANY_COMPUTE != 0
            } else {
                f & ANY != 0
            }
        };
        if flags.iter().any(|&f| needs_union(f)) {
            let mut pieces: Vec<(u32, u64, u64)> = trace
                .spans()
                .iter()
                .filter(|s| {
                    let f = flags.get(s.task.index()).copied().unwrap_or(0);
                    needs_union(f) && (s.kind == SpanKind::Compute || !uses_compute(f))
                })
                .map(|s| (s.task.0, s.start_ns, s.end_ns))
                .collect();
            pieces.sort_unstable();
            for group in pieces.chunk_by(|a, b| a.0 == b.0) {
                let Some(&(task, _, _)) = group.first() else {
                    continue;
                };
                let union = union_length(group.iter().map(|&(_, s, e)| (s, e)));
                if let Some(d) = duration_ns.get_mut(task as usize) {
                    *d = union;
                }
            }
        }
        let ran_count = flags.iter().filter(|&&f| f & ANY != 0).count();
        let computes: Vec<bool> = flags.iter().map(|&f| uses_compute(f)).collect();
        let attribution = SelfTimes::new(trace, &computes);
        debug_assert_eq!(
            u128::from(attribution.total_ns),
            attribution
                .self_ns
                .iter()
                .map(|&d| u128::from(d))
                .sum::<u128>(),
            "every busy instant goes to exactly one task"
        );
        let mut times = Self {
            duration_ns,
            start_ns,
            end_ns,
            self_ns: attribution.self_ns,
            lane_work_ns: attribution.lane_ns,
            lane_work_spans: attribution.lane_spans,
            nested_spans: attribution.nested_spans,
            computes,
            total_work_ns: attribution.total_ns,
            ran_count,
            lane,
            unfinished_ends: Vec::new(),
            outcome: outcomes(trace),
        };
        times.unfinished_ends = unfinished_ends(&times.outcome, &times.end_ns);
        times
    }

    /// Times for `tasks` tasks none of which ran (a graph drawn without a trace).
    pub fn not_run(tasks: usize) -> Self {
        Self {
            duration_ns: vec![0; tasks],
            start_ns: vec![u64::MAX; tasks],
            end_ns: vec![0; tasks],
            self_ns: vec![0; tasks],
            lane_work_ns: Vec::new(),
            lane_work_spans: Vec::new(),
            nested_spans: 0,
            computes: vec![false; tasks],
            total_work_ns: 0,
            ran_count: 0,
            lane: vec![u32::MAX; tasks],
            outcome: vec![0; tasks],
            unfinished_ends: Vec::new(),
        }
    }

    /// How many tasks it measured (the graph's size).
    pub fn len(&self) -> usize {
        self.duration_ns.len()
    }

    /// Whether it measured no task.
    pub fn is_empty(&self) -> bool {
        self.duration_ns.is_empty()
    }

    /// Whether `task` ran (has at least one span).
    pub fn has_run(&self, task: TaskId) -> bool {
        self.ran(task)
    }

    /// The task's measured duration in ns: the union of its compute spans (of all its
    /// spans when it has no compute span); `None` if it did not run.
    pub fn duration_ns(&self, task: TaskId) -> Option<u64> {
        self.ran(task).then(|| self.duration(task))
    }

    /// The task's first start and last end over all its spans, or `None` if it never ran.
    pub fn range(&self, task: TaskId) -> Option<(u64, u64)> {
        let s = *self.start_ns.get(task.index())?;
        let e = *self.end_ns.get(task.index())?;
        (s != u64::MAX).then_some((s, e))
    }

    /// The lane the task ran on: that of its earliest compute span (of its earliest
    /// span when it has no compute span), if it ran.
    pub fn lane(&self, task: TaskId) -> Option<LaneId> {
        self.lane
            .get(task.index())
            .copied()
            .filter(|&l| l != u32::MAX)
            .map(LaneId)
    }

    /// The longest measured duration of any task (0 when none ran).
    pub fn max_duration_ns(&self) -> u64 {
        self.duration_ns.iter().copied().max().unwrap_or(0)
    }

    /// The run's work: the time lanes were busy with work spans, each instant counted
    /// once per lane (see the module docs). Equal to the sum of durations when no two
    /// spans of a lane overlap.
    pub fn total_work_ns(&self) -> u64 {
        self.total_work_ns
    }

    /// The task's self time in ns: the time one of its work spans was the innermost
    /// open one of its lane; `None` if it did not run.
    pub fn self_ns(&self, task: TaskId) -> Option<u64> {
        self.ran(task)
            .then(|| self.self_ns.get(task.index()).copied().unwrap_or(0))
    }

    /// The time `lane` was busy with work spans (nested spans counted once), in ns.
    pub fn lane_work_ns(&self, lane: LaneId) -> u64 {
        self.lane_work_ns.get(lane.index()).copied().unwrap_or(0)
    }

    /// Whether `lane` has work spans (compute spans, or spans of tasks that have no
    /// compute span).
    pub fn lane_has_work(&self, lane: LaneId) -> bool {
        self.lane_work_spans
            .get(lane.index())
            .is_some_and(|&n| n > 0)
    }

    /// How many work spans started while another work span of their lane was open
    /// (nested call stacks, or overlapping spans): their time is counted once.
    pub fn nested_spans(&self) -> u64 {
        self.nested_spans
    }

    /// Whether `span` is one of its task's work spans (see the module docs).
    pub fn is_work(&self, span: &Span) -> bool {
        span.kind == SpanKind::Compute
            || !self
                .computes
                .get(span.task.index())
                .copied()
                .unwrap_or(false)
    }

    /// How many tasks ran.
    pub fn ran_count(&self) -> usize {
        self.ran_count
    }

    /// The task's state at `t_ns`: waiting before its first start, running until its
    /// last end, then done, or failed if it failed; [`RunState::NotRun`] if it never ran.
    /// A task with an unclosed span never ends: it is running at every instant from its
    /// first start on (see the module docs).
    pub fn state_at(&self, task: TaskId, t_ns: u64) -> RunState {
        let outcome = self.outcome.get(task.index()).copied().unwrap_or(0);
        match self.range(task) {
            None => RunState::NotRun,
            Some((s, _)) if t_ns < s => RunState::Waiting,
            Some(_) if outcome & NEVER_ENDS != 0 => RunState::Running,
            Some((_, e)) if t_ns < e => RunState::Running,
            Some(_) if outcome & ENDS_FAILED != 0 => RunState::Failed,
            Some(_) => RunState::Done,
        }
    }

    /// Whether `task` has an unclosed span: it had not finished when its trace ends
    /// (see the module docs).
    pub fn is_unfinished(&self, task: TaskId) -> bool {
        self.outcome
            .get(task.index())
            .is_some_and(|&o| o & NEVER_ENDS != 0)
    }

    /// How many tasks that never end (see [`TaskTimes::is_unfinished`]) have no span
    /// left open at `t_ns`: their spans end at or before it (where a trace that was cut
    /// off ends), yet [`TaskTimes::state_at`] says they are running.
    ///
    /// # Complexity
    /// O(log u) for the u unfinished tasks.
    pub fn unfinished_past_their_spans(&self, t_ns: u64) -> u32 {
        let n = self.unfinished_ends.partition_point(|&e| e <= t_ns);
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether `task` has at least one span.
    pub(crate) fn ran(&self, task: TaskId) -> bool {
        self.start_ns
            .get(task.index())
            .is_some_and(|&s| s != u64::MAX)
    }

    /// The task's measured duration (0 if unknown).
    pub(crate) fn duration(&self, task: TaskId) -> u64 {
        self.duration_ns.get(task.index()).copied().unwrap_or(0)
    }

    /// The task's first span start (`u64::MAX` if it did not run).
    pub(crate) fn start(&self, task: TaskId) -> u64 {
        self.start_ns.get(task.index()).copied().unwrap_or(u64::MAX)
    }

    /// The task's last span end (0 if it did not run).
    pub(crate) fn end(&self, task: TaskId) -> u64 {
        self.end_ns.get(task.index()).copied().unwrap_or(0)
    }
}

/// The [`TaskTimes::outcome`] bits of every task of `trace`.
///
/// # Complexity
/// O(V + S).
fn outcomes(trace: &Trace) -> Vec<u8> {
    let graph = trace.graph();
    let mut outcome: Vec<u8> = graph
        .tasks()
        .map(|t| {
            if graph.state(t) == Some(TaskState::Failed) {
                ENDS_FAILED
            } else {
                0
            }
        })
        .collect();
    for span in trace.spans().iter().filter(|s| s.unclosed) {
        let o = outcome.get_mut(span.task.index());
        debug_assert!(o.is_some(), "a span of a task of the graph");
        if let Some(o) = o {
            *o |= NEVER_ENDS;
        }
    }
    outcome
}

/// The last span ends of the tasks whose `outcome` says they never end, sorted.
///
/// # Complexity
/// O(V + u log u) for the u unfinished tasks.
fn unfinished_ends(outcome: &[u8], end_ns: &[u64]) -> Vec<u64> {
    let mut ends: Vec<u64> = outcome
        .iter()
        .zip(end_ns)
        .filter(|&(&o, _)| o & NEVER_ENDS != 0)
        .map(|(_, &e)| e)
        .collect();
    ends.sort_unstable();
    ends
}

/// Self time per task and busy work time per lane, from one sweep per lane.
struct SelfTimes {
    self_ns: Vec<u64>,
    lane_ns: Vec<u64>,
    lane_spans: Vec<u64>,
    nested_spans: u64,
    total_ns: u64,
}

impl SelfTimes {
    /// Gives every instant of a lane with an open work span to the work span that
    /// started last among those open (the innermost of a call stack; of two
    /// overlapping spans, the later), and so to its task.
    ///
    /// # Complexity
    /// O(S + V + L): spans come sorted by lane and start (outer spans first on ties),
    /// each is pushed and popped once.
    fn new(trace: &Trace, computes: &[bool]) -> Self {
        let lanes = trace.lanes().len();
        let mut out = Self {
            self_ns: vec![0; computes.len()],
            lane_ns: vec![0; lanes],
            lane_spans: vec![0; lanes],
            nested_spans: 0,
            total_ns: 0,
        };
        // Open work spans of the lane: (end, task); the top is the innermost.
        let mut open: Vec<(u64, TaskId)> = Vec::new();
        for l in 0..lanes {
            let lane = LaneId(l as u32);
            open.clear();
            // Time up to `cursor` is given out.
            let mut cursor = 0u64;
            let mut busy = 0u64;
            let mut spans = 0u64;
            for span in trace.lane_spans(lane) {
                let work = span.kind == SpanKind::Compute
                    || !computes.get(span.task.index()).copied().unwrap_or(false);
                if !work {
                    continue;
                }
                spans += 1;
                busy += out.give(&mut open, &mut cursor, span.start_ns);
                if !open.is_empty() {
                    out.nested_spans += 1;
                }
                cursor = cursor.max(span.start_ns);
                open.push((span.end_ns, span.task));
            }
            busy += out.give(&mut open, &mut cursor, u64::MAX);
            if let Some(b) = out.lane_ns.get_mut(l) {
                *b = busy;
            }
            if let Some(n) = out.lane_spans.get_mut(l) {
                *n = spans;
            }
            out.total_ns = out.total_ns.saturating_add(busy);
        }
        out
    }

    /// Gives the time from `cursor` to `until` to the open spans, innermost first,
    /// closing those that end by then; returns the time given.
    fn give(&mut self, open: &mut Vec<(u64, TaskId)>, cursor: &mut u64, until: u64) -> u64 {
        let mut given = 0u64;
        while let Some(&(end, task)) = open.last() {
            let stop = end.min(until);
            if stop > *cursor {
                let share = stop - *cursor;
                if let Some(d) = self.self_ns.get_mut(task.index()) {
                    *d = d.saturating_add(share);
                }
                given += share;
                *cursor = stop;
            }
            if end > until {
                break;
            }
            open.pop();
        }
        given
    }
}

/// Total length of the union of intervals given in ascending order of start.
pub(crate) fn union_length(intervals: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut total = 0u64;
    let mut current: Option<(u64, u64)> = None;
    for (start, end) in intervals {
        match current {
            Some((s, e)) if start <= e => current = Some((s, e.max(end))),
            Some((s, e)) => {
                total = total.saturating_add(e - s);
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((s, e)) = current {
        total = total.saturating_add(e - s);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lane, RunMeta, Span, TaskState, TraceBuilder};

    fn span(task: TaskId, lane: u32, start_ns: u64, end_ns: u64, kind: SpanKind) -> Span {
        Span {
            start_ns,
            end_ns,
            task,
            lane: LaneId(lane),
            kind,
            depth: 0,
            unclosed: false,
        }
    }

    #[test]
    fn lanes_prefer_compute_spans_and_states_follow_the_cursor() {
        use RunState::{Done, NotRun, Running, Waiting};
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("x", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("y", "inc", [], TaskState::Done).unwrap();
        let z = g.add_task("z", "add", [x, y], TaskState::Done).unwrap();
        g.add_task("never", "noop", [], TaskState::NotRun).unwrap();
        for _ in 0..3 {
            b.add_lane(Lane::default()).unwrap();
        }
        // x: a transfer on lane 2 before its compute on lane 1.
        b.add_span(span(x, 2, 0, 4, SpanKind::Transfer)).unwrap();
        b.add_span(span(x, 1, 4, 10, SpanKind::Compute)).unwrap();
        // y: only a transfer; two overlapping compute spans for z.
        b.add_span(span(y, 0, 0, 9, SpanKind::Transfer)).unwrap();
        b.add_span(span(z, 0, 10, 20, SpanKind::Compute)).unwrap();
        b.add_span(span(z, 1, 15, 22, SpanKind::Compute)).unwrap();
        let trace = b.build().unwrap();
        let t = TaskTimes::new(&trace);
        assert_eq!(t.lane(x), Some(LaneId(1)), "the compute span's lane");
        assert_eq!(
            t.lane(y),
            Some(LaneId(0)),
            "no compute span: the earliest span's"
        );
        assert_eq!(t.lane(z), Some(LaneId(0)));
        assert_eq!(t.lane(TaskId(3)), None);
        assert_eq!(t.duration_ns(x), Some(6), "compute spans only");
        assert_eq!(t.duration_ns(y), Some(9), "all spans when none computes");
        assert_eq!(t.duration_ns(z), Some(12), "overlaps counted once");
        assert_eq!(t.duration_ns(TaskId(3)), None);
        assert_eq!(t.range(x), Some((0, 10)));
        // Work is lane busy time: lane 0 has y's transfer (y has no compute) [0, 9)
        // and z [10, 20); lane 1 has x [4, 10) and z [15, 22): 19 + 13. z ran on two
        // lanes at once, so its 17 ns of self time exceed its 12 ns duration.
        assert_eq!(
            (t.ran_count(), t.total_work_ns(), t.max_duration_ns()),
            (3, 32, 12)
        );
        assert_eq!(
            (t.self_ns(x), t.self_ns(y), t.self_ns(z)),
            (Some(6), Some(9), Some(17))
        );
        assert_eq!(
            (t.lane_work_ns(LaneId(0)), t.lane_work_ns(LaneId(1))),
            (19, 13)
        );
        assert_eq!(
            (
                t.lane_has_work(LaneId(0)),
                t.lane_has_work(LaneId(1)),
                t.lane_has_work(LaneId(2)),
                t.nested_spans()
            ),
            (true, true, false, 0)
        );
        let at = |time| {
            (0..4)
                .map(|i| t.state_at(TaskId(i), time))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(0), vec![Running, Running, Waiting, NotRun]);
        assert_eq!(at(9), vec![Running, Done, Waiting, NotRun]);
        assert_eq!(at(22), vec![Done, Done, Done, NotRun]);
        let none = TaskTimes::not_run(2);
        assert_eq!((none.len(), none.ran_count(), none.range(x)), (2, 0, None));
    }

    #[test]
    fn failed_tasks_end_failed_and_unclosed_spans_never_end() {
        use RunState::{Done, Failed, Running, Waiting};
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let ok = g.add_task("ok", "f", [], TaskState::Done).unwrap();
        let bad = g.add_task("bad", "f", [], TaskState::Failed).unwrap();
        let open = g.add_task("open", "f", [], TaskState::NotRun).unwrap();
        b.add_lane(Lane::default()).unwrap();
        b.add_span(span(ok, 0, 0, 10, SpanKind::Compute)).unwrap();
        b.add_span(span(bad, 0, 10, 20, SpanKind::Compute)).unwrap();
        b.add_span(Span {
            unclosed: true,
            ..span(open, 0, 20, 30, SpanKind::Compute)
        })
        .unwrap();
        let trace = b.build().unwrap();
        let t = TaskTimes::new(&trace);
        let at = |time| [ok, bad, open].map(|task| t.state_at(task, time));
        assert_eq!(at(5), [Running, Waiting, Waiting]);
        assert_eq!(at(15), [Done, Running, Waiting]);
        assert_eq!(at(20), [Done, Failed, Running]);
        // The unclosed span ends where the trace does: the task is still running then.
        assert_eq!(at(30), [Done, Failed, Running]);
        assert_eq!(at(u64::MAX), [Done, Failed, Running]);
        assert!(t.is_unfinished(open) && !t.is_unfinished(bad));
        assert_eq!(Failed.as_str(), "failed");
    }
}
