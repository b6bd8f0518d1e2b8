//! Packing a drawing's unconnected parts in rows, as Graphviz's `pack` does.
//!
//! A layered layout puts the connected components of a graph side by side, so a graph of
//! many small parts (a trace without dependencies drawn task by task: each task and its
//! result box) comes out as one row as wide as all of them, which a fitted zoom shrinks
//! until no label shows. [`pack_components`] cuts that row into rows about as wide as the
//! whole is tall, keeping the parts in their left-to-right order.
//!
//! First [`group_parts`] makes each part contiguous in every layer of the layered
//! layout's order (crossing reduction may interleave parts: a source moved up a layer can
//! sit anywhere in it without a crossing), so that a part's extent is its own and not
//! stretched across others. Then each part moves rigidly (its nodes and its edges' points
//! and control points by the same offset), and the parts of one row keep their offsets
//! across the layers, so its layers stay aligned, and no edge of one part meets another
//! part: the drawing's crossings are the parts' own, as many as before. Packing is kept
//! only when it makes the drawing smaller: a shorter longest side and at most twice the
//! area (the fast `simple` layout centres each layer on its own, which can stretch a
//! part's extent diagonally across the drawing; then the parts stay in one row).

use super::order::Layers;
use super::proper::Proper;
use super::{EdgeRoute, Extent, LayoutGraph, LayoutOptions, NodePlacement, Point};

/// Parts in one row at most before packing is considered: up to three stay side by side,
/// as Graphviz draws them (the same rule as a drawing without edges).
const KEEP_IN_ONE_ROW: usize = 3;

/// The root of `v`'s set in a union-find forest, halving the path to it.
fn root(parent: &mut [u32], mut v: u32) -> u32 {
    while let Some(&p) = parent.get(v as usize) {
        if p == v {
            break;
        }
        let grand = parent.get(p as usize).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(v as usize) {
            *slot = grand;
        }
        v = grand;
    }
    v
}

/// The connected component of each node (numbered by first node), and their count.
///
/// # Complexity
/// O(V + E α(V)).
fn components(n: usize, edges: impl IntoIterator<Item = (u32, u32)>) -> (Vec<u32>, usize) {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for (u, v) in edges {
        let (a, b) = (root(&mut parent, u), root(&mut parent, v));
        if a != b {
            // The smaller id stays the root: deterministic whatever the edge order.
            let (keep, join) = if a < b { (a, b) } else { (b, a) };
            if let Some(slot) = parent.get_mut(join as usize) {
                *slot = keep;
            }
        }
    }
    let mut number = vec![u32::MAX; n];
    let mut of = vec![0u32; n];
    let mut count = 0usize;
    for v in 0..n as u32 {
        let r = root(&mut parent, v) as usize;
        let id = match number.get(r).copied() {
            Some(id) if id != u32::MAX => id,
            _ => {
                let id = count as u32;
                if let Some(slot) = number.get_mut(r) {
                    *slot = id;
                }
                count += 1;
                id
            }
        };
        if let Some(slot) = of.get_mut(v as usize) {
            *slot = id;
        }
    }
    (of, count)
}

/// Orders every layer of `layers` (the nodes and dummies of `p`) part by part, keeping
/// each part's own order: the parts are ranked by their leftmost position in any layer
/// (ties by their first node). No edge joins two parts, so each part's own crossings are
/// the same; crossings between the edges of parts that were interleaved are gone.
/// Returns whether the order changed.
///
/// # Complexity
/// O(V + E + Σ layer log layer) for the V nodes and dummies and the E edges of `p`.
pub(super) fn group_parts(p: &Proper, layers: &mut Layers) -> bool {
    let n = p.len();
    let edges = (0..n as u32).flat_map(|v| p.succ.get(v).iter().map(move |&u| (v, u)));
    let (part_of, parts) = components(n, edges);
    if parts < 2 {
        return false;
    }
    let mut leftmost = vec![u32::MAX; parts];
    for layer in layers.iter() {
        for (i, &v) in layer.iter().enumerate() {
            if let Some(slot) = part_of
                .get(v as usize)
                .and_then(|&part| leftmost.get_mut(part as usize))
            {
                *slot = (*slot).min(i as u32);
            }
        }
    }
    // Each node's rank as one number: (its part's leftmost position, its part).
    let rank: Vec<u64> = part_of
        .iter()
        .map(|&part| {
            let left = leftmost.get(part as usize).copied().unwrap_or(0);
            (u64::from(left) << 32) | u64::from(part)
        })
        .collect();
    let rank_of = |v: &u32| rank.get(*v as usize).copied().unwrap_or(u64::MAX);
    let mut changed = false;
    for layer in layers.iter_mut() {
        if !layer.is_sorted_by_key(rank_of) {
            layer.sort_by_key(rank_of);
            changed = true;
        }
    }
    changed
}

/// The extent of each part: its nodes and its edges' routes.
fn extents(
    part_of: &[u32],
    parts: usize,
    nodes: &[NodePlacement],
    edges: &[EdgeRoute],
) -> Vec<Extent> {
    let mut extent = vec![Extent::EMPTY; parts];
    for (node, &part) in nodes.iter().zip(part_of) {
        if let Some(e) = extent.get_mut(part as usize) {
            e.add_node(node);
        }
    }
    for edge in edges {
        let part = part_of.get(edge.from.index()).copied().unwrap_or(0);
        if let Some(e) = extent.get_mut(part as usize) {
            e.add_route(edge);
        }
    }
    extent
}

/// Moves every node and edge of each part by its offset (along the rows, across them).
fn shift_parts(
    part_of: &[u32],
    offset: &[(f64, f64)],
    vertical: bool,
    nodes: &mut [NodePlacement],
    edges: &mut [EdgeRoute],
) {
    let delta = |part: u32| {
        let (along, across) = offset.get(part as usize).copied().unwrap_or_default();
        if vertical {
            (along, across)
        } else {
            (across, along)
        }
    };
    for (node, &part) in nodes.iter_mut().zip(part_of) {
        let (dx, dy) = delta(part);
        node.center.translate(dx, dy);
    }
    for edge in edges {
        let (dx, dy) = delta(part_of.get(edge.from.index()).copied().unwrap_or(0));
        edge.translate(dx, dy);
    }
}

/// `order`'s parts, of main-axis `lengths` (in the same order), cut into rows no longer
/// than `target` (a part longer than it has a row of its own).
fn rows_within(order: &[usize], lengths: &[f64], target: f64, gap: f64) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut length = 0.0;
    for (&part, &m) in order.iter().zip(lengths) {
        match rows.last_mut() {
            Some(row) if length + m <= target => row.push(part),
            _ => {
                rows.push(vec![part]);
                length = 0.0;
            }
        }
        length += m + gap;
    }
    rows
}

/// Packs the connected parts of a laid-out drawing in rows (see the module docs) when
/// there are more than three, their row is more than twice as long as the thickest
/// part, and packing makes the drawing smaller (a shorter longest side, at most twice
/// the area); otherwise leaves it as it is. `nodes` and `edges` are the layout of
/// `graph` (one route per edge, in its order); the caller normalises the coordinates
/// afterwards.
///
/// A layered layout's layers must have been ordered part by part ([`group_parts`]):
/// parts interleaved in a layer would be drawn apart from crossings counted between them.
///
/// # Complexity
/// O(V + E + P) for V nodes, E edges and P points on the routes.
pub(super) fn pack_components(
    graph: &LayoutGraph,
    nodes: &mut [NodePlacement],
    edges: &mut [EdgeRoute],
    options: &LayoutOptions,
) {
    let (part_of, parts) = components(nodes.len(), graph.edges.iter().copied());
    if parts <= KEEP_IN_ONE_ROW {
        return;
    }
    let extent = extents(&part_of, parts, nodes, edges);
    // Rows run along the layers' breadth: x when edges go up or down, y otherwise.
    let vertical = options.rank_dir.is_vertical();
    let main = |p: Point| if vertical { p.x } else { p.y };
    let cross = |p: Point| if vertical { p.y } else { p.x };
    let size = |e: &Extent| (main(e.hi) - main(e.lo), cross(e.hi) - cross(e.lo));
    let gap_main = options.node_sep.max(0.0);
    let gap_cross = options.layer_sep.max(0.0);

    // The parts in their left-to-right (or top-to-bottom) order.
    let mut order: Vec<usize> = (0..parts).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| extent.get(i).map_or(0.0, |e| main(e.lo));
        key(a).total_cmp(&key(b)).then(a.cmp(&b))
    });
    let (mut row_length, mut area, mut widest, mut thickest) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for e in &extent {
        let (m, c) = size(e);
        row_length += m + gap_main;
        area += (m + gap_main) * (c + gap_cross);
        widest = widest.max(m);
        thickest = thickest.max(c);
    }
    if row_length <= 2.0 * (thickest + gap_cross) {
        return;
    }
    let target = area.sqrt().max(widest);

    // Rows, greedily: a part starts a new row when it would make the row longer than
    // the target. Then the same number of rows made as even as the greedy rule allows
    // (40 parts: rows of 7 or 8 rather than five of 9 and one of 1).
    let lengths: Vec<f64> = order
        .iter()
        .map(|&part| extent.get(part).map_or(0.0, |e| size(e).0))
        .collect();
    let mut rows = rows_within(&order, &lengths, target, gap_main);
    let count = rows.len();
    let even = (row_length - gap_main) / count as f64;
    let mut tried = even.max(widest);
    while tried < target {
        let candidate = rows_within(&order, &lengths, tried, gap_main);
        if candidate.len() <= count {
            rows = candidate;
            break;
        }
        tried *= 1.02;
    }
    if rows.len() < 2 {
        return;
    }

    // Offsets: a row's parts keep their places across the layers (one cross offset per
    // row), side by side along it, each row centred on the longest.
    let row_len = |row: &[usize]| {
        row.iter()
            .map(|&p| extent.get(p).map_or(0.0, |e| size(e).0))
            .sum::<f64>()
            + gap_main * row.len().saturating_sub(1) as f64
    };
    let longest = rows.iter().map(|r| row_len(r)).fold(0.0, f64::max);
    let mut offset = vec![(0.0f64, 0.0f64); parts];
    let whole = extent.iter().fold(Extent::EMPTY, |mut all, e| {
        all.grow(e.lo, 0.0, 0.0);
        all.grow(e.hi, 0.0, 0.0);
        all
    });
    let (before_main, before_cross) = size(&whole);
    let mut at_cross = 0.0;
    for row in &rows {
        let lo = row
            .iter()
            .filter_map(|&p| extent.get(p))
            .map(|e| cross(e.lo))
            .fold(f64::INFINITY, f64::min);
        let hi = row
            .iter()
            .filter_map(|&p| extent.get(p))
            .map(|e| cross(e.hi))
            .fold(f64::NEG_INFINITY, f64::max);
        let mut at_main = (longest - row_len(row)) / 2.0;
        for &p in row {
            if let (Some(e), Some(slot)) = (extent.get(p), offset.get_mut(p)) {
                *slot = (at_main - main(e.lo), at_cross - lo);
                at_main += size(e).0 + gap_main;
            }
        }
        at_cross += (hi - lo) + gap_cross;
    }
    // Only when it helps (see the module docs).
    let (after_main, after_cross) = (longest, at_cross - gap_cross);
    let smaller = after_main.max(after_cross) < before_main.max(before_cross)
        && after_main * after_cross <= 2.0 * before_main * before_cross;
    if smaller {
        shift_parts(&part_of, &offset, vertical, nodes, edges);
    }
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn components_are_numbered_by_first_node() {
        let (of, count) = components(6, [(4, 1), (2, 5), (1, 0)]);
        assert_eq!(count, 3);
        assert_eq!(of, vec![0, 0, 1, 2, 0, 1]);
    }
}
