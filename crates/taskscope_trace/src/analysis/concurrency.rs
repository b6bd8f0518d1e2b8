//! How many lanes were busy over time, and how busy each lane was.
//!
//! A lane is **busy** while any of its spans is open, whatever the span's kind
//! (a transfer occupies a Dask worker thread as much as a compute does). Nested
//! spans (depth > 0) and overlapping spans of one lane are merged first, so a
//! lane never counts twice: the "running tasks" count is the number of busy
//! lanes. This module does not judge whether idle time was avoidable; the
//! advisor does.
//!
//! The step function ([`ConcurrencySteps`]) keeps the maximum of every block of
//! [`STEP_BLOCK`] steps, so that the viewer's "running tasks" strip reduces a
//! million steps to one peak per pixel column without walking them all.

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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConcurrencyProfile {
    /// The run's wall time ([`Trace::wall_ns`]).
    pub wall_ns: u64,
    /// A step function `(ts_ns, running)`: from `ts_ns` on, `running` lanes are busy,
    /// until the next step. Only changes are listed, in time order; the count is 0
    /// before the first step and after the last (whose count is 0).
    pub steps: ConcurrencySteps,
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
    let steps = ConcurrencySteps::new(steps);
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

/// Steps per block of the block maxima of [`ConcurrencySteps`].
pub const STEP_BLOCK: usize = 64;

/// A step function of busy lanes over time, `(ts_ns, running)` pairs in time order
/// (it reads as a slice of them), with the maximum of every block of
/// [`STEP_BLOCK`] steps for fast range maxima.
///
/// Serialized as the list of pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcurrencySteps {
    steps: Vec<(u64, u32)>,
    block_max: Vec<u32>,
    peak: u32,
}

impl ConcurrencySteps {
    /// The step function of `steps` (sorted by time; from `steps[i].0` on,
    /// `steps[i].1` lanes are busy).
    ///
    /// # Complexity
    /// O(steps).
    pub fn new(steps: Vec<(u64, u32)>) -> Self {
        debug_assert!(
            steps.windows(2).all(|w| w[0].0 <= w[1].0),
            "steps are in time order"
        );
        let block_max: Vec<u32> = steps
            .chunks(STEP_BLOCK)
            .map(|c| c.iter().map(|s| s.1).max().unwrap_or(0))
            .collect();
        let peak = block_max.iter().copied().max().unwrap_or(0);
        Self {
            steps,
            block_max,
            peak,
        }
    }

    /// The highest count.
    pub fn peak(&self) -> u32 {
        self.peak
    }

    /// The first index at or after `from` whose step time fails `before` (all
    /// earlier ones pass), searching forward from `from`: galloping, then bisecting.
    ///
    /// # Complexity
    /// O(log d) for the distance d from `from` to the answer.
    fn gallop(&self, from: usize, before: impl Fn(u64) -> bool) -> usize {
        let len = self.steps.len();
        let passes = |i: usize| self.steps.get(i).is_some_and(|s| before(s.0));
        if from >= len || !passes(from) {
            return from.min(len);
        }
        // passes(lo) holds; grow the step until passes(lo + step) fails or the end.
        let mut lo = from;
        let mut step = 1usize;
        while lo + step < len && passes(lo + step) {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(len);
        let rest = self.steps.get(lo + 1..hi).unwrap_or(&[]);
        lo + 1 + rest.partition_point(|s| before(s.0))
    }

    /// How many lanes are busy at `t_ns`.
    ///
    /// # Complexity
    /// O(log steps).
    pub fn running_at(&self, t_ns: u64) -> u32 {
        let i = self.steps.partition_point(|&(t, _)| t <= t_ns);
        i.checked_sub(1)
            .and_then(|i| self.steps.get(i))
            .map_or(0, |s| s.1)
    }

    /// The maximum count of `steps[lo..=hi]`.
    fn range_max(&self, lo: usize, hi: usize) -> u32 {
        let count = |i: usize| self.steps.get(i).map_or(0, |s| s.1);
        let mut max = 0;
        let mut i = lo;
        while i <= hi && !i.is_multiple_of(STEP_BLOCK) {
            max = max.max(count(i));
            i += 1;
        }
        while i + STEP_BLOCK - 1 <= hi {
            max = max.max(self.block_max.get(i / STEP_BLOCK).copied().unwrap_or(0));
            i += STEP_BLOCK;
        }
        while i <= hi {
            max = max.max(count(i));
            i += 1;
        }
        max
    }

    /// The peak count in each of `columns` columns of `ns_per_column` ns from
    /// `start_ns`, written to `out` (cleared first): a burst shorter than a column
    /// still shows at its height.
    ///
    /// # Complexity
    /// O(columns × (log d + [`STEP_BLOCK`]) + N / [`STEP_BLOCK`]) time for N steps,
    /// d the steps per column: each search gallops forward from the previous column's.
    pub fn column_max(
        &self,
        start_ns: f64,
        ns_per_column: f64,
        columns: usize,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        out.reserve(columns);
        // Columns move forward in time, so each search starts where the last one ended.
        let mut base = 0usize;
        for c in 0..columns {
            let t0 = start_ns + c as f64 * ns_per_column;
            let t1 = t0 + ns_per_column;
            if t1 <= 0.0 {
                out.push(0);
                continue;
            }
            let t0 = t0.max(0.0) as u64;
            let t1 = t1.ceil() as u64;
            // The step in force at t0, then every step starting before t1.
            let first = self.gallop(base, |t| t <= t0).saturating_sub(1);
            let end = self.gallop(first, |t| t < t1);
            out.push(if end == 0 {
                0
            } else {
                self.range_max(first, end - 1)
            });
            base = first;
        }
    }
}

impl std::ops::Deref for ConcurrencySteps {
    type Target = [(u64, u32)];

    fn deref(&self) -> &[(u64, u32)] {
        &self.steps
    }
}

impl PartialEq<Vec<(u64, u32)>> for ConcurrencySteps {
    fn eq(&self, other: &Vec<(u64, u32)>) -> bool {
        self.steps == *other
    }
}

impl Serialize for ConcurrencySteps {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.steps.serialize(serializer)
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

    fn steps_of(counts: &[u32]) -> ConcurrencySteps {
        ConcurrencySteps::new(
            counts
                .iter()
                .enumerate()
                .map(|(i, &c)| (i as u64 * 10, c))
                .collect(),
        )
    }

    #[test]
    fn counts_at_an_instant_and_per_column() {
        // Two busy 0..10, one 10..20, none from 20 (as two incs, then an add).
        let p = ConcurrencySteps::new(vec![(0, 2), (9, 1), (20, 0)]);
        assert_eq!(p.peak(), 2);
        assert_eq!(p.running_at(5), 2);
        assert_eq!(p.running_at(9), 1);
        assert_eq!(p.running_at(15), 1);
        assert_eq!(p.running_at(25), 0);
        // A 1 ns burst of 3 inside a wide column still shows as 3.
        let p = ConcurrencySteps::new(vec![(0, 1), (50, 3), (51, 1), (100, 0), (200, 1), (300, 0)]);
        let mut out = Vec::new();
        p.column_max(0.0, 100.0, 4, &mut out);
        assert_eq!(out, vec![3, 0, 1, 0]);
        p.column_max(-200.0, 100.0, 2, &mut out);
        assert_eq!(out, vec![0, 0]);
    }

    #[test]
    fn galloping_columns_match_a_plain_scan() {
        // Random steps (several per ns, gaps, repeats) against a scan per column.
        let mut x: u64 = 99;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut steps = Vec::new();
        let mut t = 5;
        for _ in 0..5_000 {
            t += next() % 40;
            steps.push((t, (next() % 9) as u32));
        }
        let p = ConcurrencySteps::new(steps.clone());
        let plain = |t0: u64, t1: u64| {
            let in_force = p.running_at(t0);
            steps
                .iter()
                .filter(|&&(t, _)| t > t0 && t < t1)
                .map(|s| s.1)
                .fold(in_force, u32::max)
        };
        let mut out = Vec::new();
        for (start, per_column, columns) in
            [(0.0, 3.0, 400), (7_000.0, 0.5, 300), (-50.0, 900.0, 120)]
        {
            p.column_max(start, per_column, columns, &mut out);
            for (c, &got) in out.iter().enumerate() {
                let t0 = start + c as f64 * per_column;
                let t1 = t0 + per_column;
                let expected = if t1 <= 0.0 {
                    0
                } else {
                    plain(t0.max(0.0) as u64, t1.ceil() as u64)
                };
                assert_eq!(got, expected, "column {c} from {start}");
            }
        }
    }

    #[test]
    fn block_maxima_match_a_plain_scan() {
        let running: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 97).collect();
        let p = steps_of(&running);
        for (lo, hi) in [(0, 999), (3, 3), (63, 64), (5, 700), (128, 255)] {
            let expected = running[lo..=hi].iter().copied().max().unwrap();
            assert_eq!(p.range_max(lo, hi), expected, "{lo}..={hi}");
        }
        let mut out = Vec::new();
        p.column_max(0.0, 1000.0, 10, &mut out);
        for (c, v) in out.iter().enumerate() {
            // Column c covers steps c*100 ..= c*100+99 (plus the one in force at its start).
            let expected = running[c * 100..c * 100 + 100]
                .iter()
                .copied()
                .max()
                .unwrap();
            assert_eq!(*v, expected);
        }
    }
}
