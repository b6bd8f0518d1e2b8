//! Two runs side by side: typically the same graph run serially and in parallel,
//! or before and after a change.
//!
//! Tasks are matched across the runs by key first. Tasks left over on both sides
//! are then matched by name and occurrence order, so a Dask trace and a taskscope
//! trace of the same graph (whose keys differ) still line up: when both runs know
//! their dependencies, a pair must also sit at the same place in both graphs (same
//! depth, in hops from a root, and the same names of inputs); within such a group,
//! tasks are ordered by first start, then by id, and paired in that order. Only
//! tasks that ran take part.
//!
//! The runs did **the same work** when at least [`SAME_WORK_SHARE`] of each run's
//! tasks found a partner. Only then are a speed-up and an efficiency given (unless
//! forced, [`CompareOptions::force`]): between different work they mean nothing.

use rustc_hash::FxHashMap;
use serde::Serialize;

use std::fmt::Write as _;

use super::context::Context;
use super::critical_path::{critical_path_ns, ratio};
use super::format::{
    format_count, format_counted, format_duration_ns, format_factor, format_percent,
};
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

/// The share of each run's tasks that must find a partner for the runs to count
/// as the same work.
pub const SAME_WORK_SHARE: f64 = 0.9;

/// Options of [`compare_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// Give the speed-up and efficiency even when the runs did different work
    /// ([`Comparison::forced`] then says so).
    pub force: bool,
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
    /// The run's work, in ns: the time lanes were busy, each instant counted once
    /// per lane ([`crate::index::TaskTimes::total_work_ns`]).
    pub total_work_ns: u64,
    /// Critical path length, in ns (of independent tasks when the dependencies were
    /// not recorded: see `dependencies_known`).
    pub critical_path_ns: u64,
    /// Whether the run's dependencies are known ([`super::DependencySource::is_known`]):
    /// without them the critical path is the longest single piece of work.
    pub dependencies_known: bool,
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
    /// Whether the runs did the same work: at least [`SAME_WORK_SHARE`] of each run's
    /// tasks found a partner (see the module docs).
    pub same_work: bool,
    /// The share of A's tasks that found a partner in B (`None` if A ran no task).
    pub matched_share_a: Option<f64>,
    /// The share of B's tasks that found a partner in A (`None` if B ran no task).
    pub matched_share_b: Option<f64>,
    /// Whether the speed-up and efficiency were computed although the runs did
    /// different work ([`CompareOptions::force`]).
    pub forced: bool,
    /// The run with the shorter wall time; `None` when both wall times are equal.
    pub faster: Option<Side>,
    /// Slower wall time ÷ faster wall time (≥ 1). `None` when the runs did different
    /// work (and it was not forced) or the faster wall time is 0.
    pub speedup: Option<f64>,
    /// The relative efficiency: `speedup` × the slower run's workers ÷ the faster
    /// run's workers (1 = the extra workers were used perfectly). `None` when the
    /// speed-up is. Above 1 the work itself changed: compare the runs' total work.
    pub parallel_efficiency: Option<f64>,
    /// The speed-up the critical path allows: the slower run's total work divided
    /// by its critical path (no schedule on any number of workers can beat it).
    /// `None` when the critical path is 0 or the slower run's dependencies were not
    /// recorded (its critical path would rest on nothing).
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

impl Comparison {
    /// The verdict in words: whether the runs did the same work, which is faster and
    /// by how much, what the efficiency means and, above 100 %, what changed in
    /// numbers. One or more sentences, one per line; true for every input (no
    /// placeholder for an undefined figure).
    pub fn verdict(&self) -> String {
        let mut out = String::new();
        let matched = self.matched_by_key + self.matched_by_name;
        let shares = format!(
            "{} of A's {} and {} of B's {} found a partner",
            format_count(matched),
            format_counted(self.a.tasks, "task", "tasks"),
            format_count(matched),
            format_counted(self.b.tasks, "task", "tasks"),
        );
        if !self.same_work {
            let _ = write!(
                out,
                "A and B did different work: {shares} (the same work needs {} of each).",
                format_percent(SAME_WORK_SHARE)
            );
            if !self.forced {
                out.push_str(" No speed-up or efficiency is given between different work.");
                return out;
            }
            out.push_str("\nForced anyway: ");
        }
        match self.faster {
            None => {
                let _ = write!(
                    out,
                    "A and B took the same wall time, {}",
                    format_duration_ns(self.a.wall_ns)
                );
            }
            Some(side) => {
                let name = if side == Side::A { "A" } else { "B" };
                match self.speedup {
                    Some(speedup) => {
                        let _ =
                            write!(out, "{name} is faster: speed-up {}", format_factor(speedup));
                    }
                    None => {
                        let _ = write!(out, "{name} is faster: it took no time at all");
                    }
                }
            }
        }
        let (slower, faster) = if self.faster == Some(Side::A) {
            ((&self.b, "B"), (&self.a, "A"))
        } else {
            ((&self.a, "A"), (&self.b, "B"))
        };
        if let Some(e) = self.parallel_efficiency {
            let _ = write!(
                out,
                ", relative efficiency {} (speed-up × {}'s {} ÷ {}'s {})",
                format_percent(e),
                slower.1,
                format_counted(u64::from(slower.0.workers), "worker", "workers"),
                faster.1,
                format_counted(u64::from(faster.0.workers), "worker", "workers"),
            );
        }
        out.push('.');
        if let Some(bound) = self.critical_path_speedup {
            let _ = write!(
                out,
                " {}'s critical path allows at most {} over serial execution.",
                slower.1,
                format_factor(bound)
            );
        }
        // Above what rounds to 100 %: measurement noise of a few per mille is not a finding.
        if self.parallel_efficiency.is_some_and(|e| e >= 1.005) {
            out.push('\n');
            out.push_str(&above_full_efficiency(slower, faster));
        }
        out
    }
}

/// Why a relative efficiency above 100 % is possible, in numbers: the work changed.
fn above_full_efficiency(slower: (&RunSummary, &str), faster: (&RunSummary, &str)) -> String {
    let (s, f) = (slower.0.total_work_ns, faster.0.total_work_ns);
    let work = |r: &RunSummary| format_duration_ns(r.total_work_ns);
    let change = if f < s {
        let fell =
            ratio(s - f, s).map_or_else(String::new, |r| format!(" by {}", format_percent(r)));
        format!(
            "the tasks themselves got faster: total work fell{fell}, from {} in {} to {} in {}",
            work(slower.0),
            slower.1,
            work(faster.0),
            faster.1
        )
    } else {
        format!(
            "total work did not fall ({} in {}, {} in {}), so the runs differ in something \
             the work does not show (e.g. caches, clock speed or fewer lanes recorded than used)",
            work(slower.0),
            slower.1,
            work(faster.0),
            faster.1
        )
    };
    format!("Efficiency above 100%: {change}.")
}

/// At most this many tasks in [`Comparison::top_slowdowns`].
const TOP_SLOWDOWNS: usize = 10;

/// Compares run `a` with run `b`.
///
/// # Complexity
/// O(S_a + S_b + (V_a + V_b) log(V_a + V_b) + E_a + E_b): one context per run,
/// hash maps for keys, sorts for name order.
pub fn compare(a: &Trace, b: &Trace) -> Comparison {
    compare_with(a, b, &CompareOptions::default())
}

/// [`compare`] with options.
///
/// # Complexity
/// As [`compare`].
pub fn compare_with(a: &Trace, b: &Trace, options: &CompareOptions) -> Comparison {
    let ca = Context::new(a);
    let cb = Context::new(b);
    let sa = summary(&ca);
    let sb = summary(&cb);
    let faster = match sa.wall_ns.cmp(&sb.wall_ns) {
        std::cmp::Ordering::Less => Some(Side::A),
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(Side::B),
    };
    let (slower_summary, faster_summary) = if faster == Some(Side::A) {
        (&sb, &sa)
    } else {
        (&sa, &sb)
    };
    let critical_path_speedup = ratio(
        slower_summary.total_work_ns,
        slower_summary.critical_path_ns,
    )
    .filter(|_| slower_summary.dependencies_known);
    let pairs = match_tasks(&ca, &cb);
    let matched_by_key = pairs.iter().filter(|p| p.2 == MatchedBy::Key).count() as u64;
    let matched = pairs.len() as u64;
    let matched_share_a = ratio(matched, sa.tasks);
    let matched_share_b = ratio(matched, sb.tasks);
    let same_work = [matched_share_a, matched_share_b]
        .iter()
        .all(|s| s.is_some_and(|s| s >= SAME_WORK_SHARE));
    let forced = options.force && !same_work;
    let speedup = (same_work || forced)
        .then(|| ratio(slower_summary.wall_ns, faster_summary.wall_ns))
        .flatten();
    let parallel_efficiency = speedup.map(|s| {
        s * f64::from(slower_summary.workers.max(1)) / f64::from(faster_summary.workers.max(1))
    });
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
        same_work,
        matched_share_a,
        matched_share_b,
        forced,
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
        dependencies_known: ctx.deps.source().is_known(),
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
    // Leftovers on both sides, grouped by name (and place in the graph when both
    // runs know their dependencies), in occurrence order.
    let placed = ca.deps.source().is_known() && cb.deps.source().is_known();
    let rows_a = leftovers(ca, placed, &|t| {
        partner_of_a.get(t.index()).is_some_and(Option::is_none)
    });
    let rows_b = leftovers(cb, placed, &|t| taken_b.get(t.index()).is_some_and(|x| !*x));
    let mut by_place_b: FxHashMap<&Place<'_>, Vec<TaskId>> = FxHashMap::default();
    for (place, _, t) in &rows_b {
        by_place_b.entry(place).or_default().push(*t);
    }
    let mut next_b: FxHashMap<&Place<'_>, usize> = FxHashMap::default();
    let mut name_pairs = Vec::new();
    for (place, _, ta) in &rows_a {
        let Some(candidates) = by_place_b.get(place) else {
            continue;
        };
        let i = next_b.entry(place).or_insert(0);
        if let Some(&tb) = candidates.get(*i) {
            *i += 1;
            name_pairs.push((*ta, tb));
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

/// Where a task sits, for matching by name: its name, and when dependencies are
/// compared, its depth and its inputs' names (sorted).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Place<'a> {
    name: &'a str,
    depth: u32,
    inputs: Vec<&'a str>,
}

/// Tasks of `ctx` that ran and satisfy `free`, as (place, first start, id), sorted.
/// Without `placed`, only the name counts (and the depth orders the tasks).
fn leftovers<'a>(
    ctx: &Context<'a>,
    placed: bool,
    free: &dyn Fn(TaskId) -> bool,
) -> Vec<(Place<'a>, (u32, u64), TaskId)> {
    let depth = ctx.depths();
    let graph = ctx.trace.graph();
    let mut rows: Vec<(Place<'a>, (u32, u64), TaskId)> = graph
        .tasks()
        .filter(|&t| ctx.times.ran(t) && free(t))
        .map(|t| {
            let d = depth.get(t.index()).copied().unwrap_or(0);
            let place = if placed {
                let mut inputs: Vec<&'a str> = ctx
                    .deps
                    .of(t)
                    .iter()
                    .map(|&i| graph.name(i).unwrap_or_default())
                    .collect();
                inputs.sort_unstable();
                Place {
                    name: graph.name(t).unwrap_or_default(),
                    depth: d,
                    inputs,
                }
            } else {
                Place {
                    name: graph.name(t).unwrap_or_default(),
                    depth: 0,
                    inputs: Vec::new(),
                }
            };
            (place, (d, ctx.times.start(t)), t)
        })
        .collect();
    rows.sort_unstable();
    rows
}
