//! Following a trace file that is still being written: an incremental reader.
//!
//! [`Follower`] takes the bytes of a Chrome Trace Event JSON file as they arrive
//! (bare `[` arrays and `{"traceEvents":[` objects, taskscope files included) and
//! parses each byte once: a resumable bracket scan finds where the last complete
//! event ends, and only the complete events are handed to the same event gathering
//! as [`Trace::open`](crate::Trace::open) (`read::read_events`, with the fast paths
//! for our own files). A chunk boundary may fall anywhere — inside a string, an
//! escape or a number: the incomplete tail waits for the next bytes. At any moment
//! [`Follower::snapshot`] builds the [`Trace`] of the events read so far, exactly as
//! `Trace::open` builds it from a file that holds those events.
//!
//! [`FileTail`] reads what was appended to a file since the last look and notices a
//! rewrite (the file shrank or was replaced by another file, as the `taskscope_tracing`
//! layer's `run.partial.json` is about once a second): then the caller starts over
//! with a new follower.
//!
//! Memory: the events' bytes do not outlive the push that completes them. Each push's
//! complete events are gathered from a short-lived buffer into a gathering that owns
//! its texts (`Gathered::into_owned`: interned names, lanes, flow and counter keys,
//! span keys and args; the spans and args read before are kept apart meanwhile, so only
//! the batch's own are converted). A taskscope stream's graph is read once, when its
//! event arrives, and kept built for every snapshot; its spans that carry their task
//! index keep no key. So a follower holds what was gathered, its incomplete tail and
//! the last push's buffer ([`Follower::held_file_bytes`], at most a few MB once an
//! event larger than a push, like a stream's graph event, was read). Measured on a
//! 226 MB stream of 10^6 spans (`examples/follow_memory.rs`, same run): following it
//! to the end in 4 MiB pieces, a snapshot every 64 MiB, peaks at 324 MB of resident
//! memory, against 455 MB for `Trace::open` of the same file (603 MB when the
//! follower kept every event's bytes).
//!
//! This module owns no thread and never sleeps: the viewer's background thread drives
//! it. It does not decide what events mean (the Chrome gathering does) nor how often
//! to snapshot (the caller does).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;

use super::error::{FormatError, Position, Source};
use super::gather::{Gathered, PendingSpan};
use super::lex::{ElementError, after_bom, key_at, skip_ws, value_at};
use super::read::{ArrayEnd, read_events};
use super::taskscope::StreamGraph;
use crate::model::{RunMeta, SourceFormat, Trace};

/// Where a [`Follower`] is in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowStage {
    /// Before the first event: the `[` or the object's keys before `traceEvents`.
    Header,
    /// Inside the event array.
    Events,
    /// The event array is closed and the rest of the top-level object is being read
    /// (a taskscope file's `taskscope` section; it is not parsed here).
    AfterEvents,
    /// The top-level value is closed: the file is complete.
    Complete,
}

/// A resumable scan for the ends of JSON values: strings (with escapes) and nesting.
#[derive(Clone, Copy, Default)]
struct Brackets {
    depth: u32,
    in_string: bool,
    escape: bool,
}

/// What [`Brackets::scan`] found.
struct Scanned {
    /// Offset just past the last value that closed at depth 0.
    last_close: Option<usize>,
    /// Offset of a `]` or `}` at depth 0 (the enclosing container closes), where the scan stopped.
    container_end: Option<usize>,
}

impl Brackets {
    /// Scans `bytes[from..]`, stopping at a closing bracket at depth 0.
    ///
    /// # Complexity
    /// O(bytes scanned); each byte of a file is scanned once.
    fn scan(&mut self, bytes: &[u8], from: usize) -> Scanned {
        let mut found = Scanned {
            last_close: None,
            container_end: None,
        };
        for (i, &b) in bytes.iter().enumerate().skip(from) {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    if self.depth == 0 {
                        found.container_end = Some(i);
                        return found;
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        found.last_close = Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        found
    }
}

/// Reads a growing Chrome Trace Event JSON file incrementally (see the module docs).
///
/// ```
/// use taskscope_trace::format::Follower;
/// let mut follower = Follower::new("live.json");
/// follower.push(br#"[{"ph":"X","name":"a","ts":1,"dur":2,"pid":1,"tid":1},{"ph":"X","na"#)?;
/// assert_eq!(follower.snapshot()?.spans().len(), 1);
/// follower.push(br#"me":"b","ts":4,"dur":1,"pid":1,"tid":1}]"#)?;
/// assert_eq!(follower.snapshot()?.spans().len(), 2);
/// # Ok::<(), taskscope_trace::FormatError>(())
/// ```
pub struct Follower {
    name: String,
    stage: FollowStage,
    /// Whether the file is an object (`{"traceEvents":[…` form).
    object: bool,
    /// Bytes not yet consumed (an incomplete event, a header being read).
    pending: Vec<u8>,
    /// How far `pending` has been bracket-scanned.
    scanned: usize,
    brackets: Brackets,
    /// In the header: a `,` is due before the next key. In the events: an element was read.
    after_element: bool,
    /// The file offset, line and column of `pending[0]`.
    at: (u64, usize, usize),
    /// What the events read so far gave, owning its texts (see [`Follower::gather`]).
    col: Gathered<'static>,
    /// The complete events of the last push as an array of their own, `[` + events +
    /// `]`: read, then cleared (its capacity is kept for the next push).
    batch: Vec<u8>,
    /// A taskscope stream's graph, read once from its `taskscope_graph` event.
    stream_graph: Option<StreamGraph>,
    /// Bytes of complete events handed to the gathering.
    event_bytes: u64,
}

/// Buffer capacity kept between pushes: more is given back once an event larger than a
/// usual push (a stream's graph event, tens of MB for 10^6 tasks) is read.
const KEPT_CAPACITY: usize = 8 << 20;

/// The source of a gathering that borrows no file.
const NO_SOURCE: Source<'static> = Source {
    bytes: &[],
    name: "",
};

impl Follower {
    /// A follower of the file named `name` (for messages).
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            stage: FollowStage::Header,
            object: false,
            pending: Vec::new(),
            scanned: 0,
            brackets: Brackets::default(),
            after_element: false,
            at: (0, 1, 1),
            col: Gathered::new(NO_SOURCE),
            batch: Vec::new(),
            stream_graph: None,
            event_bytes: 0,
        }
    }

    /// Where the follower is in the file.
    pub fn stage(&self) -> FollowStage {
        self.stage
    }

    /// Whether the file is in object form (`{"traceEvents":[…`): once complete, its
    /// sections after the events (a taskscope file's graph) are only read by
    /// [`Trace::open`](crate::Trace::open) of the whole file.
    pub fn is_object(&self) -> bool {
        self.object
    }

    /// How many events were read so far.
    pub fn events(&self) -> u64 {
        self.col.counts.events()
    }

    /// How many bytes of the file were consumed so far (complete events and headers).
    pub fn consumed_bytes(&self) -> u64 {
        self.at.0
    }

    /// Bytes of complete events read so far.
    pub fn event_bytes(&self) -> u64 {
        self.event_bytes
    }

    /// Bytes of the file the follower holds: its incomplete tail and the buffer the last
    /// push's complete events were read from (their capacity). Once read, events are
    /// held only as what was gathered from them (owned names, keys and args, the spans'
    /// numbers), so this stays about the largest push, however long the file grows.
    pub fn held_file_bytes(&self) -> usize {
        self.pending.capacity() + self.batch.capacity()
    }

    /// Takes the next bytes of the file and reads every event they complete.
    ///
    /// An error (invalid JSON, not a trace) names the file, the byte offset, line and
    /// column; the follower should not be fed further after one.
    ///
    /// # Complexity
    /// O(n) for n new bytes (plus a header key that arrives in many small pieces,
    /// rescanned until it is complete).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), FormatError> {
        self.pending.extend_from_slice(bytes);
        loop {
            let before = (self.stage, self.pending.len());
            match self.stage {
                FollowStage::Header => self.read_header()?,
                FollowStage::Events => self.read_events()?,
                FollowStage::AfterEvents => self.read_after_events(),
                FollowStage::Complete => {
                    self.pending.clear();
                    self.scanned = 0;
                }
            }
            if (self.stage, self.pending.len()) == before {
                if self.pending.capacity() > KEPT_CAPACITY.max(2 * self.pending.len()) {
                    self.pending
                        .shrink_to(KEPT_CAPACITY.max(self.pending.len()));
                }
                return Ok(());
            }
        }
    }

    /// Whether the file is a taskscope stream whose graph event was read: its graph is
    /// known whole and does not change as spans arrive (only task states do).
    pub fn has_whole_graph(&self) -> bool {
        self.stream_graph.is_some()
    }

    /// The trace of the events read so far, built as [`Trace::open`](crate::Trace::open)
    /// builds it from a file holding those events (without the note that such a file
    /// ends early: a followed file is expected to grow). A taskscope stream's graph
    /// event gives the whole graph from the start (tasks without spans not finished);
    /// it was parsed once, when it was read.
    ///
    /// # Complexity
    /// A taskscope stream: O(V + E + S) for its V tasks, E edges and the S spans so far
    /// (the graph is copied, the spans resolved; nothing is parsed again). Other files:
    /// O(S log S) (the gathered events are copied, nested and sorted).
    pub fn snapshot(&self) -> Result<Trace, FormatError> {
        debug_assert_eq!(
            self.col.span_base, 0,
            "every span is gathered between pushes"
        );
        if let Some(graph) = &self.stream_graph {
            // Each span was checked as it was read, where its position was known
            // (`gather_batch`); the gathering keeps no source between pushes, so an
            // error here names the file but could not name a place in it.
            return super::taskscope::finish_stream_with(&self.col, graph, Vec::new())
                .map_err(|e| self.unplaced(e));
        }
        let mut col = self.col.borrowed();
        col.src = Source {
            bytes: &[],
            name: &self.name,
        };
        let source = if col.looks_like_ray() {
            SourceFormat::Ray
        } else {
            SourceFormat::Chrome
        };
        col.finish_foreign(
            RunMeta {
                source,
                ..RunMeta::default()
            },
            None,
            Vec::new(),
        )
    }

    /// `e` with the followed file's name where it has none, and without a position
    /// (the snapshot's source holds no bytes: a position would be wrong).
    fn unplaced(&self, e: FormatError) -> FormatError {
        match e {
            FormatError::Syntax { expected, .. } => FormatError::Unplaced {
                file: self.name.clone(),
                expected,
            },
            FormatError::Model { file, source } if file.is_empty() => FormatError::Model {
                file: self.name.clone(),
                source,
            },
            FormatError::Unrecognized { file, why } if file.is_empty() => {
                FormatError::Unrecognized {
                    file: self.name.clone(),
                    why,
                }
            }
            FormatError::UnsupportedVersion {
                file,
                version,
                supported,
            } if file.is_empty() => FormatError::UnsupportedVersion {
                file: self.name.clone(),
                version,
                supported,
            },
            other => other,
        }
    }

    /// Drops the first `n` pending bytes, advancing the file position past them.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.pending.len());
        let gone = self.pending.get(..n).unwrap_or(&[]);
        let (offset, mut line, mut column) = self.at;
        match memchr::memrchr(b'\n', gone) {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', gone).count();
                column = n - last;
            }
            None => column += n,
        }
        self.at = (offset + n as u64, line, column);
        self.pending.drain(..n);
        self.scanned = self.scanned.saturating_sub(n);
    }

    /// An error at `pending` offset `pos`.
    fn error_at(&self, pos: usize, expected: &str) -> FormatError {
        let e = Source {
            bytes: &self.pending,
            name: &self.name,
        }
        .error_at(pos, expected);
        self.relocate(e, 0)
    }

    /// Moves a positioned error from a buffer whose byte `i` is `pending[i + base]` to
    /// the file's position.
    fn relocate(&self, e: FormatError, base: isize) -> FormatError {
        match e {
            FormatError::Syntax {
                file,
                offset,
                expected,
                ..
            } => {
                let in_pending = offset.saturating_add_signed(base).min(self.pending.len());
                let here = Position::of(&self.pending, in_pending);
                let (at, at_line, at_column) = self.at;
                let column = if here.line == 1 {
                    at_column + here.column - 1
                } else {
                    here.column
                };
                FormatError::Syntax {
                    file,
                    offset: at as usize + in_pending,
                    line: at_line + here.line - 1,
                    column,
                    expected,
                }
            }
            other => other,
        }
    }

    /// The `[` of a bare array, or the keys of an object up to `"traceEvents":[`.
    fn read_header(&mut self) -> Result<(), FormatError> {
        let src = Source {
            bytes: &self.pending,
            name: &self.name,
        };
        if !self.object {
            let start = if self.at.0 == 0 {
                skip_ws(&self.pending, after_bom(&self.pending))
            } else {
                skip_ws(&self.pending, 0)
            };
            match self.pending.get(start) {
                None => {
                    // Keep a partial byte-order mark until it completes.
                    if start == self.pending.len() && !self.pending.starts_with(b"\xEF") {
                        self.consume(start);
                    }
                    return Ok(());
                }
                Some(b'[') => {
                    self.consume(start + 1);
                    self.stage = FollowStage::Events;
                    return Ok(());
                }
                Some(b'{') => {
                    self.object = true;
                    self.consume(start + 1);
                    return Ok(());
                }
                Some(_) => {
                    return Err(self.error_at(start, "'{' or '[' at the start of a trace file"));
                }
            }
        }
        let mut pos = skip_ws(src.bytes, 0);
        if self.after_element {
            match src.bytes.get(pos) {
                None => return Ok(()),
                Some(b',') => pos = skip_ws(src.bytes, pos + 1),
                Some(b'}') => {
                    return Err(FormatError::Unrecognized {
                        file: self.name.clone(),
                        why: "a JSON object without traceEvents: not a trace that can be followed"
                            .to_owned(),
                    });
                }
                Some(_) => return Err(self.error_at(pos, "',' or '}' after a value")),
            }
        }
        let (key, after_key) = match key_at(&src, pos) {
            Ok(k) => k,
            Err(ElementError::Truncated) => return Ok(()),
            Err(ElementError::Invalid(e) | ElementError::Data(e)) => {
                return Err(self.relocate(e, 0));
            }
        };
        let colon = skip_ws(src.bytes, after_key);
        match src.bytes.get(colon) {
            None => return Ok(()),
            Some(b':') => {}
            Some(_) => return Err(self.error_at(colon, &format!("':' after the key \"{key}\""))),
        }
        let value = skip_ws(src.bytes, colon + 1);
        if value >= src.bytes.len() {
            return Ok(());
        }
        if key == "traceEvents" && src.bytes.get(value) == Some(&b'[') {
            self.after_element = false;
            self.consume(value + 1);
            self.stage = FollowStage::Events;
            return Ok(());
        }
        match value_at::<IgnoredAny>(&src, value) {
            Ok((_, end)) => {
                self.after_element = true;
                self.consume(end);
                Ok(())
            }
            Err(ElementError::Truncated) => Ok(()),
            Err(ElementError::Invalid(e) | ElementError::Data(e)) => Err(self.relocate(e, 0)),
        }
    }

    /// Hands every complete event in `pending` to the gathering.
    fn read_events(&mut self) -> Result<(), FormatError> {
        let found = self.brackets.scan(&self.pending, self.scanned);
        self.scanned = found.container_end.unwrap_or(self.pending.len());
        let Some(end) = found.container_end.or(found.last_close) else {
            return Ok(());
        };
        self.gather(end)?;
        if found.container_end.is_some() {
            // `pending[0]` is now the `]` of the event array.
            debug_assert_eq!(self.pending.first(), Some(&b']'));
            self.consume(1);
            self.brackets = Brackets::default();
            self.stage = if self.object {
                FollowStage::AfterEvents
            } else {
                FollowStage::Complete
            };
        }
        Ok(())
    }

    /// Reads the events in `pending[..end]` (complete ones, with their separators) and
    /// consumes them.
    fn gather(&mut self, end: usize) -> Result<(), FormatError> {
        let region = self.pending.get(..end).unwrap_or(&[]);
        let mut start = skip_ws(region, 0);
        if self.after_element && region.get(start) == Some(&b',') {
            start = skip_ws(region, start + 1);
        }
        if start >= end {
            self.consume(end);
            return Ok(());
        }
        // The events as an array of their own, `[` + events + `]`.
        let events = region.get(start..).unwrap_or(&[]);
        self.batch.clear();
        self.batch.reserve(events.len() + 2);
        self.batch.push(b'[');
        self.batch.extend_from_slice(events);
        self.batch.push(b']');
        let events_len = events.len();
        let gathered = self.gather_batch(start);
        if self.batch.capacity() > KEPT_CAPACITY {
            self.batch = Vec::new();
        }
        gathered?;
        self.event_bytes += events_len as u64;
        self.after_element = true;
        self.consume(end);
        Ok(())
    }

    /// Gathers the events of `batch` (whose byte `i` is `pending[start + i - 1]`) into
    /// `col`, and owns what was gathered, so that no byte of the file need outlive the
    /// push.
    ///
    /// The spans and span args gathered before are kept apart meanwhile (the batch's are
    /// numbered after them, [`Gathered::next_span_index`]), so that only the batch's own
    /// are converted; the other tables are converted whole (names, lanes, flow and
    /// counter keys: a few hundred in a taskscope stream, but a Chrome file that names
    /// every span differently makes a push linear in the spans so far, as its snapshot is).
    ///
    /// # Complexity
    /// O(n + N + L + F + C) for the batch's n bytes and the N names, L lanes, F flow
    /// keys and C counter tracks gathered so far.
    fn gather_batch(&mut self, start: usize) -> Result<(), FormatError> {
        let mut owned = std::mem::replace(&mut self.col, Gathered::new(NO_SOURCE));
        let spans = std::mem::take(&mut owned.spans);
        let span_args = std::mem::take(&mut owned.span_args);
        owned.span_base = spans.len();
        let src = Source {
            bytes: &self.batch,
            name: &self.name,
        };
        // The gathering borrows the batch while it reads it (and notes where a stream's
        // graph event is, relative to it).
        let mut col: Gathered<'_> = owned;
        col.src = src;
        let slices_before = col.begin_ends.len();
        let result = read_events(&src, 0, &mut col);
        let graph = match (&self.stream_graph, col.stream_graph) {
            (None, Some(args)) => Some(StreamGraph::parse(&src, args, col.fast_paths)),
            _ => None,
        };
        // Where the events left out in this batch are, in the file.
        let here = self.at;
        let pending = &self.pending;
        col.left_out.locate(|offset| {
            let in_pending = (offset + start).saturating_sub(1).min(pending.len());
            let pos = Position::of(pending, in_pending);
            if pos.line == 1 {
                (here.1, here.2 + pos.column - 1)
            } else {
                (here.1 + pos.line - 1, pos.column)
            }
        });
        let new_spans = std::mem::take(&mut col.spans);
        let new_args = std::mem::take(&mut col.span_args);
        // A stream's spans are checked now, while their bytes are here to place an error:
        // the snapshot keeps none (its own check of them cannot name a position).
        let checked = match &graph {
            Some(Ok(g)) => Some(g),
            _ => self.stream_graph.as_ref(),
        };
        let fault = checked.and_then(|g| {
            let spans = new_spans.iter().map(|s| (s.task, s.start, s.offset));
            let slices = col.begin_ends.task_begins_from(slices_before);
            spans.chain(slices).find_map(|(task, ts, offset)| {
                g.span_fault(task, ts).map(|expected| {
                    self.relocate(src.error_at(offset, expected), start as isize - 1)
                })
            })
        });
        let mut owned = col.into_owned(NO_SOURCE);
        owned.spans = spans;
        // A stream's spans that carry their task index are resolved by it, never by
        // their key (`finish_stream_with`): those keys are not kept.
        let by_index = self.stream_graph.is_some() || matches!(graph, Some(Ok(_)));
        owned.spans.extend(new_spans.into_iter().map(|span| {
            if by_index && span.task.is_some() {
                PendingSpan { key: None, ..span }
            } else {
                span.into_owned()
            }
        }));
        owned.span_args = span_args;
        owned.span_args.extend(
            new_args
                .into_iter()
                .map(super::gather::PendingArg::into_owned),
        );
        owned.span_base = 0;
        self.col = owned;
        match graph {
            Some(Ok(graph)) => self.stream_graph = Some(graph),
            Some(Err(e)) => return Err(self.relocate(e, start as isize - 1)),
            None => {}
        }
        match result {
            // A bad span only once what follows it in the batch reads (as `Trace::open`
            // reads every event before it checks the spans).
            Ok(ArrayEnd::Closed(_)) => fault.map_or(Ok(()), Err),
            Ok(ArrayEnd::Truncated(good)) => {
                // Only complete values reach here; a bare scalar cut short at the end of
                // the events is the one way to get here.
                Err(self.error_at(
                    start + good.saturating_sub(1),
                    "a complete trace event (an object)",
                ))
            }
            Err(e) => Err(self.relocate(e, start as isize - 1)),
        }
    }

    /// Scans what follows the event array of an object until the object closes.
    fn read_after_events(&mut self) {
        let found = self.brackets.scan(&self.pending, self.scanned);
        if let Some(end) = found.container_end {
            self.consume(end + 1);
            self.stage = FollowStage::Complete;
        } else {
            // Nothing here is kept: the caller reads the complete file whole.
            let n = self.pending.len();
            self.consume(n);
        }
    }
}

/// What [`FileTail::read_new`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailRead {
    /// This many new bytes were appended to the buffer.
    Grew(usize),
    /// Nothing new.
    Unchanged,
    /// The file shrank or was replaced by another file: start over from its beginning.
    Rewritten,
    /// The file is gone (renamed away or deleted).
    Gone,
}

/// The growing end of a file: what was appended since the last look.
pub struct FileTail {
    path: PathBuf,
    file: File,
    offset: u64,
    identity: Option<(u64, u64)>,
}

impl FileTail {
    /// Opens `path` to follow it from its first byte.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FormatError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|source| FormatError::Io {
            path: path.clone(),
            action: "opening",
            source,
        })?;
        let identity = file.metadata().ok().and_then(|m| identity(&m));
        Ok(Self {
            path,
            file,
            offset: 0,
            identity,
        })
    }

    /// The followed path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many bytes were read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Appends up to `max` new bytes of the file to `buf`, or says why there are none.
    pub fn read_new(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<TailRead, FormatError> {
        let io = |action: &'static str| {
            let path = self.path.clone();
            move |source| FormatError::Io {
                path,
                action,
                source,
            }
        };
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TailRead::Gone),
            Err(e) => return Err(io("inspecting")(e)),
        };
        if identity(&meta).is_some_and(|id| Some(id) != self.identity) || meta.len() < self.offset {
            return Ok(TailRead::Rewritten);
        }
        if meta.len() == self.offset {
            return Ok(TailRead::Unchanged);
        }
        let want = (meta.len() - self.offset).min(max as u64);
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(io("seeking in"))?;
        let before = buf.len();
        (&mut self.file)
            .take(want)
            .read_to_end(buf)
            .map_err(io("reading"))?;
        let n = buf.len() - before;
        self.offset += n as u64;
        Ok(if n == 0 {
            TailRead::Unchanged
        } else {
            TailRead::Grew(n)
        })
    }
}

/// A file's identity (device and inode) where the platform has one.
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps, reason = "other platforms have no identity")]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// A file's identity where the platform has none: a rewrite is seen when the file shrinks.
#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::{FileTail, FollowStage, Follower, TailRead};
    use crate::model::Trace;

    const GOLDEN: &[u8] = include_bytes!("../../tests/golden/taskscope_v1.json");

    /// A Chrome array with what stresses a reader: every phase the gathering keeps,
    /// escapes, non-ASCII text, exponents, begin/end pairs and flows that cross events.
    const CHROME: &[u8] = r#"[
{"ph":"M","name":"process_name","pid":1,"args":{"name":"main \"proc\""}},
{"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"w\u00e9rker\\2"}},
{"ph":"X","name":"load \"a\"","cat":"io","ts":1.5,"dur":2e1,"pid":1,"tid":2,"bind_id":"0x1","flow_out":true},
{"ph":"B","name":"outer","ts":3,"pid":1,"tid":3},
{"ph":"X","name":"inner","ts":4,"dur":1.25,"pid":1,"tid":3,"args":{"deep":[1,[2,{"x":"]}"}]]}},
{"ph":"s","name":"f","cat":"c","id":7,"ts":4.5,"pid":1,"tid":3},
{"ph":"E","ts":9,"pid":1,"tid":3},
{"ph":"f","bp":"e","name":"f","cat":"c","id":7,"ts":25,"pid":1,"tid":2},
{"ph":"X","name":"use","ts":24,"dur":3,"pid":1,"tid":2,"bind_id":"0x1","flow_in":true},
{"ph":"i","name":"mark","s":"g","ts":12},
{"ph":"C","name":"mem","ts":5,"pid":1,"args":{"heap":10,"rss":-2.5E2}},
{"ph":"C","name":"mem","ts":15,"pid":1,"args":{"heap":12}},
{"ph":"Q","name":"odd phase","ts":1},
{"ph":"B","name":"never closed","ts":30,"pid":2,"tid":1},
{"ph":"X","name":"ĉu ŝi?","ts":31,"dur":0.001,"pid":2,"tid":1}
]
"#
    .as_bytes();

    /// Everything a trace holds, comparable: the file it writes plus what the writer
    /// does not carry.
    fn outcome(trace: &Trace) -> (Vec<u8>, String) {
        let mut out = Vec::new();
        trace.write_to(&mut out).unwrap();
        (out, format!("{:?} {:?}", trace.meta(), trace.diagnostics()))
    }

    /// What a trace holds besides its diagnostics.
    fn contents(trace: &Trace) -> String {
        let g = trace.graph();
        let tasks: Vec<_> = g
            .tasks()
            .map(|t| (g.key(t), g.name(t), g.deps(t), g.state(t)))
            .collect();
        format!(
            "{:?}\n{tasks:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            trace.meta(),
            trace.lanes(),
            trace.spans(),
            trace.flows(),
            trace.instants(),
            trace.counters()
        )
    }

    /// Feeds `bytes` cut at `cuts` (sorted offsets) and returns the final snapshot.
    fn fed(bytes: &[u8], cuts: &[usize]) -> (Trace, FollowStage) {
        let mut follower = Follower::new("t.json");
        let mut from = 0;
        for &cut in cuts.iter().chain([bytes.len()].iter()) {
            let cut = cut.clamp(from, bytes.len());
            follower.push(&bytes[from..cut]).unwrap();
            // Every intermediate state builds.
            follower.snapshot().unwrap();
            from = cut;
        }
        (follower.snapshot().unwrap(), follower.stage())
    }

    #[test]
    fn a_complete_array_reads_as_trace_open_reads_it() {
        let whole = Trace::from_slice(CHROME, "t.json").unwrap();
        assert!(whole.spans().len() >= 5 && !whole.flows().is_empty());
        let (trace, stage) = fed(CHROME, &[]);
        assert_eq!(stage, FollowStage::Complete);
        assert_eq!(outcome(&trace), outcome(&whole));
    }

    #[test]
    fn every_cut_point_gives_the_same_trace() {
        // A chunk boundary at every byte: inside strings, escapes (`\"`, `\\`, `\u00e9`),
        // multi-byte UTF-8, numbers (`2e1`, `-2.5E2`) and brackets inside strings.
        let whole = outcome(&Trace::from_slice(CHROME, "t.json").unwrap());
        for cut in 0..CHROME.len() {
            let (trace, stage) = fed(CHROME, &[cut]);
            assert_eq!(stage, FollowStage::Complete, "cut at {cut}");
            assert_eq!(outcome(&trace), whole, "cut at {cut}");
        }
        // One byte at a time.
        let cuts: Vec<usize> = (1..CHROME.len()).collect();
        assert_eq!(outcome(&fed(CHROME, &cuts).0), whole);
    }

    #[test]
    fn a_prefix_reads_as_the_truncated_file_reads() {
        // Up to the end of each event: the same spans, lanes and graph as `Trace::open`
        // of the file cut there, without its note that the file ends early.
        let text = std::str::from_utf8(CHROME).unwrap();
        let ends: Vec<usize> = text.match_indices("},\n").map(|(i, _)| i + 1).collect();
        assert!(ends.len() > 10);
        for end in ends {
            let prefix = &CHROME[..end];
            let mut follower = Follower::new("t.json");
            follower.push(prefix).unwrap();
            assert_eq!(follower.stage(), FollowStage::Events);
            let live = follower.snapshot().unwrap();
            let cut = Trace::from_slice(prefix, "t.json").unwrap();
            assert_eq!(contents(&live), contents(&cut), "cut at {end}");
            let notes: Vec<_> = cut
                .diagnostics()
                .iter()
                .filter(|d| !d.message.contains("ends before its end"))
                .collect();
            assert_eq!(live.diagnostics().iter().collect::<Vec<_>>(), notes);
        }
    }

    #[test]
    fn a_taskscope_file_is_followed_to_its_end() {
        let text = std::str::from_utf8(GOLDEN).unwrap();
        let events_end = text.find("\n],").unwrap() + 1;
        let mut follower = Follower::new("g.json");
        follower.push(&GOLDEN[..events_end]).unwrap();
        assert_eq!(follower.stage(), FollowStage::Events);
        assert!(follower.is_object());
        let live = follower.snapshot().unwrap();
        let whole = Trace::from_slice(GOLDEN, "g.json").unwrap();
        assert_eq!(live.spans().len(), whole.spans().len());
        assert_eq!(
            live.spans()
                .iter()
                .map(crate::model::Span::duration_ns)
                .sum::<u64>(),
            whole
                .spans()
                .iter()
                .map(crate::model::Span::duration_ns)
                .sum::<u64>()
        );
        follower.push(&GOLDEN[events_end..events_end + 2]).unwrap();
        assert_eq!(follower.stage(), FollowStage::AfterEvents);
        // The graph section, cut inside a string with a brace in it, then the rest.
        follower
            .push(&GOLDEN[events_end + 2..GOLDEN.len() - 3])
            .unwrap();
        assert_eq!(follower.stage(), FollowStage::AfterEvents);
        follower.push(&GOLDEN[GOLDEN.len() - 3..]).unwrap();
        assert_eq!(follower.stage(), FollowStage::Complete);
    }

    #[test]
    fn errors_name_the_position_in_the_file() {
        // Bad JSON in the third event: same offset, line and column as `Trace::open`.
        let bad = b"[\n{\"ph\":\"X\",\"ts\":1,\"dur\":1,\"pid\":1,\"tid\":1},\n{\"ph\":\"X\",\"ts\":2},\n{\"ph\":\"X\" \"ts\":3}\n]";
        let expected = Trace::from_slice(bad, "t.json").unwrap_err().to_string();
        for cut in [0, 5, 30, 60, bad.len()] {
            let mut follower = Follower::new("t.json");
            let first = follower.push(&bad[..cut]);
            let got = first.and_then(|()| follower.push(&bad[cut..]));
            assert_eq!(got.unwrap_err().to_string(), expected, "cut at {cut}");
        }
        // Not a trace at all.
        let mut follower = Follower::new("t.json");
        assert_eq!(
            follower.push(b"  x").unwrap_err().to_string(),
            Trace::from_slice(b"  x", "t.json").unwrap_err().to_string()
        );
    }

    #[test]
    fn a_file_that_grows_while_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.json");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut tail = FileTail::open(&path).unwrap();
        let mut follower = Follower::new("live.json");
        let mut buf = Vec::new();
        assert_eq!(
            tail.read_new(&mut buf, 1 << 20).unwrap(),
            TailRead::Unchanged
        );
        let mut expected_spans = 0;
        for (i, piece) in CHROME.chunks(37).enumerate() {
            file.write_all(piece).unwrap();
            file.flush().unwrap();
            buf.clear();
            // Small reads: a piece may take several.
            while let TailRead::Grew(_) = tail.read_new(&mut buf, 16).unwrap() {}
            follower.push(&buf).unwrap();
            let spans = follower.snapshot().unwrap().spans().len();
            assert!(spans >= expected_spans, "piece {i}: spans never go away");
            expected_spans = spans;
        }
        assert_eq!(follower.stage(), FollowStage::Complete);
        assert_eq!(tail.offset(), CHROME.len() as u64);
        assert_eq!(tail.read_new(&mut buf, 16).unwrap(), TailRead::Unchanged);

        // Shrinking is a rewrite.
        file.set_len(10).unwrap();
        assert_eq!(tail.read_new(&mut buf, 16).unwrap(), TailRead::Rewritten);
        // So is another file renamed over it (as an atomic save does), even if longer.
        let mut tail = FileTail::open(&path).unwrap();
        let other = dir.path().join("other.json");
        std::fs::write(&other, CHROME).unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(tail.read_new(&mut buf, 16).unwrap(), TailRead::Rewritten);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(tail.read_new(&mut buf, 16).unwrap(), TailRead::Gone);
    }

    #[test]
    fn a_taskscope_stream_has_its_whole_graph_from_the_start() {
        use std::sync::Arc;

        use crate::format::StreamWriter;
        use crate::model::{GraphBuilder, Lane, LaneId, Span, SpanKind, TaskId, TaskState};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let mut g = GraphBuilder::new();
        let a = g.add_task("load-1", "load", [], TaskState::Done).unwrap();
        let b = g.add_task("load-2", "load", [], TaskState::Done).unwrap();
        g.add_task("sum-\"x\"", "sum", [a, b], TaskState::Done)
            .unwrap();
        let graph = Arc::new(g.build().unwrap());
        let lanes = [Lane {
            name: "worker 0".into(),
            ..Lane::default()
        }];
        let mut stream = StreamWriter::create(&path, graph, &lanes).unwrap();
        let mut stages = vec![std::fs::read(&path).unwrap()];
        for (i, (task, state)) in [(a, TaskState::Done), (b, TaskState::Failed)]
            .into_iter()
            .enumerate()
        {
            let start_ns = i as u64 * 10;
            stream.push_span(
                &Span {
                    start_ns,
                    end_ns: start_ns + 5,
                    task,
                    lane: LaneId(0),
                    kind: SpanKind::Compute,
                    depth: 0,
                    unclosed: false,
                },
                state,
            );
            stream.flush().unwrap();
            stages.push(std::fs::read(&path).unwrap());
        }
        let mut follower = Follower::new("run.json");
        let mut fed = 0;
        for (flushed, stage) in stages.iter().enumerate() {
            // In two pieces, cut inside the newest event.
            let mid = fed + (stage.len() - fed) / 2;
            follower.push(&stage[fed..mid]).unwrap();
            follower.push(&stage[mid..]).unwrap();
            fed = stage.len();
            let live = follower.snapshot().unwrap();
            let cut = Trace::from_slice(stage, "run.json").unwrap();
            assert_eq!(contents(&live), contents(&cut), "after {flushed} spans");
            assert_eq!(live.graph().len(), 3);
            assert_eq!(live.spans().len(), flushed);
        }
        let live = follower.snapshot().unwrap();
        assert_eq!(live.graph().state(TaskId(1)), Some(TaskState::Failed));
        assert_eq!(live.graph().state(TaskId(2)), Some(TaskState::NotRun));
    }

    #[test]
    fn a_streams_graph_event_is_read_once_when_it_arrives() {
        use std::sync::Arc;

        use crate::format::StreamWriter;
        use crate::model::{GraphBuilder, Lane, TaskState};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let mut g = GraphBuilder::new();
        let a = g.add_task("a", "a", [], TaskState::Done).unwrap();
        g.add_task("b", "b", [a], TaskState::Done).unwrap();
        let graph = Arc::new(g.build().unwrap());
        drop(StreamWriter::create(&path, graph, &[Lane::default()]).unwrap());
        let good = std::fs::read_to_string(&path).unwrap();
        // A dependency on a key that is no task: the graph cannot be built.
        let bad = good.replace(r#""deps":[0]"#, r#""deps":["zz"]"#);
        assert_ne!(bad, good);
        let expected = Trace::from_slice(bad.as_bytes(), "run.json")
            .unwrap_err()
            .to_string();
        assert!(expected.contains("'zz'"), "{expected}");
        // Read (and refused) as soon as its bytes are pushed, not at each snapshot.
        let mut follower = Follower::new("run.json");
        let got = follower.push(bad.as_bytes()).unwrap_err().to_string();
        assert_eq!(got, expected);
        // The good one: read once, then every snapshot has its graph.
        let mut follower = Follower::new("run.json");
        follower.push(good.as_bytes()).unwrap();
        assert!(follower.has_whole_graph());
        assert_eq!(follower.snapshot().unwrap().graph().len(), 2);
    }

    #[test]
    fn the_file_bytes_held_stay_bounded_as_the_file_grows() {
        use std::fmt::Write as _;

        // 20,000 events (about 2 MB) fed in 4 KiB pieces: once read, an event's bytes go;
        // only the incomplete tail and one piece's events are held.
        let mut text = String::from("[\n");
        for i in 0..20_000 {
            writeln!(
                text,
                r#"{{"ph":"X","name":"task-{}","cat":"c{}","ts":{i},"dur":1,"pid":1,"tid":{},"args":{{"key":"k-{i}","note":"padding padding padding"}}}},"#,
                i % 50,
                i % 3,
                i % 4
            )
            .unwrap();
        }
        text.pop();
        text.pop();
        text.push_str("\n]\n");
        let bytes = text.as_bytes();
        assert!(bytes.len() > 2_000_000);
        let mut follower = Follower::new("t.json");
        let mut most_held = 0;
        for piece in bytes.chunks(4096) {
            follower.push(piece).unwrap();
            most_held = most_held.max(follower.held_file_bytes());
        }
        assert_eq!(follower.stage(), FollowStage::Complete);
        assert!(most_held <= 16 * 4096, "held {most_held} bytes of the file");
        let whole = Trace::from_slice(bytes, "t.json").unwrap();
        assert_eq!(whole.spans().len(), 20_000);
        assert_eq!(outcome(&follower.snapshot().unwrap()), outcome(&whole));
    }

    #[test]
    fn events_left_out_are_placed_in_the_file() {
        // Timestamps that do not fit, in the second and fourth lines, read in pieces cut
        // across them: each warning names its line and column in the file.
        let bytes = b"[\n{\"ph\":\"X\",\"name\":\"a\",\"ts\":1,\"dur\":1,\"pid\":1,\"tid\":1},\n  {\"ph\":\"X\",\"name\":\"b\",\"ts\":1e30,\"dur\":1,\"pid\":1,\"tid\":1},\n{\"ph\":\"X\",\"name\":\"c\",\"ts\":3,\"dur\":1,\"pid\":1,\"tid\":1}, {\"ph\":\"X\",\"name\":\"d\",\"ts\":-1e30,\"dur\":1,\"pid\":1,\"tid\":1}\n]";
        let whole = Trace::from_slice(bytes, "t.json").unwrap();
        let warnings: Vec<_> = whole
            .diagnostics()
            .iter()
            .filter(|d| d.message.starts_with("t.json:"))
            .collect();
        assert_eq!(warnings.len(), 2, "{:?}", whole.diagnostics());
        for cuts in [&[][..], &[30, 70][..], &[80, 120, 150][..]] {
            let (live, _) = fed(bytes, cuts);
            assert_eq!(outcome(&live), outcome(&whole), "cut at {cuts:?}");
        }
    }

    #[test]
    fn a_bad_span_of_a_stream_is_refused_naming_the_file() {
        use std::sync::Arc;

        use crate::format::StreamWriter;
        use crate::model::{GraphBuilder, Lane, LaneId, Span, SpanKind, TaskState};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let mut g = GraphBuilder::new();
        let a = g.add_task("a", "a", [], TaskState::Done).unwrap();
        let graph = Arc::new(g.build().unwrap());
        let mut stream =
            StreamWriter::create(&path, Arc::clone(&graph), &[Lane::default()]).unwrap();
        stream.push_span(
            &Span {
                start_ns: 1,
                end_ns: 2,
                task: a,
                lane: LaneId(0),
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            },
            TaskState::Done,
        );
        stream.flush().unwrap();
        let good = std::fs::read_to_string(&path).unwrap();
        let bad = good.replace(r#""task":0"#, r#""task":7"#);
        assert_ne!(bad, good);
        // The error names the span's place in the file, as reading the file whole does,
        // wherever the file was cut into pushes.
        let whole = Trace::from_slice(bad.as_bytes(), "run.json")
            .unwrap_err()
            .to_string();
        assert!(whole.starts_with("run.json:"), "{whole}");
        assert!(whole.contains("a task index below 1"), "{whole}");
        let at = bad.find(r#""task":7"#).unwrap();
        for cut in [0, 40, at - 20, at, at + 3, bad.len()] {
            let mut follower = Follower::new("run.json");
            let got = follower
                .push(&bad.as_bytes()[..cut])
                .and_then(|()| follower.push(&bad.as_bytes()[cut..]));
            assert_eq!(got.unwrap_err().to_string(), whole, "cut at {cut}");
        }
        // A fault only the whole snapshot sees (the span's lane is none of the stream's)
        // names the file and what was wrong, but no position: the bytes are gone.
        let bad_lane: String = good
            .lines()
            .map(|l| {
                if l.contains(r#""task":0"#) {
                    l.replace(r#""tid":0"#, r#""tid":"abc""#)
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(bad_lane, good.trim_end());
        let mut follower = Follower::new("run.json");
        follower.push(bad_lane.as_bytes()).unwrap();
        let e = follower.snapshot().unwrap_err();
        assert!(matches!(e, crate::FormatError::Unplaced { .. }), "{e}");
        let e = e.to_string();
        assert!(
            e.starts_with("run.json: expected a span whose tid is a lane index"),
            "{e}"
        );
        assert!(e.contains("its position was not kept"), "{e}");

        // A task slice's `B` event with a bad task index is placed as an `X` span is.
        let mut stream =
            StreamWriter::create(&path, Arc::clone(&graph), &[Lane::default()]).unwrap();
        stream.push_begin(a, LaneId(0), 1);
        stream.flush().unwrap();
        let good = std::fs::read_to_string(&path).unwrap();
        let begin = good.rfind(r#""ph":"B""#).unwrap();
        let (head, tail) = good.split_at(begin);
        let bad = format!("{head}{}", tail.replace(r#""task":0"#, r#""task":7"#));
        assert_ne!(bad, good);
        let whole = Trace::from_slice(bad.as_bytes(), "run.json")
            .unwrap_err()
            .to_string();
        assert!(whole.contains("a task index below 1"), "{whole}");
        for cut in [0, begin, bad.len()] {
            let mut follower = Follower::new("run.json");
            let got = follower
                .push(&bad.as_bytes()[..cut])
                .and_then(|()| follower.push(&bad.as_bytes()[cut..]));
            assert_eq!(got.unwrap_err().to_string(), whole, "cut at {cut}");
        }

        // A task's args in the graph event that are no object: found only when the trace
        // is built, the error still names the file.
        let bad_args = good.replacen(r#""key":"a""#, r#""key":"a","args":5"#, 1);
        assert_ne!(bad_args, good);
        let whole = Trace::from_slice(bad_args.as_bytes(), "run.json")
            .unwrap_err()
            .to_string();
        let mut follower = Follower::new("run.json");
        follower.push(bad_args.as_bytes()).unwrap();
        assert_eq!(follower.snapshot().unwrap_err().to_string(), whole);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_chunks_give_the_same_trace(
            seed in 0..2usize,
            mut cuts in proptest::collection::vec(0..4000usize, 0..40),
        ) {
            let bytes = if seed == 0 { CHROME } else { GOLDEN };
            cuts.retain(|&c| c <= bytes.len());
            cuts.sort_unstable();
            let mut follower = Follower::new("t.json");
            let mut from = 0;
            for &cut in cuts.iter().chain([bytes.len()].iter()) {
                follower.push(&bytes[from..cut]).unwrap();
                from = cut;
            }
            prop_assert_eq!(follower.stage(), FollowStage::Complete);
            if seed == 0 {
                let whole = Trace::from_slice(bytes, "t.json").unwrap();
                prop_assert_eq!(outcome(&follower.snapshot().unwrap()), outcome(&whole));
            } else {
                // A taskscope file's events: as read by one push of the same bytes.
                let one = fed(bytes, &[]).0;
                prop_assert_eq!(outcome(&follower.snapshot().unwrap()), outcome(&one));
            }
        }
    }
}
