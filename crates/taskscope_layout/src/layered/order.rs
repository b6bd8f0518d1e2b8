//! Crossing reduction: the order of nodes within each layer.
//!
//! Start from a depth-first order (nodes met together stay together), then
//! run a bounded number of sweeps, alternately upwards (each layer sorted by
//! the barycenter of its inputs' positions) and downwards (by its consumers'),
//! each followed by a few passes of *transpose* (swap neighbours when that
//! removes crossings). Crossings are counted after every sweep and the best
//! order seen (the initial one included) is kept, so the result never has
//! more crossings than the start.

use super::csr::Csr;
use super::proper::Proper;

/// Orders within layers: `layers[l]` lists the nodes of layer `l`, left to right.
pub(crate) type Layers = Vec<Vec<u32>>;

/// Passes of transpose after each sweep, at most.
const TRANSPOSE_PASSES: usize = 4;

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
    let n = p.len();
    let mut layers: Layers = vec![Vec::new(); p.layer_count];
    let mut by_layer: Vec<u32> = (0..n as u32).collect();
    by_layer.sort_by_key(|&v| p.layer[v as usize]);
    let mut seen = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    for &start in &by_layer {
        stack.push(start);
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v as usize], true) {
                continue;
            }
            if let Some(layer) = layers.get_mut(p.layer[v as usize] as usize) {
                layer.push(v);
            }
            stack.extend(p.succ.get(v).iter().rev().filter(|&&w| !seen[w as usize]));
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

/// Reorders `layers` to reduce crossings; see the module docs.
///
/// # Complexity
/// O(sweeps · (E log V + V log V)): each sweep sorts every layer once, runs
/// at most [`TRANSPOSE_PASSES`] linear transpose passes, and counts crossings
/// in O(E log V) (Barth, Mutzel and Jünger's accumulator tree).
pub(crate) fn reduce_crossings(
    p: &Proper,
    layers: &mut Layers,
    max_sweeps: u32,
    patience: u32,
) -> OrderOutcome {
    let mut pos = positions(p.len(), layers);
    let initial = count_crossings(layers, &p.succ, &pos);
    let mut best = initial;
    let mut best_layers = layers.clone();
    let mut stale = 0;
    let mut sweeps = 0;
    let mut scratch = Scratch::default();
    for it in 0..max_sweeps {
        if best == 0 {
            break;
        }
        sweeps += 1;
        let upwards = it % 2 == 0;
        let bias_right = (it / 2) % 2 == 1;
        let count = layers.len();
        if upwards {
            for l in 1..count {
                if let Some(layer) = layers.get_mut(l) {
                    sort_by_barycenter(layer, &p.pred, &mut pos, bias_right, &mut scratch);
                }
            }
        } else {
            for l in (0..count.saturating_sub(1)).rev() {
                if let Some(layer) = layers.get_mut(l) {
                    sort_by_barycenter(layer, &p.succ, &mut pos, bias_right, &mut scratch);
                }
            }
        }
        transpose(p, layers, &mut pos, &mut scratch);
        let crossings = count_crossings(layers, &p.succ, &pos);
        if crossings < best {
            best = crossings;
            best_layers.clone_from(layers);
            stale = 0;
        } else {
            stale += 1;
            if stale >= patience {
                break;
            }
        }
    }
    *layers = best_layers;
    OrderOutcome {
        initial_crossings: initial,
        crossings: best,
        sweeps,
    }
}

#[derive(Default)]
struct Scratch {
    keyed: Vec<(f64, i64, u32)>,
    a: Vec<u32>,
    b: Vec<u32>,
}

/// Sorts one layer by the mean position of each node's neighbours in the fixed
/// layer; nodes without neighbours keep their slots. Updates `pos`.
fn sort_by_barycenter(
    layer: &mut [u32],
    neighbours: &Csr,
    pos: &mut [u32],
    bias_right: bool,
    s: &mut Scratch,
) {
    s.keyed.clear();
    for &v in layer.iter() {
        let ns = neighbours.get(v);
        if ns.is_empty() {
            continue;
        }
        let sum: u64 = ns.iter().map(|&w| u64::from(pos[w as usize])).sum();
        let bary = sum as f64 / ns.len() as f64;
        let here = i64::from(pos[v as usize]);
        s.keyed
            .push((bary, if bias_right { -here } else { here }, v));
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

/// Swaps neighbouring nodes while that lowers crossings with both adjacent layers.
fn transpose(p: &Proper, layers: &mut Layers, pos: &mut [u32], s: &mut Scratch) {
    for _ in 0..TRANSPOSE_PASSES {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 1..layer.len() {
                let (u, v) = (layer[i - 1], layer[i]);
                let keep =
                    pair_crossings(u, v, &p.pred, pos, s) + pair_crossings(u, v, &p.succ, pos, s);
                let swap =
                    pair_crossings(v, u, &p.pred, pos, s) + pair_crossings(v, u, &p.succ, pos, s);
                if swap < keep {
                    layer.swap(i - 1, i);
                    pos[u as usize] = i as u32;
                    pos[v as usize] = (i - 1) as u32;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Crossings between the edges of `left` and `right` towards one adjacent layer,
/// with `left` placed before `right`.
fn pair_crossings(left: u32, right: u32, neighbours: &Csr, pos: &[u32], s: &mut Scratch) -> u64 {
    let (nl, nr) = (neighbours.get(left), neighbours.get(right));
    if nl.is_empty() || nr.is_empty() {
        return 0;
    }
    s.a.clear();
    s.a.extend(nl.iter().map(|&w| pos[w as usize]));
    s.a.sort_unstable();
    s.b.clear();
    s.b.extend(nr.iter().map(|&w| pos[w as usize]));
    s.b.sort_unstable();
    // For each end of `right`, count ends of `left` strictly to its right.
    let mut crossings = 0u64;
    let mut i = 0;
    for &rb in &s.b {
        while i < s.a.len() && s.a[i] <= rb {
            i += 1;
        }
        crossings += (s.a.len() - i) as u64;
    }
    crossings
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
    fn pair_crossings_counts_inversions() {
        let p = proper(&[0, 0, 1, 1, 1], &[(0, 3), (0, 4), (1, 2)]);
        let layers = vec![vec![0, 1], vec![2, 3, 4]];
        let pos = positions(p.len(), &layers);
        let mut s = Scratch::default();
        assert_eq!(pair_crossings(0, 1, &p.succ, &pos, &mut s), 2);
        assert_eq!(pair_crossings(1, 0, &p.succ, &pos, &mut s), 0);
    }
}
