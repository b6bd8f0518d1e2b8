//! The fast fallback of the pipeline, for drawings too big for the full one.
//!
//! Steps 1 and 2 of [`super::layout`] (cycle breaking, layering), then in place of
//! steps 3–6: no dummy nodes; one barycentre sweep orders each layer by the mean
//! position of the nodes' inputs (sources keep id order); nodes are packed side by
//! side, each layer centred; edges are straight lines from border to border.
//! Linear apart from the sort of each layer, and never refused.

use super::{
    CubicBezier, Layout, LayoutGraph, LayoutOptions, LayoutStats, NodePlacement, Point, csr::Csr,
    normalise, orient, place, rank, route_edges, wrap_edgeless,
};

/// Lays out `graph` the fast way (see the module docs): same node sizes, layer
/// spacing and rank direction as [`super::layout`], no crossing reduction.
///
/// The stats say `simple`; they count no crossings.
///
/// # Complexity
/// O(V log V + E) time, O(V + E) memory; no recursion.
pub fn simple_layout(graph: &LayoutGraph, options: &LayoutOptions) -> Layout {
    let n = graph.node_count();
    let (back, dag) = orient(graph);
    let layer = rank::assign_layers(n, &dag);
    let placed = place_layers(graph, options, &layer, &dag);
    let along = |v: usize| placed.along.get(v).copied().unwrap_or(0.0);
    let across = |v: usize| {
        layer
            .get(v)
            .and_then(|&l| placed.across_of_layer.get(l as usize))
            .copied()
            .unwrap_or(0.0)
    };
    let mut nodes: Vec<NodePlacement> = (0..n)
        .map(|v| {
            let (width, height) = graph.sizes.get(v).copied().unwrap_or_default();
            NodePlacement {
                center: place(options.rank_dir, along(v), across(v)),
                width,
                height,
                layer: layer.get(v).copied().unwrap_or(0),
                order: placed.order.get(v).copied().unwrap_or(0),
            }
        })
        .collect();

    // Straight, from the lower layer's far border to the higher layer's near border.
    let node = |i: u32| nodes.get(i as usize).copied().unwrap_or_default();
    let (mut edges, reversed_edges, self_loops) =
        route_edges(graph, &back, &nodes, |lo, hi, reversed| {
            let lo_end = border(
                options,
                node(lo),
                along(lo as usize),
                across(lo as usize),
                1.0,
            );
            let hi_end = border(
                options,
                node(hi),
                along(hi as usize),
                across(hi as usize),
                -1.0,
            );
            let (start, end) = if reversed {
                (hi_end, lo_end)
            } else {
                (lo_end, hi_end)
            };
            (vec![start, end], vec![straight(start, end)])
        });
    if graph.edges.is_empty() {
        wrap_edgeless(&mut nodes, options);
    } else if options.pack {
        // Parts move whole, into slots of their own: no crossing is added (none are
        // counted here); kept only when the drawing gets smaller.
        super::pack::pack_components(graph, &mut nodes, &mut edges, options);
    }
    let (width, height) = normalise(&mut nodes, &mut edges);
    Layout {
        stats: LayoutStats {
            nodes: n,
            edges: graph.edges.len(),
            layers: placed.across_of_layer.len(),
            reversed_edges,
            self_loops,
            width,
            height,
            simple: true,
            ..LayoutStats::default()
        },
        nodes,
        edges,
        width,
        height,
    }
}

/// Where the nodes went, before mapping to the picture.
struct Placed {
    /// Centre of each node along the order axis.
    along: Vec<f64>,
    /// Centre of each layer along the layer axis.
    across_of_layer: Vec<f64>,
    /// Position of each node within its layer.
    order: Vec<u32>,
}

/// Orders each layer by one barycentre sweep and packs it, centred; stacks the layers.
///
/// # Complexity
/// O(V log V + E).
fn place_layers(
    graph: &LayoutGraph,
    options: &LayoutOptions,
    layer: &[u32],
    dag: &[(u32, u32)],
) -> Placed {
    let n = graph.node_count();
    let vertical = options.rank_dir.is_vertical();
    // (breadth along a layer, depth across layers) of each node.
    let extent = |v: usize| {
        let (w, h) = graph.sizes.get(v).copied().unwrap_or_default();
        if vertical { (w, h) } else { (h, w) }
    };
    let layer_count = layer.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let pred = Csr::build(n, dag.iter().map(|&(u, v)| (v, u)));

    let mut layers: Vec<Vec<u32>> = vec![Vec::new(); layer_count];
    for (v, &l) in layer.iter().enumerate() {
        if let Some(members) = layers.get_mut(l as usize) {
            members.push(v as u32);
        }
    }
    // Along the layer axis: centres; across: each layer's centre.
    let mut along = vec![0.0f64; n];
    let mut across_of_layer = Vec::with_capacity(layer_count);
    let mut previous: Option<(f64, f64)> = None;
    let node_sep = options.node_sep.max(0.0);
    for (l, members) in layers.iter_mut().enumerate() {
        if l > 0 {
            // One barycentre sweep: inputs are already placed (they are on lower layers).
            let key = |v: u32| {
                let inputs = pred.get(v);
                if inputs.is_empty() {
                    return f64::MAX; // sources keep id order, after the rest
                }
                inputs
                    .iter()
                    .map(|&u| along.get(u as usize).copied().unwrap_or(0.0))
                    .sum::<f64>()
                    / inputs.len() as f64
            };
            members.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        }
        let total: f64 = members.iter().map(|&v| extent(v as usize).0).sum::<f64>()
            + node_sep * members.len().saturating_sub(1) as f64;
        let mut a = -total / 2.0;
        let mut thick = 0.0f64;
        for &v in members.iter() {
            let (breadth, depth) = extent(v as usize);
            if let Some(slot) = along.get_mut(v as usize) {
                *slot = a + breadth / 2.0;
            }
            a += breadth + node_sep;
            thick = thick.max(depth);
        }
        let centre = match previous {
            None => thick / 2.0,
            Some((c, t)) => c + t / 2.0 + options.layer_sep.max(0.0) + thick / 2.0,
        };
        across_of_layer.push(centre);
        previous = Some((centre, thick));
    }
    let mut order = vec![0u32; n];
    for members in &layers {
        for (i, &v) in members.iter().enumerate() {
            if let Some(slot) = order.get_mut(v as usize) {
                *slot = i as u32;
            }
        }
    }
    Placed {
        along,
        across_of_layer,
        order,
    }
}

/// The point on `node`'s border facing the next layers (`side = 1`) or the previous
/// ones (`side = -1`), in picture coordinates.
fn border(options: &LayoutOptions, node: NodePlacement, a: f64, b: f64, side: f64) -> Point {
    let half_depth = if options.rank_dir.is_vertical() {
        node.height
    } else {
        node.width
    } / 2.0;
    place(options.rank_dir, a, b + side * half_depth)
}

/// A straight line as one cubic segment.
fn straight(start: Point, end: Point) -> CubicBezier {
    let at = |t: f64| Point {
        x: start.x + (end.x - start.x) * t,
        y: start.y + (end.y - start.y) * t,
    };
    CubicBezier {
        ctrl1: at(1.0 / 3.0),
        ctrl2: at(2.0 / 3.0),
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layered::RankDir;

    fn top_down() -> LayoutOptions {
        LayoutOptions {
            rank_dir: RankDir::TopToBottom,
            ..LayoutOptions::default()
        }
    }

    #[test]
    fn layers_put_inputs_above_users() {
        // a, b → c, drawn top down.
        let mut g = LayoutGraph::new();
        let a = g.add_node(48.0, 28.0);
        let b = g.add_node(48.0, 28.0);
        let c = g.add_node(48.0, 28.0);
        g.add_edge(a, c).unwrap();
        g.add_edge(b, c).unwrap();
        let out = simple_layout(&g, &top_down());
        assert_eq!((out.nodes.len(), out.edges.len()), (3, 2));
        let y = |i: usize| out.nodes[i].center.y;
        assert!((y(0) - y(1)).abs() < 1e-6);
        assert!(y(2) > y(0));
        // No two boxes overlap.
        for (i, p) in out.nodes.iter().enumerate() {
            for q in out.nodes.iter().skip(i + 1) {
                assert!(!p.overlaps(q), "{p:?} {q:?}");
            }
        }
        // The user sits between its inputs (barycentre).
        let x = |i: usize| out.nodes[i].center.x;
        assert!((x(2) - f64::midpoint(x(0), x(1))).abs() < 1e-9);
        // Edges run straight from the input's bottom to the user's top.
        let e = &out.edges[0];
        assert_eq!(e.points.len(), 2);
        assert!((e.points[0].y - (y(0) + 14.0)).abs() < 1e-9);
        assert!((e.points[1].y - (y(2) - 14.0)).abs() < 1e-9);
        assert!(out.stats.simple && out.stats.to_string().contains("crossings not counted"));
    }

    #[test]
    fn long_chain_and_cycles_do_not_recurse_or_fail() {
        let n = 100_000;
        let mut g = LayoutGraph::with_capacity(n, n);
        let mut prev = None;
        for _ in 0..n {
            let v = g.add_node(40.0, 20.0);
            if let Some(p) = prev {
                g.add_edge(p, v).unwrap();
            }
            prev = Some(v);
        }
        let out = simple_layout(&g, &LayoutOptions::default());
        assert_eq!(out.nodes.len(), n);
        let mut c = LayoutGraph::new();
        let a = c.add_node(10.0, 10.0);
        let b = c.add_node(10.0, 10.0);
        c.add_edge(a, b).unwrap();
        c.add_edge(b, a).unwrap();
        let out = simple_layout(&c, &LayoutOptions::default());
        assert_eq!(out.nodes.len(), 2);
        assert_eq!(out.stats.reversed_edges, 1);
    }

    #[test]
    fn empty_graph_is_empty() {
        let out = simple_layout(&LayoutGraph::new(), &LayoutOptions::default());
        assert!(out.nodes.is_empty() && out.edges.is_empty());
        assert_eq!((out.width, out.height), (0.0, 0.0));
    }
}
