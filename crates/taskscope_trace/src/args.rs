//! Sparse side tables of named values ("args") attached to spans, tasks and the run.
//!
//! Most spans and tasks carry nothing beyond what [`crate::Span`] and [`crate::Graph`]
//! hold; a few carry extra facts that a source recorded: the worker a Dask transfer
//! came from (`source`), a recompute's `attempt`, a failed task's `exception`, a
//! `tracing` span's fields, target, file and line. Those live here, in one table per
//! owner kind, so the 40-byte [`crate::Span`] stays small and a trace without extras
//! pays one empty `Vec` per table.
//!
//! An [`ArgTable`] is a list of `(owner, key, value)` entries sorted by owner (stable:
//! an owner's entries keep the order they were added in), with keys interned. Lookup
//! is a binary search, O(log A) for A entries. Run-level args are a short list sorted
//! by key ([`RunArgs`]).
//!
//! This module decides nothing about what a key means: the Dask facts are read by
//! [`crate::index::Workers`], the analyses and the scenes, by key.

use std::fmt;

use crate::model::{ModelError, NameId, Names};

/// One recorded value. Numbers keep their kind: JSON integers are [`ArgValue::Int`]
/// (when they fit an `i64`), other numbers [`ArgValue::Float`].
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValue {
    /// A string.
    Str(Box<str>),
    /// An integer.
    Int(i64),
    /// A number that is not an `i64` integer (finite or not, as the source wrote it).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// Anything else (an object, an array, `null`), as compact JSON text.
    Json(Box<str>),
}

impl ArgValue {
    /// The string, for [`ArgValue::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, for [`ArgValue::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value from a JSON value: strings, integers, numbers and booleans keep their
    /// kind; objects, arrays and `null` are kept as compact JSON text.
    pub fn from_json(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::String(s) => Self::Str(s.as_str().into()),
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            other => Self::Json(other.to_string().into()),
        }
    }

    /// The value as JSON (the inverse of [`ArgValue::from_json`]; non-finite floats and
    /// unparsable JSON text become `null`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Str(s) => serde_json::Value::String(s.to_string()),
            Self::Int(i) => serde_json::Value::from(*i),
            Self::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Self::Bool(b) => serde_json::Value::Bool(*b),
            Self::Json(text) => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl fmt::Display for ArgValue {
    /// Strings without quotes, numbers and booleans as written, JSON as its text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) | Self::Json(s) => f.write_str(s),
            Self::Int(i) => i.fmt(f),
            Self::Float(x) => x.fmt(f),
            Self::Bool(b) => b.fmt(f),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct ArgEntry {
    owner: u32,
    key: NameId,
    value: ArgValue,
}

/// Args of one kind of owner (spans or tasks), by owner id; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct ArgTable {
    keys: Names,
    entries: Vec<ArgEntry>,
    /// Whether `entries` is sorted by owner (true once the trace is built).
    sorted: bool,
}

impl ArgTable {
    /// How many `(owner, key, value)` entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no owner has an arg.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries of `owner`, in the order they were added.
    fn row(&self, owner: u32) -> &[ArgEntry] {
        debug_assert!(self.sorted, "args are looked up only once sorted by owner");
        let start = self.entries.partition_point(|e| e.owner < owner);
        let end = start
            + self
                .entries
                .get(start..)
                .map_or(0, |rest| rest.partition_point(|e| e.owner == owner));
        self.entries.get(start..end).unwrap_or(&[])
    }

    /// The args of owner `owner` as `(key, value)`, in the order they were added (empty
    /// for an owner without args).
    ///
    /// # Complexity
    /// O(log A) to find them.
    pub fn of(&self, owner: u32) -> impl ExactSizeIterator<Item = (&str, &ArgValue)> {
        self.row(owner)
            .iter()
            .map(|e| (self.keys.get(e.key).unwrap_or(""), &e.value))
    }

    /// The value of `key` on `owner` (the first, if a key was added twice).
    pub fn get(&self, owner: u32, key: &str) -> Option<&ArgValue> {
        let key = self.keys.find(key)?;
        self.row(owner)
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// Every owner that has `key`, with its value, by ascending owner id.
    pub fn with_key<'a>(&'a self, key: &str) -> impl Iterator<Item = (u32, &'a ArgValue)> + 'a {
        let key = self.keys.find(key);
        self.entries
            .iter()
            .filter(move |e| Some(e.key) == key)
            .map(|e| (e.owner, &e.value))
    }

    /// Every distinct key, in order of first use.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.keys.iter().map(|(_, k)| k)
    }

    /// Adds an entry (owners are checked and sorted by [`ArgTable::finish`]).
    pub(crate) fn push(
        &mut self,
        owner: u32,
        key: &str,
        value: ArgValue,
    ) -> Result<(), ModelError> {
        let key = self.keys.intern(key)?;
        self.entries.push(ArgEntry { owner, key, value });
        self.sorted = false;
        Ok(())
    }

    /// Checks that every owner is below `count` (`what`: `span` or `task`, for the error).
    pub(crate) fn check_owners(&self, what: &'static str, count: u32) -> Result<(), ModelError> {
        match self.entries.iter().map(|e| e.owner).find(|&o| o >= count) {
            Some(id) => Err(ModelError::UnknownArgOwner { what, id, count }),
            None => Ok(()),
        }
    }

    /// Renumbers owners through `new_id` (old id → new id; ids past its end are kept),
    /// then sorts the entries by owner, keeping each owner's order.
    ///
    /// # Complexity
    /// O(A log A), O(A) when the entries are sorted already.
    pub(crate) fn finish(mut self, new_id: Option<&[u32]>) -> Self {
        if let Some(new_id) = new_id {
            for e in &mut self.entries {
                e.owner = new_id.get(e.owner as usize).copied().unwrap_or(e.owner);
            }
        }
        if !self.entries.is_sorted_by_key(|e| e.owner) {
            self.entries.sort_by_key(|e| e.owner);
        }
        self.sorted = true;
        self
    }
}

/// Run-level args (e.g. `dask`, the cluster a Dask run used), sorted by key, one value
/// per key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunArgs {
    entries: Vec<(Box<str>, ArgValue)>,
}

impl RunArgs {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&ArgValue> {
        self.entries
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn set(&mut self, key: &str, value: ArgValue) {
        match self.entries.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
            Ok(i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (key.into(), value)),
        }
    }

    /// Every `(key, value)`, sorted by key.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &ArgValue)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_insertion_order_and_renumber() {
        let mut t = ArgTable::default();
        t.push(2, "source", ArgValue::Str("tcp://a".into()))
            .unwrap();
        t.push(0, "attempt", ArgValue::Int(2)).unwrap();
        t.push(2, "attempt", ArgValue::Int(3)).unwrap();
        // Old span 2 becomes 0, old 0 becomes 1.
        let t = t.finish(Some(&[1, 2, 0]));
        let row: Vec<_> = t.of(0).map(|(k, v)| (k.to_owned(), v.clone())).collect();
        assert_eq!(
            row,
            [
                ("source".to_owned(), ArgValue::Str("tcp://a".into())),
                ("attempt".to_owned(), ArgValue::Int(3))
            ]
        );
        assert_eq!(t.get(1, "attempt"), Some(&ArgValue::Int(2)));
        assert_eq!(t.get(1, "source"), None);
        assert_eq!(t.of(2).len(), 0);
        assert_eq!(
            t.with_key("attempt").map(|(o, _)| o).collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(t.keys().collect::<Vec<_>>(), ["source", "attempt"]);
    }

    #[test]
    fn span_args_follow_their_spans_through_the_sort() {
        use crate::{Lane, RunMeta, Span, SpanKind, TaskState, TraceBuilder};
        let mut b = TraceBuilder::new(RunMeta::default());
        let t = b
            .graph_mut()
            .add_task("a-1", "a", [], TaskState::Failed)
            .unwrap();
        let lane = b.add_lane(Lane::default()).unwrap();
        let span = |start_ns| Span {
            start_ns,
            end_ns: start_ns + 1,
            task: t,
            lane,
            kind: SpanKind::Transfer,
            depth: 0,
            unclosed: false,
        };
        let late = b.add_span(span(10)).unwrap();
        let early = b.add_span(span(0)).unwrap();
        b.add_span_arg(late, "source", ArgValue::Str("tcp://late".into()))
            .unwrap();
        b.add_span_arg(early, "source", ArgValue::Str("tcp://early".into()))
            .unwrap();
        b.add_task_arg(t, "exception", ArgValue::Str("boom".into()))
            .unwrap();
        b.set_run_arg("dask", ArgValue::Json("{}".into()));
        let trace = b.build().unwrap();
        let source = |i| trace.span_arg(crate::SpanId(i), "source").cloned();
        assert_eq!(trace.spans()[0].start_ns, 0);
        assert_eq!(source(0), Some(ArgValue::Str("tcp://early".into())));
        assert_eq!(source(1), Some(ArgValue::Str("tcp://late".into())));
        assert_eq!(
            trace.task_arg(t, "exception").and_then(ArgValue::as_str),
            Some("boom")
        );
        assert_eq!(
            trace.run_args().get("dask"),
            Some(&ArgValue::Json("{}".into()))
        );
    }

    #[test]
    fn args_on_missing_owners_are_errors() {
        use crate::{ModelError, RunMeta, SpanId, TraceBuilder};
        let mut b = TraceBuilder::new(RunMeta::default());
        b.add_span_arg(SpanId(3), "k", ArgValue::Int(1)).unwrap();
        assert_eq!(
            b.build().unwrap_err(),
            ModelError::UnknownArgOwner {
                what: "span",
                id: 3,
                count: 0
            }
        );
    }

    #[test]
    fn run_args_are_sorted_and_replace() {
        let mut r = RunArgs::default();
        r.set("z", ArgValue::Bool(true));
        r.set("a", ArgValue::Int(1));
        r.set("z", ArgValue::Int(2));
        assert_eq!(r.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "z"]);
        assert_eq!(r.get("z"), Some(&ArgValue::Int(2)));
    }

    #[test]
    fn json_round_trips() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"a":[1,2.5,"x",true,null],"b":-3,"c":1.5}"#).unwrap();
        let serde_json::Value::Object(map) = &v else {
            panic!("an object")
        };
        for (_, field) in map {
            assert_eq!(ArgValue::from_json(field).to_json(), *field);
        }
        assert_eq!(ArgValue::from_json(&v["b"]), ArgValue::Int(-3));
        assert_eq!(ArgValue::from_json(&v["c"]).to_string(), "1.5");
    }
}
