//! The drawing the graph view shows: nodes (tasks, their output boxes, groups of
//! tasks) and edge polylines in layout units.
//!
//! [`GraphLayout`] is what a layout engine fills in; the view only pans, zooms,
//! culls and paints it. [`graph_drawing`] makes it with the `taskscope_layout`
//! crate — the same picture `visualize()` exports, in Dask's style: tasks as
//! circles and ellipses, each result as a box, and above
//! [`GraphOptions::group_threshold`] tasks one node per key-prefix group, except
//! the groups the user expanded. [`simple_layered_layout`] is a small built-in
//! engine — longest-path layers and one barycentre sweep, straight edges, plain
//! boxes — for graphs whose drawing would be too big for the full layout.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use egui::{Pos2, Rect, pos2, vec2};
pub use taskscope_layout::NodeShape;
use taskscope_layout::{GraphOptions, GraphScene, LayoutTooLarge, Point, SceneNodeKind};
use taskscope_trace::{Graph, TaskId, Trace};

use super::groups::KeyGroups;
use crate::replay::TaskTimes;

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

/// What the user chose about a drawing: output boxes or not, which groups are open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DrawingOptions {
    /// Tasks only, no output boxes.
    pub compact: bool,
    /// Groups (key prefixes) drawn task by task in a grouped drawing.
    pub expanded: BTreeSet<String>,
}

/// Most nodes the graph view lays out with the full layout. A bigger grouped drawing
/// with nothing expanded falls back to [`simple_layered_layout`]; expanding groups
/// past it is refused ([`DrawingTooBig`]).
pub const FULL_LAYOUT_LIMIT: usize = 20_000;

/// Expanding the requested groups would make a drawing too big to lay out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawingTooBig {
    /// More drawn nodes than [`FULL_LAYOUT_LIMIT`] (counted from the groups' sizes,
    /// without laying anything out).
    Nodes {
        /// Nodes the drawing would have.
        nodes: usize,
        /// The most the view lays out ([`FULL_LAYOUT_LIMIT`]).
        limit: usize,
    },
    /// Few enough nodes, but edges crossing many layers would need more dummy
    /// nodes than the layout allows (e.g. a long chain whose every step uses one
    /// collapsed group).
    LongEdges(LayoutTooLarge),
}

impl fmt::Display for DrawingTooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nodes { nodes, limit } => write!(
                f,
                "expanding that would draw {nodes} nodes, more than the {limit} the graph view \
                 lays out; collapse other groups first"
            ),
            Self::LongEdges(e) => write!(
                f,
                "expanding that would draw {} nodes, but its edges cross so many layers that \
                 the layout would need {} more, over its limit of {}; collapse other groups first",
                e.nodes, e.dummies, e.limit
            ),
        }
    }
}

/// Whether drawing `groups` with `options` stays within [`FULL_LAYOUT_LIMIT`] nodes.
/// A drawing with no known group expanded always passes (it falls back to
/// [`simple_layered_layout`] instead).
///
/// Cheap enough for the UI thread, so that an expansion that is certain to be
/// refused starts no layout at all.
///
/// # Complexity
/// O(groups + expanded × log groups).
///
/// # Errors
/// [`DrawingTooBig::Nodes`] when expanded groups make the drawing too big.
pub fn check_drawing_size(
    groups: &KeyGroups,
    options: &DrawingOptions,
) -> Result<(), DrawingTooBig> {
    let nodes = groups.drawn_nodes(&options.expanded, options.compact);
    if nodes > FULL_LAYOUT_LIMIT && options.expanded.iter().any(|n| groups.find(n).is_some()) {
        return Err(DrawingTooBig::Nodes {
            nodes,
            limit: FULL_LAYOUT_LIMIT,
        });
    }
    Ok(())
}

impl std::error::Error for DrawingTooBig {}

/// The next [`GraphLayout`] identity.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A laid-out graph: nodes, edges, labels, groups, and lookups by task.
#[derive(Clone, Debug)]
pub struct GraphLayout {
    nodes: Vec<NodeBox>,
    labels: Vec<Vec<String>>,
    edges: Vec<EdgePath>,
    edge_bounds: Vec<Rect>,
    node_of_task: Vec<u32>,
    groups: Option<Arc<KeyGroups>>,
    node_of_group: Vec<u32>,
    options: DrawingOptions,
    simple: bool,
    /// The simple fallback because the groups alone are too many (so neither
    /// output boxes nor unknown group names change it).
    too_many_groups: bool,
    bounds: Rect,
    id: u64,
}

impl Default for GraphLayout {
    fn default() -> Self {
        Self::new(Vec::new(), Vec::new())
    }
}

impl PartialEq for GraphLayout {
    /// Same drawing (the identity used for caches is ignored).
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
            && self.labels == other.labels
            && self.edges == other.edges
            && self.groups == other.groups
            && self.options == other.options
            && self.simple == other.simple
    }
}

impl GraphLayout {
    /// A layout from nodes and edges computed by any layout engine (no labels: the
    /// view labels task nodes with their task's name).
    ///
    /// # Complexity
    /// O(N + total edge points).
    pub fn new(nodes: Vec<NodeBox>, edges: Vec<EdgePath>) -> Self {
        let max_task = nodes
            .iter()
            .filter_map(|n| match n.kind {
                NodeKind::Task(t) => Some(t.index() + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut node_of_task = vec![u32::MAX; max_task];
        let mut bounds = Rect::NOTHING;
        for (i, node) in nodes.iter().enumerate() {
            if let NodeKind::Task(t) = node.kind
                && let Some(slot) = node_of_task.get_mut(t.index())
            {
                *slot = i as u32;
            }
            bounds = bounds.union(node.rect);
        }
        let edge_bounds: Vec<Rect> = edges.iter().map(|e| Rect::from_points(&e.points)).collect();
        for b in &edge_bounds {
            bounds = bounds.union(*b);
        }
        if nodes.is_empty() {
            bounds = Rect::from_min_size(Pos2::ZERO, vec2(1.0, 1.0));
        }
        Self {
            nodes,
            labels: Vec::new(),
            edges,
            edge_bounds,
            node_of_task,
            groups: None,
            node_of_group: Vec::new(),
            options: DrawingOptions::default(),
            simple: false,
            too_many_groups: false,
            bounds,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The drawing of `scene`: every node with its shape and label lines, every edge
    /// as a polyline (curves flattened into 8 segments each). `groups` must be the
    /// key groups of the scene's graph when the scene is grouped.
    ///
    /// # Complexity
    /// O(N + total curve segments + groups).
    pub fn from_scene(scene: &GraphScene, groups: Option<KeyGroups>) -> Self {
        Self::from_scene_shared(scene, groups.map(Arc::new))
    }

    /// [`GraphLayout::from_scene`] with key groups shared with other drawings.
    ///
    /// # Complexity
    /// O(N + total curve segments + groups).
    pub fn from_scene_shared(scene: &GraphScene, groups: Option<Arc<KeyGroups>>) -> Self {
        let point = |p: Point| pos2(p.x as f32, p.y as f32);
        let nodes: Vec<NodeBox> = scene
            .nodes
            .iter()
            .zip(&scene.layout.nodes)
            .map(|(node, placement)| {
                let kind = match &node.kind {
                    SceneNodeKind::Task(t) => NodeKind::Task(*t),
                    SceneNodeKind::Output(t) => NodeKind::Output(*t),
                    SceneNodeKind::Group { name, .. } => NodeKind::Group(
                        groups
                            .as_ref()
                            .and_then(|g| g.find(name))
                            .unwrap_or(u32::MAX),
                    ),
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
        let labels = scene.nodes.iter().map(|n| n.label.clone()).collect();
        let edges = scene
            .edges
            .iter()
            .zip(&scene.layout.edges)
            .filter_map(|(edge, route)| {
                let mut points = vec![point(route.start())];
                let mut last = route.start();
                for curve in &route.curves {
                    for step in 1..=8 {
                        let t = f64::from(step) / 8.0;
                        let u = 1.0 - t;
                        let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                        points.push(pos2(
                            (a * last.x + b * curve.ctrl1.x + c * curve.ctrl2.x + d * curve.end.x)
                                as f32,
                            (a * last.y + b * curve.ctrl1.y + c * curve.ctrl2.y + d * curve.end.y)
                                as f32,
                        ));
                    }
                    last = curve.end;
                }
                if route.curves.is_empty() {
                    points.extend(route.points.iter().skip(1).map(|p| point(*p)));
                }
                (points.len() >= 2).then_some(EdgePath {
                    from: edge.from as u32,
                    to: edge.to as u32,
                    count: edge.count,
                    points,
                })
            })
            .collect();
        let mut layout = Self::new(nodes, edges);
        layout.labels = labels;
        if let Some(groups) = groups {
            layout.node_of_group = vec![u32::MAX; groups.len()];
            for (i, n) in layout.nodes.iter().enumerate() {
                if let NodeKind::Group(g) = n.kind
                    && let Some(slot) = layout.node_of_group.get_mut(g as usize)
                {
                    *slot = i as u32;
                }
            }
            layout.groups = Some(groups);
        }
        layout
    }

    /// All nodes.
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

    /// The label lines of node `i` (empty for output boxes and for drawings made
    /// with [`GraphLayout::new`], whose task nodes show the task's name).
    pub fn label(&self, i: usize) -> &[String] {
        self.labels.get(i).map_or(&[], Vec::as_slice)
    }

    /// Whether nodes carry their own labels (drawings made from a scene).
    pub fn has_labels(&self) -> bool {
        !self.labels.is_empty()
    }

    /// The node of `task` when it is drawn on its own.
    pub fn node_of(&self, task: TaskId) -> Option<&NodeBox> {
        self.nodes.get(self.node_index_of(task)? as usize)
    }

    /// The index of `task`'s own node, if it is drawn on its own.
    pub fn node_index_of(&self, task: TaskId) -> Option<u32> {
        self.node_of_task
            .get(task.index())
            .copied()
            .filter(|&i| i != u32::MAX)
    }

    /// The index of the node that shows `task`: its own node, or its collapsed group's.
    pub fn shown_node_index(&self, task: TaskId) -> Option<u32> {
        self.node_index_of(task).or_else(|| {
            let g = self.groups.as_ref()?.group_of(task)?;
            self.node_of_group
                .get(g as usize)
                .copied()
                .filter(|&i| i != u32::MAX)
        })
    }

    /// The node that shows `task`: its own, or its collapsed group's.
    pub fn shown_node(&self, task: TaskId) -> Option<&NodeBox> {
        self.nodes.get(self.shown_node_index(task)? as usize)
    }

    /// The key groups, when this is a grouped drawing.
    pub fn groups(&self) -> Option<&KeyGroups> {
        self.groups.as_deref()
    }

    /// The key groups, shared: a new drawing of the same trace can reuse them
    /// ([`graph_drawing_with_groups`]) instead of grouping every task again.
    pub fn shared_groups(&self) -> Option<Arc<KeyGroups>> {
        self.groups.clone()
    }

    /// The node of the group called `name`, when it is drawn collapsed.
    pub fn group_node(&self, name: &str) -> Option<&NodeBox> {
        let g = self.groups.as_ref()?.find(name)?;
        let i = *self.node_of_group.get(g as usize)?;
        self.nodes.get(i as usize)
    }

    /// Whether any group is drawn collapsed.
    pub fn has_collapsed_groups(&self) -> bool {
        self.node_of_group.iter().any(|&i| i != u32::MAX)
    }

    /// The name of the group `task` belongs to, in a grouped drawing.
    pub fn group_name_of(&self, task: TaskId) -> Option<&str> {
        let groups = self.groups.as_ref()?;
        Some(groups.get(groups.group_of(task)?)?.name.as_str())
    }

    /// Whether `task` is drawn on its own because its group is expanded.
    pub fn in_expanded_group(&self, task: TaskId) -> bool {
        self.group_name_of(task)
            .is_some_and(|name| self.options.expanded.contains(name))
    }

    /// The options this drawing was made with.
    pub fn options(&self) -> &DrawingOptions {
        &self.options
    }

    /// Whether this is the simple fallback ([`simple_layered_layout`]) of a graph too
    /// big for the full layout.
    pub fn is_simple(&self) -> bool {
        self.simple
    }

    /// Whether [`graph_drawing`] with `options` would give this same drawing, so
    /// laying out again is wasted work: the options are the same, or this is the
    /// simple fallback for a graph with too many groups and `options` expands none
    /// of them (output boxes on or off, it stays the same plain boxes).
    pub fn same_drawing_for(&self, options: &DrawingOptions) -> bool {
        *options == self.options
            || (self.too_many_groups && options.expanded == self.options.expanded)
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

/// The default drawing of `trace`'s graph ([`graph_drawing`] with default options).
pub fn graph_layout(trace: &Trace) -> GraphLayout {
    let options = DrawingOptions::default();
    // With nothing expanded the drawing is never refused; an empty layout is the
    // impossible fallback.
    graph_drawing(trace, &options).unwrap_or_default()
}

/// The drawing of `trace`'s graph for the view, with the layout crate's Dask look.
///
/// Up to [`GraphOptions::group_threshold`] (1,000) tasks, every task is drawn (with
/// its output box unless `options.compact`). Above, tasks are grouped by key prefix
/// and the groups in `options.expanded` are drawn task by task. A drawing of more than
/// [`FULL_LAYOUT_LIMIT`] nodes, or whose long edges need more dummy nodes than the
/// layout allows ([`taskscope_layout::LayoutOptions::max_total_nodes`]), is refused
/// when groups are expanded; with none expanded it falls back to
/// [`simple_layered_layout`] (every task a plain box).
///
/// # Complexity
/// O(V × key length + S) plus the layout of the drawn nodes (see
/// [`taskscope_layout::layout`]).
///
/// # Errors
/// [`DrawingTooBig`] when the expanded groups make the drawing too big: too many
/// nodes (checked before anything is laid out) or too many dummy nodes (checked by
/// the layout after layering, before it allocates them).
pub fn graph_drawing(
    trace: &Trace,
    options: &DrawingOptions,
) -> Result<GraphLayout, DrawingTooBig> {
    graph_drawing_with_groups(trace, options, None)
}

/// [`graph_drawing`], reusing `groups` (those of an earlier drawing of the same
/// trace, [`GraphLayout::shared_groups`]) rather than grouping every task again.
///
/// # Complexity
/// That of [`graph_drawing`], less the O(V × key length + S) of grouping when
/// `groups` is given.
///
/// # Errors
/// As [`graph_drawing`].
pub fn graph_drawing_with_groups(
    trace: &Trace,
    options: &DrawingOptions,
    groups: Option<Arc<KeyGroups>>,
) -> Result<GraphLayout, DrawingTooBig> {
    let graph = trace.graph();
    let scene_options = GraphOptions {
        compact: options.compact,
        expanded: options.expanded.clone(),
        ..GraphOptions::default()
    };
    let grouped = graph.len() > scene_options.group_threshold;
    let groups = grouped.then(|| {
        groups
            .filter(|g| g.groups_of_tasks().len() == graph.len())
            .unwrap_or_else(|| Arc::new(KeyGroups::new(graph, &TaskTimes::from_trace(trace))))
    });
    let any_expanded = groups
        .as_ref()
        .is_some_and(|g| options.expanded.iter().any(|name| g.find(name).is_some()));
    if let Some(g) = &groups {
        check_drawing_size(g, options)?;
        if g.drawn_nodes(&options.expanded, options.compact) > FULL_LAYOUT_LIMIT {
            let mut layout = simple_fallback(graph, options);
            layout.too_many_groups = true;
            return Ok(layout);
        }
    }
    match GraphScene::new(graph, Some(trace), &scene_options) {
        Ok(scene) => {
            let mut layout = GraphLayout::from_scene_shared(&scene, groups);
            layout.options = options.clone();
            Ok(layout)
        }
        Err(e) if any_expanded => Err(DrawingTooBig::LongEdges(e)),
        // Nothing the user chose made it too big: show every task in simple layers.
        Err(_) => Ok(simple_fallback(graph, options)),
    }
}

/// [`simple_layered_layout`], marked as the fallback made with `options`.
fn simple_fallback(graph: &Graph, options: &DrawingOptions) -> GraphLayout {
    let mut layout = simple_layered_layout(graph);
    layout.simple = true;
    layout.options = options.clone();
    layout
}

/// Node height of [`simple_layered_layout`].
pub const NODE_HEIGHT: f32 = 28.0;
/// Horizontal gap between neighbouring boxes.
pub const GAP_X: f32 = 16.0;
/// Vertical gap between layers.
pub const GAP_Y: f32 = 48.0;

/// The width of a box labelled `name`.
fn node_width(name: &str) -> f32 {
    (name.chars().count() as f32 * 7.0 + 20.0).clamp(48.0, 180.0)
}

/// A layered drawing: each task one layer below its deepest input, inputs on top.
///
/// Layers are longest-path layers (in a topological order; tasks on a cycle go
/// to one last layer). Within a layer tasks are ordered by the mean position of
/// their inputs (one barycentre sweep), then by id, and centred. Edges are
/// straight from the input's bottom to the user's top.
///
/// # Complexity
/// O(V log V + E) time, O(V + E) memory; no recursion.
pub fn simple_layered_layout(graph: &Graph) -> GraphLayout {
    let n = graph.len();
    let order: Vec<TaskId> = graph.topological_order().unwrap_or_else(|_| {
        // A cycle: order what Kahn's algorithm can, the rest by id.
        graph.tasks().collect()
    });
    let mut layer = vec![u32::MAX; n];
    let mut max_layer = 0;
    for &task in &order {
        let l = graph
            .deps(task)
            .iter()
            .filter_map(|d| layer.get(d.index()).copied().filter(|&l| l != u32::MAX))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        if let Some(slot) = layer.get_mut(task.index()) {
            *slot = l;
        }
        max_layer = max_layer.max(l);
    }
    let mut layers: Vec<Vec<TaskId>> = vec![Vec::new(); max_layer as usize + 1];
    for task in graph.tasks() {
        let l = layer.get(task.index()).copied().unwrap_or(0) as usize;
        if let Some(v) = layers.get_mut(l) {
            v.push(task);
        }
    }
    // x centre of each placed task, for the barycentre of the next layers.
    let mut center_x = vec![0f32; n];
    let mut nodes = Vec::with_capacity(n);
    for (l, tasks) in layers.iter_mut().enumerate() {
        let key = |t: &TaskId| {
            let deps = graph.deps(*t);
            if deps.is_empty() {
                return f32::MAX; // sources keep id order, after nothing
            }
            deps.iter()
                .map(|d| center_x.get(d.index()).copied().unwrap_or(0.0))
                .sum::<f32>()
                / deps.len() as f32
        };
        if l > 0 {
            tasks.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
        }
        let widths: Vec<f32> = tasks
            .iter()
            .map(|t| node_width(graph.name(*t).unwrap_or("")))
            .collect();
        let total: f32 = widths.iter().sum::<f32>() + GAP_X * widths.len().saturating_sub(1) as f32;
        let mut x = -total * 0.5;
        let y = l as f32 * (NODE_HEIGHT + GAP_Y);
        for (task, w) in tasks.iter().zip(&widths) {
            let rect = Rect::from_min_size(pos2(x, y), vec2(*w, NODE_HEIGHT));
            if let Some(c) = center_x.get_mut(task.index()) {
                *c = rect.center().x;
            }
            nodes.push(NodeBox::task_box(*task, rect));
            x += w + GAP_X;
        }
    }
    let layout = GraphLayout::new(nodes, Vec::new());
    let mut edges = Vec::with_capacity(graph.edge_count());
    for task in graph.tasks() {
        let (Some(to_i), Some(to)) = (layout.node_index_of(task), layout.node_of(task)) else {
            continue;
        };
        for &dep in graph.deps(task) {
            if let (Some(from_i), Some(from)) = (layout.node_index_of(dep), layout.node_of(dep)) {
                edges.push(EdgePath {
                    from: from_i,
                    to: to_i,
                    count: 1,
                    points: vec![from.rect.center_bottom(), to.rect.center_top()],
                });
            }
        }
    }
    GraphLayout::new(layout.nodes, edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{GraphBuilder, TaskState};

    fn diamond() -> Graph {
        let mut g = GraphBuilder::new();
        let a = g.add_task("a", "inc", [], TaskState::Done).unwrap();
        let b = g.add_task("b", "inc", [], TaskState::Done).unwrap();
        g.add_task("c", "add", [a, b], TaskState::Done).unwrap();
        g.build().unwrap()
    }

    #[test]
    fn layers_put_inputs_above_users() {
        let g = diamond();
        let layout = simple_layered_layout(&g);
        assert_eq!(layout.nodes().len(), 3);
        assert_eq!(layout.edges().len(), 2);
        let y = |t| layout.node_of(TaskId(t)).unwrap().rect.top();
        assert!((y(0) - y(1)).abs() < 1e-6);
        assert!(y(2) > y(0));
        // No two boxes overlap.
        let nodes = layout.nodes();
        for (i, a) in nodes.iter().enumerate() {
            for b in nodes.iter().skip(i + 1) {
                assert!(!a.rect.intersects(b.rect), "{a:?} {b:?}");
            }
        }
        // The user sits between its inputs (barycentre).
        let cx = |t| layout.node_of(TaskId(t)).unwrap().rect.center().x;
        assert!((cx(2) - f32::midpoint(cx(0), cx(1))).abs() < 1e-3);
        assert!(
            layout
                .bounds()
                .contains_rect(layout.node_of(TaskId(2)).unwrap().rect)
        );
    }

    #[test]
    fn long_chain_and_cycles_do_not_recurse_or_fail() {
        let n = 100_000;
        let mut b = GraphBuilder::with_capacity(n, n);
        let mut prev = None;
        for i in 0..n {
            prev = Some(
                b.add_task(&format!("t{i}"), "t", prev, TaskState::Done)
                    .unwrap(),
            );
        }
        let layout = simple_layered_layout(&b.build().unwrap());
        assert_eq!(layout.nodes().len(), n);
        let mut c = GraphBuilder::new();
        c.add_task("a", "a", [TaskId(1)], TaskState::Done).unwrap();
        c.add_task("b", "b", [TaskId(0)], TaskState::Done).unwrap();
        let layout = simple_layered_layout(&c.build().unwrap());
        assert_eq!(layout.nodes().len(), 2);
    }

    #[test]
    fn scene_layout_draws_tasks_and_their_output_boxes() {
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("a", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("b", "inc", [], TaskState::Done).unwrap();
        g.add_task("c", "add", [x, y], TaskState::Done).unwrap();
        let trace = b.build().unwrap();
        let layout = graph_layout(&trace);
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
        }
        // Compact: tasks only.
        let compact = graph_drawing(
            &trace,
            &DrawingOptions {
                compact: true,
                ..DrawingOptions::default()
            },
        )
        .unwrap();
        assert_eq!((compact.nodes().len(), compact.edges().len()), (3, 2));
        assert!(compact.options().compact);
    }

    #[test]
    fn big_graphs_are_grouped_and_groups_expand() {
        let trace = crate::synthetic::layered(1_200, 40, 4, 3).unwrap();
        let layout = graph_layout(&trace);
        let groups = layout.groups().unwrap();
        assert_eq!(groups.len(), 6);
        assert_eq!(layout.nodes().len(), 6);
        assert!(
            layout
                .nodes()
                .iter()
                .all(|n| matches!(n.kind, NodeKind::Group(_)))
        );
        let load = layout.group_node("load").unwrap();
        assert_eq!(layout.shown_node(TaskId(0)), Some(load));
        assert_eq!(layout.node_of(TaskId(0)), None);
        assert_eq!(layout.label(0)[0], "load");
        assert!(!layout.in_expanded_group(TaskId(0)));

        let options = DrawingOptions {
            compact: false,
            expanded: ["load".to_owned()].into(),
        };
        let open = graph_drawing(&trace, &options).unwrap();
        let load_tasks = open.groups().unwrap().get(0).unwrap().tasks;
        assert_eq!(open.nodes().len(), 5 + 2 * load_tasks);
        assert!(open.group_node("load").is_none());
        assert!(open.group_node("parse").is_some());
        assert_eq!(
            open.node_of(TaskId(0)).unwrap().kind,
            NodeKind::Task(TaskId(0))
        );
        assert!(open.in_expanded_group(TaskId(0)));
        // The load tasks each feed the parse group: edges weighted by dependencies.
        let parse_node = open.group_node("parse").unwrap();
        let into_parse: u64 = open
            .edges()
            .iter()
            .filter(|e| open.nodes()[e.to as usize] == *parse_node)
            .map(|e| e.count)
            .sum();
        let parse_deps: usize = trace
            .graph()
            .tasks()
            .filter(|&t| open.group_name_of(t) == Some("parse"))
            .flat_map(|t| trace.graph().deps(t))
            .filter(|&&d| open.group_name_of(d) != Some("parse"))
            .count();
        assert_eq!(into_parse, parse_deps as u64);
        // A parse task is still shown by its group.
        let parse_task = TaskId(40);
        assert_eq!(open.group_name_of(parse_task), Some("parse"));
        assert_eq!(open.shown_node(parse_task), open.group_node("parse"));
        assert_eq!(open.options(), &options);
    }

    #[test]
    fn too_big_drawings_fall_back_or_are_refused() {
        // 20,001 tasks, each its own group (keys without a dash): too many groups.
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        for i in 0..20_001 {
            b.graph_mut()
                .add_task(&format!("k{i}"), "k", [], TaskState::Done)
                .unwrap();
        }
        let layout = graph_layout(&b.build().unwrap());
        assert!(layout.is_simple());
        assert_eq!(layout.nodes().len(), 20_001);

        // One group of 10,001 tasks: expanding it with output boxes is 20,002 nodes.
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        for i in 0..10_001 {
            b.graph_mut()
                .add_task(&format!("x-{i}"), "x", [], TaskState::Done)
                .unwrap();
        }
        b.graph_mut()
            .add_task("y-0", "y", [TaskId(0)], TaskState::Done)
            .unwrap();
        let trace = b.build().unwrap();
        let mut options = DrawingOptions {
            compact: false,
            expanded: ["x".to_owned()].into(),
        };
        let err = graph_drawing(&trace, &options).unwrap_err();
        assert_eq!(
            err,
            DrawingTooBig::Nodes {
                nodes: 20_003,
                limit: FULL_LAYOUT_LIMIT
            }
        );
        assert!(err.to_string().contains("20003 nodes"), "{err}");
        // Compact, it fits.
        options.compact = true;
        let layout = graph_drawing(&trace, &options).unwrap();
        assert_eq!(layout.nodes().len(), 10_002);
    }

    /// `config-0`, then `steps` tasks `step-i` each using `config-0` and `step-(i-1)`.
    fn chain_with_config(steps: usize) -> Trace {
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        let g = b.graph_mut();
        let config = g
            .add_task("config-0", "config", [], TaskState::Done)
            .unwrap();
        let mut prev: Option<TaskId> = None;
        for i in 0..steps {
            let deps: Vec<TaskId> = std::iter::once(config).chain(prev).collect();
            prev = Some(
                g.add_task(&format!("step-{i}"), "step", deps, TaskState::Done)
                    .unwrap(),
            );
        }
        b.build().unwrap()
    }

    #[test]
    fn expanding_a_chain_whose_edges_need_too_many_dummies_is_refused() {
        let trace = chain_with_config(2_000);
        // Collapsed: two groups.
        let collapsed = graph_drawing(&trace, &DrawingOptions::default()).unwrap();
        assert_eq!(collapsed.nodes().len(), 2);
        assert!(!collapsed.is_simple());
        // Expanded: 4,001 nodes (under FULL_LAYOUT_LIMIT) but ~4 million dummies.
        let options = DrawingOptions {
            compact: false,
            expanded: ["step".to_owned()].into(),
        };
        let groups = KeyGroups::new(trace.graph(), &TaskTimes::from_trace(&trace));
        assert_eq!(check_drawing_size(&groups, &options), Ok(()));
        let err = graph_drawing(&trace, &options).unwrap_err();
        let DrawingTooBig::LongEdges(e) = err else {
            panic!("{err:?}");
        };
        assert_eq!(e.nodes, 4_001);
        assert!(e.dummies > 3_000_000, "{e:?}");
        assert!(err.to_string().contains("collapse other groups"), "{err}");
    }

    #[test]
    fn an_ungrouped_graph_too_long_for_the_layout_falls_back_to_simple_layers() {
        // 300 tasks, each using every earlier one: millions of dummies in Dask's look.
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        for i in 0..300u32 {
            b.graph_mut()
                .add_task(&format!("t-{i}"), "t", (0..i).map(TaskId), TaskState::Done)
                .unwrap();
        }
        let trace = b.build().unwrap();
        let layout = graph_drawing(&trace, &DrawingOptions::default()).unwrap();
        assert!(layout.is_simple());
        assert_eq!(layout.nodes().len(), 300);
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
        let layout = simple_layered_layout(&Graph::default());
        assert!(layout.nodes().is_empty());
        assert!(layout.bounds().width() > 0.0);
        assert!(layout.node_of(TaskId(0)).is_none());
    }
}
