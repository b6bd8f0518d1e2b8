//! Fast paths for taskscope files: exact-layout scanners for what our own writer emits.
//!
//! A taskscope file of a million tasks holds several million events, and most
//! of them are derived (`s`/`f` flow arrows, the `running tasks` counter) and
//! not read back. Parsing each through serde costs far more than the bytes
//! warrant, so once the reader has seen the taskscope marker it first tries
//! these scanners on every event:
//!
//! - [`skip_derived`] recognises a derived event printed exactly as
//!   [`super::write`] prints it, and steps over it;
//! - [`task_event`] parses a task `X` event whose keys, order and value shapes
//!   are exactly the writer's (strings without escapes, plain JSON numbers);
//! - [`graph_task`] parses one task of the embedded graph the same way.
//!
//! Each scanner returns `None` at the first byte that differs from that
//! layout, having changed nothing; the caller then parses the same bytes with
//! the general serde path, which accepts any valid JSON and reports errors with
//! their position. So a hand-edited file, an older or newer writer's layout, or
//! a damaged file is read exactly as by the general reader, only slower.
//!
//! Every byte a scanner accepts is checked against the JSON grammar, so the
//! fast path gives the same trace, diagnostics and errors as the general path
//! on any input (a property test in `read` compares them on damaged files).
//!
//! This module does not decide what the parsed fields mean; the collector and
//! the taskscope reader do, with the same code as for serde-parsed events.

use std::borrow::Cow;

use super::num::parse_scaled;
use crate::args::ArgValue;

/// A cursor over the input for exact-layout matching. Every method returns
/// `None` (and may leave the cursor anywhere) when the bytes differ.
pub(crate) struct Scan<'a> {
    bytes: &'a [u8],
    pub pos: usize,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    /// The byte at the cursor.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `lit` if the input continues with it.
    ///
    /// The length is a constant, so the comparison compiles to a few wide loads.
    pub(crate) fn lit<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        let end = self.pos.checked_add(N)?;
        let here: &[u8; N] = self.bytes.get(self.pos..end)?.try_into().ok()?;
        if here == lit {
            self.pos = end;
            Some(())
        } else {
            None
        }
    }

    /// Consumes `lit` if the input continues with it; reports whether it did.
    pub(crate) fn opt<const N: usize>(&mut self, lit: &[u8; N]) -> bool {
        self.lit(lit).is_some()
    }

    /// A JSON string without escapes, borrowed from the input (`None` for escapes,
    /// control characters or invalid UTF-8, which the general parser handles or rejects).
    pub(crate) fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let rest = self.bytes.get(start..)?;
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let text = std::str::from_utf8(rest.get(..len)?).ok()?;
        self.pos = start + len + 1;
        Some(text)
    }

    /// The text of a JSON number (strict JSON grammar), as bytes (all ASCII).
    pub(crate) fn number(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        self.opt(b"-");
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.opt(b".") {
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        self.bytes.get(start..self.pos)
    }

    /// The text of a JSON number, as a string.
    pub(crate) fn number_str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.number()?).ok()
    }

    fn digits(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        self.pos += rest.iter().take_while(|b| b.is_ascii_digit()).count();
    }

    /// A non-negative JSON integer that fits in `u64` (no sign, fraction or exponent).
    pub(crate) fn uint(&mut self) -> Option<u64> {
        let first = self.peek()?;
        if first == b'0' {
            self.pos += 1;
            return (!matches!(self.peek(), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))).then_some(0);
        }
        if !first.is_ascii_digit() {
            return None;
        }
        let mut value: u64 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        (!matches!(self.peek(), Some(b'.' | b'e' | b'E'))).then_some(value)
    }
}

/// Microseconds text to nanoseconds, exactly as [`parse_scaled`]`(text, 3)`.
///
/// The writer's form `123.456` is converted directly; anything else goes through
/// [`parse_scaled`].
fn us_to_ns(bytes: &[u8]) -> Option<i64> {
    if let [int @ .., b'.', a, b, c] = bytes
        && !int.is_empty()
        && int.len() <= 15
        && int.iter().all(u8::is_ascii_digit)
        && [a, b, c].iter().all(|d| d.is_ascii_digit())
    {
        let mut us: i64 = 0;
        for &d in int {
            us = us * 10 + i64::from(d - b'0');
        }
        let frac = i64::from(a - b'0') * 100 + i64::from(b - b'0') * 10 + i64::from(c - b'0');
        return Some(us * 1000 + frac);
    }
    parse_scaled(std::str::from_utf8(bytes).ok()?, 3)
}

/// If the event at `pos` is a derived event exactly as the writer prints it, the offset
/// just past it (derived events are only skipped once the taskscope marker was seen,
/// like the general reader's skip):
///
/// ```text
/// {"ph":"s","cat":C,"name":"dep","id":u64,"ts":N,"pid":N,"tid":N}
/// {"ph":"f","bp":"e","cat":C,"name":"dep","id":u64,"ts":N,"pid":N,"tid":N}
/// {"ph":"C","cat":"derived","name":"running tasks","ts":N,"pid":N,"args":{"running tasks":N}}
/// ```
///
/// where `C` is `"task"` (the slice's category, written since flows bind in other
/// viewers) or `"dep"` (older files). Every byte is checked, so an event skipped here
/// is valid JSON that the general reader would drop as well.
///
/// # Complexity
/// O(length of the event).
pub(crate) fn skip_derived(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut s = Scan::new(bytes, pos);
    s.lit(b"{\"ph\":\"")?;
    match s.peek()? {
        b's' => s.lit(b"s\",\"cat\":\"")?,
        b'f' => s.lit(b"f\",\"bp\":\"e\",\"cat\":\"")?,
        b'C' => {
            s.lit(b"C\",\"cat\":\"derived\",\"name\":\"running tasks\",\"ts\":")?;
            s.number()?;
            s.lit(b",\"pid\":")?;
            s.number()?;
            s.lit(b",\"args\":{\"running tasks\":")?;
            s.number()?;
            s.lit(b"}}")?;
            return Some(s.pos);
        }
        _ => return None,
    }
    if !s.opt(b"task\"") {
        s.lit(b"dep\"")?;
    }
    s.lit(b",\"name\":\"dep\",\"id\":")?;
    s.uint()?;
    s.lit(b",\"ts\":")?;
    s.number()?;
    s.lit(b",\"pid\":")?;
    s.number()?;
    s.lit(b",\"tid\":")?;
    s.number()?;
    s.lit(b"}")?;
    Some(s.pos)
}

/// A task `X` event as the writer prints it, every string borrowed from the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TaskEvent<'a> {
    pub name: &'a str,
    pub ts_ns: i64,
    pub dur_ns: i64,
    pub pid: &'a str,
    pub tid: &'a str,
    pub key: &'a str,
    pub status: &'a str,
    pub kind: Option<&'a str>,
    pub depth: Option<u16>,
    pub unclosed: bool,
    pub task: Option<u32>,
    /// Args beyond the model's fields, sorted by key (at most [`MAX_EXTRA_ARGS`]).
    pub extras: [Option<(&'a str, Plain<'a>)>; MAX_EXTRA_ARGS],
}

/// How many extra args a task event may have on the fast path (more go to serde).
pub(crate) const MAX_EXTRA_ARGS: usize = 4;

/// A scalar JSON value as the fast path reads it: a string without escapes, or the
/// text of a number, `true`, `false` or `null`.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Plain<'a> {
    /// A string, without its quotes.
    Str(&'a str),
    /// A number, `true`, `false` or `null`, as written.
    Literal(&'a str),
}

impl Plain<'_> {
    /// The value as [`ArgValue::from_json`] makes it from the same JSON text.
    pub(crate) fn to_arg(self) -> ArgValue {
        match self {
            Self::Str(s) => ArgValue::Str(s.into()),
            Self::Literal("true") => ArgValue::Bool(true),
            Self::Literal("false") => ArgValue::Bool(false),
            Self::Literal("null") => ArgValue::Json("null".into()),
            Self::Literal(number) => match number.parse::<i64>() {
                Ok(i) => ArgValue::Int(i),
                Err(_) => serde_json::from_str::<serde_json::Value>(number).map_or_else(
                    |_| ArgValue::Json(number.into()),
                    |v| ArgValue::from_json(&v),
                ),
            },
        }
    }
}

impl<'a> Scan<'a> {
    /// A string without escapes, or a number, `true`, `false` or `null`.
    fn plain(&mut self) -> Option<Plain<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Plain::Str),
            b't' => self.lit(b"true").map(|()| Plain::Literal("true")),
            b'f' => self.lit(b"false").map(|()| Plain::Literal("false")),
            b'n' => self.lit(b"null").map(|()| Plain::Literal("null")),
            _ => self.number_str().map(Plain::Literal),
        }
    }
}

/// Parses the task `X` event at `pos` if it has exactly the writer's layout; returns it
/// and the offset just past it.
///
/// ```text
/// {"ph":"X","cat":"task","name":S,"ts":N,"dur":N,"pid":N,"tid":N,"args":{"key":S,"status":S
///  [,"kind":S][,"depth":u16][,"unclosed":true|false][,"task":u32][,"OTHER":SCALAR]...}}
/// ```
///
/// After `key` and `status`, the args may come in any order, each at most once;
/// `OTHER` is any other key without escapes, `SCALAR` a string without escapes, a
/// number, `true`, `false` or `null` (at most [`MAX_EXTRA_ARGS`] of them).
pub(crate) fn task_event(bytes: &[u8], pos: usize) -> Option<(TaskEvent<'_>, usize)> {
    let mut s = Scan::new(bytes, pos);
    s.lit(b"{\"ph\":\"X\",\"cat\":\"task\",\"name\":")?;
    let name = s.string()?;
    s.lit(b",\"ts\":")?;
    let ts_ns = us_to_ns(s.number()?)?;
    s.lit(b",\"dur\":")?;
    let dur_ns = us_to_ns(s.number()?)?;
    s.lit(b",\"pid\":")?;
    let pid = s.number_str()?;
    s.lit(b",\"tid\":")?;
    let tid = s.number_str()?;
    s.lit(b",\"args\":{\"key\":")?;
    let key = s.string()?;
    s.lit(b",\"status\":")?;
    let status = s.string()?;
    let mut kind = None;
    let mut depth = None;
    let mut unclosed = None;
    let mut task = None;
    let mut extras = [None; MAX_EXTRA_ARGS];
    let mut extra_count = 0;
    while !s.opt(b"}}") {
        s.lit(b",")?;
        let field = s.string()?;
        s.lit(b":")?;
        // A repeated key is left to serde (which rejects it), as is any value of the
        // wrong type for the model's fields.
        match field {
            "kind" if kind.is_none() => kind = Some(s.string()?),
            "depth" if depth.is_none() => depth = Some(u16::try_from(s.uint()?).ok()?),
            "unclosed" if unclosed.is_none() => {
                unclosed = Some(match s.plain()? {
                    Plain::Literal("true") => true,
                    Plain::Literal("false") => false,
                    _ => return None,
                });
            }
            "task" if task.is_none() => task = Some(u32::try_from(s.uint()?).ok()?),
            "key" | "status" | "kind" | "depth" | "unclosed" | "task" => return None,
            other => {
                let value = s.plain()?;
                let seen = extras.get(..extra_count)?;
                if seen.iter().flatten().any(|(k, _)| *k == other) {
                    return None;
                }
                *extras.get_mut(extra_count)? = Some((other, value));
                extra_count += 1;
            }
        }
    }
    if let Some(extras) = extras.get_mut(..extra_count) {
        extras.sort_unstable_by_key(|e| e.map(|(k, _)| k));
    }
    let unclosed = unclosed.unwrap_or(false);
    let event = TaskEvent {
        name,
        ts_ns,
        dur_ns,
        pid,
        tid,
        key,
        status,
        kind,
        depth,
        unclosed,
        task,
        extras,
    };
    Some((event, s.pos))
}

/// A reference from one graph task to another: its key, or its index when keys repeat.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TaskRef<'a> {
    /// The key of the task (the first task with that key).
    Key(Cow<'a, str>),
    /// The index of the task in the graph.
    Index(u64),
}

/// Parses the graph task at `pos` if it has exactly the writer's layout, pushing its
/// dependencies onto `deps`; returns key, name, state word and the offset past it.
///
/// On `None`, `deps` is restored to its length on entry.
///
/// ```text
/// {"key":S,"name":S,"deps":[S or u64, ...][,"state":S]}
/// ```
pub(crate) fn graph_task<'a>(
    bytes: &'a [u8],
    pos: usize,
    deps: &mut Vec<TaskRef<'a>>,
) -> Option<(&'a str, &'a str, Option<&'a str>, usize)> {
    let before = deps.len();
    let parsed = graph_task_inner(bytes, pos, deps);
    if parsed.is_none() {
        deps.truncate(before);
    }
    parsed
}

fn graph_task_inner<'a>(
    bytes: &'a [u8],
    pos: usize,
    deps: &mut Vec<TaskRef<'a>>,
) -> Option<(&'a str, &'a str, Option<&'a str>, usize)> {
    let mut s = Scan::new(bytes, pos);
    s.lit(b"{\"key\":")?;
    let key = s.string()?;
    s.lit(b",\"name\":")?;
    let name = s.string()?;
    s.lit(b",\"deps\":[")?;
    if !s.opt(b"]") {
        loop {
            let dep = if s.peek()? == b'"' {
                TaskRef::Key(Cow::Borrowed(s.string()?))
            } else {
                TaskRef::Index(s.uint()?)
            };
            deps.push(dep);
            if s.opt(b"]") {
                break;
            }
            s.lit(b",")?;
        }
    }
    let state = if s.opt(b",\"state\":") {
        Some(s.string()?)
    } else {
        None
    };
    s.lit(b"}")?;
    Some((key, name, state, s.pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_events_of_the_writer_are_skipped() {
        let flow = br#"{"ph":"s","cat":"dep","name":"dep","id":1,"ts":1003.209,"pid":0,"tid":0},"#;
        assert_eq!(skip_derived(flow, 0), Some(flow.len() - 1));
        let flow = br#"{"ph":"f","bp":"e","cat":"dep","name":"dep","id":18446744073709551615,"ts":1e3,"pid":0,"tid":7}"#;
        assert_eq!(skip_derived(flow, 0), Some(flow.len()));
        // Today's layout: the slice's category.
        let flow = br#"{"ph":"s","cat":"task","name":"dep","id":1,"ts":1003.209,"pid":0,"tid":0}"#;
        assert_eq!(skip_derived(flow, 0), Some(flow.len()));
        let flow =
            br#"{"ph":"f","bp":"e","cat":"task","name":"dep","id":2,"ts":0.000,"pid":1,"tid":3}"#;
        assert_eq!(skip_derived(flow, 0), Some(flow.len()));
        let counter = br#"x{"ph":"C","cat":"derived","name":"running tasks","ts":0.000,"pid":0,"args":{"running tasks":1}}]"#;
        assert_eq!(skip_derived(counter, 1), Some(counter.len() - 1));
        // Anything else is left to the general parser: other layouts, damage, truncation.
        for text in [
            &br#"{"ph":"s","cat":"dep","name":"dep","id":1,"ts":1.0,"pid":0,"tid":0,"x":1}"#[..],
            br#"{"ph":"s","cat":"dep","name":"dep","id":1,"ts":1.0,"pid":0,"tid":0"#,
            br#"{"ph":"s","cat":"dep","name":"dep","id":1,"ts":1x0,"pid":0,"tid":0}"#,
            br#"{"ph":"s","cat":"dep","name":"dep","id":-1,"ts":1.0,"pid":0,"tid":0}"#,
            br#"{"ph":"s","cat":"other","name":"dep","id":1,"ts":1.0,"pid":0,"tid":0}"#,
            br#"{"ph":"s","cat":"task","name":"other","id":1,"ts":1.0,"pid":0,"tid":0}"#,
            br#"{"ph":"s","cat":"tasks","name":"dep","id":1,"ts":1.0,"pid":0,"tid":0}"#,
            br#"{"ph":"C","cat":"derived","name":"running tasks","ts":0.000,"pid":0,"args":{"running tasks":1,"x":2}}"#,
            br#"{"ph":"C","cat":"derived","name":"running tasks","ts":0.000,"pid":0,"args":{"running tasks":1}"#,
            br#"{"ph":"X","cat":"dep"}"#,
            b"",
        ] {
            assert!(
                skip_derived(text, 0).is_none(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(skip_derived(b"", 5), None);
    }

    #[test]
    fn task_events_of_the_writer_parse() {
        let text = br#"{"ph":"X","cat":"task","name":"add","ts":1011.187,"dur":1000.451,"pid":0,"tid":12,"args":{"key":"add-3","status":"done","kind":"transfer","depth":2,"unclosed":true,"task":7}},"#;
        let (ev, end) = task_event(text, 0).unwrap();
        assert_eq!(end, text.len() - 1);
        assert_eq!(
            ev,
            TaskEvent {
                name: "add",
                ts_ns: 1_011_187,
                dur_ns: 1_000_451,
                pid: "0",
                tid: "12",
                key: "add-3",
                status: "done",
                kind: Some("transfer"),
                depth: Some(2),
                unclosed: true,
                task: Some(7),
                extras: [None; MAX_EXTRA_ARGS],
            }
        );
        let extra = br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","source":"tcp://h:1","task":3,"attempt":2,"kind":"transfer","ok":true,"n":-1.5e3}}"#;
        let (ev, _) = task_event(extra, 0).unwrap();
        assert_eq!((ev.task, ev.kind), (Some(3), Some("transfer")));
        assert_eq!(
            ev.extras,
            [
                Some(("attempt", Plain::Literal("2"))),
                Some(("n", Plain::Literal("-1.5e3"))),
                Some(("ok", Plain::Literal("true"))),
                Some(("source", Plain::Str("tcp://h:1"))),
            ]
        );
        let values: Vec<ArgValue> = ev
            .extras
            .iter()
            .flatten()
            .map(|(_, v)| v.to_arg())
            .collect();
        assert_eq!(
            values,
            [
                ArgValue::Int(2),
                ArgValue::Float(-1500.0),
                ArgValue::Bool(true),
                ArgValue::Str("tcp://h:1".into())
            ]
        );
        let plain = br#"{"ph":"X","cat":"task","name":"inc","ts":0.000,"dur":1e3,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#;
        let (ev, _) = task_event(plain, 0).unwrap();
        assert_eq!(
            (ev.ts_ns, ev.dur_ns, ev.kind, ev.depth),
            (0, 1_000_000, None, None)
        );
    }

    #[test]
    fn task_events_off_the_layout_are_left_to_serde() {
        for text in [
            // Escaped string, other key order, whitespace, out-of-range depth, bad numbers.
            &br#"{"ph":"X","cat":"task","name":"a\"b","ts":0.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#[..],
            br#"{"cat":"task","ph":"X","name":"a","ts":0.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts": 0.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":0.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","depth":70000}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":01.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":"0","tid":0,"args":{"key":"k","status":"done"}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","task":1.5}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done"}"#,
            // Repeated keys, nested values, too many extra args.
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","task":1,"task":1}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","x":1,"x":2}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","x":[1]}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","a":1,"b":1,"c":1,"d":1,"e":1}}"#,
            br#"{"ph":"X","cat":"task","name":"a","ts":1.000,"dur":0.000,"pid":0,"tid":0,"args":{"key":"k","status":"done","unclosed":1}}"#,
            b"{\"ph\":\"X\",\"cat\":\"task\",\"name\":\"a\xff\",\"ts\":1.000",
            b"{\"ph\":\"X\",\"cat\":\"task\",\"name\":\"a\tb\",\"ts\":1.000",
        ] {
            assert!(
                task_event(text, 0).is_none(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn microseconds_convert_like_parse_scaled() {
        for text in [
            "0.000",
            "1234.567",
            "999999999999999.999",
            "9999999999999999.999",
            "1e3",
            "-1.500",
            "12.5",
            "0.0005",
        ] {
            assert_eq!(us_to_ns(text.as_bytes()), parse_scaled(text, 3), "{text}");
        }
    }

    #[test]
    fn graph_tasks_of_the_writer_parse() {
        let mut deps = Vec::new();
        let text = br#"{"key":"add-3","name":"add","deps":["inc-1",4,"inc-2"],"state":"failed"},"#;
        let (key, name, state, end) = graph_task(text, 0, &mut deps).unwrap();
        assert_eq!(
            (key, name, state, end),
            ("add-3", "add", Some("failed"), text.len() - 1)
        );
        assert_eq!(
            deps,
            vec![
                TaskRef::Key(Cow::Borrowed("inc-1")),
                TaskRef::Index(4),
                TaskRef::Key(Cow::Borrowed("inc-2"))
            ]
        );
        let (_, _, state, _) =
            graph_task(br#"{"key":"a","name":"b","deps":[]}"#, 0, &mut deps).unwrap();
        assert_eq!((state, deps.len()), (None, 3));
        // Off the layout: deps are left as they were.
        for text in [
            &br#"{"key":"a","name":"b","deps":["x",-1]}"#[..],
            br#"{"key":"a","name":"b","deps":["x",]}"#,
            br#"{"key":"a","name":"b","deps":["x"],"extra":1}"#,
            br#"{"name":"b","key":"a","deps":[]}"#,
            br#"{"key":"a","name":"b","deps":[99999999999999999999]}"#,
        ] {
            assert!(graph_task(text, 0, &mut deps).is_none());
            assert_eq!(deps.len(), 3);
        }
    }
}
