//! Graph assembly for foreign traces: one task per span (or per key), dependencies from
//! flow arrows, optionally merged with a graph file (e.g. Dask's task list).
//!
//! This module decides task identity for files that have no graph of their own.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::gather::PendingSpan;
use crate::model::{ModelError, TaskId, TaskState, TraceBuilder};

/// A task of a graph file: key, name, dependency keys, state.
pub(crate) struct GraphTask<'a> {
    pub key: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub deps: Vec<Cow<'a, str>>,
    pub state: TaskState,
}

/// A task graph read from a graph file, before it is combined with spans.
#[derive(Default)]
pub(crate) struct GraphSpec<'a> {
    pub tasks: Vec<GraphTask<'a>>,
}

/// The key of a task [`assign_tasks`] adds for spans.
enum NewKey<'a> {
    /// A key read from the file (or generated and looked up).
    Given(Cow<'a, str>),
    /// A generated key not looked up: `name-lane:n` for the `n`-th span of `lane`.
    Made { lane: u32, n: u32 },
}

/// Adds the graph's tasks (and one task per span key not in it) to `b`, returning each span's task.
///
/// Spans with the same key share a task; spans without a key get a generated key
/// `name-lane:n`: the span's name, its lane's number (lanes are numbered as they first
/// appear) and its place among that lane's spans. Generated keys are unique (what
/// follows the last `-` is two numbers) and stable for a file and as it grows, and their
/// key prefix ([`key_split`](crate::index::key_split)) is the span's name (its first
/// words): tasks of a file without keys are grouped by name, as Perfetto groups slices,
/// rather than each in a group of its own. (A file that also gives keys could give one
/// of them: that span then joins the task with that key.)
/// Tasks not in the graph depend on the tasks whose spans have an arrow into theirs.
///
/// # Complexity
/// O(V + S + A log A) for V graph tasks, S spans and A arrows.
pub(crate) fn assign_tasks(
    b: &mut TraceBuilder,
    spans: &[PendingSpan<'_>],
    names: &[Cow<'_, str>],
    arrows: &[(u32, u32)],
    external: Option<&GraphSpec<'_>>,
    diagnostics: &mut Vec<String>,
) -> Result<Vec<TaskId>, ModelError> {
    let mut key_map: FxHashMap<Cow<'_, str>, u32> = FxHashMap::default();
    let graph_len = external.map_or(0, |g| g.tasks.len());
    if let Some(g) = external {
        key_map.reserve(g.tasks.len());
        for (i, t) in g.tasks.iter().enumerate() {
            key_map
                .entry(Cow::Borrowed(t.key.as_ref()))
                .or_insert(i as u32);
        }
        if key_map.len() < g.tasks.len() {
            diagnostics.push(
                "the graph file repeats some keys; spans go to the first task with their key"
                    .to_owned(),
            );
        }
    }
    let SpanTasks {
        new_tasks,
        span_task,
        spans_not_in_graph,
    } = span_tasks(spans, names, external.is_some(), graph_len, &mut key_map);
    if spans_not_in_graph > 0 {
        diagnostics.push(format!(
            "{spans_not_in_graph} tasks with spans are not in the graph file; they were added without dependencies from it"
        ));
    }

    // Dependencies of new tasks from arrows (producer span -> consumer span).
    let mut edges: Vec<(u32, u32)> = arrows
        .iter()
        .filter_map(|&(from, to)| {
            let producer = *span_task.get(from as usize)?;
            let consumer = *span_task.get(to as usize)?;
            (producer != consumer && consumer as usize >= graph_len).then_some((consumer, producer))
        })
        .collect();
    edges.sort_unstable();
    edges.dedup();

    let graph = b.graph_mut();
    let mut missing_deps = 0u32;
    if let Some(g) = external {
        for t in &g.tasks {
            let mut deps = Vec::with_capacity(t.deps.len());
            for d in &t.deps {
                match key_map.get(d.as_ref()) {
                    Some(&id) => deps.push(TaskId(id)),
                    None => missing_deps += 1,
                }
            }
            graph.add_task(&t.key, &t.name, deps, t.state)?;
        }
    }
    let mut e = 0;
    let mut made = String::new();
    for (i, (key, name_index, state)) in new_tasks.iter().enumerate() {
        let id = (graph_len + i) as u32;
        let start = e;
        while edges.get(e).is_some_and(|&(c, _)| c == id) {
            e += 1;
        }
        let deps = edges
            .get(start..e)
            .unwrap_or(&[])
            .iter()
            .map(|&(_, p)| TaskId(p));
        let name = names.get(*name_index as usize).map_or("", |n| n.as_ref());
        let key = match key {
            NewKey::Given(k) => k.as_ref(),
            NewKey::Made { lane, n } => {
                write_made_key(&mut made, name, *lane, *n);
                made.as_str()
            }
        };
        graph.add_task(key, name, deps, *state)?;
    }
    if missing_deps > 0 {
        diagnostics.push(format!(
            "{missing_deps} dependencies in the graph file name keys that are not tasks of it (ignored)"
        ));
    }
    Ok(span_task.into_iter().map(TaskId).collect())
}

/// What [`span_tasks`] finds: each span's task, and the tasks to add for spans.
struct SpanTasks<'a> {
    /// The tasks not in the graph file, in order: (key, name index, state).
    new_tasks: Vec<(NewKey<'a>, u32, TaskState)>,
    /// Each span's task.
    span_task: Vec<u32>,
    /// How many new tasks are not in a graph file given (`external`).
    spans_not_in_graph: u32,
}

/// Writes into `out` the generated key of the `n`-th span of `lane`, named `name` (see
/// [`assign_tasks`]).
fn write_made_key(out: &mut String, name: &str, lane: u32, n: u32) {
    // As `write!(out, "{name}-{lane}:{n}")`, without the formatting machinery (a live
    // snapshot of a plain Chrome file writes one key per span).
    let mut digits = itoa::Buffer::new();
    out.clear();
    out.push_str(name);
    out.push('-');
    out.push_str(digits.format(lane));
    out.push(':');
    out.push_str(digits.format(n));
}

/// The task of each span of [`assign_tasks`]: the task with its key (in `key_map`, the
/// graph file's keys, which it extends), else a new one (numbered from `graph_len`).
fn span_tasks<'a>(
    spans: &'a [PendingSpan<'_>],
    names: &'a [Cow<'_, str>],
    external: bool,
    graph_len: usize,
    key_map: &mut FxHashMap<Cow<'a, str>, u32>,
) -> SpanTasks<'a> {
    // Task of each span; new tasks are (key, name index, state).
    let mut new_tasks: Vec<(NewKey<'_>, u32, TaskState)> = Vec::new();
    let mut span_task = Vec::with_capacity(spans.len());
    // Spans seen so far per lane (lane numbers are small and dense).
    let mut ordinal: Vec<u32> = Vec::new();
    let mut spans_not_in_graph = 0u32;
    // Without any given key (a plain Chrome file), generated keys cannot meet a key of
    // the file: they are unique and need no lookup, and are written only as their task
    // is added.
    let lookup_made = external || spans.iter().any(|s| s.key.is_some());
    for span in spans {
        if ordinal.len() <= span.lane as usize {
            ordinal.resize(span.lane as usize + 1, 0);
        }
        let n = ordinal.get(span.lane as usize).copied().unwrap_or(0);
        if let Some(slot) = ordinal.get_mut(span.lane as usize) {
            *slot += 1;
        }
        let key: Cow<'_, str> = match &span.key {
            Some(k) => Cow::Borrowed(k.as_ref()),
            None if lookup_made => {
                let mut key = String::new();
                let name = names.get(span.name as usize).map_or("", |n| n.as_ref());
                write_made_key(&mut key, name, span.lane, n);
                Cow::Owned(key)
            }
            None => {
                let t = (graph_len + new_tasks.len()) as u32;
                let made = NewKey::Made { lane: span.lane, n };
                new_tasks.push((made, span.name, span.state.unwrap_or_default()));
                span_task.push(t);
                continue;
            }
        };
        let task = if let Some(&t) = key_map.get(key.as_ref()) {
            t
        } else {
            let t = (graph_len + new_tasks.len()) as u32;
            if external {
                spans_not_in_graph += 1;
            }
            key_map.insert(key.clone(), t);
            new_tasks.push((
                NewKey::Given(key),
                span.name,
                span.state.unwrap_or_default(),
            ));
            t
        };
        span_task.push(task);
    }
    SpanTasks {
        new_tasks,
        span_task,
        spans_not_in_graph,
    }
}
