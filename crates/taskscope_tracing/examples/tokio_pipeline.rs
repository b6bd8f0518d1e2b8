//! A small tokio program recorded with the taskscope layer: six downloads (mostly waiting),
//! each followed by a parse (mostly computing), then one aggregate over all parses.
//! `follows_from` says which task waited for which, so the viewer draws the pipeline's
//! graph and its critical path.
//!
//! `cargo run --release -p taskscope_tracing --example tokio_pipeline -- run.json`
//! then `taskscope run.json` (or `cargo run --release -- run.json` at the repository root).

#![allow(clippy::expect_used, reason = "an example program")]

use std::time::Duration;

use tracing::{Instrument, info, info_span};
use tracing_subscriber::prelude::*;

/// Stands for `ms` milliseconds of work: it holds the worker, so the trace shows a slice
/// (a sleep rather than a busy loop keeps the picture the same on a busy machine).
fn compute(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

async fn download(i: u64) -> u64 {
    for part in 0..3 {
        compute(1);
        // The network: the task waits, the worker runs something else.
        tokio::time::sleep(Duration::from_millis(4 + 3 * ((i + part) % 3))).await;
    }
    info!(bytes = 1000 * (i + 1), "downloaded");
    1000 * (i + 1)
}

async fn parse(bytes: u64) -> u64 {
    for _ in 0..3 {
        compute(2 + bytes / 2000);
        tokio::task::yield_now().await;
    }
    bytes / 10
}

async fn pipeline() -> u64 {
    let mut parses = Vec::new();
    let mut parse_spans = Vec::new();
    for i in 0..6 {
        let download_span = info_span!("download", file = i);
        let fetched = tokio::spawn(download(i).instrument(download_span.clone()));
        let parse_span = info_span!("parse", file = i);
        parse_span.follows_from(&download_span);
        parse_spans.push(parse_span.clone());
        parses.push(tokio::spawn(
            async move { parse(fetched.await.expect("download")).await }.instrument(parse_span),
        ));
    }
    let aggregate = info_span!("aggregate");
    for s in &parse_spans {
        aggregate.follows_from(s);
    }
    async move {
        let mut total = 0;
        for p in parses {
            total += p.await.expect("parse");
        }
        compute(6);
        total
    }
    .instrument(aggregate)
    .await
}

fn main() {
    let file = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tokio_pipeline.json".to_owned());
    let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
        .file(&file)
        .title("tokio pipeline")
        .locations(false)
        .build();
    tracing_subscriber::registry().with(layer).init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a runtime");
    let total = runtime.block_on(pipeline().instrument(info_span!("pipeline")));
    drop(runtime);
    guard.finish().expect("the trace is written");
    println!("parsed {total} records; trace in {file}");
}
