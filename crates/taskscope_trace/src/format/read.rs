//! Format detection (by content) and the top-level walk of a file.
//!
//! The first byte after an optional byte-order mark and whitespace decides
//! between the array and object forms; then the keys of the object (or the
//! first element of the array) decide the format:
//!
//! | content | format |
//! |---|---|
//! | object with `traceEvents` and a `taskscope` object | taskscope |
//! | object with `traceEvents`, or array of objects with `ph` | Chrome (Ray when pids are strings and tids `worker:…`/`driver:…`) |
//! | array of objects with `startstops`, or object with `data` | Dask task stream |
//! | array of objects with `start_time`/`end_time` or of 5-element lists, or object with `results` | Dask profiler |
//! | object with `tasks` only | Dask graph (a trace with a graph and no spans) |

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::chrome::RawEvent;
use super::error::{FormatError, Source};
use super::gather::Gathered;
use super::graph::GraphSpec;
use super::lex::{After, ElementError, after_bom, after_element, key_at, skip_ws, value_at};
use super::taskscope::{READ_VERSION, TsObject, VersionProbe};
use super::{dask, fast, taskscope};
use crate::model::{RunMeta, SourceFormat, Trace, TraceBuilder};

/// How an array ended.
pub(super) enum ArrayEnd {
    /// At its `]`; the offset is past it.
    Closed(usize),
    /// The input ended first; the offset is the end of the last complete element.
    Truncated(usize),
}

/// Calls `element` for each element of the array whose `[` is at `open`.
///
/// `element` gets the element's offset and returns the offset past it. A trailing
/// comma before `]` is accepted. The input ending inside the array is not an
/// error: the complete elements were all delivered, and the end of the last one
/// is returned.
fn for_each_element(
    src: &Source<'_>,
    open: usize,
    mut element: impl FnMut(usize) -> Result<usize, ElementError>,
) -> Result<ArrayEnd, FormatError> {
    let mut last_good = open + 1;
    let mut pos = skip_ws(src.bytes, open + 1);
    loop {
        match src.bytes.get(pos) {
            None => return Ok(ArrayEnd::Truncated(last_good)),
            Some(b']') => return Ok(ArrayEnd::Closed(pos + 1)),
            Some(_) => {}
        }
        let end = match element(pos) {
            Ok(end) => end,
            Err(ElementError::Truncated) => return Ok(ArrayEnd::Truncated(last_good)),
            Err(ElementError::Invalid(e) | ElementError::Data(e)) => return Err(e),
        };
        last_good = end;
        match after_element(src, end, b']')? {
            After::More(next) => pos = next,
            After::End(past) => return Ok(ArrayEnd::Closed(past)),
            After::Eof => return Ok(ArrayEnd::Truncated(last_good)),
        }
    }
}

/// A diagnostic for a file that ends early.
fn truncation_note(src: &Source<'_>, good_end: usize, what: &str, count: u64) -> String {
    let dropped = match src.bytes.len().saturating_sub(good_end) {
        0 => String::new(),
        1 => format!("; dropped the last byte (byte {good_end})"),
        n => format!("; dropped the last {n} bytes (from byte {good_end})"),
    };
    format!(
        "the file ends before its end (a writer still going, or one that crashed?): recovered {count} complete {what}{dropped}"
    )
}

/// Reads Chrome events from the array at `open` into `col`; returns how the array ended.
pub(super) fn read_events<'a>(
    src: &Source<'a>,
    open: usize,
    col: &mut Gathered<'a>,
) -> Result<ArrayEnd, FormatError> {
    for_each_element(src, open, |pos| {
        if col.fast_paths && col.taskscope_marker {
            // Our own file: most events are derived or task spans in the writer's exact
            // layout; anything else falls through to serde below.
            if let Some(end) = fast::skip_derived(src.bytes, pos) {
                col.add_skipped_derived();
                return Ok(end);
            }
            if let Some((ev, end)) = fast::task_event(src.bytes, pos) {
                col.add_task_event(&ev, pos);
                return Ok(end);
            }
        }
        read_event(src, pos, col)
    })
}

/// Reads one Chrome event at `pos` with serde into `col`; returns the offset past it.
fn read_event<'a>(
    src: &Source<'a>,
    pos: usize,
    col: &mut Gathered<'a>,
) -> Result<usize, ElementError> {
    match value_at::<RawEvent<'a>>(src, pos) {
        Ok((ev, end)) => {
            col.add(&ev, pos);
            Ok(end)
        }
        Err(ElementError::Data(_)) => {
            // Valid JSON that is not an event object: skip it, counted as invalid.
            let (_, end) = value_at::<IgnoredAny>(src, pos)?;
            col.add(&RawEvent::default(), pos);
            Ok(end)
        }
        Err(e) => Err(e),
    }
}

/// What the first element of a bare array says about the format.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    ph: Option<IgnoredAny>,
    #[serde(default)]
    startstops: Option<IgnoredAny>,
    #[serde(default)]
    start_time: Option<IgnoredAny>,
    #[serde(default)]
    end_time: Option<IgnoredAny>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayKind {
    Chrome,
    DaskStream,
    DaskProfiler,
}

fn probe_array(src: &Source<'_>, open: usize) -> ArrayKind {
    let first = skip_ws(src.bytes, open + 1);
    match src.bytes.get(first) {
        Some(b'[') => ArrayKind::DaskProfiler,
        Some(b'{') => match value_at::<Probe>(src, first) {
            Ok((p, _)) if p.ph.is_some() => ArrayKind::Chrome,
            Ok((p, _)) if p.startstops.is_some() => ArrayKind::DaskStream,
            Ok((p, _)) if p.start_time.is_some() && p.end_time.is_some() => ArrayKind::DaskProfiler,
            _ => ArrayKind::Chrome,
        },
        _ => ArrayKind::Chrome,
    }
}

/// Reads any supported trace from `bytes`, optionally combined with a graph file.
pub(crate) fn read(
    bytes: &[u8],
    name: &str,
    graph: Option<(&[u8], &str)>,
) -> Result<Trace, FormatError> {
    read_with(bytes, name, graph, true)
}

/// [`read`], with the fast paths for our own files on or off (off only to test them).
fn read_with(
    bytes: &[u8],
    name: &str,
    graph: Option<(&[u8], &str)>,
    fast: bool,
) -> Result<Trace, FormatError> {
    let graph_spec = match graph {
        Some((gbytes, gname)) => Some(read_graph_file(&Source {
            bytes: gbytes,
            name: gname,
        })?),
        None => None,
    };
    let src = Source { bytes, name };
    let start = skip_ws(bytes, after_bom(bytes));
    match bytes.get(start) {
        None => Err(src.error_at(start, "a JSON object or array (the file is empty)")),
        Some(b'[') => read_array(&src, start, graph_spec.as_ref(), fast),
        Some(b'{') => read_object(&src, start, graph_spec.as_ref(), fast),
        Some(_) => Err(src.error_at(start, "'{' or '[' at the start of a trace file")),
    }
}

fn read_array(
    src: &Source<'_>,
    open: usize,
    graph: Option<&GraphSpec<'_>>,
    fast: bool,
) -> Result<Trace, FormatError> {
    let kind = probe_array(src, open);
    let mut col = Gathered::new(*src);
    col.fast_paths = fast;
    let mut diagnostics = Vec::new();
    let (end, what, format) = match kind {
        ArrayKind::Chrome => (
            read_events(src, open, &mut col)?,
            "events",
            SourceFormat::Chrome,
        ),
        ArrayKind::DaskStream => (
            read_stream(src, open, &mut col, &mut diagnostics)?,
            "records",
            SourceFormat::DaskTaskStream,
        ),
        ArrayKind::DaskProfiler => (
            read_profiler(src, open, &mut col, &mut diagnostics)?,
            "records",
            SourceFormat::DaskProfiler,
        ),
    };
    match end {
        ArrayEnd::Truncated(good) => {
            diagnostics.push(truncation_note(src, good, what, col.counts.events()));
        }
        ArrayEnd::Closed(past) => check_trailing(src, past)?,
    }
    let format = if format == SourceFormat::Chrome && col.looks_like_ray() {
        SourceFormat::Ray
    } else {
        format
    };
    col.finish_foreign(
        RunMeta {
            source: format,
            ..RunMeta::default()
        },
        graph,
        diagnostics,
    )
}

/// Only whitespace (or NUL padding) may follow the top-level value.
fn check_trailing(src: &Source<'_>, past: usize) -> Result<(), FormatError> {
    let pos = skip_ws(src.bytes, past);
    if super::lex::only_padding(src.bytes, pos) {
        Ok(())
    } else {
        Err(src.error_at(pos, "the end of the file after the top-level value"))
    }
}

fn read_stream<'a>(
    src: &Source<'a>,
    open: usize,
    col: &mut Gathered<'a>,
    diagnostics: &mut Vec<String>,
) -> Result<ArrayEnd, FormatError> {
    read_records(
        src,
        open,
        diagnostics,
        "task-stream records without a key or with non-numeric start/stop times",
        |raw| {
            serde_json::from_str::<dask::StreamRecord<'a>>(raw.get())
                .is_ok_and(|rec| dask::add_stream_record(col, &rec))
        },
    )
}

fn read_profiler<'a>(
    src: &Source<'a>,
    open: usize,
    col: &mut Gathered<'a>,
    diagnostics: &mut Vec<String>,
) -> Result<ArrayEnd, FormatError> {
    read_records(
        src,
        open,
        diagnostics,
        "profiler records without key, start_time and end_time",
        |raw| dask::add_profiler_record(col, raw),
    )
}

/// Hands each element of the array opened at `open` to `add`, which says whether it
/// could use it; the ones it could not are counted in one diagnostic, "skipped N
/// `skipped_what`".
fn read_records<'a>(
    src: &Source<'a>,
    open: usize,
    diagnostics: &mut Vec<String>,
    skipped_what: &str,
    mut add: impl FnMut(&'a RawValue) -> bool,
) -> Result<ArrayEnd, FormatError> {
    let mut bad = 0u32;
    let end = for_each_element(src, open, |pos| {
        let (raw, end) = value_at::<&'a RawValue>(src, pos)?;
        if !add(raw) {
            bad += 1;
        }
        Ok(end)
    })?;
    if bad > 0 {
        diagnostics.push(format!("skipped {bad} {skipped_what}"));
    }
    Ok(end)
}

/// The offset of `raw` within `src` (it is always a sub-slice of it).
fn offset_of(src: &Source<'_>, raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(src.bytes.as_ptr() as usize)
}

fn read_object(
    src: &Source<'_>,
    open: usize,
    graph: Option<&GraphSpec<'_>>,
    fast: bool,
) -> Result<Trace, FormatError> {
    let mut col = Gathered::new(*src);
    col.fast_paths = fast;
    let mut diagnostics = Vec::new();
    let mut saw_events = false;
    let mut ts_object: Option<TsObject<'_>> = None;
    let mut others: Vec<(Cow<'_, str>, &RawValue)> = Vec::new();
    let mut pos = skip_ws(src.bytes, open + 1);
    if src.bytes.get(pos) == Some(&b'}') {
        check_trailing(src, pos + 1)?;
        return Err(FormatError::Unrecognized {
            file: src.name.to_owned(),
            why: "an empty JSON object".to_owned(),
        });
    }
    loop {
        let (key, after_key) = match key_at(src, pos) {
            Ok(k) => k,
            Err(ElementError::Truncated) if saw_events => {
                diagnostics.push(truncation_note(src, pos, "events", col.counts.events()));
                break;
            }
            Err(ElementError::Truncated) => {
                return Err(src.error_at(
                    src.bytes.len(),
                    "more of the top-level object (the file ends early)",
                ));
            }
            Err(ElementError::Invalid(e) | ElementError::Data(e)) => return Err(e),
        };
        let colon = skip_ws(src.bytes, after_key);
        if src.bytes.get(colon) != Some(&b':') {
            if src.bytes.get(colon).is_none() && saw_events {
                diagnostics.push(truncation_note(src, pos, "events", col.counts.events()));
                break;
            }
            return Err(src.error_at(colon, format!("':' after the key \"{key}\"")));
        }
        let value = skip_ws(src.bytes, colon + 1);
        let end = match key.as_ref() {
            "traceEvents" if src.bytes.get(value) == Some(&b'[') => {
                saw_events = true;
                match read_events(src, value, &mut col)? {
                    ArrayEnd::Closed(past) => past,
                    ArrayEnd::Truncated(good) => {
                        diagnostics.push(truncation_note(src, good, "events", col.counts.events()));
                        break;
                    }
                }
            }
            "taskscope" => {
                if let Some((obj, end)) = read_ts_object(src, value, &col)? {
                    ts_object = Some(obj);
                    end
                } else {
                    diagnostics.push(if col.stream_graph.is_some() {
                        format!("the taskscope object is cut short (from byte {value}); ignored")
                    } else {
                        format!(
                            "the taskscope object is cut short (from byte {value}); read as a plain Chrome trace"
                        )
                    });
                    break;
                }
            }
            _ => match value_at::<&RawValue>(src, value) {
                Ok((raw, end)) => {
                    others.push((key, raw));
                    end
                }
                Err(ElementError::Truncated) if saw_events => {
                    diagnostics.push(truncation_note(src, value, "events", col.counts.events()));
                    break;
                }
                Err(ElementError::Truncated) => {
                    return Err(src.error_at(
                        src.bytes.len(),
                        format!("the rest of the value of \"{key}\" (the file ends early)"),
                    ));
                }
                Err(ElementError::Invalid(e) | ElementError::Data(e)) => return Err(e),
            },
        };
        match after_element(src, end, b'}')? {
            After::More(next) => pos = next,
            After::End(past) => {
                check_trailing(src, past)?;
                break;
            }
            After::Eof if saw_events => {
                diagnostics.push(truncation_note(src, end, "events", col.counts.events()));
                break;
            }
            After::Eof => return Err(src.error_at(end, "',' or '}' (the file ends early)")),
        }
    }

    if saw_events {
        return finish_chrome(col, ts_object, graph, diagnostics);
    }
    read_wrapper(src, col, &others, graph, diagnostics)
}

/// Parses the `taskscope` object at `value`; `None` when the file ends inside it.
fn read_ts_object<'a>(
    src: &Source<'a>,
    value: usize,
    col: &Gathered<'a>,
) -> Result<Option<(TsObject<'a>, usize)>, FormatError> {
    // Our files have about one span per task: a good first size for the task columns.
    match taskscope::parse_object(src, value, col.fast_paths, col.spans.len()) {
        Ok((obj, end)) => {
            if obj.version > u64::from(READ_VERSION) || obj.version == 0 {
                return Err(unsupported(src, obj.version));
            }
            Ok(Some((obj, end)))
        }
        Err(ElementError::Truncated) => Ok(None),
        Err(ElementError::Data(e)) => {
            // A newer version may not parse as version 1: report the version, not the shape.
            if let Ok((probe, _)) = value_at::<VersionProbe>(src, value)
                && (probe.version > u64::from(READ_VERSION) || probe.version == 0)
            {
                return Err(unsupported(src, probe.version));
            }
            Err(e)
        }
        Err(ElementError::Invalid(e)) => Err(e),
    }
}

/// A Chrome object-form file: taskscope when it has its `taskscope` object, else foreign.
fn finish_chrome(
    mut col: Gathered<'_>,
    ts_object: Option<TsObject<'_>>,
    graph: Option<&GraphSpec<'_>>,
    mut diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    if let Some(obj) = ts_object {
        diagnostics.extend(col.skip_diagnostics());
        return taskscope::finish(&col, obj, diagnostics);
    }
    if let Some(args) = col.stream_graph {
        // A streaming file cut short: its graph event stands in for the object.
        diagnostics.extend(col.skip_diagnostics());
        return taskscope::finish_stream(&col, args, diagnostics);
    }
    let format = if col.looks_like_ray() {
        SourceFormat::Ray
    } else {
        SourceFormat::Chrome
    };
    if col.taskscope_marker {
        diagnostics.push(
            "this taskscope file has no taskscope object (cut short?): read as a plain Chrome trace, without the graph's dependencies".to_owned(),
        );
        col.taskscope_marker = false;
    }
    col.finish_foreign(
        RunMeta {
            source: format,
            ..RunMeta::default()
        },
        graph,
        diagnostics,
    )
}

fn unsupported(src: &Source<'_>, version: u64) -> FormatError {
    FormatError::UnsupportedVersion {
        file: src.name.to_owned(),
        version,
        supported: READ_VERSION,
    }
}

/// Dask wrapper objects (`data`, `results`) and graph files (`tasks`).
fn read_wrapper<'a>(
    src: &Source<'a>,
    mut col: Gathered<'a>,
    others: &[(Cow<'a, str>, &'a RawValue)],
    graph: Option<&GraphSpec<'_>>,
    mut diagnostics: Vec<String>,
) -> Result<Trace, FormatError> {
    let get = |k: &str| others.iter().find(|(key, _)| key == k).map(|(_, v)| *v);
    let mut meta = RunMeta::default();
    if let Some(t) = get("example").and_then(|v| super::num::raw_str(v.get())) {
        meta.title = Some(t.into_owned());
    }
    if let Some(w) = get("wall_s").and_then(|v| super::num::parse_scaled(v.get(), 9)) {
        meta.wall_ns = w.max(0) as u64;
    }
    if let Some(s) = get("scheduler").and_then(|v| super::num::raw_str(v.get())) {
        meta.scheduler = Some(s.into_owned());
    }
    if let Some(n) = get("num_workers").and_then(|v| super::num::raw_i64(v.get())) {
        meta.workers = u32::try_from(n).ok();
    }
    let list = |k: &str| get(k).filter(|v| v.get().trim_start().starts_with('['));
    if let Some(data) = list("data") {
        meta.source = SourceFormat::DaskTaskStream;
        if meta.scheduler.is_none() {
            meta.scheduler = Some("distributed".to_owned());
        }
        let open = offset_of(src, data);
        read_stream(src, open, &mut col, &mut diagnostics)?;
        return col.finish_foreign(meta, graph, diagnostics);
    }
    if let Some(results) = list("results") {
        meta.source = SourceFormat::DaskProfiler;
        let open = offset_of(src, results);
        read_profiler(src, open, &mut col, &mut diagnostics)?;
        return col.finish_foreign(meta, graph, diagnostics);
    }
    if let Some(tasks) = list("tasks") {
        let spec = dask::graph_from_tasks(tasks)
            .map_err(|e| src.serde_error(offset_of(src, tasks), &e))?;
        meta.source = SourceFormat::DaskGraph;
        if meta.title.is_none() {
            meta.title = get("name")
                .and_then(|v| super::num::raw_str(v.get()))
                .map(Cow::into_owned);
        }
        let mut b = TraceBuilder::new(meta);
        super::graph::assign_tasks(&mut b, &[], &[], &[], Some(&spec), &mut diagnostics)
            .map_err(|e| src.model_error(e))?;
        for d in diagnostics {
            b.add_diagnostic(d);
        }
        return b.build().map_err(|e| src.model_error(e));
    }
    let mut keys: Vec<&str> = others.iter().map(|(k, _)| k.as_ref()).collect();
    keys.truncate(8);
    Err(FormatError::Unrecognized {
        file: src.name.to_owned(),
        why: format!(
            "a JSON object without traceEvents, data, results or tasks (its keys: {})",
            keys.join(", ")
        ),
    })
}

/// Reads a graph file: a Dask graph object (`{"tasks": [...]}`) or a bare list of tasks.
fn read_graph_file<'a>(src: &Source<'a>) -> Result<GraphSpec<'a>, FormatError> {
    let start = skip_ws(src.bytes, after_bom(src.bytes));
    let raw: &'a RawValue = match value_at::<&'a RawValue>(src, start) {
        Ok((raw, end)) => {
            check_trailing(src, end)?;
            raw
        }
        Err(ElementError::Truncated) => {
            return Err(src.error_at(
                src.bytes.len(),
                "a complete JSON value (the graph file ends early)",
            ));
        }
        Err(ElementError::Invalid(e) | ElementError::Data(e)) => return Err(e),
    };
    let tasks = if raw.get().starts_with('[') {
        raw
    } else {
        #[derive(Deserialize)]
        struct Wrapper<'b> {
            #[serde(borrow)]
            tasks: &'b RawValue,
        }
        match serde_json::from_str::<Wrapper<'a>>(raw.get()) {
            Ok(w) => w.tasks,
            Err(_) => {
                return Err(FormatError::Unrecognized {
                    file: src.name.to_owned(),
                    why:
                        "a graph file must be an object with a \"tasks\" list (or the list itself)"
                            .to_owned(),
                });
            }
        }
    };
    dask::graph_from_tasks(tasks).map_err(|e| src.serde_error(offset_of(src, tasks), &e))
}

#[cfg(test)]
mod tests {
    //! The fast paths for our own files against the general path: same result on any input.

    use proptest::prelude::*;

    use super::read_with;
    use crate::format::mutate::{apply, mutation};
    use crate::model::{
        Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
    };

    const GOLDEN: &[u8] = include_bytes!("../../tests/golden/taskscope_v1.json");
    /// Version 1 before spans carried their task index (found by key instead).
    const GOLDEN_SPAN_KEYS: &[u8] =
        include_bytes!("../../tests/golden/taskscope_v1_span_keys.json");

    /// Everything a read gives, in comparable form: the trace as rewritten plus what the
    /// writer does not carry, or the error message.
    fn outcome(bytes: &[u8], fast: bool) -> Result<(Vec<u8>, String), String> {
        match read_with(bytes, "t.json", None, fast) {
            Ok(trace) => {
                let mut out = Vec::new();
                trace.write_to(&mut out).map_err(|e| e.to_string())?;
                Ok((
                    out,
                    format!(
                        "{:?} {:?} {}",
                        trace.meta(),
                        trace.diagnostics(),
                        args_text(&trace)
                    ),
                ))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Every arg of the trace, in a comparable form (the writer does not write them yet).
    fn args_text(trace: &Trace) -> String {
        let spans = (0..trace.spans().len() as u32)
            .map(|i| format!("{:?}", trace.span_args().of(i).collect::<Vec<_>>()));
        let tasks = (0..trace.graph().len() as u32)
            .map(|i| format!("{:?}", trace.task_args().of(i).collect::<Vec<_>>()));
        let run = format!("{:?}", trace.run_args().iter().collect::<Vec<_>>());
        spans
            .chain(tasks)
            .chain([run])
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The golden file with extra args on three task events (in the writer's layout, as
    /// the writer will write them) and on a graph task and the run.
    fn golden_with_args() -> Vec<u8> {
        String::from_utf8(GOLDEN.to_vec())
            .unwrap()
            .replacen(
                r#""key":"inc-1","status":"done","task":0"#,
                r#""key":"inc-1","status":"done","task":0,"attempt":2"#,
                1,
            )
            .replacen(
                r#""status":"done","kind":"transfer","task":2"#,
                r#""status":"done","kind":"transfer","source":"tcp://127.0.0.1:1","task":2,"nbytes":8e3"#,
                1,
            )
            .replacen(
                r#""status":"failed","task":3"#,
                r#""status":"failed","exception":"ZeroDivisionError('1')","task":3,"ok":false,"x":null"#,
                1,
            )
            .replacen(
                r#""run":{"#,
                r#""run":{"dask":{"cluster":{"workers":[]}},"#,
                1,
            )
            .into_bytes()
    }

    /// A trace whose file mixes the writer's plain layout with what the scanners leave to
    /// serde: escaped strings, repeated keys (task indices), depth and unclosed flags.
    fn mixed_trace() -> Trace {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let a = g.add_task("a", "plain", [], TaskState::Done).unwrap();
        let q = g
            .add_task("q\"uote", "na\\me", [a], TaskState::Failed)
            .unwrap();
        let d1 = g.add_task("dup", "x", [q], TaskState::Done).unwrap();
        let d2 = g
            .add_task("dup", "x", [d1, a], TaskState::Cancelled)
            .unwrap();
        g.add_task("never", "é", [d2], TaskState::NotRun).unwrap();
        let l0 = b.add_lane(Lane::default()).unwrap();
        let l1 = b
            .add_lane(Lane {
                name: "other".into(),
                process: "p".into(),
                sort_index: -3,
                is_async: true,
            })
            .unwrap();
        let spans = [
            (a, l0, 0, 10, SpanKind::Compute, 0, false),
            (q, l0, 5, 8, SpanKind::Deserialize, 1, false),
            (d1, l1, 12, 30, SpanKind::Compute, 0, true),
            (d2, l1, 40, 41, SpanKind::Other, 0, false),
            (d2, l0, 40, 45, SpanKind::Transfer, 0, false),
        ];
        for (task, lane, start_ns, end_ns, kind, depth, unclosed) in spans {
            b.add_span(Span {
                start_ns,
                end_ns,
                task,
                lane,
                kind,
                depth,
                unclosed,
            })
            .unwrap();
        }
        b.build().unwrap()
    }

    fn written(trace: &Trace) -> Vec<u8> {
        let mut out = Vec::new();
        trace.write_to(&mut out).unwrap();
        out
    }

    #[test]
    fn the_writer_layout_is_what_the_scanners_take() {
        // If the writer changes its layout, the fast path must change with it, or every
        // event would quietly fall back to serde.
        for bytes in [
            GOLDEN.to_vec(),
            GOLDEN_SPAN_KEYS.to_vec(),
            written(&mixed_trace()),
        ] {
            let text = String::from_utf8(bytes.clone()).unwrap();
            let mut offset = 0;
            let (mut tasks, mut derived, mut graph_tasks) = (0, 0, 0);
            for line in text.split_inclusive('\n') {
                let body = line.trim_end_matches(['\n', ',']);
                let plain = !body.contains('\\');
                if body.starts_with("{\"ph\":\"X\"") && plain {
                    let (_, end) = super::fast::task_event(&bytes, offset).unwrap();
                    assert_eq!(end, offset + body.len(), "{body}");
                    tasks += 1;
                }
                if body.contains("\"cat\":\"dep\"") || body.contains("\"cat\":\"derived\"") {
                    let end = super::fast::skip_derived(&bytes, offset).unwrap();
                    assert_eq!(end, offset + body.len(), "{body}");
                    derived += 1;
                }
                if body.starts_with("{\"key\":") && plain {
                    let mut deps = Vec::new();
                    let (.., end) = super::fast::graph_task(&bytes, offset, &mut deps).unwrap();
                    assert!(end >= offset + body.len() - 2, "{body}");
                    graph_tasks += 1;
                }
                offset += line.len();
            }
            assert!(
                tasks >= 3 && derived >= 3 && graph_tasks >= 3,
                "{tasks} {derived} {graph_tasks}"
            );
            let object = text.find("\"taskscope\":{\"version\"").unwrap() + "\"taskscope\":".len();
            let src = super::Source {
                bytes: &bytes,
                name: "t.json",
            };
            let (obj, _) = super::taskscope::parse_object(&src, object, true, 0)
                .ok()
                .unwrap();
            assert_eq!(obj.version, 1);
        }
    }

    #[test]
    fn args_are_written_back_and_read_again() {
        let first = Trace::from_slice(&golden_with_args(), "a.json").unwrap();
        let bytes = written(&first);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""source":"tcp://127.0.0.1:1""#), "{text}");
        assert!(
            text.contains(r#""args":{"exception":"ZeroDivisionError('1')"}"#),
            "{text}"
        );
        assert!(
            text.contains(r#""dask":{"cluster":{"workers":[]}}"#),
            "{text}"
        );
        let back = Trace::from_slice(&bytes, "b.json").unwrap();
        assert_eq!(args_text(&back), args_text(&first));
        assert_eq!(back.span_args().len(), 5, "{}", args_text(&back));
        assert_eq!(
            written(&back),
            bytes,
            "a second round trip writes the same bytes"
        );
    }

    #[test]
    fn whether_dependencies_were_recorded_is_written_and_read_again() {
        for record in [
            crate::DependencyRecord::Recorded,
            crate::DependencyRecord::FlowArrows,
            crate::DependencyRecord::NotRecorded,
        ] {
            let trace = mixed_trace();
            let mut b = TraceBuilder::new(RunMeta::default());
            b.graph_mut()
                .add_task("a", "a", [], TaskState::Done)
                .unwrap();
            b.graph_mut().set_dependency_record(record);
            let small = b.build().unwrap();
            for t in [&small, &trace] {
                let bytes = written(t);
                let fast = Trace::from_slice(&bytes, "d.json").unwrap();
                assert_eq!(
                    fast.graph().dependency_record(),
                    t.graph().dependency_record()
                );
                let general = outcome(&bytes, false).unwrap();
                assert_eq!(general.0, bytes);
            }
            let text = String::from_utf8(written(&small)).unwrap();
            assert_eq!(
                text.contains("\"dependencies\":"),
                record != crate::DependencyRecord::Recorded
            );
        }
        let bad = String::from_utf8(written(&mixed_trace()))
            .unwrap()
            .replacen("]},\n\"run\"", "],\"dependencies\":\"some\"},\n\"run\"", 1);
        let err = Trace::from_slice(bad.as_bytes(), "bad.json").unwrap_err();
        assert!(
            err.to_string().contains("graph.dependencies is \"some\""),
            "{err}"
        );
    }

    #[test]
    fn reserved_arg_keys_are_refused() {
        let mut b = TraceBuilder::new(RunMeta::default());
        let err = b
            .add_span_arg(crate::SpanId(0), "status", crate::ArgValue::Int(1))
            .unwrap_err();
        assert!(err.to_string().contains("\"status\""), "{err}");
        assert!(b.set_run_arg("title", crate::ArgValue::Int(1)).is_err());
        assert!(b.set_run_arg("dask", crate::ArgValue::Int(1)).is_ok());
    }

    #[test]
    fn fast_and_general_paths_read_our_files_alike() {
        let with_args = golden_with_args();
        let fast = outcome(&with_args, true).unwrap();
        assert_eq!(fast, outcome(&with_args, false).unwrap());
        let back = Trace::from_slice(&with_args, "a.json").unwrap();
        assert_eq!(back.span_args().len(), 5, "{}", args_text(&back));
        assert_eq!(
            back.task_arg(TaskId(3), "exception")
                .and_then(crate::ArgValue::as_str),
            Some("ZeroDivisionError('1')")
        );
        assert!(back.run_args().get("dask").is_some());
        for bytes in [GOLDEN.to_vec(), written(&mixed_trace())] {
            let fast = outcome(&bytes, true).unwrap();
            assert_eq!(fast, outcome(&bytes, false).unwrap());
            assert_eq!(fast.0, bytes, "reading and rewriting gives the same bytes");
        }
        // The older layout (spans found by key) reads alike too, as today's layout.
        let old = outcome(GOLDEN_SPAN_KEYS, true).unwrap();
        assert_eq!(old, outcome(GOLDEN_SPAN_KEYS, false).unwrap());
        assert_eq!(old.0, GOLDEN);
        // The mixed trace really has what it claims (else the test above proves less).
        let back = Trace::from_slice(&written(&mixed_trace()), "m.json").unwrap();
        assert_eq!(back.graph().key(TaskId(1)), Some("q\"uote"));
        assert_eq!(back.spans().iter().filter(|s| s.unclosed).count(), 1);
        assert_eq!(back.lane_spans(LaneId(0)).len(), 3);
    }

    /// Tokens that stress the fast path's lexer.
    const TOKENS: &[&str] = &[
        "\\",
        "\"",
        "{",
        "}",
        "]",
        ",",
        " ",
        "0",
        "-",
        "1e5",
        ".5",
        "\\u0041",
        "\"depth\":70000,",
        "\"x\":1,",
        "\u{0}",
        "\u{1}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn fast_and_general_paths_agree_on_damaged_files(
            seed in 0..4usize,
            mutations in proptest::collection::vec(mutation(TOKENS, 6), 1..4),
        ) {
            let seed = match seed {
                0 => GOLDEN.to_vec(),
                1 => GOLDEN_SPAN_KEYS.to_vec(),
                2 => golden_with_args(),
                _ => written(&mixed_trace()),
            };
            let bytes = apply(&seed, &mutations);
            prop_assert_eq!(outcome(&bytes, true), outcome(&bytes, false));
        }
    }
}
