//! Do other viewers draw a taskscope file's dependencies as arrows?
//!
//! [`check`] parses a trace file (Chrome Trace Event JSON, object form, with the
//! `taskscope` object), replays the two flow-binding rules that matter —
//! Perfetto's JSON importer (`perfetto.rs`) and Chrome DevTools' trace engine
//! (`devtools.rs`) — and compares the arrows each would draw with the graph embedded
//! in the file: every dependency whose two tasks have spans must be one arrow, from a
//! slice of the producer to a slice of the consumer, in both.
//!
//! Slices are tied to tasks by their `args.task` (the task's index in the embedded
//! graph) or, failing that, `args.key`. The replays are models of the viewers' code,
//! read from their sources; `scripts/check_flows_node.sh` runs DevTools' engine itself.
//!
//! This module decides nothing about how files are written; it only reads them.

mod devtools;
mod events;
mod perfetto;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::Value;

use events::Event;

/// A file that cannot be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The bytes are not JSON.
    #[error("{file}: not JSON: {source}")]
    Json {
        /// The file's name, as given.
        file: String,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// The JSON is not a trace with an embedded taskscope graph.
    #[error("{file}: {problem}")]
    Shape {
        /// The file's name, as given.
        file: String,
        /// What is missing or malformed.
        problem: String,
    },
}

/// A slice an arrow ends at: the `X` event and the task it is a span of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SliceRef {
    /// Position of the event in `traceEvents`.
    pub event: usize,
    /// The task of the embedded graph, when the event names one.
    pub task: Option<u32>,
}

/// One arrow a viewer draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// Where it leaves.
    pub from: SliceRef,
    /// Where it enters.
    pub to: SliceRef,
}

/// What one viewer draws, measured against the graph.
#[derive(Clone, Debug, Default)]
pub struct ViewerArrows {
    /// Every arrow, in the viewer's order.
    pub arrows: Vec<Arrow>,
    /// Dependencies drawn as an arrow from the producer's slice to the consumer's.
    pub matching: usize,
    /// Dependencies (producer, consumer) with no such arrow.
    pub missing: Vec<(u32, u32)>,
    /// Arrows that are no dependency (or a dependency drawn once too often), as
    /// (from task, to task).
    pub unexpected: Vec<(Option<u32>, Option<u32>)>,
}

impl ViewerArrows {
    fn measure(
        pairs: &[(usize, usize)],
        slices: &HashMap<usize, Option<u32>>,
        edges: &[(u32, u32)],
    ) -> Self {
        let slice = |event: usize| SliceRef {
            event,
            task: slices.get(&event).copied().flatten(),
        };
        let arrows: Vec<Arrow> = pairs
            .iter()
            .map(|&(from, to)| Arrow {
                from: slice(from),
                to: slice(to),
            })
            .collect();
        let mut wanted: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        for &edge in edges {
            *wanted.entry(edge).or_default() += 1;
        }
        let mut matching = 0;
        let mut unexpected = Vec::new();
        for arrow in &arrows {
            let pair = (arrow.from.task, arrow.to.task);
            let left = match pair {
                (Some(a), Some(b)) => wanted.get_mut(&(a, b)).filter(|n| **n > 0),
                _ => None,
            };
            match left {
                Some(n) => {
                    *n -= 1;
                    matching += 1;
                }
                None => unexpected.push(pair),
            }
        }
        let missing = wanted
            .into_iter()
            .flat_map(|(edge, n)| std::iter::repeat_n(edge, n))
            .collect();
        Self {
            arrows,
            matching,
            missing,
            unexpected,
        }
    }

    /// Every dependency is drawn once, and nothing else.
    pub fn is_exact(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// The outcome of [`check`] for one file.
#[derive(Clone, Debug)]
pub struct FlowCheck {
    /// The file's name, as given.
    pub file: String,
    /// Dependencies of the embedded graph whose two tasks have spans.
    pub dependencies: usize,
    /// What Perfetto's JSON importer draws.
    pub perfetto: ViewerArrows,
    /// What Chrome DevTools' trace engine draws.
    pub devtools: ViewerArrows,
    /// Broken rules: missing fields, unnested slices, flows that bind to nothing or to
    /// a slice that already ended, duplicate flow keys.
    pub problems: Vec<String>,
}

impl FlowCheck {
    /// Both viewers draw every dependency as one arrow, and the file breaks no rule.
    pub fn is_exact(&self) -> bool {
        self.problems.is_empty() && self.perfetto.is_exact() && self.devtools.is_exact()
    }
}

impl fmt::Display for FlowCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} dependencies with both tasks run",
            self.file, self.dependencies
        )?;
        for (viewer, v) in [("Perfetto", &self.perfetto), ("DevTools", &self.devtools)] {
            writeln!(
                f,
                "  {viewer}: {} arrows, {} of them dependencies; {} dependencies without an arrow {:?}; {} arrows that are none {:?}",
                v.arrows.len(),
                v.matching,
                v.missing.len(),
                v.missing.iter().take(5).collect::<Vec<_>>(),
                v.unexpected.len(),
                v.unexpected.iter().take(5).collect::<Vec<_>>(),
            )?;
        }
        writeln!(f, "  {} problems", self.problems.len())?;
        for p in self.problems.iter().take(10) {
            writeln!(f, "    {p}")?;
        }
        Ok(())
    }
}

/// Replays both viewers on the file `json` (named `file` in messages) and measures their
/// arrows against its embedded graph.
///
/// # Complexity
/// O(N log N + V + E) for N events, V tasks and E dependencies.
pub fn check(json: &[u8], file: &str) -> Result<FlowCheck, CheckError> {
    let shape = |problem: &str| CheckError::Shape {
        file: file.to_owned(),
        problem: problem.to_owned(),
    };
    let doc: Value = serde_json::from_slice(json).map_err(|source| CheckError::Json {
        file: file.to_owned(),
        source,
    })?;
    let raw_events = doc
        .get("traceEvents")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("no traceEvents array"))?;
    let graph = Graph::parse(&doc).map_err(|p| shape(&p))?;
    let events: Vec<Event> = raw_events
        .iter()
        .enumerate()
        .map(|(i, v)| Event::parse(i, v))
        .collect();

    let mut problems = Vec::new();
    let mut slices: HashMap<usize, Option<u32>> = HashMap::new();
    let mut spanned = vec![false; graph.keys.len()];
    // A task's slice: its X, or the B of a streamed file's task seen running (closed by an E).
    for e in events.iter().filter(|e| e.phase == "X" || e.phase == "B") {
        let task = e
            .task_index
            .and_then(|i| u32::try_from(i).ok())
            .filter(|&i| (i as usize) < graph.keys.len())
            .or_else(|| e.task_key.as_deref().and_then(|k| graph.first_with_key(k)));
        match task {
            Some(t) => {
                if let Some(s) = spanned.get_mut(t as usize) {
                    *s = true;
                }
            }
            None => problems.push(format!("{}: names no task of the graph", e.describe())),
        }
        slices.insert(e.index, task);
    }
    for e in events.iter().filter(|e| e.is_flow()) {
        for (field, present) in [
            ("ts", e.ts_ns.is_some()),
            ("id", e.id_u64.is_some()),
            ("cat", e.cat.is_some()),
            ("name", e.name.is_some()),
            ("pid", e.binding[1] != events::JsValue::Undefined),
            ("tid", e.binding[2] != events::JsValue::Undefined),
        ] {
            if !present {
                problems.push(format!("{}: no {field}", e.describe()));
            }
        }
    }
    let edges = graph.run_edges(&spanned);
    let perfetto = perfetto::replay(&events);
    problems.extend(perfetto.problems.iter().map(|p| format!("Perfetto: {p}")));
    let devtools = devtools::replay(&events);
    Ok(FlowCheck {
        file: file.to_owned(),
        dependencies: edges.len(),
        perfetto: ViewerArrows::measure(&perfetto.arrows, &slices, &edges),
        devtools: ViewerArrows::measure(&devtools, &slices, &edges),
        problems,
    })
}

/// Asserts that both viewers draw every dependency of the file `json` as one arrow and
/// nothing else, and that the file breaks none of their rules; returns the check.
///
/// # Panics
/// When the file cannot be checked or is not exact, with the check's report.
pub fn assert_every_dependency_is_an_arrow(json: &[u8], file: &str) -> FlowCheck {
    let result = match check(json, file) {
        Ok(result) => result,
        Err(e) => panic!("{e}"),
    };
    assert!(result.is_exact(), "{result}");
    result
}

/// The graph embedded in a taskscope file.
struct Graph {
    keys: Vec<String>,
    deps: Vec<Vec<u32>>,
    first_index: HashMap<String, u32>,
}

impl Graph {
    fn parse(doc: &Value) -> Result<Self, String> {
        let tasks = doc
            .pointer("/taskscope/graph/tasks")
            .and_then(Value::as_array)
            .ok_or("no taskscope.graph.tasks array (not a taskscope file?)")?;
        let mut keys = Vec::with_capacity(tasks.len());
        let mut first_index = HashMap::new();
        for (i, task) in tasks.iter().enumerate() {
            let key = task
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("task {i} of the graph has no key"))?;
            first_index.entry(key.to_owned()).or_insert(i as u32);
            keys.push(key.to_owned());
        }
        let mut deps = Vec::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            let list = task.get("deps").and_then(Value::as_array);
            let mut resolved = Vec::new();
            for dep in list.into_iter().flatten() {
                let index = match dep {
                    Value::String(k) => first_index.get(k).copied(),
                    other => other.as_u64().and_then(|d| u32::try_from(d).ok()),
                }
                .filter(|&d| (d as usize) < keys.len())
                .ok_or_else(|| format!("task {i} of the graph depends on {dep}, no task"))?;
                resolved.push(index);
            }
            deps.push(resolved);
        }
        Ok(Self {
            keys,
            deps,
            first_index,
        })
    }

    fn first_with_key(&self, key: &str) -> Option<u32> {
        self.first_index.get(key).copied()
    }

    /// (producer, consumer) for each dependency whose two tasks have spans.
    fn run_edges(&self, spanned: &[bool]) -> Vec<(u32, u32)> {
        let ran = |t: u32| spanned.get(t as usize).copied().unwrap_or(false);
        let mut edges = Vec::new();
        for (consumer, deps) in self.deps.iter().enumerate() {
            let consumer = consumer as u32;
            if !ran(consumer) {
                continue;
            }
            edges.extend(deps.iter().filter(|&&d| ran(d)).map(|&d| (d, consumer)));
        }
        edges
    }
}

#[cfg(test)]
mod tests;
