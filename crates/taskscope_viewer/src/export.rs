//! Exports from the window — graph to SVG/PNG/DOT, timeline to SVG/PNG (drawn by
//! `taskscope_layout`), statistics to CSV — all written atomically (a temporary
//! file in the same folder, then a rename), on a background thread ([`ExportJob`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use taskscope_egui::DrawingOptions;
use taskscope_layout::{GraphOptions, TimelineOptions, export_graph, export_timeline};
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

/// Draws `doc` as `kind` into `path` (the format follows `path`'s extension),
/// outlining `highlight` in graph pictures (e.g. the critical path). A graph picture
/// is drawn as the graph view shows it: with or without result boxes (`drawing.compact`)
/// and with the groups the user expanded (`drawing.expanded`) drawn task by task.
pub fn export(
    doc: &TraceDoc,
    kind: ExportKind,
    path: &Path,
    highlight: &[TaskId],
    drawing: &DrawingOptions,
) -> anyhow::Result<()> {
    let trace = &doc.trace;
    let result = match kind {
        ExportKind::GraphSvg | ExportKind::GraphPng | ExportKind::GraphDot => {
            let options = GraphOptions {
                highlight: highlight.to_vec(),
                title: trace.meta().title.clone(),
                compact: drawing.compact,
                expanded: drawing.expanded.clone(),
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

/// Something the window can save to a file.
#[derive(Clone, Debug)]
pub enum SaveWhat {
    /// A picture of a trace.
    Picture {
        /// The trace.
        doc: Arc<TraceDoc>,
        /// What to draw.
        kind: ExportKind,
        /// Tasks to outline in a graph picture.
        highlight: Vec<TaskId>,
        /// Result boxes and expanded groups of a graph picture, as the view shows them.
        drawing: DrawingOptions,
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
            Self::Picture {
                doc,
                kind,
                highlight,
                drawing,
            } => export(doc, *kind, path, highlight, drawing),
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
            move |send: &dyn Fn(Result<(), String>)| {
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

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    // Unique per process and call: two exports to one file may run at once.
    let tmp = dir.join(format!(
        ".{}.tmp{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
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
            export(
                &doc,
                kind,
                &path,
                &doc.critical_tasks(),
                &DrawingOptions::default(),
            )
            .unwrap();
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
            &DrawingOptions::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("t.dot"), "{err:#}");
    }

    #[test]
    fn graph_pictures_are_drawn_as_the_view_shows_them() {
        // 1,200 tasks in six key groups: grouped unless a group is expanded.
        let doc = TraceDoc::new(
            None,
            taskscope_egui::synthetic::layered(1_200, 40, 2, 3).unwrap(),
        );
        let dir = tempfile::tempdir().unwrap();
        let draw = |drawing: &DrawingOptions| {
            let path = dir.path().join("g.dot");
            export(&doc, ExportKind::GraphDot, &path, &[], drawing).unwrap();
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
        });
        assert_eq!(count(&open, "t"), 200, "the inc tasks are drawn one by one");
        assert_eq!(count(&open, "o"), 200, "with their result boxes");
        assert_eq!(count(&open, "g"), 5);
        let compact = draw(&DrawingOptions {
            compact: true,
            expanded: ["inc".to_owned()].into(),
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
