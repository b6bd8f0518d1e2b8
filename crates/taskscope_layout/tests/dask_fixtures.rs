//! The real Dask graphs and task streams of `/work/shared/dask` (skipped when absent).

// Helpers outside #[test] functions build fixtures; a failure there should fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use taskscope_layout::{
    ColorBy, GraphDot, GraphOptions, GraphScene, GraphSvg, ImageFormat, NodeShape, SceneNodeKind,
    TimelineOptions, render_graph, render_timeline,
};

#[test]
fn full_graphs_have_dasks_nodes_and_edges() {
    for name in ["xyz", "sum", "prod_chain"] {
        let (Some(graph), Some((circles, boxes, edges))) =
            (common::dask_graph(name), common::dask_dot_counts(name))
        else {
            continue;
        };
        let scene = GraphScene::new(&graph, None, &GraphOptions::default()).unwrap();
        let tasks = scene
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, SceneNodeKind::Task(_)))
            .count();
        let outputs = scene
            .nodes
            .iter()
            .filter(|n| n.shape == NodeShape::Box)
            .count();
        assert_eq!(tasks, circles, "{name}: one circle per task");
        assert_eq!(outputs, boxes, "{name}: one box per output");
        assert_eq!(scene.edges.len(), edges, "{name}: edges as Dask draws them");
        assert_eq!(scene.layout.stats.crossings, 0, "{name} is planar");
        // Dask's labels: the function name.
        assert!(scene.nodes.iter().any(|n| n.label == ["inc"]));
    }
}

#[test]
fn sum_has_sixteen_nodes_and_fifteen_edges_like_figures_md() {
    let Some(graph) = common::dask_graph("sum") else {
        return;
    };
    let scene = GraphScene::new(&graph, None, &GraphOptions::default()).unwrap();
    assert_eq!((scene.nodes.len(), scene.edges.len()), (16, 15));
    assert!(scene.nodes.iter().any(|n| n.label == ["swap"]));
}

#[test]
fn tree1024_is_collapsed_into_groups_by_key_prefix() {
    let Some(trace) = common::dask_trace("tree1024") else {
        return;
    };
    let graph = trace.graph();
    assert_eq!(graph.len(), 2_047);
    let scene = GraphScene::new(graph, Some(&trace), &GraphOptions::default()).unwrap();
    assert!(scene.grouped);
    let groups: Vec<(&str, usize)> = scene
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            SceneNodeKind::Group { name, tasks, .. } => Some((name.as_str(), *tasks)),
            _ => None,
        })
        .collect();
    assert_eq!(groups, vec![("add", 1_023), ("inc", 1_024)]);
    // Every inc feeds one add of the first level: 1,024 dependencies in one edge.
    assert_eq!(scene.edges.len(), 1);
    assert_eq!(scene.edges[0].count, 1_024);
    let add = &scene.nodes[0];
    assert!(add.label[1].starts_with("1,023 tasks, "), "{:?}", add.label);
    assert!(
        add.tooltip
            .iter()
            .any(|l| l == "1,022 dependencies inside the group"),
        "{:?}",
        add.tooltip
    );

    // --full draws every task; a tree has no crossing.
    let full = GraphOptions::default().with_full(true).with_compact(true);
    let scene = GraphScene::new(graph, Some(&trace), &full).unwrap();
    assert!(!scene.grouped);
    assert_eq!((scene.nodes.len(), scene.edges.len()), (2_047, 2_046));
    assert_eq!(scene.layout.stats.crossings, 0);
    assert_eq!(scene.layout.stats.layers, 11);
}

#[test]
fn task_stream_colours_tooltips_and_timeline() {
    let Some(trace) = common::dask_trace("sum") else {
        return;
    };
    let options = GraphOptions::default().with_color_by(ColorBy::Lane);
    let scene = GraphScene::new(trace.graph(), Some(&trace), &options).unwrap();
    let legend = scene.legend.as_ref().unwrap();
    assert_eq!(legend.title, "lane");
    assert_eq!(legend.entries.len(), 2, "two worker threads ran tasks");
    let svg = GraphSvg::new(&scene).to_string();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let tooltip = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .find(|t| t.starts_with("inc-"))
        .unwrap();
    assert!(tooltip.contains("\nduration: "), "{tooltip}");
    assert!(tooltip.contains("\nlane: tcp://"), "{tooltip}");

    let (bytes, stats) =
        render_timeline(&trace, ImageFormat::Svg, &TimelineOptions::default()).unwrap();
    let svg = String::from_utf8(bytes).unwrap();
    roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(stats.lanes, 2);
    assert!(svg.contains(">transfer<"), "transfers are in the legend");
}

#[test]
fn tree1024_timeline_merges_thin_spans() {
    let Some(trace) = common::dask_trace("tree1024") else {
        return;
    };
    let (bytes, stats) =
        render_timeline(&trace, ImageFormat::Svg, &TimelineOptions::default()).unwrap();
    roxmltree::Document::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
    assert_eq!(stats.spans, trace.spans().len());
    assert!(stats.items < stats.spans);
    assert!(stats.merged_spans > 0);
}

#[test]
fn dot_output_of_real_graphs_parses() {
    for name in ["xyz", "sum", "prod_chain", "tree1024"] {
        let Some(graph) = common::dask_graph(name) else {
            continue;
        };
        let (bytes, _) =
            render_graph(&graph, None, ImageFormat::Dot, &GraphOptions::default()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        graphviz_rust::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains("rankdir=BT"));
        let scene = GraphScene::new(&graph, None, &GraphOptions::default()).unwrap();
        let dot = GraphDot::new(&scene, &taskscope_layout::DotOptions::default()).to_string();
        assert_eq!(dot, text);
    }
}
