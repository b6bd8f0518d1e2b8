//! The drawing the graph view shows: node boxes and edge polylines in layout units.
//!
//! [`GraphLayout`] is what a layout engine fills in; the view only pans, zooms,
//! culls and paints it. [`GraphLayout::from_scene`] converts the `taskscope_layout`
//! crate's drawing (the same picture `visualize()` exports, in Dask's style);
//! [`simple_layered_layout`] is a small built-in engine — longest-path layers and
//! one barycentre sweep, straight edges — for graphs too big for the full layout.

use egui::{Pos2, Rect, pos2, vec2};
use taskscope_layout::{GraphOptions, GraphScene, Point, SceneNodeKind};
use taskscope_trace::{Graph, TaskId, Trace};

/// One task's box in layout units (1 unit = 1 point at zoom 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeBox {
    /// The task.
    pub task: TaskId,
    /// Where it is drawn.
    pub rect: Rect,
}

/// One dependency edge as a polyline from the input's box to the user's box.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgePath {
    /// The input task (the edge leaves it).
    pub from: TaskId,
    /// The task using it (the edge enters it; the arrowhead is here).
    pub to: TaskId,
    /// At least two points, in layout units.
    pub points: Vec<Pos2>,
}

/// A laid-out graph: boxes, edges, and lookups by task.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphLayout {
    nodes: Vec<NodeBox>,
    edges: Vec<EdgePath>,
    edge_bounds: Vec<Rect>,
    node_of_task: Vec<u32>,
    bounds: Rect,
}

impl Default for GraphLayout {
    fn default() -> Self {
        Self::new(Vec::new(), Vec::new())
    }
}

impl GraphLayout {
    /// A layout from boxes and edges computed by any layout engine.
    ///
    /// # Complexity
    /// O(N + total edge points).
    pub fn new(nodes: Vec<NodeBox>, edges: Vec<EdgePath>) -> Self {
        let max_task = nodes.iter().map(|n| n.task.index() + 1).max().unwrap_or(0);
        let mut node_of_task = vec![u32::MAX; max_task];
        let mut bounds = Rect::NOTHING;
        for (i, node) in nodes.iter().enumerate() {
            if let Some(slot) = node_of_task.get_mut(node.task.index()) {
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
            edges,
            edge_bounds,
            node_of_task,
            bounds,
        }
    }

    /// The drawing of `scene`: one box per task node, one polyline per edge between
    /// task nodes (curves are flattened into 8 segments each). Output boxes and groups
    /// of a scene made with other options are left out.
    ///
    /// # Complexity
    /// O(N + total curve segments).
    pub fn from_scene(scene: &GraphScene) -> Self {
        let point = |p: Point| pos2(p.x as f32, p.y as f32);
        let task_of = |i: usize| match scene.nodes.get(i).map(|n| &n.kind) {
            Some(SceneNodeKind::Task(t)) => Some(*t),
            _ => None,
        };
        let nodes = scene
            .layout
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, placement)| {
                let task = task_of(i)?;
                let rect = Rect::from_center_size(
                    point(placement.center),
                    vec2(placement.width as f32, placement.height as f32),
                );
                Some(NodeBox { task, rect })
            })
            .collect();
        let edges = scene
            .edges
            .iter()
            .zip(&scene.layout.edges)
            .filter_map(|(edge, route)| {
                let (from, to) = (task_of(edge.from)?, task_of(edge.to)?);
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
                (points.len() >= 2).then_some(EdgePath { from, to, points })
            })
            .collect();
        Self::new(nodes, edges)
    }

    /// All boxes.
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

    /// The box of `task`, if it is drawn.
    pub fn node_of(&self, task: TaskId) -> Option<&NodeBox> {
        let i = *self.node_of_task.get(task.index())?;
        self.nodes.get(i as usize)
    }

    /// The bounding box of the whole drawing.
    pub fn bounds(&self) -> Rect {
        self.bounds
    }
}

/// Graphs with more tasks than this get [`simple_layered_layout`] instead of the full layout.
pub const FULL_LAYOUT_LIMIT: usize = 20_000;

/// The drawing of `trace`'s graph for the view: the layout crate's Dask-style
/// drawing (every task, no output boxes) up to [`FULL_LAYOUT_LIMIT`] tasks, else
/// [`simple_layered_layout`].
pub fn graph_layout(trace: &Trace) -> GraphLayout {
    let graph = trace.graph();
    if graph.len() > FULL_LAYOUT_LIMIT {
        return simple_layered_layout(graph);
    }
    let options = GraphOptions {
        compact: true,
        full: true,
        ..GraphOptions::default()
    };
    GraphLayout::from_scene(&GraphScene::new(graph, Some(trace), &options))
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
            nodes.push(NodeBox { task: *task, rect });
            x += w + GAP_X;
        }
    }
    let layout = GraphLayout::new(nodes, Vec::new());
    let mut edges = Vec::with_capacity(graph.edge_count());
    for task in graph.tasks() {
        let Some(to) = layout.node_of(task) else {
            continue;
        };
        for &dep in graph.deps(task) {
            if let Some(from) = layout.node_of(dep) {
                edges.push(EdgePath {
                    from: dep,
                    to: task,
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
    fn scene_layout_has_every_task_and_edge() {
        let mut b = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("a", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("b", "inc", [], TaskState::Done).unwrap();
        g.add_task("c", "add", [x, y], TaskState::Done).unwrap();
        let trace = b.build().unwrap();
        let layout = graph_layout(&trace);
        assert_eq!(layout.nodes().len(), 3);
        assert_eq!(layout.edges().len(), 2);
        // Dask's direction: the consumer above its inputs; edges end at the consumer.
        let y = |t| layout.node_of(TaskId(t)).unwrap().rect.center().y;
        assert!(y(2) < y(0) && (y(0) - y(1)).abs() < 1e-3);
        for e in layout.edges() {
            let end = *e.points.last().unwrap();
            let target = layout.node_of(e.to).unwrap().rect.expand(1.0);
            assert!(target.contains(end), "{end:?} not on {target:?}");
        }
    }

    #[test]
    fn empty_graph_has_unit_bounds() {
        let layout = simple_layered_layout(&Graph::default());
        assert!(layout.nodes().is_empty());
        assert!(layout.bounds().width() > 0.0);
        assert!(layout.node_of(TaskId(0)).is_none());
    }
}
