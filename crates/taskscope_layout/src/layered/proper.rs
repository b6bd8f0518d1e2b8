//! The proper layered graph: long edges split by dummy nodes so that every
//! edge joins two adjacent layers.

use super::csr::Csr;

/// How many dummies [`Proper::build`] would add for `dag_edges`: the summed
/// excess length (layer span − 1) of the edges.
///
/// # Complexity
/// O(E), no allocation.
pub(crate) fn dummy_count(layer: &[u32], dag_edges: &[(u32, u32)]) -> u64 {
    dag_edges
        .iter()
        .map(|&(u, v)| {
            let lu = layer.get(u as usize).copied().unwrap_or(0);
            let lv = layer.get(v as usize).copied().unwrap_or(0);
            u64::from(lv.saturating_sub(lu).saturating_sub(1))
        })
        .sum()
}

/// A layered graph where every edge joins layer `l` to layer `l + 1`.
///
/// Nodes `0..n_real` are the input's nodes; the rest are dummies, one per
/// layer crossed by a long edge.
#[derive(Clone, Debug)]
pub(crate) struct Proper {
    /// How many of the nodes are real.
    pub(crate) n_real: usize,
    /// Layer of every node.
    pub(crate) layer: Vec<u32>,
    /// Size along the order axis (0 for dummies).
    pub(crate) breadth: Vec<f64>,
    /// Size along the layer axis (0 for dummies).
    pub(crate) depth: Vec<f64>,
    /// Neighbours one layer up (consumers), in edge order.
    pub(crate) succ: Csr,
    /// Neighbours one layer down (inputs), in edge order.
    pub(crate) pred: Csr,
    /// For each DAG edge, the range of its dummies in `chain_nodes`.
    pub(crate) chain_starts: Vec<u32>,
    /// The dummies of every DAG edge, bottom to top, concatenated.
    pub(crate) chain_nodes: Vec<u32>,
    /// How many layers there are.
    pub(crate) layer_count: usize,
}

impl Proper {
    /// Splits every edge of `dag_edges` (oriented so that `layer[u] < layer[v]`) with dummies.
    ///
    /// # Complexity
    /// O(V + E + D) where D is the number of dummies (the summed excess length of edges).
    pub(crate) fn build(
        layer: &[u32],
        breadth: &[f64],
        depth: &[f64],
        dag_edges: &[(u32, u32)],
    ) -> Self {
        let n_real = layer.len();
        let mut layer = layer.to_vec();
        let mut breadth = breadth.to_vec();
        let mut depth = depth.to_vec();
        let mut chain_starts = Vec::with_capacity(dag_edges.len() + 1);
        let mut chain_nodes = Vec::new();
        let mut edges: Vec<(u32, u32)> = Vec::with_capacity(dag_edges.len());
        chain_starts.push(0);
        for &(u, v) in dag_edges {
            let lu = layer[u as usize];
            let lv = layer[v as usize];
            let mut prev = u;
            for l in lu + 1..lv {
                let d = layer.len() as u32;
                layer.push(l);
                breadth.push(0.0);
                depth.push(0.0);
                chain_nodes.push(d);
                edges.push((prev, d));
                prev = d;
            }
            edges.push((prev, v));
            chain_starts.push(chain_nodes.len() as u32);
        }
        let n = layer.len();
        let layer_count = layer.iter().max().map_or(0, |&m| m as usize + 1);
        let succ = Csr::build(n, edges.iter().copied());
        let pred = Csr::build(n, edges.iter().map(|&(u, v)| (v, u)));
        Self {
            n_real,
            layer,
            breadth,
            depth,
            succ,
            pred,
            chain_starts,
            chain_nodes,
            layer_count,
        }
    }

    /// Total number of nodes, dummies included.
    pub(crate) fn len(&self) -> usize {
        self.layer.len()
    }

    /// Whether `v` is a dummy.
    #[inline]
    pub(crate) fn is_dummy(&self, v: u32) -> bool {
        v as usize >= self.n_real
    }

    /// The dummies of DAG edge `e`, bottom to top.
    pub(crate) fn chain(&self, e: usize) -> &[u32] {
        match (self.chain_starts.get(e), self.chain_starts.get(e + 1)) {
            (Some(&s), Some(&t)) => self.chain_nodes.get(s as usize..t as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}
