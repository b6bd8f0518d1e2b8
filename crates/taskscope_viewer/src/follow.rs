//! Following a trace file while it is written, on a background thread.
//!
//! A [`FollowJob`] owns a named thread that drives the trace crate's incremental
//! reader ([`Follower`] over a [`FileTail`]): it reads what was appended, parses only
//! those bytes, and every so often builds a live [`TraceDoc`] of the events so far
//! (index, key groups, timeline lanes, graph drawing; [`TraceDoc::live`]) and hands it
//! to the UI thread, which only swaps it in and hands the old one back to be dropped
//! here ([`FollowJob::retire`]). Snapshots are spaced by at least
//! [`MIN_SNAPSHOT_INTERVAL`] and by twice the time the last one took to build, so a big
//! run never keeps the thread building.
//!
//! What a live update does not do: the analyses (statistics, the advisor's findings,
//! the critical path) are computed once, for the complete file; a taskscope stream's
//! graph (its graph event gives it whole, only node states change) is not indexed
//! again: each update's index grows from the previous one's.
//!
//! When the file is rewritten (it shrank or another file was renamed over it, as
//! the `taskscope_tracing` layer's `run.partial.json` is about once a second) reading
//! starts over. When the file is complete it is read whole once (a taskscope file's
//! graph section follows its events) and the job ends with the final document. Two
//! writers finish under another name: a Dask integration's temporary file
//! (`.NAME.xxxx.taskscope-part`) is renamed onto `NAME`, and the `taskscope_tracing`
//! layer's `NAME.partial.EXT`, complete at each rewrite, is removed once `NAME.EXT` is
//! written; when such a file disappears, that file is the finished run. Following `NAME`
//! while a Dask integration's `.NAME.xxxx.taskscope-part` is beside it reads that file
//! (the newest, if several): a recording under way is preferred over a previous run's `NAME`.
//!
//! Cancellation: dropping the job (closing the tab) stops the thread at its next
//! look at the file (within [`POLL_INTERVAL`] or one snapshot build).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use taskscope_trace::format::{FileTail, FollowStage, Follower, TailRead};

use crate::document::TraceDoc;
use crate::loader::ParseFn;

/// How long the thread waits before looking at an unchanged file again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The shortest time between two snapshots.
pub const MIN_SNAPSHOT_INTERVAL: Duration = Duration::from_millis(100);

/// At most this many bytes are parsed between two looks at the clock.
const READ_CHUNK: usize = 4 << 20;

/// Where a followed file stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowStatus {
    /// Bytes read from the file (since the last rewrite).
    pub bytes_read: u64,
    /// Events read (since the last rewrite).
    pub events: u64,
    /// How many times the file was rewritten and reading started over.
    pub restarts: u32,
    /// Something the user should know (the file is gone, not yet created…).
    pub note: Option<String>,
    /// The file is complete (the final document was sent).
    pub complete: bool,
}

/// What the thread hands over.
#[derive(Debug)]
pub enum FollowUpdate {
    /// The trace so far.
    Live(Arc<TraceDoc>),
    /// The complete trace: the tab becomes an ordinary one.
    Finished(Arc<TraceDoc>),
    /// Reading failed (bad JSON, I/O); the message names the file and position.
    Failed(String),
}

#[derive(Debug, Default)]
struct Shared {
    /// The newest update not yet taken (older ones are replaced, never queued).
    latest: Mutex<Option<FollowUpdate>>,
    /// Documents the UI no longer shows, dropped on the follower thread (a big one
    /// takes milliseconds to free).
    retired: Mutex<Vec<Arc<TraceDoc>>>,
    status: Mutex<FollowStatus>,
    stop: AtomicBool,
    /// The thread has ended (retired documents are no longer dropped there).
    ended: AtomicBool,
}

/// One followed file (see the module docs).
#[derive(Debug)]
pub struct FollowJob {
    path: PathBuf,
    shared: Arc<Shared>,
}

impl FollowJob {
    /// Starts following `path`; `parse` reads the complete file at the end and
    /// `repaint` is called whenever there is something new.
    pub fn spawn(
        path: PathBuf,
        parse: ParseFn,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("taskscope-follow".into())
            .spawn(move || {
                let update = follow(&thread_path, parse, &thread_shared, &repaint);
                thread_shared.ended.store(true, Ordering::Relaxed);
                drop(std::mem::take(&mut *thread_shared.retired.lock()));
                if let Some(update) = update {
                    if matches!(update, FollowUpdate::Finished(_)) {
                        thread_shared.status.lock().complete = true;
                    }
                    *thread_shared.latest.lock() = Some(update);
                    repaint();
                }
            })
            .map_err(|e| format!("could not start a follower thread: {e}"))?;
        Ok(Self { path, shared })
    }

    /// The followed file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the newest update, if there is one.
    pub fn poll(&self) -> Option<FollowUpdate> {
        self.shared.latest.lock().take()
    }

    /// Where the file stands.
    pub fn status(&self) -> FollowStatus {
        self.shared.status.lock().clone()
    }

    /// Hands back a document the UI no longer shows, to be dropped on the follower
    /// thread rather than in a frame (dropped here if the thread has ended).
    pub fn retire(&self, doc: Arc<TraceDoc>) {
        if !self.shared.stop.load(Ordering::Relaxed) && !self.shared.ended.load(Ordering::Relaxed) {
            self.shared.retired.lock().push(doc);
        }
    }
}

impl Drop for FollowJob {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

/// The thread's body: returns the last update (`None` when stopped).
fn follow(
    path: &Path,
    parse: ParseFn,
    shared: &Shared,
    repaint: &dyn Fn(),
) -> Option<FollowUpdate> {
    loop {
        let mut tail = loop {
            if shared.stop.load(Ordering::Relaxed) {
                return None;
            }
            // A Dask recording under way streams into a temporary file beside its target,
            // renamed onto it at the end: follow that one while it is there.
            let open = dask_part_for(path).unwrap_or_else(|| path.to_path_buf());
            match FileTail::open(&open) {
                Ok(tail) => break tail,
                Err(e) if !open.exists() => {
                    shared.status.lock().note = Some(format!("waiting for the file: {e}"));
                    std::thread::sleep(POLL_INTERVAL);
                }
                Err(e) => return Some(FollowUpdate::Failed(e.to_string())),
            }
        };
        shared.status.lock().note = None;
        match follow_once(&mut tail, path, parse, shared, repaint) {
            Ending::Stopped => return None,
            Ending::Rewritten => {
                let mut status = shared.status.lock();
                status.restarts += 1;
                status.bytes_read = 0;
                status.events = 0;
            }
            Ending::Done(update) => return Some(update),
        }
    }
}

/// How one pass over the file ended.
enum Ending {
    Stopped,
    Rewritten,
    Done(FollowUpdate),
}

/// Follows the file from its start until it is complete, rewritten, or the job stops.
fn follow_once(
    tail: &mut FileTail,
    followed: &Path,
    parse: ParseFn,
    shared: &Shared,
    repaint: &dyn Fn(),
) -> Ending {
    // The file read (a Dask recording's temporary file when `followed` is its target):
    // errors name it, with positions in it; the live tab shows the followed name.
    let path = tail.path().to_path_buf();
    // When the file is gone, its finished name is this run only if written since then
    // (a discarded recording leaves the previous run's file there).
    let opened = modified(&path);
    // The follower lives as long as this pass: a rewrite frees every event read.
    let mut follower = Follower::new(&path.display().to_string());
    let mut buf = Vec::new();
    let mut last_snapshot: Option<Instant> = None;
    let mut build_time = Duration::ZERO;
    let mut dirty = false;
    // The last update of a stream, whose index the next one grows from.
    let mut previous: Option<Arc<TraceDoc>> = None;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return Ending::Stopped;
        }
        let retired = std::mem::take(&mut *shared.retired.lock());
        drop(retired);
        buf.clear();
        let read = match tail.read_new(&mut buf, READ_CHUNK) {
            Ok(r) => r,
            Err(e) => return Ending::Done(FollowUpdate::Failed(e.to_string())),
        };
        match read {
            TailRead::Grew(_) => {
                let events = follower.events();
                if let Err(e) = follower.push(&buf) {
                    return Ending::Done(FollowUpdate::Failed(e.to_string()));
                }
                // Bytes that complete no event (a long graph event arriving in pieces)
                // change nothing to show.
                dirty |= follower.events() != events;
                let mut status = shared.status.lock();
                status.bytes_read = tail.offset();
                status.events = follower.events();
                status.note = None;
            }
            TailRead::Unchanged => {}
            TailRead::Rewritten => return Ending::Rewritten,
            TailRead::Gone => {
                if let Some(target) = finished_name(&path).filter(|t| t.is_file()) {
                    if written_since(&target, opened) {
                        return Ending::Done(read_whole(&target, followed, parse, false));
                    }
                    // The next recording of the followed target has begun: read it.
                    if dask_part_for(followed).is_some_and(|next| next != path) {
                        return Ending::Rewritten;
                    }
                    shared.status.lock().note = Some(format!(
                        "the file is gone and {} is older than it (the run was discarded?): showing what was read",
                        target.display()
                    ));
                } else {
                    shared.status.lock().note = Some(
                        "the file is gone (moved or deleted): showing what was read".to_owned(),
                    );
                }
            }
        }
        if follower.stage() == FollowStage::Complete {
            if partial_target(&path).is_none() {
                return Ending::Done(read_whole(&path, followed, parse, false));
            }
            // A snapshot complete in itself, rewritten while the run goes on.
            if let FollowUpdate::Finished(doc) = read_whole(&path, followed, parse, true) {
                *shared.latest.lock() = Some(FollowUpdate::Live(doc));
                repaint();
            }
            return wait_for_rewrite(tail, followed, parse, shared);
        }
        let due = last_snapshot.is_none_or(|at| {
            at.elapsed() >= MIN_SNAPSHOT_INTERVAL.max(build_time.saturating_mul(2))
        });
        if dirty && due {
            let started = Instant::now();
            // A stream's first update builds what the later ones share (the graph's
            // index parts, its key groups): that one-time cost does not space them.
            let first_of_graph = follower.has_whole_graph() && previous.is_none();
            match follower.snapshot() {
                Ok(trace) => {
                    let same_graph = previous.as_deref().filter(|_| follower.has_whole_graph());
                    let doc = Arc::new(TraceDoc::live(
                        Some(followed.to_path_buf()),
                        trace,
                        same_graph,
                    ));
                    if follower.has_whole_graph() {
                        previous = Some(Arc::clone(&doc));
                    }
                    *shared.latest.lock() = Some(FollowUpdate::Live(doc));
                    repaint();
                }
                Err(e) => return Ending::Done(FollowUpdate::Failed(e.to_string())),
            }
            build_time = if first_of_graph {
                Duration::ZERO
            } else {
                started.elapsed()
            };
            last_snapshot = Some(Instant::now());
            dirty = false;
        } else if !matches!(read, TailRead::Grew(_)) {
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

/// Waits until a complete `NAME.partial.EXT` is rewritten (read it again) or removed
/// (the run ended: read `NAME.EXT`).
fn wait_for_rewrite(
    tail: &mut FileTail,
    followed: &Path,
    parse: ParseFn,
    shared: &Shared,
) -> Ending {
    let mut scratch = Vec::new();
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return Ending::Stopped;
        }
        let retired = std::mem::take(&mut *shared.retired.lock());
        drop(retired);
        scratch.clear();
        match tail.read_new(&mut scratch, 1) {
            // More after the end of a complete file is a rewrite in place.
            Ok(TailRead::Rewritten | TailRead::Grew(_)) => return Ending::Rewritten,
            Ok(TailRead::Unchanged) => std::thread::sleep(POLL_INTERVAL),
            Ok(TailRead::Gone) => {
                if let Some(target) = finished_name(tail.path()).filter(|t| t.is_file()) {
                    return Ending::Done(read_whole(&target, followed, parse, false));
                }
                shared.status.lock().note =
                    Some("the file is gone (moved or deleted): showing what was read".to_owned());
                std::thread::sleep(POLL_INTERVAL);
            }
            Err(e) => return Ending::Done(FollowUpdate::Failed(e.to_string())),
        }
    }
}

/// The name a file being written is finished under, for the writers that finish under
/// another name (see the module docs).
fn finished_name(path: &Path) -> Option<PathBuf> {
    dask_target(path).or_else(|| partial_target(path))
}

/// The file `NAME.partial.EXT` (or `NAME.partial`) of the `taskscope_tracing` layer stands for.
fn partial_target(path: &Path) -> Option<PathBuf> {
    let file = path.file_name()?.to_str()?;
    let name = match file.rsplit_once(".partial.") {
        Some((stem, ext)) if !stem.is_empty() && !ext.contains('.') => format!("{stem}.{ext}"),
        _ => file
            .strip_suffix(".partial")
            .filter(|s| !s.is_empty())?
            .to_owned(),
    };
    Some(path.with_file_name(name))
}

/// Reads the complete file at `path` into the final document (analyses included), or
/// into a live one (`live`: a complete snapshot of a run that goes on).
fn read_whole(path: &Path, followed: &Path, parse: ParseFn, live: bool) -> FollowUpdate {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        // Renamed onto its finished name since it was read to its end (the Dask
        // integration's temporary file): that file is the same run.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match finished_name(path).filter(|t| t.is_file()) {
                Some(target) => return read_whole(&target, followed, parse, live),
                None => return FollowUpdate::Failed(format!("{name}: {e}")),
            }
        }
        Err(e) => return FollowUpdate::Failed(format!("{name}: {e}")),
    };
    match parse(&bytes, &name) {
        Ok(trace) => {
            // A Dask recording's temporary file, complete, is the run its target will be:
            // shown under the name followed (its target), or the target it names.
            let path = Some(if path != followed && dask_part_stem(path).is_some() {
                followed.to_path_buf()
            } else {
                dask_target(path).unwrap_or_else(|| path.to_path_buf())
            });
            FollowUpdate::Finished(Arc::new(if live {
                TraceDoc::live(path, trace, None)
            } else {
                TraceDoc::new(path, trace)
            }))
        }
        Err(e) => FollowUpdate::Failed(format!("{e:#}")),
    }
}

/// The Dask integration's temporary file that becomes `target` (`.NAME.xxxx.taskscope-part`
/// beside it), the newest if there are several; `None` when there is none.
fn dask_part_for(target: &Path) -> Option<PathBuf> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A part older than a complete target is a crashed recording's leftover (one written
    // in the same tick as the target, on a file system with coarse times, is followed).
    let target_written = modified(target);
    // A long name's part carries its start and a hash of it (`temporary_stem`).
    let stem = taskscope_trace::format::temporary_stem(target.file_name()?.to_str()?);
    let stem: &str = &stem;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = target.with_file_name(entry.file_name());
            if dask_part_stem(&path) != Some(stem) {
                return None;
            }
            let modified = entry.metadata().ok()?.modified().ok()?;
            target_written
                .is_none_or(|t| modified >= t)
                .then_some((modified, path))
        })
        .max()
        .map(|(_, path)| path)
}

/// When `path` was last written (`None` if it cannot be told).
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

/// Whether `target` was written at or after `since` (yes when either time is unknown).
fn written_since(target: &Path, since: Option<std::time::SystemTime>) -> bool {
    match (modified(target), since) {
        (Some(written), Some(since)) => written >= since,
        _ => true,
    }
}

/// The name a Dask integration's temporary file `.NAME.xxxx.taskscope-part` carries of
/// the file it becomes (the whole name, or for a long one its start and a hash:
/// `temporary_stem`).
fn dask_part_stem(part: &Path) -> Option<&str> {
    let file = part.file_name()?.to_str()?;
    let inner = file.strip_prefix('.')?.strip_suffix(".taskscope-part")?;
    let (name, _random) = inner.rsplit_once('.')?;
    (!name.is_empty()).then_some(name)
}

/// The file a Dask integration's temporary file `.NAME.xxxx.taskscope-part` becomes. A
/// long name's part carries only its start and a hash: its file is the one beside it
/// whose name gives that stem (found once it exists, that is once the recording ended).
fn dask_target(part: &Path) -> Option<PathBuf> {
    let stem = dask_part_stem(part)?;
    if stem.len() <= taskscope_trace::format::TEMPORARY_STEM_MAX {
        return Some(part.with_file_name(stem));
    }
    let dir = match part.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find_map(|entry| {
            let name = entry.file_name();
            let name = name.to_str()?;
            (taskscope_trace::format::temporary_stem(name) == stem)
                .then(|| part.with_file_name(name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8], name: &str) -> anyhow::Result<taskscope_trace::Trace> {
        Ok(taskscope_trace::Trace::from_slice(bytes, name)?)
    }

    #[test]
    fn the_dask_part_file_names_its_target() {
        assert_eq!(
            dask_target(Path::new("/t/.run.json.ab12_x.taskscope-part")),
            Some(PathBuf::from("/t/run.json"))
        );
        assert_eq!(dask_target(Path::new("/t/run.json")), None);
        assert_eq!(dask_target(Path::new("/t/.x.taskscope-part")), None);
        assert_eq!(
            partial_target(Path::new("/t/run.partial.json")),
            Some(PathBuf::from("/t/run.json"))
        );
        assert_eq!(
            partial_target(Path::new("/t/trace.partial")),
            Some(PathBuf::from("/t/trace"))
        );
        assert_eq!(partial_target(Path::new("/t/run.json")), None);
        assert_eq!(partial_target(Path::new("/t/.partial")), None);
    }

    /// Waits (bounded) for an update that `accept` takes.
    fn wait_for(job: &FollowJob, accept: impl Fn(&FollowUpdate) -> bool) -> FollowUpdate {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(u) = job.poll()
                && accept(&u)
            {
                return u;
            }
            assert!(Instant::now() < deadline, "no such update in 20 s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_partial_file_is_followed_across_rewrites_to_the_finished_run() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("run.partial.json");
        let finished = dir.path().join("run.json");
        let event = |i: u32| {
            format!("{{\"ph\":\"X\",\"name\":\"t{i}\",\"ts\":{i},\"dur\":1,\"pid\":1,\"tid\":1}}")
        };
        let file_of = |n: u32| format!("[{}]", (0..n).map(event).collect::<Vec<_>>().join(","));
        // Rewritten whole, atomically, as the layer does.
        let rewrite = |path: &Path, text: String| {
            let tmp = dir.path().join(".tmp");
            std::fs::write(&tmp, text).unwrap();
            std::fs::rename(&tmp, path).unwrap();
        };
        rewrite(&partial, file_of(1));
        let job = FollowJob::spawn(partial.clone(), parse, || {}).unwrap();
        let spans = |u: &FollowUpdate| match u {
            FollowUpdate::Live(d) | FollowUpdate::Finished(d) => d.trace.spans().len(),
            FollowUpdate::Failed(e) => panic!("{e}"),
        };
        // A complete partial file is a live snapshot, not the end.
        let first = wait_for(&job, |u| spans(u) == 1);
        assert!(matches!(first, FollowUpdate::Live(_)));
        rewrite(&partial, file_of(3));
        let second = wait_for(&job, |u| spans(u) == 3);
        assert!(matches!(second, FollowUpdate::Live(_)));
        assert!(job.status().restarts >= 1);
        // The run ends: the final file is written, the partial one removed.
        std::fs::write(&finished, file_of(4)).unwrap();
        std::fs::remove_file(&partial).unwrap();
        let last = wait_for(&job, |u| matches!(u, FollowUpdate::Finished(_)));
        assert_eq!(spans(&last), 4);
    }

    #[test]
    fn following_a_dask_target_reads_its_recording_under_way() {
        // Names whose part carries them whole, and a long one carried as its start and
        // a hash (198 and 230 bytes: a recording of either never finished in the viewer
        // of a first version, which could not tell a part's target by its name).
        for name in [
            "run.json".to_owned(),
            format!("{}.json", "r".repeat(193)),
            format!("{}.json", "r".repeat(225)),
        ] {
            follow_a_recording_under_way(&name);
        }
    }

    fn follow_a_recording_under_way(name: &str) {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let (target, part, mut file) = recording_under_way_named(dir.path(), name);
        std::fs::write(dir.path().join(".other.json.ab.taskscope-part"), "[").unwrap();
        assert_eq!(dask_part_for(&target), Some(part.clone()));
        let job = FollowJob::spawn(target.clone(), parse, || {}).unwrap();
        let spans = |u: &FollowUpdate| match u {
            FollowUpdate::Live(d) | FollowUpdate::Finished(d) => d.trace.spans().len(),
            FollowUpdate::Failed(e) => panic!("{e}"),
        };
        let first = wait_for(&job, |u| spans(u) == 1);
        let FollowUpdate::Live(doc) = &first else {
            panic!("the recording, not the old file")
        };
        // Shown under the name the user followed, not the temporary one.
        assert_eq!(doc.path.as_deref(), Some(target.as_path()));
        // The recording ends: completed, then renamed onto the target.
        write!(
            file,
            "{{\"ph\":\"X\",\"name\":\"inc\",\"ts\":6,\"dur\":5,\"pid\":1,\"tid\":1}}]}}"
        )
        .unwrap();
        file.flush().unwrap();
        drop(file);
        std::fs::rename(&part, &target).unwrap();
        let last = wait_for(&job, |u| matches!(u, FollowUpdate::Finished(_)));
        assert_eq!(spans(&last), 2);
        let FollowUpdate::Finished(doc) = &last else {
            unreachable!()
        };
        assert_eq!(doc.path.as_deref(), Some(target.as_path()));
    }

    #[test]
    fn a_long_target_name_finds_its_recording_by_its_start_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        // 230 bytes, a two-byte character across the 200-byte cut.
        let name = format!("{}é{}.json", "r".repeat(199), "x".repeat(24));
        let target = dir.path().join(&name);
        let stem = taskscope_trace::format::temporary_stem(&name);
        assert!(stem.starts_with(&format!("{}~", "r".repeat(199))), "{stem}");
        assert_eq!(
            stem.len(),
            199 + 17,
            "cut before the character across 200 bytes"
        );
        let part = dir.path().join(format!(".{stem}.0a1b2c3d.taskscope-part"));
        std::fs::write(&part, "[").unwrap();
        // Not taken for the recording of a name that starts alike: a longer one, another
        // long one with the same first 200 bytes, or the 199 bytes before the cut.
        for other in [
            format!("{name}-run2.json"),
            format!("{}é{}.csv", "r".repeat(199), "x".repeat(24)),
            "r".repeat(199),
        ] {
            assert_eq!(dask_part_for(&dir.path().join(other)), None);
        }
        assert_eq!(dask_part_for(&target), Some(part.clone()));
        // From the part alone, its target is found once it exists.
        assert_eq!(dask_target(&part), None);
        std::fs::write(&target, "[]").unwrap();
        assert_eq!(dask_target(&part), Some(target));
    }

    /// In `dir`: a previous run's `run.json` (a minute old), and the recording of the next
    /// one under way, its temporary file with one span so far: (target, part, its file).
    fn recording_under_way(dir: &Path) -> (PathBuf, PathBuf, std::fs::File) {
        recording_under_way_named(dir, "run.json")
    }

    /// As [`recording_under_way`], for a target named `name`.
    fn recording_under_way_named(dir: &Path, name: &str) -> (PathBuf, PathBuf, std::fs::File) {
        use std::io::Write;
        let target = dir.join(name);
        std::fs::write(&target, "[]").unwrap();
        set_age(&target, 60);
        assert_eq!(dask_part_for(&target), None);
        let stem = taskscope_trace::format::temporary_stem(name);
        let part = dir.join(format!(".{stem}.k3x_9a.taskscope-part"));
        let mut file = std::fs::File::create(&part).unwrap();
        write!(
            file,
            "{{\"traceEvents\":[\n{{\"ph\":\"X\",\"name\":\"inc\",\"ts\":0,\"dur\":5,\"pid\":1,\"tid\":1}},\n"
        )
        .unwrap();
        file.flush().unwrap();
        (target, part, file)
    }

    /// Makes `path` look last written `seconds` ago.
    fn set_age(path: &Path, seconds: u64) {
        let then = std::time::SystemTime::now() - Duration::from_secs(seconds);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }

    #[test]
    fn a_crashed_recordings_leftover_is_not_followed_over_a_newer_run() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run.json");
        let part = dir.path().join(".run.json.dead01.taskscope-part");
        std::fs::write(&part, "{\"traceEvents\":[\n").unwrap();
        set_age(&part, 120);
        std::fs::write(&target, "[]").unwrap();
        assert_eq!(dask_part_for(&target), None);
        // Without a finished run, the leftover is all there is.
        std::fs::remove_file(&target).unwrap();
        assert_eq!(dask_part_for(&target), Some(part));
    }

    #[test]
    fn a_discarded_recording_does_not_end_as_the_previous_run() {
        let dir = tempfile::tempdir().unwrap();
        let (target, part, file) = recording_under_way(dir.path());
        let job = FollowJob::spawn(target.clone(), parse, || {}).unwrap();
        wait_for(&job, |u| matches!(u, FollowUpdate::Live(_)));
        // The recording fails and removes its file: the old run.json is not this run.
        drop(file);
        std::fs::remove_file(&part).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !job.status().note.is_some_and(|n| n.contains("older")) {
            assert!(Instant::now() < deadline, "{:?}", job.status());
            assert!(
                !matches!(job.poll(), Some(FollowUpdate::Finished(_))),
                "the previous run taken for this one"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!job.status().complete);
        // The next recording begins: it is followed, from its start.
        let next = dir.path().join(".run.json.n3xt00.taskscope-part");
        std::fs::write(
            &next,
            "{\"traceEvents\":[\n{\"ph\":\"X\",\"name\":\"add\",\"ts\":0,\"dur\":5,\"pid\":1,\"tid\":1},\n{\"ph\":\"X\",\"name\":\"add\",\"ts\":6,\"dur\":5,\"pid\":1,\"tid\":1},\n",
        )
        .unwrap();
        let update = wait_for(
            &job,
            |u| matches!(u, FollowUpdate::Live(d) if d.trace.spans().len() == 2),
        );
        let FollowUpdate::Live(doc) = update else {
            unreachable!()
        };
        assert_eq!(doc.path.as_deref(), Some(target.as_path()));
        assert_eq!(job.status().restarts, 1);
    }

    #[test]
    fn follows_a_growing_file_to_its_end() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.json");
        let mut file = std::fs::File::create(&path).unwrap();
        write!(
            file,
            "[{{\"ph\":\"X\",\"name\":\"a\",\"ts\":0,\"dur\":5,\"pid\":1,\"tid\":1}},\n{{\"ph\":\"X\",\"na"
        )
        .unwrap();
        file.flush().unwrap();
        let job = FollowJob::spawn(path.clone(), parse, || {}).unwrap();
        let spans = |u: &FollowUpdate| match u {
            FollowUpdate::Live(d) | FollowUpdate::Finished(d) => d.trace.spans().len(),
            FollowUpdate::Failed(e) => panic!("{e}"),
        };
        let first = wait_for(&job, |u| spans(u) == 1);
        assert!(matches!(first, FollowUpdate::Live(_)));
        writeln!(file, "me\":\"b\",\"ts\":6,\"dur\":5,\"pid\":1,\"tid\":2}},").unwrap();
        file.flush().unwrap();
        wait_for(&job, |u| spans(u) == 2);
        write!(file, "]").unwrap();
        file.flush().unwrap();
        let last = wait_for(&job, |u| matches!(u, FollowUpdate::Finished(_)));
        assert_eq!(spans(&last), 2);
        assert!(job.status().complete);
    }
}
