//! Graph assembly for foreign traces: one task per span (or per key), dependencies from
//! flow arrows, optionally merged with a graph file (e.g. Dask's task list).
//!
//! This module decides task identity for files that have no graph of their own.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::gather::{LaneInfo, PendingSpan};
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

/// Adds the graph's tasks (and one task per span key not in it) to `b`, returning each span's task.
///
/// Spans with the same key share a task; spans without a key get a generated key
/// `pid:tid:n` (the n-th span of that lane), which is unique and stable for a given file.
/// Tasks not in the graph depend on the tasks whose spans have an arrow into theirs.
///
/// # Complexity
/// O(V + S + A log A) for V graph tasks, S spans and A arrows.
pub(crate) fn assign_tasks(
    b: &mut TraceBuilder,
    spans: &[PendingSpan<'_>],
    names: &[Cow<'_, str>],
    lanes: &[LaneInfo<'_>],
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
    // Task of each span; new tasks are (key, name index, state).
    let mut new_tasks: Vec<(Cow<'_, str>, u32, TaskState)> = Vec::new();
    let mut span_task = Vec::with_capacity(spans.len());
    let mut ordinal: FxHashMap<u32, u32> = FxHashMap::default();
    let mut spans_not_in_graph = 0u32;
    for span in spans {
        let n = ordinal.entry(span.lane).or_insert(0);
        let key: Cow<'_, str> = if let Some(k) = &span.key {
            Cow::Borrowed(k.as_ref())
        } else {
            let (pid, tid) = lanes
                .get(span.lane as usize)
                .map_or(("", ""), |l| (&*l.pid, &*l.tid));
            Cow::Owned(format!("{pid}:{tid}:{n}"))
        };
        *n += 1;
        let task = if let Some(&t) = key_map.get(key.as_ref()) {
            t
        } else {
            let t = (graph_len + new_tasks.len()) as u32;
            if external.is_some() {
                spans_not_in_graph += 1;
            }
            key_map.insert(key.clone(), t);
            new_tasks.push((key, span.name, span.state.unwrap_or_default()));
            t
        };
        span_task.push(task);
    }
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
    for (i, (key, name, state)) in new_tasks.iter().enumerate() {
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
        let name = names.get(*name as usize).map_or("", |n| n.as_ref());
        graph.add_task(key, name, deps, *state)?;
    }
    if missing_deps > 0 {
        diagnostics.push(format!(
            "{missing_deps} dependencies in the graph file name keys that are not tasks of it (ignored)"
        ));
    }
    Ok(span_task.into_iter().map(TaskId).collect())
}
