//! The time axis: where ticks go and how they are labelled, as pure functions.
//!
//! Ticks are spaced 1, 2 or 5 × 10ⁿ nanoseconds apart, the smallest such step that
//! keeps labels a minimum number of pixels apart; the unit (ns, µs, ms, s) and the
//! number of decimals follow the step, so labels never repeat and never carry
//! noise digits. This module does not paint: the viewer's timeline and the exported
//! timeline pictures both take their ticks from it.

/// The tick step in ns: the smallest 1/2/5 × 10ⁿ (n ≥ 0) step at least `min_px` pixels wide.
pub fn tick_step_ns(ns_per_px: f64, min_px: f64) -> f64 {
    let min_step = (ns_per_px * min_px).max(1.0);
    let mut decade = 10f64.powf(min_step.log10().floor());
    loop {
        for factor in [1.0, 2.0, 5.0] {
            let step = decade * factor;
            if step >= min_step {
                return step;
            }
        }
        decade *= 10.0;
    }
}

/// The tick positions (in ns) of `step_ns` that fall in `start_ns..=end_ns`.
///
/// # Complexity
/// O(number of ticks); the count is capped at 10,000 for a nonsensical step.
pub fn ticks(start_ns: f64, end_ns: f64, step_ns: f64) -> impl Iterator<Item = f64> {
    let first = (start_ns / step_ns).ceil();
    let count = if step_ns > 0.0 && end_ns >= start_ns {
        (((end_ns / step_ns).floor() - first) + 1.0).clamp(0.0, 10_000.0) as usize
    } else {
        0
    };
    (0..count).map(move |i| (first + i as f64) * step_ns)
}

/// The unit (in ns) and its symbol used for labels of ticks `step_ns` apart.
fn unit_for_step(step_ns: f64) -> (f64, &'static str) {
    const UNITS: [(f64, &str); 4] = [(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns")];
    for (unit, symbol) in UNITS {
        if unit <= step_ns * 10.0 {
            return (unit, symbol);
        }
    }
    (1.0, "ns")
}

/// The label of a tick at `ns` on an axis with ticks `step_ns` apart, e.g. `1.5 ms`.
pub fn format_tick(ns: f64, step_ns: f64) -> String {
    let (unit, symbol) = unit_for_step(step_ns);
    let decimals = (unit / step_ns).log10().ceil().max(0.0) as usize;
    let value = ns / unit;
    // Avoid "-0".
    let value = if value.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
        0.0
    } else {
        value
    };
    format!("{value:.decimals$} {symbol}")
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the compared values are exact in binary floating point
mod tests {
    use super::*;

    #[test]
    fn steps_are_1_2_5() {
        assert_eq!(tick_step_ns(1.0, 80.0), 100.0);
        assert_eq!(tick_step_ns(1.0, 150.0), 200.0);
        assert_eq!(tick_step_ns(1.0, 300.0), 500.0);
        assert_eq!(tick_step_ns(1.0, 501.0), 1000.0);
        assert_eq!(tick_step_ns(0.001, 10.0), 1.0);
        assert_eq!(tick_step_ns(1e6, 80.0), 1e8);
    }

    #[test]
    fn ticks_cover_range() {
        let t: Vec<f64> = ticks(50.0, 420.0, 100.0).collect();
        assert_eq!(t, vec![100.0, 200.0, 300.0, 400.0]);
        let t: Vec<f64> = ticks(0.0, 200.0, 100.0).collect();
        assert_eq!(t, vec![0.0, 100.0, 200.0]);
        assert_eq!(ticks(10.0, 0.0, 1.0).count(), 0);
        assert_eq!(ticks(0.0, 1e12, 1.0).count(), 10_000);
    }

    #[test]
    fn labels_follow_step() {
        assert_eq!(format_tick(300.0, 100.0), "0.3 µs");
        assert_eq!(format_tick(40.0, 10.0), "40 ns");
        assert_eq!(format_tick(1_500_000.0, 500_000.0), "1.5 ms");
        assert_eq!(format_tick(2_000_000.0, 1_000_000.0), "2 ms");
        assert_eq!(format_tick(3e9, 1e9), "3 s");
        assert_eq!(format_tick(0.0, 2e8), "0.0 s");
        assert_eq!(format_tick(1.2e8, 2e7), "120 ms");
        assert_eq!(format_tick(3e8, 1e8), "0.3 s");
    }
}
