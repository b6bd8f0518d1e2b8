//! Reading our own files: the `taskscope` object and the spans of `X` events resolved against it.
//!
//! The embedded object is authoritative for the graph, the lanes, the run
//! facts and the trace's flows; the `X` events give the spans (key, lane,
//! times, kind, depth). Derived events (the per-edge `s`/`f` arrows with
//! category `dep` and the `running tasks` counter with category `derived`)
//! exist for other viewers and are not read back.

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::chrome::Collector;
use super::error::FormatError;
use super::num::id_text;
use crate::model::{
    Counter, CounterSample, Flow, Instant, Lane, LaneId, RunMeta, SourceFormat, Span, SpanId,
    TaskId, TaskState, Trace, TraceBuilder,
};

/// The newest taskscope format version this reader understands.
pub(crate) const READ_VERSION: u32 = 1;

/// The `taskscope` object of a file.
#[derive(Deserialize)]
pub(crate) struct TsObject<'a> {
    pub version: u64,
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
}

/// A reference to a task: its key, or its index when the key is not unique.
enum TaskRef<'a> {
    Key(Cow<'a, str>),
    Index(u64),
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

/// Builds the trace of a taskscope file from its events and its `taskscope` object.
///
/// # Complexity
/// O(V + E + S) plus the builder's sort check.
pub(crate) fn finish(
    col: &Collector<'_>,
    obj: TsObject<'_>,
    mut diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    let src = col.src;
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
    let mut b = TraceBuilder::new(meta);
    let key_index = add_graph(&mut b, &obj.graph.tasks, col)?;
    let lane_count = obj.lanes.len();
    for lane in obj.lanes {
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
        .iter()
        .map(|info| {
            id_text(info.tid)
                .parse::<u32>()
                .ok()
                .filter(|&l| (l as usize) < lane_count)
                .map(LaneId)
        })
        .collect();
    add_spans(
        &mut b,
        col,
        &key_index,
        obj.graph.tasks.len(),
        &lane_of,
        &mut diagnostics,
    )?;
    for (from, to) in obj.flows {
        b.add_flow(Flow {
            from: SpanId(from),
            to: SpanId(to),
        });
    }
    add_marks(&mut b, col, &lane_of);
    for d in obj.diagnostics.into_iter().chain(diagnostics) {
        b.add_diagnostic(d);
    }
    b.build().map_err(|e| src.model_error(e))
}

/// Adds the graph's tasks; returns the index of each key (its first task).
fn add_graph<'t>(
    b: &mut TraceBuilder,
    tasks: &'t [TsTask<'_>],
    col: &Collector<'_>,
) -> Result<FxHashMap<&'t str, u32>, FormatError> {
    let src = col.src;
    let task_count = tasks.len();
    let mut key_index: FxHashMap<&str, u32> = FxHashMap::default();
    key_index.reserve(task_count);
    for (i, t) in tasks.iter().enumerate() {
        key_index.entry(t.key.as_ref()).or_insert(i as u32);
    }
    let graph = b.graph_mut();
    let mut deps = Vec::new();
    for t in tasks {
        deps.clear();
        for d in &t.deps {
            let id = match d {
                TaskRef::Key(k) => key_index.get(k.as_ref()).map(|&i| TaskId(i)),
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
                        "task '{}' in the taskscope graph depends on {what}, which is not a task of the graph",
                        t.key
                    ),
                });
            };
            deps.push(id);
        }
        let state = match &t.state {
            None => TaskState::Done,
            Some(s) => TaskState::parse(s).unwrap_or_default(),
        };
        graph
            .add_task(&t.key, &t.name, deps.iter().copied(), state)
            .map_err(|e| src.model_error(e))?;
    }
    Ok(key_index)
}

/// Adds the spans of the file's task `X` events, resolved against the graph and lanes.
fn add_spans(
    b: &mut TraceBuilder,
    col: &Collector<'_>,
    key_index: &FxHashMap<&str, u32>,
    task_count: usize,
    lane_of: &[Option<LaneId>],
    diagnostics: &mut Vec<String>,
) -> Result<(), FormatError> {
    let src = col.src;
    b.reserve_spans(col.spans.len());
    let mut foreign_spans = 0u32;
    for span in &col.spans {
        let task = match (span.task, &span.key) {
            (Some(i), _) if (i as usize) < task_count => TaskId(i),
            (Some(i), _) => {
                return Err(src.error_at(
                    span.offset,
                    format!("a task index below {task_count} in the span's args (found {i})"),
                ));
            }
            (None, Some(k)) => match key_index.get(k.as_ref()) {
                Some(&i) => TaskId(i),
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
            return Err(src.error_at(span.offset, "a span with a non-negative ts"));
        }
        b.add_span(Span {
            start_ns: span.start as u64,
            end_ns: span.end.max(span.start) as u64,
            task,
            lane,
            kind: span.kind,
            depth: span.depth.unwrap_or(0),
            unclosed: span.unclosed,
        })
        .map_err(|e| src.model_error(e))?;
    }
    if foreign_spans > 0 {
        diagnostics.push(format!(
            "skipped {foreign_spans} slices that are not taskscope task spans"
        ));
    }
    Ok(())
}

/// Adds the file's instants (category `instant`) and counters (category `counter`, in id order).
fn add_marks(b: &mut TraceBuilder, col: &Collector<'_>, lane_of: &[Option<LaneId>]) {
    for instant in &col.instants {
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
                .get(instant.name as usize)
                .map(ToString::to_string)
                .unwrap_or_default(),
        });
    }
    let mut tracks: Vec<(u64, &super::chrome::Track)> = col
        .tracks
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
