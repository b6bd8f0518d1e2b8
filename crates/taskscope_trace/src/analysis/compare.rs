//! Two runs side by side: typically the same graph run serially and in parallel,
//! or before and after a change.
//!
//! Tasks are matched across the runs by key first. Tasks left over on both sides
//! are then matched by name and occurrence order, so a Dask trace and a taskscope
//! trace of the same graph (whose keys differ) still line up: within one name,
//! tasks are ordered by their depth in the dependency graph (hops from a root),
//! then by first start, then by id, and paired in that order. Only tasks that ran
//! take part.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::context::Context;
use super::critical_path::{critical_path_ns, ratio};
use super::ser;
use super::simulate::workers_of;
use crate::model::{TaskId, Trace};

/// Which of the two compared runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The first run given.
    A,
    /// The second run given.
    B,
}

/// How two tasks were paired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Same key.
    Key,
    /// Same name, same rank in occurrence order.
    NameOrder,
}

/// The figures of one run in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// The run's title, if recorded.
    pub title: Option<String>,
    /// Wall time ([`Trace::wall_ns`]).
    pub wall_ns: u64,
    /// Workers ([`super::worker_count`]).
    pub workers: u32,
    /// Tasks that ran.
    pub tasks: u64,
    /// Sum of task durations, in ns.
    pub total_work_ns: u64,
    /// Critical path length, in ns.
    pub critical_path_ns: u64,
}

/// One matched task and how its duration changed from A to B.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskChange {
    /// The task in run A.
    #[serde(serialize_with = "ser::task_id")]
    pub a_task: TaskId,
    /// The task in run B.
    #[serde(serialize_with = "ser::task_id")]
    pub b_task: TaskId,
    /// The task's name (in run A).
    pub name: String,
    /// Its key in run A.
    pub a_key: String,
    /// Its key in run B.
    pub b_key: String,
    /// How the pair was found.
    pub matched_by: MatchedBy,
    /// Duration in A, in ns.
    pub a_duration_ns: u64,
    /// Duration in B, in ns.
    pub b_duration_ns: u64,
    /// `b_duration_ns - a_duration_ns` (positive: slower in B).
    pub change_ns: i64,
}

/// The comparison of run A with run B.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Run A's figures.
    pub a: RunSummary,
    /// Run B's figures.
    pub b: RunSummary,
    /// The run with the shorter wall time (B when equal).
    pub faster: Side,
    /// Slower wall time / faster wall time (≥ 1; `None` if the faster wall time is 0).
    pub speedup: Option<f64>,
    /// `speedup / workers of the faster run`.
    pub parallel_efficiency: Option<f64>,
    /// The speed-up the critical path allows: the slower run's total work divided
    /// by its critical path (no schedule on any number of workers can beat it).
    pub critical_path_speedup: Option<f64>,
    /// Pairs found by key.
    pub matched_by_key: u64,
    /// Pairs found by name and occurrence order.
    pub matched_by_name: u64,
    /// Tasks of A that ran and have no partner in B.
    pub only_in_a: u64,
    /// Tasks of B that ran and have no partner in A.
    pub only_in_b: u64,
    /// Every matched pair, in A's task order.
    pub changes: Vec<TaskChange>,
    /// Sum of all positive `change_ns` (time B's tasks lost against A's), in ns.
    pub total_slowdown_ns: u64,
    /// Sum of all negative `change_ns`, as a positive number, in ns.
    pub total_speedup_ns: u64,
    /// The fewest tasks (at most 10), largest slowdown first, whose slowdowns add up
    /// to at least 80% of `total_slowdown_ns`.
    pub top_slowdowns: Vec<TaskChange>,
    /// Sum of `top_slowdowns`' changes, in ns.
    pub top_slowdowns_ns: u64,
}

/// At most this many tasks in [`Comparison::top_slowdowns`].
const TOP_SLOWDOWNS: usize = 10;

/// Compares run `a` with run `b`.
///
/// # Complexity
/// O(S_a + S_b + (V_a + V_b) log(V_a + V_b) + E_a + E_b): one context per run,
/// hash maps for keys, sorts for name order.
pub fn compare(a: &Trace, b: &Trace) -> Comparison {
    let ca = Context::new(a);
    let cb = Context::new(b);
    let sa = summary(&ca);
    let sb = summary(&cb);
    let (faster, slower_summary, faster_summary) = if sb.wall_ns <= sa.wall_ns {
        (Side::B, &sa, &sb)
    } else {
        (Side::A, &sb, &sa)
    };
    let speedup = ratio(slower_summary.wall_ns, faster_summary.wall_ns);
    let parallel_efficiency = speedup.map(|s| s / f64::from(faster_summary.workers.max(1)));
    let critical_path_speedup = ratio(
        slower_summary.total_work_ns,
        slower_summary.critical_path_ns,
    );

    let pairs = match_tasks(&ca, &cb);
    let matched_by_key = pairs.iter().filter(|p| p.2 == MatchedBy::Key).count() as u64;
    let matched = pairs.len() as u64;
    let changes: Vec<TaskChange> = pairs
        .iter()
        .map(|&(ta, tb, how)| change(&ca, &cb, ta, tb, how))
        .collect();
    let total_slowdown_ns = changes
        .iter()
        .filter(|c| c.change_ns > 0)
        .fold(0u64, |s, c| s.saturating_add(c.change_ns.unsigned_abs()));
    let total_speedup_ns = changes
        .iter()
        .filter(|c| c.change_ns < 0)
        .fold(0u64, |s, c| s.saturating_add(c.change_ns.unsigned_abs()));
    let top_slowdowns = top_slowdowns(&changes, total_slowdown_ns);
    let top_slowdowns_ns = top_slowdowns
        .iter()
        .fold(0u64, |s, c| s.saturating_add(c.change_ns.unsigned_abs()));
    Comparison {
        only_in_a: sa.tasks.saturating_sub(matched),
        only_in_b: sb.tasks.saturating_sub(matched),
        a: sa,
        b: sb,
        faster,
        speedup,
        parallel_efficiency,
        critical_path_speedup,
        matched_by_key,
        matched_by_name: matched - matched_by_key,
        changes,
        total_slowdown_ns,
        total_speedup_ns,
        top_slowdowns,
        top_slowdowns_ns,
    }
}

fn summary(ctx: &Context<'_>) -> RunSummary {
    let critical_path_ns = critical_path_ns(ctx);
    RunSummary {
        title: ctx.trace.meta().title.clone(),
        wall_ns: ctx.trace.wall_ns(),
        workers: workers_of(ctx.trace, &ctx.times),
        tasks: ctx.times.ran_count as u64,
        total_work_ns: ctx.times.total_work_ns,
        critical_path_ns,
    }
}

fn change(
    ca: &Context<'_>,
    cb: &Context<'_>,
    ta: TaskId,
    tb: TaskId,
    how: MatchedBy,
) -> TaskChange {
    let a_duration_ns = ca.times.duration(ta);
    let b_duration_ns = cb.times.duration(tb);
    let change_ns = i64::try_from(i128::from(b_duration_ns) - i128::from(a_duration_ns)).unwrap_or(
        if b_duration_ns > a_duration_ns {
            i64::MAX
        } else {
            i64::MIN
        },
    );
    TaskChange {
        a_task: ta,
        b_task: tb,
        name: ca.trace.task_name(ta).unwrap_or_default().to_owned(),
        a_key: ca.trace.graph().key(ta).unwrap_or_default().to_owned(),
        b_key: cb.trace.graph().key(tb).unwrap_or_default().to_owned(),
        matched_by: how,
        a_duration_ns,
        b_duration_ns,
        change_ns,
    }
}

/// Largest slowdowns first (ties by A's key), until 80% of the total is covered.
fn top_slowdowns(changes: &[TaskChange], total_slowdown_ns: u64) -> Vec<TaskChange> {
    let mut slower: Vec<&TaskChange> = changes.iter().filter(|c| c.change_ns > 0).collect();
    slower.sort_by(|x, y| {
        y.change_ns
            .cmp(&x.change_ns)
            .then_with(|| x.a_key.cmp(&y.a_key))
            .then_with(|| x.a_task.cmp(&y.a_task))
    });
    let target = u128::from(total_slowdown_ns) * 8;
    let mut covered = 0u128;
    let mut top = Vec::new();
    for c in slower {
        if top.len() >= TOP_SLOWDOWNS || covered * 10 >= target {
            break;
        }
        covered += u128::from(c.change_ns.unsigned_abs());
        top.push(c.clone());
    }
    top
}

/// Pairs of (task in A, task in B), in A's task order.
///
/// # Complexity
/// O(V_a + V_b) hashing, plus O(U log U) for the U tasks left to match by name.
fn match_tasks(ca: &Context<'_>, cb: &Context<'_>) -> Vec<(TaskId, TaskId, MatchedBy)> {
    let ga = ca.trace.graph();
    let gb = cb.trace.graph();
    let b_keys: FxHashMap<&str, TaskId> = gb
        .tasks()
        .filter(|&t| cb.times.ran(t))
        .filter_map(|t| Some((gb.key(t)?, t)))
        .collect();
    let mut partner_of_a: Vec<Option<(TaskId, MatchedBy)>> = vec![None; ga.len()];
    let mut taken_b = vec![false; gb.len()];
    for ta in ga.tasks().filter(|&t| ca.times.ran(t)) {
        let Some(&tb) = ga.key(ta).and_then(|k| b_keys.get(k)) else {
            continue;
        };
        if let Some(taken) = taken_b.get_mut(tb.index())
            && !*taken
        {
            *taken = true;
            if let Some(slot) = partner_of_a.get_mut(ta.index()) {
                *slot = Some((tb, MatchedBy::Key));
            }
        }
    }
    // Leftovers on both sides, grouped by name, in occurrence order.
    let rows_a = leftovers(ca, &|t| {
        partner_of_a.get(t.index()).is_some_and(Option::is_none)
    });
    let rows_b = leftovers(cb, &|t| taken_b.get(t.index()).is_some_and(|x| !*x));
    let mut by_name_b: FxHashMap<&str, Vec<TaskId>> = FxHashMap::default();
    for &(name, _, _, t) in &rows_b {
        by_name_b.entry(name).or_default().push(t);
    }
    let mut next_b: FxHashMap<&str, usize> = FxHashMap::default();
    let mut name_pairs = Vec::new();
    for &(name, _, _, ta) in &rows_a {
        let Some(candidates) = by_name_b.get(name) else {
            continue;
        };
        let i = next_b.entry(name).or_insert(0);
        if let Some(&tb) = candidates.get(*i) {
            *i += 1;
            name_pairs.push((ta, tb));
        }
    }
    for (ta, tb) in name_pairs {
        if let Some(slot) = partner_of_a.get_mut(ta.index()) {
            *slot = Some((tb, MatchedBy::NameOrder));
        }
    }
    partner_of_a
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|(tb, how)| (TaskId(i as u32), tb, how)))
        .collect()
}

/// Tasks of `ctx` that ran and satisfy `free`, as (name, depth, first start, id), sorted.
fn leftovers<'a>(
    ctx: &Context<'a>,
    free: &dyn Fn(TaskId) -> bool,
) -> Vec<(&'a str, u32, u64, TaskId)> {
    let depth = ctx.depths();
    let graph = ctx.trace.graph();
    let mut rows: Vec<(&'a str, u32, u64, TaskId)> = graph
        .tasks()
        .filter(|&t| ctx.times.ran(t) && free(t))
        .map(|t| {
            (
                graph.name(t).unwrap_or_default(),
                depth.get(t.index()).copied().unwrap_or(0),
                ctx.times.start(t),
                t,
            )
        })
        .collect();
    rows.sort_unstable();
    rows
}
