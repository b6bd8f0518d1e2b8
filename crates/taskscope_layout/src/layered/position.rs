//! Coordinate assignment along the order axis (Brandes and Köpf, 2001).
//!
//! Four alignments (inputs or consumers as reference, scanning from the left
//! or from the right) each group nodes into vertical *blocks* that share one
//! coordinate, preferring medians and never letting two inner segments of
//! long edges cross (type-1 conflicts are resolved in favour of the long
//! edge, which keeps long edges straight). Each alignment is compacted by a
//! longest-path pass over the block graph in topological order, followed by a
//! pass that pulls blocks towards their right neighbours (this is dagre's
//! formulation; it avoids the original paper's recursive `place_block` and its
//! class-shift error). The four results are aligned to the narrowest and
//! every node takes the mean of its two median candidates, which centres
//! parents over their children.
//!
//! A final sweep enforces the separation of neighbours exactly, so nodes
//! never overlap whatever floating-point rounding did.

use super::order::Layers;
use super::proper::Proper;

/// Gaps between neighbours in a layer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spacing {
    /// Between two real nodes.
    pub(crate) node_sep: f64,
    /// Next to a dummy (an edge passing through the layer).
    pub(crate) edge_sep: f64,
}

/// Order-axis coordinate (centre) of every node of `p`.
///
/// # Complexity
/// O(V log V + E log E) time, O(V + E) memory, no recursion.
pub(crate) fn assign(p: &Proper, layers: &Layers, spacing: Spacing) -> Vec<f64> {
    let n = p.len();
    if n == 0 {
        return Vec::new();
    }
    let conflicts = type1_conflicts(p, layers);
    let mut candidates: Vec<Vec<f64>> = Vec::with_capacity(4);
    for upwards in [true, false] {
        for from_right in [false, true] {
            let mut seq: Layers = if upwards {
                layers.clone()
            } else {
                layers.iter().rev().cloned().collect()
            };
            if from_right {
                for l in &mut seq {
                    l.reverse();
                }
            }
            let pos = super::order::positions(n, &seq);
            let (root, _align) = vertical_alignment(p, &seq, &pos, &conflicts, upwards);
            let mut xs = compact(p, &seq, &root, spacing).unwrap_or_else(|| {
                // The block graph had a cycle (it should not); fall back to no alignment.
                let identity: Vec<u32> = (0..n as u32).collect();
                compact(p, &seq, &identity, spacing).unwrap_or_else(|| vec![0.0; n])
            });
            if from_right {
                for x in &mut xs {
                    *x = -*x;
                }
            }
            candidates.push(xs);
        }
    }
    let mut x = balance(p, &candidates);
    enforce_separation(p, layers, spacing, &mut x);
    x
}

/// Conflicts as sorted `(lower, upper)` node pairs.
type Conflicts = Vec<(u32, u32)>;

fn has_conflict(conflicts: &Conflicts, a: u32, b: u32) -> bool {
    let key = if a < b { (a, b) } else { (b, a) };
    conflicts.binary_search(&key).is_ok()
}

/// Marks segments that cross an inner segment (an edge between two dummies).
fn type1_conflicts(p: &Proper, layers: &Layers) -> Conflicts {
    let pos = super::order::positions(p.len(), layers);
    let mut conflicts = Vec::new();
    for pair in layers.windows(2) {
        let [prev, layer] = pair else { continue };
        let mut k0 = 0u32;
        let mut scan = 0usize;
        let prev_len = prev.len() as u32;
        for (i, &v) in layer.iter().enumerate() {
            let inner = if p.is_dummy(v) {
                p.pred.get(v).iter().copied().find(|&u| p.is_dummy(u))
            } else {
                None
            };
            let k1 = inner.map_or(prev_len, |w| pos[w as usize]);
            if inner.is_some() || i + 1 == layer.len() {
                for &s in layer.get(scan..=i).unwrap_or(&[]) {
                    for &u in p.pred.get(s) {
                        let up = pos[u as usize];
                        if (up < k0 || k1 < up) && !(p.is_dummy(u) && p.is_dummy(s)) {
                            conflicts.push(if u < s { (u, s) } else { (s, u) });
                        }
                    }
                }
                scan = i + 1;
                k0 = k1;
            }
        }
    }
    conflicts.sort_unstable();
    conflicts.dedup();
    conflicts
}

/// Groups nodes into blocks; returns `root` (each node's block root) and `align`.
fn vertical_alignment(
    p: &Proper,
    seq: &Layers,
    pos: &[u32],
    conflicts: &Conflicts,
    upwards: bool,
) -> (Vec<u32>, Vec<u32>) {
    let n = p.len();
    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut align: Vec<u32> = (0..n as u32).collect();
    let mut ws: Vec<u32> = Vec::new();
    for layer in seq {
        let mut prev_index: i64 = -1;
        for &v in layer {
            ws.clear();
            ws.extend_from_slice(if upwards {
                p.pred.get(v)
            } else {
                p.succ.get(v)
            });
            if ws.is_empty() {
                continue;
            }
            ws.sort_unstable_by_key(|&w| pos[w as usize]);
            let last = ws.len() - 1;
            // The median, or both medians of an even count, left one first.
            for i in last / 2..=last.div_ceil(2) {
                let Some(&w) = ws.get(i) else { continue };
                let wp = i64::from(pos[w as usize]);
                if align[v as usize] == v && prev_index < wp && !has_conflict(conflicts, v, w) {
                    align[w as usize] = v;
                    root[v as usize] = root[w as usize];
                    align[v as usize] = root[v as usize];
                    prev_index = wp;
                }
            }
        }
    }
    (root, align)
}

/// Minimal distance between the centres of neighbours `a` and `b`.
fn separation(p: &Proper, a: u32, b: u32, spacing: Spacing) -> f64 {
    let half = |v: u32| {
        let gap = if p.is_dummy(v) {
            spacing.edge_sep
        } else {
            spacing.node_sep
        };
        f64::midpoint(p.breadth[v as usize], gap)
    };
    half(a) + half(b)
}

/// Horizontal compaction of one alignment; `None` if the block graph has a cycle.
fn compact(p: &Proper, seq: &Layers, root: &[u32], spacing: Spacing) -> Option<Vec<f64>> {
    let n = p.len();
    // Block graph: root of left neighbour -> root of right neighbour, weight = separation.
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for layer in seq {
        for pair in layer.windows(2) {
            let [u, v] = pair else { continue };
            edges.push((
                root[*u as usize],
                root[*v as usize],
                separation(p, *u, *v, spacing),
            ));
        }
    }
    let out = super::csr::Csr::build(
        n,
        edges
            .iter()
            .enumerate()
            .map(|(i, &(a, _, _))| (a, i as u32)),
    );
    let inc = super::csr::Csr::build(
        n,
        edges
            .iter()
            .enumerate()
            .map(|(i, &(_, b, _))| (b, i as u32)),
    );
    let mut pending: Vec<u32> = (0..n as u32).map(|v| inc.degree(v) as u32).collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&v| pending[v as usize] == 0)
        .collect();
    let mut head = 0;
    while let Some(&b) = order.get(head) {
        head += 1;
        for &e in out.get(b) {
            let t = edges[e as usize].1;
            let c = &mut pending[t as usize];
            *c -= 1;
            if *c == 0 {
                order.push(t);
            }
        }
    }
    if order.len() < n {
        return None;
    }
    let mut xs = vec![0.0f64; n];
    for &b in &order {
        let mut x = 0.0f64;
        for &e in inc.get(b) {
            let (a, _, w) = edges[e as usize];
            x = x.max(xs[a as usize] + w);
        }
        xs[b as usize] = x;
    }
    for &b in order.iter().rev() {
        let mut min = f64::INFINITY;
        for &e in out.get(b) {
            let (_, c, w) = edges[e as usize];
            min = min.min(xs[c as usize] - w);
        }
        if min.is_finite() {
            xs[b as usize] = xs[b as usize].max(min);
        }
    }
    Some((0..n).map(|v| xs[root[v] as usize]).collect())
}

/// Aligns the four candidates to the narrowest one and takes, for every node,
/// the mean of its two median candidates.
fn balance(p: &Proper, candidates: &[Vec<f64>]) -> Vec<f64> {
    let n = p.len();
    let extent = |xs: &Vec<f64>| {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for (v, &x) in xs.iter().enumerate() {
            let half = p.breadth[v] / 2.0;
            lo = lo.min(x - half);
            hi = hi.max(x + half);
        }
        (lo, hi)
    };
    let extents: Vec<(f64, f64)> = candidates.iter().map(extent).collect();
    let Some((narrowest, _)) = extents
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1.1 - a.1.0).total_cmp(&(b.1.1 - b.1.0)))
    else {
        return vec![0.0; n];
    };
    let (ref_lo, ref_hi) = extents[narrowest];
    // Candidates 0 and 2 scan from the left, 1 and 3 from the right.
    let shifts: Vec<f64> = extents
        .iter()
        .enumerate()
        .map(|(i, &(lo, hi))| if i % 2 == 0 { ref_lo - lo } else { ref_hi - hi })
        .collect();
    (0..n)
        .map(|v| {
            let mut xs = [0.0f64; 4];
            for (slot, (c, s)) in xs.iter_mut().zip(candidates.iter().zip(&shifts)) {
                *slot = c[v] + s;
            }
            xs.sort_unstable_by(f64::total_cmp);
            f64::midpoint(xs[1], xs[2])
        })
        .collect()
}

/// Pushes nodes right where a neighbour is closer than its separation.
fn enforce_separation(p: &Proper, layers: &Layers, spacing: Spacing, x: &mut [f64]) {
    for layer in layers {
        for pair in layer.windows(2) {
            let [u, v] = pair else { continue };
            let min = x[*u as usize] + separation(p, *u, *v, spacing);
            if x[*v as usize] < min {
                x[*v as usize] = min;
            }
        }
    }
}
