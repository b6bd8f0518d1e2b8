//! Exports from the window — graph to SVG/PNG/DOT, timeline to SVG/PNG (drawn by
//! `taskscope_layout`), statistics to CSV — all written atomically (a temporary
//! file in the same folder, then a rename), on a background thread ([`ExportJob`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use taskscope_layout::{
    ColorBy, DrawingOptions, GraphOptions, GraphScene, TimelineOptions, TimelineScene,
    export_scene, export_timeline_scene, write_atomic,
};
use taskscope_trace::TaskId;

use crate::background::{Job, Poll};
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

/// How a graph picture looks: what the graph view shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphLook {
    /// Result boxes or not, and the groups the user expanded (drawn task by task).
    pub drawing: DrawingOptions,
    /// How nodes are filled: the view's colouring
    /// ([`taskscope_egui::NodeColoring::color_by`]), so the picture has the view's colours.
    pub color_by: ColorBy,
    /// Tasks to outline (the critical path, or the selected task with its ancestors
    /// and descendants).
    pub highlight: Vec<TaskId>,
}

/// Draws `doc` as `kind` into `path` (the format follows `path`'s extension); a graph
/// picture looks as `look` says.
pub fn export(
    doc: &TraceDoc,
    kind: ExportKind,
    path: &Path,
    look: &GraphLook,
) -> anyhow::Result<()> {
    let trace = &doc.trace;
    let result = match kind {
        ExportKind::GraphSvg | ExportKind::GraphPng | ExportKind::GraphDot => {
            let options = GraphOptions {
                highlight: look.highlight.clone(),
                title: trace.meta().title.clone(),
                color_by: look.color_by,
                ..look.drawing.graph_options()
            };
            // The scene the view draws, from the document's own index.
            GraphScene::with_index(trace.graph(), Some(trace), &doc.index, &options)
                .map_err(taskscope_layout::LayoutError::from)
                .and_then(|scene| export_scene(&scene, path, &options))
                .map(|_| ())
        }
        ExportKind::TimelineSvg | ExportKind::TimelinePng => {
            let options = TimelineOptions {
                title: trace.meta().title.clone(),
                ..TimelineOptions::default()
            };
            // The bars the timeline widget draws, for the whole run.
            let scene = TimelineScene::with_index(trace, &doc.index, &doc.model, &options);
            export_timeline_scene(&scene, path, &options).map(|_| ())
        }
    };
    result.with_context(|| format!("could not export {}", path.display()))
}

/// Something the window can save to a file.
#[derive(Clone, Debug)]
pub enum SaveWhat {
    /// A picture of a trace.
    Picture {
        /// The trace.
        doc: Arc<TraceDoc>,
        /// What to draw.
        kind: ExportKind,
        /// How a graph picture looks.
        look: GraphLook,
    },
    /// Text made already (e.g. the statistics as CSV).
    Text {
        /// What to write.
        contents: String,
    },
}

impl SaveWhat {
    /// Writes it to `path`, atomically.
    ///
    /// # Errors
    /// When it cannot be drawn or written; the error names `path`.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        match self {
            Self::Picture { doc, kind, look } => export(doc, *kind, path, look),
            Self::Text { contents } => write_atomically(path, contents.as_bytes()),
        }
    }
}

/// One save running on a background thread.
#[derive(Debug)]
pub struct ExportJob {
    path: PathBuf,
    job: Job<Result<(), String>>,
}

impl ExportJob {
    /// Starts writing `what` to `path`; `repaint` is called when it is done.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn spawn(
        what: SaveWhat,
        path: PathBuf,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let thread_path = path.clone();
        let job = Job::spawn(
            "taskscope-export",
            format!("exporting {}", path.display()),
            move |send: &dyn Fn(Result<(), String>) -> bool| {
                send(what.write(&thread_path).map_err(|e| format!("{e:#}")));
            },
            repaint,
        )?;
        Ok(Self { path, job })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The outcome once the write is done (`None` while it is still running).
    pub fn poll(&mut self) -> Option<Result<(), String>> {
        match self.job.poll() {
            Poll::Pending => None,
            Poll::Message(result) => Some(result),
            Poll::Finished => Some(Err(format!(
                "{}: the export ended without a result",
                self.path.display()
            ))),
            Poll::Died(e) => Some(Err(e)),
        }
    }
}

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one,
/// never a part, and a failed write leaves no temporary file behind. (The layout crate's
/// [`write_atomic`], which writes every exported picture, with the error in words.)
///
/// # Errors
/// When the file cannot be written; the error names `path` and the cause.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(path, bytes).map_err(anyhow::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_every_kind() {
        let doc = TraceDoc::new(None, taskscope_fixtures::diamond().unwrap());
        let dir = tempfile::tempdir().unwrap();
        for kind in ExportKind::ALL {
            let path = dir.path().join(kind.file_name("diamond"));
            let look = GraphLook {
                highlight: doc.critical_tasks(),
                ..GraphLook::default()
            };
            export(&doc, kind, &path, &look).unwrap();
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
            &GraphLook::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("t.dot"), "{err:#}");
    }

    #[test]
    fn graph_pictures_are_drawn_as_the_view_shows_them() {
        // 1,200 tasks in six key groups: grouped unless a group is expanded.
        let doc = TraceDoc::new(None, taskscope_fixtures::layered(1_200, 40, 2, 3).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let draw = |drawing: &DrawingOptions| {
            let path = dir.path().join("g.dot");
            let look = GraphLook {
                drawing: drawing.clone(),
                ..GraphLook::default()
            };
            export(&doc, ExportKind::GraphDot, &path, &look).unwrap();
            std::fs::read_to_string(&path).unwrap()
        };
        // DOT node ids: `t` tasks, `o` result boxes, `g` groups.
        let count = |dot: &str, prefix: &str| {
            dot.lines()
                .filter(|l| {
                    let l = l.trim_start();
                    l.starts_with(prefix) && l[1..].starts_with(|c: char| c.is_ascii_digit())
                })
                .filter(|l| !l.contains("->"))
                .count()
        };
        let grouped = draw(&DrawingOptions::default());
        assert_eq!(count(&grouped, "t"), 0, "{grouped}");
        assert_eq!(count(&grouped, "g"), 6);
        let open = draw(&DrawingOptions {
            compact: false,
            expanded: ["inc".to_owned()].into(),
            ..DrawingOptions::default()
        });
        assert_eq!(count(&open, "t"), 200, "the inc tasks are drawn one by one");
        assert_eq!(count(&open, "o"), 200, "with their result boxes");
        assert_eq!(count(&open, "g"), 5);
        let compact = draw(&DrawingOptions {
            compact: true,
            expanded: ["inc".to_owned()].into(),
            ..DrawingOptions::default()
        });
        assert_eq!(count(&compact, "t"), 200);
        assert_eq!(
            count(&compact, "o"),
            0,
            "no result boxes in the compact look"
        );
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
    fn a_failed_rename_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should go: the temporary is written, the rename fails.
        let path = dir.path().join("out.csv");
        std::fs::create_dir(&path).unwrap();
        let err = write_atomically(&path, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("out.csv"), "{err:#}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
    }

    #[test]
    fn an_export_job_reports_success_and_failure() {
        let dir = tempfile::tempdir().unwrap();
        let wait = |mut job: ExportJob| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            loop {
                if let Some(result) = job.poll() {
                    return result;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the export did not end"
                );
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        };
        let good = dir.path().join("a.csv");
        let what = SaveWhat::Text {
            contents: "a,b\n".into(),
        };
        wait(ExportJob::spawn(what.clone(), good.clone(), || {}).unwrap()).unwrap();
        assert_eq!(std::fs::read_to_string(&good).unwrap(), "a,b\n");
        let bad = dir.path().join("missing").join("b.csv");
        let err = wait(ExportJob::spawn(what, bad, || {}).unwrap()).unwrap_err();
        assert!(err.contains("b.csv"), "{err}");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-folder").join("out.csv");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("out.csv"), "{err:#}");
    }
}
