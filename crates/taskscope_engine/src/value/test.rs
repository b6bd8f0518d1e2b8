//! `Value`: representation, moves, drops.

#![allow(clippy::unwrap_used)]

use std::mem::{MaybeUninit, size_of};

use std::sync::Arc;

use super::Value;

#[test]
fn small_values_round_trip_in_place_and_large_ones_boxed() {
    assert_eq!(size_of::<Value>(), 3 * size_of::<usize>());
    let mut v = Value::new(42_u64);
    assert_eq!(v.downcast_ref::<u64>(), Some(&42));
    assert_eq!(v.take_as::<u64>(), Some(42));

    let mut big = Value::new([7_u64; 8]);
    assert_eq!(big.downcast_ref::<[u64; 8]>(), Some(&[7; 8]));
    assert_eq!(big.take_as::<[u64; 8]>(), Some([7; 8]));

    let mut s = Value::new(String::from("hello"));
    assert_eq!(s.take_as::<u64>(), None, "a String is not a u64");
    assert_eq!(s.take_as::<String>().as_deref(), Some("hello"));
}

#[test]
fn the_empty_value_is_zero_bits_and_downcasts_to_nothing() {
    let zeroed: MaybeUninit<Value> = MaybeUninit::zeroed();
    // SAFETY: all-zero bits are the empty value (storage uninit, vtable None).
    let mut v = unsafe { zeroed.assume_init() };
    assert!(v.is_empty());
    assert!(v.downcast_ref::<u64>().is_none());
    v = Value::new(5_u32);
    let mut taken = v.take();
    assert!(v.is_empty());
    assert_eq!(taken.take_as::<u32>(), Some(5));
    let mut empty = Value::EMPTY;
    assert!(empty.take_as::<u32>().is_none());
    let mut v = Value::new(String::from("x"));
    assert!(v.take_as::<u32>().is_none(), "wrong type: left as it was");
    assert_eq!(v.take_as::<String>().as_deref(), Some("x"));
    assert!(v.is_empty() && v.take_as::<String>().is_none());
    let mut big = Value::new([3_u64; 5]);
    assert_eq!(big.take_as::<[u64; 5]>(), Some([3; 5]));
    assert!(big.is_empty());
}

#[test]
fn dropping_runs_the_destructor_exactly_once() {
    let shared = Arc::new(());
    let v = Value::new(Arc::clone(&shared));
    assert_eq!(Arc::strong_count(&shared), 2);
    drop(v);
    assert_eq!(Arc::strong_count(&shared), 1);
    let mut v = Value::new(Arc::clone(&shared));
    let back = v.take_as::<Arc<()>>().unwrap();
    drop(v);
    assert_eq!(Arc::strong_count(&shared), 2);
    drop(back);
    assert_eq!(Arc::strong_count(&shared), 1);
    let boxed = Value::new((Arc::clone(&shared), [0_u64; 4]));
    drop(boxed);
    assert_eq!(Arc::strong_count(&shared), 1);
    let mut boxed = Value::new((Arc::clone(&shared), [0_u64; 4]));
    let (back, _) = boxed.take_as::<(Arc<()>, [u64; 4])>().unwrap();
    drop(boxed);
    assert_eq!(Arc::strong_count(&shared), 2);
    drop(back);
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
fn a_value_is_send_and_sync_and_read_by_reference_from_several_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Value>();
    let v = Value::new(vec![1_u64, 2, 3]);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(v.downcast_ref::<Vec<u64>>().map(Vec::len), Some(3)));
        }
    });
}
