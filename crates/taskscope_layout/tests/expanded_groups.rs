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
            SceneNodeKind::Group { name, tasks, .. } => format!("{name}×{tasks}"),
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
    let plain = GraphScene::new(&g, None, &options()).unwrap();
    assert!(plain.grouped);
    assert_eq!(kinds(&plain), vec!["load×4", "inc×4", "sum×1"]);
    assert_eq!(edges(&plain), vec![(0, 1, 4), (1, 2, 4)]);
    // Names of no group change nothing.
    let unknown = GraphScene::new(&g, None, &options().with_expanded(["nope"])).unwrap();
    assert_eq!(unknown, plain);
}

#[test]
fn an_expanded_group_is_drawn_task_by_task_among_the_others() {
    let g = graph();
    let scene = GraphScene::new(&g, None, &options().with_expanded(["inc"])).unwrap();
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
    )
    .unwrap();
    assert_eq!(kinds(&scene), vec!["t0", "t1", "t2", "t3", "inc×4", "t8"]);
    assert_eq!(
        edges(&scene),
        vec![(0, 4, 1), (1, 4, 1), (2, 4, 1), (3, 4, 1), (4, 5, 4)]
    );
    // Every group expanded: every task drawn, still marked as a grouped drawing.
    let all = GraphScene::new(&g, None, &options().with_expanded(["load", "inc", "sum"])).unwrap();
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
    let scene = GraphScene::new(&g, None, &options().with_expanded(["inc"])).unwrap();
    let svg = GraphSvg::new(&scene).to_string();
    assert!(svg.contains("id=\"g0\"") && svg.contains("id=\"t4\"") && svg.contains("id=\"o7\""));
    // Below the threshold nothing is grouped and `expanded` does not matter.
    let full = GraphScene::new(&g, None, &GraphOptions::default().with_expanded(["inc"])).unwrap();
    assert!(!full.grouped);
    assert_eq!(full.nodes.len(), 18);
}

/// The reviewer's repro (`gen.py`): `config-0`, then `step-0..n` where each step
/// uses `config-0` and the step before it.
fn chain_with_config(n: usize) -> Graph {
    let mut b = GraphBuilder::new();
    let config = b
        .add_task("config-0", "config", [], TaskState::Done)
        .unwrap();
    let mut prev: Option<TaskId> = None;
    for i in 0..n {
        let deps: Vec<TaskId> = std::iter::once(config).chain(prev).collect();
        prev = Some(
            b.add_task(&format!("step-{i}"), "step", deps, TaskState::Done)
                .unwrap(),
        );
    }
    b.build().unwrap()
}

#[test]
fn expanding_a_chain_fed_by_a_collapsed_group_is_refused_not_laid_out() {
    let g = chain_with_config(2_000);
    // Collapsed: two groups, laid out as usual.
    let collapsed = GraphScene::new(&g, None, &GraphOptions::default()).unwrap();
    assert_eq!(collapsed.nodes.len(), 2);
    // Expanded: 4,001 nodes, but the edges from `config` to every step cross up to
    // 4,000 layers: about 4 million dummies, over the 2 million budget.
    let err =
        GraphScene::new(&g, None, &GraphOptions::default().with_expanded(["step"])).unwrap_err();
    assert_eq!(err.nodes, 4_001);
    assert!(err.dummies > 3_000_000, "{err:?}");
    assert!(err.to_string().contains("2000000"), "{err}");
    // A smaller chain of the same shape (drawn in full) still lays out.
    let scene = GraphScene::new(&chain_with_config(300), None, &GraphOptions::default()).unwrap();
    assert_eq!(scene.nodes.len(), 2 * 301);
    assert!(scene.layout.stats.dummy_nodes > 80_000);
}

#[test]
fn export_reports_a_refused_layout_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.svg");
    let err = taskscope_layout::export_graph(
        &chain_with_config(2_000),
        None,
        &path,
        &GraphOptions::default().with_full(true),
    )
    .unwrap_err();
    assert!(
        matches!(err, taskscope_layout::LayoutError::TooLarge(e) if e.nodes == 4_002),
        "{err:?}"
    );
    assert!(!path.exists());
}
