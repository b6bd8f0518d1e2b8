//! Per-name statistics on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, US};
use taskscope_trace::analysis::name_stats;

#[test]
fn statistics_per_name_sorted_by_total_then_name() {
    let mut t = Crafted::new(1);
    let mut clock = 0;
    let mut add = |t: &mut Crafted, key: &str, name: &str, d: u64| {
        t.task_run(key, name, &[], 0, clock, clock + d);
        clock += d;
    };
    // 20 `inc` of 1..=20 ms: total 210 ms.
    for i in 1..=20u64 {
        add(&mut t, &format!("inc-{i}"), "inc", i * MS);
    }
    // `add` and `mul` tie on total (100 ms): sorted by name.
    add(&mut t, "mul-1", "mul", 40 * MS);
    add(&mut t, "mul-2", "mul", 60 * MS);
    add(&mut t, "add-1", "add", 100 * MS);
    t.not_run("never", "zzz", &[]);
    let stats = name_stats(&t.build());
    let names: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["inc", "add", "mul"]);
    let inc = &stats[0];
    assert_eq!(inc.count, 20);
    assert_eq!(inc.total_ns, 210 * MS);
    assert_eq!(inc.mean_ns, 10_500 * US);
    assert_eq!(inc.median_ns, 10_500 * US);
    assert_eq!(inc.p95_ns, 19 * MS);
    assert_eq!(inc.max_ns, 20 * MS);
    assert!((inc.share - 210.0 / 410.0).abs() < 1e-12);
    let mul = &stats[2];
    assert_eq!(
        (mul.count, mul.median_ns, mul.p95_ns, mul.max_ns),
        (2, 50 * MS, 60 * MS, 60 * MS)
    );
    let total_share: f64 = stats.iter().map(|s| s.share).sum();
    assert!((total_share - 1.0).abs() < 1e-12);
}

#[test]
fn zero_work_gives_zero_shares() {
    let mut t = Crafted::new(1);
    t.task_run("a", "mul", &[], 0, 5, 5);
    let stats = name_stats(&t.build());
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].count, stats[0].total_ns, stats[0].share),
        (1, 0, 0.0)
    );
}
