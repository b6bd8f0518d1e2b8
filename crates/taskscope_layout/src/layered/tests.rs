//! Property tests of the whole layout pipeline on random graphs.

use proptest::prelude::*;

use super::*;

/// A random DAG: `sizes` nodes, edges from lower to higher index, no duplicates.
fn dag_strategy(max_nodes: usize) -> impl Strategy<Value = LayoutGraph> {
    (1..max_nodes)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec((4.0f64..90.0, 4.0f64..40.0), n),
                proptest::collection::vec((0..n, 0..n), 0..n * 3),
            )
        })
        .prop_map(|(sizes, pairs)| {
            let mut g = LayoutGraph::new();
            for &(w, h) in &sizes {
                g.add_node(w, h);
            }
            let mut edges: Vec<(u32, u32)> = pairs
                .into_iter()
                .filter(|(a, b)| a != b)
                .map(|(a, b)| (a.min(b) as u32, a.max(b) as u32))
                .collect();
            edges.sort_unstable();
            edges.dedup();
            for (a, b) in edges {
                g.add_edge(LayoutNodeId(a), LayoutNodeId(b)).unwrap();
            }
            g
        })
}

/// Any digraph, cycles, self-loops and parallel edges included.
fn digraph_strategy(max_nodes: usize) -> impl Strategy<Value = LayoutGraph> {
    (1..max_nodes)
        .prop_flat_map(|n| {
            proptest::collection::vec((0..n, 0..n), 0..n * 3).prop_map(move |e| (n, e))
        })
        .prop_map(|(n, pairs)| {
            let mut g = LayoutGraph::new();
            for i in 0..n {
                g.add_node(10.0 + (i % 7) as f64 * 9.0, 16.0);
            }
            for (a, b) in pairs {
                g.add_edge(LayoutNodeId(a as u32), LayoutNodeId(b as u32))
                    .unwrap();
            }
            g
        })
}

/// Crossings of the drawing, counted geometrically from the routes (O(E²)):
/// two segments between the same pair of layers, at the same height (the same row of a
/// drawing whose parts were packed in rows), cross when their order flips.
fn drawn_crossings(out: &Layout, rank_dir: RankDir) -> u64 {
    // Along the layers (`x`) and across them (`y`), whatever the direction.
    let turn = |p: Point| {
        if rank_dir.is_vertical() {
            p
        } else {
            Point { x: p.y, y: p.x }
        }
    };
    // Per edge: (layer, height of its start, order-axis coordinate at both ends) of each
    // segment between consecutive nodes or dummies along it.
    let mut segments: Vec<(u32, f64, f64, f64)> = Vec::new();
    for e in &out.edges {
        let src = out.nodes[e.from.index()];
        let tgt = out.nodes[e.to.index()];
        let mut along = vec![turn(src.center)];
        along.extend(e.points[1..e.points.len() - 1].iter().map(|&p| turn(p)));
        along.push(turn(tgt.center));
        for (k, w) in along.windows(2).enumerate() {
            segments.push((src.layer + k as u32, w[0].y, w[0].x, w[1].x));
        }
    }
    let mut c = 0;
    for (i, a) in segments.iter().enumerate() {
        for b in &segments[i + 1..] {
            if a.0 == b.0
                && (a.1 - b.1).abs() < 1e-6
                && ((a.2 < b.2 && a.3 > b.3) || (a.2 > b.2 && a.3 < b.3))
            {
                c += 1;
            }
        }
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn edges_go_up_and_layers_are_a_topological_order(g in dag_strategy(40)) {
        let out = layout(&g, &LayoutOptions::default()).unwrap();
        prop_assert_eq!(out.nodes.len(), g.node_count());
        prop_assert_eq!(out.stats.reversed_edges, 0);
        for (e, (u, v)) in out.edges.iter().zip(g.edges()) {
            prop_assert!(out.nodes[u.index()].layer < out.nodes[v.index()].layer);
            prop_assert!(!e.reversed);
            // Bottom to top: the consumer is drawn above its input.
            prop_assert!(out.nodes[v.index()].center.y < out.nodes[u.index()].center.y);
        }
        // Listing nodes layer by layer is a topological order.
        let mut by_layer: Vec<usize> = (0..g.node_count()).collect();
        by_layer.sort_by_key(|&v| (out.nodes[v].layer, out.nodes[v].order));
        let mut rank = vec![0; g.node_count()];
        for (i, &v) in by_layer.iter().enumerate() {
            rank[v] = i;
        }
        for (u, v) in g.edges() {
            prop_assert!(rank[u.index()] < rank[v.index()]);
        }
    }

    #[test]
    fn no_two_nodes_overlap(g in dag_strategy(40), dir in 0..4u8) {
        let rank_dir = [RankDir::BottomToTop, RankDir::TopToBottom, RankDir::LeftToRight, RankDir::RightToLeft][dir as usize];
        let out = layout(&g, &LayoutOptions { rank_dir, ..LayoutOptions::default() }).unwrap();
        for (i, a) in out.nodes.iter().enumerate() {
            prop_assert!(a.center.x - a.width / 2.0 >= -1e-9 && a.center.x + a.width / 2.0 <= out.width + 1e-9);
            prop_assert!(a.center.y - a.height / 2.0 >= -1e-9 && a.center.y + a.height / 2.0 <= out.height + 1e-9);
            for b in &out.nodes[i + 1..] {
                prop_assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn reduction_never_adds_crossings_and_the_count_is_the_drawn_one(g in dag_strategy(40)) {
        let out = layout(&g, &LayoutOptions::default()).unwrap();
        prop_assert!(out.stats.crossings <= out.stats.initial_crossings);
        prop_assert_eq!(out.stats.crossings, drawn_crossings(&out, RankDir::BottomToTop));
    }

    #[test]
    fn same_graph_same_coordinates(g in dag_strategy(30)) {
        let a = layout(&g, &LayoutOptions::default()).unwrap();
        let b = layout(&g.clone(), &LayoutOptions::default()).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn any_digraph_is_laid_out(g in digraph_strategy(30)) {
        let out = layout(&g, &LayoutOptions::default()).unwrap();
        prop_assert_eq!(out.edges.len(), g.edge_count());
        for (e, (u, v)) in out.edges.iter().zip(g.edges()) {
            prop_assert_eq!((e.from, e.to), (u, v));
            let (lu, lv) = (out.nodes[u.index()].layer, out.nodes[v.index()].layer);
            if e.self_loop {
                prop_assert_eq!(u, v);
            } else if e.reversed {
                prop_assert!(lu > lv);
            } else {
                prop_assert!(lu < lv);
            }
            prop_assert_eq!(e.curves.len() + 1, e.points.len());
            for p in &e.points {
                prop_assert!(p.x.is_finite() && p.y.is_finite());
            }
        }
        for (i, a) in out.nodes.iter().enumerate() {
            for b in &out.nodes[i + 1..] {
                prop_assert!(!a.overlaps(b));
            }
        }
    }
}

#[test]
fn long_chain_is_laid_out_without_recursion() {
    let n = 100_000;
    let mut g = LayoutGraph::with_capacity(n, n);
    let mut prev = g.add_node(30.0, 20.0);
    for _ in 1..n {
        let next = g.add_node(30.0, 20.0);
        g.add_edge(prev, next).unwrap();
        prev = next;
    }
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_eq!(out.stats.layers, n);
    assert_eq!(out.stats.crossings, 0);
    // A chain is drawn straight.
    assert!(
        out.nodes
            .iter()
            .all(|p| (p.center.x - out.nodes[0].center.x).abs() < 1e-9)
    );
}

#[test]
fn long_edges_get_dummies_and_stay_straight() {
    // 0 -> 1 -> 2 -> 3 -> 4 and a long edge 0 -> 4 beside it.
    let mut g = LayoutGraph::new();
    let ids: Vec<_> = (0..5).map(|_| g.add_node(40.0, 20.0)).collect();
    for w in ids.windows(2) {
        g.add_edge(w[0], w[1]).unwrap();
    }
    let long = g.add_edge(ids[0], ids[4]).unwrap();
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_eq!(out.stats.dummy_nodes, 3);
    let route = &out.edges[long];
    assert_eq!(route.points.len(), 5);
    // The dummies of the long edge share one x.
    let inner = &route.points[1..4];
    assert!(
        inner.iter().all(|p| (p.x - inner[0].x).abs() < 1e-9),
        "{inner:?}"
    );
    // Each curve is tangent to the layer axis at both ends.
    for (c, w) in route.curves.iter().zip(route.points.windows(2)) {
        assert!((c.ctrl1.x - w[0].x).abs() < 1e-9);
        assert!((c.ctrl2.x - w[1].x).abs() < 1e-9);
    }
}

#[test]
fn left_to_right_puts_inputs_on_the_left() {
    let mut g = LayoutGraph::new();
    let a = g.add_node(60.0, 20.0);
    let b = g.add_node(60.0, 20.0);
    g.add_edge(a, b).unwrap();
    let out = layout(
        &g,
        &LayoutOptions {
            rank_dir: RankDir::LeftToRight,
            ..LayoutOptions::default()
        },
    )
    .unwrap();
    assert!(out.nodes[0].center.x < out.nodes[1].center.x);
    assert!((out.nodes[0].center.y - out.nodes[1].center.y).abs() < 1e-9);
    assert!((out.width - (60.0 + 36.0 + 60.0)).abs() < 1e-9);
}

#[test]
fn bad_edge_is_an_error() {
    let mut g = LayoutGraph::new();
    let a = g.add_node(1.0, 1.0);
    assert!(matches!(
        g.add_edge(a, LayoutNodeId(7)),
        Err(LayoutError::UnknownNode {
            node: 7,
            count: 1,
            ..
        })
    ));
}

#[test]
fn empty_graph() {
    let out = layout(&LayoutGraph::new(), &LayoutOptions::default()).unwrap();
    assert!(out.nodes.is_empty());
    assert_eq!((out.width, out.height), (0.0, 0.0));
}

/// A chain of `n` nodes, each also fed by one shared input `s`: the edge from `s`
/// to chain node i spans i + 1 layers, so the dummies add up to about n²/2.
fn chain_with_shared_input(n: u32) -> LayoutGraph {
    let mut g = LayoutGraph::new();
    let s = g.add_node(10.0, 10.0);
    let mut prev = None;
    for _ in 0..n {
        let v = g.add_node(10.0, 10.0);
        g.add_edge(s, v).unwrap();
        if let Some(p) = prev {
            g.add_edge(p, v).unwrap();
        }
        prev = Some(v);
    }
    g
}

#[test]
fn too_many_dummies_are_refused_before_they_are_made() {
    // Chain of 10: s in layer 0, chain node i in layer i + 1; edge s → i has i dummies.
    let g = chain_with_shared_input(10);
    let dummies: u64 = (0..10).sum();
    let exact = LayoutOptions {
        max_total_nodes: 11 + dummies as usize,
        ..LayoutOptions::default()
    };
    let out = layout(&g, &exact).unwrap();
    assert_eq!(out.stats.dummy_nodes as u64, dummies);
    let tight = LayoutOptions {
        max_total_nodes: 10 + dummies as usize,
        ..LayoutOptions::default()
    };
    assert_eq!(
        layout(&g, &tight),
        Err(LayoutTooLarge {
            nodes: 11,
            dummies,
            limit: 10 + dummies as usize,
        })
    );
    // The reviewer's shape at 4,000 steps: 8 million dummies with the default budget.
    let err = layout(&chain_with_shared_input(4_000), &LayoutOptions::default()).unwrap_err();
    assert_eq!(err.dummies, (0..4_000u64).sum::<u64>());
    assert_eq!(err.limit, LayoutOptions::default().max_total_nodes);
}

#[test]
fn nodes_without_edges_are_drawn_in_rows_in_their_order() {
    let mut g = LayoutGraph::new();
    for i in 0..12 {
        // Varied widths: rows are packed by each node's own width.
        g.add_node(40.0 + f64::from(i % 3) * 10.0, 20.0);
    }
    let options = LayoutOptions::default();
    for out in [
        layout(&g, &options).unwrap(),
        simple::simple_layout(&g, &options),
    ] {
        // Not one row of 12: several rows, about as wide as tall.
        let rows: std::collections::BTreeSet<i64> = out
            .nodes
            .iter()
            .map(|p| p.center.y.round() as i64)
            .collect();
        assert!(rows.len() > 1, "{} rows", rows.len());
        let aspect = out.width / out.height;
        assert!(
            (0.4..2.5).contains(&aspect),
            "{} x {}",
            out.width,
            out.height
        );
        // In order: row after row, left to right.
        let key = |p: &NodePlacement| (p.center.y.round() as i64, p.center.x.round() as i64);
        assert!(out.nodes.windows(2).all(|w| key(&w[0]) < key(&w[1])));
        for (i, a) in out.nodes.iter().enumerate() {
            for b in out.nodes.iter().skip(i + 1) {
                assert!(!a.overlaps(b));
            }
        }
        assert_eq!(
            out.stats.layers,
            if out.stats.simple {
                out.stats.layers
            } else {
                1
            }
        );
    }
    // A few nodes stay side by side.
    let mut few = LayoutGraph::new();
    for _ in 0..3 {
        few.add_node(40.0, 20.0);
    }
    let out = layout(&few, &options).unwrap();
    assert!(
        out.nodes
            .iter()
            .all(|p| (p.center.y - out.nodes[0].center.y).abs() < 1e-9)
    );
}

proptest! {
    #[test]
    fn nodes_without_edges_never_overlap(
        sizes in proptest::collection::vec((1.0..200.0f64, 1.0..80.0f64), 0..60)
    ) {
        let mut g = LayoutGraph::new();
        for (w, h) in &sizes {
            g.add_node(*w, *h);
        }
        let out = layout(&g, &LayoutOptions::default()).unwrap();
        for (i, a) in out.nodes.iter().enumerate() {
            for b in out.nodes.iter().skip(i + 1) {
                prop_assert!(!a.overlaps(b));
            }
        }
        let inside = out.nodes.iter().all(|p| {
            p.center.x - p.width / 2.0 >= -1e-9
                && p.center.y - p.height / 2.0 >= -1e-9
                && p.center.x + p.width / 2.0 <= out.width + 1e-9
                && p.center.y + p.height / 2.0 <= out.height + 1e-9
        });
        prop_assert!(inside, "every node inside the drawing");
    }
}

/// `n` parts of two nodes each, the second a consumer of the first (a task and its
/// result box, as a trace without dependencies is drawn task by task).
fn pairs(n: u32) -> LayoutGraph {
    let mut g = LayoutGraph::new();
    for i in 0..n {
        let task = g.add_node(60.0 + f64::from(i % 4) * 8.0, 36.0);
        let result = g.add_node(30.0, 18.0);
        g.add_edge(task, result).unwrap();
    }
    g
}

#[test]
fn many_unconnected_parts_are_packed_in_rows_in_their_order() {
    let g = pairs(20);
    for rank_dir in [
        RankDir::BottomToTop,
        RankDir::TopToBottom,
        RankDir::LeftToRight,
        RankDir::RightToLeft,
    ] {
        let options = LayoutOptions {
            rank_dir,
            ..LayoutOptions::default()
        };
        let row_options = LayoutOptions {
            pack: false,
            ..options.clone()
        };
        let fast_row = simple::simple_layout(&g, &row_options);
        for out in [
            layout(&g, &options).unwrap(),
            simple::simple_layout(&g, &options),
        ] {
            if out.stats.simple {
                // The fast layout centres each layer on its own, so each part leans
                // across the drawing: packed only where that is smaller.
                assert!(no_bigger(&out, &fast_row), "{rank_dir:?}");
            } else {
                // Not one row of 20 parts: about as wide as tall.
                let aspect = out.width / out.height;
                assert!(
                    (0.4..2.5).contains(&aspect),
                    "{rank_dir:?}: {} x {}",
                    out.width,
                    out.height
                );
            }
            for (i, a) in out.nodes.iter().enumerate() {
                for b in out.nodes.iter().skip(i + 1) {
                    assert!(!a.overlaps(b), "{rank_dir:?}: {a:?} overlaps {b:?}");
                }
            }
            // Each part moved whole: its edge still starts on its task and ends on its
            // result box.
            let on = |p: Point, n: NodePlacement| {
                (p.x - n.center.x).abs() <= n.width / 2.0 + 1e-6
                    && (p.y - n.center.y).abs() <= n.height / 2.0 + 1e-6
            };
            for (k, e) in out.edges.iter().enumerate() {
                let (task, result) = (out.nodes[2 * k], out.nodes[2 * k + 1]);
                assert!(
                    on(e.start(), task),
                    "{rank_dir:?}: edge {k} starts off its task"
                );
                assert!(
                    on(*e.points.last().unwrap(), result),
                    "{rank_dir:?}: edge {k} ends off its result box"
                );
            }
            if !out.stats.simple {
                assert_eq!(out.stats.crossings, 0);
                assert_eq!(drawn_crossings(&out, rank_dir), 0);
            }
        }
    }
    // In order: row after row, left to right (bottom to top: results above their tasks).
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    let tasks: Vec<NodePlacement> = out.nodes.iter().step_by(2).copied().collect();
    let rows: std::collections::BTreeSet<i64> =
        tasks.iter().map(|p| p.center.y.round() as i64).collect();
    assert!(rows.len() > 1, "{} rows", rows.len());
    let key = |p: &NodePlacement| (p.center.y.round() as i64, p.center.x.round() as i64);
    assert!(tasks.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    // Three parts stay side by side, as Graphviz draws them.
    let out = layout(&pairs(3), &LayoutOptions::default()).unwrap();
    assert!(
        out.nodes
            .iter()
            .step_by(2)
            .all(|p| (p.center.y - out.nodes[0].center.y).abs() < 1e-9)
    );
}

/// A chain a0 → a1 → a2 with a lone input b → a2 (which crossing reduction may place
/// anywhere in its layer), then `n` task → result pairs: found by a review, where the
/// chain's part, interleaved with the pairs, stretched across the whole drawing.
fn chain_then_pairs(n: u32) -> LayoutGraph {
    let mut g = LayoutGraph::new();
    let a0 = g.add_node(60.0, 36.0);
    let a1 = g.add_node(60.0, 36.0);
    let a2 = g.add_node(60.0, 36.0);
    let b = g.add_node(60.0, 36.0);
    g.add_edge(a0, a1).unwrap();
    g.add_edge(a1, a2).unwrap();
    g.add_edge(b, a2).unwrap();
    for _ in 0..n {
        let t = g.add_node(60.0, 36.0);
        let r = g.add_node(30.0, 18.0);
        g.add_edge(t, r).unwrap();
    }
    g
}

/// `p` chains of `l` nodes, layers alternating 80 and 120 px wide (the fast layout
/// centres each layer on its own, so each chain drifts across the drawing).
fn chains(p: u32, l: u32) -> LayoutGraph {
    let mut g = LayoutGraph::new();
    for _ in 0..p {
        let mut prev = None;
        for k in 0..l {
            let v = g.add_node(if k % 2 == 0 { 80.0 } else { 120.0 }, 36.0);
            if let Some(u) = prev {
                g.add_edge(u, v).unwrap();
            }
            prev = Some(v);
        }
    }
    g
}

/// Whether `packed` is no bigger than `row`: its longest side no longer, its area at
/// most twice as large.
fn no_bigger(packed: &Layout, row: &Layout) -> bool {
    packed.width.max(packed.height) <= row.width.max(row.height) + 1e-6
        && packed.width * packed.height <= 2.0 * row.width * row.height + 1e-6
}

#[test]
fn packing_never_makes_a_drawing_bigger() {
    let unpacked = LayoutOptions {
        pack: false,
        ..LayoutOptions::default()
    };
    // The chain's part is packed as small as it is: rows, narrower than one row.
    let g = chain_then_pairs(40);
    let (packed, row) = (
        layout(&g, &LayoutOptions::default()).unwrap(),
        layout(&g, &unpacked).unwrap(),
    );
    assert!(no_bigger(&packed, &row));
    assert!(
        packed.width < row.width / 2.0,
        "{} x {} against one row {} x {}",
        packed.width,
        packed.height,
        row.width,
        row.height
    );
    assert_eq!(
        packed.stats.crossings,
        drawn_crossings(&packed, RankDir::BottomToTop)
    );
    // The fast layout's drifting chains: packing them would be bigger, so they stay.
    let g = chains(20, 20);
    let (packed, row) = (
        simple::simple_layout(&g, &LayoutOptions::default()),
        simple::simple_layout(&g, &unpacked),
    );
    assert!(no_bigger(&packed, &row));
}

/// The extent of a drawing's nodes and routes, as (width, height).
fn drawn_size(nodes: &[NodePlacement], edges: &[EdgeRoute]) -> (f64, f64) {
    let (mut lo, mut hi) = (
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    let mut grow = |p: Point, hw: f64, hh: f64| {
        lo = (lo.0.min(p.x - hw), lo.1.min(p.y - hh));
        hi = (hi.0.max(p.x + hw), hi.1.max(p.y + hh));
    };
    for n in nodes {
        grow(n.center, n.width / 2.0, n.height / 2.0);
    }
    for e in edges {
        for &p in &e.points {
            grow(p, 0.0, 0.0);
        }
        for c in &e.curves {
            for p in [c.ctrl1, c.ctrl2, c.end] {
                grow(p, 0.0, 0.0);
            }
        }
    }
    (hi.0 - lo.0, hi.1 - lo.1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn packing_is_smaller_or_not_done_and_keeps_the_crossings(g in dag_strategy(40), dir in 0..4u8) {
        let rank_dir = [RankDir::BottomToTop, RankDir::TopToBottom, RankDir::LeftToRight, RankDir::RightToLeft][dir as usize];
        let options = LayoutOptions { rank_dir, ..LayoutOptions::default() };
        // Through the whole layout: the crossings counted are the ones drawn.
        let packed = layout(&g, &options).unwrap();
        prop_assert_eq!(packed.stats.crossings, drawn_crossings(&packed, rank_dir));
        // On any drawing (the fast layout's, whose parts lean, and the full layout's
        // unpacked one): packing gives a drawing no bigger, or leaves it as it is.
        let row_options = LayoutOptions { pack: false, ..options.clone() };
        for row in [layout(&g, &row_options).unwrap(), simple::simple_layout(&g, &row_options)] {
            let (mut nodes, mut edges) = (row.nodes.clone(), row.edges.clone());
            pack::pack_components(&g, &mut nodes, &mut edges, &options);
            let before = drawn_size(&row.nodes, &row.edges);
            let after = drawn_size(&nodes, &edges);
            let unchanged = nodes == row.nodes && edges == row.edges;
            prop_assert!(
                unchanged
                    || (after.0.max(after.1) < before.0.max(before.1)
                        && after.0 * after.1 <= 2.0 * before.0 * before.1 + 1e-6),
                "{:?} against {:?}", after, before
            );
            // No two nodes overlap that did not overlap before.
            for i in 0..nodes.len() {
                for j in i + 1..nodes.len() {
                    prop_assert!(!nodes[i].overlaps(&nodes[j]) || row.nodes[i].overlaps(&row.nodes[j]));
                }
            }
        }
    }
}
