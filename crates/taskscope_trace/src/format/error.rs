//! [`FormatError`]: what went wrong reading or writing a trace file, and where.

use std::path::PathBuf;

use crate::model::ModelError;

/// An error reading or writing a trace file.
///
/// Every variant names the file. Errors about the file's content also carry
/// the byte offset and the 1-based line and column where the problem was
/// found, and say what was expected there (except [`FormatError::Unplaced`]: an event
/// of a followed file whose bytes are gone).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be read, created, written or renamed.
    #[error("{path}: {action}", path = path.display())]
    Io {
        /// The file (or the temporary file next to it).
        path: PathBuf,
        /// What was being done: "reading", "creating a temporary file", "renaming"...
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not what the format allows at some position.
    #[error("{file}:{line}:{column} (byte {offset}): expected {expected}")]
    Syntax {
        /// The file's name as given to the reader.
        file: String,
        /// Byte offset from the start of the file (a byte-order mark counts).
        offset: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
        /// What the reader expected there, and what it found.
        expected: String,
    },
    /// Content read earlier from a file being followed, whose position was not kept
    /// ([`Follower::snapshot`](crate::format::Follower::snapshot) keeps no bytes of the
    /// events it read; what can be checked as an event is read is, with its position).
    #[error("{file}: expected {expected} (in an event read earlier; its position was not kept)")]
    Unplaced {
        /// The file's name as given to the reader.
        file: String,
        /// What the reader expected, and what it found.
        expected: String,
    },
    /// The file is valid JSON but not any trace format this reader knows.
    #[error("{file}: not a trace file this reader knows: {why}")]
    Unrecognized {
        /// The file's name as given to the reader.
        file: String,
        /// What was found instead.
        why: String,
    },
    /// A taskscope file written by a newer version of taskscope.
    #[error(
        "{file}: taskscope format version {version} is newer than this reader (it reads 1 to {supported})"
    )]
    UnsupportedVersion {
        /// The file's name as given to the reader.
        file: String,
        /// The version found in the file.
        version: u64,
        /// The newest version this reader understands.
        supported: u32,
    },
    /// The content parsed, but does not make a valid trace (e.g. more than `u32::MAX` spans).
    #[error("{file}: not a valid trace")]
    Model {
        /// The file's name as given to the reader.
        file: String,
        /// What the model rejected.
        #[source]
        source: ModelError,
    },
}

/// A position in a file: byte offset plus 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The line and column of byte `offset` in `bytes`.
    ///
    /// # Complexity
    /// O(offset); only called when an error is reported.
    pub(crate) fn of(bytes: &[u8], offset: usize) -> Self {
        let offset = offset.min(bytes.len());
        let before = bytes.get(..offset).unwrap_or(&[]);
        let line = 1 + memchr_count(b'\n', before);
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Self {
            offset,
            line,
            column: offset - line_start + 1,
        }
    }

    /// The byte offset of 1-based `line`/`column` in `bytes` (as serde_json reports them).
    pub(crate) fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
        let mut current = 1;
        let mut line_start = 0;
        if line > 1 {
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' {
                    current += 1;
                    if current == line {
                        line_start = i + 1;
                        break;
                    }
                }
            }
        }
        // serde_json reports the column of the last byte it consumed (0 at a line start).
        (line_start + column.saturating_sub(1)).min(bytes.len())
    }
}

fn memchr_count(needle: u8, haystack: &[u8]) -> usize {
    memchr::memchr_iter(needle, haystack).count()
}

/// A reader's view of its input, for building positioned errors.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    /// The whole file, byte-order mark included.
    pub bytes: &'a [u8],
    /// The file's name, for messages.
    pub name: &'a str,
}

impl Source<'_> {
    /// A syntax error at `offset`.
    pub(crate) fn error_at(&self, offset: usize, expected: impl Into<String>) -> FormatError {
        let pos = Position::of(self.bytes, offset);
        FormatError::Syntax {
            file: self.name.to_owned(),
            offset: pos.offset,
            line: pos.line,
            column: pos.column,
            expected: expected.into(),
        }
    }

    /// A serde_json error raised while parsing the value that starts at `base`.
    pub(crate) fn serde_error(&self, base: usize, err: &serde_json::Error) -> FormatError {
        let sub = self.bytes.get(base..).unwrap_or(&[]);
        let offset = base + Position::offset_of(sub, err.line(), err.column());
        self.error_at(offset, describe_serde_error(err))
    }

    /// A model error for this file.
    pub(crate) fn model_error(&self, source: ModelError) -> FormatError {
        FormatError::Model {
            file: self.name.to_owned(),
            source,
        }
    }
}

/// serde_json's message without its " at line L column C" suffix, phrased as an expectation.
fn describe_serde_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_owned(),
        None => text,
    };
    match err.classify() {
        serde_json::error::Category::Eof => format!("more JSON ({text})"),
        serde_json::error::Category::Syntax => format!("valid JSON ({text})"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_columns() {
        let text = b"ab\ncd\nef";
        assert_eq!(
            Position::of(text, 4),
            Position {
                offset: 4,
                line: 2,
                column: 2
            }
        );
        assert_eq!(Position::of(text, 0).line, 1);
        assert_eq!(Position::of(text, 99).offset, 8);
        assert_eq!(Position::offset_of(text, 2, 2), 4);
        assert_eq!(Position::offset_of(text, 1, 1), 0);
    }
}
