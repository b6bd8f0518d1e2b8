//! Chrome Trace Event JSON: typed, borrowed parsing of events into columns.
//!
//! Each event is parsed into a [`RawEvent`] whose fields are borrowed slices
//! of the input (`&RawValue`), then folded into the readers' shared
//! [`Gathered`]: spans, names and lanes there, and the Chrome-only parts here —
//! begin/end events ([`BeginEnds`]), flow points and bindings ([`FlowTable`]),
//! instants and counters ([`MarkTable`]). Nothing keeps a DOM of the file.
//! [`Gathered::finish_foreign`] pairs `B`/`E` per lane with a stack, nests spans,
//! binds flow arrows and makes one graph task per span; the taskscope reader
//! ([`super::taskscope`]) gathers the same way and resolves spans against the
//! embedded graph instead.
//!
//! This module decides how events map onto the model. It does not decide
//! which format a file is (see `read`).

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::error::FormatError;
use super::gather::{Gathered, LeftOut, PendingArg, PendingSpan, owned};
use super::num::{id_text, parse_scaled, raw_f64, raw_i64, raw_str};
use crate::args::ArgValue;
use crate::csr::Csr;
use crate::intern::Interner;
use crate::model::{
    Counter, CounterSample, DependencyRecord, Flow, Instant, RunMeta, SourceFormat, Span, SpanId,
    SpanKind, TaskState, Trace, TraceBuilder,
};

/// One event, every field borrowed from the input.
#[derive(Default)]
pub(crate) struct RawEvent<'a> {
    ph: Option<&'a RawValue>,
    name: Option<&'a RawValue>,
    cat: Option<&'a RawValue>,
    ts: Option<&'a RawValue>,
    dur: Option<&'a RawValue>,
    pid: Option<&'a RawValue>,
    tid: Option<&'a RawValue>,
    id: Option<&'a RawValue>,
    bind_id: Option<&'a RawValue>,
    flow_in: Option<&'a RawValue>,
    flow_out: Option<&'a RawValue>,
    bp: Option<&'a RawValue>,
    scope: Option<&'a RawValue>,
    args: Option<&'a RawValue>,
    unknown_keys: u32,
}

/// The keys of an event.
enum Field {
    Ph,
    Name,
    Cat,
    Ts,
    Dur,
    Pid,
    Tid,
    Id,
    BindId,
    FlowIn,
    FlowOut,
    Bp,
    Scope,
    Args,
    /// A key of the Chrome format (or of a well-known writer) that this reader does not use.
    Ignored,
    Unknown,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "ph" => Field::Ph,
                    "name" => Field::Name,
                    "cat" => Field::Cat,
                    "ts" => Field::Ts,
                    "dur" => Field::Dur,
                    "pid" => Field::Pid,
                    "tid" => Field::Tid,
                    "id" => Field::Id,
                    "bind_id" => Field::BindId,
                    "flow_in" => Field::FlowIn,
                    "flow_out" => Field::FlowOut,
                    "bp" => Field::Bp,
                    "s" => Field::Scope,
                    "args" => Field::Args,
                    "tts" | "tdur" | "sf" | "esf" | "stack" | "estack" | "cname" | "id2"
                    | "scope" | "use_async_tts" | "tidx" | "dur2" | "ts2" => Field::Ignored,
                    _ => Field::Unknown,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de> Deserialize<'de> for RawEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEvent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a trace event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent<'de>, A::Error> {
                let mut ev = RawEvent::default();
                while let Some(field) = map.next_key::<Field>()? {
                    let value: &'de RawValue = map.next_value()?;
                    let slot = match field {
                        Field::Ph => &mut ev.ph,
                        Field::Name => &mut ev.name,
                        Field::Cat => &mut ev.cat,
                        Field::Ts => &mut ev.ts,
                        Field::Dur => &mut ev.dur,
                        Field::Pid => &mut ev.pid,
                        Field::Tid => &mut ev.tid,
                        Field::Id => &mut ev.id,
                        Field::BindId => &mut ev.bind_id,
                        Field::FlowIn => &mut ev.flow_in,
                        Field::FlowOut => &mut ev.flow_out,
                        Field::Bp => &mut ev.bp,
                        Field::Scope => &mut ev.scope,
                        Field::Args => &mut ev.args,
                        Field::Ignored => continue,
                        Field::Unknown => {
                            ev.unknown_keys += 1;
                            continue;
                        }
                    };
                    *slot = Some(value);
                }
                Ok(ev)
            }
        }
        d.deserialize_map(V)
    }
}

/// The args of a task `X` event that are fields of the model's [`crate::Span`]; any
/// other arg is kept in the trace's span args ([`crate::args`]).
use crate::args::SPAN_FIELDS as TASK_ARG_FIELDS;

/// The args of a taskscope `X` event.
#[derive(Deserialize, Default)]
struct TaskArgs<'a> {
    #[serde(borrow, default)]
    key: Option<&'a RawValue>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(default)]
    depth: Option<u16>,
    #[serde(default)]
    unclosed: Option<bool>,
    #[serde(default)]
    task: Option<u32>,
}

/// The args of an `M` event.
#[derive(Deserialize, Default)]
struct MetaArgs<'a> {
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sort_index: Option<&'a RawValue>,
}

/// What is wrong with a timestamp that saturated while being parsed.
const TS_BEYOND: &str = "is beyond what nanoseconds in 64 bits hold";

/// The words for an event left out because of its `field`: the same on the serde path
/// and the fast path.
fn left_out_event(name: &str, field: &str, problem: &str) -> String {
    format!("event \"{name}\" left out: its \"{field}\" {problem}")
}

/// Why a span starting at `start_ns` cannot last `dur_ns` (both as parsed, in ns):
/// a negative duration, or one that (with its start) is beyond what nanoseconds in
/// 64 bits hold. `None` when it fits.
fn duration_problem(start_ns: i64, dur_ns: i64) -> Option<&'static str> {
    if dur_ns < 0 {
        Some("is negative")
    } else if LeftOut::saturated(dur_ns) || start_ns.checked_add(dur_ns).is_none() {
        Some("ends beyond what nanoseconds in 64 bits hold")
    } else {
        None
    }
}

fn raw_text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let raw = raw?;
    raw_str(raw.get()).or_else(|| Some(Cow::Borrowed(raw.get().trim())))
}

fn is_true(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| r.get().trim() == "true")
}

#[derive(Clone)]
struct BeginEnd {
    lane: u32,
    ts: i64,
    seq: u32,
    begin: bool,
    name: u32,
    bind: Option<(u32, bool, bool)>,
    /// What a taskscope file's task slice says in its args: its index in
    /// [`BeginEnds::facts`], [`NO_FACTS`] for other events (a side table: most files have
    /// no such slices, and some have millions of other `B`/`E` events).
    facts: u32,
}

/// [`BeginEnd::facts`] of an event that is not a taskscope task slice's.
const NO_FACTS: u32 = u32::MAX;

/// The args of a taskscope file's `B` (task, kind, depth) or `E` (status) task event:
/// a slice's args are the merge of both, as Chrome and Perfetto merge them.
#[derive(Clone, Copy)]
struct SliceFacts {
    task: Option<u32>,
    state: Option<TaskState>,
    kind: SpanKind,
    depth: Option<u16>,
    /// Byte offset of the event, for errors.
    offset: usize,
}

impl SliceFacts {
    fn parse(args: &RawValue, offset: usize) -> Option<Self> {
        let a = serde_json::from_str::<TaskArgs<'_>>(args.get()).ok()?;
        Some(Self {
            task: a.task,
            state: raw_text(a.status).and_then(|s| TaskState::parse(&s)),
            kind: raw_text(a.kind).map_or(SpanKind::Compute, |k| SpanKind::parse(&k)),
            depth: a.depth,
            offset,
        })
    }
}

#[derive(Clone)]
struct FlowPoint {
    group: u32,
    phase: u8,
    lane: u32,
    ts: i64,
    enclosing: bool,
    seq: u32,
}

#[derive(Clone)]
pub(crate) struct PendingInstant {
    pub ts: i64,
    pub lane: Option<u32>,
    pub name: u32,
    pub cat: Option<String>,
}

#[derive(Clone)]
pub(crate) struct Track {
    /// The track's display name (`name`, or `name [id]` for counters with an id).
    pub name: String,
    /// The `C` event's name.
    pub base: String,
    /// The `C` event's id (empty without one).
    pub id: String,
    pub cat: Option<String>,
    pub series: Vec<(String, Vec<(i64, f64)>)>,
}

/// `B`/`E` events, paired into spans per lane once all are read.
#[derive(Clone, Default)]
pub(crate) struct BeginEnds {
    events: Vec<BeginEnd>,
    /// The args of taskscope task slices' events (see [`BeginEnd::facts`]).
    facts: Vec<SliceFacts>,
}

impl BeginEnds {
    /// Adds `event` with its taskscope task slice's `facts`, if it has some.
    fn push(&mut self, mut event: BeginEnd, facts: Option<SliceFacts>) {
        event.facts = match facts {
            Some(f) => match u32::try_from(self.facts.len()) {
                Ok(i) if i != NO_FACTS => {
                    self.facts.push(f);
                    i
                }
                // More task slices than u32 numbers: the rest are read as foreign.
                _ => NO_FACTS,
            },
            None => NO_FACTS,
        };
        self.events.push(event);
    }

    /// How many `B`/`E` events were added.
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// The taskscope task slices begun by the events from number `from` on: each `B`
    /// event's task index, time and byte offset (what a stream's reader checks as it
    /// reads, see [`StreamGraph::span_fault`](super::taskscope::StreamGraph::span_fault)).
    pub(crate) fn task_begins_from(
        &self,
        from: usize,
    ) -> impl Iterator<Item = (Option<u32>, i64, usize)> + '_ {
        self.events
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .filter(|e| e.begin)
            .filter_map(|e| self.facts_of(e).map(|f| (f.task, e.ts, f.offset)))
    }

    /// The facts of `event`, if it is a taskscope task slice's.
    fn facts_of(&self, event: &BeginEnd) -> Option<SliceFacts> {
        self.facts.get(event.facts as usize).copied()
    }

    /// Pairs the events per lane (sorted by time, file order on ties) into spans,
    /// kept open to `trace_end` when never closed; `bind` records each new span's
    /// v2 flow binding (by its index, counted from `first_index`). A taskscope task
    /// slice's span takes its task, kind and depth from its `B` and its status from its
    /// `E` (a slice never closed has no status: its task had not finished).
    ///
    /// Returns the spans, how many `B` were never closed (flagged) and how many `E`
    /// had no `B`.
    ///
    /// # Complexity
    /// O(n log n) for n begin/end events; the stack is bounded by n.
    fn pair<'a>(
        &self,
        trace_end: i64,
        first_index: u32,
        mut bind: impl FnMut(u32, (u32, bool, bool)),
    ) -> (Vec<PendingSpan<'a>>, u32, u32) {
        let mut events: Vec<&BeginEnd> = self.events.iter().collect();
        events.sort_by_key(|e| (e.lane, e.ts, e.seq));
        let mut unclosed = 0;
        let mut unmatched = 0;
        let mut stack: Vec<&BeginEnd> = Vec::new();
        let mut current_lane = u32::MAX;
        // (begin, its end if it has one)
        let mut finished: Vec<(&BeginEnd, Option<&BeginEnd>)> = Vec::new();
        for e in events {
            if e.lane != current_lane {
                for open in stack.drain(..) {
                    unclosed += 1;
                    finished.push((open, None));
                }
                current_lane = e.lane;
            }
            if e.begin {
                stack.push(e);
            } else if let Some(open) = stack.pop() {
                finished.push((open, Some(e)));
            } else {
                unmatched += 1;
            }
        }
        for open in stack.drain(..) {
            unclosed += 1;
            finished.push((open, None));
        }
        let mut spans = Vec::with_capacity(finished.len());
        for (b, e) in finished {
            if let Some(binding) = b.bind {
                bind(first_index + spans.len() as u32, binding);
            }
            let end = e.map_or(trace_end, |e| e.ts);
            let facts = self.facts_of(b);
            spans.push(PendingSpan {
                start: b.ts,
                end: end.max(b.ts),
                lane: b.lane,
                name: b.name,
                key: None,
                task: facts.and_then(|f| f.task),
                state: e.and_then(|e| self.facts_of(e)).and_then(|f| f.state),
                kind: facts.map_or(SpanKind::Compute, |f| f.kind),
                depth: facts.and_then(|f| f.depth),
                unclosed: e.is_none(),
                offset: facts.map_or(0, |f| f.offset),
            });
        }
        (spans, unclosed, unmatched)
    }

    /// The spans of the task slices of a taskscope file (see [`BeginEnds::pair`]), after
    /// `first_index` other spans; and how many were never closed and how many `E` had
    /// no `B`.
    pub(crate) fn task_spans<'a>(
        &self,
        trace_end: i64,
        first_index: u32,
    ) -> (Vec<PendingSpan<'a>>, u32, u32) {
        self.pair(trace_end, first_index, |_, _| {})
    }
}

/// What pairing `B`/`E` events left: `unclosed` `B` never closed, `unmatched` `E`
/// without a `B`.
pub(crate) fn pairing_diagnostics(unclosed: u32, unmatched: u32, diagnostics: &mut Vec<String>) {
    if unclosed > 0 {
        diagnostics.push(format!(
            "{unclosed} 'B' events were never closed; they are kept open to the trace end and flagged unclosed"
        ));
    }
    if unmatched > 0 {
        diagnostics.push(format!(
            "skipped {unmatched} 'E' events without a matching 'B'"
        ));
    }
}

/// Flow arrows as the file gives them: v1 flow points (`s`/`t`/`f`) grouped by
/// `(cat, name, id)`, and v2 bindings (`bind_id` with `flow_in`/`flow_out`) of spans.
#[derive(Clone, Default)]
pub(crate) struct FlowTable<'a> {
    /// v2 flow bindings: (span index, id, flow_in, flow_out).
    binds: Vec<(u32, u32, bool, bool)>,
    bind_ids: Interner<Cow<'a, str>>,
    points: Vec<FlowPoint>,
    groups: Interner<(Cow<'a, str>, u32, Cow<'a, str>)>,
    /// Flow steps that found no slice to bind to.
    unbound_steps: u32,
}

impl<'a> FlowTable<'a> {
    /// The v2 binding of an event (`bind_id` numbered in order of appearance).
    fn binding(&mut self, ev: &RawEvent<'a>) -> Option<(u32, bool, bool)> {
        let id = self
            .bind_ids
            .intern(Cow::Borrowed(id_text(ev.bind_id?.get())));
        Some((id, is_true(ev.flow_in), is_true(ev.flow_out)))
    }

    /// Records that span number `span` has v2 binding `(id, flow_in, flow_out)`.
    fn bind(&mut self, span: u32, (id, fin, fout): (u32, bool, bool)) {
        self.binds.push((span, id, fin, fout));
    }

    /// The group number of the v1 flow `(cat, name, id)`.
    fn group(&mut self, (cat, name, id): (Cow<'a, str>, u32, &'a str)) -> u32 {
        self.groups.intern((cat, name, Cow::Borrowed(id)))
    }

    fn point(&mut self, point: FlowPoint) {
        self.points.push(point);
    }

    /// The same table borrowing nothing from the file.
    ///
    /// # Complexity
    /// O(n) for its n flow ids and groups.
    pub(crate) fn into_owned(self) -> FlowTable<'static> {
        FlowTable {
            binds: self.binds,
            bind_ids: self.bind_ids.map_keys(owned),
            points: self.points,
            groups: self
                .groups
                .map_keys(|(cat, name, id)| (owned(cat), name, owned(id))),
            unbound_steps: self.unbound_steps,
        }
    }
}

/// Instants and counter tracks, in the order read.
#[derive(Clone, Default)]
pub(crate) struct MarkTable<'a> {
    instants: Vec<PendingInstant>,
    tracks: Vec<Track>,
    track_index: Interner<TrackKey<'a>>,
}

/// A counter track's `(pid, name, id)`.
type TrackKey<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

impl MarkTable<'_> {
    /// The instants read.
    pub(crate) fn instants(&self) -> &[PendingInstant] {
        &self.instants
    }

    /// The counter tracks read.
    pub(crate) fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The same table borrowing nothing from the file.
    ///
    /// # Complexity
    /// O(n) for its n counter tracks.
    pub(crate) fn into_owned(self) -> MarkTable<'static> {
        MarkTable {
            instants: self.instants,
            tracks: self.tracks,
            track_index: self
                .track_index
                .map_keys(|(pid, name, id)| (owned(pid), owned(name), owned(id))),
        }
    }
}

impl<'a> Gathered<'a> {
    /// The lane of an event's `(pid, tid)`, added if new.
    fn event_lane(&mut self, ev: &RawEvent<'a>) -> u32 {
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let tid = ev.tid.map_or("", |r| id_text(r.get()));
        self.lanes.lane(pid, tid)
    }

    /// The lane of an event's `(pid, tid)`, marked used.
    fn used_event_lane(&mut self, ev: &RawEvent<'a>) -> u32 {
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let tid = ev.tid.map_or("", |r| id_text(r.get()));
        self.lanes.used(pid, tid)
    }

    /// Takes an event at `ts` on its lane: extends the time range, marks the lane
    /// used and interns the name; returns (lane, name).
    fn place(&mut self, ev: &RawEvent<'a>, ts: i64) -> (u32, u32) {
        self.time.see(ts);
        let lane = self.used_event_lane(ev);
        let name = self
            .names
            .intern(raw_text(ev.name).unwrap_or(Cow::Borrowed("")));
        (lane, name)
    }

    /// Folds one event (at byte `offset`) into the collection.
    pub(crate) fn add(&mut self, ev: &RawEvent<'a>, offset: usize) {
        let seq = self.counts.event();
        if ev.unknown_keys > 0 {
            self.counts.unknown_keys();
        }
        let Some(ph) = raw_text(ev.ph) else {
            self.counts.invalid();
            return;
        };
        let cat = raw_text(ev.cat);
        let ts = ev.ts.and_then(|r| parse_scaled(r.get(), 3));
        // Events of our own files that are dropped anyway (as the fast path drops
        // them unread) are not checked.
        let dropped = self.taskscope_marker
            && match ph.as_ref() {
                "C" => cat.as_deref() == Some("derived"),
                "s" | "t" | "f" => matches!(cat.as_deref(), Some("task" | "dep")),
                _ => false,
            };
        if !dropped && ts.is_some_and(LeftOut::saturated) {
            let name = raw_text(ev.name).unwrap_or(Cow::Borrowed(""));
            self.left_out
                .add(offset, || left_out_event(&name, "ts", TS_BEYOND));
            return;
        }
        match ph.as_ref() {
            "X" => self.add_complete(ev, ts, cat.as_deref(), offset),
            "B" | "E" => {
                let Some(ts) = ts else {
                    self.counts.invalid();
                    return;
                };
                let (lane, name) = self.place(ev, ts);
                let bind = self.flows.binding(ev);
                // A taskscope task slice: a B of category `task`, an E of any (ours have
                // none: see `StreamWriter::push_end`).
                let is_begin = ph.as_ref() == "B";
                let facts =
                    if self.taskscope_marker && (!is_begin || cat.as_deref() == Some("task")) {
                        ev.args.and_then(|a| SliceFacts::parse(a, offset))
                    } else {
                        None
                    };
                self.begin_ends.push(
                    BeginEnd {
                        lane,
                        ts,
                        seq,
                        begin: is_begin,
                        name,
                        bind,
                        facts: NO_FACTS,
                    },
                    facts,
                );
            }
            "i" | "I" | "R" => {
                let Some(ts) = ts else {
                    self.counts.invalid();
                    return;
                };
                self.time.see(ts);
                let scope = raw_text(ev.scope);
                let lane = match scope.as_deref() {
                    Some("g" | "p") => None,
                    _ if ev.tid.is_none() => None,
                    _ => Some(self.used_event_lane(ev)),
                };
                let name = self
                    .names
                    .intern(raw_text(ev.name).unwrap_or(Cow::Borrowed("")));
                self.marks.instants.push(PendingInstant {
                    ts,
                    lane,
                    name,
                    cat: cat.map(Cow::into_owned),
                });
            }
            "C" => {
                if self.taskscope_marker && cat.as_deref() == Some("derived") {
                    return;
                }
                let Some(ts) = ts else {
                    self.counts.invalid();
                    return;
                };
                self.add_counter(ev, ts, cat);
            }
            "M" => self.add_metadata(ev),
            "s" | "t" | "f" => self.add_flow_point(ev, &ph, ts, cat, seq),
            "b" | "e" | "n" | "S" | "T" | "F" | "p" => self.counts.async_event(),
            other => self.counts.skip_phase(other),
        }
    }

    /// Folds a v1 flow event (`s`, `t` or `f`; `seq` its place in the file).
    fn add_flow_point(
        &mut self,
        ev: &RawEvent<'a>,
        ph: &str,
        ts: Option<i64>,
        cat: Option<Cow<'a, str>>,
        seq: u32,
    ) {
        // Our files' per-edge arrows: category "task" (the slice's) or "dep" (older files).
        if self.taskscope_marker && matches!(cat.as_deref(), Some("task" | "dep")) {
            return;
        }
        let (Some(ts), Some(id)) = (ts, ev.id) else {
            self.counts.invalid();
            return;
        };
        let (lane, name) = self.place(ev, ts);
        let group = self
            .flows
            .group((cat.unwrap_or(Cow::Borrowed("")), name, id_text(id.get())));
        let phase = match ph {
            "s" => 0,
            "t" => 1,
            _ => 2,
        };
        // As Chrome's importer: `s` binds to the enclosing slice; `t` and `f` to the
        // next slice that starts at or after them, or the enclosing one with "bp":"e".
        let enclosing = phase == 0 || raw_text(ev.bp).as_deref() == Some("e");
        self.flows.point(FlowPoint {
            group,
            phase,
            lane,
            ts,
            enclosing,
            seq,
        });
    }

    fn add_complete(
        &mut self,
        ev: &RawEvent<'a>,
        ts: Option<i64>,
        cat: Option<&str>,
        offset: usize,
    ) {
        let Some(start) = ts else {
            self.counts.invalid();
            return;
        };
        let dur = ev.dur.and_then(|r| parse_scaled(r.get(), 3)).unwrap_or(0);
        if let Some(problem) = duration_problem(start, dur) {
            let name = raw_text(ev.name).unwrap_or(Cow::Borrowed(""));
            self.left_out
                .add(offset, || left_out_event(&name, "dur", problem));
            return;
        }
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let tid = ev.tid.map_or("", |r| id_text(r.get()));
        let ray_like = ev.pid.is_some_and(|p| p.get().starts_with('"'))
            && (tid.starts_with("worker:") || tid.starts_with("driver:"));
        let name = raw_text(ev.name).unwrap_or(Cow::Borrowed(""));
        let mut span = self.complete_span((start, dur), (pid, tid), ray_like, name, offset);
        match cat {
            Some("task") => {
                if let Some(args) = ev.args
                    && let Ok(a) = serde_json::from_str::<TaskArgs<'a>>(args.get())
                {
                    span.key = a.key.and_then(|k| raw_str(k.get()));
                    span.state = raw_text(a.status).and_then(|s| TaskState::parse(&s));
                    span.kind = raw_text(a.kind).map_or(SpanKind::Compute, |k| SpanKind::parse(&k));
                    span.depth = a.depth;
                    span.unclosed = a.unclosed.unwrap_or(false);
                    span.task = a.task;
                    self.add_extra_args(args);
                }
            }
            Some("task:deserialize_arguments") => span.kind = SpanKind::Deserialize,
            _ => {}
        }
        let index = self.next_span_index();
        if let Some(binding) = self.flows.binding(ev) {
            self.flows.bind(index, binding);
        }
        self.spans.push(span);
    }

    /// The part of folding an `X` event shared by the serde path and the fast path:
    /// counts it, extends the time range, finds its lane and interns its name.
    fn complete_span(
        &mut self,
        (start, dur): (i64, i64),
        (pid, tid): (&'a str, &'a str),
        ray_like: bool,
        name: Cow<'a, str>,
        offset: usize,
    ) -> PendingSpan<'a> {
        self.counts.complete(ray_like);
        debug_assert!(
            duration_problem(start, dur).is_none(),
            "events with durations that do not fit are left out before"
        );
        let end = start.saturating_add(dur.max(0));
        self.time.see(start);
        self.time.see(end);
        let lane = self.lanes.used(pid, tid);
        let name = self.names.intern(name);
        PendingSpan {
            start,
            end,
            lane,
            name,
            key: None,
            task: None,
            state: None,
            kind: SpanKind::Compute,
            depth: None,
            unclosed: false,
            offset,
        }
    }

    /// Folds a task `X` event read by the fast path ([`super::fast::task_event`]) at byte
    /// `offset`, exactly as [`Gathered::add`] folds the same bytes parsed by serde.
    pub(crate) fn add_task_event(&mut self, ev: &super::fast::TaskEvent<'a>, offset: usize) {
        self.counts.event();
        let problem = if LeftOut::saturated(ev.ts_ns) {
            Some(("ts", TS_BEYOND))
        } else {
            duration_problem(ev.ts_ns, ev.dur_ns).map(|p| ("dur", p))
        };
        if let Some((field, problem)) = problem {
            self.left_out
                .add(offset, || left_out_event(ev.name, field, problem));
            return;
        }
        // The fast path only accepts numeric pids, so the event never looks like Ray's.
        let mut span = self.complete_span(
            (ev.ts_ns, ev.dur_ns),
            (ev.pid, ev.tid),
            false,
            Cow::Borrowed(ev.name),
            offset,
        );
        span.key = Some(Cow::Borrowed(ev.key));
        span.state = TaskState::parse(ev.status);
        span.kind = ev.kind.map_or(SpanKind::Compute, SpanKind::parse);
        span.depth = ev.depth;
        span.unclosed = ev.unclosed;
        span.task = ev.task;
        let index = self.next_span_index();
        for (key, value) in ev.extras.iter().flatten() {
            self.span_args.push(PendingArg {
                span: index,
                key: Cow::Borrowed(key),
                value: value.to_arg(),
            });
        }
        self.spans.push(span);
    }

    /// Keeps the args of the task event about to be pushed that the model has no field
    /// for (all but `key`, `status`, `kind`, `depth`, `unclosed`, `task`), sorted by key,
    /// as [`Gathered::add_task_event`] keeps those the fast path read.
    fn add_extra_args(&mut self, args: &'a RawValue) {
        let Ok(all) = serde_json::from_str::<std::collections::BTreeMap<Cow<'a, str>, &'a RawValue>>(
            args.get(),
        ) else {
            return;
        };
        let index = self.next_span_index();
        for (key, raw) in all {
            if TASK_ARG_FIELDS.contains(&key.as_ref()) {
                continue;
            }
            let Ok(value) = serde_json::from_str::<serde_json::Value>(raw.get()) else {
                continue;
            };
            self.span_args.push(PendingArg {
                span: index,
                key,
                value: ArgValue::from_json(&value),
            });
        }
    }

    /// Counts a derived event that the fast path skipped ([`super::fast::skip_derived`]),
    /// as [`Gathered::add`] counts one it drops.
    pub(crate) fn add_skipped_derived(&mut self) {
        self.counts.event();
    }

    fn add_counter(&mut self, ev: &RawEvent<'a>, ts: i64, cat: Option<Cow<'a, str>>) {
        self.time.see(ts);
        let Some(args) = ev.args else {
            self.counts.invalid();
            return;
        };
        let Ok(values) =
            serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(args.get())
        else {
            self.counts.invalid();
            return;
        };
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let name = raw_text(ev.name).unwrap_or(Cow::Borrowed(""));
        let id = ev.id.map_or("", |r| id_text(r.get()));
        let marks = &mut self.marks;
        let next = marks.tracks.len() as u32;
        let track = marks
            .track_index
            .intern((Cow::Borrowed(pid), name.clone(), Cow::Borrowed(id)));
        if track == next {
            let track_name = if id.is_empty() {
                name.into_owned()
            } else {
                format!("{name} [{id}]")
            };
            marks.tracks.push(Track {
                name: track_name,
                base: raw_text(ev.name).map(Cow::into_owned).unwrap_or_default(),
                id: id.to_owned(),
                cat: cat.map(Cow::into_owned),
                series: Vec::new(),
            });
        }
        let Some(track) = marks.tracks.get_mut(track as usize) else {
            return;
        };
        for (series, value) in values {
            let Some(value) = raw_f64(value.get()) else {
                continue;
            };
            match track.series.iter_mut().find(|(s, _)| *s == series) {
                Some((_, samples)) => samples.push((ts, value)),
                None => track.series.push((series, vec![(ts, value)])),
            }
        }
    }

    fn add_metadata(&mut self, ev: &RawEvent<'a>) {
        let Some(name) = raw_text(ev.name) else {
            return;
        };
        if name == "taskscope_graph" {
            // A streaming file's graph (read by `taskscope::finish_stream` only when the
            // file has no `taskscope` object); its args are not parsed here.
            if self.stream_graph.is_none()
                && let Some(raw) = ev.args
            {
                // `raw` borrows from the file: its offset there.
                let offset =
                    (raw.get().as_ptr() as usize).saturating_sub(self.src.bytes.as_ptr() as usize);
                self.stream_graph = Some(offset);
            }
            return;
        }
        if name == "taskscope_now" {
            // A stream's mark of how far its run has got (`StreamWriter::push_now`): the
            // end of what was read, nothing else.
            if self.taskscope_marker
                && let Some(ts) = ev.ts.and_then(|r| parse_scaled(r.get(), 3))
            {
                self.time.see(ts);
            }
            return;
        }
        let args: MetaArgs<'_> = ev
            .args
            .and_then(|a| serde_json::from_str(a.get()).ok())
            .unwrap_or_default();
        match name.as_ref() {
            "taskscope" => self.taskscope_marker = true,
            "process_name" => {
                if let Some(n) = raw_text(args.name) {
                    let pid = ev.pid.map_or("", |r| id_text(r.get()));
                    self.lanes.name_process(pid, n.into_owned());
                }
            }
            "thread_name" => {
                if let Some(n) = raw_text(args.name) {
                    let lane = self.event_lane(ev);
                    if let Some(info) = self.lanes.info_mut(lane) {
                        info.name = Some(n.into_owned());
                    }
                }
            }
            "thread_sort_index" => {
                if let Some(i) = args.sort_index.and_then(|r| raw_i64(r.get())) {
                    let lane = self.event_lane(ev);
                    if let Some(info) = self.lanes.info_mut(lane) {
                        info.sort_index = Some(i);
                    }
                }
            }
            _ => {}
        }
    }

    /// Pairs `B`/`E` events into spans (see [`BeginEnds::pair`]) appended to the others.
    ///
    /// Returns how many `B` were never closed and how many `E` had no `B`.
    fn pair_begin_ends(&mut self) -> (u32, u32) {
        debug_assert_eq!(self.span_base, 0, "every span is gathered when pairing");
        let first_index = self.next_span_index();
        let flows = &mut self.flows;
        let (spans, unclosed, unmatched) =
            self.begin_ends
                .pair(self.time.end(), first_index, |span, binding| {
                    flows.bind(span, binding);
                });
        self.begin_ends = BeginEnds::default();
        self.spans.extend(spans);
        (unclosed, unmatched)
    }

    /// Turns a foreign Chrome trace into a [`Trace`]: one graph task per span (spans with the
    /// same taskscope key share a task), dependencies from flow arrows.
    ///
    /// # Complexity
    /// O(S log S + F log F + P log P) for S spans, F flow points, P counter samples.
    pub(crate) fn finish_foreign(
        mut self,
        mut meta: RunMeta,
        external: Option<&super::graph::GraphSpec<'_>>,
        mut diagnostics: Vec<String>,
    ) -> Result<Trace, FormatError> {
        let (unclosed, unmatched) = self.pair_begin_ends();
        pairing_diagnostics(unclosed, unmatched, &mut diagnostics);
        diagnostics.extend(self.skip_diagnostics());

        // Nest and sort spans.
        let spans = std::mem::take(&mut self.spans);
        let nested = nest(spans);
        let arrows = self.flows.bind_flows(&nested);
        if self.flows.unbound_steps > 0 {
            diagnostics.push(format!(
                "{} flow steps could not be drawn: their thread has no slice to bind them to",
                self.flows.unbound_steps
            ));
        }

        let origin = self.time.origin();
        let rel = |t: i64| -> u64 {
            (i128::from(t) - i128::from(origin)).clamp(0, i128::from(u64::MAX)) as u64
        };

        let (lane_map, lanes) = self.lanes.used_lanes();

        meta.origin_ns = origin;
        if matches!(
            meta.source,
            SourceFormat::Ray | SourceFormat::DaskTaskStream
        ) {
            // Their clocks are Unix time.
            meta.started_at_unix_ns = Some(origin);
        }
        let mut b = TraceBuilder::new(meta);
        let tasks = super::graph::assign_tasks(
            &mut b,
            &nested.spans,
            self.names.as_slice(),
            &arrows,
            external,
            &mut diagnostics,
        )
        .map_err(|e| self.src.model_error(e))?;
        // A graph file lists every task's inputs; flow arrows may be some of them;
        // without either, the file cannot say what depended on what.
        b.graph_mut().set_dependency_record(if external.is_some() {
            DependencyRecord::Recorded
        } else if arrows.is_empty() {
            DependencyRecord::NotRecorded
        } else {
            DependencyRecord::FlowArrows
        });
        for lane in lanes {
            b.add_lane(lane).map_err(|e| self.src.model_error(e))?;
        }
        b.reserve_spans(nested.spans.len());
        for (span, (task, depth)) in nested.spans.iter().zip(tasks.iter().zip(&nested.depths)) {
            b.add_span(Span {
                start_ns: rel(span.start),
                end_ns: rel(span.end),
                task: *task,
                lane: crate::model::LaneId(lane_map.get(span.lane as usize).copied().unwrap_or(0)),
                kind: span.kind,
                depth: *depth,
                unclosed: span.unclosed,
            })
            .map_err(|e| self.src.model_error(e))?;
        }
        for arg in &self.span_args {
            let new = nested.new_index.get(arg.span as usize).copied();
            let task = new.and_then(|n| tasks.get(n as usize)).copied();
            if let (Some(new), Some(task)) = (new, task) {
                super::gather::keep_span_arg(&mut b, SpanId(new), task, arg)
                    .map_err(|e| self.src.model_error(e))?;
            }
        }
        for (from, to) in arrows {
            b.add_flow(Flow {
                from: SpanId(from),
                to: SpanId(to),
            });
        }
        self.add_marks(&mut b, &lane_map, rel);
        for d in diagnostics {
            b.add_diagnostic(d);
        }
        b.build().map_err(|e| self.src.model_error(e))
    }

    /// Adds instants and counters, with times made relative by `rel`.
    fn add_marks(&mut self, b: &mut TraceBuilder, lane_map: &[u32], rel: impl Fn(i64) -> u64) {
        for instant in &self.marks.instants {
            b.add_instant(Instant {
                ts_ns: rel(instant.ts),
                lane: instant
                    .lane
                    .and_then(|l| lane_map.get(l as usize).copied())
                    .filter(|&l| l != u32::MAX)
                    .map(crate::model::LaneId),
                name: self
                    .names
                    .get(instant.name)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            });
        }
        for track in std::mem::take(&mut self.marks.tracks) {
            for (series, mut samples) in track.series {
                samples.sort_by_key(|s| s.0);
                b.add_counter(Counter {
                    track: track.name.clone(),
                    series,
                    samples: samples
                        .into_iter()
                        .map(|(ts, value)| CounterSample {
                            ts_ns: rel(ts),
                            value,
                        })
                        .collect(),
                });
            }
        }
    }
}

impl FlowTable<'_> {
    /// Resolves v1 (`s`/`t`/`f`) and v2 (`bind_id`) flows to arrows between nested span indices.
    ///
    /// # Complexity
    /// O(F log F + F log S) plus a bounded walk up the nesting per flow point.
    fn bind_flows(&mut self, nested: &Nested<'_>) -> Vec<(u32, u32)> {
        let mut arrows = Vec::new();
        // v1: group points by (cat, name, id), in time order (file order on ties). A flow
        // is open from its `s` to its `f`; each `t`/`f` while open draws an arrow from the
        // last bound slice. A point that binds to no slice draws nothing but keeps the flow.
        let mut points = std::mem::take(&mut self.points);
        points.sort_by_key(|p| (p.group, p.ts, p.seq));
        let mut open = false;
        let mut source: Option<u32> = None;
        let mut current_group = u32::MAX;
        for p in &points {
            if p.group != current_group {
                current_group = p.group;
                open = false;
                source = None;
            }
            let bound = if p.enclosing {
                nested
                    .enclosing(p.lane, p.ts)
                    .or_else(|| nested.next_starting(p.lane, p.ts))
            } else {
                nested
                    .next_starting(p.lane, p.ts)
                    .or_else(|| nested.enclosing(p.lane, p.ts))
            }
            .or_else(|| nested.previous_starting(p.lane, p.ts));
            if p.phase == 0 {
                open = true;
                source = bound;
                if bound.is_none() {
                    self.unbound_steps += 1;
                }
                continue;
            }
            if !open {
                continue;
            }
            match (source, bound) {
                (Some(from), Some(to)) if from != to => arrows.push((from, to)),
                (Some(_), Some(_)) => {}
                _ => self.unbound_steps += 1,
            }
            if bound.is_some() {
                source = bound;
            }
            if p.phase == 2 {
                open = false;
            }
        }
        // v2: per bind id, in start order.
        let mut binds: Vec<(u32, i64, u32, bool, bool)> = std::mem::take(&mut self.binds)
            .into_iter()
            .filter_map(|(span, id, fin, fout)| {
                let new = *nested.new_index.get(span as usize)?;
                let start = nested.spans.get(new as usize)?.start;
                Some((id, start, new, fin, fout))
            })
            .collect();
        binds.sort_unstable();
        let mut pending: Option<(u32, u32)> = None;
        for &(id, _, span, fin, fout) in &binds {
            if pending.is_some_and(|(pid, _)| pid != id) {
                pending = None;
            }
            // As Perfetto: flow_in does not consume the flow, so one producer may feed
            // several consumers until another slice takes it over with flow_out.
            if fin
                && let Some((_, from)) = pending
                && from != span
            {
                arrows.push((from, span));
            }
            if fout {
                pending = Some((id, span));
            }
        }
        arrows
    }
}

/// Spans sorted by `(lane, start, longest first)`, with nesting depth and parent.
pub(crate) struct Nested<'a> {
    pub spans: Vec<PendingSpan<'a>>,
    pub depths: Vec<u16>,
    parents: Vec<u32>,
    /// Index in `spans` of each original span.
    new_index: Vec<u32>,
    /// Start of each lane's range in `spans` (indexed by collector lane), plus the end.
    lane_ranges: FxHashMap<u32, (u32, u32)>,
}

const NO_PARENT: u32 = u32::MAX;

/// The spans' indices in nesting order: by lane, then start, then end reversed (an
/// enclosing span before the spans it holds), ties in file order.
///
/// Spans are first put in lane order by the counting sort of [`Csr`] (lanes are the
/// gathering's dense numbers, no more than the events), then each lane's are sorted by
/// a key held beside them: a file interleaves its lanes' spans, but a lane's come mostly
/// in order (a writer appends them as they end), which the sort's detection of sorted
/// runs makes about linear.
///
/// # Complexity
/// O(S + L) plus the sorts of each lane's spans, O(S log S) at worst.
fn nesting_order(spans: &[PendingSpan<'_>]) -> Vec<u32> {
    let lanes = spans.iter().map(|s| s.lane as usize + 1).max().unwrap_or(0);
    // (start, end reversed, index): the index breaks ties as a stable sort would.
    let keyed = spans.iter().enumerate().map(|(i, s)| {
        (
            s.lane as usize,
            (s.start, std::cmp::Reverse(s.end), i as u32),
        )
    });
    let mut by_lane = Csr::from_pairs(lanes, keyed);
    by_lane.rows_mut().for_each(<[_]>::sort);
    by_lane
        .into_items()
        .into_iter()
        .map(|(_, _, i)| i)
        .collect()
}

/// Puts `items` in `order` (`items[k]` becomes the item that was at `order[k]`) in
/// place, by following the permutation's cycles: no second buffer of items, so a live
/// snapshot of 10^6 spans neither copies them again nor faults in fresh pages for them.
///
/// `order` must be a permutation of `0..items.len()` (checked in debug builds; another
/// order leaves `items` permuted some other way, never loses or duplicates one).
///
/// # Complexity
/// O(n) swaps.
fn permute<T>(items: &mut [T], mut order: Vec<u32>) {
    const DONE: u32 = u32::MAX;
    debug_assert_eq!(items.len(), order.len(), "one position per item");
    debug_assert!(
        {
            let mut seen = vec![false; order.len()];
            order.iter().all(|&i| {
                seen.get_mut(i as usize)
                    .is_some_and(|s| !std::mem::replace(s, true))
            })
        },
        "order is a permutation"
    );
    for start in 0..order.len() {
        let mut at = start;
        // Each swap brings the item due at `at`; the cycle's first item travels ahead
        // until it reaches the position that wants it.
        while let Some(slot) = order.get_mut(at) {
            let next = std::mem::replace(slot, DONE);
            if next == DONE || next as usize == start {
                break;
            }
            items.swap(at, next as usize);
            at = next as usize;
        }
    }
}

/// Sorts spans per lane and computes nesting depth with a stack (no recursion).
///
/// # Complexity
/// O(S log S).
pub(crate) fn nest(spans: Vec<PendingSpan<'_>>) -> Nested<'_> {
    let order = nesting_order(&spans);
    let mut new_index = vec![0u32; spans.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(old as usize) {
            *slot = new as u32;
        }
    }
    let mut sorted = spans;
    permute(&mut sorted, order);
    let mut depths = Vec::with_capacity(sorted.len());
    let mut parents = Vec::with_capacity(sorted.len());
    let mut lane_ranges: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    let mut stack: Vec<(i64, u32)> = Vec::new();
    let mut lane = u32::MAX;
    for (i, span) in sorted.iter().enumerate() {
        if span.lane != lane {
            lane = span.lane;
            stack.clear();
            lane_ranges.insert(lane, (i as u32, i as u32));
        }
        if let Some(r) = lane_ranges.get_mut(&lane) {
            r.1 = i as u32 + 1;
        }
        // A span is nested in an open one only if it ends within it: one that merely
        // overlaps the end of the previous span (clock jitter between two reads, as in
        // Dask's profiler records) follows it on the same level instead.
        while stack
            .last()
            .is_some_and(|&(end, _)| end <= span.start || end < span.end)
        {
            stack.pop();
        }
        let depth = match span.depth {
            Some(d) => d,
            None => u16::try_from(stack.len()).unwrap_or(u16::MAX),
        };
        depths.push(depth);
        parents.push(stack.last().map_or(NO_PARENT, |&(_, p)| p));
        stack.push((span.end, i as u32));
    }
    Nested {
        spans: sorted,
        depths,
        parents,
        new_index,
        lane_ranges,
    }
}

impl Nested<'_> {
    /// The innermost span on `lane` whose interval contains `ts`.
    fn enclosing(&self, lane: u32, ts: i64) -> Option<u32> {
        let &(start, end) = self.lane_ranges.get(&lane)?;
        let slice = self.spans.get(start as usize..end as usize)?;
        let after = slice.partition_point(|s| s.start <= ts);
        let mut candidate = (after as u32).checked_sub(1).map(|i| i + start);
        // Walk up the nesting; bounded so hostile depth cannot make this quadratic.
        for _ in 0..4096 {
            let c = candidate?;
            let span = self.spans.get(c as usize)?;
            if span.start <= ts && ts <= span.end {
                return Some(c);
            }
            candidate = self
                .parents
                .get(c as usize)
                .copied()
                .filter(|&p| p != NO_PARENT);
        }
        None
    }

    /// The last span on `lane` that starts at or before `ts`.
    fn previous_starting(&self, lane: u32, ts: i64) -> Option<u32> {
        let &(start, end) = self.lane_ranges.get(&lane)?;
        let slice = self.spans.get(start as usize..end as usize)?;
        let after = slice.partition_point(|s| s.start <= ts);
        (after as u32).checked_sub(1).map(|i| i + start)
    }

    /// The first span on `lane` that starts at or after `ts`.
    fn next_starting(&self, lane: u32, ts: i64) -> Option<u32> {
        let &(start, end) = self.lane_ranges.get(&lane)?;
        let slice = self.spans.get(start as usize..end as usize)?;
        let at = slice.partition_point(|s| s.start < ts);
        (at < slice.len()).then_some(start + at as u32)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::permute;

    proptest! {
        /// In place, `permute` gives what indexing by the order gives.
        #[test]
        fn permute_puts_items_in_the_given_order(
            order in (0usize..200).prop_flat_map(|n| Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle())
        ) {
            let items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
            let expected: Vec<String> = order.iter().map(|&i| items[i as usize].clone()).collect();
            let mut permuted = items;
            permute(&mut permuted, order);
            prop_assert_eq!(permuted, expected);
        }
    }
}
