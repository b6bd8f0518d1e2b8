//! The advisor's findings as data: what each kind of finding measured, with its
//! numbers, and the one place that turns those numbers into words ([`fmt::Display`]).
//!
//! Tests assert on the numbers; one prose test per kind pins the words. To add a
//! kind: a struct of its numbers here with a `Display` impl, a [`Facts`] variant
//! and a [`FindingKind`] variant, a check in the advisor that fills it, and a
//! prose test. Qualifiers that every kind may carry (the assumptions a claim rests
//! on, for instance) belong on [`Finding`] beside [`Finding::facts`], so that each
//! kind's `Display` stays about its own numbers.

use std::fmt;

use serde::Serialize;
use serde::ser::SerializeStruct;

pub use super::cluster::{SchedulerGaps, Straggler, TransferBound};
use super::format::{format_counted, format_duration_ns as dur, format_factor, format_percent};
use crate::model::TaskId;

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// Tasks of one name form a serial chain where a tree would be shallower
    /// (the `sum()` / `np.prod` pattern).
    SerialReduction,
    /// Many tasks of one name are too short to pay for their scheduling.
    ShortTasks,
    /// Lanes sat idle while tasks were ready to run.
    IdleWhileReady,
    /// The order in which ready tasks were started left lanes idle later on: a
    /// longest-path-first order of the same tasks finishes sooner.
    SchedulingOrder,
    /// The critical path limits the speed-up below the number of workers.
    CriticalPathBound,
    /// One task takes most of the run.
    DominantTask,
    /// Transfers between workers took a large share of the chain that ended last.
    TransferBound,
    /// One worker ran tasks slower than the others and finished last.
    Straggler,
    /// The gaps between tasks on a thread of Dask's local schedulers (its per-task cost).
    SchedulerGaps,
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; little time at stake.
    Info,
    /// A real cost to this run.
    Warning,
}

/// A task as a finding names it: its function name and its key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TaskLabel {
    /// The task's name (`?` when it has none).
    pub name: String,
    /// Its key, when it says more than the name.
    pub key: Option<String>,
}

impl fmt::Display for TaskLabel {
    /// `` `inc` (key `inc-1`) ``, or `` `inc` `` without a key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "`{}` (key `{key}`)", self.name),
            None => write!(f, "`{}`", self.name),
        }
    }
}

/// A serial chain of one reduction op ([`FindingKind::SerialReduction`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SerialReduction {
    /// The tasks' name.
    pub name: String,
    /// Tasks in the chain (its depth).
    pub chain_len: u64,
    /// Inputs the chain combines.
    pub inputs: u64,
    /// Depth of a balanced binary tree over the same inputs: ⌈log2 inputs⌉.
    pub tree_depth: u64,
    /// The chain's tasks' durations summed, in ns.
    pub total_ns: u64,
    /// How much of that lies on the critical path, in ns.
    pub on_path_ns: u64,
}

impl fmt::Display for SerialReduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.chain_len;
        write!(
            f,
            "the {m} `{}` tasks form a serial chain of depth {m}, each waiting for the previous \
             one; combining their {} inputs as a balanced tree would have depth {}. The chain's \
             tasks take {} in total, ",
            self.name,
            self.inputs,
            self.tree_depth,
            dur(self.total_ns)
        )?;
        if self.on_path_ns > 0 {
            write!(f, "{} of it on the critical path.", dur(self.on_path_ns))
        } else {
            write!(f, "none of it on the critical path.")
        }
    }
}

/// Many short tasks of one name ([`FindingKind::ShortTasks`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShortTasks {
    /// The tasks' name.
    pub name: String,
    /// How many ran.
    pub count: u64,
    /// Their median duration, in ns.
    pub median_ns: u64,
    /// Their durations summed, in ns.
    pub total_ns: u64,
    /// The advisor's threshold for a short task, in ns ([`super::AdvisorOptions::short_task_ns`]).
    pub threshold_ns: u64,
    /// The median is under the threshold.
    pub under_threshold: bool,
    /// The run's median gap between consecutive tasks on a lane, in ns, if any lane ran two.
    pub gap_ns: Option<u64>,
}

impl ShortTasks {
    /// Whether the median task is shorter than the median gap between tasks.
    pub fn under_gap(&self) -> bool {
        self.gap_ns.is_some_and(|gap| self.median_ns < gap)
    }
}

impl fmt::Display for ShortTasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` tasks have a median duration of {}, {} of work in total",
            self.count,
            self.name,
            dur(self.median_ns),
            dur(self.total_ns),
        )?;
        let gap_part = match self.gap_ns {
            Some(gap) if self.under_gap() => format!(
                "the median gap between consecutive tasks on a lane is {}, longer than the \
                 median task itself (the gaps add up to about {} for these tasks)",
                dur(gap),
                dur(gap.saturating_mul(self.count))
            ),
            Some(gap) => format!(
                "the median gap between consecutive tasks on a lane is {}",
                dur(gap)
            ),
            None => String::new(),
        };
        if self.under_threshold {
            write!(
                f,
                " (under {}): at that size the per-task cost of scheduling is likely to exceed \
                 the work; batch them into fewer, larger tasks.",
                dur(self.threshold_ns),
            )?;
            if !gap_part.is_empty() {
                write!(f, " In this run {gap_part}.")?;
            }
            Ok(())
        } else {
            write!(
                f,
                ", but {gap_part}: the workers spent more time between tasks than in them. If \
                 that gap is scheduling overhead, fewer, larger tasks would amortize it."
            )
        }
    }
}

/// Worker time idle while tasks were ready ([`FindingKind::IdleWhileReady`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdleWhileReady {
    /// Worker time idle while a task was ready, in ns.
    pub wasted_ns: u64,
    /// Workers of the run.
    pub workers: u32,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// Tasks that waited while a worker was idle.
    pub waiting_tasks: u64,
    /// The task whose wait overlapped idle workers the longest.
    pub worst: TaskLabel,
    /// When it became ready, in ns from the run's first start (`None`: from the start).
    pub worst_ready_ns: Option<u64>,
    /// When it started, in ns from the run's first start (as the timeline counts).
    pub worst_start_ns: u64,
}

impl fmt::Display for IdleWhileReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worker_time = u64::from(self.workers).saturating_mul(self.extent_ns);
        let count = self.waiting_tasks;
        let tasks_word = if count == 1 { "task" } else { "tasks" };
        let ready = match self.worst_ready_ns {
            None => "from the start".to_owned(),
            Some(ns) => format!("at {}", dur(ns)),
        };
        write!(
            f,
            "workers sat idle for {} of worker time while tasks were ready to run ({} of {} \
             × {}; {count} {tasks_word} waited). The longest such wait: {} was ready \
             {ready} but started at {}.",
            dur(self.wasted_ns),
            format_percent(self.wasted_ns as f64 / worker_time.max(1) as f64),
            format_counted(u64::from(self.workers), "worker", "workers"),
            dur(self.extent_ns),
            self.worst,
            dur(self.worst_start_ns),
        )
    }
}

/// Ready tasks started in a poor order ([`FindingKind::SchedulingOrder`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchedulingOrder {
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// Workers of the run.
    pub workers: u32,
    /// Worker time not busy during the span, in ns.
    pub idle_ns: u64,
    /// When the worst inversion happened, in ns from the trace origin.
    pub at_ns: u64,
    /// The task started then.
    pub started: TaskLabel,
    /// Work left on its longest path, its own included, in ns.
    pub started_left_ns: u64,
    /// The ready task that waited.
    pub waiting: TaskLabel,
    /// When that one became ready, in ns from the trace origin (`None`: from the start).
    pub waiting_ready_ns: Option<u64>,
    /// Work left on its longest path, in ns.
    pub waiting_left_ns: u64,
    /// When it started, in ns from the trace origin.
    pub waiting_start_ns: u64,
    /// How many times a task started ahead of a ready task with a longer path.
    pub inversions: u64,
    /// The list-scheduling model's makespan, in ns.
    pub model_ns: u64,
    /// The run's span minus the model's, in ns.
    pub gain_ns: u64,
    /// The per-task overhead the model charged (the run's median gap), in ns.
    pub overhead_ns: u64,
}

impl fmt::Display for SchedulingOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worker_time = u64::from(self.workers).saturating_mul(self.extent_ns);
        let workers = format_counted(u64::from(self.workers), "worker", "workers");
        let since = match self.waiting_ready_ns {
            None => "since the start".to_owned(),
            Some(ns) => format!("since {}", dur(ns)),
        };
        let times = if self.inversions > 1 {
            format!(
                " A task started ahead of a ready task with a longer remaining path {} times.",
                self.inversions
            )
        } else {
            String::new()
        };
        let overhead_part = if self.overhead_ns > 0 {
            format!(
                "; each task also charged this run's median gap of {} between tasks",
                dur(self.overhead_ns)
            )
        } else {
            String::new()
        };
        write!(
            f,
            "the tasks ran for {} on {workers}, and the workers were idle for {} of that \
             ({} of worker time). At {}, {}, with {} of work left on its longest path, started \
             while {}, ready {since} with {} left on its path, waited until {}.{times} Running \
             the longest remaining path first, the same tasks with their measured times finish \
             in {} on {workers}, {} ({}) sooner (a list-scheduling model: each task \
             occupies a worker for as long as its spans did here{overhead_part}).",
            dur(self.extent_ns),
            dur(self.idle_ns),
            format_percent(self.idle_ns as f64 / worker_time.max(1) as f64),
            dur(self.at_ns),
            self.started,
            dur(self.started_left_ns),
            self.waiting,
            dur(self.waiting_left_ns),
            dur(self.waiting_start_ns),
            dur(self.model_ns),
            dur(self.gain_ns),
            format_percent(self.gain_ns as f64 / self.extent_ns.max(1) as f64),
        )
    }
}

/// The critical path caps the speed-up ([`FindingKind::CriticalPathBound`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CriticalPathBound {
    /// Tasks on the path.
    pub path_tasks: u64,
    /// Names along the path: all of them up to 6 tasks, else the first 3 and the last 2.
    pub path_names: Vec<String>,
    /// The path's length, in ns.
    pub path_ns: u64,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// All task time, in ns.
    pub total_work_ns: u64,
    /// Workers of the run.
    pub workers: u32,
}

impl CriticalPathBound {
    /// The most any schedule can speed the run up: total work / path length.
    pub fn max_speedup(&self) -> f64 {
        self.total_work_ns as f64 / self.path_ns.max(1) as f64
    }
}

impl fmt::Display for CriticalPathBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = if self.path_tasks as usize > self.path_names.len() {
            let (head, tail) = self.path_names.split_at(self.path_names.len().min(3));
            format!("{} → … → {}", head.join(" → "), tail.join(" → "))
        } else {
            self.path_names.join(" → ")
        };
        write!(
            f,
            "the critical path, {} tasks ({names}), takes {}: {} of the run's {}. No schedule \
             can finish sooner, so with {} of work in all, this graph runs at most {} faster \
             than serially on any number of workers, less than the {} workers here.",
            self.path_tasks,
            dur(self.path_ns),
            format_percent(self.path_ns as f64 / self.extent_ns.max(1) as f64),
            dur(self.extent_ns),
            dur(self.total_work_ns),
            format_factor(self.max_speedup()),
            self.workers,
        )
    }
}

/// One task takes most of the run ([`FindingKind::DominantTask`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DominantTask {
    /// The task.
    pub task: TaskLabel,
    /// Its duration, in ns.
    pub duration_ns: u64,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// All task time, in ns.
    pub total_work_ns: u64,
}

impl fmt::Display for DominantTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "one task, {}, ran for {}: {} of the run's {} and {} of all task time. The run \
             cannot finish sooner than this task alone unless it is split into smaller tasks.",
            self.task,
            dur(self.duration_ns),
            format_percent(self.duration_ns as f64 / self.extent_ns.max(1) as f64),
            dur(self.extent_ns),
            format_percent(self.duration_ns as f64 / self.total_work_ns.max(1) as f64),
        )
    }
}

/// What a finding measured: one variant per [`FindingKind`], with its numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Facts {
    /// See [`SerialReduction`].
    SerialReduction(SerialReduction),
    /// See [`ShortTasks`].
    ShortTasks(ShortTasks),
    /// See [`IdleWhileReady`].
    IdleWhileReady(IdleWhileReady),
    /// See [`SchedulingOrder`].
    SchedulingOrder(SchedulingOrder),
    /// See [`CriticalPathBound`].
    CriticalPathBound(CriticalPathBound),
    /// See [`DominantTask`].
    DominantTask(DominantTask),
    /// See [`TransferBound`] (in `cluster.rs`, with the other cluster kinds).
    TransferBound(TransferBound),
    /// See [`Straggler`].
    Straggler(Straggler),
    /// See [`SchedulerGaps`].
    SchedulerGaps(SchedulerGaps),
}

impl Facts {
    /// The kind of finding these facts make.
    pub fn kind(&self) -> FindingKind {
        match self {
            Self::SerialReduction(_) => FindingKind::SerialReduction,
            Self::ShortTasks(_) => FindingKind::ShortTasks,
            Self::IdleWhileReady(_) => FindingKind::IdleWhileReady,
            Self::SchedulingOrder(_) => FindingKind::SchedulingOrder,
            Self::CriticalPathBound(_) => FindingKind::CriticalPathBound,
            Self::DominantTask(_) => FindingKind::DominantTask,
            Self::TransferBound(_) => FindingKind::TransferBound,
            Self::Straggler(_) => FindingKind::Straggler,
            Self::SchedulerGaps(_) => FindingKind::SchedulerGaps,
        }
    }
}

impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SerialReduction(x) => x.fmt(f),
            Self::ShortTasks(x) => x.fmt(f),
            Self::IdleWhileReady(x) => x.fmt(f),
            Self::SchedulingOrder(x) => x.fmt(f),
            Self::CriticalPathBound(x) => x.fmt(f),
            Self::DominantTask(x) => x.fmt(f),
            Self::TransferBound(x) => x.fmt(f),
            Self::Straggler(x) => x.fmt(f),
            Self::SchedulerGaps(x) => x.fmt(f),
        }
    }
}

/// What a finding takes for granted beyond what the file recorded. A finding that
/// carries one says so at the start of its sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Assumption {
    /// The dependencies are the file's flow arrows
    /// ([`crate::DependencyRecord::FlowArrows`]), which may be only some of them.
    FlowArrowsAreDependencies,
}

impl fmt::Display for Assumption {
    /// The clause that opens the finding's sentence, comma included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FlowArrowsAreDependencies => {
                f.write_str("assuming the file's flow arrows are all its dependencies, ")
            }
        }
    }
}

/// One finding of the advisor: what it measured, how much it matters, and the
/// tasks it is about. Its `Display` is the sentence users read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What it measured, with its numbers.
    pub facts: Facts,
    /// What the claim assumes beyond what the file recorded, if anything.
    pub assumption: Option<Assumption>,
    /// How much it matters.
    pub severity: Severity,
    /// The time at stake, in ns (see each kind's check for what is counted); used for sorting.
    pub impact_ns: u64,
    /// The tasks it talks about (for a UI to select), most relevant first, at most
    /// [`super::AdvisorOptions::max_listed_tasks`].
    pub tasks: Vec<TaskId>,
    /// How many more tasks it concerns beyond those listed.
    pub more_tasks: u64,
}

impl Finding {
    /// What it is about.
    pub fn kind(&self) -> FindingKind {
        self.facts.kind()
    }
}

impl fmt::Display for Finding {
    /// One or two sentences, with numbers and units, opened by the assumption if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(assumption) = &self.assumption {
            assumption.fmt(f)?;
        }
        self.facts.fmt(f)
    }
}

impl Serialize for Finding {
    /// `kind`, `severity`, `impact_ns`, `tasks` (ids as numbers), `more_tasks`,
    /// `message` (the sentence), `assumption` (`null` or its name) and `facts` (the
    /// numbers), in that order.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Ids<'a>(&'a [TaskId]);
        impl Serialize for Ids<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                super::ser::task_ids(self.0, s)
            }
        }
        let mut s = serializer.serialize_struct("Finding", 8)?;
        s.serialize_field("kind", &self.kind())?;
        s.serialize_field("severity", &self.severity)?;
        s.serialize_field("impact_ns", &self.impact_ns)?;
        s.serialize_field("tasks", &Ids(&self.tasks))?;
        s.serialize_field("more_tasks", &self.more_tasks)?;
        s.serialize_field("message", &self.to_string())?;
        s.serialize_field("assumption", &self.assumption)?;
        s.serialize_field("facts", &self.facts)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn label(name: &str, key: Option<&str>) -> TaskLabel {
        TaskLabel {
            name: name.to_owned(),
            key: key.map(str::to_owned),
        }
    }

    // One prose test per kind: the words, pinned.

    #[test]
    fn serial_reduction_words() {
        let facts = SerialReduction {
            name: "mul".into(),
            chain_len: 7,
            inputs: 8,
            tree_depth: 3,
            total_ns: 0,
            on_path_ns: 0,
        };
        assert_eq!(
            facts.to_string(),
            "the 7 `mul` tasks form a serial chain of depth 7, each waiting for the previous \
             one; combining their 8 inputs as a balanced tree would have depth 3. The chain's \
             tasks take 0 ns in total, none of it on the critical path."
        );
        let on_path = SerialReduction {
            on_path_ns: 2 * S,
            total_ns: 3 * S,
            ..facts
        };
        assert!(
            on_path
                .to_string()
                .ends_with("take 3.00 s in total, 2.00 s of it on the critical path.")
        );
    }

    #[test]
    fn short_tasks_words() {
        let facts = ShortTasks {
            name: "tiny".into(),
            count: 50,
            median_ns: 2_000,
            total_ns: 100_000,
            threshold_ns: 10_000,
            under_threshold: true,
            gap_ns: Some(1_000),
        };
        assert_eq!(
            facts.to_string(),
            "50 `tiny` tasks have a median duration of 2.00 µs, 100 µs of work in total (under \
             10.0 µs): at that size the per-task cost of scheduling is likely to exceed the \
             work; batch them into fewer, larger tasks. In this run the median gap between \
             consecutive tasks on a lane is 1.00 µs."
        );
        let gap = ShortTasks {
            median_ns: 20_000,
            under_threshold: false,
            gap_ns: Some(50_000),
            ..facts
        };
        assert_eq!(
            gap.to_string(),
            "50 `tiny` tasks have a median duration of 20.0 µs, 100 µs of work in total, but \
             the median gap between consecutive tasks on a lane is 50.0 µs, longer than the \
             median task itself (the gaps add up to about 2.50 ms for these tasks): the workers \
             spent more time between tasks than in them. If that gap is scheduling overhead, \
             fewer, larger tasks would amortize it."
        );
    }

    #[test]
    fn idle_while_ready_words() {
        let facts = IdleWhileReady {
            wasted_ns: S,
            workers: 2,
            extent_ns: 5 * S,
            waiting_tasks: 1,
            worst: label("inc", Some("x2")),
            worst_ready_ns: None,
            worst_start_ns: 2 * S,
        };
        assert_eq!(
            facts.to_string(),
            "workers sat idle for 1.00 s of worker time while tasks were ready to run (10% of 2 \
             workers × 5.00 s; 1 task waited). The longest such wait: `inc` (key `x2`) was \
             ready from the start but started at 2.00 s."
        );
    }

    #[test]
    fn one_worker_is_singular() {
        let facts = IdleWhileReady {
            wasted_ns: S,
            workers: 1,
            extent_ns: 5 * S,
            waiting_tasks: 1,
            worst: label("inc", Some("x2")),
            worst_ready_ns: Some(S),
            worst_start_ns: 2 * S,
        };
        assert!(
            facts
                .to_string()
                .contains("(20% of 1 worker × 5.00 s; 1 task waited)"),
            "{facts}"
        );
    }

    #[test]
    fn scheduling_order_words() {
        let facts = SchedulingOrder {
            extent_ns: 5 * S,
            workers: 2,
            idle_ns: 2 * S,
            at_ns: S,
            started: label("add", Some("z")),
            started_left_ns: 2 * S,
            waiting: label("inc", Some("y2")),
            waiting_ready_ns: None,
            waiting_left_ns: 3 * S,
            waiting_start_ns: 2 * S,
            inversions: 1,
            model_ns: 4 * S,
            gain_ns: S,
            overhead_ns: 0,
        };
        assert_eq!(
            facts.to_string(),
            "the tasks ran for 5.00 s on 2 workers, and the workers were idle for 2.00 s of that \
             (20% of worker time). At 1.00 s, `add` (key `z`), with 2.00 s of work left on its \
             longest path, started while `inc` (key `y2`), ready since the start with 3.00 s \
             left on its path, waited until 2.00 s. Running the longest remaining path first, \
             the same tasks with their measured times finish in 4.00 s on 2 workers, 1.00 s \
             (20%) sooner (a list-scheduling model: each task occupies a worker for as long as \
             its spans did here)."
        );
    }

    #[test]
    fn critical_path_bound_words() {
        let facts = CriticalPathBound {
            path_tasks: 8,
            path_names: ["a", "b", "c", "y", "z"].map(str::to_owned).to_vec(),
            path_ns: 4 * S,
            extent_ns: 4 * S,
            total_work_ns: 6 * S,
            workers: 4,
        };
        assert_eq!(
            facts.to_string(),
            "the critical path, 8 tasks (a → b → c → … → y → z), takes 4.00 s: 100% of the \
             run's 4.00 s. No schedule can finish sooner, so with 6.00 s of work in all, this \
             graph runs at most 1.50× faster than serially on any number of workers, less than \
             the 4 workers here."
        );
    }

    #[test]
    fn dominant_task_words() {
        let facts = DominantTask {
            task: label("load", None),
            duration_ns: 8 * S,
            extent_ns: 10 * S,
            total_work_ns: 10 * S,
        };
        assert_eq!(
            facts.to_string(),
            "one task, `load`, ran for 8.00 s: 80% of the run's 10.0 s and 80% of all task \
             time. The run cannot finish sooner than this task alone unless it is split into \
             smaller tasks."
        );
    }
}
