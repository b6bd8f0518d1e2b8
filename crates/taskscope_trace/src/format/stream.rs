//! The streaming taskscope file: a trace written while its run goes on ([`StreamWriter`]).
//!
//! The layout is documented on [`StreamWriter`].
//!
//! This module decides the bytes of a stream. It does not decide when to flush (the
//! caller's writer thread does) nor how a stream is followed while it grows.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::FormatError;
use super::num::write_us;
use super::write::{
    FORMAT_VERSION, XTask, push_int, push_task_object, push_uint, push_x_event, write_json_str,
    write_stream_tail,
};
use crate::model::{Graph, Lane, LaneId, Span, SpanKind, TaskId, TaskState, Trace};

/// Writes a taskscope file while its run goes on.
///
/// Layout (version 1), in the order written:
/// ```text
/// {"displayTimeUnit":"ns","traceEvents":[
/// {"ph":"M","cat":"taskscope","name":"taskscope","pid":0,"tid":0,"args":{"version":1,"streaming":true}},
/// M process_name / process_sort_index per process, thread_name / thread_sort_index per lane
///   known at the start (process_name is the lane's process as is),
/// {"ph":"M","cat":"taskscope","name":"taskscope_graph","pid":0,"tid":0,"args":{"tasks":[
///   the task objects of the taskscope object's graph.tasks, each with "state":"not_run"]}},
/// X per span as it ends, in the layout of a whole file's X events (args.task = the task's
///   index, args.status = the task's state when the span ended), M events for a lane that
///   appears later (before its first span),
/// B for a task seen running before its span ended (cat "task", the task's name, ts = the
///   span's start, pid/tid as its X would have; args.key, args.task), and for that span,
///   once it ends, E instead of X (the task's name, no cat, ts = the span's end, same
///   pid/tid; args.status): Perfetto pairs them per thread into one slice with the args
///   of both, and draws a B never closed (the writer was killed) as a slice that did not
///   end (DevTools' trace engine pairs B/E with one stack for all threads, in file order,
///   and only with equal cats: it shows these slices with no length; the flow arrows
///   of the finished file bind to the B as to an X),
/// M taskscope_now (cat "taskscope", ts = how far the run has got) while a task runs, so
///   that a reader of the file as it is knows how long it has been running,
/// ... and once the run is over: the s/f flow, counter and instant events, `],` and the
///   taskscope object, as `Trace::save` writes them.
/// ```
/// At every moment the file is a truncated Chrome trace whose graph is complete: the
/// head and the graph are written to a temporary file renamed over the final name, and
/// everything else is appended whole events at a time. [`Trace::open`] reads a file
/// without its `taskscope` object through the `taskscope_graph` event (tasks without a
/// span are not finished); a finished file reads back into the trace that was finished
/// with, as if `save` had written it (the object is authoritative; the event is ignored).
/// A reader pairs each B with its E into the span an X would have given; a B without E
/// (a task running when the file was last written) becomes a span that ends with what was
/// read (its last event or `taskscope_now` mark), flagged unclosed, without a status: its
/// task has not finished
/// ([`crate::index::TaskTimes::state_at`] says it is running).
///
/// Spans are encoded into an internal buffer by [`StreamWriter::push_span`] and reach the
/// file on [`StreamWriter::flush`]; [`StreamWriter::finish`] appends the end. The writer
/// does no I/O of its own between those calls, so a thread that records spans can hand
/// them to another thread that owns the writer.
///
/// ```
/// # use std::sync::Arc;
/// # use taskscope_trace::{GraphBuilder, Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder};
/// # use taskscope_trace::format::StreamWriter;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("run.json");
/// let mut g = GraphBuilder::new();
/// let a = g.add_task("a", "load", [], TaskState::Done).unwrap();
/// g.add_task("b", "sum", [a], TaskState::Done).unwrap();
/// let graph = Arc::new(g.build().unwrap());
/// let lanes = [Lane { name: "worker 0".into(), ..Lane::default() }];
///
/// let mut stream = StreamWriter::create(&path, Arc::clone(&graph), &lanes).unwrap();
/// let span = Span { start_ns: 0, end_ns: 5, task: a, lane: LaneId(0), kind: SpanKind::Compute, depth: 0, unclosed: false };
/// stream.push_span(&span, TaskState::Done);
/// stream.flush().unwrap();
/// // Mid-run: the whole graph, one finished task.
/// let partial = Trace::open(&path).unwrap();
/// assert_eq!((partial.graph().len(), partial.spans().len()), (2, 1));
/// assert_eq!(partial.graph().state(TaskId(1)), Some(TaskState::NotRun));
/// ```
pub struct StreamWriter {
    file: File,
    path: PathBuf,
    graph: Arc<Graph>,
    /// Encoded events not yet written to the file.
    buf: Vec<u8>,
    /// Every lane announced so far, in lane order.
    lanes: Vec<Lane>,
    /// The pid of each lane: one per distinct [`Lane::process`] in order of first
    /// appearance, as the whole-file writer numbers them.
    lane_pid: Vec<u32>,
    /// The process of each pid.
    processes: Vec<String>,
    /// `X` and `E` events encoded so far (the spans written).
    spans: u64,
    /// Per lane: the task whose `B` was written and not yet closed, with its start.
    open: Vec<Option<(TaskId, u64)>>,
}

impl StreamWriter {
    /// Creates the file at `path` with the stream's head: the marker, the `lanes` known
    /// at the start and the whole `graph`.
    ///
    /// The stream's lanes (these and those added later) are its run's worker threads: a
    /// reader of the unfinished stream counts each as a worker, also one that has not
    /// finished a task yet.
    ///
    /// The head is written to a temporary file next to `path` and renamed over it, so
    /// the file under `path` always has its graph complete. Later writes append to it.
    ///
    /// # Complexity
    /// O(V + E + L) for the graph's V tasks and E edges and the L lanes.
    pub fn create(
        path: impl AsRef<Path>,
        graph: Arc<Graph>,
        lanes: &[Lane],
    ) -> Result<Self, FormatError> {
        let path = path.as_ref().to_path_buf();
        let (file, tmp) = super::create_temporary(&path)?;
        let mut writer = Self {
            file,
            path: path.clone(),
            graph,
            buf: Vec::with_capacity(1 << 16),
            lanes: Vec::new(),
            lane_pid: Vec::new(),
            processes: Vec::new(),
            spans: 0,
            open: Vec::new(),
        };
        writer.buf.extend_from_slice(
            b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{\"ph\":\"M\",\"cat\":\"taskscope\",\"name\":\"taskscope\",\"pid\":0,\"tid\":0,\"args\":{\"version\":",
        );
        push_uint(&mut writer.buf, u64::from(FORMAT_VERSION));
        writer.buf.extend_from_slice(b",\"streaming\":true}}");
        for lane in lanes {
            writer.add_lane(lane);
        }
        writer.write_graph_event();
        let written = writer.write_buffer().and_then(|()| {
            std::fs::rename(&tmp, &path).map_err(|source| FormatError::Io {
                path: path.clone(),
                action: "renaming the temporary file over",
                source,
            })
        });
        if written.is_err() {
            // Best effort: the original error is what matters.
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| writer)
    }

    /// Announces a lane that appears after the start (its `M` events); returns its id,
    /// the next lane index. Spans on it may follow.
    pub fn add_lane(&mut self, lane: &Lane) -> LaneId {
        let index = self.lanes.len() as u32;
        let pid = if let Some(pid) = self.processes.iter().position(|p| *p == lane.process) {
            pid as u32
        } else {
            self.processes.push(lane.process.clone());
            let pid = (self.processes.len() - 1) as u32;
            // A process's name and place, once, before its first lane.
            if !lane.process.is_empty() {
                self.buf
                    .extend_from_slice(b",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":");
                push_uint(&mut self.buf, u64::from(pid));
                self.buf
                    .extend_from_slice(b",\"tid\":0,\"args\":{\"name\":");
                write_json_str(&mut self.buf, &lane.process);
                self.buf.extend_from_slice(b"}}");
            }
            self.buf
                .extend_from_slice(b",\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":");
            push_uint(&mut self.buf, u64::from(pid));
            self.buf
                .extend_from_slice(b",\"tid\":0,\"args\":{\"sort_index\":");
            push_uint(&mut self.buf, u64::from(pid));
            self.buf.extend_from_slice(b"}}");
            pid
        };
        self.buf
            .extend_from_slice(b",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":");
        push_uint(&mut self.buf, u64::from(pid));
        self.buf.extend_from_slice(b",\"tid\":");
        push_uint(&mut self.buf, u64::from(index));
        self.buf.extend_from_slice(b",\"args\":{\"name\":");
        write_json_str(&mut self.buf, &lane.name);
        self.buf
            .extend_from_slice(b"}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":");
        push_uint(&mut self.buf, u64::from(pid));
        self.buf.extend_from_slice(b",\"tid\":");
        push_uint(&mut self.buf, u64::from(index));
        self.buf.extend_from_slice(b",\"args\":{\"sort_index\":");
        push_int(&mut self.buf, lane.sort_index);
        self.buf.extend_from_slice(b"}}");
        self.lanes.push(lane.clone());
        self.lane_pid.push(pid);
        self.open.push(None);
        LaneId(index)
    }

    /// The `taskscope_graph` event: every task as the `taskscope` object's graph has it,
    /// each `not_run` (nothing has finished when the stream starts).
    fn write_graph_event(&mut self) {
        let graph = Arc::clone(&self.graph);
        self.buf.extend_from_slice(
            b",\n{\"ph\":\"M\",\"cat\":\"taskscope\",\"name\":\"taskscope_graph\",\"pid\":0,\"tid\":0,\"args\":{\"tasks\":[",
        );
        for task in graph.tasks() {
            if task.0 > 0 {
                self.buf.push(b',');
            }
            push_task_object(
                &mut self.buf,
                &graph,
                task,
                TaskState::NotRun,
                std::iter::empty(),
            );
        }
        self.buf.extend_from_slice(b"]}}");
    }

    /// Encodes the `X` event of a span that ended; `status` is its task's state then
    /// (`Done`, or `Failed` for the span of a failed task). Buffered until the next
    /// [`StreamWriter::flush`].
    ///
    /// A span on a lane not announced yet, or of a task not in the graph, is a caller's
    /// bug: it is checked in debug builds and written as given otherwise (a reader then
    /// reports it with its position).
    pub fn push_span(&mut self, span: &Span, status: TaskState) {
        debug_assert!(
            span.lane.index() < self.lanes.len(),
            "span on an announced lane"
        );
        debug_assert!(
            span.task.index() < self.graph.len(),
            "span of a task of the graph"
        );
        let pid = self.lane_pid.get(span.lane.index()).copied().unwrap_or(0);
        let task = XTask {
            name: self.graph.name(span.task).unwrap_or(""),
            key: self.graph.key(span.task).unwrap_or(""),
            state: status,
        };
        push_x_event(&mut self.buf, span, &task, pid, std::iter::empty());
        self.spans += 1;
    }

    /// Encodes the `B` event of `task`, started at `start_ns` on `lane` and still
    /// running: a compute span at depth 0 whose end is not known yet. Its span, once it
    /// ends, is pushed with [`StreamWriter::push_end`] (not `push_span`). Buffered until
    /// the next [`StreamWriter::flush`].
    ///
    /// One task at a time may be open per lane. A lane not announced, a task not in the
    /// graph or a lane with a task open already is a caller's bug: checked in debug builds
    /// and written as given otherwise.
    pub fn push_begin(&mut self, task: TaskId, lane: LaneId, start_ns: u64) {
        debug_assert!(lane.index() < self.lanes.len(), "an announced lane");
        debug_assert!(task.index() < self.graph.len(), "a task of the graph");
        let open = self.open.get_mut(lane.index());
        debug_assert!(
            open.as_deref().is_some_and(Option::is_none),
            "one open task per lane"
        );
        if let Some(open) = open {
            *open = Some((task, start_ns));
        }
        let pid = self.lane_pid.get(lane.index()).copied().unwrap_or(0);
        let buf = &mut self.buf;
        buf.extend_from_slice(b",\n{\"ph\":\"B\",\"cat\":\"task\",\"name\":");
        write_json_str(buf, self.graph.name(task).unwrap_or(""));
        buf.extend_from_slice(b",\"ts\":");
        write_us(buf, start_ns);
        buf.extend_from_slice(b",\"pid\":");
        push_uint(buf, u64::from(pid));
        buf.extend_from_slice(b",\"tid\":");
        push_uint(buf, u64::from(lane.0));
        buf.extend_from_slice(b",\"args\":{\"key\":");
        write_json_str(buf, self.graph.key(task).unwrap_or(""));
        buf.extend_from_slice(b",\"task\":");
        push_uint(buf, u64::from(task.0));
        buf.extend_from_slice(b"}}");
    }

    /// The task whose `B` is open on `lane` (see [`StreamWriter::push_begin`]), with the
    /// start it was written with.
    pub fn open_task(&self, lane: LaneId) -> Option<(TaskId, u64)> {
        self.open.get(lane.index()).copied().flatten()
    }

    /// Encodes the `E` event that closes the `B` of `span`'s task on its lane: the span
    /// ended, its task's state then is `status` (`Done`, or `Failed`). Buffered until the
    /// next [`StreamWriter::flush`].
    ///
    /// The span is the one the `B` began: its task and lane, a compute span at depth 0,
    /// not unclosed (another is a caller's bug, checked in debug builds). A reader gives
    /// the slice the `B`'s start: a finished stream reads back as the trace it is finished
    /// with only if that was the span's start. A span whose lane has no open task is
    /// written as an `X` event ([`StreamWriter::push_span`]) instead.
    pub fn push_end(&mut self, span: &Span, status: TaskState) {
        let Some((task, _)) = self.open.get_mut(span.lane.index()).and_then(Option::take) else {
            debug_assert!(false, "push_end after push_begin on the span's lane");
            self.push_span(span, status);
            return;
        };
        debug_assert_eq!(task, span.task, "the span of the task the B began");
        debug_assert!(
            span.kind == SpanKind::Compute && span.depth == 0 && !span.unclosed,
            "a B begins a top-level compute span"
        );
        let pid = self.lane_pid.get(span.lane.index()).copied().unwrap_or(0);
        let buf = &mut self.buf;
        // A name, as DevTools' trace engine fails on an event without one. No `cat`: that
        // engine binds a flow event to the first event in the file with its slice's (ts,
        // pid, tid, cat), and this E has the ts of the slice of the task that starts on
        // the lane as this one ends (written after it).
        buf.extend_from_slice(b",\n{\"ph\":\"E\",\"name\":");
        write_json_str(buf, self.graph.name(span.task).unwrap_or(""));
        buf.extend_from_slice(b",\"ts\":");
        write_us(buf, span.end_ns);
        buf.extend_from_slice(b",\"pid\":");
        push_uint(buf, u64::from(pid));
        buf.extend_from_slice(b",\"tid\":");
        push_uint(buf, u64::from(span.lane.0));
        buf.extend_from_slice(b",\"args\":{\"status\":\"");
        buf.extend_from_slice(status.as_str().as_bytes());
        buf.extend_from_slice(b"\"}}");
        self.spans += 1;
    }

    /// Encodes a `taskscope_now` metadata event: the run has reached `ts_ns`. A reader
    /// of the file as it is takes it as the end of what was read, so the span of a task
    /// still running (its `B` not closed) lasts until then. Other viewers ignore it (a
    /// metadata event). Buffered until the next [`StreamWriter::flush`].
    pub fn push_now(&mut self, ts_ns: u64) {
        let buf = &mut self.buf;
        buf.extend_from_slice(
            b",\n{\"ph\":\"M\",\"cat\":\"taskscope\",\"name\":\"taskscope_now\",\"ts\":",
        );
        write_us(buf, ts_ns);
        buf.extend_from_slice(b",\"pid\":0,\"tid\":0,\"args\":{}}");
    }

    /// [`StreamWriter::push_span`] for each span of a batch of finished tasks (`Done`).
    pub fn push_spans(&mut self, spans: &[Span]) {
        for span in spans {
            self.push_span(span, TaskState::Done);
        }
    }

    /// How many bytes are encoded but not yet written to the file.
    pub fn buffered_bytes(&self) -> usize {
        self.buf.len()
    }

    /// How many spans were pushed so far.
    pub fn span_count(&self) -> u64 {
        self.spans
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the buffered events to the file (whole events: a reader sees the file end
    /// at an event boundary, or within the last event written, never mid-way otherwise).
    pub fn flush(&mut self) -> Result<(), FormatError> {
        self.write_buffer()
    }

    fn write_buffer(&mut self) -> Result<(), FormatError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.file.write_all(&self.buf);
        self.buf.clear();
        result.map_err(|source| FormatError::Io {
            path: self.path.clone(),
            action: "appending to the streamed trace",
            source,
        })
    }

    /// Ends the stream with `trace`, the finished run: appends the remaining events and
    /// the `taskscope` object, so that the file reads back into `trace` as if
    /// [`Trace::save`] had written it.
    ///
    /// The file is not synced to disk (unlike [`Trace::save`], which must before its
    /// rename): what was written survives the writing process being killed, not a power
    /// loss. Syncing a large trace takes seconds on a busy disk.
    ///
    /// `trace` must have the stream's graph (same tasks, keys and dependencies; its
    /// states are the final ones), the lanes announced, in order, exactly the spans
    /// pushed, and no flows and no span args (the streamed `X` events carry none); a trace
    /// that does not is refused with an error (nothing is appended) — the lanes, graph
    /// size, flows and span args are checked, the spans are not.
    ///
    /// # Complexity
    /// O(S log S + V + E), as [`Trace::save`] without the `X` events.
    pub fn finish(mut self, trace: &Trace) -> Result<(), FormatError> {
        let refuse = |why: &str| FormatError::Io {
            path: self.path.clone(),
            action: "finishing the streamed trace",
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, why.to_owned()),
        };
        if trace.lanes() != self.lanes.as_slice() {
            return Err(refuse("the trace's lanes are not the stream's"));
        }
        if trace.graph().len() != self.graph.len() {
            return Err(refuse("the trace's graph is not the stream's"));
        }
        if !trace.flows().is_empty() {
            return Err(refuse(
                "a streamed trace cannot have flows between spans (their X events are in the stream's order)",
            ));
        }
        if !trace.span_args().is_empty() {
            return Err(refuse(
                "a streamed trace cannot have span args (its X events were written without them)",
            ));
        }
        debug_assert_eq!(
            trace.spans().len() as u64,
            self.spans,
            "the trace has the spans pushed"
        );
        debug_assert!(
            self.open.iter().all(Option::is_none),
            "every B closed by its E"
        );
        self.write_buffer()?;
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| FormatError::Io {
                path,
                action,
                source,
            }
        };
        write_stream_tail(trace, &mut self.file)
            .map_err(io("appending to the streamed trace", &self.path))
    }
}

impl std::fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamWriter")
            .field("path", &self.path)
            .field("tasks", &self.graph.len())
            .field("lanes", &self.lanes.len())
            .field("spans", &self.spans)
            .field("buffered_bytes", &self.buf.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::StreamWriter;
    use crate::model::{
        Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
    };

    /// A finished run with what the writers treat specially: escaped strings, a repeated
    /// key (dependencies by index), a failed and a never-run task, nested and unclosed
    /// spans, two processes, an instant and a counter.
    fn finished_run() -> Trace {
        let mut b = TraceBuilder::new(RunMeta {
            title: Some("stream \"test\"".into()),
            scheduler: Some("threads".into()),
            workers: Some(2),
            wall_ns: 60,
            ..RunMeta::default()
        });
        let g = b.graph_mut();
        let a = g.add_task("a", "load", [], TaskState::Done).unwrap();
        let q = g
            .add_task("q\"uote", "na\\me", [a], TaskState::Done)
            .unwrap();
        let d1 = g.add_task("dup", "x", [q], TaskState::Done).unwrap();
        let d2 = g.add_task("dup", "x", [d1, a], TaskState::Failed).unwrap();
        g.add_task("never", "é", [d2], TaskState::NotRun).unwrap();
        b.add_lane(Lane {
            name: "worker 0".into(),
            process: "taskscope threads".into(),
            sort_index: 0,
            is_async: false,
        })
        .unwrap();
        b.add_lane(Lane {
            name: "worker 1".into(),
            process: "taskscope threads".into(),
            sort_index: 1,
            is_async: false,
        })
        .unwrap();
        b.add_lane(Lane {
            name: "io".into(),
            process: "other".into(),
            sort_index: -3,
            is_async: true,
        })
        .unwrap();
        for span in spans_in_end_order() {
            b.add_span(span).unwrap();
        }
        b.add_instant(crate::model::Instant {
            ts_ns: 7,
            lane: Some(LaneId(1)),
            name: "mark".into(),
        });
        b.add_counter(crate::model::Counter {
            track: "memory".into(),
            series: "bytes".into(),
            samples: vec![crate::model::CounterSample {
                ts_ns: 3,
                value: 1.5,
            }],
        });
        b.build().unwrap()
    }

    fn spans_in_end_order() -> Vec<Span> {
        let span = |task, lane, start_ns, end_ns, kind, depth, unclosed| Span {
            start_ns,
            end_ns,
            task: TaskId(task),
            lane: LaneId(lane),
            kind,
            depth,
            unclosed,
        };
        vec![
            span(1, 0, 5, 8, SpanKind::Deserialize, 1, false),
            span(0, 0, 0, 10, SpanKind::Compute, 0, false),
            span(2, 1, 12, 30, SpanKind::Compute, 0, true),
            span(3, 2, 40, 41, SpanKind::Other, 0, false),
            span(3, 0, 40, 45, SpanKind::Transfer, 0, false),
        ]
    }

    fn status(trace: &Trace, span: &Span) -> TaskState {
        trace.graph().state(span.task).unwrap()
    }

    /// The span that [`stream`] writes as a `B` then an `E` when asked to: task 0's
    /// compute span on lane 0 (the first span to start).
    fn begun() -> Span {
        spans_in_end_order()[1]
    }

    /// Streams `trace` (its spans in end order) and returns the file's bytes after the
    /// head, after each span (flushed one by one), and finished. With `running`, the
    /// [`begun`] span is first written as running (a `B`, its own stage), its end an `E`.
    fn stream_with(trace: &Trace, dir: &std::path::Path, running: bool) -> (Vec<Vec<u8>>, Vec<u8>) {
        let path = dir.join("run.json");
        let graph = Arc::new(trace.graph().clone());
        let mut w = StreamWriter::create(&path, graph, &trace.lanes()[..2]).unwrap();
        let mut stages = vec![std::fs::read(&path).unwrap()];
        w.add_lane(&trace.lanes()[2]);
        if running {
            let b = begun();
            w.push_begin(b.task, b.lane, b.start_ns);
            // How far the run has got: 3 ns in.
            w.push_now(3);
            w.flush().unwrap();
            stages.push(std::fs::read(&path).unwrap());
        }
        for span in spans_in_end_order() {
            if running && span == begun() {
                assert_eq!(w.open_task(span.lane), Some((span.task, span.start_ns)));
                w.push_end(&span, status(trace, &span));
                assert_eq!(w.open_task(span.lane), None);
            } else {
                w.push_span(&span, status(trace, &span));
            }
            w.flush().unwrap();
            stages.push(std::fs::read(&path).unwrap());
        }
        w.finish(trace).unwrap();
        (stages, std::fs::read(&path).unwrap())
    }

    fn stream(trace: &Trace, dir: &std::path::Path) -> (Vec<Vec<u8>>, Vec<u8>) {
        stream_with(trace, dir, false)
    }

    fn written(trace: &Trace) -> Vec<u8> {
        let mut out = Vec::new();
        trace.write_to(&mut out).unwrap();
        out
    }

    #[test]
    fn an_unfinished_streams_workers_are_its_announced_lanes() {
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (stages, _) = stream(&trace, dir.path());
        // The head: two worker threads announced, none has finished a task.
        let head = Trace::from_slice(&stages[0], "run.json").unwrap();
        assert!(head.spans().is_empty());
        assert_eq!(head.meta().workers, Some(2));
        assert_eq!(crate::TraceIndex::new(&head).worker_count(&head), 2);
        // A third announced since, one span ended.
        let early = Trace::from_slice(&stages[1], "run.json").unwrap();
        assert_eq!(early.spans().len(), 1);
        assert_eq!(crate::TraceIndex::new(&early).worker_count(&early), 3);
    }

    #[test]
    fn a_finished_stream_reads_back_as_the_saved_trace() {
        for running in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let trace = finished_run();
            let (_, bytes) = stream_with(&trace, dir.path(), running);
            let back = Trace::from_slice(&bytes, "run.json").unwrap();
            assert_eq!(written(&back), written(&trace), "running: {running}");
            let saved = Trace::from_slice(&written(&trace), "saved.json").unwrap();
            assert_eq!(back.meta(), saved.meta());
            assert_eq!(back.spans(), saved.spans());
            assert!(back.diagnostics().is_empty(), "{:?}", back.diagnostics());
            // The head went through a temporary file: none is left behind.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }

    #[test]
    fn a_task_seen_running_is_a_slice_that_ends_when_it_does() {
        use crate::index::{RunState, TaskTimes};
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (stages, _) = stream_with(&trace, dir.path(), true);
        let b = begun();
        // Begun, not ended (the writer may have been killed there): the task runs.
        let running = Trace::from_slice(&stages[1], "run.json").unwrap();
        let span = running.spans()[0];
        assert_eq!(running.spans().len(), 1);
        assert_eq!((span.task, span.lane, span.start_ns), (b.task, b.lane, 0));
        // It lasts as far as the run has got, the end of what was read.
        assert!(span.unclosed);
        assert_eq!((span.end_ns, running.meta().wall_ns), (3, 3));
        assert_eq!(running.graph().state(b.task), Some(TaskState::NotRun));
        let times = TaskTimes::new(&running);
        assert_eq!(times.state_at(b.task, span.end_ns), RunState::Running);
        assert_eq!(times.state_at(b.task, u64::MAX), RunState::Running);
        assert!(
            running
                .diagnostics()
                .iter()
                .any(|d| d.message.contains("1 task was running")),
            "{:?}",
            running.diagnostics()
        );
        // Later spans end after it started: its span reaches the last of them.
        let later = Trace::from_slice(&stages[2], "run.json").unwrap();
        let open = later.spans().iter().find(|s| s.task == b.task).unwrap();
        assert!(open.unclosed && open.end_ns == 8, "{open:?}");
        // Once its E is written, it is the span an X would have given, and done.
        let ended = Trace::from_slice(&stages[3], "run.json").unwrap();
        assert!(ended.spans().contains(&b), "{:?}", ended.spans());
        assert_eq!(ended.graph().state(b.task), Some(TaskState::Done));
        assert_eq!(TaskTimes::new(&ended).state_at(b.task, 10), RunState::Done);
    }

    #[test]
    fn a_follower_sees_a_task_running_then_done() {
        use crate::format::Follower;
        use crate::index::{RunState, TaskTimes};
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (stages, _) = stream_with(&trace, dir.path(), true);
        let b = begun();
        let mut follower = Follower::new("run.json");
        let mut fed = 0;
        let mut at_stage = |follower: &mut Follower, stage: &[u8]| {
            follower.push(&stage[fed..]).unwrap();
            fed = stage.len();
            follower.snapshot().unwrap()
        };
        at_stage(&mut follower, &stages[0]);
        // Its B read (as new bytes after the head): running, not finished.
        let t = at_stage(&mut follower, &stages[1]);
        let span = t.spans().iter().find(|s| s.task == b.task).unwrap();
        assert!(span.unclosed, "{span:?}");
        assert_eq!(span.end_ns, 3, "as far as the run has got");
        assert_eq!(
            TaskTimes::new(&t).state_at(b.task, span.end_ns),
            RunState::Running
        );
        // Its E read: the span an X gives, done.
        at_stage(&mut follower, &stages[2]);
        let t = at_stage(&mut follower, &stages[3]);
        assert!(t.spans().contains(&b), "{:?}", t.spans());
        assert_eq!(
            TaskTimes::new(&t).state_at(b.task, b.end_ns),
            RunState::Done
        );
    }

    #[test]
    fn a_failed_task_seen_running_ends_failed() {
        use crate::index::{RunState, TaskTimes};
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let path = dir.path().join("run.json");
        let mut w =
            StreamWriter::create(&path, Arc::new(trace.graph().clone()), trace.lanes()).unwrap();
        let span = Span {
            start_ns: 40,
            end_ns: 45,
            task: TaskId(3),
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        };
        w.push_begin(span.task, span.lane, span.start_ns);
        w.push_end(&span, TaskState::Failed);
        w.flush().unwrap();
        let t = Trace::open(&path).unwrap();
        assert_eq!(t.spans(), [span]);
        assert_eq!(t.graph().state(span.task), Some(TaskState::Failed));
        assert_eq!(TaskTimes::new(&t).state_at(span.task, 45), RunState::Failed);
    }

    #[test]
    fn a_growing_stream_reads_with_the_whole_graph() {
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (stages, _) = stream(&trace, dir.path());
        for (flushed, bytes) in stages.iter().enumerate() {
            let t = Trace::from_slice(bytes, "run.json").unwrap();
            assert_eq!(t.graph().len(), 5);
            assert_eq!(t.graph().deps(TaskId(3)), &[TaskId(2), TaskId(0)]);
            assert_eq!(t.graph().key(TaskId(1)), Some("q\"uote"));
            assert_eq!(t.spans().len(), flushed);
            let finished: Vec<TaskId> = spans_in_end_order()
                .iter()
                .take(flushed)
                .map(|s| s.task)
                .collect();
            for task in t.graph().tasks() {
                let expected = if finished.contains(&task) {
                    trace.graph().state(task).unwrap()
                } else {
                    TaskState::NotRun
                };
                assert_eq!(
                    t.graph().state(task),
                    Some(expected),
                    "{task:?} at {flushed}"
                );
            }
            assert!(
                t.diagnostics()
                    .iter()
                    .any(|d| d.message.contains("taskscope_graph event")),
                "{:?}",
                t.diagnostics()
            );
        }
        // The lanes known at the start, and the one announced later once it is.
        // (Whether a lane is async is only in the final object.)
        let t = Trace::from_slice(stages.last().unwrap(), "run.json").unwrap();
        let mut lanes = trace.lanes().to_vec();
        lanes[2].is_async = false;
        assert_eq!(t.lanes(), lanes);
    }

    #[test]
    fn every_truncation_of_a_stream_reads_without_panic() {
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (stages, bytes) = stream_with(&trace, dir.path(), true);
        let head = stages[0].len();
        let mut last_spans = 0;
        for cut in 0..bytes.len() {
            let result = Trace::from_slice(&bytes[..cut], "run.json");
            if cut < head {
                continue; // the file under the final name always has its head
            }
            let t = result.unwrap_or_else(|e| {
                let text = String::from_utf8_lossy(&bytes[cut.saturating_sub(80)..cut]);
                panic!("cut at {cut}: {e}\n{text}")
            });
            assert_eq!(t.graph().len(), 5, "cut at {cut}");
            assert!(t.spans().len() >= last_spans, "cut at {cut}");
            last_spans = t.spans().len();
        }
        assert_eq!(last_spans, 5);
    }

    #[test]
    fn stream_events_are_the_whole_file_events() {
        // The X events (and graph task objects, but for their state) are byte-equal to
        // the ones `save` writes, so the fast path reads both.
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let (_, bytes) = stream(&trace, dir.path());
        let saved = String::from_utf8(written(&trace)).unwrap();
        let streamed = String::from_utf8(bytes).unwrap();
        let x_events = |text: &str| {
            let mut v: Vec<String> = text
                .lines()
                .filter(|l| l.starts_with("{\"ph\":\"X\""))
                .map(|l| l.trim_end_matches(',').to_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(x_events(&streamed), x_events(&saved));
        assert_eq!(x_events(&saved).len(), 5);
        let tasks = |text: &str, from: &str| {
            let start = text.find(from).unwrap();
            text[start..]
                .lines()
                .skip(1)
                .take(5)
                .map(|l| {
                    // One task object a line, no braces in its strings: up to its `}`.
                    let object = &l[..=l.find('}').unwrap()];
                    object
                        .replace(",\"state\":\"not_run\"", "")
                        .replace(",\"state\":\"failed\"", "")
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            tasks(&streamed, "\"taskscope_graph\""),
            tasks(&saved, "\"graph\":{\"tasks\":[")
        );
    }

    #[test]
    fn finish_refuses_a_trace_that_is_not_the_streams() {
        let dir = tempfile::tempdir().unwrap();
        let trace = finished_run();
        let path = dir.path().join("run.json");
        let graph = Arc::new(trace.graph().clone());
        let w = StreamWriter::create(&path, graph, &trace.lanes()[..2]).unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = w.finish(&trace).unwrap_err();
        assert!(err.to_string().contains("finishing"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing appended");
    }

    #[test]
    fn creating_in_a_missing_directory_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/run.json");
        let trace = finished_run();
        let err = StreamWriter::create(&path, Arc::new(trace.graph().clone()), &[]).unwrap_err();
        assert!(err.to_string().contains("no/such/dir"), "{err}");
    }
}
