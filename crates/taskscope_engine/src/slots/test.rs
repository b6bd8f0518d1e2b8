//! The slot protocol: moves, clones for shared readers, counts, outcomes, clean-up.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Outcome, SlotError, TaskBuffers};
use crate::value::Value;

#[derive(Clone)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_single_reader_takes_the_value_and_its_end() {
    let mut b = TaskBuffers::with_capacity(4);
    b.prepare(4);
    // SAFETY: one thread plays producer and reader, in that order; one read per reader.
    unsafe {
        b.put(2, Value::new(String::from("x")), 77);
        assert_eq!(b.read::<String>(2, 1), Ok((String::from("x"), 77)));
        assert_eq!(b.read::<String>(2, 1), Err(SlotError::Missing));
    }
    assert!(b.is_clean());
}

#[test]
fn shared_readers_get_clones_and_the_last_one_the_value() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut b = TaskBuffers::with_capacity(1);
    b.prepare(1);
    // SAFETY: as above; three reads for three readers, then one too many.
    unsafe {
        b.put(0, Value::new(Counted(Arc::clone(&drops))), 5);
        let (first, _) = b.read::<Counted>(0, 3).unwrap();
        assert_eq!(b.discard(0, 3), Ok(5), "a discarding reader takes no clone");
        let (last, end) = b.read::<Counted>(0, 3).unwrap();
        assert_eq!(end, 5);
        assert_eq!(b.read::<Counted>(0, 3).err(), Some(SlotError::Missing));
        drop((first, last));
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "one clone and the value itself"
    );
    assert!(b.is_clean());
}

#[test]
fn wrong_types_and_extra_reads_are_errors_not_undefined_behaviour() {
    let mut b = TaskBuffers::with_capacity(2);
    b.prepare(2);
    // SAFETY: single thread; the reads that succeed stay within the reader counts.
    unsafe {
        b.put(0, Value::new(1_u32), 0);
        assert_eq!(b.read::<u64>(0, 1), Err(SlotError::WrongType));
        assert_eq!(b.read::<u32>(0, 1), Ok((1, 0)));
        b.put(1, Value::new(2_u32), 0);
        assert_eq!(b.read::<u64>(1, 2).err(), Some(SlotError::WrongType));
        assert_eq!(b.read::<u32>(1, 2).ok(), Some((2, 0)));
        assert_eq!(b.read::<u32>(5, 1), Err(SlotError::OutOfRange));
    }
    b.clear();
    assert!(b.is_clean());
}

#[test]
fn counters_make_a_task_ready_once_and_record_outcomes() {
    let mut b = TaskBuffers::with_capacity(3);
    b.prepare(3);
    assert!(!b.arrive(2, 2));
    assert!(b.arrive(2, 2), "the second of two inputs makes it ready");
    assert_eq!(b.outcome(2), Outcome::NotRun);
    b.set_outcome(2, true);
    b.set_outcome(1, false);
    assert_eq!(
        [b.outcome(0), b.outcome(1), b.outcome(2)],
        [Outcome::NotRun, Outcome::Failed, Outcome::Succeeded]
    );
    b.prepare(3);
    assert_eq!(b.outcome(2), Outcome::NotRun, "prepare starts a fresh run");
}

#[test]
fn clear_drops_every_value_even_when_drops_panic() {
    struct Loud(Arc<AtomicUsize>);
    impl Drop for Loud {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            panic!("loud");
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let mut b = TaskBuffers::with_capacity(10);
    b.prepare(10);
    for task in 0..10 {
        // SAFETY: single thread, each slot put once.
        unsafe { b.put(task, Value::new(Loud(Arc::clone(&drops))), 0) };
    }
    b.clear();
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    assert!(b.is_clean());
}

#[test]
fn concurrent_shared_readers_each_get_one_copy() {
    const READERS: u32 = 8;
    let mut b = TaskBuffers::with_capacity(1);
    b.prepare(1);
    // SAFETY: the put happens before the threads start (scope spawn is a happens-before
    // edge); exactly READERS reads, shared readers lock.
    unsafe { b.put(0, Value::new(vec![7_u8; 100]), 1) };
    let got = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..READERS {
            s.spawn(|| {
                // SAFETY: see above.
                let (v, _) = unsafe { b.read::<Vec<u8>>(0, READERS) }.unwrap();
                got.fetch_add(v.len(), Ordering::SeqCst);
            });
        }
    });
    assert_eq!(got.load(Ordering::SeqCst), 800);
    assert!(b.is_clean());
}
