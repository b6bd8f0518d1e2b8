//! How many lanes were busy over time, and how busy each lane was.
//!
//! A lane is **busy** while any of its spans is open, whatever the span's kind
//! (a transfer occupies a Dask worker thread as much as a compute does). Nested
//! spans (depth > 0) and overlapping spans of one lane are merged first, so a
//! lane never counts twice: the "running tasks" count is the number of busy
//! lanes. This module does not judge whether idle time was avoidable; the
//! advisor does.

use serde::Serialize;

use super::critical_path::ratio;
use super::ser;
use crate::model::{LaneId, Trace};

/// Busy and idle time of one lane.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneUsage {
    /// The lane.
    #[serde(serialize_with = "ser::lane_id")]
    pub lane: LaneId,
    /// Its name, e.g. `worker 0`.
    pub name: String,
    /// How many spans it has (at any depth).
    pub spans: u64,
    /// Time with at least one span open, in ns (nested spans counted once).
    pub busy_ns: u64,
    /// `wall_ns - busy_ns` (0 if the spans outlast the wall time).
    pub idle_ns: u64,
    /// `busy_ns / wall_ns` (`None` if the wall time is 0).
    pub utilisation: Option<f64>,
}

/// The concurrency of a run over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConcurrencyProfile {
    /// The run's wall time ([`Trace::wall_ns`]).
    pub wall_ns: u64,
    /// A step function `(ts_ns, running)`: from `ts_ns` on, `running` lanes are busy,
    /// until the next step. Only changes are listed, in time order; the count is 0
    /// before the first step and after the last (whose count is 0).
    pub steps: Vec<(u64, u32)>,
    /// The largest number of lanes busy at once.
    pub max_running: u32,
    /// Busy time summed over all lanes, in ns.
    pub busy_ns: u64,
    /// `busy_ns / wall_ns`: the mean number of busy lanes over the run (`None` if the wall time is 0).
    pub average_parallelism: Option<f64>,
    /// `busy_ns / (lanes × wall_ns)` (`None` if there are no lanes or the wall time is 0).
    pub utilisation: Option<f64>,
    /// Every lane of the trace, in id order (lanes without spans too: they were idle).
    pub lanes: Vec<LaneUsage>,
}

/// Computes the concurrency profile of `trace`.
///
/// # Complexity
/// O(S log L) time for S spans on L lanes (spans are already sorted per lane;
/// the per-lane busy intervals are merged with a run-adaptive sort), O(S) memory.
pub fn concurrency_profile(trace: &Trace) -> ConcurrencyProfile {
    let wall_ns = trace.wall_ns();
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    let mut lanes = Vec::with_capacity(trace.lanes().len());
    let mut busy_total = 0u64;
    for (i, lane) in trace.lanes().iter().enumerate() {
        let id = LaneId(i as u32);
        let mut busy_ns = 0u64;
        for (start, end) in busy_intervals(trace, id) {
            busy_ns = busy_ns.saturating_add(end - start);
            starts.push(start);
            ends.push(end);
        }
        busy_total = busy_total.saturating_add(busy_ns);
        lanes.push(LaneUsage {
            lane: id,
            name: lane.name.clone(),
            spans: trace.lane_span_range(id).len() as u64,
            busy_ns,
            idle_ns: wall_ns.saturating_sub(busy_ns),
            utilisation: ratio(busy_ns, wall_ns),
        });
    }
    sort_runs(&mut starts);
    sort_runs(&mut ends);
    let (steps, max_running) = step_function(&starts, &ends);
    let lane_time = (trace.lanes().len() as u64).saturating_mul(wall_ns);
    ConcurrencyProfile {
        wall_ns,
        steps,
        max_running,
        busy_ns: busy_total,
        average_parallelism: ratio(busy_total, wall_ns),
        utilisation: ratio(busy_total, lane_time),
        lanes,
    }
}

/// The merged busy intervals `[start, end)` of one lane, ascending and disjoint
/// (touching intervals are joined; zero-length spans are dropped).
///
/// # Complexity
/// O(spans of the lane), lazily.
pub(crate) fn busy_intervals(trace: &Trace, lane: LaneId) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut spans = trace
        .lane_spans(lane)
        .iter()
        .filter(|s| s.end_ns > s.start_ns)
        .peekable();
    std::iter::from_fn(move || {
        let first = spans.next()?;
        let start = first.start_ns;
        let mut end = first.end_ns;
        while let Some(next) = spans.next_if(|s| s.start_ns <= end) {
            end = end.max(next.end_ns);
        }
        Some((start, end))
    })
}

/// Sorts values made of a few ascending runs (one per lane).
///
/// # Complexity
/// O(n log r) for r runs: the standard library's stable sort detects and merges
/// existing runs, where the unstable sort would start over.
#[allow(
    clippy::stable_sort_primitive,
    reason = "the stable sort merges the per-lane ascending runs in O(n log lanes)"
)]
fn sort_runs(values: &mut [u64]) {
    values.sort();
}

/// Turns sorted interval starts and ends into `(ts, count)` changes and the maximum count.
fn step_function(starts: &[u64], ends: &[u64]) -> (Vec<(u64, u32)>, u32) {
    let mut steps = Vec::new();
    let mut count: i64 = 0;
    let mut max = 0i64;
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        let next = match (starts.get(i), ends.get(j)) {
            (Some(&s), Some(&e)) => s.min(e),
            (Some(&s), None) => s,
            (None, Some(&e)) => e,
            (None, None) => break,
        };
        while starts.get(i) == Some(&next) {
            count += 1;
            i += 1;
        }
        while ends.get(j) == Some(&next) {
            count -= 1;
            j += 1;
        }
        max = max.max(count);
        let count_u32 = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
        if steps.last().map(|&(_, c)| c) != Some(count_u32) {
            steps.push((next, count_u32));
        }
    }
    (steps, u32::try_from(max).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_merge_simultaneous_changes() {
        // Lane A busy 0..10, lane B busy 10..20: the hand-over at 10 is no change.
        let (steps, max) = step_function(&[0, 10], &[10, 20]);
        assert_eq!(steps, vec![(0, 1), (20, 0)]);
        assert_eq!(max, 1);
        let (steps, max) = step_function(&[0, 5], &[10, 20]);
        assert_eq!(steps, vec![(0, 1), (5, 2), (10, 1), (20, 0)]);
        assert_eq!(max, 2);
        assert_eq!(step_function(&[], &[]), (vec![], 0));
    }
}
