//! `taskscope stats FILE`: summary, critical path, concurrency, per-name table,
//! k-worker predictions and the advisor's findings.

use std::fmt::Write as _;

use clap::Args;
use serde::Serialize;
use taskscope_trace::analysis::{
    ConcurrencyProfile, CriticalPath, DependencySource, Finding, NameStats, Simulation, advise,
    concurrency_profile, critical_path, format_count, format_counted, format_duration_ns as dur,
    format_factor, format_percent, name_stats, simulate,
};
use taskscope_trace::analysis::{WorkerStats, worker_stats};
use taskscope_trace::index::Workers;
use taskscope_trace::{DependencyRecord, SourceFormat, Trace};

use super::table::Table;
use super::{Input, open, print_json, print_out};

/// Options of `taskscope stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    input: Input,

    /// Print machine-readable JSON instead of tables.
    #[arg(long)]
    json: bool,

    /// How many critical-path steps to list (the rest are summarised).
    #[arg(long, default_value_t = 12, value_name = "N")]
    path_steps: usize,
}

/// What `stats` reports, in the order it prints it.
#[derive(Debug, Serialize)]
struct Report {
    /// What to pass to know the dependencies, when the file could not record them.
    #[serde(skip)]
    hint: &'static str,
    /// The run's first start (ns from the trace origin): printed times count from it.
    #[serde(skip)]
    first_start_ns: u64,
    file: String,
    summary: Summary,
    critical_path: CriticalPath,
    concurrency: ConcurrencyProfile,
    names: Vec<NameStats>,
    workers: Vec<WorkerStats>,
    simulation: Simulation,
    findings: Vec<Finding>,
}

#[derive(Debug, Serialize)]
struct Summary {
    source: &'static str,
    title: Option<String>,
    scheduler: Option<String>,
    workers: Option<u32>,
    tasks: usize,
    edges: usize,
    /// `recorded`, `flow_arrows` or `not_recorded`: whether `edges` is all there is
    /// (0 then means none), came from flow arrows, or is unknown.
    dependencies: &'static str,
    spans: usize,
    lanes: usize,
    wall_ns: u64,
    diagnostics: Vec<String>,
}

fn summary(trace: &Trace) -> Summary {
    let meta = trace.meta();
    Summary {
        source: meta.source.as_str(),
        title: meta.title.clone(),
        scheduler: meta.scheduler.clone(),
        workers: meta.workers,
        tasks: trace.graph().len(),
        edges: trace.graph().edge_count(),
        dependencies: trace.graph().dependency_record().as_str(),
        spans: trace.spans().len(),
        lanes: trace.lanes().len(),
        wall_ns: trace.wall_ns(),
        diagnostics: trace
            .diagnostics()
            .iter()
            .map(|d| d.message.clone())
            .collect(),
    }
}

/// Runs `taskscope stats`.
pub fn run(args: &StatsArgs) -> anyhow::Result<()> {
    let trace = open(&args.input.file, args.input.graph.as_deref())?;
    let hint = graph_file_hint(&trace);
    let report = Report {
        hint,
        first_start_ns: trace.start_ns(),
        file: args.input.file.display().to_string(),
        summary: summary(&trace),
        critical_path: critical_path(&trace),
        concurrency: concurrency_profile(&trace),
        names: name_stats(&trace),
        workers: worker_stats(&trace, &Workers::new(&trace)),
        simulation: simulate(&trace),
        findings: advise(&trace),
    };
    if args.json {
        print_json(&report)?;
    } else {
        print_out(&render(&report, args.path_steps))?;
    }
    Ok(())
}

/// For a Dask dump read without its graph file: the option that gives the dependencies.
fn graph_file_hint(trace: &Trace) -> &'static str {
    let dask = matches!(
        trace.meta().source,
        SourceFormat::DaskProfiler | SourceFormat::DaskTaskStream
    );
    if dask && trace.graph().dependency_record() == DependencyRecord::NotRecorded {
        " (pass the Dask graph dump with --graph-file GRAPH.json to give them)"
    } else {
        ""
    }
}

/// Whether the claims that rest on dependencies can be made.
fn dependencies_known(r: &Report) -> bool {
    r.critical_path.dependencies.is_known()
}

/// The assumption a claim resting on flow arrows carries, empty otherwise.
fn flows_assumed(r: &Report) -> &'static str {
    if r.critical_path.dependencies == DependencySource::Flows {
        " (assuming the file's flow arrows are all its dependencies)"
    } else {
        ""
    }
}

fn render(r: &Report, path_steps: usize) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(out, "{} ({})", r.file, s.source);
    if let Some(title) = &s.title {
        let _ = writeln!(out, "  {title}");
    }
    let workers = |w: u32| format_counted(u64::from(w), "worker", "workers");
    let run = match (&s.scheduler, s.workers) {
        (Some(sched), Some(w)) => format!("{sched} scheduler, {}, ", workers(w)),
        (None, Some(w)) => format!("{}, ", workers(w)),
        _ => String::new(),
    };
    let deps = match s.dependencies {
        "not_recorded" => format!("no dependencies recorded{}", r.hint),
        "flow_arrows" => format!(
            "{} (from flow arrows)",
            format_counted(s.edges as u64, "dependency", "dependencies")
        ),
        _ => format_counted(s.edges as u64, "dependency", "dependencies"),
    };
    let _ = writeln!(
        out,
        "  {run}{}, {deps}, {} on {}, wall time {}",
        format_counted(s.tasks as u64, "task", "tasks"),
        format_counted(s.spans as u64, "span", "spans"),
        format_counted(s.lanes as u64, "lane", "lanes"),
        dur(s.wall_ns)
    );
    for d in &s.diagnostics {
        let _ = writeln!(out, "  note: {d}");
    }

    render_path(&mut out, r, path_steps);
    render_concurrency(&mut out, r);
    render_names(&mut out, r);
    render_workers(&mut out, r);
    render_simulation(&mut out, r);
    render_findings(&mut out, r);
    out
}

fn render_path(out: &mut String, r: &Report, path_steps: usize) {
    let cp = &r.critical_path;
    if !dependencies_known(r) {
        let _ = writeln!(
            out,
            "\nCritical path: not known, the file recorded no dependencies{}. Total work {}.",
            r.hint,
            dur(cp.total_work_ns)
        );
        return;
    }
    let share = cp
        .ratio
        .map_or_else(String::new, |q| format!(" ({})", format_percent(q)));
    let bound = match cp.max_speedup {
        Some(s) => format!(
            "total work {}, so no number of workers beats {} speed-up",
            dur(cp.total_work_ns),
            format_factor(s)
        ),
        None => format!(
            "total work is {}: nothing to predict",
            dur(cp.total_work_ns)
        ),
    };
    let _ = writeln!(
        out,
        "\nCritical path{}: {}, {} of {} wall time{share}; {bound}",
        flows_assumed(r),
        format_counted(cp.steps.len() as u64, "task", "tasks"),
        dur(cp.length_ns),
        dur(cp.wall_ns),
    );
    for step in cp.steps.iter().take(path_steps) {
        let _ = writeln!(
            out,
            "  {:<24} {:>10}  at {}",
            step.name,
            dur(step.duration_ns),
            // From the run's first start, as the timeline and the findings count.
            dur(step.start_ns.saturating_sub(r.first_start_ns))
        );
    }
    if cp.steps.len() > path_steps {
        let _ = writeln!(out, "  … and {} more", cp.steps.len() - path_steps);
    }
}

fn render_concurrency(out: &mut String, r: &Report) {
    let c = &r.concurrency;
    let average = c
        .average_parallelism
        .map_or_else(|| "no wall time".to_owned(), |p| format!("average {p:.2}"));
    let utilisation = c.utilisation.map_or_else(String::new, |u| {
        format!("; utilisation {}", format_percent(u))
    });
    // Lanes busy with any span, transfers and disk included; workers count task work.
    let _ = writeln!(
        out,
        "\nConcurrency (lanes busy with any span, transfers and disk included): {average}, at most {} of {}{utilisation}; {} ran task work",
        c.max_running,
        format_counted(c.lanes.len() as u64, "lane", "lanes"),
        format_counted(
            u64::from(r.simulation.measured_workers),
            "worker",
            "workers"
        ),
    );
    let mut lanes = Table::new(&["lane", "spans", "busy", "idle", "utilisation"]);
    for lane in &c.lanes {
        lanes.row(vec![
            lane.name.clone(),
            lane.spans.to_string(),
            dur(lane.busy_ns),
            dur(lane.idle_ns),
            lane.utilisation
                .map_or_else(|| "n/a".to_owned(), format_percent),
        ]);
    }
    out.push_str(&indent(&lanes.render()));
}

fn render_names(out: &mut String, r: &Report) {
    out.push_str(
        "\nTasks by name (inclusive: calls nested in them included; self: their own time; share: of busy time):\n",
    );
    let mut names = Table::new(&[
        "name",
        "count",
        "inclusive",
        "self",
        "mean",
        "median",
        "p95",
        "max",
        "share",
    ]);
    for n in &r.names {
        names.row(vec![
            n.name.clone(),
            format_count(n.count),
            dur(n.total_ns),
            dur(n.self_ns),
            dur(n.mean_ns),
            dur(n.median_ns),
            dur(n.p95_ns),
            dur(n.max_ns),
            format_percent(n.share),
        ]);
    }
    out.push_str(&indent(&names.render()));
}

/// Time by worker and kind, when there is more than one worker or time besides compute.
fn render_workers(out: &mut String, r: &Report) {
    if r.workers.len() < 2 && r.workers.iter().all(|w| w.overhead_ns() == 0) {
        return;
    }
    out.push_str("\nTime by worker (sums of span lengths; kinds may overlap in time):\n");
    let mut table = Table::new(&[
        "worker",
        "threads",
        "tasks",
        "compute",
        "transfers in",
        "transfer",
        "sent",
        "disk read",
        "disk write",
        "deserialize",
    ]);
    for w in &r.workers {
        table.row(vec![
            w.name.clone(),
            w.threads.to_string(),
            w.compute_spans.to_string(),
            dur(w.compute_ns),
            w.transfers_in.to_string(),
            dur(w.transfer_ns),
            w.transfers_out.to_string(),
            dur(w.disk_read_ns),
            dur(w.disk_write_ns),
            dur(w.deserialize_ns),
        ]);
    }
    out.push_str(&indent(&table.render()));
}

fn render_simulation(out: &mut String, r: &Report) {
    let sim = &r.simulation;
    if sim.total_work_ns == 0 || sim.points.is_empty() {
        out.push_str("\nPredicted wall time: total work is 0 ns, nothing to predict.\n");
        return;
    }
    let assumption = if !flows_assumed(r).is_empty() {
        "; assuming the file's flow arrows are all its dependencies"
    } else if dependencies_known(r) {
        ""
    } else {
        "; dependencies were not recorded, so this assumes independent tasks"
    };
    let _ = writeln!(
        out,
        "\nPredicted wall time with the measured task durations (list scheduling, longest path first{assumption}; measured: {} on {}):",
        dur(sim.measured_wall_ns),
        format_counted(u64::from(sim.measured_workers), "worker", "workers"),
    );
    let mut table = Table::new(&["workers", "predicted", "lower bound", "speed-up"]);
    for p in &sim.points {
        table.row(vec![
            p.workers.to_string(),
            dur(p.makespan_ns),
            dur(p.lower_bound_ns),
            p.speedup.map_or_else(|| "n/a".to_owned(), format_factor),
        ]);
    }
    out.push_str(&indent(&table.render()));
}

fn render_findings(out: &mut String, r: &Report) {
    out.push_str("\nFindings:\n");
    if r.findings.is_empty() {
        out.push_str("  nothing to report\n");
    }
    if !dependencies_known(r) {
        let _ = writeln!(
            out,
            "  (claims about waiting, ordering and the critical path are left out: the file recorded no dependencies{})",
            r.hint
        );
    }
    for f in &r.findings {
        let level = match f.severity {
            taskscope_trace::analysis::Severity::Warning => "warning",
            taskscope_trace::analysis::Severity::Info => "info",
        };
        let _ = writeln!(out, "  [{level}] {f}");
    }
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}
