//! A drawing in screen-ready units: the layout crate's [`Drawing`] converted to
//! egui rectangles and polylines, with the scene's lookups by task and group.
//!
//! What is drawn — nodes, labels, groups, the fallback for big graphs, the
//! limits — is decided by `taskscope_layout` ([`taskscope_layout::graph_drawing`]);
//! this module only converts coordinates (layout px to `egui` points at zoom 1,
//! Bézier curves flattened into polylines) so the view can cull, hit-test and paint.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use egui::{Pos2, Rect, pos2, vec2};
pub use taskscope_layout::NodeShape;
use taskscope_layout::{Drawing, DrawingOptions, GraphScene, Point, SceneNodeKind};
use taskscope_trace::TaskId;
use taskscope_trace::index::KeyGroups;

/// What a drawn node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A task.
    Task(TaskId),
    /// The result of a task (Dask's unlabelled box).
    Output(TaskId),
    /// A collapsed group of tasks: its number in [`GraphLayout::groups`].
    Group(u32),
}

/// One node in layout units (1 unit = 1 point at zoom 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeBox {
    /// What it stands for.
    pub kind: NodeKind,
    /// Its outline; circles and ellipses fill `rect`.
    pub shape: NodeShape,
    /// Where it is drawn.
    pub rect: Rect,
}

impl NodeBox {
    /// A task drawn as a plain box.
    pub fn task_box(task: TaskId, rect: Rect) -> Self {
        Self {
            kind: NodeKind::Task(task),
            shape: NodeShape::Box,
            rect,
        }
    }

    /// The task it belongs to: the task itself, or the task whose result it is.
    pub fn task(&self) -> Option<TaskId> {
        match self.kind {
            NodeKind::Task(t) | NodeKind::Output(t) => Some(t),
            NodeKind::Group(_) => None,
        }
    }

    /// Whether `p` (layout units) is on the node's shape, with `slack` units to spare.
    pub fn contains(&self, p: Pos2, slack: f32) -> bool {
        let r = self.rect.expand(slack);
        match self.shape {
            NodeShape::Box => r.contains(p),
            NodeShape::Circle | NodeShape::Ellipse => {
                let (rx, ry) = (r.width() * 0.5, r.height() * 0.5);
                if rx <= 0.0 || ry <= 0.0 {
                    return false;
                }
                let d = p - r.center();
                (d.x / rx).powi(2) + (d.y / ry).powi(2) <= 1.0
            }
        }
    }
}

/// One edge as a polyline from one node to another (node indices into [`GraphLayout::nodes`]).
#[derive(Clone, Debug, PartialEq)]
pub struct EdgePath {
    /// The node the edge leaves (an input: a task, its output box, or a group).
    pub from: u32,
    /// The node it enters (the arrowhead is here).
    pub to: u32,
    /// How many task dependencies it stands for (more than 1 only at groups).
    pub count: u64,
    /// At least two points, in layout units.
    pub points: Vec<Pos2>,
}

/// The next [`GraphLayout`] identity.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A drawing converted for the view: node boxes, edge polylines and their bounds.
#[derive(Clone, Debug)]
pub struct GraphLayout {
    drawing: Arc<Drawing>,
    nodes: Vec<NodeBox>,
    edges: Vec<EdgePath>,
    edge_bounds: Vec<Rect>,
    bounds: Rect,
    id: u64,
}

impl Default for GraphLayout {
    fn default() -> Self {
        Self::new(Drawing::default())
    }
}

impl PartialEq for GraphLayout {
    /// Same drawing (the identity used for caches is ignored).
    fn eq(&self, other: &Self) -> bool {
        self.drawing == other.drawing
    }
}

/// Segments each Bézier curve of an edge is flattened into.
const CURVE_SEGMENTS: u32 = 8;

impl GraphLayout {
    /// The view of `drawing`: every node with its shape, every edge as a polyline
    /// (curves flattened into 8 segments each; the straight edges of
    /// the simple fallback keep their two points).
    ///
    /// # Complexity
    /// O(N + total curve segments).
    pub fn new(drawing: impl Into<Arc<Drawing>>) -> Self {
        let drawing: Arc<Drawing> = drawing.into();
        let scene = &drawing.scene;
        let point = |p: Point| pos2(p.x as f32, p.y as f32);
        let nodes: Vec<NodeBox> = scene
            .nodes
            .iter()
            .zip(&scene.layout.nodes)
            .map(|(node, placement)| {
                let kind = match &node.kind {
                    SceneNodeKind::Task(t) => NodeKind::Task(*t),
                    SceneNodeKind::Output(t) => NodeKind::Output(*t),
                    SceneNodeKind::Group { group, .. } => NodeKind::Group(*group),
                };
                let rect = Rect::from_center_size(
                    point(placement.center),
                    vec2(placement.width as f32, placement.height as f32),
                );
                NodeBox {
                    kind,
                    shape: node.shape,
                    rect,
                }
            })
            .collect();
        let edges: Vec<EdgePath> = scene
            .edges
            .iter()
            .zip(&scene.layout.edges)
            .filter_map(|(edge, route)| {
                let mut points = vec![point(route.start())];
                if scene.is_simple() || route.curves.is_empty() {
                    points.extend(route.points.iter().skip(1).map(|p| point(*p)));
                } else {
                    let mut last = route.start();
                    for curve in &route.curves {
                        for step in 1..=CURVE_SEGMENTS {
                            let t = f64::from(step) / f64::from(CURVE_SEGMENTS);
                            let u = 1.0 - t;
                            let (a, b, c, d) =
                                (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                            points.push(point(Point {
                                x: a * last.x
                                    + b * curve.ctrl1.x
                                    + c * curve.ctrl2.x
                                    + d * curve.end.x,
                                y: a * last.y
                                    + b * curve.ctrl1.y
                                    + c * curve.ctrl2.y
                                    + d * curve.end.y,
                            }));
                        }
                        last = curve.end;
                    }
                }
                (points.len() >= 2).then_some(EdgePath {
                    from: edge.from as u32,
                    to: edge.to as u32,
                    count: edge.count,
                    points,
                })
            })
            .collect();
        let edge_bounds: Vec<Rect> = edges.iter().map(|e| Rect::from_points(&e.points)).collect();
        let mut bounds = Rect::NOTHING;
        for r in nodes
            .iter()
            .map(|n| n.rect)
            .chain(edge_bounds.iter().copied())
        {
            bounds = bounds.union(r);
        }
        if nodes.is_empty() {
            bounds = Rect::from_min_size(Pos2::ZERO, vec2(1.0, 1.0));
        }
        Self {
            drawing,
            nodes,
            edges,
            edge_bounds,
            bounds,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The drawing shown.
    pub fn drawing(&self) -> &Drawing {
        &self.drawing
    }

    /// The scene shown: labels, fills ([`GraphScene::paint`]), lookups.
    pub fn scene(&self) -> &GraphScene {
        &self.drawing.scene
    }

    /// All nodes, in scene order.
    pub fn nodes(&self) -> &[NodeBox] {
        &self.nodes
    }

    /// All edges.
    pub fn edges(&self) -> &[EdgePath] {
        &self.edges
    }

    /// The bounding box of each edge (same order as [`GraphLayout::edges`]).
    pub fn edge_bounds(&self) -> &[Rect] {
        &self.edge_bounds
    }

    /// The label lines of node `i` (empty for output boxes).
    pub fn label(&self, i: usize) -> &[String] {
        self.scene()
            .nodes
            .get(i)
            .map_or(&[], |n| n.label.as_slice())
    }

    /// The node of `task` when it is drawn on its own.
    pub fn node_of(&self, task: TaskId) -> Option<&NodeBox> {
        self.nodes.get(self.node_index_of(task)? as usize)
    }

    /// The index of `task`'s own node, if it is drawn on its own.
    pub fn node_index_of(&self, task: TaskId) -> Option<u32> {
        self.scene().node_of_task(task).map(|i| i as u32)
    }

    /// The index of the node that shows `task`: its own node, or its collapsed group's.
    pub fn shown_node_index(&self, task: TaskId) -> Option<u32> {
        self.scene().shown_node_of(task).map(|i| i as u32)
    }

    /// The node that shows `task`: its own, or its collapsed group's.
    pub fn shown_node(&self, task: TaskId) -> Option<&NodeBox> {
        self.nodes.get(self.shown_node_index(task)? as usize)
    }

    /// The key groups, when this is a grouped drawing.
    pub fn groups(&self) -> Option<&KeyGroups> {
        self.scene().groups().map(AsRef::as_ref)
    }

    /// The node of the group called `name`, when it is drawn collapsed.
    pub fn group_node(&self, name: &str) -> Option<&NodeBox> {
        self.nodes.get(self.scene().node_of_group_named(name)?)
    }

    /// Whether any group is drawn collapsed.
    pub fn has_collapsed_groups(&self) -> bool {
        self.scene().has_collapsed_groups()
    }

    /// The name of the group `task` belongs to, in a grouped drawing.
    pub fn group_name_of(&self, task: TaskId) -> Option<&str> {
        self.scene().group_name_of(task)
    }

    /// Whether `task` is drawn on its own because its group is expanded.
    pub fn in_expanded_group(&self, task: TaskId) -> bool {
        self.scene().in_expanded_group(task)
    }

    /// The options this drawing was made with.
    pub fn options(&self) -> &DrawingOptions {
        &self.drawing.options
    }

    /// Whether this is the simple fallback of a graph too big for the full layout.
    pub fn is_simple(&self) -> bool {
        self.scene().is_simple()
    }

    /// Whether drawing with `options` would give this same drawing
    /// ([`Drawing::same_drawing_for`]).
    pub fn same_drawing_for(&self, options: &DrawingOptions) -> bool {
        self.drawing.same_drawing_for(options)
    }

    /// The bounding box of the whole drawing.
    pub fn bounds(&self) -> Rect {
        self.bounds
    }

    /// A number identifying this drawing, for caches (clones share it).
    pub fn id(&self) -> u64 {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_layout::{GraphOptions, graph_drawing};
    use taskscope_trace::{TaskState, TraceIndex};

    #[test]
    fn scene_layout_draws_tasks_and_their_output_boxes() {
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("a", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("b", "inc", [], TaskState::Done).unwrap();
        g.add_task("c", "add", [x, y], TaskState::Done).unwrap();
        let trace = b.build().unwrap();
        let index = TraceIndex::new(&trace);
        let layout =
            GraphLayout::new(graph_drawing(&trace, &index, &DrawingOptions::default()).unwrap());
        // Three tasks, three output boxes; task → its box, box → its user.
        assert_eq!(layout.nodes().len(), 6);
        assert_eq!(layout.edges().len(), 5);
        assert!(layout.groups().is_none() && !layout.is_simple());
        for t in 0..3 {
            let node = layout.node_of(TaskId(t)).unwrap();
            assert_eq!(node.kind, NodeKind::Task(TaskId(t)));
            assert!(matches!(node.shape, NodeShape::Circle | NodeShape::Ellipse));
            let i = layout.node_index_of(TaskId(t)).unwrap() as usize;
            assert_eq!(layout.label(i)[0], ["inc", "inc", "add"][t as usize]);
        }
        let outputs: Vec<&NodeBox> = layout
            .nodes()
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Output(_)))
            .collect();
        assert_eq!(outputs.len(), 3);
        assert!(outputs.iter().all(|n| n.shape == NodeShape::Box));
        // Dask's direction: the consumer above its inputs; edges end on their target.
        let y = |t| layout.node_of(TaskId(t)).unwrap().rect.center().y;
        assert!(y(2) < y(0) && (y(0) - y(1)).abs() < 1e-3);
        for e in layout.edges() {
            let end = *e.points.last().unwrap();
            let target = layout.nodes()[e.to as usize].rect.expand(1.0);
            assert!(target.contains(end), "{end:?} not on {target:?}");
            // Curves are flattened: 8 segments per Bézier piece.
            assert!((e.points.len() - 1).is_multiple_of(CURVE_SEGMENTS as usize));
        }
        // Compact: tasks only.
        let compact = GraphLayout::new(
            graph_drawing(
                &trace,
                &index,
                &DrawingOptions {
                    compact: true,
                    ..DrawingOptions::default()
                },
            )
            .unwrap(),
        );
        assert_eq!((compact.nodes().len(), compact.edges().len()), (3, 2));
        assert!(compact.options().compact);
    }

    #[test]
    fn groups_are_looked_up_through_the_scene() {
        let trace = taskscope_fixtures::layered(1_200, 40, 4, 3).unwrap();
        let index = TraceIndex::new(&trace);
        let layout =
            GraphLayout::new(graph_drawing(&trace, &index, &DrawingOptions::default()).unwrap());
        assert_eq!(layout.groups().unwrap().len(), 6);
        let load = layout.group_node("load").unwrap();
        assert_eq!(layout.shown_node(TaskId(0)), Some(load));
        assert_eq!(load.kind, NodeKind::Group(0));
        assert_eq!(layout.node_of(TaskId(0)), None);
        assert!(layout.has_collapsed_groups());
    }

    #[test]
    fn simple_scenes_keep_straight_edges() {
        let trace = taskscope_fixtures::diamond().unwrap();
        let index = TraceIndex::new(&trace);
        let scene = GraphScene::simple(
            trace.graph(),
            Some(&trace),
            &index,
            &GraphOptions::default(),
        );
        let layout = GraphLayout::new(Drawing::from(scene));
        assert!(layout.is_simple());
        assert!(layout.edges().iter().all(|e| e.points.len() == 2));
        assert!(layout.nodes().iter().all(|n| n.shape == NodeShape::Box));
        assert_eq!(layout.label(0), ["inc"]);
    }

    #[test]
    fn hit_testing_follows_the_shape() {
        let rect = Rect::from_center_size(Pos2::ZERO, vec2(40.0, 20.0));
        let ellipse = NodeBox {
            kind: NodeKind::Task(TaskId(0)),
            shape: NodeShape::Ellipse,
            rect,
        };
        assert!(ellipse.contains(pos2(0.0, 0.0), 0.0));
        assert!(ellipse.contains(pos2(19.0, 0.0), 0.0));
        // The box's corner is outside the ellipse.
        assert!(!ellipse.contains(pos2(19.0, 9.0), 0.0));
        assert!(NodeBox::task_box(TaskId(0), rect).contains(pos2(19.0, 9.0), 0.0));
        assert!(ellipse.contains(pos2(21.0, 0.0), 2.0));
        assert!(!ellipse.contains(pos2(21.0, 0.0), 0.0));
    }

    #[test]
    fn empty_graph_has_unit_bounds() {
        let layout = GraphLayout::default();
        assert!(layout.nodes().is_empty());
        assert!(layout.bounds().width() > 0.0);
        assert!(layout.node_of(TaskId(0)).is_none());
    }
}
