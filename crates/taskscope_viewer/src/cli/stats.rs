//! `taskscope stats FILE`: summary, critical path, concurrency, per-name table,
//! k-worker predictions and the advisor's findings.

use std::fmt::Write as _;

use clap::Args;
use serde::Serialize;
use taskscope_trace::Trace;
use taskscope_trace::analysis::{
    ConcurrencyProfile, CriticalPath, Finding, NameStats, Simulation, advise, concurrency_profile,
    critical_path, format_duration_ns as dur, format_factor, format_percent, name_stats, simulate,
};
use taskscope_trace::analysis::{WorkerStats, worker_stats};
use taskscope_trace::index::Workers;

use super::table::Table;
use super::{Input, open};

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
    let report = Report {
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
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report, args.path_steps));
    }
    Ok(())
}

fn render(r: &Report, path_steps: usize) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(out, "{} ({})", r.file, s.source);
    if let Some(title) = &s.title {
        let _ = writeln!(out, "  {title}");
    }
    let run = match (&s.scheduler, s.workers) {
        (Some(sched), Some(w)) => format!("{sched} scheduler, {w} workers, "),
        (None, Some(w)) => format!("{w} workers, "),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  {run}{} tasks, {} dependencies, {} spans on {} lanes, wall time {}",
        s.tasks,
        s.edges,
        s.spans,
        s.lanes,
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
    let _ = writeln!(
        out,
        "\nCritical path: {} tasks, {} of {} wall time ({}); total work {}, so no number of workers beats {} speed-up",
        cp.steps.len(),
        dur(cp.length_ns),
        dur(cp.wall_ns),
        cp.ratio.map_or_else(|| "-".to_owned(), format_percent),
        dur(cp.total_work_ns),
        cp.max_speedup.map_or_else(|| "-".to_owned(), format_factor),
    );
    for step in cp.steps.iter().take(path_steps) {
        let _ = writeln!(
            out,
            "  {:<24} {:>10}  at {}",
            step.name,
            dur(step.duration_ns),
            dur(step.start_ns)
        );
    }
    if cp.steps.len() > path_steps {
        let _ = writeln!(out, "  … and {} more", cp.steps.len() - path_steps);
    }
}

fn render_concurrency(out: &mut String, r: &Report) {
    let c = &r.concurrency;
    let _ = writeln!(
        out,
        "\nConcurrency: average {} busy lanes, at most {}; utilisation {}",
        c.average_parallelism
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.2}")),
        c.max_running,
        c.utilisation.map_or_else(|| "-".to_owned(), format_percent),
    );
    let mut lanes = Table::new(&["lane", "spans", "busy", "idle", "utilisation"]);
    for lane in &c.lanes {
        lanes.row(vec![
            lane.name.clone(),
            lane.spans.to_string(),
            dur(lane.busy_ns),
            dur(lane.idle_ns),
            lane.utilisation
                .map_or_else(|| "-".to_owned(), format_percent),
        ]);
    }
    out.push_str(&indent(&lanes.render()));
}

fn render_names(out: &mut String, r: &Report) {
    out.push_str("\nTasks by name:\n");
    let mut names = Table::new(&[
        "name", "count", "total", "mean", "median", "p95", "max", "share",
    ]);
    for n in &r.names {
        names.row(vec![
            n.name.clone(),
            n.count.to_string(),
            dur(n.total_ns),
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
    let _ = writeln!(
        out,
        "\nPredicted wall time with the measured task durations (list scheduling, longest path first; measured: {} on {} workers):",
        dur(sim.measured_wall_ns),
        sim.measured_workers
    );
    let mut table = Table::new(&["workers", "predicted", "lower bound", "speed-up"]);
    for p in &sim.points {
        table.row(vec![
            p.workers.to_string(),
            dur(p.makespan_ns),
            dur(p.lower_bound_ns),
            p.speedup.map_or_else(|| "-".to_owned(), format_factor),
        ]);
    }
    out.push_str(&indent(&table.render()));
}

fn render_findings(out: &mut String, r: &Report) {
    out.push_str("\nFindings:\n");
    if r.findings.is_empty() {
        out.push_str("  nothing to report\n");
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
