//! Saving on threads gives `Trace::save`'s bytes, and a failing writer ends the save
//! with its error, without hanging.

use std::io::Write;

use taskscope_trace::Trace;

use super::{save_trace, write_on_threads};
use crate::{Delayed, Scheduler, combine, reduce};

/// The trace of a binary tree over `leaves` leaves, run on two workers: spans, arrows
/// and graph tasks span many pieces each when `leaves` is large.
fn tree_trace(leaves: u64) -> Trace {
    let leaves: Vec<Delayed<u64>> = (0..leaves)
        .map(|i| Delayed::from_fn("leaf", move || i))
        .collect();
    let Some(root) = reduce(leaves, "add", |a, b| a + b) else {
        panic!("a tree of at least one leaf");
    };
    root.compute_with(&Scheduler::threads(2)).unwrap().trace
}

/// The trace of one task over `inputs` leaves: its arrows are cut into pieces inside it.
fn gather_trace(inputs: u64) -> Trace {
    let leaves: Vec<Delayed<u64>> = (0..inputs)
        .map(|i| Delayed::from_fn("leaf", move || i))
        .collect();
    combine("gather", leaves, |v| v.into_iter().sum::<u64>())
        .compute_with(&Scheduler::threads(2))
        .unwrap()
        .trace
}

fn written(trace: &Trace) -> Vec<u8> {
    let mut bytes = Vec::new();
    trace.write_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn threads_write_the_same_bytes_as_one() {
    for leaves in [1, 3, 40_000] {
        let trace = tree_trace(leaves);
        let expected = written(&trace);
        if leaves == 40_000 {
            assert!(trace.encoder().pieces() > 20, "the test covers many pieces");
        }
        for threads in [1, 2, 3, 8] {
            let mut out = Vec::new();
            write_on_threads(&trace.encoder(), &mut out, threads).unwrap();
            assert!(out == expected, "{leaves} leaves on {threads} threads");
        }
    }
}

#[test]
fn one_task_with_many_inputs_is_cut_into_pieces_of_the_same_bytes() {
    let trace = gather_trace(30_000);
    let expected = written(&trace);
    let encoder = trace.encoder();
    assert!(encoder.pieces() > 8, "{} pieces", encoder.pieces());
    // Every piece encoded alone, in reverse order, then put together.
    let mut pieces: Vec<Vec<u8>> = (0..encoder.pieces()).map(|_| Vec::new()).collect();
    for (i, piece) in pieces.iter_mut().enumerate().rev() {
        encoder.encode(i, piece);
        assert!(piece.len() < 8 << 20, "piece {i}: {} bytes", piece.len());
    }
    assert!(pieces.concat() == expected);
    let mut out = Vec::new();
    write_on_threads(&encoder, &mut out, 2).unwrap();
    assert!(out == expected);
}

#[test]
fn the_saved_file_is_the_written_one() {
    let trace = tree_trace(20_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    save_trace(&trace, &path, 2).unwrap();
    assert!(std::fs::read(&path).unwrap() == written(&trace));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
}

/// Accepts `budget` bytes, then fails every write.
struct FailAfter {
    budget: usize,
}

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.budget {
            return Err(std::io::Error::other("disk full"));
        }
        self.budget -= buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_ends_the_save_with_its_error() {
    let trace = tree_trace(40_000);
    let total = written(&trace).len();
    for budget in [0, 1 << 20, total / 2, total - 1] {
        for threads in [1, 2, 4] {
            let mut out = FailAfter { budget };
            let error = write_on_threads(&trace.encoder(), &mut out, threads).unwrap_err();
            assert_eq!(
                error.to_string(),
                "disk full",
                "{budget} bytes, {threads} threads"
            );
        }
    }
}

#[test]
fn a_save_into_a_missing_directory_names_the_file() {
    let trace = tree_trace(3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("run.json");
    let error = save_trace(&trace, &path, 2).unwrap_err().to_string();
    assert!(error.contains("missing"), "{error}");
}

#[test]
fn writeback_writes_what_it_is_given_and_starts_writeback_every_few_mib() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bytes");
    let file = std::fs::File::create(&path).unwrap();
    let mut out = super::Writeback::new(&file);
    let chunk: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
    for _ in 0..7 {
        out.write_all(&chunk).unwrap();
    }
    out.flush().unwrap();
    assert_eq!(out.written, 21 << 20);
    // 21 MiB in 3 MiB writes: writeback started at 9 and 18 MiB (Linux takes the hint
    // on a plain file; elsewhere none is given).
    #[cfg(target_os = "linux")]
    assert!(
        out.hint && out.started == 18 << 20,
        "started {}",
        out.started
    );
    #[cfg(not(target_os = "linux"))]
    assert!(!out.hint && out.started == 0);
    let back = std::fs::read(&path).unwrap();
    assert_eq!(back.len(), 21 << 20);
    assert!(back.chunks(3 << 20).all(|c| c == chunk.as_slice()));
}

#[test]
fn the_join_runs_both_jobs_the_first_on_another_thread() {
    let here = std::thread::current().id();
    let (mut a_on, mut b_on) = (None, None);
    super::join_on_two_threads(
        &mut || a_on = Some(std::thread::current().id()),
        &mut || {
            b_on = Some(std::thread::current().id());
        },
    );
    assert!(a_on.is_some_and(|a| a != here), "{a_on:?}");
    assert_eq!(b_on, Some(here));
}
