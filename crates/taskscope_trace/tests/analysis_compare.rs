//! Comparison of two runs on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, dask_total_on_two_threads};
use taskscope_trace::analysis::{CompareOptions, MatchedBy, Side, compare, compare_with};
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
    assert_eq!(c.faster, Some(Side::B));
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
    assert_eq!(c.faster, Some(Side::A));
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
    assert_eq!(c.faster, Some(Side::A));
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

/// A tree reduction of `leaves` `inc`s by `add`s, each task `each_ns`, run on one lane.
fn tree(leaves: usize, each_ns: u64) -> Trace {
    let mut t = Crafted::new(1);
    let mut clock = 0;
    let mut level: Vec<String> = (0..leaves).map(|i| format!("inc-t{i}")).collect();
    for k in &level {
        t.task_run(k, "inc", &[], 0, clock, clock + each_ns);
        clock += each_ns;
    }
    let mut n = 0;
    while level.len() > 1 {
        let mut next = Vec::new();
        for pair in level.chunks(2) {
            let deps: Vec<&str> = pair.iter().map(String::as_str).collect();
            let k = format!("add-t{n}");
            n += 1;
            t.task_run(&k, "add", &deps, 0, clock, clock + each_ns);
            clock += each_ns;
            next.push(k);
        }
        level = next;
    }
    t.build()
}

#[test]
fn different_work_gets_no_speedup_unless_forced() {
    // The tutorial's 7 tasks against a 64-leaf tree reduction.
    let (a, b) = (total_serial(), tree(64, MS));
    let c = compare(&a, &b);
    assert!(!c.same_work);
    assert!(!c.forced);
    assert_eq!((c.speedup, c.parallel_efficiency), (None, None));
    // Every task of A finds a partner at the same place in the tree (the tutorial's
    // graph is a corner of a tree reduction), but 120 of B's do not.
    assert_eq!(c.matched_share_a, Some(1.0));
    assert_eq!(c.matched_share_b, Some(7.0 / 127.0));
    assert_eq!(
        c.faster,
        Some(Side::B),
        "the wall times still say which is shorter"
    );
    let json: serde_json::Value = serde_json::to_value(&c).unwrap();
    assert_eq!(json["same_work"], false);
    assert!(json["speedup"].is_null() && json["parallel_efficiency"].is_null());
    assert_eq!(
        c.verdict(),
        "A and B did different work: 7 of A's 7 tasks and 7 of B's 127 tasks found a \
         partner (the same work needs 90% of each). No speed-up or efficiency is given \
         between different work."
    );

    let forced = compare_with(&a, &b, &CompareOptions { force: true });
    assert!(forced.forced && !forced.same_work);
    assert_eq!(forced.speedup, Some(7000.0 / 127.0));
    assert!(
        forced
            .verdict()
            .contains("\nForced anyway: B is faster: speed-up 55.12×, relative efficiency"),
        "{}",
        forced.verdict()
    );
}

#[test]
fn equal_wall_times_read_same_wall_time() {
    let t = total_serial();
    let c = compare(&t, &t);
    assert!(c.same_work);
    assert_eq!(
        (c.faster, c.speedup, c.parallel_efficiency),
        (None, Some(1.0), Some(1.0))
    );
    assert_eq!(
        (c.matched_by_key, c.total_slowdown_ns, c.total_speedup_ns),
        (7, 0, 0)
    );
    assert_eq!(
        c.verdict(),
        "A and B took the same wall time, 7.00 s, relative efficiency 100% (speed-up × \
         A's 1 worker ÷ B's 1 worker). A's critical path allows at most 2.33× over serial \
         execution."
    );
}

#[test]
fn efficiency_above_full_names_the_change_of_work() {
    // B ran the same 7 tasks on 2 lanes, but each took half as long: 4× faster.
    let mut b = Crafted::new(2);
    let h = S / 2;
    b.task_run("x", "inc", &[], 0, 0, h);
    b.task_run("y", "inc", &[], 1, 0, h);
    b.task_run("x2", "inc", &[], 0, h, 2 * h);
    b.task_run("y2", "inc", &[], 1, h, 2 * h);
    b.task_run("z", "add", &["x", "y"], 0, 2 * h, 3 * h);
    b.task_run("z2", "add", &["x2", "y2"], 1, 2 * h, 3 * h);
    b.task_run("total", "add", &["z", "z2"], 0, 3 * h, 4 * h);
    let c = compare(&total_serial(), &b.build());
    assert!(c.same_work);
    assert_eq!(c.speedup, Some(3.5));
    assert_eq!(
        c.parallel_efficiency,
        Some(1.75),
        "3.5 × 1 worker ÷ 2 workers"
    );
    assert_eq!(
        c.verdict(),
        "B is faster: speed-up 3.50×, relative efficiency 175% (speed-up × A's 1 worker ÷ \
         B's 2 workers). A's critical path allows at most 2.33× over serial execution.\n\
         Efficiency above 100%: the tasks themselves got faster: total work fell by 50%, \
         from 7.00 s in A to 3.50 s in B."
    );
}

#[test]
fn same_names_at_other_places_do_not_pair() {
    // Both runs have one `add` of two `inc`s, but in B the add reads an `inc` and a `load`.
    let mut a = Crafted::new(1);
    a.task_run("a-1", "inc", &[], 0, 0, MS);
    a.task_run("a-2", "inc", &[], 0, MS, 2 * MS);
    a.task_run("a-3", "add", &["a-1", "a-2"], 0, 2 * MS, 3 * MS);
    let mut b = Crafted::new(1);
    b.task_run("b-1", "inc", &[], 0, 0, MS);
    b.task_run("b-2", "load", &[], 0, MS, 2 * MS);
    b.task_run("b-3", "add", &["b-1", "b-2"], 0, 2 * MS, 3 * MS);
    let c = compare(&a.build(), &b.build());
    assert_eq!(
        (c.matched_by_key, c.matched_by_name),
        (0, 1),
        "only one inc pairs"
    );
    assert!(!c.same_work);
}
