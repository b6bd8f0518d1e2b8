//! Pieces of work: what the critical path and the k-worker simulation schedule.
//!
//! A **piece** is one stack of work spans on one lane: a work span together with every
//! work span of the same lane nested in it (starting inside it and ending within it:
//! calls). An empty span at the stack's very start ran before it and is a piece of
//! its own; a span that overlaps the end of a stack without ending in it (clock jitter
//! between two reads) follows it, its piece starting where the stack ends. Its weight is its length, so the pieces of a run add up
//! to its work: each busy instant of a lane counted once ([`crate::index::TaskTimes`]).
//! Most tasks are one piece (one span). A task nested in another's stack shares that
//! piece; a task whose work is spread over several stacks (an async task polled several
//! times, a task run again after a failure) has several pieces.
//!
//! A piece **waits** for another when it cannot start before the other ends:
//! - a task's next piece waits for its previous one (when it starts after it ended);
//! - for a dependency `p → c`, the first piece of `c` that starts at or after the end of
//!   `p`'s last piece waits for that piece.
//!
//! A dependency for which `c` has no such piece is **not a wait**: the consumer was
//! running before its input ended (it contains or awaits it, as a `tracing` span
//! contains the spans created inside it). Such dependencies are counted, never used to
//! claim that something waited. A dependency inside one piece (a call nested in its
//! caller) is neither.
//!
//! Every wait goes from a piece to one that starts at or after its end. Pieces are
//! numbered by (start, end, lane), so every wait goes to a higher number (the rare wait
//! between two empty pieces at one instant that would go backwards is dropped as a
//! cycle), and any chain of waits fits inside the run: the critical path never exceeds
//! the wall time. This module decides what a piece is and which dependencies are waits;
//! the critical path and the simulation decide what to do with them.

use super::context::Deps;
use crate::csr::Csr;
use crate::index::TaskTimes;
use crate::model::{LaneId, TaskId, Trace};

/// The pieces of work of a run and the waits between them (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Pieces {
    /// Start of each piece, in ns from the trace origin; ascending.
    start_ns: Vec<u64>,
    /// End of each piece.
    end_ns: Vec<u64>,
    /// The task of each piece's outermost (first) span.
    owner: Vec<TaskId>,
    /// The pieces each piece waits for, ascending.
    preds: Csr<u32>,
    /// The pieces that wait for each piece, ascending.
    succs: Csr<u32>,
    /// Each task's pieces, ascending (so by start).
    of_task: Csr<u32>,
    /// Dependencies whose consumer was running before its input ended.
    pub(crate) overlapping_edges: u64,
    /// Tasks whose work lies in more than one piece.
    pub(crate) split_tasks: u64,
    /// Tasks whose every piece belongs to another task's stack (nested calls).
    pub(crate) nested_tasks: u64,
}

impl Pieces {
    /// Cuts `trace`'s work spans into pieces and finds the waits between them.
    ///
    /// # Complexity
    /// O(S + V + E log P + P log P) for S spans, V tasks, E dependencies and P pieces.
    pub(crate) fn new(trace: &Trace, times: &TaskTimes, deps: &Deps<'_>) -> Self {
        let task_count = trace.graph().len();
        // Pieces per lane in order of start: (start, end, lane, owner).
        let mut raw: Vec<(u64, u64, u32, TaskId)> = Vec::new();
        // (task, raw piece) for every work span.
        let mut member: Vec<(TaskId, u32)> = Vec::with_capacity(trace.spans().len());
        for l in 0..trace.lanes().len() {
            let lane = LaneId(l as u32);
            let mut current: Option<usize> = None;
            for span in trace.lane_spans(lane).iter().filter(|s| times.is_work(s)) {
                // An empty span at a piece's very start (sorted after it, longest
                // first) ran before it, not inside it: it is a piece of its own, and
                // the piece stays open for the spans after it.
                let empty_at_start = |piece: &(u64, u64, u32, TaskId)| {
                    span.end_ns == span.start_ns && span.start_ns == piece.0
                };
                // Nested: starts inside the piece and ends within it.
                let joins = current.and_then(|i| raw.get_mut(i)).filter(|piece| {
                    span.start_ns < piece.1 && span.end_ns <= piece.1 && !empty_at_start(piece)
                });
                if joins.is_some() {
                    if let Some(i) = current {
                        member.push((span.task, i as u32));
                    }
                    continue;
                }
                // A span that overlaps the piece's end without ending in it (clock
                // jitter between two reads, as in Dask's profiler records) follows
                // it: its piece starts where the previous one ends, so pieces of a
                // lane never overlap and add up to the lane's busy time.
                let previous_end = current
                    .and_then(|i| raw.get(i))
                    .map(|piece| piece.1)
                    .filter(|&end| span.start_ns < end && span.end_ns > end);
                let start = previous_end.unwrap_or(span.start_ns);
                raw.push((start, span.end_ns, lane.0, span.task));
                member.push((span.task, (raw.len() - 1) as u32));
                let keeps_open = previous_end.is_none()
                    && current
                        .and_then(|i| raw.get(i))
                        .is_some_and(|piece| span.start_ns < piece.1);
                if !keeps_open {
                    current = Some(raw.len() - 1);
                }
            }
        }
        // Number pieces by (start, end, lane, order on the lane).
        let mut order: Vec<u32> = (0..raw.len() as u32).collect();
        order.sort_by_key(|&i| raw.get(i as usize).map(|p| (p.0, p.1, p.2)));
        let mut new_id = vec![0u32; raw.len()];
        for (new, &old) in order.iter().enumerate() {
            if let Some(slot) = new_id.get_mut(old as usize) {
                *slot = new as u32;
            }
        }
        let pick = |f: fn(&(u64, u64, u32, TaskId)) -> u64| -> Vec<u64> {
            order
                .iter()
                .filter_map(|&i| raw.get(i as usize).map(f))
                .collect()
        };
        let start_ns = pick(|p| p.0);
        let end_ns = pick(|p| p.1);
        let owner: Vec<TaskId> = order
            .iter()
            .filter_map(|&i| raw.get(i as usize).map(|p| p.3))
            .collect();

        let mut pairs: Vec<(TaskId, u32)> = member
            .into_iter()
            .map(|(t, p)| (t, new_id.get(p as usize).copied().unwrap_or(p)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let of_task = Csr::from_pairs(task_count, pairs.iter().map(|&(t, p)| (t.index(), p)));

        let mut pieces = Self {
            start_ns,
            end_ns,
            owner,
            preds: Csr::default(),
            succs: Csr::default(),
            of_task,
            overlapping_edges: 0,
            split_tasks: 0,
            nested_tasks: 0,
        };
        let edges = pieces.waits(task_count, deps);
        let count = pieces.len();
        pieces.preds = Csr::from_pairs(count, edges.iter().map(|&(from, to)| (to as usize, from)));
        pieces.succs = Csr::from_pairs(count, edges.iter().map(|&(from, to)| (from as usize, to)));
        pieces
    }

    /// The waits `(from, to)`, sorted and distinct, each to a higher piece; counts the
    /// split and nested tasks and the dependencies that are not waits.
    ///
    /// # Complexity
    /// O(P + V + E log P + W log W) for W waits.
    fn waits(&mut self, task_count: usize, deps: &Deps<'_>) -> Vec<(u32, u32)> {
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for t in 0..task_count {
            let task = TaskId(t as u32);
            let mine = self.of_task.row(t);
            if mine.len() > 1 {
                self.split_tasks += 1;
            }
            if !mine.is_empty() && mine.iter().all(|&p| self.owner_of(p) != Some(task)) {
                self.nested_tasks += 1;
            }
            for pair in mine.windows(2) {
                if let [a, b] = *pair
                    && self.start(b) >= self.end(a)
                {
                    edges.push((a, b));
                }
            }
            if mine.is_empty() {
                continue;
            }
            for &dep in deps.of(task) {
                if dep == task {
                    continue;
                }
                let theirs = self.of_task.row(dep.index());
                let Some(&last) = theirs.iter().max_by_key(|&&p| (self.end(p), p)) else {
                    continue;
                };
                let ready = self.end(last);
                let first_after = mine.partition_point(|&p| self.start(p) < ready);
                match mine.get(first_after) {
                    Some(&target) if target != last => edges.push((last, target)),
                    Some(_) => {}
                    None if mine.contains(&last) => {}
                    None => self.overlapping_edges += 1,
                }
            }
        }
        edges.retain(|&(from, to)| from < to);
        edges.sort_unstable();
        edges.dedup();
        edges
    }

    /// How many pieces there are.
    pub(crate) fn len(&self) -> usize {
        self.start_ns.len()
    }

    /// Start of piece `p` (0 for an unknown piece).
    pub(crate) fn start(&self, p: u32) -> u64 {
        self.start_ns.get(p as usize).copied().unwrap_or(0)
    }

    /// End of piece `p` (0 for an unknown piece).
    pub(crate) fn end(&self, p: u32) -> u64 {
        self.end_ns.get(p as usize).copied().unwrap_or(0)
    }

    /// Weight of piece `p`: its length.
    pub(crate) fn weight(&self, p: u32) -> u64 {
        self.end(p).saturating_sub(self.start(p))
    }

    /// The task of piece `p`'s outermost span.
    pub(crate) fn owner_of(&self, p: u32) -> Option<TaskId> {
        self.owner.get(p as usize).copied()
    }

    /// The pieces `p` waits for.
    pub(crate) fn preds(&self, p: u32) -> &[u32] {
        self.preds.row(p as usize)
    }

    /// The pieces that wait for `p`.
    pub(crate) fn succs(&self, p: u32) -> &[u32] {
        self.succs.row(p as usize)
    }

    /// The pieces of `task`, in order of start.
    pub(crate) fn of_task(&self, task: TaskId) -> &[u32] {
        self.of_task.row(task.index())
    }

    /// The sum of all weights: the run's work.
    pub(crate) fn total_ns(&self) -> u64 {
        (0..self.len() as u32).fold(0u64, |a, p| a.saturating_add(self.weight(p)))
    }

    /// The longest chain of waits by weight, in order; ties go to the chain ending at
    /// the piece of the lowest task, then the lowest piece, and at each step to the
    /// predecessor of the lowest task, then the lowest piece.
    ///
    /// # Complexity
    /// O(P + W), in piece order (no recursion).
    pub(crate) fn longest_chain(&self) -> Vec<u32> {
        const NONE: u32 = u32::MAX;
        let n = self.len();
        let mut finish = vec![0u64; n];
        let mut previous = vec![NONE; n];
        let key = |p: u32| (self.owner_of(p), p);
        let mut best: Option<(u64, u32)> = None;
        for p in 0..n as u32 {
            let mut longest: Option<(u64, u32)> = None;
            for &q in self.preds(p) {
                let f = finish.get(q as usize).copied().unwrap_or(0);
                let better = match longest {
                    None => true,
                    Some((lf, lq)) => f > lf || (f == lf && key(q) < key(lq)),
                };
                if better {
                    longest = Some((f, q));
                }
            }
            let here = longest.map_or(0, |(f, _)| f).saturating_add(self.weight(p));
            if let Some(slot) = finish.get_mut(p as usize) {
                *slot = here;
            }
            if let Some(slot) = previous.get_mut(p as usize) {
                *slot = longest.map_or(NONE, |(_, q)| q);
            }
            let better = match best {
                None => true,
                Some((bf, bp)) => here > bf || (here == bf && key(p) < key(bp)),
            };
            if better {
                best = Some((here, p));
            }
        }
        let mut chain = Vec::new();
        let mut cursor = best.map(|(_, p)| p);
        while let Some(p) = cursor {
            chain.push(p);
            cursor = previous.get(p as usize).copied().filter(|&q| q != NONE);
        }
        chain.reverse();
        debug_assert!(
            chain.windows(2).all(|w| self.start(w[1]) >= self.end(w[0])),
            "a chain of waits runs forward in time"
        );
        chain
    }

    /// Each piece's longest remaining chain of waits, its own weight included (its
    /// "b-level").
    ///
    /// # Complexity
    /// O(P + W), backwards in piece order.
    pub(crate) fn bottom_levels(&self) -> Vec<u64> {
        let mut level = vec![0u64; self.len()];
        for p in (0..self.len() as u32).rev() {
            let below = self
                .succs(p)
                .iter()
                .map(|&q| level.get(q as usize).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            if let Some(l) = level.get_mut(p as usize) {
                *l = below.saturating_add(self.weight(p));
            }
        }
        level
    }
}
