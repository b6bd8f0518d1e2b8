//! Low-level JSON scanning: the reader walks the top-level object and arrays itself and
//! hands each element to serde_json, so it knows the byte offset of every element.
//!
//! Knowing offsets is what lets the reader recover from a truncated file (keep
//! every complete event, report the bytes dropped) and point errors at the
//! right line and column.

use serde::Deserialize;

use super::error::{FormatError, Source};

/// Whether `b` is JSON whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The offset of the first non-whitespace byte at or after `pos`.
pub(crate) fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|&b| is_ws(b)) {
        pos += 1;
    }
    pos
}

/// The offset just past a UTF-8 byte-order mark, or 0.
pub(crate) fn after_bom(bytes: &[u8]) -> usize {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    }
}

/// Whether the bytes from `pos` on are only whitespace or NUL padding (a writer that died).
pub(crate) fn only_padding(bytes: &[u8], pos: usize) -> bool {
    bytes
        .get(pos..)
        .unwrap_or(&[])
        .iter()
        .all(|&b| is_ws(b) || b == 0)
}

/// How parsing one element failed.
pub(crate) enum ElementError {
    /// The input ended inside the element (a truncated file).
    Truncated,
    /// The element is not valid JSON (or not the expected shape); already positioned.
    Invalid(FormatError),
    /// The element is valid JSON but its content does not fit the expected type.
    Data(FormatError),
}

/// Parses one JSON value of type `T` starting at `pos`; returns it and the offset just past it.
pub(crate) fn value_at<'a, T: Deserialize<'a>>(
    src: &Source<'a>,
    pos: usize,
) -> Result<(T, usize), ElementError> {
    let sub = src.bytes.get(pos..).unwrap_or(&[]);
    let mut stream = serde_json::Deserializer::from_slice(sub).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, pos + stream.byte_offset())),
        Some(Err(e)) => Err(classify(src, pos, &e)),
        None => Err(ElementError::Truncated),
    }
}

fn classify(src: &Source<'_>, pos: usize, e: &serde_json::Error) -> ElementError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => ElementError::Truncated,
        Category::Data => ElementError::Data(src.serde_error(pos, e)),
        Category::Syntax | Category::Io => {
            // A writer that died may leave NUL padding after the last complete bytes.
            let at = pos
                + super::error::Position::offset_of(
                    src.bytes.get(pos..).unwrap_or(&[]),
                    e.line(),
                    e.column(),
                );
            if src.bytes.get(at).is_some_and(|&b| b == 0) && only_padding(src.bytes, at) {
                ElementError::Truncated
            } else if number_cut_short(src.bytes, at) {
                // serde_json calls a number cut after its sign (`-` at the end) invalid.
                ElementError::Truncated
            } else {
                ElementError::Invalid(src.serde_error(pos, e))
            }
        }
    }
}

/// Whether the input ends within a number that starts at or before `at` (only number
/// characters from `at` to the end).
fn number_cut_short(bytes: &[u8], at: usize) -> bool {
    bytes.get(at..).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .iter()
                .all(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
    })
}

/// Reads a JSON string (an object key) at `pos`; returns it and the offset past it.
pub(crate) fn key_at<'a>(
    src: &Source<'a>,
    pos: usize,
) -> Result<(std::borrow::Cow<'a, str>, usize), ElementError> {
    if src.bytes.get(pos) != Some(&b'"') {
        return Err(match src.bytes.get(pos) {
            None => ElementError::Truncated,
            Some(_) => ElementError::Invalid(src.error_at(pos, "a string (an object key)")),
        });
    }
    let (raw, end): (&'a serde_json::value::RawValue, usize) = value_at(src, pos)?;
    match super::num::raw_str(raw.get()) {
        Some(s) => Ok((s, end)),
        None => Err(ElementError::Invalid(
            src.error_at(pos, "a valid JSON string (an object key)"),
        )),
    }
}

/// What follows an element of an array or object.
pub(crate) enum After {
    /// A comma: another element follows (at the returned offset).
    More(usize),
    /// The closing bracket: the container ends (offset past it).
    End(usize),
    /// The input ended.
    Eof,
}

/// Reads the separator after an element: `,` or `close`.
pub(crate) fn after_element(src: &Source<'_>, pos: usize, close: u8) -> Result<After, FormatError> {
    let pos = skip_ws(src.bytes, pos);
    match src.bytes.get(pos) {
        None => Ok(After::Eof),
        Some(b',') => Ok(After::More(skip_ws(src.bytes, pos + 1))),
        Some(&b) if b == close => Ok(After::End(pos + 1)),
        Some(0) if only_padding(src.bytes, pos) => Ok(After::Eof),
        Some(_) => Err(src.error_at(
            pos,
            format!("',' or '{}' after an element", char::from(close)),
        )),
    }
}
