//! CPU time of one viewer frame while a followed file grows by 200,000 spans per second
//! (issue 11's target: frames stay within 8 ms).
//!
//! A writer thread appends a taskscope stream (`StreamWriter`, the engine's format:
//! the whole graph first, then spans as they end) at 200,000 spans per second, in
//! batches every 10 ms; the app follows it (`--follow`) on its background thread while
//! criterion times frames of the whole app (`ViewerApp::ui_contents`, headless egui:
//! layout, timeline level of detail, graph view, progress panel, shapes; no GPU).
//!
//! Baseline in the same run, for a ratio on a noisy shared machine:
//! `baseline/finished_tab_frame`, a frame of the ordinary tab of the finished run (the
//! same app, the same trace at its full size, nothing ingested). After the live bench
//! it prints how far the follower got (spans shown of spans written, snapshots taken)
//! and the lag: at every measured frame, the spans written but not yet shown, as a
//! count and as the time the writer took to write them (median and worst).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use egui::{Context, RawInput, Rect, pos2, vec2};
use taskscope_trace::format::StreamWriter;
use taskscope_trace::{Span, TaskState, Trace};
use taskscope_viewer::settings::Settings;
use taskscope_viewer::{StartupOptions, ViewerApp, parse_trace};

/// Spans per second written to the followed file.
const SPANS_PER_S: u64 = 200_000;
/// One batch per this many ms.
const BATCH_MS: u64 = 10;
/// The run: enough spans for the warm-up and the measurement at that rate.
const TASKS: usize = 1_200_000;

fn input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(1600.0, 900.0))),
        ..RawInput::default()
    }
}

fn frame(ctx: &Context, app: &mut ViewerApp) {
    black_box(ctx.run_ui(input(), |ui| app.ui_contents(ui)));
}

/// Spans shown by the live tab (tab 1).
fn shown(app: &ViewerApp) -> usize {
    app.live_tab(1).map_or(0, |l| l.tab.doc.trace.spans().len())
}

/// The spans written but not shown, one sample per frame.
#[derive(Default)]
struct Lag(Vec<u64>);

impl Lag {
    fn sample(&mut self, written: &AtomicU64, app: &ViewerApp) {
        let written = written.load(Ordering::Relaxed);
        self.0.push(written.saturating_sub(shown(app) as u64));
    }

    /// Median and worst lag, in spans and in the writer's time.
    fn report(mut self) -> String {
        self.0.sort_unstable();
        let at = |q: f64| {
            let i = ((self.0.len().saturating_sub(1)) as f64 * q).round() as usize;
            self.0.get(i).copied().unwrap_or(0)
        };
        let text = |n: u64| {
            format!(
                "{n} spans ({:.2} s of writing)",
                n as f64 / SPANS_PER_S as f64
            )
        };
        format!(
            "lag over {} frames: median {}, worst {}",
            self.0.len(),
            text(at(0.5)),
            text(at(1.0))
        )
    }
}

/// Writes `trace`'s spans (in end order) to a stream at `path`, at [`SPANS_PER_S`],
/// until done or `stop`; counts the spans written in `written`.
fn write_stream(
    trace: &Trace,
    path: &std::path::Path,
    stop: &AtomicBool,
    written: &AtomicU64,
) -> StreamWriter {
    let mut spans: Vec<Span> = trace.spans().to_vec();
    spans.sort_by_key(|s| s.end_ns);
    let mut stream =
        StreamWriter::create(path, Arc::new(trace.graph().clone()), trace.lanes()).unwrap();
    let per_batch = (SPANS_PER_S * BATCH_MS / 1000) as usize;
    let started = Instant::now();
    for (i, batch) in spans.chunks(per_batch).enumerate() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        for span in batch {
            let state = trace.graph().state(span.task).unwrap_or(TaskState::Done);
            stream.push_span(span, state);
        }
        stream.flush().unwrap();
        written.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let due = started + Duration::from_millis(BATCH_MS * (i as u64 + 1));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    stream
}

/// Appends a plain Chrome event array (no graph: tasks known only from their spans) at
/// [`SPANS_PER_S`] until `stop`: 16 workers, 80 µs tasks with six names (the file has
/// no task keys: they are grouped by name).
fn write_chrome(path: &std::path::Path, stop: &AtomicBool, written: &AtomicU64) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(b"[\n").unwrap();
    let per_batch = SPANS_PER_S * BATCH_MS / 1000;
    let started = Instant::now();
    let mut n: u64 = 0;
    let mut buf = Vec::new();
    for batch in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        buf.clear();
        for _ in 0..per_batch {
            taskscope_test_support::plain_chrome::push_event(n, &mut buf);
            n += 1;
        }
        file.write_all(&buf).unwrap();
        written.fetch_add(per_batch, Ordering::Relaxed);
        let due = started + Duration::from_millis(BATCH_MS * (batch + 1));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

/// The app following `path` (in `dir`) once its writer has created it.
fn following(path: &std::path::Path, dir: &std::path::Path) -> ViewerApp {
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    ViewerApp::new(
        Settings::default(),
        StartupOptions {
            follow: vec![path.to_path_buf()],
            traces_dir: Some(dir.to_path_buf()),
            ..StartupOptions::default()
        },
        parse_trace,
    )
}

/// Frames of a live tab whose plain Chrome file grows at 200,000 spans per second for
/// the whole measurement (the view grows with it).
fn bench_follow_chrome(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live_chrome.json");
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (path, stop, written) = (path.clone(), Arc::clone(&stop), Arc::clone(&written));
        std::thread::spawn(move || write_chrome(&path, &stop, &written))
    };
    let ctx = Context::default();
    let mut app = following(&path, dir.path());
    // Ingest for 2 s first, so that the view holds a few hundred thousand spans.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(2) {
        frame(&ctx, &mut app);
    }
    let at_start = (written.load(Ordering::Relaxed), shown(&app));
    let mut group = c.benchmark_group("follow_chrome_200k_spans_per_s");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let mut lag = Lag::default();
    group.bench_function("live_tab_frame", |b| {
        b.iter(|| {
            frame(&ctx, &mut app);
            lag.sample(&written, &app);
        });
    });
    group.finish();
    eprintln!("plain Chrome file: {}", lag.report());
    eprintln!(
        "plain Chrome file: at the start of the measurement {} spans written, {} shown; at its end {} written, {} shown, {} snapshots",
        at_start.0,
        at_start.1,
        written.load(Ordering::Relaxed),
        shown(&app),
        app.live_tab(1)
            .map_or(0, taskscope_viewer::panels::live_tab::LiveTab::snapshots)
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}

fn bench_follow(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.json");
    let trace = taskscope_fixtures::layered(TASKS, 1000, 16, 1).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (trace, path, stop, written) = (
            trace.clone(),
            path.clone(),
            Arc::clone(&stop),
            Arc::clone(&written),
        );
        std::thread::spawn(move || write_stream(&trace, &path, &stop, &written))
    };
    // The head is written when the writer is created.
    let ctx = Context::default();
    let mut app = following(&path, dir.path());
    let mut group = c.benchmark_group("follow_200k_spans_per_s");
    // Within the 6 s the writer takes for its 1,200,000 spans.
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let mut lag = Lag::default();
    group.bench_function("live_tab_frame", |b| {
        b.iter(|| {
            frame(&ctx, &mut app);
            lag.sample(&written, &app);
        });
    });
    group.finish();
    eprintln!("stream: {}", lag.report());
    let shown_now = shown(&app);
    let snapshots = app
        .live_tab(1)
        .map_or(0, taskscope_viewer::panels::live_tab::LiveTab::snapshots);
    let error = app.live_tab(1).and_then(|l| l.error.clone());
    eprintln!(
        "while measured: {} spans written, {shown_now} shown, {snapshots} snapshots, error {error:?}",
        written.load(Ordering::Relaxed)
    );
    // How long the follower takes to catch up once the writer has stopped.
    let caught_up = Instant::now();
    while caught_up.elapsed() < Duration::from_mins(2) {
        frame(&ctx, &mut app);
        if shown(&app) as u64 >= written.load(Ordering::Relaxed) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "caught up to {} spans {:.1} s after the measurement",
        shown(&app),
        caught_up.elapsed().as_secs_f64()
    );
    stop.store(true, Ordering::Relaxed);
    drop(writer.join().unwrap());
    drop(app);

    // Baseline: the ordinary tab of the whole run, in the same app.
    let done = dir.path().join("done.json");
    trace.save(&done).unwrap();
    let mut app = ViewerApp::new(
        Settings::default(),
        StartupOptions {
            files: vec![done],
            traces_dir: Some(dir.path().to_path_buf()),
            ..StartupOptions::default()
        },
        parse_trace,
    );
    let deadline = Instant::now() + Duration::from_mins(5);
    while app.is_loading() && Instant::now() < deadline {
        frame(&ctx, &mut app);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut base = c.benchmark_group("baseline");
    base.sample_size(50);
    base.warm_up_time(Duration::from_secs(1));
    base.measurement_time(Duration::from_secs(4));
    base.bench_function("finished_tab_frame", |b| {
        b.iter(|| frame(&ctx, &mut app));
    });
    base.finish();
}

criterion_group!(benches, bench_follow_chrome, bench_follow);
criterion_main!(benches);
