//! Chrome Trace Event JSON: typed, borrowed parsing of events into columns.
//!
//! Each event is parsed into a [`RawEvent`] whose fields are borrowed slices
//! of the input (`&RawValue`), then folded into a [`Collector`]: spans,
//! begin/end events, flow points, instants, counters, names. Nothing keeps a
//! DOM of the file. [`Collector::finish_foreign`] pairs `B`/`E` per lane with a
//! stack, nests spans, binds flow arrows and makes one graph task per span;
//! the taskscope reader ([`super::taskscope`]) uses the same collector and
//! resolves spans against the embedded graph instead.
//!
//! This module decides how events map onto the model. It does not decide
//! which format a file is (see `read`).

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::error::{FormatError, Source};
use super::num::{id_text, parse_scaled, raw_f64, raw_i64, raw_str};
use crate::model::{
    Counter, CounterSample, Flow, Instant, Lane, RunMeta, SourceFormat, Span, SpanId, SpanKind,
    TaskState, Trace, TraceBuilder,
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

fn raw_text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let raw = raw?;
    raw_str(raw.get()).or_else(|| Some(Cow::Borrowed(raw.get().trim())))
}

fn is_true(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| r.get().trim() == "true")
}

/// A lane as seen in the file: a `(pid, tid)` pair.
pub(crate) struct LaneInfo<'a> {
    pub pid: &'a str,
    pub tid: &'a str,
    pub name: Option<String>,
    pub sort_index: Option<i64>,
    /// Whether any span or instant is on it (lanes only named by `M` events are dropped).
    pub used: bool,
}

/// A span before nesting and graph assembly.
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

struct BeginEnd {
    lane: u32,
    ts: i64,
    seq: u32,
    begin: bool,
    name: u32,
    bind: Option<(u32, bool, bool)>,
}

struct FlowPoint {
    group: u32,
    phase: u8,
    lane: u32,
    ts: i64,
    enclosing: bool,
    seq: u32,
}

pub(crate) struct PendingInstant {
    pub ts: i64,
    pub lane: Option<u32>,
    pub name: u32,
    pub cat: Option<String>,
}

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

/// Everything collected from the events of a Chrome file.
pub(crate) struct Collector<'a> {
    pub src: Source<'a>,
    pub names: Vec<Cow<'a, str>>,
    name_index: FxHashMap<Cow<'a, str>, u32>,
    pub lanes: Vec<LaneInfo<'a>>,
    lane_index: FxHashMap<(&'a str, &'a str), u32>,
    pub process_names: FxHashMap<&'a str, String>,
    pub spans: Vec<PendingSpan<'a>>,
    /// v2 flow bindings: (span index, id, flow_in, flow_out).
    binds: Vec<(u32, u32, bool, bool)>,
    bind_ids: FxHashMap<&'a str, u32>,
    begin_ends: Vec<BeginEnd>,
    flow_points: Vec<FlowPoint>,
    flow_groups: FxHashMap<(Cow<'a, str>, u32, &'a str), u32>,
    pub instants: Vec<PendingInstant>,
    pub tracks: Vec<Track>,
    track_index: FxHashMap<(&'a str, Cow<'a, str>, &'a str), u32>,
    skipped_phases: FxHashMap<String, u32>,
    async_events: u32,
    invalid_events: u32,
    unknown_key_events: u32,
    seq: u32,
    pub max_ts: i64,
    pub min_ts: i64,
    /// Saw the taskscope marker event: derived events can be dropped early.
    pub taskscope_marker: bool,
    /// Try the exact-layout scanners of [`super::fast`] on the events of taskscope files
    /// (off only in tests that compare them with the general path).
    pub fast_paths: bool,
    ray_votes: u32,
    x_events: u32,
    unbound_flow_steps: u32,
    pub events: u64,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(src: Source<'a>) -> Self {
        Self {
            src,
            names: Vec::new(),
            name_index: FxHashMap::default(),
            lanes: Vec::new(),
            lane_index: FxHashMap::default(),
            process_names: FxHashMap::default(),
            spans: Vec::new(),
            binds: Vec::new(),
            bind_ids: FxHashMap::default(),
            begin_ends: Vec::new(),
            flow_points: Vec::new(),
            flow_groups: FxHashMap::default(),
            instants: Vec::new(),
            tracks: Vec::new(),
            track_index: FxHashMap::default(),
            skipped_phases: FxHashMap::default(),
            async_events: 0,
            invalid_events: 0,
            unknown_key_events: 0,
            seq: 0,
            max_ts: i64::MIN,
            min_ts: i64::MAX,
            taskscope_marker: false,
            fast_paths: true,
            ray_votes: 0,
            x_events: 0,
            unbound_flow_steps: 0,
            events: 0,
        }
    }

    fn intern(&mut self, name: Cow<'a, str>) -> u32 {
        if let Some(&id) = self.name_index.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.name_index.insert(name, id);
        id
    }

    fn lane(&mut self, ev: &RawEvent<'a>) -> u32 {
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let tid = ev.tid.map_or("", |r| id_text(r.get()));
        if let Some(&l) = self.lane_index.get(&(pid, tid)) {
            return l;
        }
        let l = self.lanes.len() as u32;
        self.lanes.push(LaneInfo {
            pid,
            tid,
            name: None,
            sort_index: None,
            used: false,
        });
        self.lane_index.insert((pid, tid), l);
        l
    }

    /// The lane for a `(pid, tid)` pair given as text, marked used.
    pub(crate) fn lane_for(&mut self, pid: &'a str, tid: &'a str) -> u32 {
        let l = if let Some(&l) = self.lane_index.get(&(pid, tid)) {
            l
        } else {
            let l = self.lanes.len() as u32;
            self.lanes.push(LaneInfo {
                pid,
                tid,
                name: None,
                sort_index: None,
                used: true,
            });
            self.lane_index.insert((pid, tid), l);
            l
        };
        if let Some(info) = self.lanes.get_mut(l as usize) {
            info.used = true;
        }
        l
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
        self.events += 1;
        let end = end.max(start);
        self.see_ts(start);
        self.see_ts(end);
        let name = self.intern(name);
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

    fn used_lane(&mut self, ev: &RawEvent<'a>) -> u32 {
        let l = self.lane(ev);
        if let Some(info) = self.lanes.get_mut(l as usize) {
            info.used = true;
        }
        l
    }

    fn see_ts(&mut self, ts: i64) {
        self.max_ts = self.max_ts.max(ts);
        self.min_ts = self.min_ts.min(ts);
    }

    fn skip_phase(&mut self, phase: &str) {
        *self.skipped_phases.entry(phase.to_owned()).or_insert(0) += 1;
    }

    /// Folds one event (at byte `offset`) into the collection.
    pub(crate) fn add(&mut self, ev: &RawEvent<'a>, offset: usize) {
        self.events += 1;
        self.seq = self.seq.wrapping_add(1);
        if ev.unknown_keys > 0 {
            self.unknown_key_events += 1;
        }
        let Some(ph) = raw_text(ev.ph) else {
            self.invalid_events += 1;
            return;
        };
        let cat = raw_text(ev.cat);
        let ts = ev.ts.and_then(|r| parse_scaled(r.get(), 3));
        match ph.as_ref() {
            "X" => self.add_complete(ev, ts, cat.as_deref(), offset),
            "B" | "E" => {
                let Some(ts) = ts else {
                    self.invalid_events += 1;
                    return;
                };
                self.see_ts(ts);
                let lane = self.used_lane(ev);
                let name = self.intern(raw_text(ev.name).unwrap_or(Cow::Borrowed("")));
                let bind = self.bind_of(ev);
                self.begin_ends.push(BeginEnd {
                    lane,
                    ts,
                    seq: self.seq,
                    begin: ph.as_ref() == "B",
                    name,
                    bind,
                });
            }
            "i" | "I" | "R" => {
                let Some(ts) = ts else {
                    self.invalid_events += 1;
                    return;
                };
                self.see_ts(ts);
                let scope = raw_text(ev.scope);
                let lane = match scope.as_deref() {
                    Some("g" | "p") => None,
                    _ if ev.tid.is_none() => None,
                    _ => Some(self.used_lane(ev)),
                };
                let name = self.intern(raw_text(ev.name).unwrap_or(Cow::Borrowed("")));
                self.instants.push(PendingInstant {
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
                    self.invalid_events += 1;
                    return;
                };
                self.add_counter(ev, ts, cat);
            }
            "M" => self.add_metadata(ev),
            "s" | "t" | "f" => {
                // Our files' per-edge arrows: category "task" (the slice's) or "dep" (older files).
                if self.taskscope_marker && matches!(cat.as_deref(), Some("task" | "dep")) {
                    return;
                }
                let (Some(ts), Some(id)) = (ts, ev.id) else {
                    self.invalid_events += 1;
                    return;
                };
                self.see_ts(ts);
                let lane = self.used_lane(ev);
                let name = self.intern(raw_text(ev.name).unwrap_or(Cow::Borrowed("")));
                let key = (cat.unwrap_or(Cow::Borrowed("")), name, id_text(id.get()));
                let next = self.flow_groups.len() as u32;
                let group = *self.flow_groups.entry(key).or_insert(next);
                let phase = match ph.as_ref() {
                    "s" => 0,
                    "t" => 1,
                    _ => 2,
                };
                // As Chrome's importer: `s` binds to the enclosing slice; `t` and `f` to the
                // next slice that starts at or after them, or the enclosing one with "bp":"e".
                let enclosing = phase == 0 || raw_text(ev.bp).as_deref() == Some("e");
                self.flow_points.push(FlowPoint {
                    group,
                    phase,
                    lane,
                    ts,
                    enclosing,
                    seq: self.seq,
                });
            }
            "b" | "e" | "n" | "S" | "T" | "F" | "p" => self.async_events += 1,
            other => self.skip_phase(other),
        }
    }

    fn bind_of(&mut self, ev: &RawEvent<'a>) -> Option<(u32, bool, bool)> {
        let id = id_text(ev.bind_id?.get());
        let next = self.bind_ids.len() as u32;
        let id = *self.bind_ids.entry(id).or_insert(next);
        Some((id, is_true(ev.flow_in), is_true(ev.flow_out)))
    }

    fn add_complete(
        &mut self,
        ev: &RawEvent<'a>,
        ts: Option<i64>,
        cat: Option<&str>,
        offset: usize,
    ) {
        let Some(start) = ts else {
            self.invalid_events += 1;
            return;
        };
        let dur = ev.dur.and_then(|r| parse_scaled(r.get(), 3)).unwrap_or(0);
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
                }
            }
            Some("task:deserialize_arguments") => span.kind = SpanKind::Deserialize,
            _ => {}
        }
        let index = self.spans.len() as u32;
        if let Some(bind) = self.bind_of(ev) {
            self.binds.push((index, bind.0, bind.1, bind.2));
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
        self.x_events += 1;
        let end = start.saturating_add(dur.max(0));
        self.see_ts(start);
        self.see_ts(end);
        let lane = self.lane_for(pid, tid);
        if ray_like {
            self.ray_votes += 1;
        }
        let name = self.intern(name);
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
    /// `offset`, exactly as [`Collector::add`] folds the same bytes parsed by serde.
    pub(crate) fn add_task_event(&mut self, ev: &super::fast::TaskEvent<'a>, offset: usize) {
        self.events += 1;
        self.seq = self.seq.wrapping_add(1);
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
        self.spans.push(span);
    }

    /// Counts a derived event that the fast path skipped ([`super::fast::skip_derived`]),
    /// as [`Collector::add`] counts one it drops.
    pub(crate) fn add_skipped_derived(&mut self) {
        self.events += 1;
        self.seq = self.seq.wrapping_add(1);
    }

    fn add_counter(&mut self, ev: &RawEvent<'a>, ts: i64, cat: Option<Cow<'a, str>>) {
        self.see_ts(ts);
        let Some(args) = ev.args else {
            self.invalid_events += 1;
            return;
        };
        let Ok(values) =
            serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(args.get())
        else {
            self.invalid_events += 1;
            return;
        };
        let pid = ev.pid.map_or("", |r| id_text(r.get()));
        let name = raw_text(ev.name).unwrap_or(Cow::Borrowed(""));
        let id = ev.id.map_or("", |r| id_text(r.get()));
        let next = self.tracks.len() as u32;
        let track = *self
            .track_index
            .entry((pid, name.clone(), id))
            .or_insert(next);
        if track == next {
            let track_name = if id.is_empty() {
                name.into_owned()
            } else {
                format!("{name} [{id}]")
            };
            self.tracks.push(Track {
                name: track_name,
                base: raw_text(ev.name).map(Cow::into_owned).unwrap_or_default(),
                id: id.to_owned(),
                cat: cat.map(Cow::into_owned),
                series: Vec::new(),
            });
        }
        let Some(track) = self.tracks.get_mut(track as usize) else {
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
        let args: MetaArgs<'_> = ev
            .args
            .and_then(|a| serde_json::from_str(a.get()).ok())
            .unwrap_or_default();
        match name.as_ref() {
            "taskscope" => self.taskscope_marker = true,
            "process_name" => {
                if let Some(n) = raw_text(args.name) {
                    let pid = ev.pid.map_or("", |r| id_text(r.get()));
                    self.process_names.insert(pid, n.into_owned());
                }
            }
            "thread_name" => {
                if let Some(n) = raw_text(args.name) {
                    let lane = self.lane(ev);
                    if let Some(info) = self.lanes.get_mut(lane as usize) {
                        info.name = Some(n.into_owned());
                    }
                }
            }
            "thread_sort_index" => {
                if let Some(i) = args.sort_index.and_then(|r| raw_i64(r.get())) {
                    let lane = self.lane(ev);
                    if let Some(info) = self.lanes.get_mut(lane as usize) {
                        info.sort_index = Some(i);
                    }
                }
            }
            _ => {}
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

    /// Pairs `B`/`E` events per lane (sorted by time, file order on ties) into spans.
    ///
    /// Returns how many `B` were never closed (kept open to the trace end and flagged)
    /// and how many `E` had no `B`.
    ///
    /// # Complexity
    /// O(n log n) for n begin/end events; the stack is bounded by n.
    fn pair_begin_ends(&mut self) -> (u32, u32) {
        let mut events = std::mem::take(&mut self.begin_ends);
        events.sort_by_key(|e| (e.lane, e.ts, e.seq));
        let trace_end = self.max_ts;
        let mut unclosed = 0;
        let mut unmatched = 0;
        let mut stack: Vec<&BeginEnd> = Vec::new();
        let mut current_lane = u32::MAX;
        let mut finished: Vec<(&BeginEnd, i64, bool)> = Vec::new();
        for e in &events {
            if e.lane != current_lane {
                for open in stack.drain(..) {
                    unclosed += 1;
                    finished.push((open, trace_end, true));
                }
                current_lane = e.lane;
            }
            if e.begin {
                stack.push(e);
            } else if let Some(open) = stack.pop() {
                finished.push((open, e.ts, false));
            } else {
                unmatched += 1;
            }
        }
        for open in stack.drain(..) {
            unclosed += 1;
            finished.push((open, trace_end, true));
        }
        for (b, end, is_unclosed) in finished {
            let index = self.spans.len() as u32;
            if let Some((id, fin, fout)) = b.bind {
                self.binds.push((index, id, fin, fout));
            }
            self.spans.push(PendingSpan {
                start: b.ts,
                end: end.max(b.ts),
                lane: b.lane,
                name: b.name,
                key: None,
                task: None,
                state: None,
                kind: SpanKind::Compute,
                depth: None,
                unclosed: is_unclosed,
                offset: 0,
            });
        }
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
        diagnostics.extend(self.skip_diagnostics());

        // Nest and sort spans.
        let spans = std::mem::take(&mut self.spans);
        let nested = nest(spans);
        let arrows = self.bind_flows(&nested);
        if self.unbound_flow_steps > 0 {
            diagnostics.push(format!(
                "{} flow steps could not be drawn: their thread has no slice to bind them to",
                self.unbound_flow_steps
            ));
        }

        let origin = if self.min_ts == i64::MAX {
            0
        } else {
            self.min_ts
        };
        let rel = |t: i64| -> u64 {
            (i128::from(t) - i128::from(origin)).clamp(0, i128::from(u64::MAX)) as u64
        };

        let (lane_map, lanes) = self.used_lanes();

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
            &self.names,
            &self.lanes,
            &arrows,
            external,
            &mut diagnostics,
        )
        .map_err(|e| self.src.model_error(e))?;
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

    /// Lanes that carry spans or instants, in order of first appearance, and the new index
    /// of each collector lane (`u32::MAX` for dropped ones).
    fn used_lanes(&self) -> (Vec<u32>, Vec<Lane>) {
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
                        .get(info.pid)
                        .cloned()
                        .unwrap_or_else(|| format!("process {}", info.pid)),
                    sort_index: info.sort_index.unwrap_or(0),
                    is_async: false,
                });
            }
        }
        (lane_map, lanes)
    }

    /// Adds instants and counters, with times made relative by `rel`.
    fn add_marks(&mut self, b: &mut TraceBuilder, lane_map: &[u32], rel: impl Fn(i64) -> u64) {
        for instant in &self.instants {
            b.add_instant(Instant {
                ts_ns: rel(instant.ts),
                lane: instant
                    .lane
                    .and_then(|l| lane_map.get(l as usize).copied())
                    .filter(|&l| l != u32::MAX)
                    .map(crate::model::LaneId),
                name: self
                    .names
                    .get(instant.name as usize)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            });
        }
        for track in std::mem::take(&mut self.tracks) {
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

    /// Resolves v1 (`s`/`t`/`f`) and v2 (`bind_id`) flows to arrows between nested span indices.
    ///
    /// # Complexity
    /// O(F log F + F log S) plus a bounded walk up the nesting per flow point.
    fn bind_flows(&mut self, nested: &Nested<'_>) -> Vec<(u32, u32)> {
        let mut arrows = Vec::new();
        // v1: group points by (cat, name, id), in time order (file order on ties). A flow
        // is open from its `s` to its `f`; each `t`/`f` while open draws an arrow from the
        // last bound slice. A point that binds to no slice draws nothing but keeps the flow.
        let mut points = std::mem::take(&mut self.flow_points);
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
                    self.unbound_flow_steps += 1;
                }
                continue;
            }
            if !open {
                continue;
            }
            match (source, bound) {
                (Some(from), Some(to)) if from != to => arrows.push((from, to)),
                (Some(_), Some(_)) => {}
                _ => self.unbound_flow_steps += 1,
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

/// Sorts spans per lane and computes nesting depth with a stack (no recursion).
///
/// # Complexity
/// O(S log S).
pub(crate) fn nest(spans: Vec<PendingSpan<'_>>) -> Nested<'_> {
    let mut order: Vec<u32> = (0..spans.len() as u32).collect();
    order.sort_by_key(|&i| {
        spans
            .get(i as usize)
            .map(|s| (s.lane, s.start, std::cmp::Reverse(s.end)))
    });
    let mut new_index = vec![0u32; spans.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(old as usize) {
            *slot = new as u32;
        }
    }
    let mut slots: Vec<Option<PendingSpan<'_>>> = spans.into_iter().map(Some).collect();
    let sorted: Vec<PendingSpan<'_>> = order
        .iter()
        .filter_map(|&i| slots.get_mut(i as usize).and_then(Option::take))
        .collect();
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
