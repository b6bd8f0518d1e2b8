//! The DOT writer.
//!
//! The output follows Dask's `to_graphviz`: `rankdir`, `shape=circle`/`ellipse`
//! for tasks labelled with their function, `shape=box` with an empty label for
//! outputs, plus tooltips, fill colours and highlight pens when the scene has
//! them. Node ids are the scene's stable ids (`t12`, `o12`, `g3`), not hashes,
//! so the file is the same on every run. With [`DotOptions::positions`], every
//! node carries our coordinates as `pos="x,y!"` (points, y up) with its size
//! in inches, for `neato -n` to reproduce our drawing.
//!
//! DOT is written directly (one statement per line); the tests parse every
//! file with `graphviz-rust` and, where Graphviz is installed, render it with
//! `dot`, so the library itself needs neither.

use std::fmt::{self, Write as _};

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

/// Appends `text` as a DOT string literal: quoted, with `"` and `\` escaped and
/// newlines as `\n`; other control characters become spaces.
fn push_quoted(s: &mut String, text: &str) {
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
}

/// One statement's attribute list, `[a=b c="d"]`, built in place.
struct Attrs<'s> {
    out: &'s mut String,
    first: bool,
}

impl<'s> Attrs<'s> {
    fn open(out: &'s mut String) -> Self {
        out.push_str(" [");
        Self { out, first: true }
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(' ');
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push('=');
    }

    /// An attribute whose value is a bare DOT id or number.
    fn plain(&mut self, name: &str, value: impl fmt::Display) {
        self.key(name);
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{value}");
    }

    /// An attribute whose value is quoted text.
    fn text(&mut self, name: &str, value: &str) {
        self.key(name);
        push_quoted(self.out, value);
    }

    fn close(self) {
        self.out.push_str("]\n");
    }
}

impl<'a> GraphDot<'a> {
    /// A writer for `scene`.
    pub fn new(scene: &'a GraphScene, options: &'a DotOptions) -> Self {
        Self { scene, options }
    }

    /// The DOT text, ending with a newline (what `to_string()` returns).
    pub fn to_dot(&self) -> String {
        let s = self.scene;
        let mut out = String::with_capacity(64 + 160 * s.nodes.len() + 48 * s.edges.len());
        out.push_str("digraph taskgraph {\n  graph");
        let mut a = Attrs::open(&mut out);
        a.plain("rankdir", s.rank_dir.as_dot());
        if let Some(title) = &s.title {
            a.text("label", title);
            a.plain("labelloc", "t");
        }
        a.close();
        out.push_str("  node");
        let mut a = Attrs::open(&mut out);
        a.plain("fontname", "helvetica");
        a.close();

        let height = s.layout.height;
        for (node, place) in s.nodes.iter().zip(&s.layout.nodes) {
            out.push_str("  ");
            out.push_str(&node.id);
            let mut a = Attrs::open(&mut out);
            a.text("label", &node.label.join("\n"));
            let shape = match node.shape {
                NodeShape::Circle => "circle",
                NodeShape::Ellipse => "ellipse",
                NodeShape::Box => "box",
            };
            a.plain("shape", shape);
            a.text("tooltip", &node.tooltip.join("\n"));
            if node.fill != theme::NODE_FILL {
                a.plain("style", "filled");
                a.text("fillcolor", &node.fill.to_string());
            }
            if node.highlighted {
                a.text("color", &theme::HIGHLIGHT.to_string());
                a.plain("penwidth", 3);
            }
            if self.options.positions {
                let (x, y) = (place.center.x, height - place.center.y);
                a.text("pos", &format!("{x:.1},{y:.1}!"));
                a.plain("width", format_args!("{:.3}", node.width / 72.0));
                a.plain("height", format_args!("{:.3}", node.height / 72.0));
                a.plain("fixedsize", "true");
            }
            a.close();
        }
        for edge in &s.edges {
            let (Some(from), Some(to)) = (s.nodes.get(edge.from), s.nodes.get(edge.to)) else {
                continue;
            };
            out.push_str("  ");
            out.push_str(&from.id);
            out.push_str(" -> ");
            out.push_str(&to.id);
            if edge.count <= 1 && !edge.highlighted {
                out.push('\n');
                continue;
            }
            let mut a = Attrs::open(&mut out);
            if edge.count > 1 {
                a.text("label", &edge.count.to_string());
                let pen = (1.0 + (edge.count as f64).ln() * 0.6).min(6.0);
                a.plain("penwidth", format_args!("{pen:.1}"));
            }
            if edge.highlighted {
                a.text("color", &theme::HIGHLIGHT.to_string());
                if edge.count <= 1 {
                    a.plain("penwidth", 2.5);
                }
            }
            a.close();
        }
        out.push_str("}\n");
        out
    }
}

impl fmt::Display for GraphDot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_dot())
    }
}
