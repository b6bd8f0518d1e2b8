//! What the event readers gather from a file before a [`crate::Trace`] is built:
//! [`Gathered`], made of small parts that each keep their own invariants behind
//! private fields — interned names ([`NameTable`]), lanes by `(pid, tid)`
//! ([`LaneTable`]), the spans read so far, counts for the diagnostics
//! ([`EventCounts`]), the time range ([`TimeRange`]), and the Chrome-only parts
//! (flows, begin/end pairs, instants and counters; see [`super::chrome`]).
//!
//! The Chrome, taskscope and Dask readers all fill one `Gathered`; the Chrome
//! reader folds events into it (`chrome.rs`), the Dask reader pushes finished
//! spans ([`Gathered::push_span`]), and the taskscope reader resolves the spans
//! against its embedded graph. This module decides nothing about any format.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::chrome::{BeginEnds, FlowTable, MarkTable};
use super::error::Source;
use crate::args::ArgValue;
use crate::intern::Interner;
use crate::model::{Lane, ModelError, SpanId, SpanKind, TaskId, TaskState, TraceBuilder};

/// A lane as seen in the file: a `(pid, tid)` pair.
#[derive(Clone)]
pub(crate) struct LaneInfo<'a> {
    pub pid: Cow<'a, str>,
    pub tid: Cow<'a, str>,
    pub name: Option<String>,
    pub sort_index: Option<i64>,
    /// Whether any span or instant is on it (lanes only named by `M` events are dropped).
    pub used: bool,
}

/// A span before nesting and graph assembly.
#[derive(Clone)]
pub(crate) struct PendingSpan<'a> {
    pub start: i64,
    pub end: i64,
    pub lane: u32,
    pub name: u32,
    pub key: Option<Cow<'a, str>>,
    pub task: Option<u32>,
    pub state: Option<TaskState>,
    pub kind: SpanKind,
    pub depth: Option<u16>,
    pub unclosed: bool,
    /// Byte offset of the event, for errors.
    pub offset: usize,
}

impl PendingSpan<'_> {
    /// The span with its key owned, borrowing nothing from the file.
    pub(crate) fn into_owned(self) -> PendingSpan<'static> {
        PendingSpan {
            key: self.key.map(|k| Cow::Owned(k.into_owned())),
            ..self
        }
    }

    /// A copy whose key borrows this one's (no allocation, unlike `clone`).
    pub(crate) fn borrowed(&self) -> PendingSpan<'_> {
        PendingSpan {
            key: self.key.as_deref().map(Cow::Borrowed),
            ..*self
        }
    }
}

/// An arg of a task event beyond the ones the model has fields for (e.g. a Dask
/// transfer's `source`), kept for [`crate::args`].
#[derive(Clone)]
pub(crate) struct PendingArg<'a> {
    /// Index of its span in [`Gathered::spans`].
    pub span: u32,
    pub key: Cow<'a, str>,
    pub value: ArgValue,
}

impl PendingArg<'_> {
    /// A copy whose key borrows this one's.
    pub(crate) fn borrowed(&self) -> PendingArg<'_> {
        PendingArg {
            span: self.span,
            key: Cow::Borrowed(&self.key),
            value: self.value.clone(),
        }
    }

    /// The arg with its key owned, borrowing nothing from the file.
    pub(crate) fn into_owned(self) -> PendingArg<'static> {
        PendingArg {
            span: self.span,
            key: Cow::Owned(self.key.into_owned()),
            value: self.value,
        }
    }
}

/// Owns a borrowed text (an owned one is moved, not copied).
pub(crate) fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

/// Args of spans that are facts about their task (a failed task's error text): the
/// reader keeps them as task args.
const TASK_LEVEL_SPAN_ARGS: [&str; 1] = ["exception"];

/// Keeps one arg of span `id` of `task`: on the task if it is a fact about the task
/// ([`TASK_LEVEL_SPAN_ARGS`]), else on the span.
pub(crate) fn keep_span_arg(
    b: &mut TraceBuilder,
    id: SpanId,
    task: TaskId,
    arg: &PendingArg<'_>,
) -> Result<(), ModelError> {
    if TASK_LEVEL_SPAN_ARGS.contains(&arg.key.as_ref()) {
        b.add_task_arg(task, &arg.key, arg.value.clone())
    } else {
        b.add_span_arg(id, &arg.key, arg.value.clone())
    }
}

/// Names interned in order of first appearance.
#[derive(Clone, Default)]
pub(crate) struct NameTable<'a> {
    names: Interner<Cow<'a, str>>,
}

impl<'a> NameTable<'a> {
    /// The number of `name`, adding it if it is new.
    pub(crate) fn intern(&mut self, name: Cow<'a, str>) -> u32 {
        self.names.intern(name)
    }

    /// Name number `id`.
    pub(crate) fn get(&self, id: u32) -> Option<&str> {
        self.names.keys().get(id as usize).map(AsRef::as_ref)
    }

    /// Every name, by number.
    pub(crate) fn as_slice(&self) -> &[Cow<'a, str>] {
        self.names.keys()
    }

    /// The same table borrowing nothing from the file.
    ///
    /// # Complexity
    /// O(n) for its n names, each moved (only borrowed names are copied).
    pub(crate) fn into_owned(self) -> NameTable<'static> {
        NameTable {
            names: self.names.map_keys(owned),
        }
    }
}

/// Lanes by `(pid, tid)`, in order of first appearance, with the process names.
#[derive(Clone, Default)]
pub(crate) struct LaneTable<'a> {
    lanes: Vec<LaneInfo<'a>>,
    /// Each lane's number by `(pid, tid)` (the lane's own texts again).
    index: Interner<(Cow<'a, str>, Cow<'a, str>)>,
    process_names: FxHashMap<Cow<'a, str>, String>,
}

impl<'a> LaneTable<'a> {
    /// The lane of `(pid, tid)`, added (unused) if it is new.
    pub(crate) fn lane(&mut self, pid: &'a str, tid: &'a str) -> u32 {
        let l = self.index.intern((Cow::Borrowed(pid), Cow::Borrowed(tid)));
        if l as usize == self.lanes.len() {
            self.lanes.push(LaneInfo {
                pid: Cow::Borrowed(pid),
                tid: Cow::Borrowed(tid),
                name: None,
                sort_index: None,
                used: false,
            });
        }
        debug_assert!((l as usize) < self.lanes.len(), "one lane per number");
        l
    }

    /// The lane of `(pid, tid)`, marked used (it carries a span or an instant).
    pub(crate) fn used(&mut self, pid: &'a str, tid: &'a str) -> u32 {
        let l = self.lane(pid, tid);
        if let Some(info) = self.lanes.get_mut(l as usize) {
            info.used = true;
        }
        l
    }

    /// Lane `lane`, to name or sort it.
    pub(crate) fn info_mut(&mut self, lane: u32) -> Option<&mut LaneInfo<'a>> {
        self.lanes.get_mut(lane as usize)
    }

    /// Every lane, by number.
    pub(crate) fn infos(&self) -> &[LaneInfo<'a>] {
        &self.lanes
    }

    /// Names process `pid` (a later name replaces an earlier one).
    pub(crate) fn name_process(&mut self, pid: &'a str, name: String) {
        self.process_names.insert(Cow::Borrowed(pid), name);
    }

    /// The name of process `pid`, if an `M` event named it.
    pub(crate) fn process_name(&self, pid: &str) -> Option<&str> {
        self.process_names.get(pid).map(String::as_str)
    }

    /// Names process `pid` with `name()` unless it has a name already.
    pub(crate) fn name_process_once(&mut self, pid: &'a str, name: impl FnOnce() -> String) {
        self.process_names
            .entry(Cow::Borrowed(pid))
            .or_insert_with(name);
    }

    /// The lanes that carry spans or instants, in order of first appearance, and the
    /// new index of each lane (`u32::MAX` for dropped ones).
    pub(crate) fn used_lanes(&self) -> (Vec<u32>, Vec<Lane>) {
        let mut lane_map = vec![u32::MAX; self.lanes.len()];
        let mut lanes = Vec::new();
        for (i, info) in self.lanes.iter().enumerate() {
            if info.used {
                if let Some(slot) = lane_map.get_mut(i) {
                    *slot = lanes.len() as u32;
                }
                lanes.push(Lane {
                    name: info
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("thread {}", info.tid)),
                    process: self
                        .process_names
                        .get(info.pid.as_ref())
                        .cloned()
                        .unwrap_or_else(|| format!("process {}", info.pid)),
                    sort_index: info.sort_index.unwrap_or(0),
                    is_async: false,
                });
            }
        }
        (lane_map, lanes)
    }

    /// The same table borrowing nothing from the file.
    ///
    /// # Complexity
    /// O(n) for its n lanes and processes.
    pub(crate) fn into_owned(self) -> LaneTable<'static> {
        let lanes: Vec<LaneInfo<'static>> = self
            .lanes
            .into_iter()
            .map(|l| LaneInfo {
                pid: owned(l.pid),
                tid: owned(l.tid),
                name: l.name,
                sort_index: l.sort_index,
                used: l.used,
            })
            .collect();
        let index = self.index.map_keys(|(pid, tid)| (owned(pid), owned(tid)));
        let process_names = self
            .process_names
            .into_iter()
            .map(|(pid, name)| (owned(pid), name))
            .collect();
        LaneTable {
            lanes,
            index,
            process_names,
        }
    }
}

/// How many events were read, and of those, how many were skipped and why.
#[derive(Clone, Default)]
pub(crate) struct EventCounts {
    events: u64,
    /// File order of the events that need it (begin/end pairs, flow points).
    seq: u32,
    skipped_phases: FxHashMap<String, u32>,
    async_events: u32,
    invalid_events: u32,
    unknown_key_events: u32,
    ray_votes: u32,
    x_events: u32,
}

impl EventCounts {
    /// Counts an event that has no place in the file order (a record of another format).
    pub(crate) fn record(&mut self) {
        self.events += 1;
    }

    /// Counts an event in the file's order and returns its sequence number.
    pub(crate) fn event(&mut self) -> u32 {
        self.events += 1;
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// How many events were read.
    pub(crate) fn events(&self) -> u64 {
        self.events
    }

    /// Counts an event without a phase, timestamp, id or args it needs.
    pub(crate) fn invalid(&mut self) {
        self.invalid_events += 1;
    }

    /// Counts an event with keys this reader does not use.
    pub(crate) fn unknown_keys(&mut self) {
        self.unknown_key_events += 1;
    }

    /// Counts an async event (skipped).
    pub(crate) fn async_event(&mut self) {
        self.async_events += 1;
    }

    /// Counts an event of a phase this reader does not use.
    pub(crate) fn skip_phase(&mut self, phase: &str) {
        *self.skipped_phases.entry(phase.to_owned()).or_insert(0) += 1;
    }

    /// Counts an `X` event; `ray_like` when its pid and tid look like Ray's.
    pub(crate) fn complete(&mut self, ray_like: bool) {
        self.x_events += 1;
        if ray_like {
            self.ray_votes += 1;
        }
    }

    /// Whether this looks like a Ray timeline (string pids, `worker:`/`driver:` tids).
    pub(crate) fn looks_like_ray(&self) -> bool {
        self.x_events > 0 && self.ray_votes * 2 >= self.x_events
    }

    /// Diagnostics about what was skipped, in a deterministic order.
    pub(crate) fn skip_diagnostics(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut phases: Vec<(&String, &u32)> = self.skipped_phases.iter().collect();
        phases.sort();
        if !phases.is_empty() {
            let list: Vec<String> = phases.iter().map(|(p, n)| format!("{n} '{p}'")).collect();
            out.push(format!(
                "skipped events of phases this reader does not use: {}",
                list.join(", ")
            ));
        }
        if self.async_events > 0 {
            out.push(format!(
                "skipped {} async events (phases b/e/n, S/T/F, p)",
                self.async_events
            ));
        }
        if self.invalid_events > 0 {
            out.push(format!(
                "skipped {} events without a phase, timestamp, id or args they need",
                self.invalid_events
            ));
        }
        if self.unknown_key_events > 0 {
            out.push(format!(
                "{} events had keys this reader does not use (ignored)",
                self.unknown_key_events
            ));
        }
        out
    }
}

/// The earliest and latest times seen, in the source clock's ns.
#[derive(Clone)]
pub(crate) struct TimeRange {
    min: i64,
    max: i64,
}

impl Default for TimeRange {
    fn default() -> Self {
        Self {
            min: i64::MAX,
            max: i64::MIN,
        }
    }
}

impl TimeRange {
    /// Takes `ts` into the range.
    pub(crate) fn see(&mut self, ts: i64) {
        self.max = self.max.max(ts);
        self.min = self.min.min(ts);
    }

    /// The earliest time seen (0 when none was).
    pub(crate) fn origin(&self) -> i64 {
        if self.min == i64::MAX { 0 } else { self.min }
    }

    /// The latest time seen (`i64::MIN` when none was).
    pub(crate) fn end(&self) -> i64 {
        self.max
    }
}

/// A line and a column in a file, both from 1.
type LineColumn = (usize, usize);

/// Events left out because a number in them does not fit: a timestamp beyond what
/// nanoseconds in 64 bits hold (the reader's exact parser saturates at the `i64`
/// range, so a saturated value is out of range), a negative duration, or an end
/// beyond that range. Each is reported with its position; none distorts a figure.
#[derive(Clone, Default)]
pub(crate) struct LeftOut {
    /// (byte offset of the event, its line and column once located, what is wrong),
    /// the first [`LeftOut::LISTED`].
    listed: Vec<(usize, Option<LineColumn>, String)>,
    /// How many events were left out in all.
    count: u64,
}

impl LeftOut {
    /// At most this many left-out events are listed one by one.
    pub(crate) const LISTED: usize = 5;

    /// Whether `ns` (parsed by [`super::num::parse_scaled`]) saturated: out of range.
    pub(crate) fn saturated(ns: i64) -> bool {
        ns == i64::MAX || ns == i64::MIN
    }

    /// Records that the event at `offset` was left out because of `problem`.
    pub(crate) fn add(&mut self, offset: usize, problem: impl FnOnce() -> String) {
        self.count += 1;
        if self.listed.len() < Self::LISTED {
            self.listed.push((offset, None, problem()));
        }
    }

    /// Gives the events listed since the last call their line and column, `at(offset)`,
    /// while the bytes their offsets are in are still there (an incremental reader's).
    pub(crate) fn locate(&mut self, at: impl Fn(usize) -> (usize, usize)) {
        for (offset, located, _) in &mut self.listed {
            if located.is_none() {
                *located = Some(at(*offset));
            }
        }
    }

    /// One warning per listed event, naming file, line and column, and one for the rest.
    pub(crate) fn diagnostics(&self, src: &Source<'_>) -> Vec<String> {
        let mut out: Vec<String> = self
            .listed
            .iter()
            .map(|(offset, located, problem)| {
                let (line, column) = located.unwrap_or_else(|| {
                    let pos = super::error::Position::of(src.bytes, *offset);
                    (pos.line, pos.column)
                });
                format!("{}:{line}:{column}: {problem}", src.name)
            })
            .collect();
        let rest = self.count.saturating_sub(self.listed.len() as u64);
        if rest > 0 {
            out.push(format!(
                "{}: {rest} more events left out for numbers that do not fit",
                src.name
            ));
        }
        out
    }
}

/// Everything gathered from the events of one file (see the module docs).
#[derive(Clone)]
pub(crate) struct Gathered<'a> {
    /// The file, for errors.
    pub(super) src: Source<'a>,
    pub(super) names: NameTable<'a>,
    pub(super) lanes: LaneTable<'a>,
    /// Spans in the order read (nested and sorted when the trace is built).
    pub(super) spans: Vec<PendingSpan<'a>>,
    /// Extra args of task spans, by span, each span's sorted by key.
    pub(super) span_args: Vec<PendingArg<'a>>,
    pub(super) begin_ends: BeginEnds,
    pub(super) flows: FlowTable<'a>,
    pub(super) marks: MarkTable<'a>,
    pub(super) counts: EventCounts,
    pub(super) time: TimeRange,
    /// Events left out because a number in them does not fit.
    pub(super) left_out: LeftOut,
    /// Saw the taskscope marker event: derived events can be dropped early.
    pub(super) taskscope_marker: bool,
    /// Byte offset of the `args` of the first `taskscope_graph` metadata event (a
    /// streaming file's graph, see [`super::stream`]).
    pub(super) stream_graph: Option<usize>,
    /// Try the exact-layout scanners of [`super::fast`] on the events of taskscope files
    /// (off only in tests that compare them with the general path).
    pub(super) fast_paths: bool,
    /// How many spans were gathered before `spans` (an incremental reader keeps them
    /// apart while it reads a batch of events; 0 whenever a trace is built).
    pub(super) span_base: usize,
}

impl<'a> Gathered<'a> {
    /// Nothing gathered yet from `src`.
    pub(crate) fn new(src: Source<'a>) -> Self {
        Self {
            src,
            names: NameTable::default(),
            lanes: LaneTable::default(),
            spans: Vec::new(),
            span_args: Vec::new(),
            begin_ends: BeginEnds::default(),
            flows: FlowTable::default(),
            marks: MarkTable::default(),
            counts: EventCounts::default(),
            time: TimeRange::default(),
            left_out: LeftOut::default(),
            taskscope_marker: false,
            stream_graph: None,
            fast_paths: true,
            span_base: 0,
        }
    }

    /// The number the next span pushed gets (its index once every span is gathered).
    pub(crate) fn next_span_index(&self) -> u32 {
        (self.span_base + self.spans.len()) as u32
    }

    /// A copy to build a trace from, its spans' and args' keys borrowing this one's (an
    /// incremental reader owns its keys: `clone` would copy each).
    ///
    /// # Complexity
    /// O(S + A) for its S spans and A span args, plus a clone of the other tables.
    pub(crate) fn borrowed(&self) -> Gathered<'_> {
        Gathered {
            src: self.src,
            names: self.names.clone(),
            lanes: self.lanes.clone(),
            spans: self.spans.iter().map(PendingSpan::borrowed).collect(),
            span_args: self.span_args.iter().map(PendingArg::borrowed).collect(),
            begin_ends: self.begin_ends.clone(),
            flows: self.flows.clone(),
            marks: self.marks.clone(),
            counts: self.counts.clone(),
            time: self.time.clone(),
            left_out: self.left_out.clone(),
            taskscope_marker: self.taskscope_marker,
            stream_graph: self.stream_graph,
            fast_paths: self.fast_paths,
            span_base: self.span_base,
        }
    }

    /// The same gathering borrowing nothing from the file: every text is owned, `src` is
    /// `empty` (the file's bytes can go).
    ///
    /// # Complexity
    /// O(S + A + N + L + F + C) for its S spans, A span args, N names, L lanes, and the
    /// F flow keys and C counter tracks (an incremental reader keeps its spans and args
    /// apart, so that only a batch's own are converted).
    pub(crate) fn into_owned(self, empty: Source<'static>) -> Gathered<'static> {
        Gathered {
            src: empty,
            names: self.names.into_owned(),
            lanes: self.lanes.into_owned(),
            spans: self
                .spans
                .into_iter()
                .map(PendingSpan::into_owned)
                .collect(),
            span_args: self
                .span_args
                .into_iter()
                .map(PendingArg::into_owned)
                .collect(),
            begin_ends: self.begin_ends,
            flows: self.flows.into_owned(),
            marks: self.marks.into_owned(),
            counts: self.counts,
            time: self.time,
            left_out: self.left_out,
            taskscope_marker: self.taskscope_marker,
            stream_graph: self.stream_graph,
            fast_paths: self.fast_paths,
            span_base: self.span_base,
        }
    }

    /// The lane for a `(pid, tid)` pair given as text, marked used.
    pub(crate) fn lane_for(&mut self, pid: &'a str, tid: &'a str) -> u32 {
        self.lanes.used(pid, tid)
    }

    /// Adds a span read from a non-Chrome format (times in the source clock's ns).
    pub(crate) fn push_span(
        &mut self,
        lane: u32,
        name: Cow<'a, str>,
        key: Cow<'a, str>,
        (start, end): (i64, i64),
        kind: SpanKind,
        state: Option<TaskState>,
    ) {
        self.counts.record();
        let end = end.max(start);
        self.time.see(start);
        self.time.see(end);
        let name = self.names.intern(name);
        self.spans.push(PendingSpan {
            start,
            end,
            lane,
            name,
            key: Some(key),
            task: None,
            state,
            kind,
            depth: None,
            unclosed: false,
            offset: 0,
        });
    }

    /// Attaches arg `key` to the span pushed last (nothing if there is none).
    pub(crate) fn add_arg_to_last_span(&mut self, key: &'static str, value: ArgValue) {
        if let Some(span) = self.next_span_index().checked_sub(1)
            && !self.spans.is_empty()
        {
            self.span_args.push(PendingArg {
                span,
                key: Cow::Borrowed(key),
                value,
            });
        }
    }

    /// Whether this looks like a Ray timeline (string pids, `worker:`/`driver:` tids).
    pub(crate) fn looks_like_ray(&self) -> bool {
        self.counts.looks_like_ray()
    }

    /// Diagnostics about what was skipped or left out, in a deterministic order.
    pub(crate) fn skip_diagnostics(&self) -> Vec<String> {
        let mut out = self.counts.skip_diagnostics();
        out.extend(self.left_out.diagnostics(&self.src));
        out
    }
}
