//! What the timeline precomputes once per trace: lane order and grouping, and the
//! culling index. (The concurrency step function is the trace index's.)

use std::ops::Range;

use taskscope_trace::{LaneId, Trace};

use super::lod::{LaneLod, MAX_DEPTH_ROWS};

/// One lane as displayed: which lane, and how many nesting rows it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneRow {
    /// The lane.
    pub lane: LaneId,
    /// Nesting rows (1 for a lane without nested spans).
    pub depth_rows: u16,
    /// Index of its group in [`TimelineModel::groups`].
    pub group: usize,
}

/// Lanes of one process (or host), shown under one header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessGroup {
    /// The process name (may be empty).
    pub name: String,
    /// Its rows, as a range into [`TimelineModel::rows`].
    pub rows: Range<usize>,
}

/// The timeline's per-trace precomputation.
#[derive(Clone, Debug, Default)]
pub struct TimelineModel {
    rows: Vec<LaneRow>,
    groups: Vec<ProcessGroup>,
    lane_row: Vec<usize>,
    lods: Vec<LaneLod>,
    start_ns: u64,
    end_ns: u64,
    workers: u32,
}

impl TimelineModel {
    /// Precomputes the timeline of `trace`.
    ///
    /// Lanes are grouped by process (groups in name order) and ordered by
    /// `sort_index`, then id, within a group.
    ///
    /// # Complexity
    /// O(S + L log L) time, O(S) memory.
    pub fn new(trace: &Trace) -> Self {
        let lanes = trace.lanes();
        let mut order: Vec<usize> = (0..lanes.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| lanes.get(i).map(|l| (l.process.as_str(), l.sort_index));
            key(a).cmp(&key(b)).then(a.cmp(&b))
        });
        let mut rows = Vec::with_capacity(order.len());
        let mut groups: Vec<ProcessGroup> = Vec::new();
        let mut lane_row = vec![usize::MAX; lanes.len()];
        for index in order {
            let Some(lane) = lanes.get(index) else {
                continue;
            };
            let lane_id = LaneId(index as u32);
            let row = rows.len();
            match groups.last_mut() {
                Some(group) if group.name == lane.process => group.rows.end = row + 1,
                _ => groups.push(ProcessGroup {
                    name: lane.process.clone(),
                    rows: row..row + 1,
                }),
            }
            let max_depth = trace
                .lane_spans(lane_id)
                .iter()
                .map(|s| s.depth)
                .max()
                .unwrap_or(0)
                .min(MAX_DEPTH_ROWS - 1);
            rows.push(LaneRow {
                lane: lane_id,
                depth_rows: max_depth + 1,
                group: groups.len() - 1,
            });
            if let Some(slot) = lane_row.get_mut(index) {
                *slot = row;
            }
        }

        let lods = (0..lanes.len())
            .map(|index| {
                LaneLod::new(trace.lane_spans(LaneId(index as u32)), |s| {
                    Self::span_key(trace, s)
                })
            })
            .collect();

        let workers = trace
            .meta()
            .workers
            .unwrap_or_else(|| lanes.iter().filter(|l| !l.is_async).count() as u32);
        Self {
            rows,
            groups,
            lane_row,
            lods,
            start_ns: trace.start_ns(),
            end_ns: trace.end_ns().max(trace.wall_ns()),
            workers,
        }
    }

    /// Lanes in display order.
    pub fn rows(&self) -> &[LaneRow] {
        &self.rows
    }

    /// Process groups in display order.
    pub fn groups(&self) -> &[ProcessGroup] {
        &self.groups
    }

    /// The display row of `lane`.
    pub fn row_of(&self, lane: LaneId) -> Option<usize> {
        self.lane_row
            .get(lane.index())
            .copied()
            .filter(|&r| r != usize::MAX)
    }

    /// The level-of-detail index of `lane`'s spans (keyed by [`TimelineModel::span_key`]).
    pub fn lane_lod(&self, lane: LaneId) -> Option<&LaneLod> {
        self.lods.get(lane.index())
    }

    /// The colour key of a span used by the level-of-detail index: its task's name id.
    pub fn span_key(trace: &Trace, span: &taskscope_trace::Span) -> u32 {
        trace.graph().name_id(span.task).map_or(u32::MAX, |n| n.0)
    }

    /// The earliest span start.
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// The latest span end (or the recorded wall time, if later).
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// How many workers ran the trace (recorded, or the number of thread lanes).
    pub fn workers(&self) -> u32 {
        self.workers
    }
}
