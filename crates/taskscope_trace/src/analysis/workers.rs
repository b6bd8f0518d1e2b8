//! Where each worker's time went: compute, transfer, disk read, disk write,
//! deserialize (and anything else a file labels), summed over the worker's lanes.
//!
//! Only top-level spans (depth 0) are summed, so nested slices are not counted
//! twice. Times of different kinds may overlap in wall time (a transfer on an io
//! lane while a thread computes): each is the sum of that kind's span lengths, not a
//! share of the wall time. Workers are [`crate::index::Workers`].

use serde::Serialize;

use crate::index::Workers;
use crate::model::{SpanId, SpanKind, Trace};

/// Time one worker spent on each kind of span, in ns, with counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct WorkerStats {
    /// The worker's process name.
    pub name: String,
    /// Its cluster address, if known.
    pub address: Option<String>,
    /// How many of its lanes run tasks.
    pub threads: u32,
    /// How many compute spans ran on it.
    pub compute_spans: u64,
    /// Sum of its compute spans, in ns.
    pub compute_ns: u64,
    /// How many transfers it received.
    pub transfers_in: u64,
    /// Sum of the transfers it received, in ns.
    pub transfer_ns: u64,
    /// How many transfers other workers received from it (by their `source` arg).
    pub transfers_out: u64,
    /// Sum of its disk reads, in ns.
    pub disk_read_ns: u64,
    /// Sum of its disk writes, in ns.
    pub disk_write_ns: u64,
    /// Sum of its deserializations, in ns.
    pub deserialize_ns: u64,
    /// Sum of its spans of other kinds, in ns.
    pub other_ns: u64,
}

impl WorkerStats {
    /// Time in everything but compute, in ns.
    pub fn overhead_ns(&self) -> u64 {
        self.transfer_ns + self.disk_read_ns + self.disk_write_ns + self.deserialize_ns
    }
}

/// Per-worker statistics of `trace`, in the order of [`Workers::all`].
///
/// # Complexity
/// O(S) time, O(W) memory for S spans and W workers.
pub fn worker_stats(trace: &Trace, workers: &Workers) -> Vec<WorkerStats> {
    let mut stats: Vec<WorkerStats> = workers
        .all()
        .iter()
        .map(|w| WorkerStats {
            name: w.name.clone(),
            address: w.address.clone(),
            threads: w.thread_lanes.len() as u32,
            ..WorkerStats::default()
        })
        .collect();
    for (i, span) in trace.spans().iter().enumerate() {
        if span.depth > 0 {
            continue;
        }
        let Some(s) = workers
            .of_lane(span.lane)
            .and_then(|w| stats.get_mut(w as usize))
        else {
            continue;
        };
        let d = span.duration_ns();
        match span.kind {
            SpanKind::Compute => {
                s.compute_spans += 1;
                s.compute_ns += d;
            }
            SpanKind::Transfer => {
                s.transfers_in += 1;
                s.transfer_ns += d;
            }
            SpanKind::DiskRead => s.disk_read_ns += d,
            SpanKind::DiskWrite => s.disk_write_ns += d,
            SpanKind::Deserialize => s.deserialize_ns += d,
            SpanKind::Other => s.other_ns += d,
        }
        if span.kind == SpanKind::Transfer
            && let Some(from) = workers
                .source_of(trace, SpanId(i as u32))
                .and_then(|w| stats.get_mut(w as usize))
        {
            from.transfers_out += 1;
        }
    }
    stats
}
