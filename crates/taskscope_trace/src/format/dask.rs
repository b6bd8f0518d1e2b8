//! Dask: `distributed`'s task stream, `dask.diagnostics.Profiler` results, and graph files.
//!
//! - Task stream: records of `client.get_task_stream()` (`key`, `worker`, `thread`,
//!   `startstops` with `action`/`start`/`stop` in epoch seconds, `status`). Lanes are
//!   worker × thread; each startstop is a span of the record's task, its `action`
//!   giving the [`SpanKind`] (`compute`, `transfer`, `disk-read`, `disk-write`, ...).
//! - Profiler: records of `Profiler().results` (`key`, `start_time`, `end_time`,
//!   `worker_id`), as objects or as the `[key, task, start, end, worker_id]` lists
//!   that `json.dump` makes of its named tuples. Lanes are the worker threads.
//! - Graph file: `{"tasks": [{"key", "name", "deps": [keys]}...]}`.
//!
//! The Python that writes these files:
//! ```python
//! import json
//! from dask.distributed import Client, get_task_stream
//! with get_task_stream() as ts:          # distributed task stream
//!     result.compute()
//! json.dump(ts.data, open("run.taskstream.json", "w"), default=str)
//!
//! from dask.diagnostics import Profiler  # local schedulers
//! with Profiler() as prof:
//!     result.compute(scheduler="threads")
//! json.dump([{"key": r.key, "start_time": r.start_time, "end_time": r.end_time,
//!             "worker_id": r.worker_id} for r in prof.results],
//!           open("run.profiler.json", "w"), default=str)
//!
//! graph = dict(result.__dask_graph__())  # optional graph file
//! from dask.core import get_dependencies, key_split
//! json.dump({"tasks": [{"key": str(k), "name": key_split(k),
//!                       "deps": [str(d) for d in get_dependencies(graph, k)]} for k in graph]},
//!           open("run.graph.json", "w"))
//! ```
//! Then `Trace::open_with_graph("run.taskstream.json", "run.graph.json")`.
//!
//! Keys that Dask writes as tuples (JSON lists) are turned into Python's tuple
//! text (`('sum-agg', 0)`), so a list key and its string form match.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::gather::{Gathered, LeftOut};
use super::graph::{GraphSpec, GraphTask};
use super::num::{id_text, parse_scaled, raw_str};
use crate::args::ArgValue;
use crate::index::key_split;
use crate::model::{SpanKind, TaskState};

/// The text of a Dask key: strings as they are, lists as Python tuple text.
pub(crate) fn key_text(raw: &RawValue) -> Cow<'_, str> {
    if let Some(s) = raw_str(raw.get()) {
        return s;
    }
    match serde_json::from_str::<serde_json::Value>(raw.get()) {
        Ok(v) => {
            let mut out = String::new();
            python_repr(&v, &mut out);
            Cow::Owned(out)
        }
        Err(_) => Cow::Borrowed(raw.get()),
    }
}

/// Python's `repr` of a JSON value (lists as tuples). Iterative: no recursion on nesting.
fn python_repr(v: &serde_json::Value, out: &mut String) {
    enum Item<'v> {
        Value(&'v serde_json::Value),
        Text(&'static str),
    }
    let mut stack = vec![Item::Value(v)];
    while let Some(item) = stack.pop() {
        match item {
            Item::Text(t) => out.push_str(t),
            Item::Value(serde_json::Value::String(s)) => {
                out.push('\'');
                for c in s.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
            }
            Item::Value(serde_json::Value::Array(items)) => {
                out.push('(');
                stack.push(Item::Text(if items.len() == 1 { ",)" } else { ")" }));
                for (i, x) in items.iter().enumerate().rev() {
                    stack.push(Item::Value(x));
                    if i > 0 {
                        stack.push(Item::Text(", "));
                    }
                }
            }
            Item::Value(serde_json::Value::Null) => out.push_str("None"),
            Item::Value(serde_json::Value::Bool(b)) => {
                out.push_str(if *b { "True" } else { "False" });
            }
            Item::Value(other) => {
                let _ = write!(out, "{other}");
            }
        }
    }
}

/// The task name Dask gives a key (its `key_split`, [`crate::index::key_split`]): a
/// tuple key (a JSON list) is named by its first element, as Dask names tuples; any
/// other key by its text.
fn key_name(raw: &RawValue, text: &str) -> String {
    if !raw.get().trim_start().starts_with('[') {
        return key_split(text);
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(raw.get()) else {
        return key_split(text);
    };
    let mut first = &value;
    // `key_split(s[0])` for a tuple, again for a tuple inside it; a first element that
    // is not text (a number, None) or an empty tuple has no name: "Other".
    while let serde_json::Value::Array(items) = first {
        match items.first() {
            Some(item) => first = item,
            None => return "Other".to_owned(),
        }
    }
    match first {
        serde_json::Value::String(s) => key_split(s),
        _ => "Other".to_owned(),
    }
}

#[derive(Deserialize)]
pub(crate) struct StreamRecord<'a> {
    #[serde(borrow)]
    key: &'a RawValue,
    #[serde(borrow, default)]
    worker: Option<&'a RawValue>,
    #[serde(borrow, default)]
    thread: Option<&'a RawValue>,
    #[serde(borrow, default)]
    startstops: Vec<StartStop<'a>>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct StartStop<'a> {
    #[serde(borrow)]
    action: &'a RawValue,
    #[serde(borrow)]
    start: &'a RawValue,
    #[serde(borrow)]
    stop: &'a RawValue,
    /// The worker a `transfer` fetched from.
    #[serde(borrow, default)]
    source: Option<&'a RawValue>,
}

fn kind_of_action(action: &str) -> SpanKind {
    match action {
        "compute" => SpanKind::Compute,
        "transfer" => SpanKind::Transfer,
        "disk-read" => SpanKind::DiskRead,
        "disk-write" => SpanKind::DiskWrite,
        "deserialize" => SpanKind::Deserialize,
        _ => SpanKind::Other,
    }
}

/// Adds the spans of one task-stream record. Returns `false` if its times are not numbers.
pub(crate) fn add_stream_record<'a>(col: &mut Gathered<'a>, rec: &StreamRecord<'a>) -> bool {
    let key = key_text(rec.key);
    let name: Cow<'a, str> = Cow::Owned(key_name(rec.key, &key));
    let worker = rec.worker.map_or("", |w| id_text(w.get()));
    let thread = rec.thread.map_or("", |t| id_text(t.get()));
    let lane = col.lane_for(worker, thread);
    if !worker.is_empty() {
        col.lanes
            .name_process_once(worker, || format!("worker {worker}"));
    }
    let state = rec
        .status
        .and_then(|s| raw_str(s.get()))
        .and_then(|s| TaskState::parse(&s));
    let mut ok = true;
    for ss in &rec.startstops {
        let (Some(start), Some(stop)) = (
            parse_scaled(ss.start.get(), 9),
            parse_scaled(ss.stop.get(), 9),
        ) else {
            ok = false;
            continue;
        };
        if !times_fit(col, ss.start, (start, stop), &key, ("start", "stop")) {
            continue;
        }
        let action = raw_str(ss.action.get()).unwrap_or(Cow::Borrowed("other"));
        col.push_span(
            lane,
            name.clone(),
            key.clone(),
            (start, stop),
            kind_of_action(&action),
            state,
        );
        if let Some(source) = ss.source.and_then(|s| raw_str(s.get())) {
            col.add_arg_to_last_span("source", ArgValue::Str(source.as_ref().into()));
        }
    }
    ok
}

/// Whether a span of task `key` from `start` to `end` (parsed, in ns) can be kept. If
/// not (a time beyond what nanoseconds in 64 bits hold, or an end before the start),
/// the record is left out with a warning naming its position (that of `start_raw`)
/// and the `fields` (`start`, `end`) as the file names them: never clamped to a
/// zero-length span that would distort the figures silently.
fn times_fit(
    col: &mut Gathered<'_>,
    start_raw: &RawValue,
    (start, end): (i64, i64),
    key: &str,
    (start_field, end_field): (&str, &str),
) -> bool {
    let problem = if LeftOut::saturated(start) {
        format!("\"{start_field}\" is beyond what nanoseconds in 64 bits hold")
    } else if LeftOut::saturated(end) {
        format!("\"{end_field}\" is beyond what nanoseconds in 64 bits hold")
    } else if end < start {
        format!("\"{end_field}\" is before its \"{start_field}\"")
    } else {
        return true;
    };
    let offset =
        (start_raw.get().as_ptr() as usize).saturating_sub(col.src.bytes.as_ptr() as usize);
    col.left_out
        .add(offset, || format!("task \"{key}\" left out: its {problem}"));
    false
}

/// One profiler record, as an object.
#[derive(Deserialize)]
struct ProfilerObject<'a> {
    #[serde(borrow)]
    key: &'a RawValue,
    #[serde(borrow)]
    start_time: &'a RawValue,
    #[serde(borrow)]
    end_time: &'a RawValue,
    #[serde(borrow, default)]
    worker_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
}

/// Adds the span of one profiler record (object or 5-element list). Returns `false` if unusable.
pub(crate) fn add_profiler_record<'a>(col: &mut Gathered<'a>, raw: &'a RawValue) -> bool {
    let (key, start, end, worker, name) = if raw.get().trim_start().starts_with('[') {
        let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) else {
            return false;
        };
        let (Some(&key), Some(&start), Some(&end)) = (items.first(), items.get(2), items.get(3))
        else {
            return false;
        };
        (key, start, end, items.get(4).copied(), None)
    } else {
        let Ok(rec) = serde_json::from_str::<ProfilerObject<'a>>(raw.get()) else {
            return false;
        };
        (
            rec.key,
            rec.start_time,
            rec.end_time,
            rec.worker_id,
            rec.name,
        )
    };
    let start_raw = start;
    let (Some(start), Some(end)) = (parse_scaled(start.get(), 9), parse_scaled(end.get(), 9))
    else {
        return false;
    };
    let key_raw = key;
    let key = key_text(key_raw);
    if !times_fit(
        col,
        start_raw,
        (start, end),
        &key,
        ("start_time", "end_time"),
    ) {
        // Used: it was read and reported as left out, not skipped as unreadable.
        return true;
    }
    let name = match name.and_then(|n| raw_str(n.get())) {
        Some(n) => n,
        None => Cow::Owned(key_name(key_raw, &key)),
    };
    let worker = worker.map_or("", |w| id_text(w.get()));
    let lane = col.lane_for("", worker);
    col.lanes
        .name_process_once("", || "dask profiler".to_owned());
    col.push_span(lane, name, key, (start, end), SpanKind::Compute, None);
    true
}

/// A task of a graph file.
#[derive(Deserialize)]
struct GraphFileTask<'a> {
    #[serde(borrow)]
    key: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    deps: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    state: Option<&'a RawValue>,
}

/// Reads the `tasks` list of a graph file into a [`GraphSpec`].
pub(crate) fn graph_from_tasks(raw: &RawValue) -> Result<GraphSpec<'_>, serde_json::Error> {
    let tasks: Vec<GraphFileTask<'_>> = serde_json::from_str(raw.get())?;
    Ok(GraphSpec {
        tasks: tasks
            .into_iter()
            .map(|t| {
                let key = key_text(t.key);
                let name = match t.name.and_then(|n| raw_str(n.get())) {
                    Some(n) => n,
                    None => Cow::Owned(key_name(t.key, &key)),
                };
                GraphTask {
                    deps: t.deps.into_iter().map(key_text).collect(),
                    state: t
                        .state
                        .and_then(|s| raw_str(s.get()))
                        .and_then(|s| TaskState::parse(&s))
                        .unwrap_or_default(),
                    key,
                    name,
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_as_dask_names_them() {
        let name = |json: &str| {
            let raw: &RawValue = serde_json::from_str(json).unwrap();
            key_name(raw, &key_text(raw))
        };
        assert_eq!(name(r#""inc-cfb533ed-d6af-4feb-adb2-4500c4565a4f""#), "inc");
        assert_eq!(name(r#""_swap-9138805db3c96cd47d9ae79c77b95fa5""#), "swap");
        // A tuple is named by its first element (`key_split(('sum-agg', 0))` is
        // `sum-agg`), its text by the rules for text (`key_split("('sum-agg', 0)")` is `sum`).
        assert_eq!(name(r#"["sum-agg", 0]"#), "sum-agg");
        assert_eq!(name(r#""('sum-agg', 0)""#), "sum");
        assert_eq!(name(r#"[["x-1", 2], 0]"#), "x");
        assert_eq!(name("[5, 0]"), "Other");
        assert_eq!(name("[]"), "Other");
    }

    #[test]
    fn list_keys_become_tuple_text() {
        let raw: &RawValue = serde_json::from_str(r#"["sum-agg", 0, ["x", null]]"#).unwrap();
        assert_eq!(key_text(raw), "('sum-agg', 0, ('x', None))");
        let raw: &RawValue = serde_json::from_str(r#"["one"]"#).unwrap();
        assert_eq!(key_text(raw), "('one',)");
    }
}
