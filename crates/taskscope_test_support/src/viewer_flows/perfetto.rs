//! Perfetto's JSON importer, reduced to what binds v1 flow events to slices.
//!
//! Modelled on google/perfetto's trace processor (`importers/json/json_trace_parser.cc`,
//! `importers/common/flow_tracker.cc` and `slice_tracker.cc`, `sorter/trace_sorter.h`):
//! - events are processed in order of `ts`; at one `ts`, `E` first, then `X` by
//!   duration (longest first), then everything else, each group in file order;
//! - a thread keeps a stack of open slices; a new slice first pops those that ended
//!   before it (or at its start, unless both are zero-length), and one that starts
//!   inside an open slice but ends after it is spilled to an overflow track: it is not
//!   on the thread's stack;
//! - `s` binds to the topmost slice on its thread's stack (whether or not that slice
//!   still runs at `ts`); `f` with `"bp":"e"` likewise, an `f` without it to the next
//!   slice that begins on its thread; v1 flows are keyed by `(id, cat, name)`, and a
//!   second `s` of one key is a duplicate that Perfetto drops;
//! - each `f` (and `t`) draws one arrow from the earlier-starting of the two slices.
//!
//! `B`/`E` events and v2 flows (`bind_id`) are not modelled: they are reported as
//! problems, so a file that uses them fails loudly instead of passing unchecked.

use std::collections::HashMap;

use super::events::Event;

/// A slice on a thread's stack: its event and its bounds in ns.
#[derive(Clone, Copy)]
struct Open {
    event: usize,
    start: i64,
    end: i64,
    dur: i64,
}

/// Arrows (from event, to event) and what broke Perfetto's rules.
pub(crate) struct Replay {
    pub arrows: Vec<(usize, usize)>,
    pub problems: Vec<String>,
}

/// The sort key at one `ts` (Perfetto's `SlowOperatorLess::KeyForType`).
fn key_for_type(e: &Event) -> i64 {
    match e.phase.as_str() {
        "E" => i64::MIN,
        "X" => i64::MAX - e.dur_ns.unwrap_or(0),
        _ => i64::MAX,
    }
}

type FlowKey = (u64, String, String);

/// Replays `events`.
///
/// # Complexity
/// O(N log N) for N events, plus the depth of the stacks per slice.
pub(crate) fn replay(events: &[Event]) -> Replay {
    let mut importer = Importer::default();
    let mut order: Vec<&Event> = Vec::new();
    for e in events {
        match e.phase.as_str() {
            "B" | "E" => importer.problems.push(format!(
                "{}: B/E slices are not modelled by this replay",
                e.describe()
            )),
            _ if e.is_flow() || e.is_thread_slice() => match e.ts_ns {
                Some(_) => order.push(e),
                None => importer
                    .problems
                    .push(format!("{}: no valid ts", e.describe())),
            },
            _ => {}
        }
    }
    order.sort_by_key(|e| (e.ts_ns, key_for_type(e), e.index));
    for e in order {
        if e.is_thread_slice() {
            importer.slice(e);
        } else {
            importer.flow(e);
        }
    }
    Replay {
        arrows: importer.arrows,
        problems: importer.problems,
    }
}

/// The importer's state while events arrive in order.
#[derive(Default)]
struct Importer {
    /// Open slices per thread.
    stacks: HashMap<(String, String), Vec<Open>>,
    /// `f` events without `"bp":"e"` waiting for the next slice of their thread.
    pending: HashMap<(String, String), Vec<FlowKey>>,
    /// The slice each flow leaves from.
    sources: HashMap<FlowKey, Open>,
    arrows: Vec<(usize, usize)>,
    problems: Vec<String>,
}

impl Importer {
    /// An `X` or a thread-scoped instant.
    fn slice(&mut self, e: &Event) {
        let ts = e.ts_ns.unwrap_or(0);
        let dur = if e.phase == "X" {
            let Some(dur) = e.dur_ns.filter(|&d| d >= 0) else {
                self.problems
                    .push(format!("{}: no valid dur", e.describe()));
                return;
            };
            dur
        } else {
            0
        };
        let stack = self.stacks.entry(e.thread.clone()).or_default();
        if let Some(open) = close_stack(stack, ts, dur) {
            self.problems.push(format!(
                "{}: overlaps event {} (ends at {} ns) without nesting in it; Perfetto moves it to an overflow track",
                e.describe(),
                open.event,
                open.end
            ));
            return;
        }
        let slice = Open {
            event: e.index,
            start: ts,
            end: ts.saturating_add(dur),
            dur,
        };
        stack.push(slice);
        // `ClosePendingEventsOnTrack`: from the source, whatever the times.
        for key in self.pending.remove(&e.thread).unwrap_or_default() {
            if let Some(source) = self.sources.get(&key) {
                self.arrows.push((source.event, slice.event));
            }
        }
    }

    /// An `s`, `t` or `f`.
    fn flow(&mut self, e: &Event) {
        let Some(key) = flow_key(e, &mut self.problems) else {
            return;
        };
        if e.phase == "f" && !e.binds_enclosing {
            self.problems.push(format!(
                "{}: an f without \"bp\":\"e\" binds to the next slice that begins on its thread",
                e.describe()
            ));
            self.pending.entry(e.thread.clone()).or_default().push(key);
            return;
        }
        let Some(top) = self.stacks.get(&e.thread).and_then(|s| s.last()).copied() else {
            self.problems
                .push(format!("{}: no slice is open on its thread", e.describe()));
            return;
        };
        let ts = e.ts_ns.unwrap_or(0);
        if top.end < ts {
            self.problems.push(format!(
                "{}: binds to event {}, which ended at {} ns",
                e.describe(),
                top.event,
                top.end
            ));
        }
        if e.phase == "s" {
            match self.sources.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => self.problems.push(format!(
                    "{}: a second flow start with the same (id, cat, name); Perfetto drops it",
                    e.describe()
                )),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(top);
                }
            }
            return;
        }
        match self.sources.get_mut(&key) {
            Some(source) => {
                self.arrows.push(oriented(*source, top));
                if e.phase == "t" {
                    *source = top;
                }
            }
            None => self.problems.push(format!(
                "{}: no flow start with the same (id, cat, name) before it",
                e.describe()
            )),
        }
    }
}

/// The flow's `(id, cat, name)`, or `None` (and a problem) when its id is not one.
fn flow_key(e: &Event, problems: &mut Vec<String>) -> Option<FlowKey> {
    let Some(id) = e.id_u64 else {
        problems.push(format!("{}: no valid flow id", e.describe()));
        return None;
    };
    Some((
        id,
        e.cat.clone().unwrap_or_default(),
        e.name.clone().unwrap_or_default(),
    ))
}

/// Perfetto's `FlowTracker::End`: the arrow leaves the earlier-starting slice.
fn oriented(source: Open, target: Open) -> (usize, usize) {
    if source.start > target.start {
        (target.event, source.event)
    } else {
        (source.event, target.event)
    }
}

/// Perfetto's `SliceTracker::MaybeCloseStack` for complete slices: pops what ended
/// before `ts`; returns the open slice that a new `[ts, ts + dur]` would overlap
/// without nesting in.
fn close_stack(stack: &mut Vec<Open>, ts: i64, dur: i64) -> Option<Open> {
    let mut i = stack.len();
    while i > 0 {
        i -= 1;
        let Some(open) = stack.get(i).copied() else {
            break;
        };
        let ends_before = open.end < ts;
        let ends_at_start = open.end == ts && !(open.dur == 0 && dur == 0);
        if ends_before || ends_at_start {
            stack.pop();
            continue;
        }
        if ts < open.end && ts.saturating_add(dur) > open.end {
            return Some(open);
        }
    }
    None
}
