//! Reading our own files: the `taskscope` object and the spans of `X` events resolved against it.
//!
//! The embedded object is authoritative for the graph, the lanes, the run
//! facts and the trace's flows; the `X` events give the spans (key, lane,
//! times, kind, depth). Derived events (the per-edge `s`/`f` arrows named
//! `dep` and the `running tasks` counter with category `derived`)
//! exist for other viewers and are not read back.

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

use super::error::{FormatError, Source};
use super::fast::{self, Scan, TaskRef};
use super::gather::{Gathered, PendingSpan, keep_span_arg};
use super::keys::{KeyList, KeyTable};
use super::lex::{ElementError, skip_ws, value_at};
use super::num::id_text;
use crate::args::ArgValue;
use crate::model::{
    Counter, CounterSample, DependencyRecord, Flow, Graph, GraphBuilder, Instant, Lane, LaneId,
    ModelError, NameId, RunMeta, SourceFormat, Span, SpanId, TaskId, TaskState, Trace,
    TraceBuilder,
};

/// The newest taskscope format version this reader understands.
pub(crate) const READ_VERSION: u32 = 1;

/// The `taskscope` object of a file, its graph in columns.
pub(crate) struct TsObject<'a> {
    pub version: u64,
    tasks: TsTasks<'a>,
    run: TsRun,
    lanes: Vec<TsLane>,
    flows: Vec<(u32, u32)>,
    diagnostics: Vec<String>,
}

/// The `taskscope` object as serde reads it (the general path).
#[derive(Deserialize)]
struct SerdeObject<'a> {
    version: u64,
    #[serde(borrow, default)]
    graph: TsGraph<'a>,
    #[serde(default)]
    run: TsRun,
    #[serde(default)]
    lanes: Vec<TsLane>,
    #[serde(default)]
    flows: Vec<(u32, u32)>,
    #[serde(default)]
    diagnostics: Vec<String>,
}

/// Only the version, to report a newer file even when the rest does not parse.
#[derive(Deserialize)]
pub(crate) struct VersionProbe {
    pub version: u64,
}

#[derive(Deserialize, Default)]
struct TsGraph<'a> {
    #[serde(borrow, default)]
    tasks: Vec<TsTask<'a>>,
    /// Whether the dependency lists were recorded (absent: they were).
    #[serde(default)]
    dependencies: Option<DependencyWord>,
}

/// The graph's `dependencies` word ([`DependencyRecord::as_str`]).
struct DependencyWord(DependencyRecord);

impl<'de> Deserialize<'de> for DependencyWord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = Cow::<'de, str>::deserialize(d)?;
        DependencyRecord::parse(&word).map(Self).ok_or_else(|| {
            de::Error::custom(format!(
                "graph.dependencies is {word:?}; expected \"recorded\", \"flow_arrows\" or \"not_recorded\""
            ))
        })
    }
}

#[derive(Deserialize)]
struct TsTask<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    deps: Vec<TaskRef<'a>>,
    #[serde(borrow, default)]
    state: Option<Cow<'a, str>>,
    /// The task's args ([`crate::args`]), an object.
    #[serde(borrow, default)]
    args: Option<&'a RawValue>,
}

impl<'de: 'a, 'a> Deserialize<'de> for TaskRef<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = TaskRef<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a task key (string) or task index (integer)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TaskRef::Index(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TaskRef::Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TaskRef::Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The tasks of the embedded graph in columns: one allocation per column, not per task.
#[derive(Default)]
struct TsTasks<'a> {
    /// Every key, one after the other (compact, so that key lookups stay in cache).
    key_text: String,
    /// End in `key_text` of each task's key.
    key_ends: Vec<u32>,
    /// The keys outgrew `u32` offsets (more than 4 GiB of keys): the model rejects that.
    too_large: bool,
    /// Index into `names` of each task's name.
    name_of: Vec<u32>,
    /// Distinct names in order of first appearance (the order the graph interns them).
    names: Vec<Cow<'a, str>>,
    name_index: FxHashMap<Cow<'a, str>, u32>,
    states: Vec<TaskState>,
    /// Whether the dependency lists were recorded (the graph's `dependencies`).
    record: DependencyRecord,
    /// End in `deps` of each task's dependencies.
    dep_ends: Vec<usize>,
    deps: Vec<TaskRef<'a>>,
    /// The `args` object of the few tasks that have one, by task index.
    args: Vec<(u32, &'a RawValue)>,
}

impl<'a> TsTasks<'a> {
    fn with_capacity(tasks: usize) -> Self {
        Self {
            key_ends: Vec::with_capacity(tasks),
            name_of: Vec::with_capacity(tasks),
            states: Vec::with_capacity(tasks),
            dep_ends: Vec::with_capacity(tasks),
            deps: Vec::with_capacity(tasks),
            ..Self::default()
        }
    }

    fn len(&self) -> usize {
        self.key_ends.len()
    }

    /// The key of task `i`.
    fn key(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(prev) => self.key_ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.key_ends.get(i).copied().unwrap_or(start);
        self.key_text
            .get(start as usize..end as usize)
            .unwrap_or("")
    }

    /// Adds a task whose dependencies were already pushed onto `deps`.
    fn push(&mut self, key: &str, name: Cow<'a, str>, state: Option<&str>) {
        let name = if let Some(&i) = self.name_index.get(name.as_ref()) {
            i
        } else {
            let i = self.names.len() as u32;
            self.names.push(name.clone());
            self.name_index.insert(name, i);
            i
        };
        self.key_text.push_str(key);
        let end = u32::try_from(self.key_text.len()).unwrap_or_else(|_| {
            self.too_large = true;
            u32::MAX
        });
        self.key_ends.push(end);
        self.name_of.push(name);
        self.states.push(match state {
            None => TaskState::Done,
            Some(s) => TaskState::parse(s).unwrap_or_default(),
        });
        self.dep_ends.push(self.deps.len());
    }

    fn push_serde(&mut self, task: TsTask<'a>) {
        if let Some(args) = task.args {
            self.args.push((self.len() as u32, args));
        }
        self.deps.extend(task.deps);
        self.push(&task.key, task.name, task.state.as_deref());
    }

    /// The dependencies of task `i`.
    fn deps(&self, i: usize) -> &[TaskRef<'a>] {
        let start = match i.checked_sub(1) {
            Some(prev) => self.dep_ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.dep_ends.get(i).copied().unwrap_or(start);
        self.deps.get(start..end).unwrap_or(&[])
    }
}

impl KeyList for TsTasks<'_> {
    fn count(&self) -> usize {
        self.len()
    }

    fn key(&self, i: u32) -> &str {
        TsTasks::key(self, i as usize)
    }
}

/// Parses the `taskscope` object at `pos`; returns it and the offset just past it.
///
/// Our writer's layout is read by the exact-layout scanners of [`super::fast`] (when
/// `fast`); anything else, including every kind of error, by serde, so errors and
/// unusual files are handled exactly as by the general reader.
///
/// # Complexity
/// O(n) for n bytes; a file off the writer's layout may be scanned twice.
pub(crate) fn parse_object<'a>(
    src: &Source<'a>,
    pos: usize,
    fast: bool,
    tasks_hint: usize,
) -> Result<(TsObject<'a>, usize), ElementError> {
    if fast && let Some(parsed) = walk_object(src, pos, tasks_hint) {
        return Ok(parsed);
    }
    let (obj, end) = value_at::<SerdeObject<'a>>(src, pos)?;
    let mut tasks = TsTasks::with_capacity(obj.graph.tasks.len());
    for task in obj.graph.tasks {
        tasks.push_serde(task);
    }
    if let Some(DependencyWord(record)) = obj.graph.dependencies {
        tasks.record = record;
    }
    let obj = TsObject {
        version: obj.version,
        tasks,
        run: obj.run,
        lanes: obj.lanes,
        flows: obj.flows,
        diagnostics: obj.diagnostics,
    };
    Ok((obj, end))
}

/// The fields of a `taskscope` object seen so far by [`walk_object`].
#[derive(Default)]
struct Fields<'a> {
    version: Option<u64>,
    tasks: Option<TsTasks<'a>>,
    run: Option<TsRun>,
    lanes: Option<Vec<TsLane>>,
    flows: Option<Vec<(u32, u32)>>,
    diagnostics: Option<Vec<String>>,
}

/// Walks a `taskscope` object laid out as our writer lays it out (its keys, each once,
/// a supported version); `None` for anything else.
fn walk_object<'a>(
    src: &Source<'a>,
    open: usize,
    tasks_hint: usize,
) -> Option<(TsObject<'a>, usize)> {
    let bytes = src.bytes;
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    let mut f = Fields::default();
    let mut pos = skip_ws(bytes, open + 1);
    let end = loop {
        let mut s = Scan::new(bytes, pos);
        let key = s.string()?;
        s.lit(b":")?;
        let value = skip_ws(bytes, s.pos);
        let end = match key {
            "version" if f.version.is_none() => {
                let mut s = Scan::new(bytes, value);
                f.version = Some(s.uint()?);
                s.pos
            }
            "graph" if f.tasks.is_none() => {
                let (tasks, end) = walk_graph(src, value, tasks_hint)?;
                f.tasks = Some(tasks);
                end
            }
            "run" if f.run.is_none() => {
                let (run, end) = value_at::<TsRun>(src, value).ok()?;
                f.run = Some(run);
                end
            }
            "lanes" if f.lanes.is_none() => {
                let (lanes, end) = value_at::<Vec<TsLane>>(src, value).ok()?;
                f.lanes = Some(lanes);
                end
            }
            "flows" if f.flows.is_none() => {
                let (flows, end) = value_at::<Vec<(u32, u32)>>(src, value).ok()?;
                f.flows = Some(flows);
                end
            }
            "diagnostics" if f.diagnostics.is_none() => {
                let (diagnostics, end) = value_at::<Vec<String>>(src, value).ok()?;
                f.diagnostics = Some(diagnostics);
                end
            }
            _ => return None,
        };
        let after = skip_ws(bytes, end);
        match bytes.get(after)? {
            b',' => pos = skip_ws(bytes, after + 1),
            b'}' => break after + 1,
            _ => return None,
        }
    };
    let version = f.version?;
    if version == 0 || version > u64::from(READ_VERSION) {
        // The general path reports the version (or whatever else is wrong first).
        return None;
    }
    let obj = TsObject {
        version,
        tasks: f.tasks.unwrap_or_default(),
        run: f.run.unwrap_or_default(),
        lanes: f.lanes.unwrap_or_default(),
        flows: f.flows.unwrap_or_default(),
        diagnostics: f.diagnostics.unwrap_or_default(),
    };
    Some((obj, end))
}

/// Walks the `graph` object (`{"tasks":[...]}`): each task by the fast scanner, or by
/// serde when it is off the writer's layout; `None` if anything fails.
fn walk_graph<'a>(
    src: &Source<'a>,
    open: usize,
    tasks_hint: usize,
) -> Option<(TsTasks<'a>, usize)> {
    let bytes = src.bytes;
    let mut s = Scan::new(bytes, open);
    s.lit(b"{\"tasks\":[")?;
    let mut tasks = TsTasks::with_capacity(tasks_hint);
    let mut pos = skip_ws(bytes, s.pos);
    if bytes.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            let end = if let Some((key, name, state, end)) =
                fast::graph_task(bytes, pos, &mut tasks.deps)
            {
                tasks.push(key, Cow::Borrowed(name), state);
                end
            } else {
                let (task, end) = value_at::<TsTask<'a>>(src, pos).ok()?;
                tasks.push_serde(task);
                end
            };
            let after = skip_ws(bytes, end);
            match bytes.get(after)? {
                b',' => pos = skip_ws(bytes, after + 1),
                b']' => {
                    pos = after + 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    let mut s = Scan::new(bytes, skip_ws(bytes, pos));
    // What the writer puts after the tasks when dependencies were not all recorded;
    // anything else is left to serde.
    if s.lit(b",\"dependencies\":").is_some() {
        tasks.record = DependencyRecord::parse(s.string()?)?;
    }
    s.lit(b"}")?;
    Some((tasks, s.pos))
}

#[derive(Deserialize, Default)]
struct TsRun {
    #[serde(default)]
    wall_ns: u64,
    #[serde(default)]
    origin_ns: i64,
    #[serde(default)]
    scheduler: Option<String>,
    #[serde(default)]
    workers: Option<u32>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    started_at_unix_ns: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    /// Any other run fact (e.g. `dask`), kept as run args.
    #[serde(flatten)]
    extra: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct TsLane {
    name: String,
    #[serde(default)]
    process: String,
    #[serde(default)]
    sort_index: i64,
    #[serde(default, rename = "async")]
    is_async: bool,
}

/// Parses the `args` of a streaming file's `taskscope_graph` metadata event, at byte
/// `args` of `src`: `{"tasks":[...]}` with the same task objects as the `taskscope`
/// object's `graph` (read by the same scanner, or by serde off the writer's layout).
fn parse_graph_args<'a>(
    src: &Source<'a>,
    args: usize,
    fast: bool,
) -> Result<TsTasks<'a>, FormatError> {
    if fast && let Some((tasks, _)) = walk_graph(src, args, 0) {
        return Ok(tasks);
    }
    match value_at::<TsGraph<'a>>(src, args) {
        Ok((graph, _)) => {
            let mut tasks = TsTasks::with_capacity(graph.tasks.len());
            for task in graph.tasks {
                tasks.push_serde(task);
            }
            if let Some(DependencyWord(record)) = graph.dependencies {
                tasks.record = record;
            }
            Ok(tasks)
        }
        // The event was read whole before: only a caller's wrong offset gets here.
        Err(ElementError::Truncated) => Err(src.error_at(
            src.bytes.len(),
            "the rest of the taskscope_graph event (the file ends early)",
        )),
        Err(ElementError::Invalid(e) | ElementError::Data(e)) => Err(e),
    }
}

/// The graph of a streaming file's `taskscope_graph` metadata event, read once: every
/// task with its key, name, dependencies and the state the event gives (`not_run` from
/// the engine's writer), and the key lookup for spans that name their task by key.
///
/// An incremental reader keeps it across snapshots ([`finish_stream_with`]), so the
/// event is parsed once however often the trace so far is built.
pub(crate) struct StreamGraph {
    /// The graph, with the states the event gives; its keys are what `key_index` finds.
    graph: Graph,
    key_index: KeyTable,
    /// The `args` object of the few tasks that have one, by task index (owned: the
    /// event's bytes need not outlive it).
    args: Vec<(u32, Box<RawValue>)>,
}

impl StreamGraph {
    /// Reads the event whose `args` object starts at byte `args` of `src` (see
    /// [`super::stream`]). The one parser of that event: the reader of whole files and
    /// the incremental reader call it.
    ///
    /// # Complexity
    /// O(n + V + E) for the n bytes of the event.
    pub(crate) fn parse(src: &Source<'_>, args: usize, fast: bool) -> Result<Self, FormatError> {
        let tasks = parse_graph_args(src, args, fast)?;
        let (graph, key_index) = build_graph(&tasks, src)?;
        // The parsed columns go: the graph holds the keys (a third of what they took).
        Ok(Self {
            graph,
            key_index,
            args: tasks
                .args
                .iter()
                .map(|&(task, raw)| (task, raw.to_owned()))
                .collect(),
        })
    }
}

/// Builds the trace of a streaming taskscope file that has no `taskscope` object (the run
/// is still going, or its writer stopped): the graph from its `taskscope_graph` event (its
/// `args` at byte `args`), each task's state from its last span's `status` (the event's
/// state for tasks without spans), lanes from the `M` events (`tid` = lane index).
///
/// # Complexity
/// O(V + E + S) plus the builder's sort check.
pub(crate) fn finish_stream(
    col: &Gathered<'_>,
    args: usize,
    diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    let graph = StreamGraph::parse(&col.src, args, col.fast_paths)?;
    finish_stream_with(col, &graph, diagnostics)
}

/// [`finish_stream`] with the graph event already read (`graph`, from any earlier
/// source: only the spans and lanes come from `col`).
///
/// # Complexity
/// O(V + E + S) plus the builder's sort check: the graph is copied, not parsed.
pub(crate) fn finish_stream_with(
    col: &Gathered<'_>,
    stream: &StreamGraph,
    mut diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    let mut graph = stream.graph.clone();
    let task_count = graph.len();
    let (slices, running, unmatched) = task_slices(col);
    // Per task: whether a span of it ended (an `X`, or a slice closed by its `E`).
    let mut finished = vec![false; task_count];
    let closed = slices.iter().filter(|s| !s.unclosed);
    for span in col.spans.iter().chain(closed) {
        if let Some(i) = span.task
            && let Some(f) = finished.get_mut(i as usize)
        {
            if let Some(state) = span.state {
                graph.set_state(TaskId(i), state);
            }
            *f = true;
        }
    }
    let done = finished.iter().filter(|&&f| f).count();
    let running = match running {
        0 => String::new(),
        1 => "; 1 task was running at the end of what was read (its slice begun and not ended)"
            .to_owned(),
        n => format!(
            "; {n} tasks were running at the end of what was read (their slices begun and not ended)"
        ),
    };
    diagnostics.push(format!(
        "a streaming taskscope file without its final taskscope object (the run is still going, or its writer stopped): the graph comes from its taskscope_graph event; {done} of {task_count} tasks ended{running}, the others are not finished"
    ));
    super::chrome::pairing_diagnostics(0, unmatched, &mut diagnostics);
    let lanes = stream_lanes(col);
    // A stream's lanes are the run's worker threads, announced before they run anything
    // (`StreamWriter`): its workers, also those that have not finished a task yet.
    let workers = lanes.iter().filter(|lane| !lane.is_async).count();
    let meta = RunMeta {
        // What was seen of the run so far.
        wall_ns: u64::try_from(col.time.end()).unwrap_or(0),
        source: SourceFormat::Taskscope,
        format_version: Some(READ_VERSION),
        workers: u32::try_from(workers).ok().filter(|&w| w > 0),
        ..RunMeta::default()
    };
    let parts = Parts {
        meta,
        run_args: Vec::new(),
        lanes,
        flows: Vec::new(),
        diagnostics,
    };
    let args: Vec<(u32, &RawValue)> = stream.args.iter().map(|(t, a)| (*t, &**a)).collect();
    let keys = Keys {
        list: &stream.graph,
        index: &stream.key_index,
        args: &args,
    };
    finish_parts(col, &keys, graph, &slices, parts)
}

/// What a span with task index `found` was expected to have, in a graph of `task_count`
/// tasks.
fn task_index_expected(task_count: usize, found: u32) -> String {
    format!("a task index below {task_count} in the span's args (found {found})")
}

/// What a span with a negative `ts` was expected to have.
const NON_NEGATIVE_TS: &str = "a span with a non-negative ts";

impl StreamGraph {
    /// What is wrong with a span of this stream (an `X` event, or a task slice's `B`)
    /// with task index `task` starting at `start` that the reader would refuse (as
    /// [`finish_stream_with`] does), if anything: a task index out of the graph, or a
    /// negative time. Checked as the event is read (by the incremental reader, which
    /// keeps no event's bytes) so that the error can name its place in the file. A
    /// span's lane is not checked there: the lanes are known once the file is.
    pub(crate) fn span_fault(&self, task: Option<u32>, start: i64) -> Option<String> {
        let task_count = self.graph.len();
        match task {
            Some(i) if i as usize >= task_count => Some(task_index_expected(task_count, i)),
            _ if start < 0 => Some(NON_NEGATIVE_TS.to_owned()),
            _ => None,
        }
    }
}

/// The spans of a taskscope file's task slices (`B`/`E` pairs: a task that was running
/// when the writer wrote it, see [`crate::format::StreamWriter`]), numbered after its
/// `X` spans; how many were never closed, and how many `E` had no `B`.
///
/// A slice never closed is a task that was running at the end of what was read (the
/// run is still going, or its writer stopped): its span ends there, flagged unclosed,
/// and has no status, so the task is not finished
/// ([`crate::index::TaskTimes::state_at`] says it is running).
fn task_slices<'a>(col: &Gathered<'a>) -> (Vec<PendingSpan<'a>>, u32, u32) {
    col.begin_ends
        .task_spans(col.time.end(), col.spans.len() as u32)
}

/// A graph's keys for resolving spans by key: the key list, its lookup table and the
/// tasks' `args` objects.
struct Keys<'k, 'a, L> {
    list: &'k L,
    index: &'k KeyTable,
    args: &'k [(u32, &'a RawValue)],
}

/// The lanes of a streaming file from its `M` events: lane `i` is `tid` `i`, named by its
/// `thread_name`, sorted by its `thread_sort_index`, in the process its `pid`'s
/// `process_name` names. A lane index without a `thread_name` gets `lane i`. No lane is
/// async (only the final object says which are).
fn stream_lanes(col: &Gathered<'_>) -> Vec<TsLane> {
    let infos = col.lanes.infos();
    let index = |tid: &str| id_text(tid).parse::<u32>().ok();
    let count = infos
        .iter()
        .filter_map(|info| index(&info.tid))
        .map(|i| i as usize + 1)
        .max()
        .unwrap_or(0)
        // Lane indices come from the file: no more lanes than lane events.
        .min(infos.len());
    let mut lanes: Vec<TsLane> = (0..count)
        .map(|i| TsLane {
            name: format!("lane {i}"),
            process: String::new(),
            sort_index: i as i64,
            is_async: false,
        })
        .collect();
    for info in infos {
        let Some(lane) = index(&info.tid).and_then(|i| lanes.get_mut(i as usize)) else {
            continue;
        };
        if let Some(name) = &info.name {
            lane.name.clone_from(name);
        }
        if let Some(sort_index) = info.sort_index {
            lane.sort_index = sort_index;
        }
        if let Some(process) = col.lanes.process_name(&info.pid) {
            process.clone_into(&mut lane.process);
        }
    }
    lanes
}

/// Builds the trace of a taskscope file from its events and its `taskscope` object.
///
/// # Complexity
/// O(V + E + S) plus the builder's sort check.
pub(crate) fn finish(
    col: &Gathered<'_>,
    mut obj: TsObject<'_>,
    mut diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    let meta = RunMeta {
        title: obj.run.title,
        scheduler: obj.run.scheduler,
        workers: obj.run.workers,
        wall_ns: obj.run.wall_ns,
        host: obj.run.host,
        started_at_unix_ns: obj.run.started_at_unix_ns,
        origin_ns: obj.run.origin_ns,
        source: SourceFormat::Taskscope,
        format_version: u32::try_from(obj.version).ok(),
    };
    let run_args = std::mem::take(&mut obj.run.extra);
    let (graph, key_index) = build_graph(&obj.tasks, &col.src)?;
    let (slices, unclosed, unmatched) = task_slices(col);
    super::chrome::pairing_diagnostics(unclosed, unmatched, &mut diagnostics);
    obj.diagnostics.append(&mut diagnostics);
    let keys = Keys {
        list: &obj.tasks,
        index: &key_index,
        args: &obj.tasks.args,
    };
    let parts = Parts {
        meta,
        run_args: run_args.into_iter().collect(),
        lanes: obj.lanes,
        flows: obj.flows,
        diagnostics: std::mem::take(&mut obj.diagnostics),
    };
    finish_parts(col, &keys, graph, &slices, parts)
}

/// What a taskscope trace is built from besides its events and graph.
struct Parts {
    meta: RunMeta,
    run_args: Vec<(String, serde_json::Value)>,
    lanes: Vec<TsLane>,
    flows: Vec<(u32, u32)>,
    /// The file's own diagnostics, then the reader's.
    diagnostics: Vec<String>,
}

/// Builds the trace of a taskscope file from its events, its task slices (`slices`, see
/// [`task_slices`]), its graph (whose keys `keys` finds) and the other parts.
///
/// # Complexity
/// O(V + S) plus the builder's sort check.
fn finish_parts(
    col: &Gathered<'_>,
    keys: &Keys<'_, '_, impl KeyList>,
    graph: Graph,
    slices: &[PendingSpan<'_>],
    parts: Parts,
) -> Result<Trace, FormatError> {
    let src = col.src;
    let Parts {
        meta,
        run_args,
        lanes,
        flows,
        mut diagnostics,
    } = parts;
    // Only spans without a task index (files written before spans carried one) are
    // looked up by key.
    let keyed: Vec<&str> = col
        .spans
        .iter()
        .filter(|s| s.task.is_none())
        .filter_map(|s| s.key.as_deref())
        .collect();
    let span_tasks = keys.index.find_all(keys.list, &keyed, |k| Some(*k));
    drop(keyed);
    let task_count = graph.len();
    debug_assert_eq!(task_count, keys.list.count(), "the keys are the graph's");
    let mut b = TraceBuilder::with_graph(meta, graph);
    for (key, value) in &run_args {
        b.set_run_arg(key, ArgValue::from_json(value))
            .map_err(|e| col.src.model_error(e))?;
    }
    add_task_args(&mut b, col, keys.args)?;
    let lane_count = lanes.len();
    for lane in lanes {
        b.add_lane(Lane {
            name: lane.name,
            process: lane.process,
            sort_index: lane.sort_index,
            is_async: lane.is_async,
        })
        .map_err(|e| src.model_error(e))?;
    }
    // The lane of each collector lane: its tid is the lane index.
    let lane_of: Vec<Option<LaneId>> = col
        .lanes
        .infos()
        .iter()
        .map(|info| {
            id_text(&info.tid)
                .parse::<u32>()
                .ok()
                .filter(|&l| (l as usize) < lane_count)
                .map(LaneId)
        })
        .collect();
    let mut notes = Vec::new();
    add_spans(
        &mut b,
        col,
        slices,
        &span_tasks,
        task_count,
        &lane_of,
        &mut notes,
    )?;
    diagnostics.append(&mut notes);
    for (from, to) in flows {
        b.add_flow(Flow {
            from: SpanId(from),
            to: SpanId(to),
        });
    }
    add_marks(&mut b, col, &lane_of);
    for d in diagnostics {
        b.add_diagnostic(d);
    }
    b.build().map_err(|e| src.model_error(e))
}

/// Builds the graph from its tasks; returns it and the index of each key (its first task).
///
/// # Complexity
/// O(V + E) expected (one hash insert per task, one lookup per key reference).
fn build_graph(tasks: &TsTasks<'_>, src: &Source<'_>) -> Result<(Graph, KeyTable), FormatError> {
    let task_count = tasks.len();
    if tasks.too_large {
        return Err(src.model_error(ModelError::TooLarge {
            what: "key bytes",
            limit: u64::from(u32::MAX),
        }));
    }
    let (key_index, _) = KeyTable::new(tasks);
    let mut graph = GraphBuilder::with_capacity(task_count, tasks.deps.len());
    graph.set_dependency_record(tasks.record);
    graph.reserve_key_bytes(tasks.key_text.len());
    let name_ids = tasks
        .names
        .iter()
        .map(|n| graph.intern_name(n))
        .collect::<Result<Vec<NameId>, _>>()
        .map_err(|e| src.model_error(e))?;
    let found = key_index.find_all(tasks, &tasks.deps, |d| match d {
        TaskRef::Key(k) => Some(k.as_ref()),
        TaskRef::Index(_) => None,
    });
    let mut deps = Vec::new();
    let mut next_dep = 0;
    for i in 0..task_count {
        let key = tasks.key(i);
        deps.clear();
        for d in tasks.deps(i) {
            let resolved = found.get(next_dep).copied().flatten();
            next_dep += 1;
            let id = match d {
                TaskRef::Key(_) => resolved.map(TaskId),
                TaskRef::Index(i) => u32::try_from(*i)
                    .ok()
                    .filter(|&i| (i as usize) < task_count)
                    .map(TaskId),
            };
            let Some(id) = id else {
                let what = match d {
                    TaskRef::Key(k) => format!("'{k}'"),
                    TaskRef::Index(i) => format!("index {i}"),
                };
                return Err(FormatError::Unrecognized {
                    file: src.name.to_owned(),
                    why: format!(
                        "task '{key}' in the taskscope graph depends on {what}, which is not a task of the graph"
                    ),
                });
            };
            deps.push(id);
        }
        let name = tasks
            .name_of
            .get(i)
            .and_then(|&n| name_ids.get(n as usize))
            .copied()
            .unwrap_or(NameId(0));
        let state = tasks.states.get(i).copied().unwrap_or_default();
        graph
            .add_task_named(key, name, deps.iter().copied(), state)
            .map_err(|e| src.model_error(e))?;
    }
    let graph = graph.build().map_err(|e| src.model_error(e))?;
    Ok((graph, key_index))
}

/// Adds the spans of the file's task `X` events and then those of its task slices
/// (`slices`), resolved against the graph and lanes; `span_tasks` holds the task of each
/// span found by key, in order.
fn add_spans(
    b: &mut TraceBuilder,
    col: &Gathered<'_>,
    slices: &[PendingSpan<'_>],
    span_tasks: &[Option<u32>],
    task_count: usize,
    lane_of: &[Option<LaneId>],
    diagnostics: &mut Vec<String>,
) -> Result<(), FormatError> {
    let src = col.src;
    b.reserve_spans(col.spans.len() + slices.len());
    let mut foreign_spans = 0u32;
    let mut by_key = span_tasks.iter();
    // Slices have no args beyond their fields (those of `span_args` belong to `X` spans).
    let mut args = col.span_args.iter().peekable();
    for (index, span) in col.spans.iter().chain(slices).enumerate() {
        // The args of this span (pushed in span order); those of skipped spans are dropped.
        let mut own_args = Vec::new();
        while let Some(arg) = args.next_if(|a| a.span as usize <= index) {
            if arg.span as usize == index {
                own_args.push(arg);
            }
        }
        let task = match (span.task, &span.key) {
            (Some(i), _) if (i as usize) < task_count => TaskId(i),
            (Some(i), _) => {
                return Err(src.error_at(span.offset, task_index_expected(task_count, i)));
            }
            (None, Some(k)) => match by_key.next().copied().flatten() {
                Some(i) => TaskId(i),
                None => {
                    return Err(src.error_at(
                        span.offset,
                        format!("a span whose key is a task of the taskscope graph (found '{k}')"),
                    ));
                }
            },
            (None, None) => {
                foreign_spans += 1;
                continue;
            }
        };
        let Some(lane) = lane_of.get(span.lane as usize).copied().flatten() else {
            return Err(src.error_at(
                span.offset,
                format!("a span whose tid is a lane index below {}", lane_of.len()),
            ));
        };
        if span.start < 0 {
            return Err(src.error_at(span.offset, NON_NEGATIVE_TS));
        }
        let id = b
            .add_span(Span {
                start_ns: span.start as u64,
                end_ns: span.end.max(span.start) as u64,
                task,
                lane,
                kind: span.kind,
                depth: span.depth.unwrap_or(0),
                unclosed: span.unclosed,
            })
            .map_err(|e| src.model_error(e))?;
        for arg in own_args {
            keep_span_arg(b, id, task, arg).map_err(|e| src.model_error(e))?;
        }
    }
    if foreign_spans > 0 {
        diagnostics.push(format!(
            "skipped {foreign_spans} slices that are not taskscope task spans"
        ));
    }
    Ok(())
}

/// Adds the `args` objects of the graph's tasks, each key in order.
fn add_task_args(
    b: &mut TraceBuilder,
    col: &Gathered<'_>,
    args: &[(u32, &RawValue)],
) -> Result<(), FormatError> {
    let src = col.src;
    for &(task, raw) in args {
        let fields: std::collections::BTreeMap<String, serde_json::Value> =
            serde_json::from_str(raw.get()).map_err(|e| FormatError::Unrecognized {
                file: src.name.to_owned(),
                why: format!(
                    "the args of task {task} in the taskscope graph are not an object ({e})"
                ),
            })?;
        for (key, value) in &fields {
            b.add_task_arg(TaskId(task), key, ArgValue::from_json(value))
                .map_err(|e| src.model_error(e))?;
        }
    }
    Ok(())
}

/// Adds the file's instants (category `instant`) and counters (category `counter`, in id order).
fn add_marks(b: &mut TraceBuilder, col: &Gathered<'_>, lane_of: &[Option<LaneId>]) {
    for instant in col.marks.instants() {
        if instant.cat.as_deref() != Some("instant") {
            continue;
        }
        b.add_instant(Instant {
            ts_ns: instant.ts.max(0) as u64,
            lane: instant
                .lane
                .and_then(|l| lane_of.get(l as usize).copied().flatten()),
            name: col
                .names
                .get(instant.name)
                .map(ToString::to_string)
                .unwrap_or_default(),
        });
    }
    let mut tracks: Vec<(u64, &super::chrome::Track)> = col
        .marks
        .tracks()
        .iter()
        .filter(|t| t.cat.as_deref() == Some("counter"))
        .map(|t| (t.id.parse::<u64>().unwrap_or(u64::MAX), t))
        .collect();
    tracks.sort_by_key(|t| t.0);
    for (_, track) in tracks {
        for (series, samples) in &track.series {
            let mut samples = samples.clone();
            samples.sort_by_key(|s| s.0);
            b.add_counter(Counter {
                track: track.base.clone(),
                series: series.clone(),
                samples: samples
                    .into_iter()
                    .map(|(ts, value)| CounterSample {
                        ts_ns: ts.max(0) as u64,
                        value,
                    })
                    .collect(),
            });
        }
    }
}
