//! taskscope's egui widgets: the Gantt timeline, the graph view and the statistics tables.
//!
//! Widgets borrow a [`taskscope_trace::Trace`] and the per-trace lookups in
//! [`index::TraceIndex`]; they own only their view state (which part is on
//! screen) and return what the user did as events for the app to apply. Pure
//! parts — level of detail ([`timeline::lod`]), culling, axis ticks, replay states,
//! linked selection — are plain functions with unit tests; the painters around
//! them are thin. Colours come from [`theme`].

#![forbid(unsafe_code)]

pub mod axis;
pub mod graph_view;
pub mod index;
pub mod replay;
pub mod selection;
pub mod synthetic;
pub mod theme;
pub mod timeline;

pub use graph_view::groups::{GroupInfo, KeyGroups, NodeLight, group_lights};
pub use graph_view::layout::{
    DrawingOptions, DrawingTooBig, EdgePath, FULL_LAYOUT_LIMIT, GraphLayout, NodeBox, NodeKind,
    NodeShape, check_drawing_size, graph_drawing, graph_drawing_with_groups, graph_layout,
    simple_layered_layout,
};
pub use graph_view::{GraphEvent, GraphInput, GraphResponse, GraphView, NodeColoring};
pub use index::TraceIndex;
pub use replay::{NodeState, Replay, TaskTimes};
pub use selection::Highlight;
pub use theme::Theme;
pub use timeline::model::TimelineModel;
pub use timeline::view::TimelineView;
pub use timeline::{Timeline, TimelineEvent, TimelineInput, TimelineResponse};
