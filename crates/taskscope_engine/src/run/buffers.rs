//! The buffers of one run, kept by a pool for its next run: the per-task slots and
//! the per-lane span buffers.

use taskscope_trace::Span;

use crate::slots::TaskBuffers;

/// A lane's spans, in nanoseconds since the run started.
pub(crate) type LaneSpans = Vec<Span>;

/// Everything a run needs per task and per lane; a pool keeps one for its next run.
pub(crate) struct RunBuffers {
    pub(crate) tasks: TaskBuffers,
    /// One span buffer per lane (cleared, capacity kept).
    pub(crate) lanes: Vec<LaneSpans>,
}

impl Default for RunBuffers {
    /// Empty buffers; they grow on first use.
    fn default() -> Self {
        Self {
            tasks: TaskBuffers::with_capacity(0),
            lanes: Vec::new(),
        }
    }
}

impl RunBuffers {
    /// Readies the buffers for a run of `tasks` tasks on `lanes` lanes.
    ///
    /// # Complexity
    /// O(`tasks`): zeroes the counters (a `memset`); allocates only when `tasks` is more
    /// than any earlier run had.
    pub(crate) fn prepare(&mut self, tasks: usize, lanes: usize) {
        self.tasks.prepare(tasks);
        self.lanes.resize_with(lanes, Vec::new);
        self.lanes.truncate(lanes);
        for lane in &mut self.lanes {
            lane.clear();
        }
    }
}

/// Asks the kernel to back the part of `spare` that covers whole 2 MiB blocks with huge
/// pages when it is first written (Linux, `madvise(MADV_HUGEPAGE)`; transparent huge pages
/// in `madvise` mode): a run's fresh span buffer then faults once per 2 MiB instead of
/// once per 4 KiB. Only a hint: nothing changes where it is refused or missing.
pub(crate) fn advise_huge_pages<T>(spare: &mut [std::mem::MaybeUninit<T>]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = spare.as_mut_ptr() as usize;
        let end = start.saturating_add(std::mem::size_of_val(spare)) & !(HUGE - 1);
        let first = start.saturating_add(HUGE - 1) & !(HUGE - 1);
        if end > first {
            // SAFETY: the range lies within `spare`'s memory, which we may write; this
            // advice changes neither its contents nor its protection, only how the kernel
            // backs pages not yet touched (an error is ignored: it is a hint).
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = spare;
}

#[cfg(test)]
mod tests {
    use super::advise_huge_pages;

    /// The hint changes no contents, whatever the buffer's size and alignment: spans
    /// written after it read back as written, and spans written before it stay.
    #[test]
    fn advising_huge_pages_keeps_what_is_written() {
        for len in [0_usize, 1, 1000, 70_000, 300_000] {
            let mut spans: Vec<u64> = Vec::with_capacity(len + 16);
            spans.extend(0..16);
            advise_huge_pages(spans.spare_capacity_mut());
            spans.extend((16..len as u64 + 16).map(|i| i * 3));
            assert!(spans.iter().take(16).copied().eq(0..16));
            assert!(
                spans
                    .iter()
                    .skip(16)
                    .copied()
                    .eq((16..len as u64 + 16).map(|i| i * 3))
            );
        }
    }
}
