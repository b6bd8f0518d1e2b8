//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while laying out, drawing or writing a picture.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The output path's extension names no format this crate writes.
    #[error("{path}: unknown output format {extension:?}; use {expected}")]
    UnknownFormat {
        /// The path that was asked for.
        path: PathBuf,
        /// Its extension (empty when it has none).
        extension: String,
        /// The extensions that would work, e.g. `.svg, .png or .dot`.
        expected: &'static str,
    },
    /// An edge of a [`crate::LayoutGraph`] names a node that was never added.
    #[error("edge {edge} refers to node {node}, but the layout graph has only {count} nodes")]
    UnknownNode {
        /// Index of the edge, in insertion order.
        edge: usize,
        /// The node index it refers to.
        node: u32,
        /// How many nodes the graph has.
        count: usize,
    },
    /// The picture has no form in the requested format (a timeline as DOT).
    #[error("a {what} cannot be written as {format}; use {expected}")]
    Unsupported {
        /// What was being drawn, e.g. `timeline`.
        what: &'static str,
        /// The format asked for, e.g. `DOT`.
        format: &'static str,
        /// The formats that would work.
        expected: &'static str,
    },
    /// The layout would need too many nodes counting the dummies of long edges
    /// ([`crate::LayoutOptions::max_total_nodes`]).
    #[error(transparent)]
    TooLarge(#[from] crate::LayoutTooLarge),
    /// The format is one this crate writes, but not as built: the Cargo feature
    /// that adds it is off.
    #[error(
        "{format} output is not built in: enable the `{feature}` feature of taskscope_layout (or of taskscope)"
    )]
    FeatureDisabled {
        /// The format asked for, e.g. `PNG`.
        format: &'static str,
        /// The Cargo feature that adds it.
        feature: &'static str,
    },
    /// Rendering our own SVG to PNG failed (a bug: the SVG should always parse).
    #[error("cannot render the picture to PNG: {0}")]
    Render(String),
    /// Writing the output file failed (the error names the file and what failed).
    #[error(transparent)]
    Write(#[from] taskscope_trace::FormatError),
}
