//! What the instrumented threads hand to the writer: plain records with raw clock readings.
//!
//! A span is named by a provisional id (its [`TaskRef`]) that the thread which created it
//! made up without any shared counter: its lane in the top bits, a per-thread sequence
//! number below. The writer turns provisional ids into task indices (ordered by creation
//! time) when it assembles a trace.

use tracing::Metadata;

/// Bits of a [`TaskRef`] below the lane: 2^40 spans per thread.
pub(crate) const SEQ_BITS: u32 = 40;

/// The provisional id of a recorded span, kept in the span's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TaskRef(pub(crate) u64);

impl TaskRef {
    /// The id of the `seq`-th span created on `lane`.
    pub(crate) fn new(lane: u32, seq: u64) -> Self {
        debug_assert!(seq < 1 << SEQ_BITS, "over 2^40 spans on one thread");
        debug_assert!(u64::from(lane) < 1 << (64 - SEQ_BITS), "over 2^24 threads");
        Self(u64::from(lane) << SEQ_BITS | seq)
    }
}

/// One time a span was entered and exited on a thread (the lane is the thread's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SliceRec {
    /// The span.
    pub(crate) task: TaskRef,
    /// Raw clock reading at enter.
    pub(crate) start: u64,
    /// Raw clock reading at exit.
    pub(crate) end: u64,
    /// How many recorded spans were entered on this thread around it.
    pub(crate) depth: u16,
    /// The thread was unwinding from a panic when it left the span.
    pub(crate) panicking: bool,
}

/// What a thread records, in the order it happened on that thread.
#[derive(Clone, Debug)]
pub(crate) enum Record {
    /// A span was entered and exited.
    Slice(SliceRec),
    /// A span was created.
    NewSpan {
        /// Its provisional id.
        task: TaskRef,
        /// Raw clock reading at creation.
        created: u64,
        /// Its callsite: name, target, file and line.
        meta: &'static Metadata<'static>,
        /// The nearest recorded ancestor.
        parent: Option<TaskRef>,
        /// Its fields as text (empty when fields are not recorded).
        fields: String,
    },
    /// More fields were recorded on a span (`Span::record`).
    Fields {
        /// The span.
        task: TaskRef,
        /// The new fields as text.
        fields: String,
    },
    /// `task` follows from `cause` (`Span::follows_from`).
    FollowsFrom {
        /// The later span.
        task: TaskRef,
        /// The span it follows from.
        cause: TaskRef,
    },
    /// The span was closed (its last handle dropped).
    Close {
        /// The span.
        task: TaskRef,
    },
    /// An event, as a point in time on this thread.
    Event {
        /// Raw clock reading.
        at: u64,
        /// Its level, message and fields as text.
        text: String,
    },
}
