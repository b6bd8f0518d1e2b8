//! From a task graph (and optionally its trace) to a styled drawing.
//!
//! A [`GraphScene`] decides *what* is drawn: which nodes (tasks, their output
//! boxes, or one node per group of tasks), their labels, tooltips, sizes and
//! colours, the legend and the title; then it lays them out with
//! [`crate::layout`]. The exporters ([`crate::GraphSvg`], [`crate::GraphDot`],
//! `render_png`) only draw a scene; they decide nothing.
//!
//! The default look is Dask's `visualize()`: every task an ellipse (a circle
//! for short names) labelled with its function name, its output an
//! unlabelled box, edges from each output to the tasks that use it, inputs at
//! the bottom. Above [`GraphOptions::group_threshold`] tasks, tasks are
//! collapsed by key prefix ([`crate::key_split`]) into one node per group;
//! the groups named in [`GraphOptions::expanded`] are drawn task by task among
//! the others.
//!
//! Every fact about a task (its duration, lane, colour entry, group) is borrowed
//! from the trace crate's [`TraceIndex`]; this module decides only how they are
//! drawn. The graph view of `taskscope_egui` paints these same scenes (node
//! fills from [`GraphScene::paint`], tooltips from [`task_tooltip`]), so an
//! exported picture is what the view shows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use taskscope_trace::index::{GroupInfo, KeyGroups, TaskTimes};
use taskscope_trace::{Graph, LaneId, PaletteIndex, TaskId, TaskState, Trace, TraceIndex};

use crate::dot::DotOptions;
use crate::font::{line_height, text_width};
use crate::layered::{
    Layout, LayoutGraph, LayoutNodeId, LayoutOptions, LayoutTooLarge, RankDir, layout,
    simple_layout,
};
use crate::png::PngOptions;
use crate::theme::{self, Rgb};
use taskscope_trace::analysis::{format_count, format_duration_ns};
use taskscope_trace::index::key_split;

/// Most task names a legend lists before "… N more names".
pub const MAX_NAME_ENTRIES: usize = 12;

/// How nodes are filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ColorBy {
    /// White, as Dask draws them.
    #[default]
    None,
    /// By task name: each name its palette colour, as the timeline colours its bars
    /// (a group takes its first task's colour); a failed task in the failed colour.
    Name,
    /// By measured duration (needs a trace), in six bins from short to long; a
    /// collapsed group by the mean duration of its tasks.
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
    /// In a grouped drawing, the groups and parts drawn as their parts
    /// ([`KeyGroups::split`]); a part named here is cut again, one named in
    /// `expanded` is drawn task by task. Names that match nothing are ignored.
    pub split: BTreeSet<String>,
    /// In a grouped drawing, tasks drawn on their own wherever their group is (the
    /// neighbourhood of a selected task, [`taskscope_trace::index::neighbourhood`]);
    /// their collapsed groups stand for the rest of their tasks.
    pub focus: BTreeSet<TaskId>,
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
            split: BTreeSet::new(),
            focus: BTreeSet::new(),
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

    /// In a grouped drawing, draws these groups (and parts) as their parts.
    pub fn with_split<S: Into<String>>(mut self, groups: impl IntoIterator<Item = S>) -> Self {
        self.split = groups.into_iter().map(Into::into).collect();
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
        /// Its number in the [`KeyGroups`] of the graph.
        group: u32,
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

/// A styled, laid-out task graph, ready for an exporter or the graph view
/// (the default is the empty drawing).
#[derive(Clone, Debug, PartialEq, Default)]
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
    /// The key groups of the graph, when grouped (shared with the trace's index).
    groups: Option<Arc<KeyGroups>>,
    /// The groups drawn task by task: those of [`GraphOptions::expanded`] that exist.
    expanded: BTreeSet<String>,
    /// The groups and parts drawn as their parts: those of [`GraphOptions::split`]
    /// that exist.
    split: BTreeSet<String>,
    /// The tasks of [`GraphOptions::focus`] drawn on their own outside expanded groups.
    focus: BTreeSet<TaskId>,
    /// No output boxes.
    compact: bool,
    /// The fast fallback of [`GraphScene::simple`]: plain boxes in simple layers.
    simple: bool,
    /// What each node's fill is computed from, for [`GraphScene::paint`].
    facts: Vec<NodeFacts>,
    /// The label of every lane of the trace, for the lane legend.
    lane_labels: Vec<String>,
    /// For each task, its own node (`u32::MAX` when it has none).
    node_of_task: Vec<u32>,
    /// For each group, its node (`u32::MAX` when it is not drawn collapsed).
    node_of_group: Vec<u32>,
}

/// The fills of a scene's nodes for one way of colouring, with the legend.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Paint {
    /// How the nodes are coloured.
    pub color_by: ColorBy,
    /// One fill per node, in node order (output boxes stay white).
    pub fills: Vec<Rgb>,
    /// The colour key (`None` for [`ColorBy::None`]).
    pub legend: Option<Legend>,
}

impl Paint {
    /// The fill of node `i` (white for an unknown node).
    pub fn fill(&self, i: usize) -> Rgb {
        self.fills.get(i).copied().unwrap_or(theme::NODE_FILL)
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

/// The lines describing one task, as a tooltip: its key, function (when it differs
/// from the key), measured duration, lane and state. The exported pictures carry
/// them as node titles and the graph view shows them on hover.
///
/// `trace` (the trace of `index`, if any) names the lane.
///
/// # Complexity
/// O(key length + lane name length).
pub fn task_tooltip(
    graph: &Graph,
    trace: Option<&Trace>,
    index: &TraceIndex,
    task: TaskId,
) -> Vec<String> {
    let key = graph.key(task).unwrap_or("");
    let name = display_name(graph, task);
    let mut tooltip = vec![key.to_owned()];
    if name != key {
        tooltip.push(format!("function: {name}"));
    }
    if let Some(d) = index.times().duration_ns(task) {
        tooltip.push(format!("duration: {}", format_duration_ns(d)));
    }
    if let (Some(trace), Some(lane)) = (trace, index.times().lane(task)) {
        tooltip.push(format!("lane: {}", lane_label(trace, lane)));
    }
    if let Some(s) = graph.state(task) {
        tooltip.push(format!("state: {}", s.as_str().replace('_', " ")));
    }
    tooltip
}

/// The lines describing a collapsed group, as a tooltip: its size, the total
/// measured time of its tasks, how many ended in each state when not all alike,
/// and the dependencies inside it.
pub fn group_tooltip(info: &GroupInfo) -> Vec<String> {
    let count = format_count(info.tasks as u64);
    let plural = if info.tasks == 1 { "" } else { "s" };
    let mut tooltip = vec![format!("{}: {count} task{plural}", info.name)];
    if let Some(p) = &info.part {
        let last = p.first + info.tasks.saturating_sub(1);
        tooltip.push(format!(
            "part {} of {} of {}: tasks {}–{} of its {} in run order",
            p.number,
            p.of,
            p.parent,
            format_count(p.first as u64),
            format_count(last as u64),
            format_count(p.parent_tasks as u64)
        ));
    }
    if info.ran > 0 {
        tooltip.push(format!("total time: {}", format_duration_ns(info.total_ns)));
        tooltip.push(format!(
            "mean duration: {}",
            format_duration_ns(info.mean_duration_ns)
        ));
    }
    for (state, n) in info.states.by_state() {
        if n > 0 && n < info.tasks {
            tooltip.push(format!(
                "{}: {}",
                state.as_str().replace('_', " "),
                format_count(n as u64)
            ));
        }
    }
    if info.inner_edges > 0 {
        tooltip.push(format!(
            "{} dependencies inside the group",
            format_count(info.inner_edges)
        ));
    }
    tooltip
}

/// The name a task node is labelled with: its function name, else its key's prefix.
fn display_name(graph: &Graph, task: TaskId) -> String {
    match graph.name(task) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => key_split(graph.key(task).unwrap_or("")),
    }
}

/// What a node's fill is computed from.
#[derive(Clone, Debug, PartialEq)]
struct NodeFacts {
    /// The name (task name, or group name) and its palette entry, for name colours.
    name: Option<(String, PaletteIndex)>,
    duration_ns: Option<u64>,
    state: Option<TaskState>,
    lane: Option<LaneId>,
    /// A task that failed: drawn in the failed colour when coloured by name.
    failed: bool,
}

impl NodeFacts {
    /// An output box: never coloured.
    const OUTPUT: Self = Self {
        name: None,
        duration_ns: None,
        state: None,
        lane: None,
        failed: false,
    };
}

impl GraphScene {
    /// Builds and lays out the picture of `graph`.
    ///
    /// `trace`, when given, must be the trace `graph` belongs to (task ids are
    /// shared); it supplies durations and lanes for colours and tooltips. Builds
    /// the trace's index; use [`GraphScene::with_index`] when there is one already.
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
        let index = match trace {
            Some(t) => TraceIndex::new(t),
            None => TraceIndex::of_graph(graph),
        };
        Self::with_index(graph, trace, &index, options)
    }

    /// [`GraphScene::new`] with the trace's index (or [`TraceIndex::of_graph`] when
    /// there is no trace) built already.
    ///
    /// # Complexity
    /// O(V + E log E) to build (plus grouping on the index's first use), plus [`crate::layout`].
    ///
    /// # Errors
    /// As [`GraphScene::new`].
    pub fn with_index(
        graph: &Graph,
        trace: Option<&Trace>,
        index: &TraceIndex,
        options: &GraphOptions,
    ) -> Result<Self, LayoutTooLarge> {
        let grouped = !options.full && graph.len() > options.group_threshold;
        let groups = grouped.then(|| drawn_groups(graph, index, &options.split));
        Self::with_groups(graph, trace, index, options, groups)
    }

    /// [`GraphScene::with_index`] with the groups drawn ([`drawn_groups`]) computed
    /// already, or `None` to draw every task.
    pub(crate) fn with_groups(
        graph: &Graph,
        trace: Option<&Trace>,
        index: &TraceIndex,
        options: &GraphOptions,
        groups: Option<Arc<KeyGroups>>,
    ) -> Result<Self, LayoutTooLarge> {
        let mut scene = Self::unplaced(graph, trace, index, options, groups, false);
        let lg = scene.layout_graph();
        scene.layout = layout(&lg, &options.layout)?;
        Ok(scene)
    }

    /// The fast fallback for a drawing too big for the full layout: every task a
    /// plain box labelled with its name (no output boxes, no groups, no tooltips,
    /// to keep a million nodes small), in [`simple_layout`]'s layers. Colours,
    /// highlight, title and rank direction follow `options`.
    ///
    /// # Complexity
    /// O(V log V + E) time, O(V + E) memory.
    pub fn simple(
        graph: &Graph,
        trace: Option<&Trace>,
        index: &TraceIndex,
        options: &GraphOptions,
    ) -> Self {
        let options = GraphOptions {
            compact: true,
            full: true,
            expanded: BTreeSet::new(),
            split: BTreeSet::new(),
            focus: BTreeSet::new(),
            ..options.clone()
        };
        let mut scene = Self::unplaced(graph, trace, index, &options, None, true);
        let lg = scene.layout_graph();
        scene.layout = simple_layout(&lg, &options.layout);
        scene
    }

    /// Everything but the layout.
    fn unplaced(
        graph: &Graph,
        trace: Option<&Trace>,
        index: &TraceIndex,
        options: &GraphOptions,
        groups: Option<Arc<KeyGroups>>,
        simple: bool,
    ) -> Self {
        let grouped = groups.is_some();
        let mut highlight = options.highlight.clone();
        highlight.sort_unstable();
        highlight.dedup();
        let is_hl = |t: TaskId| highlight.binary_search(&t).is_ok();
        let cx = TaskContext {
            graph,
            trace,
            index,
            times: index.times(),
            is_hl: &is_hl,
            compact: options.compact,
            simple,
        };
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut facts = Vec::new();
        match &groups {
            Some(groups) => build_groups(
                &cx,
                groups,
                &options.expanded,
                &options.focus,
                &mut nodes,
                &mut edges,
                &mut facts,
            ),
            None => build_tasks(&cx, &mut nodes, &mut edges, &mut facts),
        }
        let lane_labels = trace.map_or_else(Vec::new, |t| {
            (0..t.lanes().len())
                .map(|l| lane_label(t, LaneId(l as u32)))
                .collect()
        });
        let node_of_task = node_index_by(graph.len(), &nodes, |k| match k {
            SceneNodeKind::Task(t) => Some(t.index()),
            _ => None,
        });
        let node_of_group =
            node_index_by(
                groups.as_ref().map_or(0, |g| g.len()),
                &nodes,
                |k| match k {
                    SceneNodeKind::Group { group, .. } => Some(*group as usize),
                    _ => None,
                },
            );
        let (expanded, split, focus) = match &groups {
            Some(g) => drawn_choices(g, options, graph.len()),
            None => Default::default(),
        };
        let mut scene = Self {
            nodes,
            edges,
            legend: None,
            title: options.title.clone(),
            grouped,
            task_count: graph.len(),
            font_size: options.font_size,
            rank_dir: options.layout.rank_dir,
            layout: Layout::default(),
            expanded,
            split,
            focus,
            groups,
            compact: options.compact,
            simple,
            facts,
            lane_labels,
            node_of_task,
            node_of_group,
        };
        let paint = scene.paint(options.color_by);
        for (node, fill) in scene.nodes.iter_mut().zip(paint.fills) {
            node.fill = fill;
        }
        scene.legend = paint.legend;
        size_nodes(&mut scene.nodes, options.font_size);
        scene
    }

    /// The layout's input: node sizes and edges.
    fn layout_graph(&self) -> LayoutGraph {
        let mut lg = LayoutGraph::with_capacity(self.nodes.len(), self.edges.len());
        for n in &self.nodes {
            lg.add_node(n.width, n.height);
        }
        for e in &self.edges {
            // Indices come from the builders and are always in range.
            let added = lg.add_edge(LayoutNodeId(e.from as u32), LayoutNodeId(e.to as u32));
            debug_assert!(added.is_ok(), "scene edges join scene nodes");
        }
        lg
    }

    /// The fills of every node and the legend for colouring `color_by` (the
    /// scene's own [`SceneNode::fill`] and [`GraphScene::legend`] are those of
    /// [`GraphOptions::color_by`]); output boxes stay white.
    ///
    /// # Complexity
    /// O(N log N) for N nodes (sorting durations or names for the legend).
    pub fn paint(&self, color_by: ColorBy) -> Paint {
        let mut fills = vec![theme::NODE_FILL; self.nodes.len()];
        let painted: Vec<(usize, &NodeFacts)> = self
            .nodes
            .iter()
            .zip(&self.facts)
            .enumerate()
            .filter(|(_, (n, _))| !matches!(n.kind, SceneNodeKind::Output(_)))
            .map(|(i, (_, f))| (i, f))
            .collect();
        let mut legend = match color_by {
            ColorBy::None => None,
            ColorBy::Name => Some(paint_name(&painted, &mut fills)),
            ColorBy::State => Some(paint_state(&painted, &mut fills)),
            ColorBy::Lane => Some(paint_lane(&painted, &mut fills, &self.lane_labels)),
            ColorBy::Duration => Some(paint_duration(&painted, &mut fills)),
        };
        if color_by == ColorBy::Name {
            let failed = theme::state_color(TaskState::Failed);
            let mut any = false;
            for &(i, _) in painted.iter().filter(|(_, f)| f.failed) {
                if let Some(fill) = fills.get_mut(i) {
                    *fill = failed;
                    any = true;
                }
            }
            if any && let Some(l) = &mut legend {
                l.entries.push((failed, "failed".to_owned()));
            }
        }
        Paint {
            color_by,
            fills,
            legend,
        }
    }

    /// The key groups, when this is a grouped drawing.
    pub fn groups(&self) -> Option<&Arc<KeyGroups>> {
        self.groups.as_ref()
    }

    /// The groups drawn task by task.
    pub fn expanded(&self) -> &BTreeSet<String> {
        &self.expanded
    }

    /// The groups and parts drawn as their parts.
    pub fn split(&self) -> &BTreeSet<String> {
        &self.split
    }

    /// The tasks drawn on their own outside expanded groups ([`GraphOptions::focus`]).
    pub fn focus(&self) -> &BTreeSet<TaskId> {
        &self.focus
    }

    /// Whether output boxes are left out.
    pub fn is_compact(&self) -> bool {
        self.compact
    }

    /// Whether this is the fast fallback of [`GraphScene::simple`].
    pub fn is_simple(&self) -> bool {
        self.simple
    }

    /// The index of `task`'s own node, if it is drawn on its own.
    pub fn node_of_task(&self, task: TaskId) -> Option<usize> {
        valid(self.node_of_task.get(task.index()).copied())
    }

    /// The index of the node of group number `group`, when it is drawn collapsed.
    pub fn node_of_group(&self, group: u32) -> Option<usize> {
        valid(self.node_of_group.get(group as usize).copied())
    }

    /// The index of the node that shows `task`: its own, or its collapsed group's.
    pub fn shown_node_of(&self, task: TaskId) -> Option<usize> {
        self.node_of_task(task).or_else(|| {
            let g = self.groups.as_ref()?.group_of(task)?;
            self.node_of_group(g)
        })
    }

    /// The index of the node of the group called `name`, when it is drawn collapsed.
    pub fn node_of_group_named(&self, name: &str) -> Option<usize> {
        self.node_of_group(self.groups.as_ref()?.find(name)?)
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
            .is_some_and(|name| self.expanded.contains(name))
    }
}

/// The groups a grouped drawing of `graph` shows: the key-prefix groups of `index`
/// (shared, when nothing is split), with those named in `split` cut into parts
/// ([`KeyGroups::split`]).
///
/// # Complexity
/// O(1) when no name in `split` is a group; else as [`KeyGroups::split`].
pub fn drawn_groups(graph: &Graph, index: &TraceIndex, split: &BTreeSet<String>) -> Arc<KeyGroups> {
    let groups = index.groups(graph);
    if split.iter().any(|name| groups.find(name).is_some()) {
        Arc::new(groups.split(graph, index.times(), split))
    } else {
        Arc::clone(groups)
    }
}

/// Of the choices in `options`, those that a grouped drawing of `groups` (of a
/// graph of `tasks` tasks) shows: expanded groups that exist, split groups that
/// were cut, focus tasks in the graph.
fn drawn_choices(
    groups: &KeyGroups,
    options: &GraphOptions,
    tasks: usize,
) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<TaskId>) {
    let expanded = options
        .expanded
        .iter()
        .filter(|name| groups.find(name).is_some())
        .cloned()
        .collect();
    let split = options
        .split
        .iter()
        .filter(|name| {
            groups
                .all()
                .iter()
                .any(|i| i.part.as_ref().is_some_and(|p| p.parent == **name))
        })
        .cloned()
        .collect();
    let focus = options
        .focus
        .iter()
        .copied()
        .filter(|t| t.index() < tasks)
        .collect();
    (expanded, split, focus)
}

/// `Some(i)` unless `i` is the "none" marker `u32::MAX`.
fn valid(i: Option<u32>) -> Option<usize> {
    i.filter(|&i| i != u32::MAX).map(|i| i as usize)
}

/// For each of `len` keys, the index of the node whose kind gives that key.
fn node_index_by(
    len: usize,
    nodes: &[SceneNode],
    key: impl Fn(&SceneNodeKind) -> Option<usize>,
) -> Vec<u32> {
    let mut out = vec![u32::MAX; len];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(slot) = key(&n.kind).and_then(|k| out.get_mut(k)) {
            *slot = i as u32;
        }
    }
    out
}

/// What drawing one task needs.
struct TaskContext<'a> {
    graph: &'a Graph,
    trace: Option<&'a Trace>,
    index: &'a TraceIndex,
    times: &'a TaskTimes,
    is_hl: &'a dyn Fn(TaskId) -> bool,
    /// No output boxes.
    compact: bool,
    /// The simple fallback: tasks are plain boxes without tooltips (its million
    /// nodes stay small).
    simple: bool,
}

impl TaskContext<'_> {
    /// The facts a task node's fill comes from.
    fn facts(&self, t: TaskId) -> NodeFacts {
        let state = self.graph.state(t);
        NodeFacts {
            name: Some((display_name(self.graph, t), self.index.palette(t))),
            duration_ns: self.times.duration_ns(t),
            state,
            lane: self.times.lane(t),
            failed: state == Some(TaskState::Failed),
        }
    }

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
        let graph = self.graph;
        let key = graph.key(t).unwrap_or("");
        let tooltip = if self.simple {
            Vec::new()
        } else {
            task_tooltip(graph, self.trace, self.index, t)
        };
        let hl = (self.is_hl)(t);
        nodes.push(SceneNode {
            kind: SceneNodeKind::Task(t),
            id: format!("t{}", t.0),
            shape: if self.simple {
                NodeShape::Box
            } else {
                NodeShape::Ellipse
            },
            label: vec![display_name(graph, t)],
            tooltip,
            fill: theme::NODE_FILL,
            highlighted: hl,
            width: 0.0,
            height: 0.0,
        });
        node_facts.push(self.facts(t));
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
        node_facts.push(NodeFacts::OUTPUT);
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

/// The scene node of a collapsed group, with the facts its colour comes from.
fn group_node(
    graph: &Graph,
    index: &TraceIndex,
    g: u32,
    info: &GroupInfo,
    highlighted: bool,
    apart: usize,
) -> (SceneNode, NodeFacts) {
    let count = format_count(info.tasks as u64);
    let mut second = format!("{count} task{}", if info.tasks == 1 { "" } else { "s" });
    if info.ran > 0 {
        second.push_str(", ");
        second.push_str(&format_duration_ns(info.total_ns));
    }
    let mut label = vec![info.name.clone(), second];
    let mut tooltip = group_tooltip(info);
    if apart > 0 {
        let apart = format_count(apart as u64);
        label.push(format!("{apart} drawn apart"));
        tooltip.push(format!(
            "{apart} of its tasks are drawn on their own (the selection's neighbourhood)"
        ));
    }
    let facts = NodeFacts {
        name: Some((
            display_name(graph, info.first_task),
            index.palette(info.first_task),
        )),
        duration_ns: (info.ran > 0).then_some(info.mean_duration_ns),
        state: Some(info.states.worst()),
        lane: info.lane,
        failed: false,
    };
    let node = SceneNode {
        kind: SceneNodeKind::Group {
            name: info.name.clone(),
            tasks: info.tasks,
            group: g,
        },
        id: format!("g{g}"),
        shape: NodeShape::Ellipse,
        label,
        tooltip,
        fill: theme::NODE_FILL,
        highlighted,
        width: 0.0,
        height: 0.0,
    };
    (node, facts)
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
/// O(V + E log E) time for V tasks and E dependencies (the groups come from the
/// index; sorting the edge pairs merges parallel ones), O(V + E) memory. Every task
/// is visited whatever is expanded; the drawn nodes are O(G + expanded tasks).
fn build_groups(
    cx: &TaskContext<'_>,
    groups: &KeyGroups,
    expanded: &BTreeSet<String>,
    focus: &BTreeSet<TaskId>,
    nodes: &mut Vec<SceneNode>,
    edges: &mut Vec<SceneEdge>,
    node_facts: &mut Vec<NodeFacts>,
) {
    let graph = cx.graph;
    let group_of = groups.groups_of_tasks();
    let is_expanded: Vec<bool> = groups
        .all()
        .iter()
        .map(|g| expanded.contains(&g.name))
        .collect();
    // The tasks drawn on their own, by group, in id order: every task of an
    // expanded group, and the focus tasks of the others.
    let mut members: Vec<Vec<TaskId>> = vec![Vec::new(); groups.len()];
    let mut highlighted = vec![false; groups.len()];
    for (t, &g) in graph.tasks().zip(group_of) {
        if is_expanded.get(g as usize).copied().unwrap_or(false)
            && let Some(m) = members.get_mut(g as usize)
        {
            m.push(t);
        }
        if (cx.is_hl)(t)
            && let Some(h) = highlighted.get_mut(g as usize)
        {
            *h = true;
        }
    }
    for &t in focus {
        if let Some(&g) = group_of.get(t.index())
            && !is_expanded.get(g as usize).copied().unwrap_or(true)
            && let Some(m) = members.get_mut(g as usize)
        {
            m.push(t);
        }
    }

    // Nodes, and where each task's edges attach.
    let mut ends = vec![Ends::default(); graph.len()];
    let mut own = vec![false; graph.len()];
    let mut own_edges = Vec::new();
    let mut group_node_of = vec![u32::MAX; groups.len()];
    for (g, info) in groups.all().iter().enumerate() {
        let tasks = members.get(g).map_or(&[][..], Vec::as_slice);
        if tasks.len() < info.tasks {
            // Collapsed, standing for the tasks not drawn on their own.
            if let Some(slot) = group_node_of.get_mut(g) {
                *slot = nodes.len() as u32;
            }
            let hl = highlighted.get(g).copied().unwrap_or(false);
            let (node, f) = group_node(graph, cx.index, g as u32, info, hl, tasks.len());
            nodes.push(node);
            node_facts.push(f);
        }
        for &t in tasks {
            let input = nodes.len() as u32;
            let output = cx.push_task(t, nodes, &mut own_edges, node_facts) as u32;
            if let (Some(e), Some(o)) = (ends.get_mut(t.index()), own.get_mut(t.index())) {
                *e = Ends { input, output };
                *o = true;
            }
        }
    }
    for ((t, &g), &own) in graph.tasks().zip(group_of).zip(&own) {
        if !own
            && let (Some(e), Some(&n)) = (ends.get_mut(t.index()), group_node_of.get(g as usize))
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
                // Inside one collapsed group (counted in its tooltip).
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

/// A legend of task names with their colours, most total time first (then by
/// name), at most [`MAX_NAME_ENTRIES`] and a "… N more names" line; a name's total
/// is printed when it is not zero. Shared by the graph and the timeline.
pub(crate) fn name_legend(
    totals: &BTreeMap<String, (PaletteIndex, u64)>,
    max_entries: usize,
) -> Vec<(Rgb, String)> {
    let mut names: Vec<(&String, &(PaletteIndex, u64))> = totals.iter().collect();
    names.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    let mut entries: Vec<(Rgb, String)> = names
        .iter()
        .take(max_entries)
        .map(|(n, (palette, total))| {
            let label = if *total > 0 {
                format!("{n} ({})", format_duration_ns(*total))
            } else {
                (*n).clone()
            };
            (theme::palette_rgb(*palette), label)
        })
        .collect();
    if names.len() > max_entries {
        entries.push((
            theme::BACKGROUND,
            format!("… {} more names", names.len() - max_entries),
        ));
    }
    entries
}

fn paint_name(nodes: &[(usize, &NodeFacts)], fills: &mut [Rgb]) -> Legend {
    let mut totals: BTreeMap<String, (PaletteIndex, u64)> = BTreeMap::new();
    for &(i, f) in nodes {
        let Some((name, palette)) = &f.name else {
            continue;
        };
        if let Some(fill) = fills.get_mut(i) {
            *fill = theme::palette_rgb(*palette);
        }
        let total = totals.entry(name.clone()).or_insert((*palette, 0));
        total.1 = total.1.saturating_add(f.duration_ns.unwrap_or(0));
    }
    Legend {
        title: "task".to_owned(),
        entries: name_legend(&totals, MAX_NAME_ENTRIES),
    }
}

fn paint_state(nodes: &[(usize, &NodeFacts)], fills: &mut [Rgb]) -> Legend {
    let states = [
        TaskState::Done,
        TaskState::Failed,
        TaskState::Cancelled,
        TaskState::NotRun,
    ];
    let mut seen = [false; 4];
    for &(i, f) in nodes {
        let s = f.state.unwrap_or_default();
        if let Some(fill) = fills.get_mut(i) {
            *fill = theme::state_color(s);
        }
        if let Some(k) = states.iter().position(|&x| x == s)
            && let Some(seen) = seen.get_mut(k)
        {
            *seen = true;
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

fn paint_lane(nodes: &[(usize, &NodeFacts)], fills: &mut [Rgb], lane_labels: &[String]) -> Legend {
    let mut used: Vec<LaneId> = Vec::new();
    let mut missing = false;
    for &(i, f) in nodes {
        let fill = if let Some(l) = f.lane {
            used.push(l);
            theme::palette_color(l.index())
        } else {
            missing = true;
            theme::NODE_NO_DATA
        };
        if let Some(slot) = fills.get_mut(i) {
            *slot = fill;
        }
    }
    used.sort_unstable();
    used.dedup();
    let mut entries: Vec<(Rgb, String)> = used
        .iter()
        .take(MAX_LANE_ENTRIES)
        .map(|&l| {
            let label = lane_labels
                .get(l.index())
                .cloned()
                .unwrap_or_else(|| format!("lane {}", l.0));
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

fn paint_duration(nodes: &[(usize, &NodeFacts)], fills: &mut [Rgb]) -> Legend {
    let values: Vec<u64> = nodes.iter().filter_map(|(_, f)| f.duration_ns).collect();
    let scale = DurationScale::new(&values);
    let mut missing = false;
    for &(i, f) in nodes {
        let fill = if let (Some(d), Some(s)) = (f.duration_ns, &scale) {
            s.color(d)
        } else {
            missing = true;
            theme::NODE_NO_DATA
        };
        if let Some(slot) = fills.get_mut(i) {
            *slot = fill;
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

/// Sizes nodes from their labels, measured with the bundled font: output boxes
/// have a fixed size, labelled boxes (the simple fallback) fit their label, other
/// nodes become the circle or ellipse around their label.
fn size_nodes(nodes: &mut [SceneNode], font_size: f64) {
    let line = line_height(font_size);
    for n in nodes {
        if n.shape == NodeShape::Box && n.label.is_empty() {
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
        if n.shape == NodeShape::Box {
            (n.width, n.height) = (bw, bh);
        } else if bw <= bh * 1.6 {
            let d = bw.hypot(bh).max(font_size * 2.4);
            n.shape = NodeShape::Circle;
            (n.width, n.height) = (d, d);
        } else {
            n.shape = NodeShape::Ellipse;
            (n.width, n.height) = (bw * std::f64::consts::SQRT_2, bh * std::f64::consts::SQRT_2);
        }
    }
}
