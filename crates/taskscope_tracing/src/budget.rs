//! An upper bound of the bytes the trace crate's writer prints for each recorded item, so
//! that [`crate::TaskscopeLayerBuilder::max_file_size`] can stop recording before the file
//! would grow past it.
//!
//! The figures follow the layout documented in `taskscope_trace`'s `format/write.rs`
//! (format version 1) with room to spare: every number is counted at its longest (a
//! timestamp at 24 characters, an id at 10), every optional field as present, and every
//! string at its exact escaped length. A test writes real files and checks the bound.
//! This module decides nothing about what is recorded, only what it costs.

/// Header, process metadata, run facts and diagnostics, besides the title.
pub(crate) const FILE: u64 = 4096;
/// One lane: its `thread_name` and `thread_sort_index` events and its entry in `lanes`,
/// besides its name (counted twice, see [`lane`]).
const LANE: u64 = 320;
/// One task's record in the graph, besides its key and name.
const TASK: u64 = 64;
/// One slice's `X` event, besides the task's key and name.
const SLICE: u64 = 200;
/// The samples of the "running tasks" counter a top-level slice can add (one at its
/// start, one at its end).
const RUNNING: u64 = 240;
/// One dependency: its reference in the graph's `deps` and its two flow events, besides
/// the dependency's key.
const EDGE: u64 = 256;
/// One instant event, besides its name.
const INSTANT: u64 = 112;
/// A task's `,"args":{}` besides its entries.
const ARGS: u64 = 12;
/// One arg entry `,"fields":""` besides its value (the longest key is `fields`).
const ARG: u64 = 14;
/// The longest task index the key can hold, as written after the name (`-4294967295`).
pub(crate) const KEY_INDEX: u64 = 11;

/// The length of `s` as a JSON string literal written by the trace crate (quotes included;
/// `"`, `\` and `\n`, `\r`, `\t` take two bytes, other control characters six).
pub(crate) fn json_len(s: &str) -> u64 {
    2 + escaped_len(s)
}

/// The length of `s` inside a JSON string literal, without the quotes.
pub(crate) fn escaped_len(s: &str) -> u64 {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

/// A lane named `name`.
pub(crate) fn lane(name_len: u64) -> u64 {
    LANE + 2 * name_len
}

/// A task with a key of `key_len` and a name of `name_len` (both as [`json_len`]).
pub(crate) fn task(key_len: u64, name_len: u64) -> u64 {
    TASK + key_len + name_len
}

/// A task's args object (`,"args":{…}`) holding its fields as text (`fields_len`, as
/// [`escaped_len`]) and its callsite (`target` and `file` lengths as [`escaped_len`],
/// `line` at its longest), each when present.
pub(crate) fn task_args(fields_len: Option<u64>, location: Option<(u64, u64)>) -> u64 {
    let fields = fields_len.map_or(0, |len| ARG + len);
    let location = location.map_or(0, |(target, file)| 3 * ARG + target + file + 10);
    if fields == 0 && location == 0 {
        0
    } else {
        ARGS + fields + location
    }
}

/// A slice at nesting `depth` of a task with a key of `key_len` and a name of `name_len`.
pub(crate) fn slice(key_len: u64, name_len: u64, depth: u16) -> u64 {
    SLICE + key_len + name_len + if depth == 0 { RUNNING } else { 0 }
}

/// A dependency on a task with a key of `dep_key_len`.
pub(crate) fn edge(dep_key_len: u64) -> u64 {
    EDGE + dep_key_len
}

/// An instant named by `text`.
pub(crate) fn instant(text: &str) -> u64 {
    INSTANT + json_len(text)
}

#[cfg(test)]
mod tests {
    use taskscope_trace::{RunMeta, TaskState, TraceBuilder};

    use super::*;

    /// The bytes the trace crate's writer prints for a one-task graph keyed `key`.
    fn written_len(key: &str) -> u64 {
        let mut b = TraceBuilder::new(RunMeta::default());
        b.graph_mut()
            .add_task(key, "n", [], TaskState::Done)
            .unwrap();
        let mut bytes = Vec::new();
        b.build().unwrap().write_to(&mut bytes).unwrap();
        bytes.len() as u64
    }

    #[test]
    fn escaped_lengths_are_the_writers() {
        let base = written_len("");
        for s in ["plain", "a\"b\\c", "tab\there\nnew\r", "\u{1}\u{1f}", "é ü"] {
            assert_eq!(written_len(s) - base, escaped_len(s), "{s:?}");
        }
        assert_eq!(json_len("a\"b"), 6);
    }
}
