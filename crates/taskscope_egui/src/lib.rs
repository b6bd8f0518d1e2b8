//! taskscope's egui widgets: the Gantt timeline, the graph view and the statistics tables.
//!
//! Widgets borrow a [`taskscope_trace::Trace`] and its [`TraceIndex`] (the trace
//! crate's derived facts); what they draw is decided by `taskscope_layout`'s
//! scenes, which the widgets convert to screen coordinates and paint. They own
//! only their view state (which part is on screen) and return what the user did
//! as events for the app to apply. Pure parts — level of detail
//! ([`taskscope_layout::lod`]), axis ticks ([`taskscope_layout::axis`]), culling, linked selection — are plain
//! functions with unit tests; the painters around them are thin. Chrome colours
//! come from [`theme`]; task colours from the scenes.

#![forbid(unsafe_code)]

pub mod graph_view;
pub mod replay;
pub mod selection;
pub mod theme;
pub mod timeline;

pub use graph_view::groups::{NodeLight, group_lights};
pub use graph_view::layout::{EdgePath, GraphLayout, NodeBox, NodeKind, NodeShape};
pub use graph_view::{GraphEvent, GraphInput, GraphResponse, GraphView, NodeColoring};
pub use replay::{Replay, RunState};
pub use selection::Highlight;
/// The timeline's per-trace lanes and level-of-detail index (from the layout crate).
pub use taskscope_layout::TimelineLanes;
/// The per-trace index the widgets borrow (it lives in the trace crate).
pub use taskscope_trace::TraceIndex;
pub use theme::Theme;
pub use timeline::view::TimelineView;
pub use timeline::{Timeline, TimelineEvent, TimelineInput, TimelineResponse};
