//! Human-readable durations and counts.

/// A duration with three significant digits and the largest fitting unit:
/// `0 ns`, `850 ns`, `12.3 µs`, `1.02 ms`, `1.53 s`.
///
/// ```
/// use taskscope_layout::format_duration_ns;
/// assert_eq!(format_duration_ns(0), "0 ns");
/// assert_eq!(format_duration_ns(850), "850 ns");
/// assert_eq!(format_duration_ns(12_345), "12.3 µs");
/// assert_eq!(format_duration_ns(1_020_000), "1.02 ms");
/// assert_eq!(format_duration_ns(1_530_000_000), "1.53 s");
/// assert_eq!(format_duration_ns(153_000_000_000), "153 s");
/// ```
pub fn format_duration_ns(ns: u64) -> String {
    if ns < 1_000 {
        return format!("{ns} ns");
    }
    let (value, unit) = if ns < 1_000_000 {
        (ns as f64 / 1e3, "µs")
    } else if ns < 1_000_000_000 {
        (ns as f64 / 1e6, "ms")
    } else {
        (ns as f64 / 1e9, "s")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

/// An integer with thousands separators: `1,024`.
pub(crate) fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_024), "1,024");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
