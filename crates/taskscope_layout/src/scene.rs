//! From a task graph (and optionally its trace) to a styled drawing.
//!
//! A [`GraphScene`] decides *what* is drawn: which nodes (tasks, their output
//! boxes, or one node per group of tasks), their labels, tooltips, sizes and
//! colours, the legend and the title; then it lays them out with
//! [`crate::layout`]. The exporters ([`crate::GraphSvg`], [`crate::GraphDot`],
//! [`crate::render_png`]) only draw a scene; they decide nothing.
//!
//! The default look is Dask's `visualize()`: every task an ellipse (a circle
//! for short names) labelled with its function name, its output an
//! unlabelled box, edges from each output to the tasks that use it, inputs at
//! the bottom. Above [`GraphOptions::group_threshold`] tasks, tasks are
//! collapsed by key prefix ([`crate::key_split`]) into one node per group;
//! the groups named in [`GraphOptions::expanded`] are drawn task by task among
//! the others.

use std::collections::{BTreeMap, BTreeSet};

use taskscope_trace::{Graph, LaneId, SpanKind, TaskId, TaskState, Trace};

use crate::dot::DotOptions;
use crate::font::{line_height, text_width};
use crate::keysplit::key_split;
use crate::layered::{
    Layout, LayoutGraph, LayoutNodeId, LayoutOptions, LayoutTooLarge, RankDir, layout,
};
use crate::png::PngOptions;
use crate::theme::{self, Rgb};
use crate::units::{format_count, format_duration_ns};

/// How nodes are filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ColorBy {
    /// White, as Dask draws them.
    #[default]
    None,
    /// By measured compute time (needs a trace), in six bins from short to long.
    Duration,
    /// By state: done, failed, cancelled, not run.
    State,
    /// By the lane (worker) that ran the task (needs a trace).
    Lane,
}

/// Everything that shapes a graph picture. `GraphOptions::default()` gives Dask's look.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphOptions {
    /// Spacing, rank direction (bottom to top by default) and effort of the layout.
    pub layout: LayoutOptions,
    /// Tasks only: no output boxes.
    pub compact: bool,
    /// How nodes are filled.
    pub color_by: ColorBy,
    /// Tasks to outline (e.g. the critical path); their edges between each other too.
    /// In a grouped drawing, a group is outlined when it holds a highlighted task.
    pub highlight: Vec<TaskId>,
    /// A title drawn above the graph.
    pub title: Option<String>,
    /// Above this many tasks, tasks are collapsed into groups by key prefix.
    pub group_threshold: usize,
    /// Draw every task even above `group_threshold`.
    pub full: bool,
    /// In a grouped drawing, the groups (key prefixes, as [`crate::key_split`] gives
    /// them) drawn task by task, each task with its output box unless `compact`;
    /// the other groups stay collapsed. Names that match no group are ignored.
    pub expanded: BTreeSet<String>,
    /// Label font size, in px.
    pub font_size: f64,
    /// DOT output settings.
    pub dot: DotOptions,
    /// PNG output settings.
    pub png: PngOptions,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            layout: LayoutOptions::default(),
            compact: false,
            color_by: ColorBy::None,
            highlight: Vec::new(),
            title: None,
            group_threshold: 1_000,
            full: false,
            expanded: BTreeSet::new(),
            font_size: 14.0,
            dot: DotOptions::default(),
            png: PngOptions::default(),
        }
    }
}

impl GraphOptions {
    /// Sets the direction edges point in.
    pub fn with_rank_dir(mut self, rank_dir: RankDir) -> Self {
        self.layout.rank_dir = rank_dir;
        self
    }

    /// Tasks only, without output boxes.
    pub fn with_compact(mut self, compact: bool) -> Self {
        self.compact = compact;
        self
    }

    /// Sets how nodes are filled.
    pub fn with_color_by(mut self, color_by: ColorBy) -> Self {
        self.color_by = color_by;
        self
    }

    /// Outlines these tasks (e.g. a critical path).
    pub fn with_highlight(mut self, tasks: impl IntoIterator<Item = TaskId>) -> Self {
        self.highlight = tasks.into_iter().collect();
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Draws every task, however many there are.
    pub fn with_full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// In a grouped drawing, draws these groups task by task.
    pub fn with_expanded<S: Into<String>>(mut self, groups: impl IntoIterator<Item = S>) -> Self {
        self.expanded = groups.into_iter().map(Into::into).collect();
        self
    }
}

/// What a scene node stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SceneNodeKind {
    /// A task (drawn as an ellipse or circle).
    Task(TaskId),
    /// The output of a task (an unlabelled box).
    Output(TaskId),
    /// Several tasks sharing a key prefix.
    Group {
        /// The key prefix.
        name: String,
        /// How many tasks it stands for.
        tasks: usize,
    },
}

/// The outline of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeShape {
    /// A circle (width = height).
    Circle,
    /// An ellipse filling the node's box.
    Ellipse,
    /// A rectangle.
    Box,
}

/// One node of a [`GraphScene`].
#[derive(Clone, Debug, PartialEq)]
pub struct SceneNode {
    /// What it stands for.
    pub kind: SceneNodeKind,
    /// Stable identifier, used as the DOT node id and SVG element id (`t12`, `o12`, `g3`).
    pub id: String,
    /// Its outline.
    pub shape: NodeShape,
    /// Label lines (none for output boxes).
    pub label: Vec<String>,
    /// Tooltip lines (key, duration, lane, state…).
    pub tooltip: Vec<String>,
    /// Fill colour.
    pub fill: Rgb,
    /// Outlined as part of the highlighted set.
    pub highlighted: bool,
    /// Width, in px.
    pub width: f64,
    /// Height, in px.
    pub height: f64,
}

/// One edge of a [`GraphScene`], from an input to its consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SceneEdge {
    /// Index of the source node in [`GraphScene::nodes`].
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// How many task dependencies it stands for (1 unless grouped).
    pub count: u64,
    /// Both ends are highlighted.
    pub highlighted: bool,
}

/// The colour key of a picture.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Legend {
    /// What the colours mean, e.g. `duration`.
    pub title: String,
    /// Swatches with their labels, in display order.
    pub entries: Vec<(Rgb, String)>,
}

/// A styled, laid-out task graph, ready for an exporter.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphScene {
    /// Nodes, in layout order.
    pub nodes: Vec<SceneNode>,
    /// Edges, in layout order (`layout.edges[i]` is the route of `edges[i]`).
    pub edges: Vec<SceneEdge>,
    /// The colour key, if nodes are coloured.
    pub legend: Option<Legend>,
    /// The title, if any.
    pub title: Option<String>,
    /// Tasks were collapsed into groups.
    pub grouped: bool,
    /// How many tasks the graph has.
    pub task_count: usize,
    /// Label font size, in px.
    pub font_size: f64,
    /// Rank direction the layout used.
    pub rank_dir: RankDir,
    /// Where everything went.
    pub layout: Layout,
}

/// Facts about each task taken from the trace.
struct TaskFacts {
    /// Summed compute time, `None` for tasks without a compute span.
    duration_ns: Vec<Option<u64>>,
    /// Lane of the earliest compute span.
    lane: Vec<Option<(u64, LaneId)>>,
}

impl TaskFacts {
    fn new(len: usize, trace: Option<&Trace>) -> Self {
        let mut duration_ns: Vec<Option<u64>> = vec![None; len];
        let mut lane: Vec<Option<(u64, LaneId)>> = vec![None; len];
        if let Some(trace) = trace {
            for span in trace.spans() {
                if span.kind != SpanKind::Compute {
                    continue;
                }
                let t = span.task.index();
                if let Some(d) = duration_ns.get_mut(t) {
                    *d = Some(d.unwrap_or(0).saturating_add(span.duration_ns()));
                }
                if let Some(l) = lane.get_mut(t)
                    && l.is_none_or(|(start, _)| span.start_ns < start)
                {
                    *l = Some((span.start_ns, span.lane));
                }
            }
        }
        Self { duration_ns, lane }
    }

    fn duration(&self, t: TaskId) -> Option<u64> {
        self.duration_ns.get(t.index()).copied().flatten()
    }

    fn lane(&self, t: TaskId) -> Option<LaneId> {
        self.lane.get(t.index()).copied().flatten().map(|(_, l)| l)
    }
}

/// The display name of a lane: `process / name`, or `lane N` when unnamed.
pub fn lane_label(trace: &Trace, lane: LaneId) -> String {
    match trace.lane(lane) {
        Some(l) if !l.name.is_empty() && !l.process.is_empty() => {
            format!("{} / {}", l.process, l.name)
        }
        Some(l) if !l.name.is_empty() => l.name.clone(),
        Some(l) if !l.process.is_empty() => format!("{} / lane {}", l.process, lane.0),
        _ => format!("lane {}", lane.0),
    }
}

/// A one-line summary of a run for titles: `sum — 8 tasks on 2 lanes, 4.00 s wall`.
pub fn run_summary(trace: &Trace) -> String {
    let meta = trace.meta();
    let mut out = meta.title.clone().unwrap_or_else(|| "run".to_owned());
    out.push_str(" — ");
    out.push_str(&format_count(trace.graph().len() as u64));
    out.push_str(" tasks on ");
    out.push_str(&format_count(trace.lanes().len() as u64));
    out.push_str(if trace.lanes().len() == 1 {
        " lane"
    } else {
        " lanes"
    });
    if let Some(s) = &meta.scheduler {
        out.push_str(" (");
        out.push_str(s);
        out.push(')');
    }
    out.push_str(", ");
    out.push_str(&format_duration_ns(trace.wall_ns()));
    out.push_str(" wall");
    out
}

/// What a node's fill is computed from.
#[derive(Clone, Copy)]
struct NodeFacts {
    duration_ns: Option<u64>,
    state: Option<TaskState>,
    lane: Option<LaneId>,
}

impl GraphScene {
    /// Builds and lays out the picture of `graph`.
    ///
    /// `trace`, when given, must be the trace `graph` belongs to (task ids are
    /// shared); it supplies durations and lanes for colours and tooltips.
    ///
    /// # Complexity
    /// O(V + E log E + S) to build, plus [`crate::layout`].
    ///
    /// # Errors
    /// [`LayoutTooLarge`] when the drawing's long edges would need more dummy
    /// nodes than [`LayoutOptions::max_total_nodes`] allows (nothing big is allocated).
    pub fn new(
        graph: &Graph,
        trace: Option<&Trace>,
        options: &GraphOptions,
    ) -> Result<Self, LayoutTooLarge> {
        let facts = TaskFacts::new(graph.len(), trace);
        let mut highlight = options.highlight.clone();
        highlight.sort_unstable();
        highlight.dedup();
        let is_hl = |t: TaskId| highlight.binary_search(&t).is_ok();
        let grouped = !options.full && graph.len() > options.group_threshold;

        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut node_facts = Vec::new();
        if grouped {
            build_groups(
                &TaskContext {
                    graph,
                    trace,
                    facts: &facts,
                    is_hl: &is_hl,
                    compact: options.compact,
                },
                &options.expanded,
                &mut nodes,
                &mut edges,
                &mut node_facts,
            );
        } else {
            build_tasks(
                &TaskContext {
                    graph,
                    trace,
                    facts: &facts,
                    is_hl: &is_hl,
                    compact: options.compact,
                },
                &mut nodes,
                &mut edges,
                &mut node_facts,
            );
        }
        let legend = paint(&mut nodes, &node_facts, options.color_by, trace);
        size_nodes(&mut nodes, options.font_size);

        let mut lg = LayoutGraph::with_capacity(nodes.len(), edges.len());
        for n in &nodes {
            lg.add_node(n.width, n.height);
        }
        for e in &edges {
            // Indices come from the builders above and are always in range.
            let _ = lg.add_edge(LayoutNodeId(e.from as u32), LayoutNodeId(e.to as u32));
        }
        let layout = layout(&lg, &options.layout)?;
        Ok(Self {
            nodes,
            edges,
            legend,
            title: options.title.clone(),
            grouped,
            task_count: graph.len(),
            font_size: options.font_size,
            rank_dir: options.layout.rank_dir,
            layout,
        })
    }
}

/// What drawing one task needs.
struct TaskContext<'a> {
    graph: &'a Graph,
    trace: Option<&'a Trace>,
    facts: &'a TaskFacts,
    is_hl: &'a dyn Fn(TaskId) -> bool,
    /// No output boxes.
    compact: bool,
}

impl TaskContext<'_> {
    /// Adds `t`'s node, and its output box and the edge to it unless `compact`.
    /// Returns the index of the node its users' edges start from (the box, or the
    /// task when compact).
    fn push_task(
        &self,
        t: TaskId,
        nodes: &mut Vec<SceneNode>,
        edges: &mut Vec<SceneEdge>,
        node_facts: &mut Vec<NodeFacts>,
    ) -> usize {
        let (graph, facts) = (self.graph, self.facts);
        let key = graph.key(t).unwrap_or("");
        let name = match graph.name(t) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => key_split(key),
        };
        let state = graph.state(t);
        let mut tooltip = vec![key.to_owned()];
        if name != key {
            tooltip.push(format!("function: {name}"));
        }
        if let Some(d) = facts.duration(t) {
            tooltip.push(format!("duration: {}", format_duration_ns(d)));
        }
        if let (Some(trace), Some(lane)) = (self.trace, facts.lane(t)) {
            tooltip.push(format!("lane: {}", lane_label(trace, lane)));
        }
        if let Some(s) = state {
            tooltip.push(format!("state: {}", s.as_str().replace('_', " ")));
        }
        let hl = (self.is_hl)(t);
        nodes.push(SceneNode {
            kind: SceneNodeKind::Task(t),
            id: format!("t{}", t.0),
            shape: NodeShape::Ellipse,
            label: vec![name],
            tooltip,
            fill: theme::NODE_FILL,
            highlighted: hl,
            width: 0.0,
            height: 0.0,
        });
        node_facts.push(NodeFacts {
            duration_ns: facts.duration(t),
            state,
            lane: facts.lane(t),
        });
        let task_node = nodes.len() - 1;
        if self.compact {
            return task_node;
        }
        nodes.push(SceneNode {
            kind: SceneNodeKind::Output(t),
            id: format!("o{}", t.0),
            shape: NodeShape::Box,
            label: Vec::new(),
            tooltip: vec![format!("output of {key}")],
            fill: theme::NODE_FILL,
            highlighted: hl,
            width: 0.0,
            height: 0.0,
        });
        node_facts.push(NodeFacts {
            duration_ns: None,
            state: None,
            lane: None,
        });
        edges.push(SceneEdge {
            from: task_node,
            to: task_node + 1,
            count: 1,
            highlighted: hl,
        });
        task_node + 1
    }
}

/// One node per task (and one box per output unless `compact`).
fn build_tasks(
    cx: &TaskContext<'_>,
    nodes: &mut Vec<SceneNode>,
    edges: &mut Vec<SceneEdge>,
    node_facts: &mut Vec<NodeFacts>,
) {
    let graph = cx.graph;
    // Task t is node `stride * t`, its output box `stride * t + 1`.
    let stride = if cx.compact { 1 } else { 2 };
    for t in graph.tasks() {
        cx.push_task(t, nodes, edges, node_facts);
    }
    for t in graph.tasks() {
        for &d in graph.deps(t) {
            let from = d.index() * stride + (stride - 1);
            let to = t.index() * stride;
            edges.push(SceneEdge {
                from,
                to,
                count: 1,
                highlighted: (cx.is_hl)(t) && (cx.is_hl)(d),
            });
        }
    }
}

/// What a group of tasks adds up to.
#[derive(Default)]
struct Group {
    name: String,
    tasks: usize,
    total_ns: u64,
    timed: usize,
    /// Tasks per state: done, failed, cancelled, not run.
    states: [usize; 4],
    lanes: BTreeMap<LaneId, usize>,
    highlighted: bool,
    inner_edges: u64,
}

impl Group {
    fn add(&mut self, t: TaskId, graph: &Graph, facts: &TaskFacts, highlighted: bool) {
        self.tasks += 1;
        if let Some(d) = facts.duration(t) {
            self.total_ns = self.total_ns.saturating_add(d);
            self.timed += 1;
        }
        let slot = match graph.state(t).unwrap_or_default() {
            TaskState::Done => 0,
            TaskState::Failed => 1,
            TaskState::Cancelled => 2,
            TaskState::NotRun => 3,
        };
        self.states[slot] += 1;
        if let Some(l) = facts.lane(t) {
            *self.lanes.entry(l).or_default() += 1;
        }
        self.highlighted |= highlighted;
    }

    /// The scene node of group number `i`, with the facts its colour comes from.
    fn into_node(self, i: usize) -> (SceneNode, NodeFacts) {
        let count = format_count(self.tasks as u64);
        let mut second = format!("{count} task{}", if self.tasks == 1 { "" } else { "s" });
        let mut tooltip = vec![format!("{}: {count} tasks", self.name)];
        if self.timed > 0 {
            second.push_str(", ");
            second.push_str(&format_duration_ns(self.total_ns));
            tooltip.push(format!("total time: {}", format_duration_ns(self.total_ns)));
        }
        for (n, word) in self
            .states
            .iter()
            .zip(["done", "failed", "cancelled", "not run"])
        {
            if *n > 0 && *n < self.tasks {
                tooltip.push(format!("{word}: {}", format_count(*n as u64)));
            }
        }
        if self.inner_edges > 0 {
            tooltip.push(format!(
                "{} dependencies inside the group",
                format_count(self.inner_edges)
            ));
        }
        // The worst state present: failed, then cancelled, then not run.
        let state = if self.states[1] > 0 {
            TaskState::Failed
        } else if self.states[2] > 0 {
            TaskState::Cancelled
        } else if self.states[3] > 0 {
            TaskState::NotRun
        } else {
            TaskState::Done
        };
        // The lane that ran most of its tasks (lowest id on ties).
        let lane = self
            .lanes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(&l, _)| l);
        let facts = NodeFacts {
            duration_ns: (self.timed > 0).then_some(self.total_ns),
            state: Some(state),
            lane,
        };
        let node = SceneNode {
            kind: SceneNodeKind::Group {
                name: self.name.clone(),
                tasks: self.tasks,
            },
            id: format!("g{i}"),
            shape: NodeShape::Ellipse,
            label: vec![self.name, second],
            tooltip,
            fill: theme::NODE_FILL,
            highlighted: self.highlighted,
            width: 0.0,
            height: 0.0,
        };
        (node, facts)
    }
}

/// Where a task's edges attach in a grouped drawing.
#[derive(Clone, Copy, Default)]
struct Ends {
    /// The node edges from its inputs enter (the task, or its collapsed group).
    input: u32,
    /// The node edges to its users leave (its output box or task, or its group).
    output: u32,
}

/// One node per key prefix, except that the groups in `expanded` are drawn task by
/// task; edges between nodes weighted by how many dependencies they stand for.
///
/// Nodes come in order of each group's first task; an expanded group's tasks in id
/// order where its node would be. Edges are sorted by (from, to), each task's edge
/// to its own output box among them.
///
/// # Complexity
/// O(V × (key length + log G) + E log E) time for V tasks, E dependencies and G
/// groups (key splitting and the name lookup per task, then sorting the edge pairs
/// to merge parallel ones), O(V + E) memory. Every task is visited whatever is
/// expanded; the drawn nodes are O(G + expanded tasks).
fn build_groups(
    cx: &TaskContext<'_>,
    expanded: &BTreeSet<String>,
    nodes: &mut Vec<SceneNode>,
    edges: &mut Vec<SceneEdge>,
    node_facts: &mut Vec<NodeFacts>,
) {
    let graph = cx.graph;
    // Groups are numbered in order of first appearance, so ids are stable.
    let mut index: BTreeMap<String, u32> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: Vec<u32> = Vec::with_capacity(graph.len());
    for t in graph.tasks() {
        let name = key_split(graph.key(t).unwrap_or(""));
        let g = *index.entry(name.clone()).or_insert_with(|| {
            groups.push(Group {
                name,
                ..Group::default()
            });
            groups.len() as u32 - 1
        });
        group_of.push(g);
        if let Some(group) = groups.get_mut(g as usize) {
            group.add(t, graph, cx.facts, (cx.is_hl)(t));
        }
    }
    for (t, &gt) in graph.tasks().zip(&group_of) {
        let inner = graph
            .deps(t)
            .iter()
            .filter(|d| group_of.get(d.index()) == Some(&gt))
            .count();
        if let Some(g) = groups.get_mut(gt as usize) {
            g.inner_edges += inner as u64;
        }
    }
    let is_expanded: Vec<bool> = groups.iter().map(|g| expanded.contains(&g.name)).collect();
    let mut members: Vec<Vec<TaskId>> = vec![Vec::new(); groups.len()];
    for (t, &g) in graph.tasks().zip(&group_of) {
        if is_expanded.get(g as usize).copied().unwrap_or(false)
            && let Some(m) = members.get_mut(g as usize)
        {
            m.push(t);
        }
    }

    // Nodes, and where each task's edges attach.
    let mut ends = vec![Ends::default(); graph.len()];
    let mut own_edges = Vec::new();
    let mut group_node = vec![u32::MAX; groups.len()];
    for (g, group) in groups.iter_mut().enumerate() {
        let Some(tasks) = members.get(g).filter(|m| !m.is_empty()) else {
            if let Some(slot) = group_node.get_mut(g) {
                *slot = nodes.len() as u32;
            }
            let (node, f) = std::mem::take(group).into_node(g);
            nodes.push(node);
            node_facts.push(f);
            continue;
        };
        for &t in tasks {
            let input = nodes.len() as u32;
            let output = cx.push_task(t, nodes, &mut own_edges, node_facts) as u32;
            if let Some(e) = ends.get_mut(t.index()) {
                *e = Ends { input, output };
            }
        }
    }
    for (t, &g) in graph.tasks().zip(&group_of) {
        if let (Some(e), Some(&n)) = (ends.get_mut(t.index()), group_node.get(g as usize))
            && n != u32::MAX
        {
            *e = Ends {
                input: n,
                output: n,
            };
        }
    }

    let mut pairs: Vec<(u32, u32, bool)> = Vec::with_capacity(graph.edge_count());
    for t in graph.tasks() {
        let to = ends.get(t.index()).map_or(0, |e| e.input);
        for &d in graph.deps(t) {
            let from = ends.get(d.index()).map_or(0, |e| e.output);
            if from == to {
                // Inside one collapsed group (counted in its tooltip above).
                continue;
            }
            pairs.push((from, to, (cx.is_hl)(t) && (cx.is_hl)(d)));
        }
    }
    pairs.extend(
        own_edges
            .iter()
            .map(|e| (e.from as u32, e.to as u32, e.highlighted)),
    );
    pairs.sort_unstable();
    for run in pairs.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let Some(&(from, to, _)) = run.first() else {
            continue;
        };
        edges.push(SceneEdge {
            from: from as usize,
            to: to as usize,
            count: run.len() as u64,
            highlighted: run.iter().any(|p| p.2),
        });
    }
}

/// Fills nodes according to `color_by` and returns the legend. Output boxes stay white.
fn paint(
    nodes: &mut [SceneNode],
    facts: &[NodeFacts],
    color_by: ColorBy,
    trace: Option<&Trace>,
) -> Option<Legend> {
    let painted = nodes
        .iter_mut()
        .zip(facts)
        .filter(|(n, _)| !matches!(n.kind, SceneNodeKind::Output(_)));
    match color_by {
        ColorBy::None => None,
        ColorBy::State => Some(paint_state(painted)),
        ColorBy::Lane => Some(paint_lane(painted, trace)),
        ColorBy::Duration => Some(paint_duration(painted.collect())),
    }
}

fn paint_state<'a>(nodes: impl Iterator<Item = (&'a mut SceneNode, &'a NodeFacts)>) -> Legend {
    let states = [
        TaskState::Done,
        TaskState::Failed,
        TaskState::Cancelled,
        TaskState::NotRun,
    ];
    let mut seen = [false; 4];
    for (n, f) in nodes {
        let s = f.state.unwrap_or_default();
        n.fill = theme::state_color(s);
        if let Some(i) = states.iter().position(|&x| x == s) {
            seen[i] = true;
        }
    }
    let entries = states
        .iter()
        .zip(seen)
        .filter(|(_, s)| *s)
        .map(|(&st, _)| (theme::state_color(st), st.as_str().replace('_', " ")))
        .collect();
    Legend {
        title: "state".to_owned(),
        entries,
    }
}

/// Most lanes listed in a legend.
const MAX_LANE_ENTRIES: usize = 16;

fn paint_lane<'a>(
    nodes: impl Iterator<Item = (&'a mut SceneNode, &'a NodeFacts)>,
    trace: Option<&Trace>,
) -> Legend {
    let mut used: Vec<LaneId> = Vec::new();
    let mut missing = false;
    for (n, f) in nodes {
        if let Some(l) = f.lane {
            n.fill = theme::palette_color(l.index());
            used.push(l);
        } else {
            n.fill = theme::NODE_NO_DATA;
            missing = true;
        }
    }
    used.sort_unstable();
    used.dedup();
    let mut entries: Vec<(Rgb, String)> = used
        .iter()
        .take(MAX_LANE_ENTRIES)
        .map(|&l| {
            let label = trace.map_or_else(|| format!("lane {}", l.0), |t| lane_label(t, l));
            (theme::palette_color(l.index()), label)
        })
        .collect();
    if used.len() > MAX_LANE_ENTRIES {
        let more = used.len() - MAX_LANE_ENTRIES;
        entries.push((theme::BACKGROUND, format!("… {more} more lanes")));
    }
    if missing {
        entries.push((theme::NODE_NO_DATA, "did not run".to_owned()));
    }
    Legend {
        title: "lane".to_owned(),
        entries,
    }
}

fn paint_duration(mut nodes: Vec<(&mut SceneNode, &NodeFacts)>) -> Legend {
    let values: Vec<u64> = nodes.iter().filter_map(|(_, f)| f.duration_ns).collect();
    let scale = DurationScale::new(&values);
    let mut missing = false;
    for (n, f) in &mut nodes {
        if let (Some(d), Some(s)) = (f.duration_ns, &scale) {
            n.fill = s.color(d);
        } else {
            n.fill = theme::NODE_NO_DATA;
            missing = true;
        }
    }
    let mut entries = scale.map(|s| s.entries()).unwrap_or_default();
    if missing {
        entries.push((theme::NODE_NO_DATA, "no timing".to_owned()));
    }
    Legend {
        title: "duration".to_owned(),
        entries,
    }
}

/// Up to six bins over the measured durations (fewer when there are fewer
/// distinct values), logarithmic when they span more than 50×.
struct DurationScale {
    min: u64,
    max: u64,
    log: bool,
    bins: usize,
}

impl DurationScale {
    fn new(values: &[u64]) -> Option<Self> {
        let min = *values.iter().min()?;
        let max = *values.iter().max()?;
        let mut distinct = values.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        Some(Self {
            min,
            max,
            log: min > 0 && max / min > 50,
            bins: distinct.len().clamp(1, theme::SEQUENTIAL.len()),
        })
    }

    /// Position of `v` in 0..=1 on the scale.
    fn t(&self, v: u64) -> f64 {
        if self.max == self.min {
            return 0.0;
        }
        if self.log {
            let (lo, hi) = ((self.min as f64).ln(), (self.max as f64).ln());
            ((v.max(1) as f64).ln() - lo) / (hi - lo)
        } else {
            (v.saturating_sub(self.min)) as f64 / (self.max - self.min) as f64
        }
    }

    fn bin(&self, v: u64) -> usize {
        ((self.t(v) * self.bins as f64) as usize).min(self.bins - 1)
    }

    /// The palette colour of bin `k`, spreading few bins over the whole palette.
    fn bin_color(&self, k: usize) -> Rgb {
        let last = theme::SEQUENTIAL.len() - 1;
        let i = if self.bins <= 1 {
            last / 2
        } else {
            (k * last + (self.bins - 1) / 2) / (self.bins - 1)
        };
        theme::SEQUENTIAL
            .get(i)
            .copied()
            .unwrap_or(theme::NODE_NO_DATA)
    }

    fn color(&self, v: u64) -> Rgb {
        self.bin_color(self.bin(v))
    }

    /// Lower bound of bin `k` (`k = bins` gives the maximum).
    fn bound(&self, k: usize) -> u64 {
        let f = k as f64 / self.bins as f64;
        if self.log {
            let (lo, hi) = ((self.min as f64).ln(), (self.max as f64).ln());
            (lo + f * (hi - lo)).exp().round() as u64
        } else {
            self.min + ((self.max - self.min) as f64 * f).round() as u64
        }
    }

    fn entries(&self) -> Vec<(Rgb, String)> {
        if self.min == self.max {
            return vec![(self.color(self.min), format_duration_ns(self.min))];
        }
        (0..self.bins)
            .map(|k| {
                let label = format!(
                    "{} – {}",
                    format_duration_ns(self.bound(k)),
                    format_duration_ns(self.bound(k + 1))
                );
                (self.bin_color(k), label)
            })
            .collect()
    }
}

/// Output box size (Dask draws an unlabelled box), in px.
const OUTPUT_BOX: (f64, f64) = (30.0, 18.0);

/// Sizes nodes from their labels, measured with the bundled font.
fn size_nodes(nodes: &mut [SceneNode], font_size: f64) {
    let line = line_height(font_size);
    for n in nodes {
        if n.shape == NodeShape::Box {
            (n.width, n.height) = OUTPUT_BOX;
            continue;
        }
        let text_w = n
            .label
            .iter()
            .map(|l| text_width(l, font_size))
            .fold(0.0f64, f64::max);
        let text_h = line * n.label.len().max(1) as f64;
        // The label's box with a margin, then the ellipse through its corners.
        let bw = text_w + font_size * 0.8;
        let bh = text_h + font_size * 0.3;
        if bw <= bh * 1.6 {
            let d = bw.hypot(bh).max(font_size * 2.4);
            n.shape = NodeShape::Circle;
            (n.width, n.height) = (d, d);
        } else {
            n.shape = NodeShape::Ellipse;
            (n.width, n.height) = (bw * std::f64::consts::SQRT_2, bh * std::f64::consts::SQRT_2);
        }
    }
}
