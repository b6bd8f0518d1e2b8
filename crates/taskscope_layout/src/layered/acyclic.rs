//! Cycle breaking: which edges to draw reversed so that the rest is acyclic.

use super::csr::Csr;

/// Marks the back edges of an iterative depth-first search started from every
/// node in index order. Reversing the marked edges leaves a DAG; on a DAG no
/// edge is marked. Self-loops must be removed beforehand.
///
/// # Complexity
/// O(V + E) time and memory, no recursion.
pub(crate) fn back_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    const NEW: u8 = 0;
    const ACTIVE: u8 = 1;
    const DONE: u8 = 2;
    let out = Csr::build(
        n,
        edges.iter().enumerate().map(|(i, &(u, _))| (u, i as u32)),
    );
    let mut reversed = vec![false; edges.len()];
    let mut state = vec![NEW; n];
    // (node, index of the next out-edge to look at)
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for root in 0..n as u32 {
        if state.get(root as usize) != Some(&NEW) {
            continue;
        }
        state[root as usize] = ACTIVE;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (v, cursor) = *top;
            let Some(&e) = out.get(v).get(cursor as usize) else {
                state[v as usize] = DONE;
                stack.pop();
                continue;
            };
            top.1 += 1;
            let Some(&(_, w)) = edges.get(e as usize) else {
                continue;
            };
            match state.get(w as usize) {
                Some(&NEW) => {
                    state[w as usize] = ACTIVE;
                    stack.push((w, 0));
                }
                Some(&ACTIVE) => reversed[e as usize] = true,
                _ => {}
            }
        }
    }
    reversed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dag_keeps_every_edge() {
        let edges = [(0, 1), (1, 2), (0, 2), (3, 2)];
        assert_eq!(back_edges(4, &edges), vec![false; 4]);
    }

    #[test]
    fn cycle_gets_one_edge_reversed() {
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3)];
        let r = back_edges(4, &edges);
        assert_eq!(r, vec![false, false, true, false]);
    }

    #[test]
    fn long_chain_does_not_recurse() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).chain([(n - 1, 0)]).collect();
        let r = back_edges(n as usize, &edges);
        assert_eq!(r.iter().filter(|&&b| b).count(), 1);
    }
}
