//! Replays a finished run as a streaming taskscope file, as if it were running now:
//! the graph first, then each span when it ends, paced to take a given wall time (the
//! spans' times are stretched to that pace, so the file's clock is the replay's). As
//! the engine's stream does, each flush writes the tasks running then (a `B` event each,
//! closed by an `E` when the task ends) and how far the run has got (a now mark).
//! For trying `taskscope view --follow` without a long computation (and for the
//! README's screenshot of a live run).
//!
//! ```text
//! cargo run -p taskscope_trace --example replay_stream -- OUT.json [--from TRACE.json]
//!     [--seconds 20] [--stop-at 1.0] [--fail-every 0]
//! ```
//!
//! Without `--from` it replays 6,000 tasks in six key groups on 4 workers (the viewer's
//! `grouped` demo). `--stop-at F` stops after that fraction of the spans and leaves the
//! file as a run still going (no end written); `--fail-every N` then marks every Nth
//! span's task failed (a finished replay keeps the run's own states).

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskscope_trace::format::StreamWriter;
use taskscope_trace::{Span, SpanKind, TaskState, Trace, TraceBuilder};

struct Args {
    out: PathBuf,
    from: Option<PathBuf>,
    seconds: f64,
    stop_at: f64,
    fail_every: usize,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        out: PathBuf::new(),
        from: None,
        seconds: 20.0,
        stop_at: 1.0,
        fail_every: 0,
    };
    let number = |v: Option<String>, what: &str| -> Result<f64, String> {
        v.and_then(|v| v.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| format!("{what} takes a number"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--from" => args.from = it.next().map(PathBuf::from),
            "--seconds" => args.seconds = number(it.next(), "--seconds")?,
            "--stop-at" => args.stop_at = number(it.next(), "--stop-at")?.min(1.0),
            "--fail-every" => args.fail_every = number(it.next(), "--fail-every")? as usize,
            _ if args.out.as_os_str().is_empty() => args.out = PathBuf::from(a),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if args.out.as_os_str().is_empty() {
        return Err("usage: replay_stream OUT.json [--from TRACE.json] [--seconds S] [--stop-at F] [--fail-every N]".into());
    }
    Ok(args)
}

/// Which span runs on each lane at the replay's present (the lanes' top-level compute
/// spans, by start).
struct Running {
    /// Per lane: its spans that a `B` may begin, sorted by start, and the first not ended.
    lanes: Vec<(Vec<Span>, usize)>,
}

impl Running {
    fn new(spans: &[Span], lanes: usize) -> Self {
        let mut by_lane: Vec<(Vec<Span>, usize)> = vec![(Vec::new(), 0); lanes];
        for span in spans {
            if span.kind == SpanKind::Compute
                && span.depth == 0
                && !span.unclosed
                && let Some((lane, _)) = by_lane.get_mut(span.lane.index())
            {
                lane.push(*span);
            }
        }
        for (lane, _) in &mut by_lane {
            lane.sort_by_key(|s| (s.start_ns, s.end_ns));
        }
        Self { lanes: by_lane }
    }

    /// Writes a `B` for each lane's span running at trace time `now` that has none yet
    /// (`at` maps trace times to the replay's clock).
    fn mark(&mut self, stream: &mut StreamWriter, now: u64, at: impl Fn(u64) -> u64) {
        for (spans, next) in &mut self.lanes {
            while spans.get(*next).is_some_and(|s| s.end_ns <= now) {
                *next += 1;
            }
            let Some(span) = spans.get(*next) else {
                continue;
            };
            if span.start_ns <= now && stream.open_task(span.lane).is_none() {
                stream.push_begin(span.task, span.lane, at(span.start_ns));
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let trace = match &args.from {
        Some(path) => Trace::open(path)?,
        None => taskscope_fixtures::layered(6_000, 200, 4, 7)?,
    };
    let mut spans: Vec<Span> = trace.spans().to_vec();
    spans.sort_by_key(|s| (s.end_ns, s.start_ns));
    let keep = (spans.len() as f64 * args.stop_at).round() as usize;
    let first = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
    let scale = args.seconds / (last.saturating_sub(first).max(1) as f64);
    let mut stream =
        StreamWriter::create(&args.out, Arc::new(trace.graph().clone()), trace.lanes())?;
    // On the replay's clock: the trace's times are the wall times of the replay.
    let at = |t: u64| first + ((t.saturating_sub(first)) as f64 * scale * 1e9) as u64;
    let mut running = Running::new(&spans, trace.lanes().len());
    let started = Instant::now();
    // Marks the tasks running at the replay's present, then flushes.
    let mut flush = |stream: &mut StreamWriter| -> std::io::Result<()> {
        let now = first + (started.elapsed().as_secs_f64() / scale) as u64;
        running.mark(stream, now, at);
        stream.push_now(at(now));
        stream.flush().map_err(std::io::Error::other)
    };
    let mut last_mark = Instant::now();
    let mut replayed_spans = Vec::with_capacity(keep);
    for (i, span) in spans.iter().take(keep).enumerate() {
        let due = Duration::from_secs_f64((span.end_ns - first) as f64 * scale);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            stream.flush()?;
            std::thread::sleep(wait);
        }
        let failed =
            keep < spans.len() && args.fail_every > 0 && i % args.fail_every == args.fail_every - 1;
        let state = if failed {
            TaskState::Failed
        } else {
            trace.graph().state(span.task).unwrap_or(TaskState::Done)
        };
        let replayed = Span {
            start_ns: at(span.start_ns),
            end_ns: at(span.end_ns),
            ..*span
        };
        if stream
            .open_task(span.lane)
            .is_some_and(|(t, _)| t == span.task)
        {
            stream.push_end(&replayed, state);
        } else {
            stream.push_span(&replayed, state);
        }
        replayed_spans.push(replayed);
        if last_mark.elapsed() >= Duration::from_millis(100) {
            flush(&mut stream)?;
            last_mark = Instant::now();
        }
    }
    flush(&mut stream)?;
    if keep < spans.len() {
        eprintln!(
            "stopped after {keep} of {} spans: {} is left as a run still going",
            spans.len(),
            args.out.display()
        );
        return Ok(());
    }
    // The end of the file: the run on the replay's clock.
    let mut meta = trace.meta().clone();
    meta.wall_ns = 0;
    let mut b = TraceBuilder::with_shared_graph(meta, Arc::new(trace.graph().clone()));
    for lane in trace.lanes() {
        b.add_lane(lane.clone())?;
    }
    for span in replayed_spans {
        b.add_span(span)?;
    }
    stream.finish(&b.build()?)?;
    eprintln!("wrote {} spans to {}", spans.len(), args.out.display());
    Ok(())
}
