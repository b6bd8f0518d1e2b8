//! The writer thread's picture of the run so far, and its conversion into a [`Trace`].
//!
//! Records arrive in batches, one thread at a time, so a span's slices or links can arrive
//! before the record of its creation (made on another thread): such records are parked
//! and applied once the span is known. Times are converted to nanoseconds from the
//! trace's origin as they arrive.
//!
//! What a trace says about the spans (decided here, documented in the crate docs):
//! - one task per span, ordered by creation time; its key is `name-index`; its fields (as
//!   text, `x=1 y="a"`) and, when locations are on, its `target`, `file` and `line` are
//!   the task's args;
//! - its dependencies: its children (a span *waits for* the spans it contains) and the
//!   spans it `follows_from`;
//! - its state: `done` once closed, `failed` when a thread left it while unwinding from a
//!   panic, `cancelled` when it was entered but not closed by the end, `not_run` when it
//!   was never entered;
//! - one span (slice) per enter/exit on the thread's lane, at the depth of its nesting;
//!   slices still entered at the end reach the end and are flagged unclosed;
//! - one lane per thread that recorded a slice or an event, named after the thread
//!   (`thread N` when it has no name; names used by several threads get ` #1`, ` #2`…).
//!
//! It does not decide when a trace is written or where (see `writer`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rustc_hash::{FxHashMap, FxHashSet};
use taskscope_trace::{
    ArgValue, Instant, Lane, LaneId, ModelError, RunMeta, Span, SpanKind, TaskId, TaskState, Trace,
    TraceBuilder,
};
use tracing::Metadata;

use crate::budget;
use crate::record::{Record, TaskRef};
use crate::shared::Open;

/// What the writer knows of one span.
struct TaskRec {
    /// Creation time, ns from the origin.
    created_ns: u64,
    /// Name, target, file and line.
    meta: &'static Metadata<'static>,
    /// The nearest recorded ancestor.
    parent: Option<TaskRef>,
    /// The spans it follows from.
    causes: Vec<TaskRef>,
    /// Its fields as text.
    fields: String,
    /// Closed (its last handle was dropped).
    closed: bool,
    /// A thread left it while unwinding from a panic.
    failed: bool,
    /// How many slices it has.
    slices: u32,
    /// Upper bound of its key's length in the file (see [`budget`]).
    key_len: u64,
    /// How many times the file holds its key: in the graph, in each slice, in each
    /// dependency on it.
    key_refs: u64,
}

/// One slice, in ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slice {
    task: TaskRef,
    lane: u32,
    start_ns: u64,
    end_ns: u64,
    depth: u16,
}

/// A span still entered on a thread when it was last looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenSlice {
    task: TaskRef,
    /// Raw reading: identifies the entry from one look to the next.
    start: u64,
    start_ns: u64,
    depth: u16,
}

/// One thread.
#[derive(Default)]
struct LaneRec {
    /// Its name, if it has one.
    name: Option<String>,
    /// Its metadata was counted against the size limit.
    counted: bool,
    /// Its spans still entered, as last seen.
    open: Vec<OpenSlice>,
}

/// The writer thread's picture of the run so far.
pub(crate) struct Assembler {
    /// Put `(target, file:line)` in keys.
    locations: bool,
    /// The size limit, if any.
    max_bytes: Option<u64>,
    /// Upper bound of the file's size with everything accepted so far.
    bytes: u64,
    /// The size limit was reached: nothing that adds bytes is accepted any more.
    full: bool,
    tasks: FxHashMap<TaskRef, TaskRec>,
    slices: Vec<Slice>,
    instants: Vec<(u64, u32, String)>,
    /// Threads by lane number.
    lanes: BTreeMap<u32, LaneRec>,
    /// Records (with their lane) of spans whose creation has not arrived yet.
    parked: Vec<(u32, Record)>,
    /// Diagnostics from outside (e.g. the streaming file could not be written).
    notes: Vec<String>,
}

impl Assembler {
    /// An empty run. `title_len` counts against `max_bytes` from the start.
    pub(crate) fn new(locations: bool, max_bytes: Option<u64>, title: &str) -> Self {
        Self {
            locations,
            max_bytes,
            bytes: budget::FILE + 2 * budget::json_len(title),
            full: false,
            tasks: FxHashMap::default(),
            slices: Vec::new(),
            instants: Vec::new(),
            lanes: BTreeMap::new(),
            parked: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Whether the size limit was reached.
    pub(crate) fn is_full(&self) -> bool {
        self.full
    }

    /// Adds a diagnostic to every trace built from now on (once per distinct text).
    pub(crate) fn note(&mut self, text: String) {
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    /// Takes in a batch of one thread's records, in the order the thread made them; `ns`
    /// converts raw clock readings to ns from the origin.
    ///
    /// Applying them in order matters once the size limit is reached: what is kept is
    /// what the thread did first.
    pub(crate) fn ingest(
        &mut self,
        lane: u32,
        thread_name: Option<&str>,
        records: &mut Vec<Record>,
        ns: &dyn Fn(u64) -> u64,
    ) {
        self.lane_mut(lane, thread_name);
        let had_parked = !self.parked.is_empty();
        // Drained, not consumed: the writer hands the emptied buffer back to the threads.
        for record in records.drain(..) {
            if let Some(later) = self.apply(lane, record, ns) {
                self.parked.push((lane, later));
            }
        }
        if had_parked {
            self.retry_parked(ns);
        }
    }

    /// Replaces what is known of `lane`'s entered spans (its stack, outermost first).
    pub(crate) fn set_open(
        &mut self,
        lane: u32,
        thread_name: Option<&str>,
        stack: &[Open],
        ns: &dyn Fn(u64) -> u64,
    ) {
        let previous = std::mem::take(&mut self.lane_mut(lane, thread_name).open);
        let mut open = Vec::with_capacity(stack.len());
        for (depth, entry) in stack.iter().enumerate() {
            let seen = previous
                .iter()
                .any(|o| o.task == entry.task && o.start == entry.start);
            // A new entry becomes a slice if the trace ends now: it is paid for once.
            let affordable = seen
                || match self.tasks.get(&entry.task) {
                    Some(t) => {
                        let name_len = budget::json_len(t.meta.name());
                        let depth = u16::try_from(depth).unwrap_or(u16::MAX);
                        let cost = budget::slice(t.key_len, name_len, depth);
                        self.afford_lane(lane) && self.afford(cost)
                    }
                    None => false,
                };
            if affordable {
                open.push(OpenSlice {
                    task: entry.task,
                    start: entry.start,
                    start_ns: ns(entry.start),
                    // Saturates, as the slices of deeper spans do.
                    depth: u16::try_from(depth).unwrap_or(u16::MAX),
                });
            }
        }
        self.lane_mut(lane, None).open = open;
    }

    fn lane_mut(&mut self, lane: u32, name: Option<&str>) -> &mut LaneRec {
        let rec = self.lanes.entry(lane).or_default();
        if rec.name.is_none()
            && let Some(name) = name
        {
            rec.name = Some(name.to_owned());
        }
        rec
    }

    /// Counts `lane`'s metadata against the limit the first time something lands on it.
    fn afford_lane(&mut self, lane: u32) -> bool {
        let rec = self.lane_mut(lane, None);
        if rec.counted {
            return true;
        }
        // A display name adds at most " #" and a number, or is `thread N`.
        let len = rec.name.as_deref().map_or(0, budget::json_len) + 24;
        if self.afford(budget::lane(len)) {
            self.lane_mut(lane, None).counted = true;
            true
        } else {
            false
        }
    }

    /// Accepts `cost` more bytes unless that passes the limit (which then stops recording).
    fn afford(&mut self, cost: u64) -> bool {
        if self.full {
            return false;
        }
        if self.max_bytes.is_some_and(|max| self.bytes + cost > max) {
            self.full = true;
            return false;
        }
        self.bytes += cost;
        true
    }

    /// Applies a record; returns it when its span is not known yet (to be retried).
    fn apply(&mut self, lane: u32, record: Record, ns: &dyn Fn(u64) -> u64) -> Option<Record> {
        match record {
            Record::NewSpan {
                task,
                created,
                meta,
                parent,
                fields,
            } => {
                let key_len = Self::key_len(meta);
                let mut cost = budget::task(key_len, budget::json_len(meta.name()))
                    + self.args_len(meta, &fields);
                if parent.is_some() {
                    // The parent lists the child among its dependencies.
                    cost += budget::edge(key_len);
                }
                if self.afford(cost) {
                    self.tasks.insert(
                        task,
                        TaskRec {
                            created_ns: ns(created),
                            meta,
                            parent,
                            causes: Vec::new(),
                            fields,
                            closed: false,
                            failed: false,
                            slices: 0,
                            key_len,
                            key_refs: 1 + u64::from(parent.is_some()),
                        },
                    );
                }
                None
            }
            Record::Fields { task, fields } => {
                let Some(t) = self.tasks.get(&task) else {
                    return self.park(Record::Fields { task, fields });
                };
                let mut joined = t.fields.clone();
                if !joined.is_empty() && !fields.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(&fields);
                // The fields are written once, in the task's args.
                let cost = self
                    .args_len(t.meta, &joined)
                    .saturating_sub(self.args_len(t.meta, &t.fields));
                if self.afford(cost)
                    && let Some(t) = self.tasks.get_mut(&task)
                {
                    t.fields = joined;
                }
                None
            }
            Record::FollowsFrom { task, cause } => {
                let cause_len = match (self.tasks.get(&task), self.tasks.get(&cause)) {
                    (Some(_), Some(c)) => c.key_len,
                    _ => return self.park(Record::FollowsFrom { task, cause }),
                };
                if self.afford(budget::edge(cause_len)) {
                    if let Some(c) = self.tasks.get_mut(&cause) {
                        c.key_refs += 1;
                    }
                    if let Some(t) = self.tasks.get_mut(&task) {
                        t.causes.push(cause);
                    }
                }
                None
            }
            Record::Close { task } => {
                let Some(t) = self.tasks.get_mut(&task) else {
                    return self.park(Record::Close { task });
                };
                t.closed = true;
                None
            }
            Record::Slice(rec) => {
                let slice = Slice {
                    task: rec.task,
                    lane,
                    start_ns: ns(rec.start),
                    end_ns: ns(rec.end).max(ns(rec.start)),
                    depth: rec.depth,
                };
                if self.apply_slice(slice, rec.panicking) {
                    None
                } else {
                    self.park(Record::Slice(rec))
                }
            }
            Record::Event { at, text } => {
                if self.afford_lane(lane) && self.afford(budget::instant(&text)) {
                    self.instants.push((ns(at), lane, text));
                }
                None
            }
        }
    }

    /// Keeps a record of a span not yet known, unless recording has stopped (then its
    /// creation will never arrive).
    fn park(&self, record: Record) -> Option<Record> {
        (!self.full).then_some(record)
    }

    /// Applies a slice; `false` when its span is not known yet.
    fn apply_slice(&mut self, slice: Slice, panicking: bool) -> bool {
        let Some(t) = self.tasks.get(&slice.task) else {
            return false;
        };
        let cost = budget::slice(t.key_len, budget::json_len(t.meta.name()), slice.depth);
        if self.afford_lane(slice.lane) && self.afford(cost) {
            if let Some(t) = self.tasks.get_mut(&slice.task) {
                t.slices += 1;
                t.key_refs += 1;
                t.failed |= panicking;
            }
            self.slices.push(slice);
        }
        true
    }

    /// Applies parked records whose span became known (in the order they were parked,
    /// so a span's records keep the order its thread made them in).
    fn retry_parked(&mut self, ns: &dyn Fn(u64) -> u64) {
        for (lane, record) in std::mem::take(&mut self.parked) {
            if let Some(later) = self.apply(lane, record, ns) {
                self.parked.push((lane, later));
            }
        }
    }

    /// Upper bound of the key's length in the file (see [`key`]).
    fn key_len(meta: &Metadata<'_>) -> u64 {
        budget::json_len(meta.name()) + budget::KEY_INDEX
    }

    /// Upper bound of the length of a task's args in the file (see [`task_args`]).
    fn args_len(&self, meta: &Metadata<'_>, fields: &str) -> u64 {
        let fields = (!fields.is_empty()).then(|| budget::escaped_len(fields));
        let location = self.locations.then(|| {
            (
                budget::escaped_len(meta.target()),
                meta.file().map_or(0, budget::escaped_len),
            )
        });
        budget::task_args(fields, location)
    }

    /// The trace of everything accepted so far, with spans still entered ending at `now_ns`.
    ///
    /// # Complexity
    /// O(T log T + S log S + E log E) for T spans (tasks), S slices and E links.
    pub(crate) fn build(&self, now_ns: u64, meta: RunMeta) -> Result<Trace, ModelError> {
        // Tasks in order of creation; ties (same clock reading) by provisional id.
        let mut order: Vec<(u64, TaskRef)> = self
            .tasks
            .iter()
            .map(|(id, t)| (t.created_ns, *id))
            .collect();
        order.sort_unstable();
        let mut index: FxHashMap<TaskRef, TaskId> = FxHashMap::default();
        index.reserve(order.len());
        for (i, (_, id)) in order.iter().enumerate() {
            let Some(task) = TaskId::from_index(i) else {
                return Err(ModelError::TooLarge {
                    what: "tasks",
                    limit: u64::from(u32::MAX),
                });
            };
            index.insert(*id, task);
        }

        // (consumer, dependency): a parent waits for its children; a span for its causes.
        let mut edges: Vec<(TaskId, TaskId)> = Vec::new();
        for (id, t) in &self.tasks {
            let Some(&me) = index.get(id) else { continue };
            if let Some(parent) = t.parent.and_then(|p| index.get(&p)) {
                edges.push((*parent, me));
            }
            edges.extend(
                t.causes
                    .iter()
                    .filter_map(|c| index.get(c))
                    .map(|&c| (me, c)),
            );
        }
        edges.sort_unstable();
        edges.dedup();
        edges.retain(|(a, b)| a != b);

        let mut b = TraceBuilder::new(meta);
        let graph = b.graph_mut();
        let mut key_text = String::new();
        let mut e = 0;
        for (i, (_, id)) in order.iter().enumerate() {
            let Some(t) = self.tasks.get(id) else {
                continue;
            };
            let me = TaskId(i as u32);
            let start = e;
            while edges.get(e).is_some_and(|(c, _)| *c == me) {
                e += 1;
            }
            let deps = edges.get(start..e).unwrap_or(&[]).iter().map(|(_, d)| *d);
            key_text.clear();
            // Writing into a String cannot fail.
            let _ = write!(key_text, "{}-{me}", t.meta.name());
            graph.add_task(&key_text, t.meta.name(), deps, self.state(t, *id))?;
        }
        for (i, (_, id)) in order.iter().enumerate() {
            if let Some(t) = self.tasks.get(id) {
                task_args(&mut b, TaskId(i as u32), t, self.locations)?;
            }
        }

        let (lane_ids, open_count) = self.add_lanes(&mut b)?;
        let lane_of = |lane: u32| lane_ids.get(&lane).copied();
        b.reserve_spans(self.slices.len() + open_count);
        for s in &self.slices {
            if let (Some(&task), Some(lane)) = (index.get(&s.task), lane_of(s.lane)) {
                b.add_span(span(task, lane, s.start_ns, s.end_ns, s.depth, false))?;
            }
        }
        for (&l, rec) in &self.lanes {
            for o in &rec.open {
                if let (Some(&task), Some(lane)) = (index.get(&o.task), lane_of(l)) {
                    let end_ns = now_ns.max(o.start_ns);
                    b.add_span(span(task, lane, o.start_ns, end_ns, o.depth, true))?;
                }
            }
        }
        for (ts_ns, lane, text) in &self.instants {
            b.add_instant(Instant {
                ts_ns: *ts_ns,
                lane: lane_of(*lane),
                name: text.clone(),
            });
        }
        for note in self.diagnostics(open_count) {
            b.add_diagnostic(note);
        }
        b.build()
    }

    /// A closed span is done (or failed); an open one was cancelled if it ever ran.
    fn state(&self, t: &TaskRec, id: TaskRef) -> TaskState {
        if t.failed {
            TaskState::Failed
        } else if t.closed {
            TaskState::Done
        } else if t.slices > 0
            || self
                .lanes
                .values()
                .any(|l| l.open.iter().any(|o| o.task == id))
        {
            TaskState::Cancelled
        } else {
            TaskState::NotRun
        }
    }

    /// Adds the lanes that hold a slice, an open slice or an event, in order of first use;
    /// returns each thread's lane id and how many open slices there are.
    fn add_lanes(
        &self,
        b: &mut TraceBuilder,
    ) -> Result<(FxHashMap<u32, LaneId>, usize), ModelError> {
        let mut used: FxHashSet<u32> = FxHashSet::default();
        for s in &self.slices {
            used.insert(s.lane);
        }
        for (_, lane, _) in &self.instants {
            used.insert(*lane);
        }
        let mut open_count = 0;
        for (&l, rec) in &self.lanes {
            if !rec.open.is_empty() {
                used.insert(l);
                open_count += rec.open.len();
            }
        }
        let names = lane_names(
            self.lanes
                .iter()
                .filter(|(l, _)| used.contains(l))
                .map(|(&l, rec)| (l, rec.name.as_deref())),
        );
        let mut ids = FxHashMap::default();
        for (sort_index, (l, name)) in names.into_iter().enumerate() {
            let id = b.add_lane(Lane {
                name,
                process: String::new(),
                sort_index: sort_index as i64,
                is_async: false,
            })?;
            ids.insert(l, id);
        }
        Ok((ids, open_count))
    }

    fn diagnostics(&self, open_count: usize) -> Vec<String> {
        let mut notes = Vec::new();
        if open_count > 0 {
            notes.push(format!(
                "{open_count} span{} still entered when the trace was written; {} at the \
                 trace's end and {} flagged unclosed",
                if open_count == 1 { " was" } else { "s were" },
                if open_count == 1 {
                    "its slice ends"
                } else {
                    "their slices end"
                },
                if open_count == 1 { "is" } else { "are" },
            ));
        }
        if let Some(max) = self.max_bytes
            && self.full
        {
            notes.push(format!(
                "recording stopped when the trace reached its size limit of {max} bytes \
                 (max_file_size): spans, slices and events after that are not in it"
            ));
        }
        notes.extend(self.notes.iter().cloned());
        notes
    }
}

/// The names of the used lanes `(thread, name)`, in order: the thread's name, or `thread N`
/// (N counting from 1 in order of first use) when it has none; a name several threads
/// share gets ` #1`, ` #2`… in order of first use.
fn lane_names<'a>(lanes: impl Iterator<Item = (u32, Option<&'a str>)>) -> Vec<(u32, String)> {
    let named: Vec<(u32, String)> = lanes
        .map(|(l, name)| {
            let name = name.map_or_else(|| format!("thread {}", u64::from(l) + 1), str::to_owned);
            (l, name)
        })
        .collect();
    let mut counts: FxHashMap<&str, u32> = FxHashMap::default();
    for (_, name) in &named {
        *counts.entry(name.as_str()).or_insert(0) += 1;
    }
    let mut seen: FxHashMap<&str, u32> = FxHashMap::default();
    let mut out = Vec::with_capacity(named.len());
    for (l, name) in &named {
        let shared = counts.get(name.as_str()).is_some_and(|&n| n > 1);
        if shared {
            let k = seen.entry(name.as_str()).or_insert(0);
            *k += 1;
            out.push((*l, format!("{name} #{k}")));
        } else {
            out.push((*l, name.clone()));
        }
    }
    out
}

fn span(
    task: TaskId,
    lane: LaneId,
    start_ns: u64,
    end_ns: u64,
    depth: u16,
    unclosed: bool,
) -> Span {
    Span {
        start_ns,
        end_ns,
        task,
        lane,
        kind: SpanKind::Compute,
        depth,
        unclosed,
    }
}

/// Adds the args of task `task`: `fields` (its fields as text) when it has any, and
/// with `locations` its callsite's `target`, `file` and `line` (those known).
fn task_args(
    b: &mut TraceBuilder,
    task: TaskId,
    t: &TaskRec,
    locations: bool,
) -> Result<(), ModelError> {
    if !t.fields.is_empty() {
        b.add_task_arg(task, "fields", ArgValue::Str(t.fields.as_str().into()))?;
    }
    if locations {
        b.add_task_arg(task, "target", ArgValue::Str(t.meta.target().into()))?;
        if let Some(file) = t.meta.file() {
            b.add_task_arg(task, "file", ArgValue::Str(file.into()))?;
        }
        if let Some(line) = t.meta.line() {
            b.add_task_arg(task, "line", ArgValue::Int(i64::from(line)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SliceRec;

    /// The callsite metadata of a span named `name` (any will do: the name is what counts).
    fn meta() -> &'static Metadata<'static> {
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info_span!("work").metadata().unwrap()
        })
    }

    fn new_span(lane: u32, seq: u64, created: u64, parent: Option<TaskRef>) -> Record {
        Record::NewSpan {
            task: TaskRef::new(lane, seq),
            created,
            meta: meta(),
            parent,
            fields: format!("n={seq}"),
        }
    }

    fn slice(task: TaskRef, start: u64, end: u64, depth: u16, panicking: bool) -> Record {
        Record::Slice(SliceRec {
            task,
            start,
            end,
            depth,
            panicking,
        })
    }

    /// Thread 0 creates `a` (a child of nothing) and `b` (a child of `a`); thread 1 runs `b`
    /// and says `c` follows from `b`.
    fn batches() -> Vec<(u32, Vec<Record>)> {
        let (a, b, c) = (TaskRef::new(0, 0), TaskRef::new(0, 1), TaskRef::new(1, 0));
        vec![
            (
                0,
                vec![
                    new_span(0, 0, 10, None),
                    new_span(0, 1, 11, Some(a)),
                    slice(a, 12, 40, 0, false),
                    Record::Close { task: a },
                ],
            ),
            (
                1,
                vec![
                    slice(b, 20, 30, 0, true),
                    Record::Close { task: b },
                    new_span(1, 0, 31, None),
                    Record::FollowsFrom { task: c, cause: b },
                    slice(c, 32, 35, 0, false),
                ],
            ),
        ]
    }

    fn written(order: &[usize]) -> Vec<u8> {
        let mut asm = Assembler::new(false, None, "t");
        let batches = batches();
        for &i in order {
            let (lane, records) = &batches[i];
            asm.ingest(*lane, Some("worker"), &mut records.clone(), &|raw| raw);
        }
        assert!(asm.parked.is_empty());
        let mut bytes = Vec::new();
        let trace = asm.build(50, RunMeta::default()).unwrap();
        trace.write_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn records_that_arrive_before_their_span_are_applied_when_it_arrives() {
        // Thread 1's batch names `b` before thread 0's batch creates it: same file.
        assert_eq!(written(&[0, 1]), written(&[1, 0]));
        let trace = Trace::from_slice(&written(&[1, 0]), "t.json").unwrap();
        let graph = trace.graph();
        let keys: Vec<&str> = graph.tasks().map(|t| graph.key(t).unwrap()).collect();
        assert_eq!(keys, ["work-0", "work-1", "work-2"]);
        let fields: Vec<Option<&str>> = graph
            .tasks()
            .map(|t| trace.task_arg(t, "fields").and_then(ArgValue::as_str))
            .collect();
        assert_eq!(fields, [Some("n=0"), Some("n=1"), Some("n=0")]);
        assert_eq!(
            graph.deps(TaskId(0)),
            [TaskId(1)],
            "a waits for its child b"
        );
        assert_eq!(graph.deps(TaskId(2)), [TaskId(1)], "c follows from b");
        assert_eq!(graph.state(TaskId(0)), Some(TaskState::Done));
        assert_eq!(
            graph.state(TaskId(1)),
            Some(TaskState::Failed),
            "left while panicking"
        );
        assert_eq!(
            graph.state(TaskId(2)),
            Some(TaskState::Cancelled),
            "ran, never closed"
        );
        let lanes: Vec<&str> = trace.lanes().iter().map(|l| l.name.as_str()).collect();
        assert_eq!(lanes, ["worker #1", "worker #2"]);
    }

    #[test]
    fn lanes_are_named_after_threads() {
        let names = lane_names(
            [
                (0, Some("main")),
                (1, None),
                (2, Some("w")),
                (4, Some("w")),
                (5, Some("x")),
            ]
            .into_iter(),
        );
        let names: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["main", "thread 2", "w #1", "w #2", "x"]);
    }

    #[test]
    fn the_size_limit_keeps_what_each_thread_did_first() {
        let a = TaskRef::new(0, 0);
        let records = |n: u64| -> Vec<Record> {
            (0..n)
                .flat_map(|i| {
                    let t = TaskRef::new(0, i);
                    [
                        new_span(0, i, 10 * i, None),
                        slice(t, 10 * i + 1, 10 * i + 2, 0, false),
                    ]
                })
                .collect()
        };
        let bytes_for = |n| {
            let mut unlimited = Assembler::new(true, None, "t");
            unlimited.ingest(0, None, &mut records(n), &|raw| raw);
            unlimited.bytes
        };
        let (one, two) = (bytes_for(1), bytes_for(2));
        // Room for three and a half spans.
        let mut asm = Assembler::new(true, Some(one + (two - one) * 5 / 2), "t");
        asm.ingest(0, None, &mut records(10), &|raw| raw);
        assert!(asm.is_full());
        // Three spans fit with their slices, then the fourth span's creation; nothing after.
        let trace = asm.build(100, RunMeta::default()).unwrap();
        assert_eq!(trace.graph().len(), 4);
        assert_eq!(trace.spans().len(), 3);
        assert_eq!(trace.graph().state(TaskId(3)), Some(TaskState::NotRun));
        assert!(trace.spans_by_task().spans(TaskId(0)).len() == 1);
        assert_eq!(asm.tasks.get(&a).map(|t| t.slices), Some(1));
        assert!(
            trace.diagnostics()[0]
                .message
                .starts_with("recording stopped")
        );
    }
}
