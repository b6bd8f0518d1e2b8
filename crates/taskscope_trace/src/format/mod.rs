//! Trace files: the taskscope format (writer and reader) and readers for other tools' traces.
//!
//! The taskscope trace file is Chrome Trace Event JSON in object form, so the
//! same file opens in Perfetto and chrome://tracing; after `traceEvents` it
//! holds a `taskscope` object with the format version, the full task graph,
//! the lanes and the run facts, enough to read back an identical [`Trace`].
//!
//! - [`Trace::save`] / [`Trace::write_to`] write it (atomically, streaming, deterministically);
//! - [`StreamWriter`] writes it while a run goes on (graph first, spans as they end), so
//!   that the file opens at any moment and survives a crash of its writer;
//! - [`Trace::open`] / [`Trace::from_slice`] read it back, and read traces written by other
//!   tools: any Chrome Trace Event JSON (object or array form, truncated files
//!   recovered), Ray timelines, Dask task streams, Dask profiler results and Dask
//!   graph files;
//! - [`Trace::open_with_graph`] / [`Trace::from_slice_with_graph`] combine a trace with a
//!   separate graph file (`{"tasks": [{"key", "name", "deps": [keys]}...]}`).
//!
//! The format is detected from the content, never from the file name; what was
//! found is recorded in [`RunMeta::source`](crate::RunMeta::source) (a [`SourceFormat`]) and, for
//! taskscope files, [`RunMeta::format_version`](crate::RunMeta::format_version). Anything a
//! reader recovered from or skipped (a dropped tail, unclosed `B` events,
//! unknown phases) is listed in [`Trace::diagnostics`], with counts.
//!
//! Errors ([`FormatError`]) name the file, the byte offset and line/column,
//! and what was expected. No input makes a reader panic, and memory stays
//! proportional to the input's size.
//!
//! Speed: once a file shows the taskscope marker, each event and each graph
//! task is first matched against the exact layout our writer prints (a
//! hand-written scanner; derived flow and counter events are stepped over),
//! and only what differs goes through serde. Both paths give the same trace,
//! diagnostics and errors on any input (a property test compares them on
//! damaged files). Spans name their task by index, and dependency keys are
//! resolved through a compact, batched key table. A 1,000,000-span file
//! (577 MB) reads in about 0.6 s of CPU on the 2-core development machine
//! (`benches/read.rs`).
//!
//! This module owns the bytes on disk. It does not decide what a trace means
//! (that is the model's job) nor how it is analysed.

mod chrome;
mod dask;
mod encode;
mod error;
mod fast;
mod follow;
mod gather;
mod graph;
mod keys;
mod lex;
#[cfg(test)]
pub(crate) mod mutate;
mod num;
mod read;
mod stream;
mod taskscope;
mod write;

use std::io::Write;
use std::path::Path;

pub use encode::{Join, TraceEncoder};
pub use error::FormatError;
pub use follow::{FileTail, FollowStage, Follower, TailRead};
pub use stream::StreamWriter;
pub use write::FORMAT_VERSION;

pub use crate::model::SourceFormat;
use crate::model::Trace;

impl Trace {
    /// Writes the trace as a taskscope file to `out`.
    ///
    /// The text is assembled in an internal buffer and handed to `out` in pieces of
    /// about 1 MiB, so `out` needs no buffering of its own.
    ///
    /// The same trace always gives the same bytes.
    ///
    /// ```
    /// # use taskscope_trace::{RunMeta, TraceBuilder};
    /// let trace = TraceBuilder::new(RunMeta::default()).build().unwrap();
    /// let mut bytes = Vec::new();
    /// trace.write_to(&mut bytes).unwrap();
    /// assert!(bytes.starts_with(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":["));
    /// ```
    ///
    /// # Complexity
    /// O(S log S + V + E) time, O(S + V) integers of memory; the JSON text is streamed.
    pub fn write_to(&self, mut out: impl Write) -> std::io::Result<()> {
        write::write_trace(self, &mut out)
    }

    /// Saves the trace as a taskscope file at `path`, atomically.
    ///
    /// The file is written to a temporary file in the same directory, synced,
    /// and renamed over `path`, so a crash never leaves a half-written trace
    /// under the final name.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), FormatError> {
        write_atomically(path.as_ref(), |w| self.write_to(w))
    }
}

impl Trace {
    /// Opens a trace file of any supported format (see the [module docs](self)).
    ///
    /// ```no_run
    /// let trace = taskscope_trace::Trace::open("run.json")?;
    /// println!("{} spans from a {}", trace.spans().len(), trace.meta().source.as_str());
    /// # Ok::<(), taskscope_trace::FormatError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Trace, FormatError> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::from_slice(&bytes, &path.display().to_string())
    }

    /// Opens a trace file together with a graph file naming each task's key, name and
    /// dependencies (e.g. a Dask task stream plus the graph it ran).
    ///
    /// Spans are matched to graph tasks by key; tasks with spans but not in the
    /// graph are added (and reported in the diagnostics). A graph file alone can
    /// also be opened with [`Trace::open`]: it gives a trace with a graph and no spans.
    pub fn open_with_graph(
        trace_path: impl AsRef<Path>,
        graph_path: impl AsRef<Path>,
    ) -> Result<Trace, FormatError> {
        let trace_path = trace_path.as_ref();
        let graph_path = graph_path.as_ref();
        let bytes = read_file(trace_path)?;
        let graph = read_file(graph_path)?;
        Self::from_slice_with_graph(
            &bytes,
            &trace_path.display().to_string(),
            &graph,
            &graph_path.display().to_string(),
        )
    }

    /// Reads a trace of any supported format from memory; `source_name` names it in errors.
    ///
    /// ```
    /// let json = br#"[{"ph":"X","name":"work","ts":10,"dur":5,"pid":1,"tid":1}]"#;
    /// let trace = taskscope_trace::Trace::from_slice(json, "inline.json").unwrap();
    /// assert_eq!(trace.spans().len(), 1);
    /// assert_eq!(trace.spans()[0].duration_ns(), 5_000);
    /// ```
    ///
    /// # Complexity
    /// O(n + S log S) for n bytes and S spans; one pass over the bytes, no DOM.
    pub fn from_slice(bytes: &[u8], source_name: &str) -> Result<Trace, FormatError> {
        read::read(bytes, source_name, None)
    }

    /// [`Trace::from_slice`] combined with a graph file's bytes (see [`Trace::open_with_graph`]).
    pub fn from_slice_with_graph(
        bytes: &[u8],
        source_name: &str,
        graph: &[u8],
        graph_name: &str,
    ) -> Result<Trace, FormatError> {
        read::read(bytes, source_name, Some((graph, graph_name)))
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, FormatError> {
    std::fs::read(path).map_err(|source| FormatError::Io {
        path: path.to_path_buf(),
        action: "reading",
        source,
    })
}

/// Writes a file atomically: through `write` into a new temporary file beside `path`
/// (created with the mode any new file gets), synced, then renamed over `path`. A crash
/// or an error never leaves a half-written file under the final name, and an error
/// removes the temporary file. Every file taskscope writes (traces, pictures, tables)
/// goes through here.
///
/// # Errors
/// [`FormatError::Io`] naming the file and what failed (creating the temporary file,
/// writing, syncing, renaming).
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut &std::fs::File) -> std::io::Result<()>,
) -> Result<(), FormatError> {
    let io = |path: &Path, action: &'static str| {
        let path = path.to_path_buf();
        move |source| FormatError::Io {
            path,
            action,
            source,
        }
    };
    let (file, tmp) = create_temporary(path)?;
    let result = (|| {
        // Unbuffered: the writer hands over large pieces already (a BufWriter would
        // only copy every byte once more).
        let mut w = &file;
        write(&mut w).map_err(io(path, "writing"))?;
        file.sync_all().map_err(io(path, "syncing"))?;
        std::fs::rename(&tmp, path).map_err(io(path, "renaming the temporary file over"))
    })();
    if result.is_err() {
        // Best effort: the original error is what matters.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The most bytes of a file's name that a temporary file beside it carries whole.
///
/// A temporary name adds a dot, a random or counted part and a suffix (up to 37 bytes
/// here, 25 in the Dask integration's `.NAME.xxxxxxxx.taskscope-part`): a longer name is
/// carried as its first 200 bytes and a hash of it (217 bytes, see [`temporary_stem`]),
/// which leaves room for them within the 255 bytes file systems allow.
pub const TEMPORARY_STEM_MAX: usize = 200;

/// The part of the file name `name` that a temporary file beside it carries: the whole
/// name when it has at most [`TEMPORARY_STEM_MAX`] bytes; else its longest start within
/// that many bytes that ends at a character boundary, `~`, and the 16 hex digits of the
/// whole name's [`stable_hash`](crate::stable_hash) (so two long names that start alike
/// get different stems). The Dask integration names its temporary file by the same rule,
/// and the viewer finds it by it.
pub fn temporary_stem(name: &str) -> std::borrow::Cow<'_, str> {
    if name.len() <= TEMPORARY_STEM_MAX {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut end = TEMPORARY_STEM_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let start = name.get(..end).unwrap_or_default();
    std::borrow::Cow::Owned(format!(
        "{start}~{:016x}",
        crate::stable_hash(name.as_bytes())
    ))
}

/// Creates a new, uniquely named temporary file in the directory of `path`, to be renamed
/// over `path` once written; returns it and its path.
fn create_temporary(path: &Path) -> Result<(std::fs::File, std::path::PathBuf), FormatError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path.file_name().map_or_else(
        || "trace.json".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    // The temporary name adds a dot, the process id, a counter and `.tmp`: a long name
    // keeps its start, so that a name the file system takes still has a temporary one.
    let file_name = temporary_stem(&file_name);
    debug_assert!(
        file_name.len() <= TEMPORARY_STEM_MAX + 17,
        "a stem and its hash"
    );
    loop {
        let tmp = dir.join(format!(
            ".{file_name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                // Named by the file asked for (the temporary name means nothing to the user).
                return Err(FormatError::Io {
                    path: path.to_path_buf(),
                    action: "creating a temporary file beside it",
                    source,
                });
            }
        }
    }
}

#[cfg(test)]
mod stem_tests {
    use super::temporary_stem;

    #[test]
    fn a_long_name_is_carried_as_its_start_and_a_hash() {
        assert_eq!(temporary_stem("run.json"), "run.json");
        let whole = "n".repeat(200);
        assert_eq!(temporary_stem(&whole), whole.as_str());
        // Pinned digits: the Dask integration's test pins the same for its name.
        let name = format!("{}é{}.json", "r".repeat(199), "x".repeat(34));
        assert_eq!(
            temporary_stem(&name),
            format!("{}~92dd4a6bdd90e8e3", "r".repeat(199))
        );
        // A four-byte character across the cut.
        let name = format!("{}😀{}", "a".repeat(198), "b".repeat(60));
        let stem = temporary_stem(&name);
        assert!(stem.starts_with(&format!("{}~", "a".repeat(198))), "{stem}");
        assert_eq!(stem.len(), 198 + 17);
    }
}
