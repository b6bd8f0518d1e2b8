//! What the graph view draws: the policy that picks a [`GraphScene`] for a trace
//! and the user's choices (output boxes, expanded groups), with its limits.
//!
//! [`graph_drawing`] draws Dask's look ([`GraphScene::with_index`]) up to
//! [`FULL_LAYOUT_LIMIT`] nodes. A group too big to draw task by task is never a
//! dead end: [`open_group`] cuts it into parts instead ([`KeyGroups::split`]),
//! each part a node that opens the same way, down to parts small enough to draw. A bigger grouped drawing with nothing expanded,
//! or one whose long edges need more dummy nodes than the layout allows, falls
//! back to [`GraphScene::simple`]; expanding groups past either limit is refused
//! with [`DrawingTooBig`]. The view (`taskscope_egui`) only converts the scene to
//! screen coordinates and paints it; the viewer exports the same scene options,
//! so a picture is what the view shows.

use std::collections::BTreeSet;
use std::fmt;

use taskscope_trace::analysis::format_count;
use taskscope_trace::index::{KeyGroups, is_part_of};
use taskscope_trace::{TaskId, Trace, TraceIndex};

use crate::layered::LayoutTooLarge;
use crate::scene::{GraphOptions, GraphScene, drawn_groups};

/// What the user chose about a drawing: output boxes or not, which groups are open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DrawingOptions {
    /// Tasks only, no output boxes.
    pub compact: bool,
    /// Groups (key prefixes) and parts drawn task by task in a grouped drawing.
    pub expanded: BTreeSet<String>,
    /// Groups and parts drawn as their parts ([`GraphOptions::split`]).
    pub split: BTreeSet<String>,
    /// Tasks drawn on their own wherever their group is ([`GraphOptions::focus`]).
    pub focus: BTreeSet<TaskId>,
}

impl DrawingOptions {
    /// The scene options of this drawing (everything else at its default).
    pub fn graph_options(&self) -> GraphOptions {
        GraphOptions {
            compact: self.compact,
            expanded: self.expanded.clone(),
            split: self.split.clone(),
            focus: self.focus.clone(),
            ..GraphOptions::default()
        }
    }
}

/// Most nodes the graph view lays out with the full layout. A bigger grouped drawing
/// with nothing expanded falls back to [`GraphScene::simple`]; expanding groups
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
                "expanding that would draw {} nodes, more than the {} the graph view \
                 lays out; collapse other groups first",
                format_count(*nodes as u64),
                format_count(*limit as u64)
            ),
            Self::LongEdges(e) => write!(
                f,
                "expanding that would draw {} nodes, but its edges cross so many layers that \
                 the layout would need {} more, over its limit of {}; collapse other groups \
                 first, or split the group into parts",
                format_count(e.nodes as u64),
                format_count(e.dummies),
                format_count(e.limit as u64)
            ),
        }
    }
}

impl std::error::Error for DrawingTooBig {}

/// Whether drawing `groups` with `options` stays within [`FULL_LAYOUT_LIMIT`] nodes.
/// A drawing with no known group expanded always passes (it falls back to
/// [`GraphScene::simple`] instead).
///
/// Cheap enough for a UI thread, so that an expansion that is certain to be
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
    let per_task = if options.compact { 1 } else { 2 };
    let nodes = groups.drawn_nodes_split(&options.expanded, &options.split, options.compact)
        + options.focus.len() * per_task;
    if nodes > FULL_LAYOUT_LIMIT && options.expanded.iter().any(|n| groups.find(n).is_some()) {
        return Err(DrawingTooBig::Nodes {
            nodes,
            limit: FULL_LAYOUT_LIMIT,
        });
    }
    Ok(())
}

/// How a click opens a collapsed group or part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Draw its tasks: the drawing stays within [`FULL_LAYOUT_LIMIT`] nodes.
    Expand,
    /// Too big to draw task by task: cut it into parts ([`KeyGroups::split`]).
    Split,
}

/// How to open the group or part `name` of `groups` (the groups drawn now) with
/// `options`: expand it when its tasks fit the drawing, else split it. A group of
/// one task always expands (the refusal then says why).
///
/// # Complexity
/// O(groups + expanded × log groups).
pub fn open_group(groups: &KeyGroups, options: &DrawingOptions, name: &str) -> Opening {
    let tasks = groups
        .find(name)
        .and_then(|g| groups.get(g))
        .map_or(0, |g| g.tasks);
    let mut opened = options.clone();
    opened.expanded.insert(name.to_owned());
    if tasks > 1 && check_drawing_size(groups, &opened).is_err() {
        Opening::Split
    } else {
        Opening::Expand
    }
}

/// `options` with the group or part `name` opened as [`open_group`] says.
pub fn opened(groups: &KeyGroups, options: &DrawingOptions, name: &str) -> DrawingOptions {
    let mut out = options.clone();
    match open_group(groups, options, name) {
        Opening::Expand => out.expanded.insert(name.to_owned()),
        Opening::Split => out.split.insert(name.to_owned()),
    };
    out
}

/// `options` with the key-prefix group `root` whole again: none of its parts
/// split or expanded, and itself collapsed.
pub fn merged(options: &DrawingOptions, root: &str) -> DrawingOptions {
    let mut out = options.clone();
    out.split.retain(|n| !is_part_of(n, root));
    out.expanded.retain(|n| !is_part_of(n, root));
    out
}

/// A scene drawn for the graph view, with the options it was asked for (the
/// default is the empty drawing).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Drawing {
    /// What is drawn.
    pub scene: GraphScene,
    /// The options it was made with (as asked: names of groups that do not exist
    /// included).
    pub options: DrawingOptions,
    /// The simple fallback because the groups alone are too many (so neither
    /// output boxes nor unknown group names change it).
    too_many_groups: bool,
}

impl From<GraphScene> for Drawing {
    /// The drawing of a scene made elsewhere, with the options it shows.
    fn from(scene: GraphScene) -> Self {
        let options = DrawingOptions {
            compact: scene.is_compact(),
            expanded: scene.expanded().clone(),
            split: scene.split().clone(),
            focus: scene.focus().clone(),
        };
        Self {
            scene,
            options,
            too_many_groups: false,
        }
    }
}

impl Drawing {
    /// Whether [`graph_drawing`] with `options` would give this same drawing, so
    /// laying out again is wasted work: the options are the same, or this is the
    /// simple fallback for a graph with too many groups and `options` expands none
    /// of them (output boxes on or off, it stays the same plain boxes).
    pub fn same_drawing_for(&self, options: &DrawingOptions) -> bool {
        *options == self.options
            || (self.too_many_groups
                && options.expanded == self.options.expanded
                && options.split == self.options.split)
    }
}

/// The drawing of `trace`'s graph for the view; `index` is the trace's index.
///
/// Up to [`GraphOptions::group_threshold`] (1,000) tasks, every task is drawn (with
/// its output box unless `options.compact`). Above, tasks are grouped by key prefix
/// and the groups in `options.expanded` are drawn task by task. A drawing of more than
/// [`FULL_LAYOUT_LIMIT`] nodes, or whose long edges need more dummy nodes than the
/// layout allows ([`crate::LayoutOptions::max_total_nodes`]), is refused when groups
/// are expanded; with none expanded it falls back to [`GraphScene::simple`] (every
/// task a plain box).
///
/// # Complexity
/// O(V + E log E) (plus grouping on the index's first use) and the layout of the
/// drawn nodes (see [`crate::layout`]).
///
/// # Errors
/// [`DrawingTooBig`] when the expanded groups make the drawing too big: too many
/// nodes (checked before anything is laid out) or too many dummy nodes (checked by
/// the layout after layering, before it allocates them).
pub fn graph_drawing(
    trace: &Trace,
    index: &TraceIndex,
    options: &DrawingOptions,
) -> Result<Drawing, DrawingTooBig> {
    let graph = trace.graph();
    let scene_options = options.graph_options();
    let grouped = graph.len() > scene_options.group_threshold;
    let drawing = |scene, too_many_groups| Drawing {
        scene,
        options: options.clone(),
        too_many_groups,
    };
    let mut any_expanded = false;
    let mut groups = None;
    if grouped {
        let drawn = drawn_groups(graph, index, &options.split);
        any_expanded = options
            .expanded
            .iter()
            .any(|name| drawn.find(name).is_some())
            || drawn.all().iter().any(|g| g.part.is_some());
        check_drawing_size(&drawn, options)?;
        if drawn.drawn_nodes(&options.expanded, options.compact) > FULL_LAYOUT_LIMIT {
            let scene = GraphScene::simple(graph, Some(trace), index, &scene_options);
            return Ok(drawing(scene, true));
        }
        groups = Some(drawn);
    }
    match GraphScene::with_groups(graph, Some(trace), index, &scene_options, groups) {
        Ok(scene) => Ok(drawing(scene, false)),
        Err(e) if any_expanded => Err(DrawingTooBig::LongEdges(e)),
        // Nothing the user chose made it too big: show every task in simple layers.
        Err(_) => Ok(drawing(
            GraphScene::simple(graph, Some(trace), index, &scene_options),
            false,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::SceneNodeKind;
    use taskscope_trace::{RunMeta, TaskId, TaskState, TraceBuilder};

    fn draw(trace: &Trace, options: &DrawingOptions) -> Result<Drawing, DrawingTooBig> {
        graph_drawing(trace, &TraceIndex::new(trace), options)
    }

    #[test]
    fn big_graphs_are_grouped_and_groups_expand() {
        let trace = taskscope_fixtures::layered(1_200, 40, 4, 3).unwrap();
        let d = draw(&trace, &DrawingOptions::default()).unwrap();
        let scene = &d.scene;
        let groups = scene.groups().unwrap();
        assert_eq!(groups.len(), 6);
        assert_eq!(scene.nodes.len(), 6);
        assert!(
            scene
                .nodes
                .iter()
                .all(|n| matches!(n.kind, SceneNodeKind::Group { .. }))
        );
        let load = scene.node_of_group_named("load").unwrap();
        assert_eq!(scene.shown_node_of(TaskId(0)), Some(load));
        assert_eq!(scene.node_of_task(TaskId(0)), None);
        assert_eq!(scene.nodes[0].label[0], "load");
        assert!(!scene.in_expanded_group(TaskId(0)));

        let options = DrawingOptions {
            compact: false,
            expanded: ["load".to_owned()].into(),
            ..DrawingOptions::default()
        };
        let open = draw(&trace, &options).unwrap();
        let s = &open.scene;
        let load_tasks = s.groups().unwrap().get(0).unwrap().tasks;
        assert_eq!(s.nodes.len(), 5 + 2 * load_tasks);
        assert!(s.node_of_group_named("load").is_none());
        assert!(s.node_of_group_named("parse").is_some());
        let own = s.node_of_task(TaskId(0)).unwrap();
        assert_eq!(s.nodes[own].kind, SceneNodeKind::Task(TaskId(0)));
        assert!(s.in_expanded_group(TaskId(0)));
        // The load tasks each feed the parse group: edges weighted by dependencies.
        let parse_node = s.node_of_group_named("parse").unwrap();
        let into_parse: u64 = s
            .edges
            .iter()
            .filter(|e| e.to == parse_node)
            .map(|e| e.count)
            .sum();
        let parse_deps: usize = trace
            .graph()
            .tasks()
            .filter(|&t| s.group_name_of(t) == Some("parse"))
            .flat_map(|t| trace.graph().deps(t))
            .filter(|&&d| s.group_name_of(d) != Some("parse"))
            .count();
        assert_eq!(into_parse, parse_deps as u64);
        // A parse task is still shown by its group.
        let parse_task = TaskId(40);
        assert_eq!(s.group_name_of(parse_task), Some("parse"));
        assert_eq!(s.shown_node_of(parse_task), Some(parse_node));
        assert_eq!(open.options, options);
    }

    #[test]
    fn a_big_group_opens_into_parts_and_focus_tasks_are_drawn_apart() {
        let trace = taskscope_fixtures::one_big_group(30_000).unwrap();
        let index = TraceIndex::new(&trace);
        let groups = index.groups(trace.graph());
        let none = DrawingOptions::default();
        // 30,000 tasks do not fit: a click splits "x"; "y" (one task) expands.
        assert_eq!(open_group(groups, &none, "x"), Opening::Split);
        assert_eq!(open_group(groups, &none, "y"), Opening::Expand);
        let options = opened(groups, &none, "x");
        assert_eq!(options.split, ["x".to_owned()].into());
        let d = graph_drawing(&trace, &index, &options).unwrap();
        let s = &d.scene;
        assert_eq!(s.nodes.len(), 17);
        assert_eq!(d.options, options);
        let first = s.node_of_group_named("x #1").unwrap();
        assert_eq!(s.nodes[first].label, ["x #1", "1,875 tasks"]);
        assert!(
            s.nodes[first]
                .tooltip
                .iter()
                .any(|l| l == "part 1 of 16 of x: tasks 1–1,875 of its 30,000 in run order"),
            "{:?}",
            s.nodes[first].tooltip
        );
        // A part fits: it expands, in the same drawing as the other parts.
        let drawn = s.groups().unwrap();
        assert_eq!(open_group(drawn, &options, "x #1"), Opening::Expand);
        let options = opened(drawn, &options, "x #1");
        let d = graph_drawing(&trace, &index, &options).unwrap();
        assert_eq!(d.scene.nodes.len(), 2 * 1_875 + 15 + 1);
        assert_eq!(d.scene.node_of_task(TaskId(0)), Some(0));
        // Merging "x" forgets its parts.
        assert_eq!(merged(&options, "x"), DrawingOptions::default());

        // Focus: x-7 and y-0 drawn on their own, the rest of x one node.
        let focus = DrawingOptions {
            focus: [TaskId(7), TaskId(30_000)].into(),
            ..DrawingOptions::default()
        };
        let d = graph_drawing(&trace, &index, &focus).unwrap();
        let s = &d.scene;
        assert!(s.node_of_task(TaskId(7)).is_some() && s.node_of_task(TaskId(30_000)).is_some());
        let x = s.node_of_group_named("x").unwrap();
        assert_eq!(s.nodes[x].label, ["x", "30,000 tasks", "1 drawn apart"]);
        assert!(s.node_of_group_named("y").is_none());
        assert_eq!(s.shown_node_of(TaskId(8)), Some(x));
        assert!(!s.in_expanded_group(TaskId(7)));
        assert_eq!(d.options, focus);
    }

    #[test]
    fn too_big_drawings_fall_back_or_are_refused() {
        // 20,001 tasks, each its own group (keys without a dash): too many groups.
        let trace = taskscope_fixtures::singleton_groups(20_001, "k").unwrap();
        let d = draw(&trace, &DrawingOptions::default()).unwrap();
        assert!(d.scene.is_simple());
        assert_eq!(d.scene.nodes.len(), 20_001);
        assert!(d.same_drawing_for(&DrawingOptions {
            compact: true,
            expanded: BTreeSet::new(),
            ..DrawingOptions::default()
        }));

        // One group of 10,001 tasks: expanding it with output boxes is 20,002 nodes.
        let trace = taskscope_fixtures::one_big_group(10_001).unwrap();
        let mut options = DrawingOptions {
            compact: false,
            expanded: ["x".to_owned()].into(),
            ..DrawingOptions::default()
        };
        let err = draw(&trace, &options).unwrap_err();
        assert_eq!(
            err,
            DrawingTooBig::Nodes {
                nodes: 20_003,
                limit: FULL_LAYOUT_LIMIT
            }
        );
        assert!(err.to_string().contains("20,003 nodes"), "{err}");
        // Compact, it fits.
        options.compact = true;
        let d = draw(&trace, &options).unwrap();
        assert_eq!(d.scene.nodes.len(), 10_002);
    }

    #[test]
    fn expanding_a_chain_whose_edges_need_too_many_dummies_is_refused() {
        let trace = taskscope_fixtures::config_chain(2_000).unwrap();
        let index = TraceIndex::new(&trace);
        // Collapsed: two groups.
        let collapsed = graph_drawing(&trace, &index, &DrawingOptions::default()).unwrap();
        assert_eq!(collapsed.scene.nodes.len(), 2);
        assert!(!collapsed.scene.is_simple());
        // Expanded: 4,001 nodes (under FULL_LAYOUT_LIMIT) but ~4 million dummies.
        let options = DrawingOptions {
            compact: false,
            expanded: ["step".to_owned()].into(),
            ..DrawingOptions::default()
        };
        assert_eq!(
            check_drawing_size(index.groups(trace.graph()), &options),
            Ok(())
        );
        let err = graph_drawing(&trace, &index, &options).unwrap_err();
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
        let mut b = TraceBuilder::new(RunMeta::default());
        for i in 0..300u32 {
            b.graph_mut()
                .add_task(&format!("t-{i}"), "t", (0..i).map(TaskId), TaskState::Done)
                .unwrap();
        }
        let trace = b.build().unwrap();
        let d = draw(&trace, &DrawingOptions::default()).unwrap();
        assert!(d.scene.is_simple());
        assert_eq!(d.scene.nodes.len(), 300);
    }
}
