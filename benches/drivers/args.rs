//! The arguments of a workload driver, shared by the drivers through `#[path]`.

/// The driver's arguments without the `--bench` that `cargo bench` adds; `None` (after
/// printing `usage`) when there are none, so a plain `cargo bench` starts no long run.
pub fn driver_args(usage: &str) -> Option<Vec<String>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        println!("usage: {usage}");
        return None;
    }
    Some(args)
}
