//! The incremental reader on a 1,000,000-span taskscope stream (the engine's layout: the
//! graph first, spans as they end): feeding the whole file in 4 MiB pieces and
//! building one snapshot, next to `Trace::from_slice` of the same bytes (baseline, same
//! run); one snapshot alone and the index of the next update, grown from the previous
//! one against built from scratch (what each update of a live view costs); and the
//! bytes of the file the follower holds against the file's size.
//!
//! Run: `cargo bench -p taskscope_trace --bench follow`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taskscope_trace::format::{Follower, StreamWriter};
use taskscope_trace::{Span, TaskState, Trace, TraceIndex};

const PIECE: usize = 4 << 20;

/// A 1,000,000-task run written as a stream (its end not written: a run still going).
fn stream_bytes() -> Vec<u8> {
    let trace = taskscope_fixtures::layered(1_000_000, 1000, 16, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.json");
    let mut spans: Vec<Span> = trace.spans().to_vec();
    spans.sort_by_key(|s| s.end_ns);
    let mut stream =
        StreamWriter::create(&path, Arc::new(trace.graph().clone()), trace.lanes()).unwrap();
    for chunk in spans.chunks(10_000) {
        for span in chunk {
            stream.push_span(span, TaskState::Done);
        }
        stream.flush().unwrap();
    }
    std::fs::read(&path).unwrap()
}

fn follow_all(bytes: &[u8]) -> Trace {
    let mut follower = Follower::new("live.json");
    for piece in bytes.chunks(PIECE) {
        follower.push(piece).unwrap();
    }
    follower.snapshot().unwrap()
}

fn bench(c: &mut Criterion) {
    let bytes = stream_bytes();
    {
        let mut follower = Follower::new("live.json");
        for piece in bytes.chunks(PIECE) {
            follower.push(piece).unwrap();
        }
        eprintln!(
            "stream file: {:.0} MB; the follower holds {:.1} MB of it ({} spans)",
            bytes.len() as f64 / 1e6,
            follower.held_file_bytes() as f64 / 1e6,
            follower.snapshot().unwrap().spans().len()
        );
    }
    let mut group = c.benchmark_group("follow_1m_spans");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("push_4mib_pieces_then_snapshot", |b| {
        b.iter(|| black_box(follow_all(&bytes)));
    });
    group.bench_function("baseline_from_slice", |b| {
        b.iter(|| black_box(Trace::from_slice(&bytes, "live.json").unwrap()));
    });
    let mut follower = Follower::new("live.json");
    for piece in bytes.chunks(PIECE) {
        follower.push(piece).unwrap();
    }
    group.bench_function("snapshot", |b| {
        b.iter(|| black_box(follower.snapshot().unwrap()));
    });
    // The index of the next update of a stream: grown from the previous one (its graph's
    // parts shared, its groups' tasks kept), against one built from scratch.
    let trace = follower.snapshot().unwrap();
    let previous = TraceIndex::new(&trace);
    previous.groups(trace.graph());
    group.bench_function("index_grown", |b| {
        b.iter(|| {
            let index = TraceIndex::grown(&trace, &previous);
            black_box(index.groups(trace.graph()).len())
        });
    });
    group.bench_function("index_new", |b| {
        b.iter(|| {
            let index = TraceIndex::new(&trace);
            black_box(index.groups(trace.graph()).len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
