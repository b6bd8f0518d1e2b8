//! The taskscope trace writer: Chrome Trace Event JSON (object form) with the graph embedded.
//!
//! Layout of a file (version 1), in the order written:
//! ```text
//! {"displayTimeUnit":"ns","traceEvents":[
//! {"ph":"M","cat":"taskscope","name":"taskscope","pid":0,"tid":0,"args":{"version":1}},
//! M process_name / process_sort_index per process, thread_name / thread_sort_index per lane,
//! X per span in order of start time (cat "task"; args: key, status, kind unless compute,
//!   depth/unclosed when set, task: the index of the task in the graph),
//! s/f per graph edge whose two tasks have spans (cat "task", name "dep", ids 1, 2, ...),
//! C "running tasks" (cat "derived": concurrency of top-level compute spans),
//! i per instant (cat "instant"), C per counter sample (cat "counter")
//! ],
//! "taskscope":{"version":1,"graph":{"tasks":[{"key","name","deps":[index],"state","args"}],
//!  "dependencies" (only when not "recorded": "flow_arrows" or "not_recorded")},
//!  "run":{...},"lanes":[...],"flows":[[from X, to X]...],"diagnostics":[...]}}
//! ```
//! A graph task names its dependencies by their index in `tasks` (files written before
//! named them by key, by index only where a key repeated; readers take both).
//!
//! Times are microseconds with exactly three decimals (integer nanoseconds
//! printed as `ns/1000`), relative to the trace origin. `pid` is the run
//! (one per distinct [`Lane::process`]), `tid` is the lane's index. The
//! `flows` of the `taskscope` object count `X` events in file order.
//!
//! # Dependency arrows in other viewers
//! Each graph edge is one `s`/`f` pair that binds, in both families of viewers,
//! to the `X` of the producer (its last-ending span, compute spans preferred) and
//! to the `X` of the consumer (its first-starting span, compute spans preferred):
//! - both flow events carry the `ts`, `pid`, `tid` and `cat` of their slice, printed
//!   identically: Chrome DevTools' trace engine binds a flow event to the first
//!   non-flow event with that exact tuple;
//! - Perfetto's JSON importer binds `s` to the topmost open slice of its thread and
//!   `f` with `"bp":"e"` likewise; it sorts events by time, `X` before flow events
//!   of the same `ts` (by duration, then file order: all `X` come first in the
//!   file), so at a slice's start time that slice is the topmost one;
//! - ids are unique per edge, so `(id, cat, name)` is unique too (Perfetto keys
//!   v1 flows by that triple, DevTools by `cat`, `name` and `id`);
//! - `X` events are written in order of start time: DevTools draws each arrow from
//!   the flow's earlier event in the file to its later one.
//!
//! Two spans of one lane that start at the same nanosecond cannot be told apart by
//! either rule (DevTools takes the first in the file, Perfetto the shortest); an
//! arrow that ends at one of them may be drawn at the other, at the same place in
//! time. DevTools also drops an arrow whose two ends start at the same time, and
//! draws one whose consumer starts before its producer backwards. A span that
//! overlaps another of its lane without nesting is moved by Perfetto to an overflow
//! track that flow events cannot reach: its arrows bind to the span it overlaps.
//! `taskscope_test_support::viewer_flows` replays both rules on written files.
//!
//! The writer streams: events go straight to the `Write` (buffered); only
//! per-task and per-edge integer tables are built in memory. Nothing iterates
//! a hash map, so the same trace always gives the same bytes.
//!
//! This module does not decide how a file is read back (see `read`), only
//! what is written.

use std::io::Write;
use std::ops::Range;

use rustc_hash::FxHashMap;

use super::encode::TraceEncoder;
use super::num::write_us;
use crate::args::ArgValue;
use crate::model::{
    DependencyRecord, Graph, Lane, Span, SpanId, SpanKind, TaskId, TaskState, Trace,
};

/// The taskscope format version this writer produces.
pub const FORMAT_VERSION: u32 = 1;

/// Hand the scratch buffer to the writer once it holds this many bytes.
const CHUNK: usize = 1 << 20;

/// Writes `trace` as a taskscope file to `out`: its pieces ([`TraceEncoder`]) one after
/// the other, in about 1 MiB writes.
///
/// # Complexity
/// O(S log S + V + E) time; O(S + V + E) integers of memory besides the output buffer.
pub(crate) fn write_trace(trace: &Trace, out: &mut dyn Write) -> std::io::Result<()> {
    write_pieces(&trace.encoder(), out)
}

/// Writes every piece of `encoder` to `out` in order, on the caller's thread.
pub(crate) fn write_pieces(encoder: &TraceEncoder<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(CHUNK + (CHUNK >> 1));
    for piece in 0..encoder.pieces() {
        encoder.encode(piece, &mut buf);
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

/// Writes the end of a streamed file (`super::stream`): what [`write_trace`] writes after
/// the `X` events, for a trace without flows (the stream's `X` events are in its own
/// order, which the `flows` of the `taskscope` object would have to count).
pub(crate) fn write_stream_tail(trace: &Trace, out: &mut dyn Write) -> std::io::Result<()> {
    debug_assert!(trace.flows().is_empty(), "the stream writer refuses flows");
    write_pieces(&TraceEncoder::tail_only(trace), out)
}

/// The head of a file: the opening, the format marker and the metadata events.
pub(super) fn write_head(w: &mut Buf<'_>, trace: &Trace, processes: &Processes<'_>) {
    w.raw(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    w.raw(b"{\"ph\":\"M\",\"cat\":\"taskscope\",\"name\":\"taskscope\",\"pid\":0,\"tid\":0,\"args\":{\"version\":");
    w.uint(u64::from(FORMAT_VERSION));
    w.raw(b"}}");
    write_metadata(w, trace, processes);
}

/// The events after the flows (the running counter, instants, counters), the end of the
/// event array and the start of the `taskscope` object, up to its first graph task.
pub(super) fn write_derived(w: &mut Buf<'_>, trace: &Trace, processes: &Processes<'_>) {
    write_running_counter(w, trace);
    write_instants(w, trace, processes);
    write_counters(w, trace);
    w.raw(b"\n],\n\"taskscope\":{\"version\":");
    w.uint(u64::from(FORMAT_VERSION));
    w.raw(b",\n\"graph\":{\"tasks\":[");
}

/// Everything after the graph's tasks: the rest of the `taskscope` object.
pub(super) fn write_end(w: &mut Buf<'_>, trace: &Trace, order: &FileOrder) {
    w.raw(b"]");
    // Only when not all were recorded: a reader takes an absent word as "recorded".
    let record = trace.graph().dependency_record();
    if record != DependencyRecord::Recorded {
        w.raw(b",\"dependencies\":\"");
        w.raw(record.as_str().as_bytes());
        w.raw(b"\"");
    }
    w.raw(b"}");
    write_run(w, trace);
    write_lanes(w, trace.lanes());
    write_flows(w, trace, order);
    w.raw(b",\"diagnostics\":[");
    for (i, d) in trace.diagnostics().iter().enumerate() {
        if i > 0 {
            w.raw(b",");
        }
        w.string(&d.message);
    }
    w.raw(b"]}}\n");
}

/// Appends text to a piece's buffer.
pub(super) struct Buf<'b> {
    pub(super) buf: &'b mut Vec<u8>,
}

impl Buf<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn uint(&mut self, v: u64) {
        push_uint(self.buf, v);
    }

    fn int(&mut self, v: i64) {
        push_int(self.buf, v);
    }

    fn us(&mut self, ns: u64) {
        write_us(self.buf, ns);
    }

    fn string(&mut self, s: &str) {
        write_json_str(self.buf, s);
    }

    fn float(&mut self, v: f64) {
        if v.is_finite() {
            // serde_json prints the shortest text that parses back to the same f64.
            if serde_json::to_writer(&mut *self.buf, &v).is_err() {
                self.buf.extend_from_slice(b"null");
            }
        } else {
            self.buf.extend_from_slice(b"null");
        }
    }
}

/// Writes `s` as a JSON string literal (quotes, backslashes and control characters escaped).
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        // Nothing to escape (keys and names, as a rule).
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or(&[]));
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or(&[]));
    out.push(b'"');
}

/// Whether `bytes` holds a byte that a JSON string must escape: a control character,
/// `"` or `\\`. Eight bytes at a time (keys and names are mostly 8 to 30 bytes long,
/// and this check runs for every key and name written).
///
/// # Complexity
/// O(bytes), about one step per 8 bytes.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The classic "has less" test: `(v - n·ONES) & !v & HIGHS` is nonzero iff some byte
    // of `v` is below `n` (n ≤ 128; a borrow can set a higher byte's bit only when a
    // lower byte is below `n` already, and bytes ≥ 0x80 never count).
    let below = |v: u64, n: u64| v.wrapping_sub(n * ONES) & !v & HIGHS;
    let special = |v: u64| {
        below(v, 0x20)
            | below(v ^ (u64::from(b'"') * ONES), 1)
            | below(v ^ (u64::from(b'\\') * ONES), 1)
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            debug_assert!(false, "chunks_exact gives 8 bytes");
            return true;
        };
        if special(u64::from_le_bytes(word)) != 0 {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The `pid` of each lane: one per distinct [`Lane::process`], numbered in order of first appearance.
pub(super) struct Processes<'t> {
    /// Process name for each pid.
    names: Vec<&'t str>,
    /// pid of each lane.
    lane_pid: Vec<u32>,
}

impl<'t> Processes<'t> {
    pub(super) fn new(lanes: &'t [Lane]) -> Self {
        let mut names: Vec<&str> = Vec::new();
        let mut index: FxHashMap<&str, u32> = FxHashMap::default();
        let mut lane_pid = Vec::with_capacity(lanes.len());
        for lane in lanes {
            let pid = *index.entry(lane.process.as_str()).or_insert_with(|| {
                names.push(lane.process.as_str());
                (names.len() - 1) as u32
            });
            lane_pid.push(pid);
        }
        if names.is_empty() {
            names.push("");
        }
        Self { names, lane_pid }
    }

    fn pid(&self, lane: usize) -> u32 {
        self.lane_pid.get(lane).copied().unwrap_or(0)
    }
}

fn run_label(trace: &Trace) -> String {
    let meta = trace.meta();
    let mut label = String::from("taskscope run");
    if let Some(title) = &meta.title {
        label.push_str(": ");
        label.push_str(title);
    }
    let mut details = Vec::new();
    if let Some(s) = &meta.scheduler {
        details.push(format!("{s} scheduler"));
    }
    if let Some(n) = meta.workers {
        details.push(format!("{n} worker{}", if n == 1 { "" } else { "s" }));
    }
    if !details.is_empty() {
        label.push_str(" (");
        label.push_str(&details.join(", "));
        label.push(')');
    }
    label
}

fn write_metadata(w: &mut Buf<'_>, trace: &Trace, processes: &Processes<'_>) {
    let label = run_label(trace);
    for (pid, process) in processes.names.iter().enumerate() {
        let name = if process.is_empty() {
            label.clone()
        } else if processes.names.len() == 1 {
            format!("{process} — {label}")
        } else {
            (*process).to_owned()
        };
        w.raw(b",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":");
        w.uint(pid as u64);
        w.raw(b",\"tid\":0,\"args\":{\"name\":");
        w.string(&name);
        w.raw(b"}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":");
        w.uint(pid as u64);
        w.raw(b",\"tid\":0,\"args\":{\"sort_index\":");
        w.uint(pid as u64);
        w.raw(b"}}");
    }
    for (i, lane) in trace.lanes().iter().enumerate() {
        let pid = processes.pid(i);
        w.raw(b",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":");
        w.uint(u64::from(pid));
        w.raw(b",\"tid\":");
        w.uint(i as u64);
        w.raw(b",\"args\":{\"name\":");
        w.string(&lane.name);
        w.raw(b"}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":");
        w.uint(u64::from(pid));
        w.raw(b",\"tid\":");
        w.uint(i as u64);
        w.raw(b",\"args\":{\"sort_index\":");
        w.int(lane.sort_index);
        w.raw(b"}}");
    }
}

/// The order in which spans are written: by start time, then by lane (each lane's spans
/// keep the trace's order: depth, then longest first).
pub(super) struct FileOrder {
    /// Span indices in file order.
    spans: Vec<u32>,
    /// The file position of each span index.
    position: Vec<u32>,
}

impl FileOrder {
    /// # Complexity
    /// O(S log L) for S spans on L lanes: each lane's spans are already in order of
    /// start, and the stable sort merges such runs.
    pub(super) fn new(trace: &Trace) -> Self {
        let spans = trace.spans();
        let mut order: Vec<u32> = (0..spans.len() as u32).collect();
        // Stable: spans of one lane with the same start keep the trace's order.
        order.sort_by_key(|&i| spans.get(i as usize).map(|s| (s.start_ns, s.lane)));
        let mut position = vec![0u32; order.len()];
        for (pos, &span) in order.iter().enumerate() {
            if let Some(slot) = position.get_mut(span as usize) {
                *slot = pos as u32;
            }
        }
        Self {
            spans: order,
            position,
        }
    }

    /// No spans: for a file whose `X` events were written elsewhere (a stream).
    pub(super) fn empty() -> Self {
        Self {
            spans: Vec::new(),
            position: Vec::new(),
        }
    }

    /// How many spans are written.
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    fn position(&self, span: SpanId) -> u32 {
        debug_assert!(
            span.index() < self.position.len(),
            "flow to a span that exists"
        );
        self.position.get(span.index()).copied().unwrap_or(span.0)
    }
}

pub(super) fn write_spans(
    w: &mut Buf<'_>,
    trace: &Trace,
    processes: &Processes<'_>,
    order: &FileOrder,
    positions: Range<usize>,
) {
    let graph = trace.graph();
    let args = trace.span_args();
    let spans = order.spans.get(positions).unwrap_or(&[]);
    for (i, span) in spans
        .iter()
        .filter_map(|&i| Some((i, trace.spans().get(i as usize)?)))
    {
        let task = XTask {
            name: graph.name(span.task).unwrap_or(""),
            key: graph.key(span.task).unwrap_or(""),
            state: graph.state(span.task).unwrap_or_default(),
        };
        let pid = processes.pid(span.lane.index());
        push_x_event(w.buf, span, &task, pid, args.of(i));
    }
}

/// What an `X` event says about the task of its span.
pub(crate) struct XTask<'a> {
    pub(crate) name: &'a str,
    pub(crate) key: &'a str,
    pub(crate) state: TaskState,
}

/// Appends one span's `X` event to `buf`, preceded by `,\n` (it never opens the event
/// array): cat `task`, the task's name, `ts`/`dur` in microseconds with three
/// decimals, `pid` (the lane's process, given) and `tid` (the lane's index), and args
/// key, status, kind unless compute, depth and unclosed when set, the task's index, and
/// the span's own args ([`crate::args`]; their keys are never one of those, which
/// [`crate::TraceBuilder::add_span_arg`] refuses).
///
/// The one encoder of a span: a writer that streams spans as they end can call it too.
pub(crate) fn push_x_event<'a>(
    buf: &mut Vec<u8>,
    span: &Span,
    task: &XTask<'_>,
    pid: u32,
    args: impl Iterator<Item = (&'a str, &'a ArgValue)>,
) {
    let mut itoa = itoa::Buffer::new();
    buf.extend_from_slice(b",\n{\"ph\":\"X\",\"cat\":\"task\",\"name\":");
    write_json_str(buf, task.name);
    buf.extend_from_slice(b",\"ts\":");
    write_us(buf, span.start_ns);
    buf.extend_from_slice(b",\"dur\":");
    write_us(buf, span.duration_ns());
    buf.extend_from_slice(b",\"pid\":");
    buf.extend_from_slice(itoa.format(pid).as_bytes());
    buf.extend_from_slice(b",\"tid\":");
    buf.extend_from_slice(itoa.format(span.lane.0).as_bytes());
    buf.extend_from_slice(b",\"args\":{\"key\":");
    write_json_str(buf, task.key);
    buf.extend_from_slice(b",\"status\":\"");
    buf.extend_from_slice(task.state.as_str().as_bytes());
    buf.push(b'"');
    if span.kind != SpanKind::Compute {
        buf.extend_from_slice(b",\"kind\":\"");
        buf.extend_from_slice(span.kind.as_str().as_bytes());
        buf.push(b'"');
    }
    if span.depth != 0 {
        buf.extend_from_slice(b",\"depth\":");
        buf.extend_from_slice(itoa.format(span.depth).as_bytes());
    }
    if span.unclosed {
        buf.extend_from_slice(b",\"unclosed\":true");
    }
    // The task's index in the graph: readers resolve spans without a key lookup
    // (the key is kept for people and other viewers).
    buf.extend_from_slice(b",\"task\":");
    buf.extend_from_slice(itoa.format(span.task.0).as_bytes());
    push_args(buf, args, false);
    buf.extend_from_slice(b"}}");
}

/// For each task, its first-starting and last-ending span (compute spans preferred):
/// where the arrows of its dependencies end and start.
pub(super) struct Endpoints {
    first: Vec<Option<u32>>,
    last: Vec<Option<u32>>,
}

impl Endpoints {
    /// # Complexity
    /// O(S + V).
    pub(super) fn new(trace: &Trace) -> Self {
        let n = trace.graph().len();
        let mut first: Vec<Option<u32>> = vec![None; n];
        let mut last: Vec<Option<u32>> = vec![None; n];
        let spans = trace.spans();
        let better_first = |cand: u32, cur: Option<u32>| -> bool {
            let Some(cur) = cur else { return true };
            let (Some(a), Some(b)) = (spans.get(cand as usize), spans.get(cur as usize)) else {
                return false;
            };
            let rank = |k: SpanKind| u8::from(k != SpanKind::Compute);
            (rank(a.kind), a.start_ns, a.depth) < (rank(b.kind), b.start_ns, b.depth)
        };
        let better_last = |cand: u32, cur: Option<u32>| -> bool {
            let Some(cur) = cur else { return true };
            let (Some(a), Some(b)) = (spans.get(cand as usize), spans.get(cur as usize)) else {
                return false;
            };
            let rank = |k: SpanKind| u8::from(k == SpanKind::Compute);
            (rank(a.kind), a.end_ns, std::cmp::Reverse(a.depth))
                > (rank(b.kind), b.end_ns, std::cmp::Reverse(b.depth))
        };
        for (i, span) in spans.iter().enumerate() {
            let i = i as u32;
            let t = span.task.index();
            if let Some(slot) = first.get_mut(t)
                && better_first(i, *slot)
            {
                *slot = Some(i);
            }
            if let Some(slot) = last.get_mut(t)
                && better_last(i, *slot)
            {
                *slot = Some(i);
            }
        }
        Self { first, last }
    }

    /// The spans that the arrows into `consumer` from its dependencies at positions `deps`
    /// join, producer's first: one pair per dependency whose two tasks have spans.
    pub(super) fn arrows_into<'t>(
        &'t self,
        trace: &'t Trace,
        consumer: TaskId,
        deps: Range<usize>,
    ) -> impl Iterator<Item = (&'t Span, &'t Span)> + 't {
        let to = self
            .first
            .get(consumer.index())
            .copied()
            .flatten()
            .and_then(|to| trace.spans().get(to as usize));
        let deps = match to {
            Some(_) => trace.graph().deps(consumer).get(deps).unwrap_or(&[]),
            None => &[],
        };
        deps.iter().filter_map(move |dep| {
            let from = self.last.get(dep.index()).copied().flatten()?;
            Some((trace.spans().get(from as usize)?, to?))
        })
    }
}

/// A place in the list of all dependencies, task by task: dependency `dep` of task `task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct EdgeAt {
    pub(super) task: u32,
    pub(super) dep: u32,
}

/// The `s`/`f` pair of each dependency from `from` up to `to` (excluded), numbered from
/// `first_id` (ids count the pairs of the whole file from 1, in task order).
pub(super) fn write_edge_flows(
    w: &mut Buf<'_>,
    trace: &Trace,
    processes: &Processes<'_>,
    endpoints: &Endpoints,
    (from, to): (EdgeAt, EdgeAt),
    first_id: u64,
) {
    let graph = trace.graph();
    let mut id = first_id;
    let last = to.task.min(
        u32::try_from(graph.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(1),
    );
    // The `f` event's end (`ts`, `pid`, `tid`) is the same for every arrow into a consumer:
    // formatted once per consumer.
    let mut to_tail: Vec<u8> = Vec::with_capacity(64);
    for task in from.task..=last {
        let consumer = TaskId(task);
        to_tail.clear();
        let start = if task == from.task {
            from.dep as usize
        } else {
            0
        };
        let end = if task == to.task {
            to.dep as usize
        } else {
            graph.deps(consumer).len()
        };
        for (from_span, to_span) in endpoints.arrows_into(trace, consumer, start..end) {
            // Both ends at their slice's start, with its pid, tid and category: the tuple
            // DevTools matches, and the instant at which Perfetto finds the slice topmost
            // (see the module doc). "bp":"e" makes Perfetto bind `f` to that slice, not
            // to the next one.
            w.raw(b",\n{\"ph\":\"s\",\"cat\":\"task\",\"name\":\"dep\",\"id\":");
            w.uint(id);
            push_flow_end(w, from_span, processes);
            w.raw(b",\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"task\",\"name\":\"dep\",\"id\":");
            w.uint(id);
            if to_tail.is_empty() {
                push_flow_end(&mut Buf { buf: &mut to_tail }, to_span, processes);
            }
            w.raw(&to_tail);
            id += 1;
        }
    }
}

/// Appends the end of a flow event bound to `span`: its slice's `ts`, `pid` and `tid`,
/// printed as the `X` event prints them, and the closing brace.
fn push_flow_end(w: &mut Buf<'_>, span: &Span, processes: &Processes<'_>) {
    w.raw(b",\"ts\":");
    w.us(span.start_ns);
    w.raw(b",\"pid\":");
    w.uint(u64::from(processes.pid(span.lane.index())));
    w.raw(b",\"tid\":");
    w.uint(u64::from(span.lane.0));
    w.raw(b"}");
}

/// The "running tasks" counter: how many top-level compute spans run at each change.
///
/// # Complexity
/// O(S log L) for S spans on L lanes: each lane's starts (and, as a rule, ends) are
/// already in order, and the stable sort merges such runs.
fn write_running_counter(w: &mut Buf<'_>, trace: &Trace) {
    let top = || {
        trace
            .spans()
            .iter()
            .filter(|s| s.depth == 0 && s.kind == SpanKind::Compute)
    };
    let mut starts: Vec<u64> = top().map(|s| s.start_ns).collect();
    let mut ends: Vec<u64> = top().map(|s| s.end_ns).collect();
    #[allow(
        clippy::stable_sort_primitive,
        reason = "the stable sort merges the lanes' sorted runs in O(n log lanes)"
    )]
    {
        starts.sort();
        ends.sort();
    }
    let (mut starts, mut ends) = (starts.iter().peekable(), ends.iter().peekable());
    let mut running: i64 = 0;
    let mut last_written: Option<i64> = None;
    // Ends before starts at the same instant, so back-to-back tasks do not count twice;
    // the value is written once all changes at an instant are applied.
    loop {
        let ts = match (starts.peek(), ends.peek()) {
            (Some(&&s), Some(&&e)) => s.min(e),
            (Some(&&t), None) | (None, Some(&&t)) => t,
            (None, None) => break,
        };
        while ends.next_if(|&&e| e == ts).is_some() {
            running -= 1;
        }
        while starts.next_if(|&&s| s == ts).is_some() {
            running += 1;
        }
        if last_written != Some(running) {
            last_written = Some(running);
            w.raw(b",\n{\"ph\":\"C\",\"cat\":\"derived\",\"name\":\"running tasks\",\"ts\":");
            w.us(ts);
            w.raw(b",\"pid\":0,\"args\":{\"running tasks\":");
            w.int(running);
            w.raw(b"}}");
        }
    }
}

fn write_instants(w: &mut Buf<'_>, trace: &Trace, processes: &Processes<'_>) {
    for instant in trace.instants() {
        w.raw(b",\n{\"ph\":\"i\",\"cat\":\"instant\",\"name\":");
        w.string(&instant.name);
        w.raw(b",\"ts\":");
        w.us(instant.ts_ns);
        match instant.lane {
            Some(lane) => {
                w.raw(b",\"pid\":");
                w.uint(u64::from(processes.pid(lane.index())));
                w.raw(b",\"tid\":");
                w.uint(u64::from(lane.0));
                w.raw(b",\"s\":\"t\"}");
            }
            None => w.raw(b",\"pid\":0,\"s\":\"g\"}"),
        }
    }
}

fn write_counters(w: &mut Buf<'_>, trace: &Trace) {
    for (i, counter) in trace.counters().iter().enumerate() {
        for sample in &counter.samples {
            // The id keeps each series its own track, in the trace's order.
            w.raw(b",\n{\"ph\":\"C\",\"cat\":\"counter\",\"id\":");
            w.uint(i as u64);
            w.raw(b",\"name\":");
            w.string(&counter.track);
            w.raw(b",\"ts\":");
            w.us(sample.ts_ns);
            w.raw(b",\"pid\":0,\"args\":{");
            w.string(&counter.series);
            w.raw(b":");
            w.float(sample.value);
            w.raw(b"}}");
        }
    }
}

/// The graph tasks `tasks`, each naming its dependencies by index: shorter than their
/// keys, and no table of repeated keys to build first.
pub(super) fn write_graph_tasks(w: &mut Buf<'_>, trace: &Trace, tasks: Range<u32>) {
    let graph = trace.graph();
    for task in tasks.map(TaskId) {
        if task.0 > 0 {
            w.raw(b",");
        }
        let state = graph.state(task).unwrap_or_default();
        push_task_object(w.buf, graph, task, state, trace.task_args().of(task.0));
    }
}

/// Appends task `task` of `graph` as a graph task object: `{"key","name","deps"}` (each
/// dependency by its index), then `"state"` unless done and `"args"` when it has any.
/// The one encoder of a task object: the `taskscope` section's graph and a stream's
/// graph event both use it.
pub(crate) fn push_task_object<'a>(
    out: &mut Vec<u8>,
    graph: &Graph,
    task: TaskId,
    state: TaskState,
    args: impl ExactSizeIterator<Item = (&'a str, &'a ArgValue)>,
) {
    out.extend_from_slice(b"\n{\"key\":");
    write_json_str(out, graph.key(task).unwrap_or(""));
    out.extend_from_slice(b",\"name\":");
    write_json_str(out, graph.name(task).unwrap_or(""));
    out.extend_from_slice(b",\"deps\":[");
    for (i, dep) in graph.deps(task).iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_uint(out, u64::from(dep.0));
    }
    out.push(b']');
    if state != TaskState::Done {
        out.extend_from_slice(b",\"state\":\"");
        out.extend_from_slice(state.as_str().as_bytes());
        out.push(b'"');
    }
    if args.len() > 0 {
        out.extend_from_slice(b",\"args\":{");
        push_args(out, args, true);
        out.push(b'}');
    }
    out.push(b'}');
}

/// Appends an unsigned integer in decimal.
pub(crate) fn push_uint(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a signed integer in decimal.
pub(crate) fn push_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `"key":value` pairs of args (see [`crate::args`]), comma-separated, with a
/// leading comma unless `first`.
pub(crate) fn push_args<'a>(
    out: &mut Vec<u8>,
    args: impl Iterator<Item = (&'a str, &'a ArgValue)>,
    first: bool,
) {
    for (i, (key, value)) in args.enumerate() {
        if i > 0 || !first {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        push_arg_value(out, value);
    }
}

/// Appends one arg value as JSON; a non-finite number, which JSON cannot hold, is
/// written as `null` (as [`ArgValue::to_json`] gives it).
fn push_arg_value(out: &mut Vec<u8>, value: &ArgValue) {
    match value {
        ArgValue::Str(s) => write_json_str(out, s),
        ArgValue::Int(i) => push_int(out, *i),
        ArgValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        ArgValue::Float(_) | ArgValue::Json(_) => {
            // Rare (a float, an object): serde gives valid JSON for any value.
            out.extend_from_slice(value.to_json().to_string().as_bytes());
        }
    }
}

fn write_run(w: &mut Buf<'_>, trace: &Trace) {
    let meta = trace.meta();
    w.raw(b",\n\"run\":{\"wall_ns\":");
    w.uint(meta.wall_ns);
    w.raw(b",\"origin_ns\":");
    w.int(meta.origin_ns);
    if let Some(s) = &meta.scheduler {
        w.raw(b",\"scheduler\":");
        w.string(s);
    }
    if let Some(n) = meta.workers {
        w.raw(b",\"workers\":");
        w.uint(u64::from(n));
    }
    if let Some(h) = &meta.host {
        w.raw(b",\"host\":");
        w.string(h);
    }
    if let Some(t) = meta.started_at_unix_ns {
        w.raw(b",\"started_at_unix_ns\":");
        w.int(t);
    }
    if let Some(t) = &meta.title {
        w.raw(b",\"title\":");
        w.string(t);
    }
    // Run args (e.g. `dask`) beside the run's own facts, whose names they never take
    // (`TraceBuilder::set_run_arg` refuses those).
    push_args(w.buf, trace.run_args().iter(), false);
    w.raw(b"}");
}

fn write_lanes(w: &mut Buf<'_>, lanes: &[Lane]) {
    w.raw(b",\n\"lanes\":[");
    for (i, lane) in lanes.iter().enumerate() {
        if i > 0 {
            w.raw(b",");
        }
        w.raw(b"\n{\"name\":");
        w.string(&lane.name);
        w.raw(b",\"process\":");
        w.string(&lane.process);
        w.raw(b",\"sort_index\":");
        w.int(lane.sort_index);
        if lane.is_async {
            w.raw(b",\"async\":true");
        }
        w.raw(b"}");
    }
    w.raw(b"]");
}

fn write_flows(w: &mut Buf<'_>, trace: &Trace, order: &FileOrder) {
    w.raw(b",\n\"flows\":[");
    for (i, flow) in trace.flows().iter().enumerate() {
        if i > 0 {
            w.raw(b",");
        }
        w.raw(b"[");
        // Readers number spans in the order of their X events.
        w.uint(u64::from(order.position(flow.from)));
        w.raw(b",");
        w.uint(u64::from(order.position(flow.to)));
        w.raw(b"]");
    }
    w.raw(b"]");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut out = Vec::new();
        write_json_str(&mut out, "a\"b\\c\nd\u{1}é");
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\"a\\\"b\\\\c\\nd\\u0001é\"");
        let back: String = serde_json::from_str(&text).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn the_word_check_finds_what_the_byte_scan_finds() {
        let plain = |b: &[u8]| b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        // Every byte value at every position of strings of 0 to 19 bytes, in a filler
        // of plain letters and of UTF-8 high bytes (which must not count).
        for filler in [b'a', 0xc3, 0x7f, 0xff, b' '] {
            for len in 0..20 {
                let mut text = vec![filler; len];
                assert_eq!(needs_escape(&text), plain(&text), "{filler:#x} × {len}");
                for pos in 0..len {
                    for byte in 0..=255u8 {
                        text[pos] = byte;
                        assert_eq!(
                            needs_escape(&text),
                            plain(&text),
                            "{byte:#x} at {pos} of {len} in {filler:#x}"
                        );
                    }
                    text[pos] = filler;
                }
            }
        }
    }
}
