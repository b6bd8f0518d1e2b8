//! Layered (Sugiyama-style) drawing of a directed graph.
//!
//! [`layout`] takes a [`LayoutGraph`] (node sizes and edges, nothing else) and
//! returns a [`Layout`]: a centre for every node and a smooth path for every
//! edge. It knows nothing of tasks, labels or colours; [`crate::GraphScene`]
//! builds the input from a task graph and the exporters draw the output.
//!
//! The pipeline, every step iterative and deterministic:
//! 1. **Cycle breaking** (`acyclic`): edges closing a cycle in a depth-first
//!    search are reversed for the layout and drawn pointing back. Self-loops
//!    are set aside and drawn as small loops.
//! 2. **Layering** (`rank`): longest path, then promotion and balancing passes.
//! 3. **Dummy nodes** (`proper`): an edge spanning k layers gets k − 1 dummies.
//! 4. **Crossing reduction** (`order`): as Graphviz's `mincross`: depth-first
//!    initial orders from both ends, bounded weighted-median sweeps, each
//!    followed by transpose; the best order seen is kept.
//! 5. **Coordinates** (`position`): Brandes–Köpf along the order axis; layers
//!    stacked along the other axis, each as thick as its thickest node.
//! 6. **Routing**: each edge is a chain of cubic Bézier curves through its
//!    dummies, with tangents along the layer axis at every joint, so the path
//!    is smooth and long edges run straight.
//!
//! # Complexity
//! O((V + D) log V + E log E) for one sweep of crossing reduction and for the
//! other steps, times the bounded number of sweeps; memory O(V + E + D), where
//! D is the number of dummies (the summed extra length of long edges).

mod acyclic;
mod csr;
mod order;
mod pack;
mod position;
mod proper;
mod rank;
mod simple;

pub use simple::simple_layout;

use std::fmt;

use crate::LayoutError;

/// The layout would need more nodes, counting the dummies of long edges, than
/// [`LayoutOptions::max_total_nodes`] allows.
///
/// An edge spanning k layers costs k − 1 dummy nodes; a node used by every
/// step of a long chain makes that quadratic in the chain's length (a chain of
/// 4,000 steps needing one shared input: 8 million dummies, gigabytes of
/// memory). [`layout`] counts them after layering, before allocating any, and
/// refuses with this error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the drawing would need {nodes} nodes and {dummies} more where long edges cross layers, \
     more than the {limit} the layout handles"
)]
pub struct LayoutTooLarge {
    /// Nodes of the graph.
    pub nodes: usize,
    /// Dummy nodes the long edges would need.
    pub dummies: u64,
    /// [`LayoutOptions::max_total_nodes`].
    pub limit: usize,
}

/// A node of a [`LayoutGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LayoutNodeId(pub u32);

impl LayoutNodeId {
    /// The id as an index into [`Layout::nodes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What to lay out: node sizes (in px, as drawn) and directed edges.
#[derive(Clone, Debug, Default)]
pub struct LayoutGraph {
    sizes: Vec<(f64, f64)>,
    edges: Vec<(u32, u32)>,
}

impl LayoutGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph with room for `nodes` nodes and `edges` edges.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        Self {
            sizes: Vec::with_capacity(nodes),
            edges: Vec::with_capacity(edges),
        }
    }

    /// Adds a node of `width` × `height` px (negative or non-finite sizes count as 0).
    pub fn add_node(&mut self, width: f64, height: f64) -> LayoutNodeId {
        let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let id = LayoutNodeId(self.sizes.len() as u32);
        self.sizes.push((clean(width), clean(height)));
        id
    }

    /// Adds an edge from `from` to `to` and returns its index. Parallel edges and self-loops are allowed.
    pub fn add_edge(&mut self, from: LayoutNodeId, to: LayoutNodeId) -> Result<usize, LayoutError> {
        for node in [from, to] {
            if node.index() >= self.sizes.len() {
                return Err(LayoutError::UnknownNode {
                    edge: self.edges.len(),
                    node: node.0,
                    count: self.sizes.len(),
                });
            }
        }
        self.edges.push((from.0, to.0));
        Ok(self.edges.len() - 1)
    }

    /// How many nodes there are.
    pub fn node_count(&self) -> usize {
        self.sizes.len()
    }

    /// How many edges there are.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The edges, as `(from, to)` node indices, in insertion order.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = (LayoutNodeId, LayoutNodeId)> + '_ {
        self.edges
            .iter()
            .map(|&(u, v)| (LayoutNodeId(u), LayoutNodeId(v)))
    }

    /// The size `(width, height)` of a node.
    pub fn size(&self, node: LayoutNodeId) -> Option<(f64, f64)> {
        self.sizes.get(node.index()).copied()
    }
}

/// Which way edges point: from inputs (first layer) to consumers (last layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RankDir {
    /// Inputs at the bottom, consumers above (Dask's `rankdir=BT`).
    #[default]
    BottomToTop,
    /// Inputs at the top.
    TopToBottom,
    /// Inputs on the left.
    LeftToRight,
    /// Inputs on the right.
    RightToLeft,
}

impl RankDir {
    /// Graphviz's name for it: `BT`, `TB`, `LR` or `RL`.
    pub fn as_dot(self) -> &'static str {
        match self {
            Self::BottomToTop => "BT",
            Self::TopToBottom => "TB",
            Self::LeftToRight => "LR",
            Self::RightToLeft => "RL",
        }
    }

    /// Whether layers are rows (edges run vertically).
    pub fn is_vertical(self) -> bool {
        matches!(self, Self::BottomToTop | Self::TopToBottom)
    }
}

/// Spacing and effort of [`layout`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayoutOptions {
    /// Direction of edges.
    pub rank_dir: RankDir,
    /// Gap between two nodes of a layer, in px.
    pub node_sep: f64,
    /// Gap between an edge passing through a layer and its neighbours, in px.
    pub edge_sep: f64,
    /// Gap between two layers, in px.
    pub layer_sep: f64,
    /// Most crossing-reduction sweeps (each one up or down through all layers).
    pub max_sweeps: u32,
    /// Stop after this many sweeps in a row that did not lower the crossing count by 0.5 %.
    pub patience: u32,
    /// Most nodes laid out, counting the dummy nodes of long edges; above it
    /// [`layout`] returns [`LayoutTooLarge`] instead of allocating them.
    /// Each node costs a few hundred bytes over the whole layout, so the default
    /// (2,000,000) bounds it to well under a gigabyte.
    pub max_total_nodes: usize,
    /// Packs more than three unconnected parts (many tasks without dependencies, each
    /// with its result box) in rows about as wide as the drawing is tall, as Graphviz's
    /// `pack` does, when that makes the drawing smaller; otherwise, or when `false`, they
    /// stand side by side in one row. A drawing without edges is always drawn in rows.
    pub pack: bool,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self {
            rank_dir: RankDir::default(),
            node_sep: 18.0,
            edge_sep: 8.0,
            layer_sep: 36.0,
            max_sweeps: 24,
            patience: 8,
            max_total_nodes: 2_000_000,
            pack: true,
        }
    }
}

/// A point, in px, y pointing down (as in SVG).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate (down).
    pub y: f64,
}

/// One cubic Bézier segment, continuing from the previous segment's end.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct CubicBezier {
    /// First control point.
    pub ctrl1: Point,
    /// Second control point.
    pub ctrl2: Point,
    /// End point.
    pub end: Point,
}

/// Where a node went.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct NodePlacement {
    /// Centre, in px.
    pub center: Point,
    /// Width, in px (as given).
    pub width: f64,
    /// Height, in px (as given).
    pub height: f64,
    /// Layer, from 0 (inputs).
    pub layer: u32,
    /// Position within the layer, from 0, counting edges passing through the layer.
    pub order: u32,
}

impl NodePlacement {
    /// Whether the two nodes' rectangles intersect (touching edges do not count).
    pub fn overlaps(&self, other: &Self) -> bool {
        (self.center.x - other.center.x).abs() * 2.0 < self.width + other.width
            && (self.center.y - other.center.y).abs() * 2.0 < self.height + other.height
    }
}

/// The drawn path of one edge.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EdgeRoute {
    /// The edge's source.
    pub from: LayoutNodeId,
    /// The edge's target.
    pub to: LayoutNodeId,
    /// The edge closes a cycle and points against the layer direction.
    pub reversed: bool,
    /// The edge is a self-loop (drawn as a small loop beside its node).
    pub self_loop: bool,
    /// Start on the source's border, one point per dummy, end on the target's border.
    pub points: Vec<Point>,
    /// The smooth path from `points[0]`, one segment per consecutive pair of points.
    pub curves: Vec<CubicBezier>,
}

impl EdgeRoute {
    /// Where the path starts.
    pub fn start(&self) -> Point {
        self.points.first().copied().unwrap_or_default()
    }
}

/// Facts about a layout, e.g. for `taskscope export --stats`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LayoutStats {
    /// Nodes laid out.
    pub nodes: usize,
    /// Edges laid out.
    pub edges: usize,
    /// Layers used.
    pub layers: usize,
    /// Dummy nodes inserted for long edges.
    pub dummy_nodes: usize,
    /// Edges reversed to break cycles.
    pub reversed_edges: usize,
    /// Self-loops (drawn beside their node, not laid out).
    pub self_loops: usize,
    /// Edge crossings of the initial (depth-first) order.
    pub initial_crossings: u64,
    /// Edge crossings of the final order (never more than `initial_crossings`).
    pub crossings: u64,
    /// Crossing-reduction sweeps run.
    pub sweeps: u32,
    /// Width of the drawing, in px.
    pub width: f64,
    /// Height of the drawing, in px.
    pub height: f64,
    /// Made by [`simple_layout`]: no dummy nodes, no crossing reduction, and the
    /// crossing counts above are not measured (0).
    pub simple: bool,
}

impl fmt::Display for LayoutStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.simple {
            return write!(
                f,
                "{} nodes, {} edges, {} layers (simple layers: crossings not counted); \
                 {} edges reversed, {} self-loops; {:.0} x {:.0} px",
                self.nodes,
                self.edges,
                self.layers,
                self.reversed_edges,
                self.self_loops,
                self.width,
                self.height
            );
        }
        write!(
            f,
            "{} nodes, {} edges, {} layers, {} dummy nodes; {} crossings (initial order: {}, {} sweeps); \
             {} edges reversed, {} self-loops; {:.0} x {:.0} px",
            self.nodes,
            self.edges,
            self.layers,
            self.dummy_nodes,
            self.crossings,
            self.initial_crossings,
            self.sweeps,
            self.reversed_edges,
            self.self_loops,
            self.width,
            self.height
        )
    }
}

/// A finished layout: node placements and edge routes, in px, starting at (0, 0).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Layout {
    /// One placement per node, in node order.
    pub nodes: Vec<NodePlacement>,
    /// One route per edge, in edge order.
    pub edges: Vec<EdgeRoute>,
    /// Width of the drawing's bounding box, in px.
    pub width: f64,
    /// Height of the drawing's bounding box, in px.
    pub height: f64,
    /// What the layout did.
    pub stats: LayoutStats,
}

/// Lays out `graph`; see the module docs for the steps.
///
/// The result depends only on the graph and the options: the same input gives
/// the same coordinates, bit for bit.
///
/// ```
/// use taskscope_layout::{layout, LayoutGraph, LayoutOptions};
/// let mut g = LayoutGraph::new();
/// let a = g.add_node(40.0, 20.0);
/// let b = g.add_node(40.0, 20.0);
/// let c = g.add_node(40.0, 20.0);
/// g.add_edge(a, c).unwrap();
/// g.add_edge(b, c).unwrap();
/// let out = layout(&g, &LayoutOptions::default()).unwrap();
/// // Bottom to top by default: the consumer sits above its inputs, centred between them.
/// assert!(out.nodes[2].center.y < out.nodes[0].center.y);
/// assert!((out.nodes[2].center.x - (out.nodes[0].center.x + out.nodes[1].center.x) / 2.0).abs() < 1e-9);
/// assert_eq!(out.stats.crossings, 0);
/// ```
///
/// # Complexity
/// See the module docs: about O(sweeps · (V + D + E) log V). Refusing costs
/// O(V + E) (cycle breaking and layering only).
///
/// # Errors
/// [`LayoutTooLarge`] when the nodes plus the dummies of long edges would be
/// more than [`LayoutOptions::max_total_nodes`].
pub fn layout(graph: &LayoutGraph, options: &LayoutOptions) -> Result<Layout, LayoutTooLarge> {
    let n = graph.node_count();
    let vertical = options.rank_dir.is_vertical();
    let (breadth, depth): (Vec<f64>, Vec<f64>) = graph
        .sizes
        .iter()
        .map(|&(w, h)| if vertical { (w, h) } else { (h, w) })
        .unzip();

    // 1. Self-loops aside; orient the rest.
    let (back, dag) = orient(graph);

    // 2–5, refusing before the dummies are made if there would be too many.
    let layer = rank::assign_layers(n, &dag);
    let dummies = proper::dummy_count(&layer, &dag);
    if (n as u64).saturating_add(dummies) > options.max_total_nodes as u64 {
        return Err(LayoutTooLarge {
            nodes: n,
            dummies,
            limit: options.max_total_nodes,
        });
    }
    let p = proper::Proper::build(&layer, &breadth, &depth, &dag);
    let mut layers = order::initial_order(&p);
    let mut outcome =
        order::reduce_crossings(&p, &mut layers, options.max_sweeps, options.patience.max(1));
    if options.pack && pack::group_parts(&p, &mut layers) {
        // Parts that were interleaved crossed each other's edges: those crossings are gone.
        let pos = order::positions(p.len(), &layers);
        outcome.crossings = order::count_crossings(&layers, &p.succ, &pos);
        debug_assert!(outcome.crossings <= outcome.initial_crossings);
    }
    let along = position::assign(
        &p,
        &layers,
        position::Spacing {
            node_sep: options.node_sep.max(0.0),
            edge_sep: options.edge_sep.max(0.0),
        },
    );
    let across = layer_offsets(&p, options.layer_sep.max(0.0));
    let pos = order::positions(p.len(), &layers);

    let geo = Geometry {
        p: &p,
        along: &along,
        across: &across,
        rank_dir: options.rank_dir,
    };
    let mut nodes: Vec<NodePlacement> = (0..n as u32)
        .map(|v| {
            let (width, height) = graph.sizes.get(v as usize).copied().unwrap_or_default();
            NodePlacement {
                center: geo.point(geo.a(v), geo.b(v)),
                width,
                height,
                layer: layer.get(v as usize).copied().unwrap_or(0),
                order: pos.get(v as usize).copied().unwrap_or(0),
            }
        })
        .collect();

    // 6. Routes, one per input edge.
    let (mut edges, reversed_edges, self_loops) =
        route_edges(graph, &back, &nodes, |lo, hi, reversed| {
            let chain = dag.binary_search(&(lo, hi)).map_or(&[][..], |e| p.chain(e));
            geo.route(lo, hi, chain, reversed)
        });

    if graph.edges.is_empty() {
        wrap_edgeless(&mut nodes, options);
    } else if options.pack {
        pack::pack_components(graph, &mut nodes, &mut edges, options);
    }
    let (width, height) = normalise(&mut nodes, &mut edges);
    Ok(Layout {
        stats: LayoutStats {
            nodes: n,
            edges: graph.edges.len(),
            layers: p.layer_count,
            dummy_nodes: p.len() - n,
            reversed_edges,
            self_loops,
            initial_crossings: outcome.initial_crossings,
            crossings: outcome.crossings,
            sweeps: outcome.sweeps,
            width,
            height,
            simple: false,
        },
        nodes,
        edges,
        width,
        height,
    })
}

/// One route per edge of `graph`: self-loops beside their node, the others by
/// `route(lo, hi, reversed)` from the lower-layer end `lo` to `hi` (`back` says
/// which non-loop edges were reversed). Returns the routes with the counts of
/// reversed edges and self-loops.
fn route_edges(
    graph: &LayoutGraph,
    back: &[bool],
    nodes: &[NodePlacement],
    mut route: impl FnMut(u32, u32, bool) -> (Vec<Point>, Vec<CubicBezier>),
) -> (Vec<EdgeRoute>, usize, usize) {
    let mut edges = Vec::with_capacity(graph.edges.len());
    let mut plain_index = 0usize;
    let mut reversed_edges = 0usize;
    let mut self_loops = 0usize;
    for &(u, v) in &graph.edges {
        if u == v {
            self_loops += 1;
            let node = nodes.get(u as usize).copied().unwrap_or_default();
            edges.push(self_loop_route(u, node));
            continue;
        }
        let reversed = back.get(plain_index).copied().unwrap_or(false);
        plain_index += 1;
        reversed_edges += usize::from(reversed);
        let (lo, hi) = if reversed { (v, u) } else { (u, v) };
        let (points, curves) = route(lo, hi, reversed);
        edges.push(EdgeRoute {
            from: LayoutNodeId(u),
            to: LayoutNodeId(v),
            reversed,
            self_loop: false,
            points,
            curves,
        });
    }
    (edges, reversed_edges, self_loops)
}

/// Which of the graph's non-loop edges are reversed to break cycles (in edge
/// order, self-loops skipped), and the resulting acyclic edges, sorted and deduplicated.
fn orient(graph: &LayoutGraph) -> (Vec<bool>, Vec<(u32, u32)>) {
    let plain: Vec<(u32, u32)> = graph
        .edges
        .iter()
        .copied()
        .filter(|(u, v)| u != v)
        .collect();
    let back = acyclic::back_edges(graph.node_count(), &plain);
    let mut dag: Vec<(u32, u32)> = plain
        .iter()
        .zip(&back)
        .map(|(&(u, v), &r)| if r { (v, u) } else { (u, v) })
        .collect();
    dag.sort_unstable();
    dag.dedup();
    (back, dag)
}

/// Coordinates of the proper graph: `a` along the order axis, `b` along the
/// layer axis (growing with the layer index), mapped to the picture by the rank direction.
struct Geometry<'a> {
    p: &'a proper::Proper,
    along: &'a [f64],
    across: &'a [f64],
    rank_dir: RankDir,
}

impl Geometry<'_> {
    fn a(&self, v: u32) -> f64 {
        self.along.get(v as usize).copied().unwrap_or(0.0)
    }

    fn b(&self, v: u32) -> f64 {
        self.p
            .layer
            .get(v as usize)
            .and_then(|&l| self.across.get(l as usize))
            .copied()
            .unwrap_or(0.0)
    }

    fn point(&self, a: f64, b: f64) -> Point {
        place(self.rank_dir, a, b)
    }

    /// The path from `lo` (lower layer) through `chain` to `hi`, leaving and
    /// entering nodes on the layer axis; reversed for edges drawn backwards.
    fn route(
        &self,
        lo: u32,
        hi: u32,
        chain: &[u32],
        reversed: bool,
    ) -> (Vec<Point>, Vec<CubicBezier>) {
        let half_depth = |v: u32| self.p.depth.get(v as usize).copied().unwrap_or(0.0) / 2.0;
        let mut ab = Vec::with_capacity(chain.len() + 2);
        ab.push((self.a(lo), self.b(lo) + half_depth(lo)));
        ab.extend(chain.iter().map(|&d| (self.a(d), self.b(d))));
        ab.push((self.a(hi), self.b(hi) - half_depth(hi)));
        if reversed {
            ab.reverse();
        }
        let points = ab.iter().map(|&(a, b)| self.point(a, b)).collect();
        // Control points halfway along the layer axis: tangents at every joint
        // follow the layer axis, so consecutive curves join smoothly.
        let curves = ab
            .windows(2)
            .filter_map(|w| {
                let [(a0, b0), (a1, b1)] = w else { return None };
                let mid = (b1 - b0) / 2.0;
                Some(CubicBezier {
                    ctrl1: self.point(*a0, b0 + mid),
                    ctrl2: self.point(*a1, b1 - mid),
                    end: self.point(*a1, *b1),
                })
            })
            .collect();
        (points, curves)
    }
}

/// The picture point at `a` along the order axis and `b` along the layer axis.
fn place(rank_dir: RankDir, a: f64, b: f64) -> Point {
    match rank_dir {
        RankDir::TopToBottom => Point { x: a, y: b },
        RankDir::BottomToTop => Point { x: a, y: -b },
        RankDir::LeftToRight => Point { x: b, y: a },
        RankDir::RightToLeft => Point { x: -b, y: a },
    }
}

/// Centre of every layer along the layer axis.
fn layer_offsets(p: &proper::Proper, layer_sep: f64) -> Vec<f64> {
    let mut thick = vec![0.0f64; p.layer_count];
    for v in 0..p.n_real {
        if let (Some(&l), Some(&d)) = (p.layer.get(v), p.depth.get(v))
            && let Some(t) = thick.get_mut(l as usize)
        {
            *t = t.max(d);
        }
    }
    let mut offsets = Vec::with_capacity(thick.len());
    let mut prev: Option<(f64, f64)> = None;
    for &t in &thick {
        let centre = match prev {
            None => t / 2.0,
            Some((c, pt)) => c + pt / 2.0 + layer_sep + t / 2.0,
        };
        offsets.push(centre);
        prev = Some((centre, t));
    }
    offsets
}

/// A small loop on the right of a node.
fn self_loop_route(u: u32, node: NodePlacement) -> EdgeRoute {
    let c = node.center;
    let (hw, hh) = (node.width / 2.0, node.height / 2.0);
    let reach = 18.0 + hw * 0.3;
    let start = Point {
        x: c.x + hw * 0.7,
        y: c.y - hh * 0.7,
    };
    let end = Point {
        x: c.x + hw * 0.7,
        y: c.y + hh * 0.7,
    };
    EdgeRoute {
        from: LayoutNodeId(u),
        to: LayoutNodeId(u),
        reversed: false,
        self_loop: true,
        points: vec![start, end],
        curves: vec![CubicBezier {
            ctrl1: Point {
                x: c.x + hw + reach,
                y: c.y - hh - reach / 2.0,
            },
            ctrl2: Point {
                x: c.x + hw + reach,
                y: c.y + hh + reach / 2.0,
            },
            end,
        }],
    }
}

/// Moves everything so the bounding box starts at (0, 0); returns its size.
/// The nodes of a drawing without edges (all in one layer) in rows rather than in one
/// row as wide as all of them, which a viewer's fitted zoom shrinks until no label can
/// be read (Graphviz's `unflatten` staggers such nodes for the same reason): in their
/// order, row after row, each row centred, `node_sep` apart in a row and `layer_sep`
/// between rows, about as wide as tall (a viewer's graph panel is about square, often
/// taller than wide). Up to three nodes stay side by side, as `dot` draws them.
///
/// # Complexity
/// O(V log V) (the nodes sorted by their order in the layer).
fn wrap_edgeless(nodes: &mut [NodePlacement], options: &LayoutOptions) {
    let n = nodes.len();
    if n <= 3 {
        return;
    }
    debug_assert!(nodes.iter().all(|p| p.layer == 0), "no edges: one layer");
    let node_sep = options.node_sep.max(0.0);
    let row_sep = options.layer_sep.max(0.0);
    let widest = nodes.iter().map(|p| p.width).fold(0.0, f64::max) + node_sep;
    let tallest = nodes.iter().map(|p| p.height).fold(0.0, f64::max) + row_sep;
    let square = (n as f64 * tallest / widest.max(1.0)).sqrt().round();
    let columns = (square as usize).clamp(2, n);
    let mut by_order: Vec<usize> = (0..n).collect();
    by_order.sort_by_key(|&v| nodes.get(v).map_or(0, |p| p.order));
    let mut y = 0.0;
    for row in by_order.chunks(columns) {
        let size = |v: &usize| nodes.get(*v).map_or((0.0, 0.0), |p| (p.width, p.height));
        let row_width: f64 = row.iter().map(|v| size(v).0).sum::<f64>()
            + node_sep * (row.len().saturating_sub(1)) as f64;
        let row_height = row.iter().map(|v| size(v).1).fold(0.0, f64::max);
        let mut x = -row_width / 2.0;
        for &v in row {
            if let Some(p) = nodes.get_mut(v) {
                p.center = Point {
                    x: x + p.width / 2.0,
                    y: y + row_height / 2.0,
                };
                x += p.width + node_sep;
            }
        }
        y += row_height + row_sep;
    }
}

fn normalise(nodes: &mut [NodePlacement], edges: &mut [EdgeRoute]) -> (f64, f64) {
    let mut all = Extent::EMPTY;
    for node in nodes.iter() {
        all.add_node(node);
    }
    for edge in edges.iter() {
        all.add_route(edge);
    }
    if !all.lo.x.is_finite() || !all.lo.y.is_finite() {
        return (0.0, 0.0);
    }
    let (dx, dy) = (-all.lo.x, -all.lo.y);
    for node in nodes.iter_mut() {
        node.center.translate(dx, dy);
    }
    for edge in edges.iter_mut() {
        edge.translate(dx, dy);
    }
    (all.hi.x - all.lo.x, all.hi.y - all.lo.y)
}

/// The box holding some nodes and edge routes (their points and control points), in
/// the drawing's coordinates: the drawing's size, or one part's when parts are packed.
#[derive(Clone, Copy, Debug)]
struct Extent {
    /// The smallest coordinates.
    lo: Point,
    /// The largest coordinates.
    hi: Point,
}

impl Extent {
    /// The extent of nothing, which anything added grows.
    const EMPTY: Self = Self {
        lo: Point {
            x: f64::INFINITY,
            y: f64::INFINITY,
        },
        hi: Point {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        },
    };

    /// Grows to hold a box of half-sizes `half_w`, `half_h` around `p`.
    fn grow(&mut self, p: Point, half_w: f64, half_h: f64) {
        self.lo.x = self.lo.x.min(p.x - half_w);
        self.lo.y = self.lo.y.min(p.y - half_h);
        self.hi.x = self.hi.x.max(p.x + half_w);
        self.hi.y = self.hi.y.max(p.y + half_h);
    }

    /// Grows to hold `node`'s box.
    fn add_node(&mut self, node: &NodePlacement) {
        self.grow(node.center, node.width / 2.0, node.height / 2.0);
    }

    /// Grows to hold `edge`'s route: its points and its curves' control points.
    fn add_route(&mut self, edge: &EdgeRoute) {
        for &p in &edge.points {
            self.grow(p, 0.0, 0.0);
        }
        for c in &edge.curves {
            for p in [c.ctrl1, c.ctrl2, c.end] {
                self.grow(p, 0.0, 0.0);
            }
        }
    }
}

impl Point {
    /// Moves the point by `dx`, `dy`.
    fn translate(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
}

impl EdgeRoute {
    /// Moves the whole route (points and control points) by `dx`, `dy`.
    fn translate(&mut self, dx: f64, dy: f64) {
        for p in &mut self.points {
            p.translate(dx, dy);
        }
        for c in &mut self.curves {
            c.ctrl1.translate(dx, dy);
            c.ctrl2.translate(dx, dy);
            c.end.translate(dx, dy);
        }
    }
}

#[cfg(test)]
mod tests;
