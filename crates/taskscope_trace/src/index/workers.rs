//! Workers: the lanes of a trace grouped by the process that owns them, with the
//! address each worker has on a cluster, so that a transfer's `source` arg (the
//! address of the worker that held the data) can be resolved to a worker and its
//! lanes.
//!
//! A worker is a distinct [`Lane::process`](crate::Lane) (Dask's recorder names them
//! `worker N (tcp://…)`, its task-stream reader `worker tcp://…`; the engine has one
//! process). Its address comes from the run arg `dask` (`cluster.lanes[]`, each
//! `{lane, worker, thread}`, `thread` null on io lanes) when the trace has it, else
//! from the first `scheme://…` token of the process name. An **io lane** is one that
//! `cluster.lanes` marks with a null thread, or, without that table, one whose name
//! ends in ` io` or ` io N`: it holds transfers and disk spans, not tasks' compute.
//!
//! This module decides nothing about statistics or drawing; see
//! [`crate::analysis::worker_stats`] and `taskscope_layout`.

use rustc_hash::FxHashMap;

use super::times::TaskTimes;
use crate::model::{LaneId, SpanId, SpanKind, Trace};

/// One worker: a process and its lanes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    /// Its process name, as the lanes carry it.
    pub name: String,
    /// Its address on the cluster (`tcp://127.0.0.1:39441`), if known.
    pub address: Option<String>,
    /// Its lanes that run tasks, by ascending id.
    pub thread_lanes: Vec<LaneId>,
    /// Its lanes that hold transfers and disk spans, by ascending id.
    pub io_lanes: Vec<LaneId>,
}

/// The workers of a trace; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Workers {
    list: Vec<Worker>,
    of_lane: Vec<Option<u32>>,
    by_address: FxHashMap<String, u32>,
}

/// What `run.dask.cluster.lanes[i]` says of one lane.
struct ClusterLane {
    address: Option<String>,
    io: bool,
}

impl Workers {
    /// Groups the lanes of `trace` into workers, in order of each worker's first lane.
    ///
    /// # Complexity
    /// O(L + size of the run arg `dask`) for L lanes.
    pub fn new(trace: &Trace) -> Self {
        let cluster = cluster_lanes(trace);
        let mut out = Self::default();
        let mut by_process: FxHashMap<&str, u32> = FxHashMap::default();
        for (i, lane) in trace.lanes().iter().enumerate() {
            let id = LaneId(i as u32);
            let known = cluster.get(i).and_then(Option::as_ref);
            let w = *by_process.entry(&lane.process).or_insert_with(|| {
                out.list.push(Worker {
                    name: lane.process.clone(),
                    address: None,
                    thread_lanes: Vec::new(),
                    io_lanes: Vec::new(),
                });
                (out.list.len() - 1) as u32
            });
            let Some(worker) = out.list.get_mut(w as usize) else {
                continue;
            };
            if worker.address.is_none() {
                worker.address = known
                    .and_then(|c| c.address.clone())
                    .or_else(|| address_in(&lane.process).map(str::to_owned));
            }
            let io = known.map_or_else(|| is_io_lane_name(&lane.name), |c| c.io);
            if io {
                worker.io_lanes.push(id);
            } else {
                worker.thread_lanes.push(id);
            }
            out.of_lane.push(Some(w));
        }
        for (w, worker) in out.list.iter().enumerate() {
            if let Some(address) = &worker.address {
                out.by_address.entry(address.clone()).or_insert(w as u32);
            }
        }
        out
    }

    /// Whether `lane` of `trace` is a transfer lane: an io lane (see the module docs)
    /// that ran no compute span (a Dask worker's transfers and spills; a foreign thread
    /// merely named `… io` that computes is not one).
    ///
    /// # Complexity
    /// O(spans of the lane) for an io lane, O(1) otherwise.
    pub fn is_transfer_lane(&self, trace: &Trace, lane: LaneId) -> bool {
        self.is_io_lane(lane)
            && !trace
                .lane_spans(lane)
                .iter()
                .any(|s| s.kind == SpanKind::Compute)
    }

    /// How many workers ran `trace` (whose lanes these are, with `times` its task
    /// times): [`RunMeta::workers`](crate::RunMeta) when recorded and non-zero (an engine
    /// run, a finished file, a taskscope stream, whose lanes are announced worker
    /// threads), else the lanes that ran work, not counting async tracks and transfer
    /// lanes ([`Workers::is_transfer_lane`]); at least 1. The one count of workers every
    /// figure and picture uses.
    ///
    /// # Complexity
    /// O(L) for L lanes, plus the spans of io lanes.
    pub fn worker_count(&self, trace: &Trace, times: &TaskTimes) -> u32 {
        if let Some(workers) = trace.meta().workers.filter(|&w| w > 0) {
            return workers;
        }
        let working = trace
            .lanes()
            .iter()
            .enumerate()
            .filter(|&(i, lane)| {
                let id = LaneId(i as u32);
                !lane.is_async && times.lane_has_work(id) && !self.is_transfer_lane(trace, id)
            })
            .count();
        u32::try_from(working).unwrap_or(u32::MAX).max(1)
    }

    /// Every worker, in order of its first lane.
    pub fn all(&self) -> &[Worker] {
        &self.list
    }

    /// How many workers there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the trace has no lane.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Worker `w`.
    pub fn get(&self, w: u32) -> Option<&Worker> {
        self.list.get(w as usize)
    }

    /// The worker that owns `lane`.
    pub fn of_lane(&self, lane: LaneId) -> Option<u32> {
        self.of_lane.get(lane.index()).copied().flatten()
    }

    /// Whether `lane` is an io lane (see the module docs).
    pub fn is_io_lane(&self, lane: LaneId) -> bool {
        self.of_lane(lane)
            .and_then(|w| self.get(w))
            .is_some_and(|w| w.io_lanes.contains(&lane))
    }

    /// The worker with address `address`.
    pub fn by_address(&self, address: &str) -> Option<u32> {
        self.by_address.get(address).copied()
    }

    /// The worker a span's data came from: its `source` arg resolved to a worker
    /// (`None` for spans without one, or a sender the trace has no lane of).
    pub fn source_of(&self, trace: &Trace, span: SpanId) -> Option<u32> {
        self.by_address(trace.span_arg(span, "source")?.as_str()?)
    }
}

/// `run.dask.cluster.lanes` by lane index, when the trace has it.
fn cluster_lanes(trace: &Trace) -> Vec<Option<ClusterLane>> {
    let Some(text) = trace.run_args().get("dask").map(ToString::to_string) else {
        return Vec::new();
    };
    let Ok(dask) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let Some(lanes) = dask
        .get("cluster")
        .and_then(|c| c.get("lanes"))
        .and_then(serde_json::Value::as_array)
    else {
        return Vec::new();
    };
    let mut out: Vec<Option<ClusterLane>> = Vec::new();
    out.resize_with(trace.lanes().len(), || None);
    for entry in lanes {
        let Some(slot) = entry
            .get("lane")
            .and_then(serde_json::Value::as_u64)
            .and_then(|l| out.get_mut(usize::try_from(l).ok()?))
        else {
            continue;
        };
        *slot = Some(ClusterLane {
            address: entry
                .get("worker")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            io: entry.get("thread").is_some_and(serde_json::Value::is_null),
        });
    }
    out
}

/// The first `scheme://host:port` token of `text` (ended by a space, `)` or `,`).
fn address_in(text: &str) -> Option<&str> {
    let at = text.find("://")?;
    let start = text
        .get(..at)?
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let rest = text.get(at..)?;
    let end = at + rest.find([' ', ')', ',']).unwrap_or(rest.len());
    text.get(start..end)
        .filter(|a| a.len() > start.abs_diff(at) + 3)
}

/// Whether a lane name is the recorder's io lane: `… io` or `… io N`.
fn is_io_lane_name(name: &str) -> bool {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = if base.len() < name.len() {
        base.strip_suffix(' ').unwrap_or("")
    } else {
        name
    };
    base.ends_with(" io")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lane, RunMeta, SourceFormat, Span, SpanKind, TaskState, TraceBuilder};

    /// Lanes named `names`, each running one compute span but those listed in `idle`.
    fn lanes_trace(source: SourceFormat, names: &[&str], idle: &[usize]) -> Trace {
        let mut b = TraceBuilder::new(RunMeta {
            source,
            ..RunMeta::default()
        });
        for (i, name) in names.iter().enumerate() {
            let lane = b
                .add_lane(Lane {
                    name: (*name).to_owned(),
                    process: "app".to_owned(),
                    ..Lane::default()
                })
                .unwrap();
            if idle.contains(&i) {
                continue;
            }
            let task = b
                .graph_mut()
                .add_task(&format!("t{i}"), "t", [], TaskState::Done)
                .unwrap();
            b.add_span(Span {
                start_ns: 0,
                end_ns: 5,
                task,
                lane,
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        b.build().unwrap()
    }

    #[test]
    fn a_thread_named_io_that_computes_is_a_worker() {
        let trace = lanes_trace(SourceFormat::Chrome, &["net io", "disk io"], &[]);
        assert_eq!(crate::TraceIndex::new(&trace).worker_count(&trace), 2);
    }

    #[test]
    fn a_file_without_a_recorded_count_counts_the_lanes_that_ran_work() {
        // A `tracing` layer's file: four threads ran spans, a fifth only logged.
        let names = ["main", "t1", "t2", "t3", "progress"];
        let trace = lanes_trace(SourceFormat::Taskscope, &names, &[4]);
        assert_eq!(crate::TraceIndex::new(&trace).worker_count(&trace), 4);
    }

    #[test]
    fn addresses_and_io_lanes_are_found_in_names() {
        assert_eq!(
            address_in("worker 0 (tcp://127.0.0.1:39441)"),
            Some("tcp://127.0.0.1:39441")
        );
        assert_eq!(
            address_in("worker tcp://127.0.0.1:1"),
            Some("tcp://127.0.0.1:1")
        );
        assert_eq!(address_in("taskscope"), None);
        assert_eq!(address_in("odd ://"), None);
        for (name, io) in [
            ("worker 1 io", true),
            ("worker 1 io 2", true),
            ("worker 1 io2", false),
            ("worker 1 thread 0", false),
            ("io", false),
            ("radio", false),
        ] {
            assert_eq!(is_io_lane_name(name), io, "{name}");
        }
    }
}
