//! Loading traces off the UI thread, with progress.
//!
//! A [`LoadJob`] reads the file in chunks on a named thread (reporting bytes
//! read), parses it with the app's [`ParseFn`], builds what the timeline needs
//! ([`TraceDoc::first_stage`]) and hands the document back, then goes on with the
//! graph layout and the analyses ([`TraceDoc::complete`]) while the trace is
//! already on screen. The UI thread only polls. Errors come back as text naming
//! the file, to be shown in the window.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc;

use taskscope_trace::Trace;

use crate::document::TraceDoc;

/// Turns a file's bytes into a trace; the second argument names the file in errors.
pub type ParseFn = fn(&[u8], &str) -> anyhow::Result<Trace>;

/// Chunk size for reading with progress.
const CHUNK: usize = 1 << 20;

/// What a load is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading bytes from disk.
    Reading,
    /// Parsing them into a trace.
    Parsing,
    /// Building the timeline's indexes.
    Indexing,
}

impl Stage {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Reading,
            1 => Self::Parsing,
            _ => Self::Indexing,
        }
    }

    /// A word for the progress line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reading => "reading",
            Self::Parsing => "parsing",
            Self::Indexing => "indexing",
        }
    }
}

#[derive(Debug, Default)]
struct Progress {
    bytes_read: AtomicU64,
    total_bytes: AtomicU64,
    stage: AtomicU8,
}

/// One trace being loaded in the background.
#[derive(Debug)]
pub struct LoadJob {
    path: PathBuf,
    progress: Arc<Progress>,
    result: mpsc::Receiver<Result<Arc<TraceDoc>, String>>,
}

impl LoadJob {
    /// Starts loading `path` on a new thread; `repaint` is called whenever progress changes.
    pub fn spawn(
        path: PathBuf,
        parse: ParseFn,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let progress = Arc::new(Progress::default());
        let (tx, rx) = mpsc::channel();
        let thread_progress = Arc::clone(&progress);
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("taskscope-load".into())
            .spawn(move || {
                let result = load(&thread_path, parse, &thread_progress, &repaint).map(Arc::new);
                let doc = result.as_ref().ok().map(Arc::clone);
                // The receiver may be gone if the tab was closed; nothing to do then.
                let _ = tx.send(result);
                repaint();
                if let Some(doc) = doc {
                    doc.complete();
                    repaint();
                }
            })
            .map_err(|e| format!("could not start a loader thread: {e}"))?;
        Ok(Self {
            path,
            progress,
            result: rx,
        })
    }

    /// The file being loaded.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        Stage::from_u8(self.progress.stage.load(Ordering::Relaxed))
    }

    /// Fraction of the file read so far (0–1).
    pub fn fraction_read(&self) -> f32 {
        let total = self.progress.total_bytes.load(Ordering::Relaxed);
        let read = self.progress.bytes_read.load(Ordering::Relaxed);
        if total == 0 {
            0.0
        } else {
            (read as f64 / total as f64).min(1.0) as f32
        }
    }

    /// The result, once the thread is done (`None` while it is still working).
    pub fn poll(&self) -> Option<Result<Arc<TraceDoc>, String>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(format!(
                "{}: the loader stopped unexpectedly",
                self.path.display()
            ))),
        }
    }

    /// Waits for the result (for tests and the command line).
    pub fn wait(self) -> Result<Arc<TraceDoc>, String> {
        self.result.recv().unwrap_or_else(|_| {
            Err(format!(
                "{}: the loader stopped unexpectedly",
                self.path.display()
            ))
        })
    }
}

fn load(
    path: &Path,
    parse: ParseFn,
    progress: &Progress,
    repaint: &dyn Fn(),
) -> Result<TraceDoc, String> {
    let name = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let total = file.metadata().map_or(0, |m| m.len());
    progress.total_bytes.store(total, Ordering::Relaxed);
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut chunk).map_err(|e| format!("{name}: {e}"))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
        progress
            .bytes_read
            .store(bytes.len() as u64, Ordering::Relaxed);
        repaint();
    }
    progress.stage.store(1, Ordering::Relaxed);
    repaint();
    let trace = parse(&bytes, &name).map_err(|e| format!("{e:#}"))?;
    drop(bytes);
    progress.stage.store(2, Ordering::Relaxed);
    repaint();
    Ok(TraceDoc::first_stage(Some(path.to_path_buf()), trace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_diamond(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
        if bytes == b"diamond" {
            Ok(taskscope_fixtures::diamond()?)
        } else {
            anyhow::bail!("{name}: not a diamond")
        }
    }

    #[test]
    fn loads_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        std::fs::write(&good, b"diamond").unwrap();
        let job = LoadJob::spawn(good, parse_diamond, || {}).unwrap();
        let doc = job.wait().unwrap();
        assert_eq!(doc.trace.graph().len(), 3);
        assert_eq!(doc.title, "good.json");
        // The analyses follow on the loader thread; completing waits for them (or does them).
        doc.complete();
        let analyses = doc.analyses().unwrap();
        // Three tasks and their three output boxes.
        assert_eq!(analyses.layout.nodes().len(), 6);
        assert_eq!(doc.critical_tasks().len(), 2);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, b"nope").unwrap();
        let err = LoadJob::spawn(bad, parse_diamond, || {})
            .unwrap()
            .wait()
            .unwrap_err();
        assert!(
            err.contains("bad.json") && err.contains("not a diamond"),
            "{err}"
        );
        let missing = dir.path().join("missing.json");
        let err = LoadJob::spawn(missing, parse_diamond, || {})
            .unwrap()
            .wait()
            .unwrap_err();
        assert!(err.contains("missing.json"), "{err}");
    }
}
