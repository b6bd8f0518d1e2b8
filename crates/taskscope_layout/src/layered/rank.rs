//! Layering: which layer each node goes to.
//!
//! Longest path from the sources gives every edge a positive length; two
//! linear passes then shorten edges and even out layer widths:
//! - *promotion*, in reverse topological order: a node with more outgoing than
//!   incoming edges moves up to just below its lowest consumer (this pulls
//!   inputs next to their first use instead of leaving them all in layer 0);
//! - *balancing*, as in Gansner et al.'s network simplex: a node with as many
//!   incoming as outgoing edges moves, within its feasible range, to the layer
//!   with the fewest nodes (the total edge length does not change).
//!
//! Empty layers are then squeezed out.

use super::csr::Csr;

/// The widest feasible range a balanced node scans, in layers (bounds the pass to O(V·64)).
const MAX_BALANCE_RANGE: u32 = 64;

/// Assigns a layer to each of `n` nodes so that every edge `(u, v)` of the
/// acyclic `edges` has `layer[u] < layer[v]`; layers are numbered from 0 with
/// no empty layer in between.
///
/// If `edges` had a cycle (callers orient edges first, so it does not), the
/// nodes on it keep their longest-path layer from the part that could be ordered.
///
/// # Complexity
/// O(V + E) time and memory (plus O(V·64) for balancing).
pub(crate) fn assign_layers(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
    let succ = Csr::build(n, edges.iter().copied());
    let pred = Csr::build(n, edges.iter().map(|&(u, v)| (v, u)));
    let order = topological_order(n, &succ, &pred);

    let mut layer = vec![0u32; n];
    for &v in &order {
        let l = layer[v as usize];
        for &w in succ.get(v) {
            let lw = &mut layer[w as usize];
            *lw = (*lw).max(l + 1);
        }
    }

    // Promotion, consumers first.
    for &v in order.iter().rev() {
        let outs = succ.get(v);
        if outs.len() > pred.degree(v)
            && let Some(lowest) = outs.iter().map(|&w| layer[w as usize]).min()
        {
            let target = lowest.saturating_sub(1);
            if target > layer[v as usize] {
                layer[v as usize] = target;
            }
        }
    }

    balance(&order, &succ, &pred, &mut layer);
    squeeze(&mut layer);
    layer
}

/// Kahn's algorithm, ties broken by index. Nodes left over by a cycle are appended in index order.
fn topological_order(n: usize, succ: &Csr, pred: &Csr) -> Vec<u32> {
    let mut pending: Vec<u32> = (0..n as u32).map(|v| pred.degree(v) as u32).collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&v| pending[v as usize] == 0)
        .collect();
    let mut head = 0;
    while let Some(&v) = order.get(head) {
        head += 1;
        for &w in succ.get(v) {
            let p = &mut pending[w as usize];
            *p -= 1;
            if *p == 0 {
                order.push(w);
            }
        }
    }
    if order.len() < n {
        order.extend((0..n as u32).filter(|&v| pending[v as usize] > 0));
    }
    order
}

/// Moves nodes with equal in- and out-degree to the least crowded feasible layer.
fn balance(order: &[u32], succ: &Csr, pred: &Csr, layer: &mut [u32]) {
    let layers = layer.iter().max().map_or(0, |&m| m as usize + 1);
    let mut count = vec![0u32; layers];
    for &l in layer.iter() {
        count[l as usize] += 1;
    }
    for &v in order {
        let (ins, outs) = (pred.get(v), succ.get(v));
        if ins.is_empty() || ins.len() != outs.len() {
            continue;
        }
        let lo = ins
            .iter()
            .map(|&u| layer[u as usize] + 1)
            .max()
            .unwrap_or(0);
        let hi = outs
            .iter()
            .map(|&w| layer[w as usize].saturating_sub(1))
            .min()
            .unwrap_or(0);
        if hi <= lo || hi - lo > MAX_BALANCE_RANGE {
            continue;
        }
        let current = layer[v as usize];
        let mut best = current;
        for l in lo..=hi {
            if count[l as usize] < count[best as usize] {
                best = l;
            }
        }
        if best != current {
            count[current as usize] -= 1;
            count[best as usize] += 1;
            layer[v as usize] = best;
        }
    }
}

/// Renumbers layers so that none is empty, keeping their order.
fn squeeze(layer: &mut [u32]) {
    let layers = layer.iter().max().map_or(0, |&m| m as usize + 1);
    let mut used = vec![false; layers];
    for &l in layer.iter() {
        used[l as usize] = true;
    }
    let mut new_index = vec![0u32; layers];
    let mut next = 0u32;
    for (l, &u) in used.iter().enumerate() {
        new_index[l] = next;
        if u {
            next += 1;
        }
    }
    for l in layer.iter_mut() {
        *l = new_index[*l as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_gets_consecutive_layers() {
        let edges = [(0, 1), (1, 2), (2, 3)];
        assert_eq!(assign_layers(4, &edges), vec![0, 1, 2, 3]);
    }

    #[test]
    fn lonely_input_is_promoted_next_to_its_consumer() {
        // 0 -> 1 -> 2 -> 3, and 4 -> 3: node 4 belongs just under 3, not in layer 0.
        let edges = [(0, 1), (1, 2), (2, 3), (4, 3)];
        let layer = assign_layers(5, &edges);
        assert_eq!(layer[4], 2);
        assert_eq!(layer[3], 3);
    }

    #[test]
    fn every_edge_goes_up() {
        let edges = [(0, 2), (1, 2), (2, 5), (3, 5), (4, 3), (0, 5)];
        let layer = assign_layers(6, &edges);
        for &(u, v) in &edges {
            assert!(layer[u as usize] < layer[v as usize]);
        }
        assert_eq!(layer.iter().min(), Some(&0));
    }
}
