//! The data behind the concurrency strip: how many tasks run at each instant.
//!
//! [`ConcurrencyProfile`] is a step function (from `times_ns[i]` on, `running[i]`
//! tasks run), built from a trace's top-level spans or handed in from the
//! analysis crate through [`ConcurrencyProfile::from_steps`]. [`ConcurrencyProfile::column_max`]
//! reduces it to one value per pixel column (the peak in that column, so short
//! bursts stay visible when zoomed out), using per-block maxima so that a fully
//! zoomed-out frame does not walk millions of steps.

use taskscope_trace::Span;

/// Steps per block of the block-maximum index.
const BLOCK: usize = 64;

/// A step function of running tasks over time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcurrencyProfile {
    times_ns: Vec<u64>,
    running: Vec<u32>,
    block_max: Vec<u32>,
    peak: u32,
}

impl ConcurrencyProfile {
    /// The profile of `spans`, counting only top-level (depth 0) spans.
    ///
    /// # Complexity
    /// O(S log S) time, O(S) memory.
    pub fn from_spans(spans: &[Span]) -> Self {
        let mut events: Vec<(u64, i32)> = Vec::with_capacity(spans.len() * 2);
        for span in spans.iter().filter(|s| s.depth == 0) {
            events.push((span.start_ns, 1));
            events.push((span.end_ns, -1));
        }
        // Ends before starts at the same instant: back-to-back tasks do not count twice.
        events.sort_unstable();
        let mut times_ns = Vec::new();
        let mut running = Vec::new();
        let mut level: i64 = 0;
        let mut i = 0;
        while let Some(&(t, _)) = events.get(i) {
            while let Some(&(t2, delta)) = events.get(i) {
                if t2 != t {
                    break;
                }
                level += i64::from(delta);
                i += 1;
            }
            let value = u32::try_from(level.max(0)).unwrap_or(u32::MAX);
            if running.last() != Some(&value) {
                times_ns.push(t);
                running.push(value);
            }
        }
        Self::from_steps(times_ns, running)
    }

    /// A profile from steps computed elsewhere: from `times_ns[i]` on, `running[i]` tasks run.
    ///
    /// `times_ns` must be sorted; the shorter of the two vectors decides the length.
    pub fn from_steps(mut times_ns: Vec<u64>, mut running: Vec<u32>) -> Self {
        let len = times_ns.len().min(running.len());
        times_ns.truncate(len);
        running.truncate(len);
        let block_max = running
            .chunks(BLOCK)
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .collect();
        let peak = running.iter().copied().max().unwrap_or(0);
        Self {
            times_ns,
            running,
            block_max,
            peak,
        }
    }

    /// The highest number of tasks running at once.
    pub fn peak(&self) -> u32 {
        self.peak
    }

    /// The step times, in ns.
    pub fn times_ns(&self) -> &[u64] {
        &self.times_ns
    }

    /// The running count of each step.
    pub fn running(&self) -> &[u32] {
        &self.running
    }

    /// How many tasks run at `t_ns`.
    pub fn running_at(&self, t_ns: u64) -> u32 {
        let i = self.times_ns.partition_point(|&t| t <= t_ns);
        i.checked_sub(1)
            .and_then(|i| self.running.get(i).copied())
            .unwrap_or(0)
    }

    /// The maximum of `running[lo..=hi]`.
    fn range_max(&self, lo: usize, hi: usize) -> u32 {
        let mut max = 0;
        let mut i = lo;
        while i <= hi && !i.is_multiple_of(BLOCK) {
            max = max.max(self.running.get(i).copied().unwrap_or(0));
            i += 1;
        }
        while i + BLOCK - 1 <= hi {
            max = max.max(self.block_max.get(i / BLOCK).copied().unwrap_or(0));
            i += BLOCK;
        }
        while i <= hi {
            max = max.max(self.running.get(i).copied().unwrap_or(0));
            i += 1;
        }
        max
    }

    /// The peak running count in each of `columns` columns of `ns_per_column` ns from `start_ns`,
    /// written to `out` (cleared first).
    ///
    /// # Complexity
    /// O(columns × (log N + BLOCK) + N / BLOCK) time for N steps; the searches move
    /// forward through the steps, so memory is read mostly in order.
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
            let rest = self.times_ns.get(base..).unwrap_or(&[]);
            // The step in force at t0, then every step starting before t1.
            let first = (base + rest.partition_point(|&t| t <= t0)).saturating_sub(1);
            let end = base + rest.partition_point(|&t| t < t1);
            out.push(if end == 0 {
                0
            } else {
                self.range_max(first, end - 1)
            });
            base = first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{LaneId, SpanKind, TaskId};

    fn span(start_ns: u64, end_ns: u64) -> Span {
        Span {
            start_ns,
            end_ns,
            task: TaskId(0),
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        }
    }

    #[test]
    fn counts_overlaps() {
        // Two incs overlap 0..10, then add alone 10..20 (back to back: never 3).
        let p = ConcurrencyProfile::from_spans(&[span(0, 10), span(0, 9), span(10, 20)]);
        assert_eq!(p.times_ns(), &[0, 9, 20]);
        assert_eq!(p.running(), &[2, 1, 0]);
        assert_eq!(p.peak(), 2);
        assert_eq!(p.running_at(5), 2);
        assert_eq!(p.running_at(9), 1);
        assert_eq!(p.running_at(15), 1);
        assert_eq!(p.running_at(25), 0);
    }

    #[test]
    fn columns_keep_short_peaks() {
        // A 1 ns burst of 3 inside a wide column still shows as 3.
        let p = ConcurrencyProfile::from_spans(&[
            span(0, 100),
            span(50, 51),
            span(50, 51),
            span(200, 300),
        ]);
        let mut out = Vec::new();
        p.column_max(0.0, 100.0, 4, &mut out);
        assert_eq!(out, vec![3, 0, 1, 0]);
        p.column_max(-200.0, 100.0, 2, &mut out);
        assert_eq!(out, vec![0, 0]);
    }

    #[test]
    fn block_index_matches_a_plain_scan() {
        let running: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 97).collect();
        let times: Vec<u64> = (0..1000u64).map(|i| i * 10).collect();
        let p = ConcurrencyProfile::from_steps(times, running.clone());
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
