//! What recording costs the instrumented thread, per span, against `tracing-chrome` in the
//! same run (issue 13's target: no more than `tracing-chrome`).
//!
//! - `enter_exit`: entering and exiting one existing span (one slice each time);
//! - `span`: a whole span with one field: created, entered, exited and closed.
//!
//! Each case runs with a bare `Registry` (the floor: what `tracing` costs without a layer),
//! with the taskscope layer (its defaults, writing to a temporary file) and with
//! `tracing-chrome` (its defaults; it writes to `io::sink()`, so its disk time is not
//! counted). Each sample starts a fresh layer and finishes it after the clock stops, so
//! files stay small; the writer threads run during the samples, as they would.
//!
//! `cargo bench -p taskscope_tracing --bench span_cost`

#![allow(clippy::expect_used, reason = "benchmark harness")]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tracing::{Span, info_span};
use tracing_subscriber::prelude::*;

/// One way of recording: a fresh subscriber and the guard that finishes it.
type Setup = fn(&Path) -> (tracing::Dispatch, Box<dyn Drop>);

trait Drop {}
impl<T> Drop for T {}

fn registry_only(_: &Path) -> (tracing::Dispatch, Box<dyn Drop>) {
    (tracing_subscriber::registry().into(), Box::new(()))
}

fn taskscope(path: &Path) -> (tracing::Dispatch, Box<dyn Drop>) {
    let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
        .file(path)
        .try_build()
        .expect("recording starts");
    (
        tracing_subscriber::registry().with(layer).into(),
        Box::new(guard),
    )
}

fn chrome(_: &Path) -> (tracing::Dispatch, Box<dyn Drop>) {
    let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
        .writer(std::io::sink())
        .build();
    (
        tracing_subscriber::registry().with(layer).into(),
        Box::new(guard),
    )
}

const SETUPS: [(&str, Setup); 3] = [
    ("registry only", registry_only),
    ("taskscope", taskscope),
    ("tracing-chrome", chrome),
];

/// Times `iters` runs of `body` on what `prepare` made, under a fresh subscriber.
fn timed(
    iters: u64,
    setup: Setup,
    path: &Path,
    prepare: fn() -> Span,
    body: fn(&Span),
) -> Duration {
    let (dispatch, guard) = setup(path);
    let elapsed = tracing::dispatcher::with_default(&dispatch, || {
        let span = prepare();
        let start = Instant::now();
        for _ in 0..iters {
            body(&span);
        }
        start.elapsed()
    });
    drop(guard);
    elapsed
}

fn bench(c: &mut Criterion, group_name: &str, prepare: fn() -> Span, body: fn(&Span)) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.json");
    let mut group = c.benchmark_group(group_name);
    for (name, setup) in SETUPS {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| timed(iters, setup, &path, prepare, body));
        });
    }
    group.finish();
}

fn enter_exit(c: &mut Criterion) {
    bench(
        c,
        "enter_exit",
        || info_span!("work"),
        |span| span.in_scope(|| {}),
    );
}

fn whole_span(c: &mut Criterion) {
    bench(c, "span", Span::none, |_| {
        info_span!("work", item = 7).in_scope(|| {});
    });
}

criterion_group!(benches, enter_exit, whole_span);
criterion_main!(benches);
