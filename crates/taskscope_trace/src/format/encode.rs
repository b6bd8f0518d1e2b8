//! A taskscope file cut into pieces that can be encoded independently, in any order and on
//! any thread, and written one after the other: the same bytes as [`Trace::write_to`].
//!
//! The trace crate runs no threads; a caller that has some (the engine's
//! `Run::save_trace`) encodes pieces on several of them and writes them in order
//! ([`Trace::save_with`]). What every piece needs from the whole trace (the file order
//! of spans, each task's arrow ends, the first flow id of each piece) is computed once,
//! when the encoder is made.
//!
//! This module decides where the file is cut; `write` decides the bytes.

use std::ops::Range;
use std::path::Path;

use super::FormatError;
use super::write::{
    Buf, EdgeAt, Endpoints, FileOrder, Processes, write_derived, write_edge_flows, write_end,
    write_graph_tasks, write_head, write_spans,
};
use crate::model::Trace;

/// Spans, tasks or tasks' arrows per piece: about 1 MiB of text at most shapes' sizes
/// (an `X` event is ~150 bytes, an arrow pair ~160, a graph task ~80).
const ITEMS_PER_PIECE: u32 = 1 << 13;

/// One independently encoded part of a file, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// The opening and the metadata events.
    Head,
    /// `X` events at these positions of the file order.
    Spans(Range<u32>),
    /// The arrows of the dependencies from `from` up to `to` (excluded), numbered from
    /// `first_id`: cut by dependencies, not by tasks, so that a task with a million inputs
    /// is spread over many pieces.
    Arrows {
        from: EdgeAt,
        to: EdgeAt,
        first_id: u64,
    },
    /// The running-tasks counter, instants, counters and the start of the graph.
    Derived,
    /// These graph tasks (as many as make about [`ITEMS_PER_PIECE`] tasks and
    /// dependencies; a task is never cut).
    Tasks(Range<u32>),
    /// The end of the graph and the rest of the `taskscope` object.
    End,
}

/// A trace's file, cut into pieces that can be encoded apart, in any order and on any
/// thread, and appended one after the other: the same bytes as [`Trace::write_to`].
///
/// What every piece needs from the whole trace (the file order of spans, each task's
/// arrow ends, the first flow id of each piece) is computed once, when the encoder is
/// made ([`Trace::encoder`], or [`Trace::save_with`] with a caller's [`Join`]).
///
/// ```
/// # use taskscope_trace::{RunMeta, TraceBuilder};
/// let trace = TraceBuilder::new(RunMeta::default()).build().unwrap();
/// let encoder = trace.encoder();
/// let mut bytes = Vec::new();
/// for piece in 0..encoder.pieces() {
///     encoder.encode(piece, &mut bytes);
/// }
/// let mut whole = Vec::new();
/// trace.write_to(&mut whole).unwrap();
/// assert_eq!(bytes, whole);
/// ```
pub struct TraceEncoder<'t> {
    trace: &'t Trace,
    processes: Processes<'t>,
    order: FileOrder,
    endpoints: Endpoints,
    pieces: Vec<Piece>,
}

impl std::fmt::Debug for TraceEncoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceEncoder")
            .field("pieces", &self.pieces.len())
            .finish_non_exhaustive()
    }
}

/// Runs both jobs and returns once both are done: one after the other, or at the same time
/// on two threads (see [`Trace::save_with`]).
pub type Join<'j> = &'j dyn Fn(&mut (dyn FnMut() + Send), &mut (dyn FnMut() + Send));

/// The [`Join`] of a caller without threads: one job, then the other.
fn one_after_the_other(a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
    a();
    b();
}

impl<'t> TraceEncoder<'t> {
    /// The whole file of `trace`; its two preparations (the file order of spans; each
    /// task's arrow ends and the pieces) run through `join`.
    ///
    /// # Complexity
    /// O(S log L + V + E) for S spans on L lanes, V tasks and E dependencies.
    pub(crate) fn new(trace: &'t Trace, join: Join<'_>) -> Self {
        let (mut order, mut rest) = (None, None);
        join(&mut || order = Some(FileOrder::new(trace)), &mut || {
            rest = Some(Self::plan(trace, FileOrder::empty(), false));
        });
        debug_assert!(order.is_some() && rest.is_some(), "a join runs both jobs");
        let order = order.unwrap_or_else(|| FileOrder::new(trace));
        let (_, endpoints, after_spans) =
            rest.unwrap_or_else(|| Self::plan(trace, FileOrder::empty(), false));
        let spans = u32::try_from(order.len()).unwrap_or(u32::MAX);
        let mut pieces = vec![Piece::Head];
        pieces.extend(ranges(spans).map(Piece::Spans));
        pieces.extend(after_spans);
        Self::from_parts(trace, order, endpoints, pieces)
    }

    /// Everything after the `X` events, for a streamed file (see `write_stream_tail`).
    pub(crate) fn tail_only(trace: &'t Trace) -> Self {
        let (order, endpoints, pieces) = Self::plan(trace, FileOrder::empty(), false);
        Self::from_parts(trace, order, endpoints, pieces)
    }

    fn from_parts(
        trace: &'t Trace,
        order: FileOrder,
        endpoints: Endpoints,
        pieces: Vec<Piece>,
    ) -> Self {
        Self {
            trace,
            processes: Processes::new(trace.lanes()),
            order,
            endpoints,
            pieces,
        }
    }

    /// The arrows' ends and the pieces of a file whose spans are in `order`, with its head
    /// and `X` events when `head`.
    fn plan(trace: &Trace, order: FileOrder, head: bool) -> (FileOrder, Endpoints, Vec<Piece>) {
        let endpoints = Endpoints::new(trace);
        let spans = u32::try_from(order.len()).unwrap_or(u32::MAX);
        let mut pieces = Vec::new();
        if head {
            pieces.push(Piece::Head);
            pieces.extend(ranges(spans).map(Piece::Spans));
        }
        arrow_pieces(trace, &endpoints, &mut pieces);
        pieces.push(Piece::Derived);
        task_pieces(trace, &mut pieces);
        pieces.push(Piece::End);
        (order, endpoints, pieces)
    }

    /// How many pieces the file has (at least two).
    #[must_use]
    pub fn pieces(&self) -> usize {
        self.pieces.len()
    }

    /// Appends piece `piece` (`0..self.pieces()`) to `out`. The pieces appended in order
    /// make the file; a piece past the end appends nothing.
    ///
    /// # Complexity
    /// O(bytes appended), up to about 1 MiB.
    pub fn encode(&self, piece: usize, out: &mut Vec<u8>) {
        debug_assert!(
            piece < self.pieces.len(),
            "piece {piece} of {}",
            self.pieces.len()
        );
        let Some(piece) = self.pieces.get(piece) else {
            return;
        };
        let w = &mut Buf { buf: out };
        let trace = self.trace;
        match piece {
            Piece::Head => write_head(w, trace, &self.processes),
            Piece::Spans(positions) => write_spans(
                w,
                trace,
                &self.processes,
                &self.order,
                positions.start as usize..positions.end as usize,
            ),
            Piece::Arrows { from, to, first_id } => write_edge_flows(
                w,
                trace,
                &self.processes,
                &self.endpoints,
                (*from, *to),
                *first_id,
            ),
            Piece::Derived => write_derived(w, trace, &self.processes),
            Piece::Tasks(tasks) => write_graph_tasks(w, trace, tasks.clone()),
            Piece::End => write_end(w, trace, &self.order),
        }
    }
}

/// Appends the pieces of the arrows: [`ITEMS_PER_PIECE`] dependencies each (the last
/// fewer), skipping those without arrows.
///
/// # Complexity
/// O(V + E).
fn arrow_pieces(trace: &Trace, endpoints: &Endpoints, pieces: &mut Vec<Piece>) {
    let graph = trace.graph();
    let per_piece = ITEMS_PER_PIECE as usize;
    let mut from = EdgeAt { task: 0, dep: 0 };
    let (mut edges, mut arrows, mut first_id) = (0_usize, 0_u64, 1_u64);
    let mut close = |to: EdgeAt, arrows: &mut u64, from: &mut EdgeAt| {
        if *arrows > 0 {
            pieces.push(Piece::Arrows {
                from: *from,
                to,
                first_id,
            });
            first_id += *arrows;
        }
        *arrows = 0;
        *from = to;
    };
    for consumer in graph.tasks() {
        let deps = graph.deps(consumer).len();
        let mut dep = 0;
        while dep < deps {
            let end = deps.min(dep + (per_piece - edges));
            arrows += endpoints.arrows_into(trace, consumer, dep..end).count() as u64;
            edges += end - dep;
            dep = end;
            if edges == per_piece {
                let to = EdgeAt {
                    task: consumer.0,
                    dep: u32::try_from(end).unwrap_or(u32::MAX),
                };
                close(to, &mut arrows, &mut from);
                edges = 0;
            }
        }
    }
    let end = EdgeAt {
        task: u32::try_from(graph.len()).unwrap_or(u32::MAX),
        dep: 0,
    };
    close(end, &mut arrows, &mut from);
}

/// Appends the pieces of the graph's tasks: whole tasks, about [`ITEMS_PER_PIECE`] tasks
/// and dependencies each.
///
/// # Complexity
/// O(V).
fn task_pieces(trace: &Trace, pieces: &mut Vec<Piece>) {
    let graph = trace.graph();
    let (mut start, mut weight) = (0_u32, 0_usize);
    for task in graph.tasks() {
        weight += 1 + graph.deps(task).len();
        if weight >= ITEMS_PER_PIECE as usize {
            pieces.push(Piece::Tasks(start..task.0 + 1));
            (start, weight) = (task.0 + 1, 0);
        }
    }
    let tasks = u32::try_from(graph.len()).unwrap_or(u32::MAX);
    if start < tasks {
        pieces.push(Piece::Tasks(start..tasks));
    }
}

/// `0..n` in ranges of [`ITEMS_PER_PIECE`].
fn ranges(n: u32) -> impl Iterator<Item = Range<u32>> {
    (0..n.div_ceil(ITEMS_PER_PIECE)).map(move |i| {
        let start = i * ITEMS_PER_PIECE;
        start..n.min(start + ITEMS_PER_PIECE)
    })
}

impl Trace {
    /// This trace's file cut into pieces that threads can encode apart ([`TraceEncoder`]).
    ///
    /// # Complexity
    /// O(S log L + V + E), on the calling thread.
    #[must_use]
    pub fn encoder(&self) -> TraceEncoder<'_> {
        TraceEncoder::new(self, &one_after_the_other)
    }

    /// Saves the trace at `path` atomically, as [`Trace::save`] does, but lets the caller
    /// run the work on its threads: the encoder's two preparations go through `join` (which
    /// may run them at the same time), and `write` produces the bytes: it gets the
    /// trace's [`TraceEncoder`] and the temporary file
    /// (new and empty; `&File` implements [`Write`](std::io::Write)), and must write every piece to it in
    /// order, for instance encoding them on several threads. The file is synced and
    /// renamed over `path` only when `write` succeeds.
    ///
    /// # Errors
    /// [`FormatError::Io`] naming the file when it cannot be created, written, synced or
    /// renamed (an error of `write` is reported as writing the temporary file).
    pub fn save_with(
        &self,
        path: impl AsRef<Path>,
        join: Join<'_>,
        write: impl FnOnce(&TraceEncoder<'_>, &std::fs::File) -> std::io::Result<()>,
    ) -> Result<(), FormatError> {
        let encoder = TraceEncoder::new(self, join);
        super::write_atomically(path.as_ref(), |file: &mut &std::fs::File| {
            write(&encoder, file)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_cover_everything_once() {
        for n in [
            0,
            1,
            super::ITEMS_PER_PIECE - 1,
            super::ITEMS_PER_PIECE,
            3 * super::ITEMS_PER_PIECE + 5,
        ] {
            let all: Vec<u32> = ranges(n).flatten().collect();
            assert_eq!(all, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }
}
