//! The events of a plain Chrome trace (no graph, no keys: tasks known only from their
//! slices), as another tool's writer appends them: what the viewer's follow benchmark
//! and its cost example feed the follower.

use std::io::Write;

/// The slice names, in turn.
pub const NAMES: [&str; 6] = ["load", "parse", "inc", "double", "add", "sum"];

/// Appends the `n`-th event, and its trailing comma and newline, to `out`: an `X` slice
/// on one of 16 threads, 80 µs apart per thread, named by [`NAMES`] in turn.
pub fn push_event(n: u64, out: &mut Vec<u8>) {
    let lane = n % 16;
    let ts_us = (n / 16) * 80;
    let name = NAMES.get((n % 6) as usize).copied().unwrap_or_default();
    // Writing to a `Vec` does not fail.
    let _ = writeln!(
        out,
        "{{\"ph\":\"X\",\"name\":\"{name}\",\"ts\":{ts_us}.000,\"dur\":79.500,\"pid\":1,\"tid\":{lane},\"args\":{{\"key\":\"{name}-{n}\"}}}},"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_are_json_objects_followed_by_a_comma() {
        let mut out = Vec::new();
        super::push_event(17, &mut out);
        let text = String::from_utf8(out).unwrap();
        let event: serde_json::Value =
            serde_json::from_str(text.trim_end().trim_end_matches(',')).unwrap();
        assert_eq!(event["name"], "sum");
        assert_eq!(event["tid"], 1);
        assert_eq!(event["ts"], 80.0);
    }
}
