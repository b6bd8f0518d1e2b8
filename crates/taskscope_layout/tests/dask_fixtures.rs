//! Placeholder replaced below.
mod common;
#[test]
fn fixtures_load() {
    if let Some(g) = common::dask_graph("xyz") {
        assert_eq!(g.len(), 3);
    }
}
