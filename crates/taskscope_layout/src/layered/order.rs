//! Crossing reduction: the order of nodes within each layer.
//!
//! Modelled on Graphviz's `mincross` (Gansner et al. 1993), in three passes:
//! a few sweeps from a depth-first order grown from the first layer, a few
//! from one grown from the last layer, then up to `max_sweeps` more from the
//! better of the two. A sweep visits the layers upwards (each layer sorted by
//! the weighted median of its inputs' positions) or downwards (by its
//! consumers'), then runs *transpose* (swap neighbours while that removes
//! crossings) until it stops paying. Every other pair of sweeps also accepts
//! swaps and ties that keep the count, to leave plateaus. A pass stops after
//! `patience` sweeps without a gain of 0.5 %. Crossings are counted after
//! every sweep and the best order seen (the initial one included) is kept, so
//! the result never has more crossings than the start.

use super::csr::Csr;
use super::proper::Proper;

/// Orders within layers: `layers[l]` lists the nodes of layer `l`, left to right.
pub(crate) type Layers = Vec<Vec<u32>>;

/// Transpose passes after one sweep, at most (each is linear; they usually stop after a few).
const TRANSPOSE_PASSES: usize = 32;

/// Above this many nodes plus edges (dummies included), fewer transpose passes
/// are allowed, in proportion, so that 100,000-task graphs stay within seconds.
const FULL_EFFORT_SIZE: usize = 100_000;

/// The transpose pass limit for a proper graph of `size` nodes plus edges:
/// [`TRANSPOSE_PASSES`] up to [`FULL_EFFORT_SIZE`], then scaled down to no less than 4.
fn transpose_passes(size: usize) -> usize {
    if size <= FULL_EFFORT_SIZE {
        TRANSPOSE_PASSES
    } else {
        (TRANSPOSE_PASSES * FULL_EFFORT_SIZE / size).max(4)
    }
}

/// Sweeps of each of the two opening passes.
const OPENING_SWEEPS: u32 = 4;

/// What crossing reduction did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OrderOutcome {
    pub(crate) initial_crossings: u64,
    pub(crate) crossings: u64,
    pub(crate) sweeps: u32,
}

/// The depth-first initial order: nodes sorted by (layer, index) start
/// searches that follow edges upwards; each node joins its layer when first met.
///
/// # Complexity
/// O(V + E), no recursion.
pub(crate) fn initial_order(p: &Proper) -> Layers {
    depth_first_order(p, true)
}

/// A depth-first order grown from the first layer (`upwards`) or from the last.
fn depth_first_order(p: &Proper, upwards: bool) -> Layers {
    let n = p.len();
    let mut layers: Layers = vec![Vec::new(); p.layer_count];
    let mut starts: Vec<u32> = (0..n as u32).collect();
    if upwards {
        starts.sort_by_key(|&v| p.layer[v as usize]);
    } else {
        starts.sort_by_key(|&v| std::cmp::Reverse(p.layer[v as usize]));
    }
    let next = if upwards { &p.succ } else { &p.pred };
    let mut seen = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    for &start in &starts {
        stack.push(start);
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v as usize], true) {
                continue;
            }
            if let Some(layer) = layers.get_mut(p.layer[v as usize] as usize) {
                layer.push(v);
            }
            stack.extend(next.get(v).iter().rev().filter(|&&w| !seen[w as usize]));
        }
    }
    layers
}

/// Position of every node within its layer.
pub(crate) fn positions(n: usize, layers: &Layers) -> Vec<u32> {
    let mut pos = vec![0u32; n];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
    pos
}

/// The best order seen so far.
struct Best {
    crossings: u64,
    layers: Layers,
}

/// Reorders `layers` to reduce crossings; see the module docs.
///
/// # Complexity
/// O(sweeps · (E log V + T · E)): each sweep sorts every layer once, runs
/// at most T linear transpose passes (32, fewer for graphs over 100,000 elements; see `transpose_passes`), and counts
/// crossings in O(E log V) (Barth, Mutzel and Jünger's accumulator tree).
pub(crate) fn reduce_crossings(
    p: &Proper,
    layers: &mut Layers,
    max_sweeps: u32,
    patience: u32,
) -> OrderOutcome {
    let n = p.len();
    let mut pos = positions(n, layers);
    let initial = count_crossings(layers, &p.succ, &pos);
    let mut best = Best {
        crossings: initial,
        layers: layers.clone(),
    };
    let mut s = Scratch::default();
    let mut sweeps = 0;
    let opening = OPENING_SWEEPS.min(max_sweeps);
    for upwards in [true, false] {
        if !upwards {
            *layers = depth_first_order(p, false);
            pos = positions(n, layers);
            let c = count_crossings(layers, &p.succ, &pos);
            if c < best.crossings {
                best.crossings = c;
                best.layers.clone_from(layers);
            }
        }
        sweeps += run_pass(p, layers, &mut pos, opening, opening, &mut best, &mut s);
    }
    layers.clone_from(&best.layers);
    pos = positions(n, layers);
    sweeps += run_pass(p, layers, &mut pos, max_sweeps, patience, &mut best, &mut s);
    *layers = best.layers;
    OrderOutcome {
        initial_crossings: initial,
        crossings: best.crossings,
        sweeps,
    }
}

/// Up to `max_sweeps` sweeps from the current order; returns how many ran.
fn run_pass(
    p: &Proper,
    layers: &mut Layers,
    pos: &mut [u32],
    max_sweeps: u32,
    patience: u32,
    best: &mut Best,
    s: &mut Scratch,
) -> u32 {
    let mut stale = 0;
    let mut sweeps = 0;
    for it in 0..max_sweeps {
        if best.crossings == 0 || stale >= patience {
            break;
        }
        sweeps += 1;
        let upwards = it % 2 == 0;
        // Graphviz's "reverse": on two sweeps out of four, ties are broken
        // the other way and equal-crossing swaps are taken.
        let loose = it % 4 < 2;
        let count = layers.len();
        if upwards {
            for l in 1..count {
                if let Some(layer) = layers.get_mut(l) {
                    sort_by_median(layer, &p.pred, pos, loose, s);
                }
            }
        } else {
            for l in (0..count.saturating_sub(1)).rev() {
                if let Some(layer) = layers.get_mut(l) {
                    sort_by_median(layer, &p.succ, pos, loose, s);
                }
            }
        }
        transpose(p, layers, pos, loose, s);
        let crossings = count_crossings(layers, &p.succ, pos);
        if crossings < best.crossings {
            // Gains under 0.5 % count as stalling, as in Graphviz.
            if (crossings as f64) < 0.995 * best.crossings as f64 {
                stale = 0;
            } else {
                stale += 1;
            }
            best.crossings = crossings;
            best.layers.clone_from(layers);
        } else {
            stale += 1;
        }
    }
    sweeps
}

#[derive(Default)]
struct Scratch {
    keyed: Vec<(f64, i64, u32)>,
    /// Sorted neighbour positions, or one node's while sorting a layer.
    a: Vec<u32>,
    /// Per node of the layer being transposed: its (pred, succ) ranges in `a`.
    ranges: Vec<[(u32, u32); 2]>,
}

/// Graphviz's weighted median of sorted positions: the middle one, or for an
/// even count the two middle ones weighted towards the denser side.
fn weighted_median(sorted: &[u32]) -> Option<f64> {
    let n = sorted.len();
    let at = |i: usize| sorted.get(i).copied().map_or(0.0, f64::from);
    match n {
        0 => None,
        1 => Some(at(0)),
        2 => Some(f64::midpoint(at(0), at(1))),
        _ if n % 2 == 1 => Some(at(n / 2)),
        _ => {
            let (lm, rm) = (n / 2 - 1, n / 2);
            let left = at(lm) - at(0);
            let right = at(n - 1) - at(rm);
            if left + right == 0.0 {
                Some(f64::midpoint(at(lm), at(rm)))
            } else {
                Some((at(lm) * right + at(rm) * left) / (left + right))
            }
        }
    }
}

/// Sorts one layer by the weighted median position of each node's neighbours
/// in the fixed layer; nodes without neighbours keep their slots. Ties keep
/// the current order, or reverse it when `loose`. Updates `pos`.
fn sort_by_median(
    layer: &mut [u32],
    neighbours: &Csr,
    pos: &mut [u32],
    loose: bool,
    s: &mut Scratch,
) {
    s.keyed.clear();
    for &v in layer.iter() {
        s.a.clear();
        s.a.extend(neighbours.get(v).iter().map(|&w| pos[w as usize]));
        s.a.sort_unstable();
        let Some(median) = weighted_median(&s.a) else {
            continue;
        };
        let here = i64::from(pos[v as usize]);
        s.keyed.push((median, if loose { -here } else { here }, v));
    }
    s.keyed
        .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut sorted = s.keyed.iter().map(|k| k.2);
    for slot in layer.iter_mut() {
        if neighbours.degree(*slot) == 0 {
            continue;
        }
        if let Some(v) = sorted.next() {
            *slot = v;
        }
    }
    for (i, &v) in layer.iter().enumerate() {
        pos[v as usize] = i as u32;
    }
}

/// Swaps neighbouring nodes while that lowers crossings with both adjacent
/// layers (or keeps them equal, when `loose`), until a pass gains nothing.
/// As in Graphviz, a pass only revisits layers next to one that changed.
fn transpose(p: &Proper, layers: &mut Layers, pos: &mut [u32], loose: bool, s: &mut Scratch) {
    let count = layers.len();
    let mut candidate = vec![true; count];
    let edges = p.succ.len();
    for _ in 0..transpose_passes(p.len() + edges) {
        let mut gain = 0u64;
        let mut next = vec![false; count];
        for (l, layer) in layers.iter_mut().enumerate() {
            if candidate[l] && transpose_layer(p, layer, pos, loose, s, &mut gain) {
                let around = l.saturating_sub(1)..(l + 2).min(count);
                if let Some(flags) = next.get_mut(around) {
                    flags.fill(true);
                }
            }
        }
        if gain == 0 {
            break;
        }
        candidate = next;
    }
}

/// One transpose pass over one layer; returns whether a swap lowered crossings.
fn transpose_layer(
    p: &Proper,
    layer: &mut [u32],
    pos: &mut [u32],
    loose: bool,
    s: &mut Scratch,
    gain: &mut u64,
) -> bool {
    // Neighbour positions do not change while this layer is reordered:
    // sort each node's once, and swap the ranges along with the nodes.
    s.a.clear();
    s.ranges.clear();
    for &v in layer.iter() {
        let mut range = [(0u32, 0u32); 2];
        for (side, adj) in [&p.pred, &p.succ].into_iter().enumerate() {
            let start = s.a.len();
            s.a.extend(adj.get(v).iter().map(|&w| pos[w as usize]));
            if let Some(slice) = s.a.get_mut(start..) {
                slice.sort_unstable();
            }
            range[side] = (start as u32, s.a.len() as u32);
        }
        s.ranges.push(range);
    }
    let mut changed = false;
    for i in 1..layer.len() {
        let (Some(ru), Some(rv)) = (s.ranges.get(i - 1).copied(), s.ranges.get(i).copied()) else {
            continue;
        };
        let (mut keep, mut swap) = (0u64, 0u64);
        for side in 0..2 {
            let a =
                s.a.get(ru[side].0 as usize..ru[side].1 as usize)
                    .unwrap_or(&[]);
            let b =
                s.a.get(rv[side].0 as usize..rv[side].1 as usize)
                    .unwrap_or(&[]);
            let (k, w) = cross_counts(a, b);
            keep += k;
            swap += w;
        }
        if keep == 0 {
            continue;
        }
        if swap < keep || (loose && swap == keep) {
            let (u, v) = (layer[i - 1], layer[i]);
            layer.swap(i - 1, i);
            s.ranges.swap(i - 1, i);
            pos[u as usize] = i as u32;
            pos[v as usize] = (i - 1) as u32;
            *gain += keep - swap;
            changed |= swap < keep;
        }
    }
    changed
}

/// For two nodes with sorted neighbour positions `a` (left) and `b` (right):
/// the crossings between their edges as placed, and if they swapped.
///
/// # Complexity
/// O(|a| + |b|), one merge.
fn cross_counts(a: &[u32], b: &[u32]) -> (u64, u64) {
    if a.is_empty() || b.is_empty() {
        return (0, 0);
    }
    let (mut above, mut equal) = (0u64, 0u64);
    let (mut le, mut lt) = (0usize, 0usize);
    for &x in b {
        while a.get(le).is_some_and(|&y| y <= x) {
            le += 1;
        }
        while a.get(lt).is_some_and(|&y| y < x) {
            lt += 1;
        }
        above += (a.len() - le) as u64;
        equal += (le - lt) as u64;
    }
    let pairs = (a.len() * b.len()) as u64;
    (above, pairs - above - equal)
}

/// Counts edge crossings between every pair of adjacent layers.
///
/// # Complexity
/// O(E log V): per layer pair, edges are listed in (upper, lower) position
/// order and inversions counted with a Fenwick tree.
pub(crate) fn count_crossings(layers: &Layers, succ: &Csr, pos: &[u32]) -> u64 {
    let mut total = 0u64;
    let mut ends: Vec<u32> = Vec::new();
    let mut tree: Vec<u64> = Vec::new();
    for pair in layers.windows(2) {
        let [lower_layer, upper_layer] = pair else {
            continue;
        };
        let size = upper_layer.len();
        tree.clear();
        tree.resize(size + 1, 0);
        let mut inserted = 0u64;
        for &u in lower_layer {
            ends.clear();
            ends.extend(succ.get(u).iter().map(|&w| pos[w as usize]));
            ends.sort_unstable();
            for &q in &ends {
                // Ends already inserted at a position greater than q cross this edge.
                let at_most_q = fenwick_prefix(&tree, q as usize);
                total += inserted - at_most_q;
                fenwick_add(&mut tree, q as usize);
                inserted += 1;
            }
        }
    }
    total
}

fn fenwick_add(tree: &mut [u64], index: usize) {
    let mut i = index + 1;
    while let Some(slot) = tree.get_mut(i) {
        *slot += 1;
        i += i & i.wrapping_neg();
    }
}

/// Sum of entries `0..=index`.
fn fenwick_prefix(tree: &[u64], index: usize) -> u64 {
    let mut i = (index + 1).min(tree.len().saturating_sub(1));
    let mut sum = 0;
    while i > 0 {
        sum += tree.get(i).copied().unwrap_or(0);
        i &= i - 1;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proper(layer: &[u32], edges: &[(u32, u32)]) -> Proper {
        let zeros = vec![10.0; layer.len()];
        Proper::build(layer, &zeros, &zeros, edges)
    }

    /// O(E²) reference count.
    fn brute_crossings(p: &Proper, layers: &Layers) -> u64 {
        let pos = positions(p.len(), layers);
        let mut edges = Vec::new();
        for v in 0..p.len() as u32 {
            for &w in p.succ.get(v) {
                edges.push((v, w));
            }
        }
        let mut c = 0;
        for (i, &(a, b)) in edges.iter().enumerate() {
            for &(x, y) in &edges[i + 1..] {
                if p.layer[a as usize] != p.layer[x as usize] {
                    continue;
                }
                let (pa, pb, px, py) = (
                    pos[a as usize],
                    pos[b as usize],
                    pos[x as usize],
                    pos[y as usize],
                );
                if (pa < px && pb > py) || (pa > px && pb < py) {
                    c += 1;
                }
            }
        }
        c
    }

    #[test]
    fn counts_a_simple_cross() {
        // 0,1 below; 2,3 above; 0->3 and 1->2 cross once.
        let p = proper(&[0, 0, 1, 1], &[(0, 3), (1, 2)]);
        let layers = vec![vec![0, 1], vec![2, 3]];
        let pos = positions(p.len(), &layers);
        assert_eq!(count_crossings(&layers, &p.succ, &pos), 1);
        assert_eq!(brute_crossings(&p, &layers), 1);
    }

    #[test]
    fn reduction_removes_the_cross_and_matches_brute_force() {
        let p = proper(&[0, 0, 1, 1, 2], &[(0, 3), (1, 2), (2, 4), (3, 4), (0, 4)]);
        let mut layers = initial_order(&p);
        let out = reduce_crossings(&p, &mut layers, 8, 4);
        assert!(out.crossings <= out.initial_crossings);
        assert_eq!(out.crossings, brute_crossings(&p, &layers));
        assert_eq!(out.crossings, 0);
    }

    #[test]
    fn cross_counts_counts_both_orders() {
        // Left node's ends at 1, 2; right node's at 0: two crossings, none if swapped.
        assert_eq!(cross_counts(&[1, 2], &[0]), (2, 0));
        assert_eq!(cross_counts(&[0], &[1, 2]), (0, 2));
        // Shared ends never cross.
        assert_eq!(cross_counts(&[1], &[1]), (0, 0));
        assert_eq!(cross_counts(&[0, 1, 3], &[1, 2]), (2, 3));
        assert_eq!(cross_counts(&[], &[1]), (0, 0));
    }
}
