//! Exports from the window — graph to SVG/PNG/DOT, timeline to SVG/PNG (drawn by
//! `taskscope_layout`), statistics to CSV — all written atomically (a temporary
//! file in the same folder, then a rename).

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use taskscope_layout::{GraphOptions, TimelineOptions, export_graph, export_timeline};
use taskscope_trace::TaskId;

use crate::document::TraceDoc;

/// A picture the window can export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// The task graph as SVG.
    GraphSvg,
    /// The task graph as PNG.
    GraphPng,
    /// The task graph as Graphviz DOT.
    GraphDot,
    /// The Gantt timeline as SVG.
    TimelineSvg,
    /// The Gantt timeline as PNG.
    TimelinePng,
}

impl ExportKind {
    /// Every kind, for the menu.
    pub const ALL: [Self; 5] = [
        Self::GraphSvg,
        Self::GraphPng,
        Self::GraphDot,
        Self::TimelineSvg,
        Self::TimelinePng,
    ];

    /// The menu entry.
    pub fn label(self) -> &'static str {
        match self {
            Self::GraphSvg => "Graph as SVG…",
            Self::GraphPng => "Graph as PNG…",
            Self::GraphDot => "Graph as DOT…",
            Self::TimelineSvg => "Timeline as SVG…",
            Self::TimelinePng => "Timeline as PNG…",
        }
    }

    /// The suggested file name for a trace whose file stem is `stem`.
    pub fn file_name(self, stem: &str) -> String {
        let suffix = match self {
            Self::GraphSvg => "graph.svg",
            Self::GraphPng => "graph.png",
            Self::GraphDot => "graph.dot",
            Self::TimelineSvg => "timeline.svg",
            Self::TimelinePng => "timeline.png",
        };
        format!("{stem}.{suffix}")
    }
}

/// Draws `doc` as `kind` into `path` (the format follows `path`'s extension),
/// outlining `highlight` in graph pictures (e.g. the critical path).
pub fn export(
    doc: &TraceDoc,
    kind: ExportKind,
    path: &Path,
    highlight: &[TaskId],
) -> anyhow::Result<()> {
    let trace = &doc.trace;
    let result = match kind {
        ExportKind::GraphSvg | ExportKind::GraphPng | ExportKind::GraphDot => {
            let options = GraphOptions {
                highlight: highlight.to_vec(),
                title: trace.meta().title.clone(),
                ..GraphOptions::default()
            };
            export_graph(trace.graph(), Some(trace), path, &options).map(|_| ())
        }
        ExportKind::TimelineSvg | ExportKind::TimelinePng => {
            let options = TimelineOptions {
                title: trace.meta().title.clone(),
                ..TimelineOptions::default()
            };
            export_timeline(trace, path, &options).map(|_| ())
        }
    };
    result.with_context(|| format!("could not export {}", path.display()))
}

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_every_kind() {
        let doc = TraceDoc::new(None, taskscope_egui::synthetic::diamond().unwrap());
        let dir = tempfile::tempdir().unwrap();
        for kind in ExportKind::ALL {
            let path = dir.path().join(kind.file_name("diamond"));
            export(&doc, kind, &path, &doc.critical_tasks()).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            let ok = match kind {
                ExportKind::GraphSvg | ExportKind::TimelineSvg => bytes.starts_with(b"<?xml"),
                ExportKind::GraphPng | ExportKind::TimelinePng => bytes.starts_with(b"\x89PNG"),
                ExportKind::GraphDot => {
                    bytes.starts_with(b"digraph") || bytes.starts_with(b"strict")
                }
            };
            assert!(
                ok,
                "{kind:?}: {:?}",
                String::from_utf8_lossy(&bytes[..20.min(bytes.len())])
            );
        }
        // A timeline has no DOT form: the error names the file.
        let err = export(
            &doc,
            ExportKind::TimelineSvg,
            &dir.path().join("t.dot"),
            &[],
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("t.dot"), "{err:#}");
    }

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old contents, longer than the new").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-folder").join("out.csv");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("out.csv"), "{err:#}");
    }
}
