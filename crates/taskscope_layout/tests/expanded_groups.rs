//! Grouped drawings with some groups expanded (`GraphOptions::expanded`).

// Helpers outside #[test] functions build fixtures; a failure there should fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use taskscope_layout::{GraphOptions, GraphScene, GraphSvg, NodeShape, SceneNodeKind};
use taskscope_trace::{Graph, GraphBuilder, TaskId, TaskState};

/// load-0..3 → inc-0..3 (one each) → sum-0 (all four incs); 9 tasks.
fn graph() -> Graph {
    let mut b = GraphBuilder::new();
    let loads: Vec<TaskId> = (0..4)
        .map(|i| {
            b.add_task(&format!("load-{i}"), "load", [], TaskState::Done)
                .unwrap()
        })
        .collect();
    let incs: Vec<TaskId> = loads
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            b.add_task(&format!("inc-{i}"), "inc", [l], TaskState::Done)
                .unwrap()
        })
        .collect();
    b.add_task("sum-0", "sum", incs, TaskState::Done).unwrap();
    b.build().unwrap()
}

fn options() -> GraphOptions {
    GraphOptions {
        group_threshold: 3,
        ..GraphOptions::default()
    }
}

fn kinds(scene: &GraphScene) -> Vec<String> {
    scene
        .nodes
        .iter()
        .map(|n| match &n.kind {
            SceneNodeKind::Task(t) => format!("t{}", t.0),
            SceneNodeKind::Output(t) => format!("o{}", t.0),
            SceneNodeKind::Group { name, tasks } => format!("{name}×{tasks}"),
        })
        .collect()
}

fn edges(scene: &GraphScene) -> Vec<(usize, usize, u64)> {
    scene
        .edges
        .iter()
        .map(|e| (e.from, e.to, e.count))
        .collect()
}

#[test]
fn nothing_expanded_is_the_plain_grouped_drawing() {
    let g = graph();
    let plain = GraphScene::new(&g, None, &options());
    assert!(plain.grouped);
    assert_eq!(kinds(&plain), vec!["load×4", "inc×4", "sum×1"]);
    assert_eq!(edges(&plain), vec![(0, 1, 4), (1, 2, 4)]);
    // Names of no group change nothing.
    let unknown = GraphScene::new(&g, None, &options().with_expanded(["nope"]));
    assert_eq!(unknown, plain);
}

#[test]
fn an_expanded_group_is_drawn_task_by_task_among_the_others() {
    let g = graph();
    let scene = GraphScene::new(&g, None, &options().with_expanded(["inc"]));
    assert!(scene.grouped);
    // The group keeps its place; its tasks come in id order, each with its output box.
    assert_eq!(
        kinds(&scene),
        vec![
            "load×4", "t4", "o4", "t5", "o5", "t6", "o6", "t7", "o7", "sum×1"
        ]
    );
    let shapes: Vec<NodeShape> = scene.nodes.iter().map(|n| n.shape).collect();
    assert!(matches!(shapes[1], NodeShape::Circle | NodeShape::Ellipse));
    assert_eq!(shapes[2], NodeShape::Box);
    assert_eq!(scene.nodes[1].label, vec!["inc".to_owned()]);
    // load group → each inc; each inc → its box; each box → the sum group.
    let mut want = Vec::new();
    for i in 0..4 {
        let task = 1 + 2 * i;
        want.push((0, task, 1));
        want.push((task, task + 1, 1));
        want.push((task + 1, 9, 1));
    }
    want.sort_unstable();
    assert_eq!(edges(&scene), want);
    // Every edge has a route.
    assert_eq!(scene.layout.edges.len(), scene.edges.len());
    assert_eq!(scene.layout.nodes.len(), scene.nodes.len());
}

#[test]
fn compact_expansion_has_no_boxes_and_two_groups_can_be_open() {
    let g = graph();
    let scene = GraphScene::new(
        &g,
        None,
        &options().with_compact(true).with_expanded(["load", "sum"]),
    );
    assert_eq!(kinds(&scene), vec!["t0", "t1", "t2", "t3", "inc×4", "t8"]);
    assert_eq!(
        edges(&scene),
        vec![(0, 4, 1), (1, 4, 1), (2, 4, 1), (3, 4, 1), (4, 5, 4)]
    );
    // Every group expanded: every task drawn, still marked as a grouped drawing.
    let all = GraphScene::new(&g, None, &options().with_expanded(["load", "inc", "sum"]));
    assert!(all.grouped);
    assert_eq!(all.nodes.len(), 18);
    assert!(
        all.nodes
            .iter()
            .all(|n| !matches!(n.kind, SceneNodeKind::Group { .. }))
    );
}

#[test]
fn partly_expanded_drawings_export_to_svg() {
    let g = graph();
    let scene = GraphScene::new(&g, None, &options().with_expanded(["inc"]));
    let svg = GraphSvg::new(&scene).to_string();
    assert!(svg.contains("id=\"g0\"") && svg.contains("id=\"t4\"") && svg.contains("id=\"o7\""));
    // Below the threshold nothing is grouped and `expanded` does not matter.
    let full = GraphScene::new(&g, None, &GraphOptions::default().with_expanded(["inc"]));
    assert!(!full.grouped);
    assert_eq!(full.nodes.len(), 18);
}
