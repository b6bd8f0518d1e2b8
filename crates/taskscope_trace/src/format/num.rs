//! Exact conversion of JSON number text to integer nanoseconds, and of ids to text.
//!
//! Timestamps are parsed from the number's decimal text, not through `f64`, so
//! `1234.567` µs is exactly 1,234,567 ns and epoch-scale microseconds keep
//! their fractional digits. Results saturate at the `i64` range instead of
//! overflowing.

/// Parses JSON number text (optionally inside a JSON string) scaled by `10^scale`,
/// rounded half away from zero, saturating at the `i64` range.
///
/// `scale` is 3 for microseconds → nanoseconds and 9 for seconds → nanoseconds.
/// Returns `None` for text that is not a number.
pub(crate) fn parse_scaled(text: &str, scale: i32) -> Option<i64> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .trim();
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    // Up to 36 significant digits in an i128 (far beyond nanosecond precision of any
    // realistic timestamp); further digits are truncated and only shift the exponent.
    let mut mantissa: i128 = 0;
    let mut significant = 0u32;
    let mut exponent: i64 = 0;
    let mut digits = 0usize;
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        if significant < 36 {
            mantissa = mantissa * 10 + i128::from(b - b'0');
            if mantissa != 0 {
                significant += 1;
            }
        } else {
            exponent += 1;
        }
        digits += 1;
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            if significant < 36 {
                mantissa = mantissa * 10 + i128::from(b - b'0');
                if mantissa != 0 {
                    significant += 1;
                }
                exponent -= 1;
            }
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let (e, next) = parse_exponent(bytes, i + 1)?;
        exponent += e;
        i = next;
    }
    if i != bytes.len() {
        return None;
    }
    let power = exponent + i64::from(scale);
    let magnitude: i128 = if mantissa == 0 {
        0
    } else if power >= 0 {
        if power > 38 {
            i128::MAX
        } else {
            mantissa.saturating_mul(10i128.pow(power as u32))
        }
    } else if power < -38 {
        0
    } else {
        let divisor = 10i128.pow((-power) as u32);
        let quotient = mantissa / divisor;
        let remainder = mantissa % divisor;
        if remainder * 2 >= divisor {
            quotient + 1
        } else {
            quotient
        }
    };
    let signed = if negative { -magnitude } else { magnitude };
    Some(signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// Parses the digits of an exponent starting at `i` (after the `e`); clamps huge exponents.
fn parse_exponent(bytes: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let mut negative = false;
    match bytes.get(i) {
        Some(b'-') => {
            negative = true;
            i += 1;
        }
        Some(b'+') => i += 1,
        _ => {}
    }
    let mut e: i64 = 0;
    let mut digits = 0;
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        e = (e * 10 + i64::from(b - b'0')).min(1_000_000);
        digits += 1;
        i += 1;
    }
    (digits > 0).then_some((if negative { -e } else { e }, i))
}

/// The text of an id-like JSON value (number or string): quotes removed, escapes kept verbatim.
///
/// Ids are compared as text, so `18446744073709551615` keeps every digit.
pub(crate) fn id_text(raw: &str) -> &str {
    let raw = raw.trim();
    raw.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(raw)
}

/// The string inside a raw JSON string value, borrowed when it has no escapes.
pub(crate) fn raw_str(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    let raw = raw.trim();
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw)
            .ok()
            .map(std::borrow::Cow::Owned)
    } else {
        Some(std::borrow::Cow::Borrowed(inner))
    }
}

/// Parses a raw JSON value as an `f64` (numbers, or numbers in strings).
pub(crate) fn raw_f64(raw: &str) -> Option<f64> {
    let t = id_text(raw);
    let v: f64 = t.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses a raw JSON value as an `i64` (integers, or integers in strings).
pub(crate) fn raw_i64(raw: &str) -> Option<i64> {
    let t = id_text(raw);
    t.parse().ok().or_else(|| parse_scaled(t, 0))
}

/// Writes `ns` as microseconds with exactly three decimals (`1234567` → `1234.567`).
pub(crate) fn write_us(out: &mut Vec<u8>, ns: u64) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(ns / 1000).as_bytes());
    let frac = (ns % 1000) as u32;
    out.push(b'.');
    out.push(b'0' + (frac / 100) as u8);
    out.push(b'0' + (frac / 10 % 10) as u8);
    out.push(b'0' + (frac % 10) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_parse_exactly() {
        assert_eq!(parse_scaled("1234.567", 3), Some(1_234_567));
        assert_eq!(parse_scaled("0", 3), Some(0));
        assert_eq!(parse_scaled("-1.5", 3), Some(-1500));
        assert_eq!(parse_scaled("3.016", 3), Some(3016));
        assert_eq!(parse_scaled("1.1", 3), Some(1100));
        assert_eq!(parse_scaled("1e3", 3), Some(1_000_000));
        assert_eq!(parse_scaled("2.5E-1", 3), Some(250));
        assert_eq!(parse_scaled("0.0004", 3), Some(0));
        assert_eq!(parse_scaled("0.0005", 3), Some(1));
        assert_eq!(parse_scaled("\"12\"", 3), Some(12_000));
        // Epoch-scale microseconds keep their fraction (f64 could not).
        assert_eq!(
            parse_scaled("1795643215975189.123", 3),
            Some(1_795_643_215_975_189_123)
        );
        // Seconds to ns.
        assert_eq!(
            parse_scaled("1795643215.9751892", 9),
            Some(1_795_643_215_975_189_200)
        );
        assert_eq!(parse_scaled("1e300", 3), Some(i64::MAX));
        assert_eq!(parse_scaled("-1e300", 3), Some(i64::MIN));
        assert_eq!(parse_scaled("1e-300", 3), Some(0));
        assert_eq!(parse_scaled("1e99999999999", 3), Some(i64::MAX));
        assert_eq!(parse_scaled("abc", 3), None);
        assert_eq!(parse_scaled("", 3), None);
        assert_eq!(parse_scaled("1.2.3", 3), None);
        assert_eq!(parse_scaled("1e", 3), None);
    }

    #[test]
    fn microseconds_print_with_three_decimals() {
        for (ns, text) in [
            (0u64, "0.000"),
            (1, "0.001"),
            (999, "0.999"),
            (1000, "1.000"),
            (1_234_567, "1234.567"),
            (u64::MAX, "18446744073709551.615"),
        ] {
            let mut out = Vec::new();
            write_us(&mut out, ns);
            assert_eq!(String::from_utf8(out).unwrap(), text);
            if i64::try_from(ns).is_ok() {
                assert_eq!(parse_scaled(text, 3), Some(ns as i64));
            }
        }
    }

    #[test]
    fn ids_keep_every_digit() {
        assert_eq!(id_text("18446744073709551615"), "18446744073709551615");
        assert_eq!(id_text("\"0x402\""), "0x402");
        assert_eq!(raw_str("\"a\\nb\"").unwrap(), "a\nb");
        assert_eq!(raw_str("\"ab\"").unwrap(), "ab");
        assert!(raw_str("12").is_none());
    }
}
