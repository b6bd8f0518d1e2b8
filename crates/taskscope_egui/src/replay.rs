//! Replay: a cursor moving along the time axis, and each task's state at the cursor.
//!
//! [`TaskTimes`] records when each task first started and last finished;
//! [`TaskTimes::state_at`] says whether it is waiting, running or done at a given
//! time. [`Replay`] is the play/pause/speed state that the app advances once per
//! frame with the frame's duration. Neither paints anything.

use taskscope_trace::{TaskId, TaskState, Trace};

/// A task's state at one instant of a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeState {
    /// It has not started yet.
    Waiting,
    /// One of its spans covers the instant (or lies between its first start and last end).
    Running,
    /// It has finished.
    Done,
    /// It never ran in this trace (no span).
    NotRun,
}

impl NodeState {
    /// The lower-case word shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Done => "done",
            Self::NotRun => "not run",
        }
    }
}

/// When each task first started and last ended (over all its spans).
#[derive(Clone, Debug, Default)]
pub struct TaskTimes {
    start_ns: Vec<u64>,
    end_ns: Vec<u64>,
    first_lane: Vec<u32>,
}

impl TaskTimes {
    /// The first start and last end of every task of `trace`.
    ///
    /// # Complexity
    /// O(V + S) time, O(V) memory.
    pub fn from_trace(trace: &Trace) -> Self {
        let n = trace.graph().len();
        let mut start_ns = vec![u64::MAX; n];
        let mut end_ns = vec![0; n];
        let mut first_lane = vec![u32::MAX; n];
        for span in trace.spans() {
            let i = span.task.index();
            if let (Some(s), Some(e), Some(l)) = (
                start_ns.get_mut(i),
                end_ns.get_mut(i),
                first_lane.get_mut(i),
            ) {
                if span.start_ns < *s {
                    *s = span.start_ns;
                    *l = span.lane.0;
                }
                *e = (*e).max(span.end_ns);
            }
        }
        Self {
            start_ns,
            end_ns,
            first_lane,
        }
    }

    /// The task's first start and last end, or `None` if it never ran.
    pub fn range(&self, task: TaskId) -> Option<(u64, u64)> {
        let s = *self.start_ns.get(task.index())?;
        let e = *self.end_ns.get(task.index())?;
        (s != u64::MAX).then_some((s, e))
    }

    /// The task's duration from first start to last end (0 if it never ran).
    pub fn duration_ns(&self, task: TaskId) -> u64 {
        self.range(task).map_or(0, |(s, e)| e.saturating_sub(s))
    }

    /// The lane index of the task's first span, if it ran.
    pub fn lane(&self, task: TaskId) -> Option<u32> {
        self.first_lane
            .get(task.index())
            .copied()
            .filter(|&l| l != u32::MAX)
    }

    /// The longest task duration.
    pub fn max_duration_ns(&self) -> u64 {
        (0..self.start_ns.len())
            .map(|i| self.duration_ns(TaskId(i as u32)))
            .max()
            .unwrap_or(0)
    }

    /// The task's state at `t_ns`: waiting before its first start, running until its last end, then done.
    pub fn state_at(&self, task: TaskId, t_ns: u64) -> NodeState {
        match self.range(task) {
            None => NodeState::NotRun,
            Some((s, _)) if t_ns < s => NodeState::Waiting,
            Some((_, e)) if t_ns < e => NodeState::Running,
            Some(_) => NodeState::Done,
        }
    }
}

/// The final state recorded in the graph, as a replay state at the end of the run.
pub fn final_state(state: TaskState) -> NodeState {
    match state {
        TaskState::Done | TaskState::Failed => NodeState::Done,
        TaskState::Cancelled | TaskState::NotRun => NodeState::NotRun,
    }
}

/// Play, pause and speed of the replay cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// Whether the cursor is moving.
    pub playing: bool,
    /// Where the cursor is, in ns.
    pub cursor_ns: u64,
    /// How many trace nanoseconds pass per second of wall time.
    pub ns_per_second: f64,
    /// The range the cursor moves in.
    pub start_ns: u64,
    /// The end of that range; playing stops there.
    pub end_ns: u64,
    /// Whether the cursor is shown at all (replay mode on).
    pub active: bool,
}

/// A full replay takes this many seconds at the default speed.
pub const DEFAULT_REPLAY_SECONDS: f64 = 10.0;

impl Replay {
    /// A stopped replay over `start_ns..end_ns`, with the cursor at the start and a speed
    /// that plays the whole range in [`DEFAULT_REPLAY_SECONDS`].
    pub fn new(start_ns: u64, end_ns: u64) -> Self {
        let len = end_ns.saturating_sub(start_ns).max(1) as f64;
        Self {
            playing: false,
            cursor_ns: start_ns,
            ns_per_second: len / DEFAULT_REPLAY_SECONDS,
            start_ns,
            end_ns,
            active: false,
        }
    }

    /// Starts playing (from the start if the cursor is at the end).
    pub fn play(&mut self) {
        if self.cursor_ns >= self.end_ns {
            self.cursor_ns = self.start_ns;
        }
        self.playing = true;
        self.active = true;
    }

    /// Stops moving the cursor (it stays where it is).
    pub fn pause(&mut self) {
        self.playing = false;
    }

    /// Moves the cursor to `t_ns` (clamped to the range) and shows it.
    pub fn seek(&mut self, t_ns: u64) {
        self.cursor_ns = t_ns.clamp(self.start_ns, self.end_ns);
        self.active = true;
    }

    /// Advances a playing cursor by `dt_seconds` of wall time; stops at the end.
    ///
    /// Returns whether the cursor moved (so the app knows to keep repainting).
    pub fn advance(&mut self, dt_seconds: f64) -> bool {
        if !self.playing {
            return false;
        }
        let step = (dt_seconds.max(0.0) * self.ns_per_second).round() as u64;
        self.cursor_ns = self.cursor_ns.saturating_add(step.max(1)).min(self.end_ns);
        if self.cursor_ns >= self.end_ns {
            self.playing = false;
        }
        true
    }

    /// The speed as a multiple of real time (1.0 = the trace's own pace).
    pub fn speed_vs_real_time(&self) -> f64 {
        self.ns_per_second / 1e9
    }

    /// The cursor time, if the replay is shown.
    pub fn shown_cursor(&self) -> Option<u64> {
        self.active.then_some(self.cursor_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{Lane, RunMeta, Span, SpanKind, TraceBuilder};

    fn trace() -> Trace {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
        let z = g.add_task("add", "add", [x, y], TaskState::Done).unwrap();
        g.add_task("never", "noop", [], TaskState::NotRun).unwrap();
        let w0 = b.add_lane(Lane::default()).unwrap();
        let w1 = b.add_lane(Lane::default()).unwrap();
        for (task, lane, s, e) in [(x, w0, 0, 10), (y, w1, 0, 9), (z, w0, 10, 20)] {
            b.add_span(Span {
                start_ns: s,
                end_ns: e,
                task,
                lane,
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        b.build().unwrap()
    }

    #[test]
    fn states_over_time() {
        use NodeState::*;
        let t = TaskTimes::from_trace(&trace());
        let at = |time| {
            (0..4)
                .map(|i| t.state_at(TaskId(i), time))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(0), vec![Running, Running, Waiting, NotRun]);
        assert_eq!(at(9), vec![Running, Done, Waiting, NotRun]);
        assert_eq!(at(10), vec![Done, Done, Running, NotRun]);
        assert_eq!(at(20), vec![Done, Done, Done, NotRun]);
        assert_eq!(t.duration_ns(TaskId(2)), 10);
        assert_eq!(t.max_duration_ns(), 10);
        assert_eq!(t.lane(TaskId(1)), Some(1));
        assert_eq!(t.lane(TaskId(3)), None);
        assert_eq!(final_state(TaskState::Cancelled), NotRun);
    }

    #[test]
    fn replay_advances_and_stops() {
        let mut r = Replay::new(0, 1000);
        assert_eq!(r.shown_cursor(), None);
        assert!(!r.advance(1.0));
        r.play();
        assert!(r.advance(1.0));
        assert_eq!(r.cursor_ns, 100); // 1000 ns over 10 s
        r.advance(100.0);
        assert_eq!(r.cursor_ns, 1000);
        assert!(!r.playing);
        r.play(); // from the end: restart
        assert_eq!(r.cursor_ns, 0);
        r.pause();
        r.seek(5000);
        assert_eq!(r.shown_cursor(), Some(1000));
        assert!((r.speed_vs_real_time() - 1e-7).abs() < 1e-12);
    }
}
