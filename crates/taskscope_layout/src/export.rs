//! Writing pictures to files: format by extension, atomic writes.

use std::io::Write as _;
use std::path::Path;

use taskscope_trace::{Graph, Trace};

use crate::LayoutError;
use crate::dot::GraphDot;
use crate::layered::LayoutStats;
use crate::png::rasterise;
use crate::scene::{GraphOptions, GraphScene};
use crate::svg::GraphSvg;
use crate::timeline::{TimelineOptions, TimelineScene, TimelineStats, TimelineSvg};

/// A picture file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// Scalable Vector Graphics (`.svg`).
    Svg,
    /// Portable Network Graphics (`.png`), rasterised from our SVG.
    Png,
    /// Graphviz DOT (`.dot`, `.gv`); graphs only.
    Dot,
}

impl ImageFormat {
    /// The format named by `path`'s extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, LayoutError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Ok(Self::Svg),
            "png" => Ok(Self::Png),
            "dot" | "gv" => Ok(Self::Dot),
            _ => Err(LayoutError::UnknownFormat {
                path: path.to_path_buf(),
                extension: ext,
                expected: ".svg, .png or .dot",
            }),
        }
    }
}

/// Draws `graph` in `format` and returns the file's bytes with the layout's stats.
///
/// `trace`, when given, must be the trace `graph` belongs to; it supplies
/// durations and lanes for colours and tooltips.
///
/// # Errors
/// [`LayoutError::TooLarge`] when the layout would need too many nodes (see
/// [`crate::LayoutOptions::max_total_nodes`]), [`LayoutError::Render`] if rasterising fails.
pub fn render_graph(
    graph: &Graph,
    trace: Option<&Trace>,
    format: ImageFormat,
    options: &GraphOptions,
) -> Result<(Vec<u8>, LayoutStats), LayoutError> {
    let scene = GraphScene::new(graph, trace, options)?;
    let bytes = scene_bytes(&scene, format, options)?;
    Ok((bytes, scene.layout.stats))
}

/// The file bytes of a scene made already, in `format`; `options` give the DOT and
/// PNG settings.
fn scene_bytes(
    scene: &GraphScene,
    format: ImageFormat,
    options: &GraphOptions,
) -> Result<Vec<u8>, LayoutError> {
    Ok(match format {
        ImageFormat::Svg => GraphSvg::new(scene).to_string().into_bytes(),
        ImageFormat::Dot => GraphDot::new(scene, &options.dot).to_string().into_bytes(),
        ImageFormat::Png => rasterise(&GraphSvg::new(scene).to_string(), &options.png)?,
    })
}

/// Writes a scene made already (e.g. with [`GraphScene::with_index`]) into `path`,
/// choosing SVG, PNG or DOT by the extension, atomically; `options` give the DOT
/// and PNG settings.
///
/// # Errors
/// [`LayoutError::UnknownFormat`] for another extension, [`LayoutError::Write`] if
/// the file cannot be written, and [`LayoutError::Render`] if rasterising fails.
pub fn export_scene(
    scene: &GraphScene,
    path: impl AsRef<Path>,
    options: &GraphOptions,
) -> Result<LayoutStats, LayoutError> {
    let path = path.as_ref();
    let format = ImageFormat::from_path(path)?;
    write_atomic(path, &scene_bytes(scene, format, options)?)?;
    Ok(scene.layout.stats)
}

/// Draws `graph` into `path`, choosing SVG, PNG or DOT by the extension; the
/// Rust twin of Dask's `visualize(filename=...)`.
///
/// The file is written atomically (a temporary file in the same directory,
/// then renamed), so a reader never sees half a picture.
///
/// ```no_run
/// use taskscope_layout::{export_graph, GraphOptions};
/// # let graph = taskscope_trace::GraphBuilder::new().build().unwrap();
/// let stats = export_graph(&graph, None, "graph.svg", &GraphOptions::default())?;
/// println!("{} crossings", stats.crossings);
/// # Ok::<(), taskscope_layout::LayoutError>(())
/// ```
///
/// # Errors
/// [`LayoutError::UnknownFormat`] for another extension (checked before any
/// work), [`LayoutError::TooLarge`] when the layout would need too many nodes
/// (long edges across many layers; nothing is written), [`LayoutError::Write`] if
/// the file cannot be written, and [`LayoutError::Render`] if rasterising fails.
pub fn export_graph(
    graph: &Graph,
    trace: Option<&Trace>,
    path: impl AsRef<Path>,
    options: &GraphOptions,
) -> Result<LayoutStats, LayoutError> {
    let path = path.as_ref();
    let format = ImageFormat::from_path(path)?;
    let (bytes, stats) = render_graph(graph, trace, format, options)?;
    write_atomic(path, &bytes)?;
    Ok(stats)
}

/// Draws the Gantt chart of `trace` in `format` (SVG or PNG) and returns the bytes.
pub fn render_timeline(
    trace: &Trace,
    format: ImageFormat,
    options: &TimelineOptions,
) -> Result<(Vec<u8>, TimelineStats), LayoutError> {
    if format == ImageFormat::Dot {
        return Err(LayoutError::Unsupported {
            what: "timeline",
            format: "DOT",
            expected: "SVG or PNG",
        });
    }
    let scene = TimelineScene::new(trace, options);
    Ok((timeline_bytes(&scene, format, options)?, scene.stats))
}

/// The file bytes of a timeline scene in `format` (SVG or PNG).
fn timeline_bytes(
    scene: &TimelineScene,
    format: ImageFormat,
    options: &TimelineOptions,
) -> Result<Vec<u8>, LayoutError> {
    let svg = TimelineSvg::new(scene).to_string();
    match format {
        ImageFormat::Svg => Ok(svg.into_bytes()),
        ImageFormat::Png => rasterise(&svg, &options.png),
        ImageFormat::Dot => Err(LayoutError::Unsupported {
            what: "timeline",
            format: "DOT",
            expected: "SVG or PNG",
        }),
    }
}

/// Draws the Gantt chart of `trace` into `path` (`.svg` or `.png`), atomically.
///
/// # Errors
/// [`LayoutError::UnknownFormat`] for another extension, [`LayoutError::Write`]
/// if the file cannot be written, [`LayoutError::Render`] if rasterising fails.
pub fn export_timeline(
    trace: &Trace,
    path: impl AsRef<Path>,
    options: &TimelineOptions,
) -> Result<TimelineStats, LayoutError> {
    let path = path.as_ref();
    let format = timeline_format(path)?;
    let (bytes, stats) = render_timeline(trace, format, options)?;
    write_atomic(path, &bytes)?;
    Ok(stats)
}

/// Writes a timeline scene made already (e.g. with [`TimelineScene::with_index`])
/// into `path` (`.svg` or `.png`), atomically; `options` give the PNG settings.
///
/// # Errors
/// As [`export_timeline`].
pub fn export_timeline_scene(
    scene: &TimelineScene,
    path: impl AsRef<Path>,
    options: &TimelineOptions,
) -> Result<TimelineStats, LayoutError> {
    let path = path.as_ref();
    let format = timeline_format(path)?;
    write_atomic(path, &timeline_bytes(scene, format, options)?)?;
    Ok(scene.stats)
}

/// The picture format of a timeline file, by extension (SVG or PNG).
fn timeline_format(path: &Path) -> Result<ImageFormat, LayoutError> {
    match ImageFormat::from_path(path) {
        Ok(ImageFormat::Dot) | Err(LayoutError::UnknownFormat { .. }) => {
            Err(LayoutError::UnknownFormat {
                path: path.to_path_buf(),
                extension: path
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                expected: ".svg or .png",
            })
        }
        other => other,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename
/// (the trace crate's [`write_atomically`](taskscope_trace::format::write_atomically), the
/// one way every file taskscope writes is written).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LayoutError> {
    taskscope_trace::format::write_atomically(path, |file| file.write_all(bytes))?;
    Ok(())
}
