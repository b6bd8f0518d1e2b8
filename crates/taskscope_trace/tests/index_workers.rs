//! The worker count of a live Dask run (`TraceIndex::worker_count`, `analysis::worker_count`).

#![allow(clippy::unwrap_used)]

use taskscope_trace::TraceIndex;

#[test]
fn workers_are_the_lanes_that_ran_work_not_io_lanes() {
    let trace = taskscope_fixtures::live_dask_run(None).unwrap();
    let index = TraceIndex::new(&trace);
    // The io lane's transfer of the running `b` is work of a task without a compute
    // span, but an io lane is no worker; the idle thread lane has done nothing yet.
    assert_eq!(index.worker_count(&trace), 1);
    assert_eq!(taskscope_trace::analysis::worker_count(&trace), 1);
    // Recorded, the run's own count stands.
    let trace = taskscope_fixtures::live_dask_run(Some(2)).unwrap();
    assert_eq!(TraceIndex::new(&trace).worker_count(&trace), 2);
}
