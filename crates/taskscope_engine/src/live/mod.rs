//! Watching a run while it goes: the progress bar ([`Progress`], `progress`) and the
//! streaming trace (`stream`).
//!
//! The workers' side is one cheap hook per task ([`LaneHook::task_ran`]): a per-lane
//! counter of tasks run, and, when a trace is streamed, the task's span appended to its
//! lane's lock-free log (`log`); and, when a trace is streamed, the task a lane starts
//! published in the lane's running slot ([`LiveLanes::task_starts`], `running`) as it
//! starts. Nothing else: a worker never locks, allocates or does I/O for it. The other
//! side is one background thread per run (`taskscope-live`), the watcher, which wakes
//! every [`TICK`]: it writes the tasks running then (a `B` event each, closed by an `E`
//! when its span arrives), moves the new spans into the stream and flushes it, and
//! redraws the bar from the counters. When the run ends, [`Live::finish`] stops the
//! watcher (its last tick takes every span left), draws the bar's final line and
//! appends the end of the stream.
//!
//! This module decides when things are drawn and flushed, not what they say (the bar's
//! words are `progress`'s, the stream's bytes are the trace crate's).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_utils::CachePadded;
use parking_lot::{Condvar, Mutex};
use taskscope_trace::{Graph, Lane, LaneId, Span, Trace};

use crate::error::ComputeError;

mod log;
mod progress;
mod running;
mod stream;
#[cfg(test)]
mod test;

use log::{LogReader, LogWriter, SpanLog};
pub use progress::Progress;
use progress::{Bar, BarTarget};
use running::RunningSlot;
use stream::Stream;

/// How often the watcher moves spans to the stream, flushes it and redraws the bar: a span
/// reaches the file at most this long (plus a write) after it ended.
const TICK: Duration = Duration::from_millis(50);

/// What a scheduler watches while it runs (part of [`Scheduler`](crate::Scheduler)).
#[derive(Clone, Debug, Default)]
pub(crate) struct LiveOptions {
    /// Stream each run's trace to this file.
    pub(crate) stream: Option<Arc<Path>>,
    /// Draw a progress bar.
    pub(crate) progress: Option<Progress>,
    /// Draw the bar into a test's buffer instead of stderr.
    #[cfg(test)]
    pub(crate) captured: Option<Arc<Mutex<String>>>,
}

impl LiveOptions {
    #[cfg_attr(
        not(test),
        expect(clippy::unused_self, reason = "tests redirect the bar")
    )]
    fn bar_target(&self, progress: &Progress) -> BarTarget {
        #[cfg(test)]
        if let Some(buffer) = &self.captured {
            return BarTarget::Captured(Arc::clone(buffer));
        }
        BarTarget::Stderr {
            force: progress.force,
        }
    }
}

/// A span as a lane publishes it, with the outcome of its task.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    span: Span,
    failed: bool,
}

/// What one lane (worker) publishes.
struct LiveLane {
    /// Tasks this lane ran in this run (written by its worker only).
    done: CachePadded<AtomicU64>,
    /// Its spans, when a trace is streamed (capacity 0 otherwise).
    log: SpanLog<Entry>,
    /// The task it runs, when a trace is streamed (unused otherwise).
    running: CachePadded<RunningSlot>,
}

/// What the lanes of one run publish, for the watcher.
pub(crate) struct LiveLanes {
    lanes: Box<[LiveLane]>,
    /// Spans are published (a trace is streamed).
    spans: bool,
    /// The run's span clock and start (`RunState::t0`), once the run has one.
    origin: OnceLock<(quanta::Clock, u64)>,
}

impl LiveLanes {
    /// `lanes` lanes, each with room for `spans_per_lane` spans.
    fn new(lanes: usize, spans_per_lane: usize) -> Self {
        Self {
            lanes: (0..lanes)
                .map(|_| LiveLane {
                    done: CachePadded::new(AtomicU64::new(0)),
                    log: SpanLog::with_capacity(spans_per_lane),
                    running: CachePadded::new(RunningSlot::default()),
                })
                .collect(),
            spans: spans_per_lane > 0,
            origin: OnceLock::new(),
        }
    }

    /// Sets the run's span clock and its start in raw ticks (spans are in nanoseconds
    /// since then), so that the watcher can tell how far the run has got. Once per run.
    pub(crate) fn set_origin(&self, clock: &quanta::Clock, t0: u64) {
        let first = self.origin.set((clock.clone(), t0));
        debug_assert!(first.is_ok(), "one origin per run");
    }

    /// Nanoseconds since the run's start, once [`LiveLanes::set_origin`] was called.
    fn now_ns(&self) -> Option<u64> {
        self.origin
            .get()
            .map(|(clock, t0)| clock.delta_as_nanos(*t0, clock.raw()))
    }

    /// Called by the worker of `lane` as it starts task `task` of a run that records
    /// spans: publishes it as running, with `base_ns`, the start its span gets unless an
    /// input of it ended later (`RunState::run_task`'s rule). Does nothing unless a trace
    /// is streamed.
    #[inline]
    pub(crate) fn task_starts(&self, lane: LaneId, task: u32, base_ns: u64) {
        if !self.spans {
            return;
        }
        let slot = self.lanes.get(lane.index());
        debug_assert!(slot.is_some(), "{lane:?} is watched");
        if let Some(slot) = slot {
            slot.running.publish(task, base_ns);
        }
    }

    /// Tasks run so far, over all lanes.
    fn done(&self) -> u64 {
        self.lanes
            .iter()
            .map(|l| l.done.load(Ordering::Relaxed))
            .sum()
    }
}

/// A worker's hook into its lane (see [`hook`]).
pub(crate) struct LaneHook<'a> {
    done: &'a AtomicU64,
    count: u64,
    log: Option<LogWriter<'a, Entry>>,
    /// Spans of the worker's buffer already published.
    seen: usize,
}

/// The hook of lane `lane` for the worker that runs it, when the run is watched; `spans`
/// is the worker's span buffer as the run starts.
pub(crate) fn hook<'a>(
    live: Option<&'a LiveLanes>,
    lane: usize,
    spans: &[Span],
) -> Option<LaneHook<'a>> {
    let live = live?;
    let live_lane = live.lanes.get(lane);
    debug_assert!(live_lane.is_some(), "lane {lane} is watched");
    let live_lane = live_lane?;
    let log = if live.spans {
        let log = live_lane.log.writer();
        debug_assert!(log.is_some(), "one worker per lane");
        log
    } else {
        None
    };
    Some(LaneHook {
        done: &live_lane.done,
        count: 0,
        log,
        seen: spans.len(),
    })
}

impl LaneHook<'_> {
    /// Called by the worker after each task it ran (`ok`: the task succeeded), with its
    /// span buffer: counts the task and publishes the spans it recorded.
    #[inline]
    pub(crate) fn task_ran(&mut self, spans: &[Span], ok: bool) {
        self.count += 1;
        // One writer per counter: a plain store, no read-modify-write.
        self.done.store(self.count, Ordering::Relaxed);
        if let Some(log) = &mut self.log {
            for &span in spans.get(self.seen..).unwrap_or(&[]) {
                let published = log.push(Entry { span, failed: !ok });
                // Room for one span per task on every lane: full only by a bug.
                debug_assert!(published, "the span log has room");
            }
            self.seen = spans.len();
        }
    }
}

/// Wakes the watcher early to stop it.
#[derive(Default)]
struct Signal {
    stop: Mutex<bool>,
    cv: Condvar,
}

/// What the watcher hands back when it stops.
struct Watched {
    stream: Option<Stream>,
    bar: Option<Bar>,
    done: u64,
}

/// The watching of one run: the lanes the workers publish into, and the watcher thread.
pub(crate) struct Live {
    lanes: Arc<LiveLanes>,
    signal: Arc<Signal>,
    thread: Option<JoinHandle<Watched>>,
}

impl Live {
    /// Starts watching a run of `tasks` tasks of `graph` on `lanes` (the trace's lanes, in
    /// order), if `options` ask for anything; creates the stream's file first.
    pub(crate) fn start(
        options: &LiveOptions,
        graph: &Arc<Graph>,
        lanes: &[Lane],
        tasks: usize,
    ) -> Result<Option<Self>, ComputeError> {
        if options.stream.is_none() && options.progress.is_none() {
            return Ok(None);
        }
        let stream = match &options.stream {
            Some(path) => {
                Some(Stream::create(path, Arc::clone(graph), lanes).map_err(ComputeError::Stream)?)
            }
            None => None,
        };
        let bar = options
            .progress
            .as_ref()
            .map(|p| Bar::new(tasks as u64, p, options.bar_target(p)));
        // Any lane may run every task: room for one span per task on each (only the pages
        // written are touched).
        let spans_per_lane = if stream.is_some() { tasks } else { 0 };
        let live_lanes = Arc::new(LiveLanes::new(lanes.len(), spans_per_lane));
        let signal = Arc::new(Signal::default());
        let thread = {
            let (live_lanes, signal) = (Arc::clone(&live_lanes), Arc::clone(&signal));
            std::thread::Builder::new()
                .name("taskscope-live".to_owned())
                .spawn(move || watch(&live_lanes, &signal, stream, bar))
                .map_err(ComputeError::Spawn)?
        };
        Ok(Some(Self {
            lanes: live_lanes,
            signal,
            thread: Some(thread),
        }))
    }

    /// The lanes the workers publish into (shared: the run borrows them while `self` is
    /// finished after it).
    pub(crate) fn lanes(&self) -> Arc<LiveLanes> {
        Arc::clone(&self.lanes)
    }

    /// Stops the watcher once the run is over (every worker returned): its last tick takes
    /// every span left; then the bar's final line (`completed`: every task ran) and the
    /// end of the stream with `trace` (none: the trace could not be built, the stream
    /// stays truncated).
    pub(crate) fn finish(
        mut self,
        trace: Option<&Trace>,
        completed: bool,
    ) -> Result<(), ComputeError> {
        let Some(watched) = self.stop() else {
            return Err(ComputeError::Internal(
                "the live watcher thread panicked".to_owned(),
            ));
        };
        if let Some(mut bar) = watched.bar {
            bar.finish(watched.done, completed);
        }
        match watched.stream {
            Some(stream) => stream.finish(trace).map_err(ComputeError::Stream),
            None => Ok(()),
        }
    }

    /// Stops and joins the watcher; `None` if it panicked (or was stopped before).
    fn stop(&mut self) -> Option<Watched> {
        let thread = self.thread.take()?;
        *self.signal.stop.lock() = true;
        self.signal.cv.notify_all();
        thread.join().ok()
    }
}

impl Drop for Live {
    /// A run that ended without [`Live::finish`] (an error before the trace): the watcher
    /// stops; the bar stays as it was drawn last and the stream truncated.
    fn drop(&mut self) {
        drop(self.stop());
    }
}

/// The watcher thread's loop (see the module docs).
fn watch(
    lanes: &LiveLanes,
    signal: &Signal,
    mut stream: Option<Stream>,
    mut bar: Option<Bar>,
) -> Watched {
    let mut readers: Vec<LogReader<'_, Entry>> = lanes
        .lanes
        .iter()
        .filter_map(|lane| lane.log.reader())
        .collect();
    loop {
        let stop = {
            let mut stop = signal.stop.lock();
            if !*stop {
                signal.cv.wait_for(&mut stop, TICK);
            }
            *stop
        };
        // After `stop`, every worker has returned: this tick sees every span.
        if let Some(stream) = &mut stream {
            stream.tick(&lanes.lanes, &mut readers, lanes.now_ns());
        }
        if !stop && let Some(bar) = &mut bar {
            bar.tick(lanes.done());
        }
        if stop {
            break;
        }
    }
    Watched {
        stream,
        bar,
        done: lanes.done(),
    }
}
