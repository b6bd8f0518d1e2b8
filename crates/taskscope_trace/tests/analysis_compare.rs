//! Comparison of two runs on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, dask_total_on_two_threads};
use taskscope_trace::analysis::{MatchedBy, Side, compare};
use taskscope_trace::{RunMeta, Trace};

/// The `total` graph run serially on one lane, each task 1 s.
fn total_serial() -> Trace {
    let mut t = Crafted::new(1);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 0, S, 2 * S);
    t.task_run("z", "add", &["x", "y"], 0, 2 * S, 3 * S);
    t.task_run("x2", "inc", &[], 0, 3 * S, 4 * S);
    t.task_run("y2", "inc", &[], 0, 4 * S, 5 * S);
    t.task_run("z2", "add", &["x2", "y2"], 0, 5 * S, 6 * S);
    t.task_run("total", "add", &["z", "z2"], 0, 6 * S, 7 * S);
    t.build()
}

#[test]
fn serial_versus_two_threads_by_key() {
    let c = compare(&total_serial(), &dask_total_on_two_threads());
    assert_eq!((c.a.wall_ns, c.b.wall_ns), (7 * S, 5 * S));
    assert_eq!((c.a.workers, c.b.workers), (1, 2));
    assert_eq!((c.a.critical_path_ns, c.b.critical_path_ns), (3 * S, 3 * S));
    assert_eq!(c.faster, Side::B);
    assert_eq!(c.speedup, Some(1.4));
    assert_eq!(c.parallel_efficiency, Some(0.7));
    // 7 s of work over a 3 s critical path.
    assert_eq!(c.critical_path_speedup, Some(7.0 / 3.0));
    assert_eq!((c.matched_by_key, c.matched_by_name), (7, 0));
    assert_eq!((c.only_in_a, c.only_in_b), (0, 0));
    assert_eq!(c.changes.len(), 7);
    assert!(
        c.changes
            .iter()
            .all(|ch| ch.change_ns == 0 && ch.matched_by == MatchedBy::Key)
    );
    assert!(c.top_slowdowns.is_empty());
}

#[test]
fn the_faster_run_can_be_a() {
    let c = compare(&dask_total_on_two_threads(), &total_serial());
    assert_eq!(c.faster, Side::A);
    assert_eq!(c.speedup, Some(1.4));
    assert_eq!(c.parallel_efficiency, Some(0.7));
}

/// A chain reduction, keyed like Dask (`inc-<uuid>`) or like taskscope (`inc-3`):
/// 4 `inc` roots folded by 3 `mul`s, with the given durations per step.
fn prod_chain(keys: &str, inc_ns: [u64; 4], mul_ns: [u64; 3], lanes: usize) -> Trace {
    let mut t = Crafted::with_meta(lanes, RunMeta::default());
    let key = |name: &str, i: usize| format!("{name}-{keys}{i}");
    let mut clock = 0;
    for (i, d) in inc_ns.iter().enumerate() {
        t.task_run(&key("inc", i), "inc", &[], i % lanes, 0, *d);
        clock = clock.max(*d);
    }
    let mut previous = key("inc", 0);
    for (j, d) in mul_ns.iter().enumerate() {
        let other = key("inc", j + 1);
        let k = key("mul", j);
        t.task_run(&k, "mul", &[&previous, &other], 0, clock, clock + d);
        clock += d;
        previous = k;
    }
    t.build()
}

#[test]
fn different_keys_match_by_name_and_depth() {
    let a = prod_chain("uuid-", [MS; 4], [10 * MS, 20 * MS, 30 * MS], 1);
    // Run B: same graph, other keys; the second `mul` got 5 ms slower, the third 1 ms faster.
    let b = prod_chain("", [MS; 4], [10 * MS, 25 * MS, 29 * MS], 2);
    let c = compare(&a, &b);
    assert_eq!((c.matched_by_key, c.matched_by_name), (0, 7));
    assert_eq!((c.only_in_a, c.only_in_b), (0, 0));
    // Each `mul` pairs with the one at the same depth of the chain.
    let muls: Vec<(String, String, i64)> = c
        .changes
        .iter()
        .filter(|ch| ch.name == "mul")
        .map(|ch| (ch.a_key.clone(), ch.b_key.clone(), ch.change_ns))
        .collect();
    assert_eq!(
        muls,
        vec![
            ("mul-uuid-0".into(), "mul-0".into(), 0),
            ("mul-uuid-1".into(), "mul-1".into(), 5 * MS as i64),
            ("mul-uuid-2".into(), "mul-2".into(), -(MS as i64)),
        ]
    );
    assert!(
        c.changes
            .iter()
            .all(|ch| ch.matched_by == MatchedBy::NameOrder)
    );
    assert_eq!(c.total_slowdown_ns, 5 * MS);
    assert_eq!(c.total_speedup_ns, MS);
    assert_eq!(c.top_slowdowns.len(), 1);
    assert_eq!(c.top_slowdowns[0].a_key, "mul-uuid-1");
    assert_eq!(c.top_slowdowns_ns, 5 * MS);
}

#[test]
fn keys_first_then_names_and_unmatched_counts() {
    let mut a = Crafted::new(1);
    a.task_run("load", "load", &[], 0, 0, 10 * MS);
    a.task_run("finalize-aaa", "finalize", &["load"], 0, 10 * MS, 11 * MS);
    a.task_run("extra", "extra", &[], 0, 11 * MS, 12 * MS);
    let mut b = Crafted::new(1);
    b.task_run("load", "load", &[], 0, 0, 30 * MS);
    b.task_run("finalize-bbb", "finalize", &["load"], 0, 30 * MS, 32 * MS);
    b.task_run("new", "new", &[], 0, 32 * MS, 33 * MS);
    b.task_run("new2", "new", &[], 0, 33 * MS, 34 * MS);
    let c = compare(&a.build(), &b.build());
    assert_eq!((c.matched_by_key, c.matched_by_name), (1, 1));
    assert_eq!((c.only_in_a, c.only_in_b), (1, 2));
    let fin = c.changes.iter().find(|ch| ch.name == "finalize").unwrap();
    assert_eq!(
        (fin.a_key.as_str(), fin.b_key.as_str()),
        ("finalize-aaa", "finalize-bbb")
    );
    assert_eq!(fin.matched_by, MatchedBy::NameOrder);
    // 20 ms of the 21 ms lost is `load`: it alone passes 80%.
    assert_eq!(c.total_slowdown_ns, 21 * MS);
    let top: Vec<&str> = c.top_slowdowns.iter().map(|ch| ch.a_key.as_str()).collect();
    assert_eq!(top, ["load"]);
    assert_eq!(c.faster, Side::A);
}

#[test]
fn top_slowdowns_stop_at_eighty_percent() {
    let mut a = Crafted::new(1);
    let mut b = Crafted::new(1);
    // Slowdowns of 4, 3, 2, 1 ms: 4 + 3 = 70% < 80%, 4 + 3 + 2 = 90%.
    for (i, slower) in [4u64, 3, 2, 1].iter().enumerate() {
        let key = format!("t{i}");
        let start = i as u64 * 10 * MS;
        a.task_run(&key, "f", &[], 0, start, start + MS);
        b.task_run(&key, "f", &[], 0, start, start + MS + slower * MS);
    }
    let c = compare(&a.build(), &b.build());
    let top: Vec<&str> = c.top_slowdowns.iter().map(|ch| ch.a_key.as_str()).collect();
    assert_eq!(top, ["t0", "t1", "t2"]);
    assert_eq!(c.top_slowdowns_ns, 9 * MS);
}

#[test]
fn comparison_serializes_deterministically() {
    let one =
        serde_json::to_string(&compare(&total_serial(), &dask_total_on_two_threads())).unwrap();
    let two =
        serde_json::to_string(&compare(&total_serial(), &dask_total_on_two_threads())).unwrap();
    assert_eq!(one, two);
    assert!(
        one.starts_with(r#"{"a":{"title":null,"wall_ns":7000000000,"workers":1,"#),
        "{one}"
    );
    assert!(one.contains(r#""faster":"b""#));
    assert!(one.contains(r#""matched_by":"key""#));
}
