//! The DOT writer, through `graphviz-rust`'s model and printer.
//!
//! The output follows Dask's `to_graphviz`: `rankdir`, `shape=circle`/`ellipse`
//! for tasks labelled with their function, `shape=box` with an empty label for
//! outputs, plus tooltips, fill colours and highlight pens when the scene has
//! them. Node ids are the scene's stable ids (`t12`, `o12`, `g3`), not hashes,
//! so the file is the same on every run. With [`DotOptions::positions`], every
//! node carries our coordinates as `pos="x,y!"` (points, y up) with its size
//! in inches, for `neato -n` to reproduce our drawing.

use std::fmt;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use crate::scene::{GraphScene, NodeShape};
use crate::theme;

/// DOT output settings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DotOptions {
    /// Write our layout's coordinates as `pos` (and node sizes), for `neato -n`.
    pub positions: bool,
}

/// Writes a [`GraphScene`] as Graphviz DOT: `GraphDot::new(&scene, &options).to_string()`.
#[derive(Clone, Copy, Debug)]
pub struct GraphDot<'a> {
    scene: &'a GraphScene,
    options: &'a DotOptions,
}

/// A DOT string literal: quoted, with `"` and `\` escaped and newlines as `\n`.
pub(crate) fn quoted(text: &str) -> Id {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => {}
            c if (c as u32) < 0x20 => s.push(' '),
            c => s.push(c),
        }
    }
    s.push('"');
    Id::Escaped(s)
}

fn attr(name: &str, value: Id) -> Attribute {
    Attribute(Id::Plain(name.to_owned()), value)
}

fn plain(value: impl Into<String>) -> Id {
    Id::Plain(value.into())
}

impl<'a> GraphDot<'a> {
    /// A writer for `scene`.
    pub fn new(scene: &'a GraphScene, options: &'a DotOptions) -> Self {
        Self { scene, options }
    }

    /// The graph in `graphviz-rust`'s model.
    pub fn to_model(&self) -> Graph {
        let s = self.scene;
        let mut stmts: Vec<Stmt> = Vec::with_capacity(s.nodes.len() + s.edges.len() + 3);
        let mut graph_attrs = vec![attr("rankdir", plain(s.rank_dir.as_dot()))];
        if let Some(title) = &s.title {
            graph_attrs.push(attr("label", quoted(title)));
            graph_attrs.push(attr("labelloc", plain("t")));
        }
        stmts.push(Stmt::GAttribute(GraphAttributes::Graph(graph_attrs)));
        stmts.push(Stmt::GAttribute(GraphAttributes::Node(vec![attr(
            "fontname",
            plain("helvetica"),
        )])));

        let height = s.layout.height;
        for (node, place) in s.nodes.iter().zip(&s.layout.nodes) {
            let mut attrs = Vec::with_capacity(8);
            let label = node.label.join("\n");
            attrs.push(attr("label", quoted(&label)));
            let shape = match node.shape {
                NodeShape::Circle => "circle",
                NodeShape::Ellipse => "ellipse",
                NodeShape::Box => "box",
            };
            attrs.push(attr("shape", plain(shape)));
            attrs.push(attr("tooltip", quoted(&node.tooltip.join("\n"))));
            if node.fill != theme::NODE_FILL {
                attrs.push(attr("style", plain("filled")));
                attrs.push(attr("fillcolor", quoted(&node.fill.to_string())));
            }
            if node.highlighted {
                attrs.push(attr("color", quoted(&theme::HIGHLIGHT.to_string())));
                attrs.push(attr("penwidth", plain("3")));
            }
            if self.options.positions {
                let (x, y) = (place.center.x, height - place.center.y);
                attrs.push(attr("pos", quoted(&format!("{x:.1},{y:.1}!"))));
                attrs.push(attr("width", plain(format!("{:.3}", node.width / 72.0))));
                attrs.push(attr("height", plain(format!("{:.3}", node.height / 72.0))));
                attrs.push(attr("fixedsize", plain("true")));
            }
            stmts.push(Stmt::Node(Node::new(
                NodeId(plain(node.id.clone()), None),
                attrs,
            )));
        }
        for edge in &s.edges {
            let (Some(from), Some(to)) = (s.nodes.get(edge.from), s.nodes.get(edge.to)) else {
                continue;
            };
            let mut attrs = Vec::new();
            if edge.count > 1 {
                attrs.push(attr("label", quoted(&edge.count.to_string())));
                attrs.push(attr(
                    "penwidth",
                    plain(format!(
                        "{:.1}",
                        (1.0 + (edge.count as f64).ln() * 0.6).min(6.0)
                    )),
                ));
            }
            if edge.highlighted {
                attrs.push(attr("color", quoted(&theme::HIGHLIGHT.to_string())));
                if edge.count <= 1 {
                    attrs.push(attr("penwidth", plain("2.5")));
                }
            }
            stmts.push(Stmt::Edge(Edge {
                ty: EdgeTy::Pair(
                    Vertex::N(NodeId(plain(from.id.clone()), None)),
                    Vertex::N(NodeId(plain(to.id.clone()), None)),
                ),
                attributes: attrs,
            }));
        }
        Graph::DiGraph {
            id: plain("taskgraph"),
            strict: false,
            stmts,
        }
    }
}

impl fmt::Display for GraphDot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ctx = PrinterContext::default();
        f.write_str(&self.to_model().print(&mut ctx))?;
        f.write_str("\n")
    }
}
