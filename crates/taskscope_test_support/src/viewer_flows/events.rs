//! The events of a Chrome Trace Event JSON file, typed once for both replays.

use serde_json::Value;

/// A JSON value as JavaScript holds it: DevTools keys its maps by such values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum JsValue {
    /// The field is absent.
    Undefined,
    /// A number, as the bits of the `f64` JavaScript parses it to (`-0` made `0`).
    Number(u64),
    /// A string.
    Text(String),
    /// Anything else, by its JavaScript string form.
    Other(String),
}

impl JsValue {
    fn of(value: Option<&Value>) -> Self {
        match value {
            None => Self::Undefined,
            Some(Value::Number(n)) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                Self::Number(if x == 0.0 { 0 } else { x.to_bits() })
            }
            Some(Value::String(s)) => Self::Text(s.clone()),
            Some(Value::Null) => Self::Other("null".to_owned()),
            Some(Value::Bool(b)) => Self::Other(b.to_string()),
            Some(Value::Array(_) | Value::Object(_)) => Self::Other("[object]".to_owned()),
        }
    }

    /// The value in a template string (`${value}`), as DevTools builds its flow tokens.
    pub(crate) fn js_string(&self) -> String {
        match self {
            Self::Undefined => "undefined".to_owned(),
            Self::Number(bits) => {
                let x = f64::from_bits(*bits);
                if x.fract() == 0.0 && x.abs() < 1e21 {
                    format!("{x:.0}")
                } else {
                    x.to_string()
                }
            }
            Self::Text(s) | Self::Other(s) => s.clone(),
        }
    }
}

/// One element of `traceEvents`, with what either viewer reads of it.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    /// Position in `traceEvents`.
    pub index: usize,
    /// `ph` (empty when absent).
    pub phase: String,
    /// `ts` in ns as Perfetto converts it (µs × 1000, rounded).
    pub ts_ns: Option<i64>,
    /// `dur` in ns, likewise.
    pub dur_ns: Option<i64>,
    /// The thread Perfetto puts the event on: (`pid`, `tid`), `tid` defaulting to `pid`.
    pub thread: (String, String),
    /// DevTools' binding tuple: `ts`, `pid`, `tid`, `cat` as JavaScript values.
    pub binding: [JsValue; 4],
    /// `cat`, when a string.
    pub cat: Option<String>,
    /// `name`, when a string.
    pub name: Option<String>,
    /// `id` as JavaScript holds it (DevTools).
    pub id_js: JsValue,
    /// `id` as Perfetto reads a v1 flow id: a number, or a string of hex digits.
    pub id_u64: Option<u64>,
    /// `"bp":"e"`.
    pub binds_enclosing: bool,
    /// `s` (an instant's scope), when a string.
    pub scope: Option<String>,
    /// `args.task`, when a non-negative integer.
    pub task_index: Option<u64>,
    /// `args.key`, when a string.
    pub task_key: Option<String>,
}

impl Event {
    pub(crate) fn is_flow(&self) -> bool {
        matches!(self.phase.as_str(), "s" | "t" | "f")
    }

    /// Whether Perfetto makes a slice of it on its thread's track: `X`, and instants
    /// scoped to a thread (Perfetto's zero-length slices).
    pub(crate) fn is_thread_slice(&self) -> bool {
        match self.phase.as_str() {
            "X" => true,
            "i" | "I" | "R" => matches!(self.scope.as_deref(), None | Some("t")),
            _ => false,
        }
    }

    /// `ph`, `ts`, the thread and the category, in words, for messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "event {} (ph {:?}, name {:?}, ts {} ns, pid {}, tid {})",
            self.index,
            self.phase,
            self.name.as_deref().unwrap_or(""),
            self.ts_ns
                .map_or_else(|| "absent".to_owned(), |t| t.to_string()),
            self.thread.0,
            self.thread.1
        )
    }
}

/// Perfetto's `CoerceToTs`: µs to ns, exact for integers, else rounded to the nearest ns.
fn perfetto_ns(value: Option<&Value>) -> Option<i64> {
    let x = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse::<f64>().ok()?,
        _ => return None,
    };
    if !x.is_finite() {
        return None;
    }
    Some(if x.fract() == 0.0 {
        (x as i64).saturating_mul(1000)
    } else {
        (x * 1000.0).round() as i64
    })
}

/// Perfetto's `CoerceToUint32` for `pid`/`tid`, kept as text to name the thread.
fn thread_part(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(
            n.as_i64()
                .map_or_else(|| n.to_string(), |v| (v as u32).to_string()),
        ),
        Value::String(s) => Some(format!("{s:?}")),
        other => Some(other.to_string()),
    }
}

/// Perfetto's v1 flow id: a number, or a string parsed as hexadecimal.
fn perfetto_id(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|x| x as u64)),
        Value::String(s) => {
            let digits = s.trim_start_matches("0x").trim_start_matches("0X");
            u64::from_str_radix(digits, 16).ok()
        }
        _ => None,
    }
}

impl Event {
    pub(crate) fn parse(index: usize, value: &Value) -> Self {
        let get = |k: &str| value.get(k);
        let text = |k: &str| get(k).and_then(Value::as_str).map(str::to_owned);
        let pid = thread_part(get("pid")).unwrap_or_else(|| "0".to_owned());
        let tid = thread_part(get("tid")).unwrap_or_else(|| pid.clone());
        let args = get("args");
        Self {
            index,
            phase: text("ph").unwrap_or_default(),
            ts_ns: perfetto_ns(get("ts")),
            dur_ns: perfetto_ns(get("dur")),
            thread: (pid, tid),
            binding: [
                JsValue::of(get("ts")),
                JsValue::of(get("pid")),
                JsValue::of(get("tid")),
                JsValue::of(get("cat")),
            ],
            cat: text("cat"),
            name: text("name"),
            id_js: JsValue::of(get("id")),
            id_u64: perfetto_id(get("id")),
            binds_enclosing: get("bp").and_then(Value::as_str) == Some("e"),
            scope: text("s"),
            task_index: args.and_then(|a| a.get("task")).and_then(Value::as_u64),
            task_key: args
                .and_then(|a| a.get("key"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_convert_as_perfetto_does() {
        let ns = |v: Value| perfetto_ns(Some(&v));
        assert_eq!(ns(serde_json::json!(1003.209)), Some(1_003_209));
        assert_eq!(ns(serde_json::json!(7)), Some(7000));
        assert_eq!(ns(serde_json::json!("2.5")), Some(2500));
        assert_eq!(ns(serde_json::json!(null)), None);
    }

    #[test]
    fn javascript_strings_of_values() {
        assert_eq!(JsValue::of(Some(&serde_json::json!(12))).js_string(), "12");
        assert_eq!(
            JsValue::of(Some(&serde_json::json!(1.5))).js_string(),
            "1.5"
        );
        assert_eq!(JsValue::of(None).js_string(), "undefined");
        assert_eq!(JsValue::of(Some(&serde_json::json!("a"))).js_string(), "a");
        // 0 and -0 are one key in a JavaScript Map.
        assert_eq!(
            JsValue::of(Some(&serde_json::json!(-0.0))),
            JsValue::of(Some(&serde_json::json!(0)))
        );
    }

    #[test]
    fn flow_ids_read_as_perfetto_reads_them() {
        assert_eq!(perfetto_id(Some(&serde_json::json!(42))), Some(42));
        assert_eq!(perfetto_id(Some(&serde_json::json!("0x1f"))), Some(31));
        assert_eq!(perfetto_id(Some(&serde_json::json!("zz"))), None);
    }
}
