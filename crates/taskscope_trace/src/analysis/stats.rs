//! Duration statistics per task name (`inc`, `add`, …).
//!
//! Only tasks that ran are counted; a task's duration is measured as described
//! in [`crate::analysis`].

use serde::Serialize;

use super::context::TaskTimes;
use crate::model::{TaskId, Trace};

/// Duration statistics of the tasks sharing one name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NameStats {
    /// The task name.
    pub name: String,
    /// How many tasks of this name ran.
    pub count: u64,
    /// Sum of their durations, in ns: their inclusive time (calls nested in them
    /// included, as profilers count it).
    pub total_ns: u64,
    /// Sum of their self times, in ns: the time one of their spans was the innermost
    /// open one of its lane (see [`crate::index::TaskTimes::self_ns`]). The self times
    /// of all names add up to the run's work.
    pub self_ns: u64,
    /// `total_ns / count`, rounded down, in ns.
    pub mean_ns: u64,
    /// The median duration, in ns (the mean of the two middle values, rounded down, for an even count).
    pub median_ns: u64,
    /// The 95th percentile by the nearest-rank method (the ⌈0.95·count⌉-th smallest), in ns.
    pub p95_ns: u64,
    /// The longest duration, in ns.
    pub max_ns: u64,
    /// `self_ns` over the run's work (the time lanes were busy, each instant counted
    /// once per lane): the share of busy time spent in these tasks' own code; 0 when
    /// there is no work. The shares of all names add up to 1.
    pub share: f64,
}

/// Per-name statistics of `trace`, sorted by total duration (largest first), then by name.
///
/// # Complexity
/// O(S + V log V) time, O(V) memory.
pub fn name_stats(trace: &Trace) -> Vec<NameStats> {
    name_stats_with(trace, &TaskTimes::new(trace))
}

/// [`name_stats`] with the task times already measured.
pub(crate) fn name_stats_with(trace: &Trace, times: &TaskTimes) -> Vec<NameStats> {
    let graph = trace.graph();
    // (name id, duration, self time) for every task that ran, grouped by sorting.
    let mut pairs: Vec<(u32, u64, u64)> = graph
        .tasks()
        .filter(|&t| times.ran(t))
        .map(|t| {
            (
                graph.name_id(t).map_or(u32::MAX, |n| n.0),
                times.duration(t),
                times.self_ns(t).unwrap_or(0),
            )
        })
        .collect();
    pairs.sort_unstable();
    let total_work = times.total_work_ns;
    let mut stats: Vec<NameStats> = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|group| {
            let durations: Vec<u64> = group.iter().map(|&(_, d, _)| d).collect();
            let self_ns = group.iter().fold(0u64, |a, &(_, _, s)| a.saturating_add(s));
            let (&(name_id, _, _), summary) = (group.first()?, summarize(&durations)?);
            let name = graph
                .names()
                .get(crate::model::NameId(name_id))
                .unwrap_or_default()
                .to_owned();
            Some(NameStats {
                name,
                share: if total_work > 0 {
                    self_ns as f64 / total_work as f64
                } else {
                    0.0
                },
                count: summary.count,
                total_ns: summary.total_ns,
                self_ns,
                mean_ns: summary.mean_ns,
                median_ns: summary.median_ns,
                p95_ns: summary.p95_ns,
                max_ns: summary.max_ns,
            })
        })
        .collect();
    stats.sort_by(|a, b| {
        b.total_ns
            .cmp(&a.total_ns)
            .then_with(|| a.name.cmp(&b.name))
    });
    stats
}

/// Order statistics of a sorted list of durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) count: u64,
    pub(crate) total_ns: u64,
    pub(crate) mean_ns: u64,
    pub(crate) median_ns: u64,
    pub(crate) p95_ns: u64,
    pub(crate) max_ns: u64,
}

/// Summarizes durations that are **sorted ascending**; `None` for an empty list.
pub(crate) fn summarize(sorted: &[u64]) -> Option<Summary> {
    let count = sorted.len();
    let max_ns = *sorted.last()?;
    let total = sorted.iter().fold(0u128, |a, &d| a + u128::from(d));
    let mid = count / 2;
    let median_ns = if count % 2 == 1 {
        *sorted.get(mid)?
    } else {
        let lo = u128::from(*sorted.get(mid - 1)?);
        let hi = u128::from(*sorted.get(mid)?);
        u64::try_from(u128::midpoint(lo, hi)).unwrap_or(u64::MAX)
    };
    // Nearest rank: the ceil(0.95 n)-th smallest, 1-based.
    let rank = (count * 95).div_ceil(100).max(1);
    let p95_ns = *sorted.get(rank - 1)?;
    Some(Summary {
        count: count as u64,
        total_ns: u64::try_from(total).unwrap_or(u64::MAX),
        mean_ns: u64::try_from(total / count as u128).unwrap_or(u64::MAX),
        median_ns,
        p95_ns,
        max_ns,
    })
}

/// The median of `values` (sorting a copy), `None` when empty.
pub(crate) fn median_of(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    summarize(&values).map(|s| s.median_ns)
}

/// Tasks that ran, with their durations, in id order.
pub(crate) fn ran_tasks(times: &TaskTimes) -> impl Iterator<Item = (TaskId, u64)> + '_ {
    (0..times.duration_ns.len())
        .map(|t| TaskId(t as u32))
        .filter(|&t| times.ran(t))
        .map(|t| (t, times.duration(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_lists() {
        let s = summarize(&[1, 2, 3, 4]).unwrap();
        assert_eq!((s.count, s.total_ns, s.mean_ns), (4, 10, 2));
        assert_eq!((s.median_ns, s.p95_ns, s.max_ns), (2, 4, 4));
        let s = summarize(&[5]).unwrap();
        assert_eq!((s.median_ns, s.p95_ns, s.max_ns), (5, 5, 5));
        let twenty: Vec<u64> = (1..=20).collect();
        // ceil(0.95 * 20) = 19th smallest.
        assert_eq!(summarize(&twenty).unwrap().p95_ns, 19);
        let hundred_one: Vec<u64> = (1..=101).collect();
        // ceil(0.95 * 101) = 96th smallest.
        assert_eq!(summarize(&hundred_one).unwrap().p95_ns, 96);
        assert_eq!(summarize(&[]), None);
        assert_eq!(median_of(vec![9, 1, 5]), Some(5));
    }
}
