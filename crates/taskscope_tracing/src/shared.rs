//! What the layer, the guard and the writer thread share: the options, the clock, the
//! recording state and one buffer per instrumented thread.
//!
//! # Per-thread buffers
//! Each thread that records anything gets a [`Slot`] on first use: its lane number, its
//! name, and a [`Buffer`] behind a mutex that only this thread locks on the hot path (so
//! the lock is uncontended: two atomic operations). A thread never waits for the writer:
//! when its buffer holds [`CHUNK`] records, it moves them into a message for the writer
//! thread and goes on with an empty buffer. The writer also locks each buffer now and
//! then to take what is there (for a snapshot, and at the end): that is the only time the
//! lock can be contended, and it is held for a few moves of `Vec`s.
//!
//! **Why a chunk is sent while the buffer is locked:** the writer's final pass locks every
//! buffer and then empties the channel; a chunk sent after its thread unlocked could still
//! be in flight then, and be lost.
//!
//! The slot is found through a thread-local list keyed by the layer's instance id, so
//! several layers (or a new one after a finished one) each get their own buffers.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;

use parking_lot::Mutex;

use crate::builder::Options;
use crate::record::{Record, SliceRec, TaskRef};

/// A thread's buffer is handed to the writer once it holds this many records.
pub(crate) const CHUNK: usize = 1024;

/// How many emptied buffers the writer keeps for the threads to reuse.
const SPARE_BUFFERS: usize = 16;

/// Recording as usual.
const RECORDING: u8 = 0;
/// The size limit was reached: no new spans, entries or events; exits and closes still count.
const FULL: u8 = 1;
/// The trace was finished (or never started): nothing is recorded.
const FINISHED: u8 = 2;

/// A message to the writer thread.
pub(crate) enum Msg {
    /// A full buffer of one lane.
    Chunk {
        /// The thread it comes from.
        slot: Arc<Slot>,
        /// Its records, in order.
        records: Vec<Record>,
    },
    /// Write a snapshot now and answer when it is on disk.
    Flush(std::sync::mpsc::SyncSender<Result<(), crate::Error>>),
    /// Write the final file, answer and stop.
    Finish(std::sync::mpsc::SyncSender<Result<(), crate::Error>>),
}

/// One thread's place in the trace.
pub(crate) struct Slot {
    /// Its lane number (dense, in order of first use).
    pub(crate) lane: u32,
    /// Its name (`std::thread::Thread::name`), if it has one.
    pub(crate) thread_name: Option<String>,
    /// What it recorded since the writer last looked.
    pub(crate) buffer: Mutex<Buffer>,
}

/// A span entered on a thread and not yet exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Open {
    /// The `tracing` id of the span (unique while it is entered: an entered span is alive).
    pub(crate) span: u64,
    /// Its provisional task id.
    pub(crate) task: TaskRef,
    /// Raw clock reading at enter.
    pub(crate) start: u64,
}

/// The records of one thread not yet taken by the writer, and its stack of entered spans.
#[derive(Default)]
pub(crate) struct Buffer {
    /// Sequence number of the next span created on this thread.
    next_seq: u64,
    /// Recorded spans entered on this thread and not yet exited, innermost last.
    pub(crate) stack: Vec<Open>,
    /// Records (slices, spans created, closed…), in the order they happened.
    pub(crate) records: Vec<Record>,
}

impl Buffer {
    /// The provisional id of the next span created on `lane`.
    pub(crate) fn next_task(&mut self, lane: u32) -> TaskRef {
        let task = TaskRef::new(lane, self.next_seq);
        self.next_seq += 1;
        task
    }

    /// Leaves the innermost entry of span `span`, returning its slice (`None` for a span
    /// this thread did not enter: one the layer does not record).
    ///
    /// # Complexity
    /// O(1) when spans are exited in the order they were entered (the rule), O(depth) otherwise.
    pub(crate) fn exit(&mut self, span: u64, end: u64, panicking: bool) -> Option<SliceRec> {
        let i = self.stack.iter().rposition(|open| open.span == span)?;
        let open = self.stack.remove(i);
        Some(SliceRec {
            task: open.task,
            start: open.start,
            end,
            depth: u16::try_from(i).unwrap_or(u16::MAX),
            panicking,
        })
    }
}

/// Everything the layer, the guard and the writer share.
pub(crate) struct Shared {
    /// Tells this layer's buffers apart from other layers' in the thread-local list.
    id: u64,
    /// [`RECORDING`], [`FULL`] or [`FINISHED`].
    state: AtomicU8,
    /// What to record.
    pub(crate) options: Options,
    /// The span clock (TSC when available; raw readings are scaled by the writer).
    pub(crate) clock: quanta::Clock,
    /// Next lane number.
    next_lane: AtomicU32,
    /// Every thread's slot, until the writer has drained a slot whose thread ended.
    pub(crate) slots: Mutex<Vec<Arc<Slot>>>,
    /// To the writer thread (`None` when it could not be started).
    pub(crate) tx: Option<Sender<Msg>>,
    /// Emptied buffers handed back by the writer. **Why:** a fresh buffer per chunk, freed
    /// on the writer's thread, made the allocator return and re-fault its pages: a third
    /// of the instrumented thread's time in the `span` benchmark.
    spare: Mutex<Vec<Vec<Record>>>,
}

thread_local! {
    /// This thread's slot of each layer instance it recorded for.
    static SLOTS: RefCell<Vec<(u64, Arc<Slot>)>> = const { RefCell::new(Vec::new()) };
}

impl Shared {
    /// Shared state for a layer that records with `options`, sending full buffers on `tx`.
    pub(crate) fn new(options: Options, clock: quanta::Clock, tx: Option<Sender<Msg>>) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let state = if tx.is_some() { RECORDING } else { FINISHED };
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            state: AtomicU8::new(state),
            options,
            clock,
            next_lane: AtomicU32::new(0),
            slots: Mutex::new(Vec::new()),
            tx,
            spare: Mutex::new(Vec::new()),
        }
    }

    /// Whether new spans, entries and events are recorded.
    #[inline]
    pub(crate) fn recording(&self) -> bool {
        self.state.load(Ordering::Relaxed) == RECORDING
    }

    /// Whether anything at all is recorded (exits and closes still are once the trace is full).
    #[inline]
    pub(crate) fn finished(&self) -> bool {
        self.state.load(Ordering::Relaxed) == FINISHED
    }

    /// The size limit was reached: stop recording new work.
    pub(crate) fn set_full(&self) {
        let _ = self
            .state
            .compare_exchange(RECORDING, FULL, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The trace is being finished: record nothing more.
    pub(crate) fn set_finished(&self) {
        self.state.store(FINISHED, Ordering::Relaxed);
    }

    /// Runs `f` on this thread's buffer (registering the thread on first use), then hands
    /// the buffer to the writer if it is full.
    ///
    /// Returns `None`, recording nothing, when the thread's local storage is being torn
    /// down or when called again from inside `f` (neither happens in normal use).
    #[inline]
    pub(crate) fn with_buffer<R>(&self, f: impl FnOnce(u32, &mut Buffer) -> R) -> Option<R> {
        SLOTS
            .try_with(|cell| {
                let mut slots = cell.try_borrow_mut().ok()?;
                let index = if let Some(index) = slots.iter().position(|(id, _)| *id == self.id) {
                    index
                } else {
                    let slot = self.register(&mut slots);
                    slots.push((self.id, slot));
                    slots.len() - 1
                };
                let (_, slot) = slots.get(index)?;
                let mut buffer = slot.buffer.lock();
                let result = f(slot.lane, &mut buffer);
                if buffer.records.len() >= CHUNK {
                    self.send_chunk(slot, &mut buffer);
                }
                Some(result)
            })
            .ok()
            .flatten()
    }

    /// Moves `buffer`'s records to the writer (called with the buffer locked, see the module docs).
    fn send_chunk(&self, slot: &Arc<Slot>, buffer: &mut Buffer) {
        let records = std::mem::replace(&mut buffer.records, self.buffer());
        if let Some(tx) = &self.tx {
            // A closed channel means the trace is finished: the records have nowhere to go.
            let _ = tx.send(Msg::Chunk {
                slot: Arc::clone(slot),
                records,
            });
        }
    }

    /// An empty buffer with room for a chunk, reused when the writer handed one back.
    pub(crate) fn buffer(&self) -> Vec<Record> {
        self.spare
            .lock()
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }

    /// Keeps an emptied buffer for reuse (up to a few).
    pub(crate) fn give_back(&self, mut records: Vec<Record>) {
        records.clear();
        let mut spare = self.spare.lock();
        if spare.len() < SPARE_BUFFERS && records.capacity() >= CHUNK {
            spare.push(records);
        }
    }

    /// A new slot for the calling thread; drops this thread's slots of finished layers.
    #[cold]
    fn register(&self, local: &mut Vec<(u64, Arc<Slot>)>) -> Arc<Slot> {
        // A finished layer's writer has let go of its slots: only this list still holds them.
        local.retain(|(_, slot)| Arc::strong_count(slot) > 1);
        let slot = Arc::new(Slot {
            lane: self.next_lane.fetch_add(1, Ordering::Relaxed),
            thread_name: std::thread::current().name().map(str::to_owned),
            buffer: Mutex::new(Buffer {
                records: self.buffer(),
                ..Buffer::default()
            }),
        });
        if !self.finished() {
            self.slots.lock().push(Arc::clone(&slot));
        }
        slot
    }
}
