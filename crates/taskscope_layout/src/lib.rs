//! Layered drawings of task graphs and Gantt timelines, exported to SVG, PNG and DOT.
//!
//! No Graphviz needed: the layout is our own ([`layered`]), fast enough for
//! 100,000 tasks, and the font is bundled ([`font`]), so the same graph gives
//! byte-identical files on every machine.
//!
//! The one-call entry points are [`export_graph`] (the twin of Dask's
//! `visualize(filename=...)`) and [`export_timeline`]; both pick the format
//! from the file extension. Underneath, each picture is built in two stages:
//! a *scene* decides what is drawn ([`GraphScene`], [`TimelineScene`], pure
//! data, also what a UI would draw), and a *formatter* writes it
//! ([`GraphSvg`], [`GraphDot`], [`TimelineSvg`], and `render_png` with the `png`
//! feature).
//!
//! # Cargo features
//! - `png` (default): PNG output, rasterised by `resvg` with the bundled font.
//!   Without it, asking for a `.png` gives [`LayoutError::FeatureDisabled`].
//!
//! ```
//! use taskscope_layout::{ColorBy, GraphOptions, ImageFormat, RankDir, render_graph};
//! use taskscope_trace::{GraphBuilder, TaskState};
//!
//! let mut b = GraphBuilder::new();
//! let x = b.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
//! let y = b.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
//! b.add_task("add-3", "add", [x, y], TaskState::Failed).unwrap();
//! let graph = b.build().unwrap();
//!
//! let options = GraphOptions::default()
//!     .with_rank_dir(RankDir::LeftToRight)
//!     .with_color_by(ColorBy::State)
//!     .with_title("xyz");
//! let (svg, stats) = render_graph(&graph, None, ImageFormat::Svg, &options).unwrap();
//! assert!(String::from_utf8(svg).unwrap().starts_with("<?xml"));
//! assert_eq!(stats.crossings, 0);
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod axis;
pub mod font;
pub mod layered;
pub mod theme;

mod dot;
mod drawing;
mod error;
mod export;
mod png;
mod scene;
mod svg;
mod timeline;

pub use dot::{DotOptions, GraphDot};
pub use drawing::{
    Drawing, DrawingOptions, DrawingTooBig, FULL_LAYOUT_LIMIT, Opening, check_drawing_size,
    graph_drawing, merged, open_group, opened,
};
pub use error::LayoutError;
pub use export::{
    ImageFormat, export_graph, export_scene, export_timeline, export_timeline_scene, render_graph,
    render_timeline, write_atomic,
};
pub use font::text_width;
pub use layered::{
    CubicBezier, EdgeRoute, Layout, LayoutGraph, LayoutNodeId, LayoutOptions, LayoutStats,
    LayoutTooLarge, NodePlacement, Point, RankDir, layout, simple_layout,
};
pub use png::PngOptions;
#[cfg(feature = "png")]
pub use png::render_png;
pub use scene::{
    ColorBy, GraphOptions, GraphScene, Legend, MAX_NAME_ENTRIES, NodeShape, Paint, SceneEdge,
    SceneNode, SceneNodeKind, drawn_groups, group_tooltip, lane_label, run_summary, task_tooltip,
};
pub use svg::GraphSvg;
/// The one duration formatter of the workspace (it lives in the trace crate), re-exported:
/// exported pictures print durations as the viewer and the command line do.
pub use taskscope_trace::analysis::format_duration_ns;
/// Dask's `key_split`, from the trace crate (where key-prefix groups are computed).
pub use taskscope_trace::index::key_split;
pub use timeline::{
    Arrows, LABEL_MIN_PX, LaneRow, ProcessGroup, Tick, TimelineFrame, TimelineItem, TimelineLanes,
    TimelineOptions, TimelineRow, TimelineScene, TimelineStats, TimelineSvg, bar_fill, bar_label,
    lod, merged_tooltip, span_fill, span_key, span_tooltip,
};
