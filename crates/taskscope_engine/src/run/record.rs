//! Recording: the span clock, what a scheduler reports about a run, and the trace
//! assembled from it.
//!
//! Spans are recorded by `RunState::run_task` into per-lane buffers (`LaneSpans`,
//! one per worker, no sharing); this module turns them into a
//! [`Trace`] once the run is over. A different recorder (a streaming one, or a
//! `tracing` layer) would hook in at the same two places: where a span is pushed,
//! and here, where a finished run's lanes become a trace.

use std::sync::{Arc, OnceLock};

use taskscope_trace::{Lane, ModelError, RunMeta, SourceFormat, Span, TaskId, Trace, TraceBuilder};

use super::{LaneSpans, RunState};

/// The process-wide calibrated clock (TSC-based where available; a reading costs
/// ~7 ns on bare metal, ~23 ns in the VM these benchmarks ran in).
pub(crate) fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// What a scheduler reports about a finished run.
pub(crate) struct RunRecord {
    pub(crate) scheduler: &'static str,
    /// Spans per worker lane.
    /// Spans per worker lane, in nanoseconds since the run started.
    pub(crate) lanes: Vec<LaneSpans>,
    pub(crate) wall_ns: u64,
    pub(crate) started_at_unix_ns: Option<i64>,
}

/// Assembles the trace of a finished run from its graph (every task `Done`; shared, and
/// copied only for a failed run, whose tasks get their states) and spans.
///
/// The spans are not copied but handed over: the first lane's buffer (reserved for every
/// task of the run) becomes the trace's, and the other lanes' spans are appended to it;
/// their buffers stay in `record` (emptied), for the next run. The trace's spans are
/// sorted by lane and start as recorded, so building it moves nothing either.
pub(crate) fn build_trace(
    state: &RunState<'_>,
    graph: Arc<taskscope_trace::Graph>,
    record: &mut RunRecord,
) -> Result<Trace, ModelError> {
    let meta = RunMeta {
        scheduler: Some(record.scheduler.to_owned()),
        workers: Some(record.lanes.len() as u32),
        wall_ns: record.wall_ns,
        host: host_name().map(str::to_owned),
        started_at_unix_ns: record.started_at_unix_ns,
        source: SourceFormat::Engine,
        ..RunMeta::default()
    };
    let mut builder = TraceBuilder::with_shared_graph(meta, graph);
    for (task, task_state) in state.unfinished_states() {
        builder.graph_mut().set_state(TaskId(task), task_state);
    }
    let mut spans: Option<Vec<Span>> = None;
    for (index, lane) in record.lanes.iter_mut().enumerate() {
        // Lanes get ids 0, 1, … in the order they are added: the ids the spans carry.
        builder.add_lane(worker_lane(index, record.scheduler))?;
        match &mut spans {
            // The first lane with spans gives its buffer (it has room for every task).
            None if !lane.is_empty() => spans = Some(std::mem::take(lane)),
            None => {}
            Some(all) => {
                all.extend_from_slice(lane);
                lane.clear();
            }
        }
    }
    if let Some(spans) = spans {
        builder.append_spans(spans)?;
    }
    builder.build()
}

/// The trace lane of worker `index` of a `scheduler` run (`threads` or `sequential`).
pub(crate) fn worker_lane(index: usize, scheduler: &str) -> Lane {
    Lane {
        name: format!("worker {index}"),
        process: format!("taskscope {scheduler}"),
        sort_index: index as i64,
        is_async: false,
    }
}

/// The host's name, looked up once.
fn host_name() -> Option<&'static str> {
    static HOST: OnceLock<Option<String>> = OnceLock::new();
    HOST.get_or_init(|| {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
    })
    .as_deref()
}

/// Unix time now, in ns.
pub(crate) fn unix_now_ns() -> Option<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(since.as_nanos()).ok()
}
