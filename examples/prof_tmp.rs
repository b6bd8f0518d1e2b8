use taskscope::{Delayed, Scheduler};
fn main() {
    let n = 1_000_000u64;
    let leaves: Vec<Delayed<u64>> = (0..n).map(|i| Delayed::from_fn("leaf", move || i)).collect();
    let t = taskscope::reduce(leaves, "add", |a, b| a + b).unwrap();
    let s = Scheduler::threads(2);
    for _ in 0..5 {
        let st = std::time::Instant::now();
        let r = t.compute_with(&s).unwrap();
        eprintln!("{:?} {}", st.elapsed(), r.value);
    }
}
