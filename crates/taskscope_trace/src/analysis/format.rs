//! Human-readable numbers for messages, tables and tooltips.
//!
//! Shared by the advisor, the command line and the viewer so that the same
//! duration always prints the same way. These functions only format; they
//! never round values that are stored.

/// Formats a duration in nanoseconds for humans, with three significant digits.
///
/// Units step at 1000: `ns`, `µs`, `ms`, `s`; from one minute on, minutes and
/// seconds (`2 min 5 s`), and from one hour on, hours and minutes (`1 h 2 min`).
/// A value that rounds up to 1000 of one unit is printed in the next unit
/// (999,999 ns is `1.00 ms`, not `1000 µs`).
///
/// ```
/// use taskscope_trace::analysis::format_duration_ns;
/// assert_eq!(format_duration_ns(0), "0 ns");
/// assert_eq!(format_duration_ns(250_000), "250 µs");
/// assert_eq!(format_duration_ns(1_000_000_000), "1.00 s");
/// assert_eq!(format_duration_ns(12_345_678), "12.3 ms");
/// ```
///
/// # Complexity
/// O(1).
pub fn format_duration_ns(ns: u64) -> String {
    if ns < 1_000 {
        return format!("{ns} ns");
    }
    for (unit_ns, unit) in [(1_000, "µs"), (1_000_000, "ms")] {
        if let Some(digits) = three_significant(ns, unit_ns) {
            return format!("{digits} {unit}");
        }
    }
    // Seconds keep three significant digits up to 59.9 s.
    if ns < 59_950_000_000
        && let Some(digits) = three_significant(ns, 1_000_000_000)
    {
        return format!("{digits} s");
    }
    let secs = round_div(u128::from(ns), 1_000_000_000);
    if secs < 3_600 {
        return format!("{} min {} s", secs / 60, secs % 60);
    }
    let mins = round_div(u128::from(ns), 60_000_000_000);
    format!("{} h {} min", mins / 60, mins % 60)
}

/// A share in `0.0..=1.0` (or beyond) as a whole percentage, e.g. `0.254` → `25%`.
///
/// Shares under 1% that are not zero print with one decimal (`0.4%`) so a small
/// but real share never reads as `0%`.
pub fn format_percent(share: f64) -> String {
    let percent = share * 100.0;
    if !percent.is_finite() {
        return "n/a".to_owned();
    }
    if percent > 0.0 && percent < 0.95 {
        format!("{percent:.1}%")
    } else {
        format!("{percent:.0}%")
    }
}

/// A speed-up or other factor, e.g. `2.0` → `2.00×`.
pub fn format_factor(factor: f64) -> String {
    if factor.is_finite() {
        format!("{factor:.2}×")
    } else {
        "n/a".to_owned()
    }
}

/// An integer with thousands separators: `1,024`.
///
/// ```
/// use taskscope_trace::analysis::format_count;
/// assert_eq!(format_count(1_234_567), "1,234,567");
/// ```
pub fn format_count(n: u64) -> String {
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

/// `ns / unit_ns` with three significant digits, or `None` when it rounds to 1000 or more.
fn three_significant(ns: u64, unit_ns: u64) -> Option<String> {
    let ns = u128::from(ns);
    let unit_ns = u128::from(unit_ns);
    let hundredths = round_div(ns * 100, unit_ns);
    if hundredths < 1_000 {
        return Some(format!("{}.{:02}", hundredths / 100, hundredths % 100));
    }
    let tenths = round_div(ns * 10, unit_ns);
    if tenths < 1_000 {
        return Some(format!("{}.{}", tenths / 10, tenths % 10));
    }
    let whole = round_div(ns, unit_ns);
    (whole < 1_000).then(|| whole.to_string())
}

/// `a / b` rounded half up.
fn round_div(a: u128, b: u128) -> u128 {
    (a + b / 2) / b
}

/// `n` and the noun that agrees with it: `1 worker`, `2 workers`, `1,024 tasks`.
///
/// ```
/// use taskscope_trace::analysis::format_counted;
/// assert_eq!(format_counted(1, "worker", "workers"), "1 worker");
/// assert_eq!(format_counted(2047, "task", "tasks"), "2,047 tasks");
/// ```
pub fn format_counted(n: u64, singular: &str, plural: &str) -> String {
    let noun = if n == 1 { singular } else { plural };
    format!("{} {noun}", format_count(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_step_through_units() {
        let cases = [
            (0, "0 ns"),
            (1, "1 ns"),
            (999, "999 ns"),
            (1_000, "1.00 µs"),
            (1_234, "1.23 µs"),
            (12_345, "12.3 µs"),
            (250_000, "250 µs"),
            (999_499, "999 µs"),
            (999_500, "1.00 ms"),
            (999_999, "1.00 ms"),
            (1_005_000, "1.01 ms"),
            (99_960_000, "100 ms"),
            (1_000_000_000, "1.00 s"),
            (4_008_609_904, "4.01 s"),
            (59_900_000_000, "59.9 s"),
            (59_960_000_000, "1 min 0 s"),
            (125_000_000_000, "2 min 5 s"),
            (3_599_000_000_000, "59 min 59 s"),
            (3_720_000_000_000, "1 h 2 min"),
            (u64::MAX, "5124095 h 35 min"),
        ];
        for (ns, text) in cases {
            assert_eq!(format_duration_ns(ns), text, "{ns} ns");
        }
    }

    #[test]
    fn counts_get_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_024), "1,024");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

    #[test]
    fn percents_and_factors() {
        assert_eq!(format_percent(0.254), "25%");
        assert_eq!(format_percent(0.0), "0%");
        assert_eq!(format_percent(0.004), "0.4%");
        assert_eq!(format_percent(1.0), "100%");
        assert_eq!(format_percent(f64::NAN), "n/a");
        assert_eq!(format_factor(2.0), "2.00×");
        assert_eq!(format_factor(f64::INFINITY), "n/a");
    }
}
