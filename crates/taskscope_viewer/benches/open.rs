//! Opening a 1,000,000-span trace file: reading and parsing it (taskscope_trace's reader),
//! then the first stage of the document (what the timeline needs: the work between
//! choosing a file and its first frame), and everything (graph layout and analyses,
//! which the viewer finishes in the background). Also prints the resident memory of
//! the loaded document.
//!
//! Baseline in the same run: `baseline/read_bytes` (reading the file into memory).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use taskscope_viewer::document::TraceDoc;

fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench_open(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1m.json");
    taskscope_fixtures::layered(1_000_000, 1000, 16, 1)
        .unwrap()
        .save(&path)
        .unwrap();
    let size_mib = std::fs::metadata(&path).unwrap().len() as f64 / (1024.0 * 1024.0);
    eprintln!("trace file: {size_mib:.0} MiB");

    let before = rss_mib();
    let bytes = std::fs::read(&path).unwrap();
    let doc = TraceDoc::new(
        Some(path.clone()),
        taskscope_viewer::parse_trace(&bytes, "1m.json").unwrap(),
    );
    drop(bytes);
    if let (Some(b), Some(a)) = (before, rss_mib()) {
        eprintln!(
            "resident memory of the loaded document ({} spans): {:.0} MiB",
            doc.trace.spans().len(),
            a - b
        );
    }
    drop(doc);

    let mut group = c.benchmark_group("open_1m_spans");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("read_parse_index_layout_analyse", |b| {
        b.iter(|| {
            let bytes = std::fs::read(&path).unwrap();
            let trace = taskscope_viewer::parse_trace(&bytes, "1m.json").unwrap();
            black_box(TraceDoc::new(Some(path.clone()), trace))
        });
    });
    group.bench_function("read_parse_first_stage", |b| {
        b.iter(|| {
            let bytes = std::fs::read(&path).unwrap();
            let trace = taskscope_viewer::parse_trace(&bytes, "1m.json").unwrap();
            black_box(TraceDoc::first_stage(Some(path.clone()), trace))
        });
    });
    group.bench_function("read_parse", |b| {
        b.iter(|| {
            let bytes = std::fs::read(&path).unwrap();
            black_box(taskscope_viewer::parse_trace(&bytes, "1m.json").unwrap())
        });
    });
    group.finish();
    let mut base = c.benchmark_group("baseline");
    base.sample_size(10);
    base.bench_function("read_bytes", |b| {
        b.iter(|| black_box(std::fs::read(&path).unwrap()));
    });
    base.finish();
}

criterion_group!(benches, bench_open);
criterion_main!(benches);
