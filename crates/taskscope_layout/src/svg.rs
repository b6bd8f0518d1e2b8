//! The SVG writer for graph scenes, and the SVG helpers the timeline shares.
//!
//! Output is plain SVG 1.1 that any browser shows and `resvg` rasterises:
//! no CSS, no scripts, text escaped, one `<title>` tooltip per node, and a
//! `viewBox` that fits the drawing with a margin. Coordinates are written with
//! one decimal, so the same scene always gives the same bytes.

use std::fmt::{self, Write};

use crate::font::{FONT_FAMILY_CSS, baseline_offset, line_height, text_width};
use crate::layered::{CubicBezier, Point};
use crate::scene::{GraphScene, Legend, NodeShape};
use crate::theme;
use taskscope_trace::analysis::format_count;

/// Margin around every picture, in px.
pub(crate) const MARGIN: f64 = 16.0;

/// A number with at most one decimal (`12`, `12.5`, never `-0`).
#[derive(Clone, Copy)]
pub(crate) struct Num(pub(crate) f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if !tenths.is_finite() {
            return f.write_str("0");
        }
        let tenths = tenths as i64;
        let (sign, abs) = if tenths < 0 {
            ("-", -tenths)
        } else {
            ("", tenths)
        };
        if abs % 10 == 0 {
            write!(f, "{sign}{}", abs / 10)
        } else {
            write!(f, "{sign}{}.{}", abs / 10, abs % 10)
        }
    }
}

/// Text escaped for XML content and attribute values. Characters XML 1.0
/// forbids (most control characters) become U+FFFD; newlines become `&#10;`.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\n' => f.write_str("&#10;")?,
                '\t' => f.write_str("&#9;")?,
                c if (c as u32) < 0x20 || matches!(c as u32, 0xFFFE | 0xFFFF) => {
                    f.write_char('\u{FFFD}')?;
                }
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Lines joined by newlines, escaped.
pub(crate) struct EscLines<'a>(pub(crate) &'a [String]);

impl fmt::Display for EscLines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("&#10;")?;
            }
            write!(f, "{}", Esc(line))?;
        }
        Ok(())
    }
}

/// The SVG prologue: XML declaration, `<svg>` with size and viewBox, `<title>`, background.
pub(crate) fn write_header(
    f: &mut impl Write,
    width: f64,
    height: f64,
    font_size: f64,
    title: &str,
) -> fmt::Result {
    let (w, h) = (Num(width.ceil()), Num(height.ceil()));
    writeln!(f, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        f,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" font-size="{}">"#,
        FONT_FAMILY_CSS,
        Num(font_size)
    )?;
    writeln!(f, "<title>{}</title>", Esc(title))?;
    writeln!(
        f,
        r#"<rect width="{w}" height="{h}" fill="{}"/>"#,
        theme::BACKGROUND
    )
}

/// The title band's height for a title at `font_size` (0 without a title).
/// The narrowest width a title is wrapped to, in px: a small drawing still gets a
/// readable title.
pub(crate) const MIN_TITLE_WIDTH: f64 = 320.0;

/// At most this many title lines; the last one is shortened with `…` when more
/// would be needed (the SVG's `<title>` keeps the full text).
pub(crate) const MAX_TITLE_LINES: usize = 3;

/// `title` wrapped at spaces to `width` px (at least [`MIN_TITLE_WIDTH`]) at the
/// title's font size; a word wider than that, and the last of [`MAX_TITLE_LINES`]
/// lines when the text goes on, are shortened with `…`. Empty for no title.
///
/// # Complexity
/// O(C²) for a title of C characters (titles are one sentence).
pub(crate) fn title_lines(title: Option<&str>, width: f64, font_size: f64) -> Vec<String> {
    let Some(title) = title else {
        return Vec::new();
    };
    let size = title_size(font_size);
    let width = width.max(MIN_TITLE_WIDTH);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in title.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || text_width(&candidate, size) <= width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let more = lines.len() > MAX_TITLE_LINES;
    lines.truncate(MAX_TITLE_LINES);
    let last = lines.len().saturating_sub(1);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| shorten(&l, width, size, more && i == last))
        .collect()
}

/// `line` cut to fit `width` px with `…` at its end (also when `cut` asks for it).
fn shorten(line: &str, width: f64, size: f64, cut: bool) -> String {
    if !cut && text_width(line, size) <= width {
        return line.to_owned();
    }
    let mut out = String::new();
    for c in line.chars() {
        let mut next = out.clone();
        next.push(c);
        next.push('…');
        if text_width(&next, size) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The height the title's lines take, 0 without a title.
pub(crate) fn title_height(lines: &[String], font_size: f64) -> f64 {
    if lines.is_empty() {
        0.0
    } else {
        lines.len() as f64 * line_height(title_size(font_size)) + 8.0
    }
}

/// The width of the widest title line.
pub(crate) fn title_width(lines: &[String], font_size: f64) -> f64 {
    lines
        .iter()
        .map(|l| text_width(l, title_size(font_size)))
        .fold(0.0, f64::max)
}

pub(crate) fn title_size(font_size: f64) -> f64 {
    font_size * 1.3
}

/// Writes the title's lines at the top left of the content area.
pub(crate) fn write_title(f: &mut impl Write, lines: &[String], font_size: f64) -> fmt::Result {
    let size = title_size(font_size);
    let step = line_height(size);
    for (i, line) in lines.iter().enumerate() {
        writeln!(
            f,
            r#"<text class="title" x="{}" y="{}" font-size="{}" fill="{}">{}</text>"#,
            Num(MARGIN),
            Num(MARGIN + i as f64 * step + step / 2.0 + baseline_offset(size)),
            Num(size),
            theme::TEXT,
            Esc(line)
        )?;
    }
    Ok(())
}

fn legend_font(font_size: f64) -> f64 {
    font_size * 0.9
}

const SWATCH: f64 = 14.0;
const LEGEND_PAD: f64 = 8.0;

/// Width and height of a legend box.
pub(crate) fn legend_size(legend: &Legend, font_size: f64) -> (f64, f64) {
    let size = legend_font(font_size);
    let row = line_height(size) + 4.0;
    let text_w = legend
        .entries
        .iter()
        .map(|(_, label)| SWATCH + 6.0 + text_width(label, size))
        .chain(std::iter::once(text_width(&legend.title, size)))
        .fold(0.0f64, f64::max);
    (
        text_w + 2.0 * LEGEND_PAD,
        row * (legend.entries.len() + 1) as f64 + 2.0 * LEGEND_PAD,
    )
}

/// Writes a legend box with its top-left corner at `(x, y)`.
pub(crate) fn write_legend(
    f: &mut impl Write,
    legend: &Legend,
    x: f64,
    y: f64,
    font_size: f64,
) -> fmt::Result {
    let size = legend_font(font_size);
    let row = line_height(size) + 4.0;
    let (w, h) = legend_size(legend, font_size);
    writeln!(f, r#"<g class="legend" font-size="{}">"#, Num(size))?;
    writeln!(
        f,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"/>"#,
        Num(x),
        Num(y),
        Num(w),
        Num(h),
        theme::BACKGROUND,
        theme::GRID
    )?;
    let text_y = |i: usize| y + LEGEND_PAD + row * (i as f64 + 0.5) + baseline_offset(size);
    writeln!(
        f,
        r#"<text x="{}" y="{}" fill="{}">{}</text>"#,
        Num(x + LEGEND_PAD),
        Num(text_y(0)),
        theme::TEXT_MUTED,
        Esc(&legend.title)
    )?;
    for (i, (color, label)) in legend.entries.iter().enumerate() {
        let cy = y + LEGEND_PAD + row * (i as f64 + 1.5);
        writeln!(
            f,
            r#"<rect x="{}" y="{}" width="{SWATCH}" height="{SWATCH}" fill="{color}" stroke="{}"/>"#,
            Num(x + LEGEND_PAD),
            Num(cy - SWATCH / 2.0),
            theme::NODE_STROKE
        )?;
        writeln!(
            f,
            r#"<text x="{}" y="{}" fill="{}">{}</text>"#,
            Num(x + LEGEND_PAD + SWATCH + 6.0),
            Num(text_y(i + 1)),
            theme::TEXT,
            Esc(label)
        )?;
    }
    writeln!(f, "</g>")
}

/// `M x y C … ` path data for a route.
pub(crate) fn write_path_data(
    f: &mut impl Write,
    start: Point,
    curves: &[CubicBezier],
    dx: f64,
    dy: f64,
) -> fmt::Result {
    write!(f, "M{},{}", Num(start.x + dx), Num(start.y + dy))?;
    for c in curves {
        write!(
            f,
            "C{},{} {},{} {},{}",
            Num(c.ctrl1.x + dx),
            Num(c.ctrl1.y + dy),
            Num(c.ctrl2.x + dx),
            Num(c.ctrl2.y + dy),
            Num(c.end.x + dx),
            Num(c.end.y + dy)
        )?;
    }
    Ok(())
}

/// Writes a [`GraphScene`] as SVG: `GraphSvg::new(&scene).to_string()`, or `write!` it anywhere.
///
/// ```
/// use taskscope_layout::{GraphOptions, GraphScene, GraphSvg};
/// use taskscope_trace::{GraphBuilder, TaskState};
/// let mut b = GraphBuilder::new();
/// let x = b.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
/// b.add_task("add-2", "add", [x], TaskState::Done).unwrap();
/// let scene = GraphScene::new(&b.build().unwrap(), None, &GraphOptions::default()).unwrap();
/// let svg = GraphSvg::new(&scene).to_string();
/// assert!(svg.contains("<title>inc-1"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct GraphSvg<'a> {
    scene: &'a GraphScene,
}

impl<'a> GraphSvg<'a> {
    /// A writer for `scene`.
    pub fn new(scene: &'a GraphScene) -> Self {
        Self { scene }
    }

    /// The picture's size in px: the layout plus margins, title and legend.
    pub fn size(&self) -> (f64, f64) {
        let s = self.scene;
        let lines = self.title_lines();
        let title_h = title_height(&lines, s.font_size);
        let title_w = title_width(&lines, s.font_size);
        let (legend_w, legend_h) = self.legend_size();
        let width = MARGIN + (s.layout.width + legend_w).max(title_w) + MARGIN;
        let height = MARGIN + title_h + s.layout.height.max(legend_h) + MARGIN;
        (width, height)
    }

    /// The legend's width (with its margins) and height, zero without a legend.
    fn legend_size(self) -> (f64, f64) {
        self.scene.legend.as_ref().map_or((0.0, 0.0), |l| {
            let (w, h) = legend_size(l, self.scene.font_size);
            (w + 2.0 * MARGIN, h)
        })
    }

    /// The title wrapped to the drawing's width (layout and legend).
    fn title_lines(self) -> Vec<String> {
        let s = self.scene;
        let (legend_w, _) = self.legend_size();
        title_lines(s.title.as_deref(), s.layout.width + legend_w, s.font_size)
    }
}

impl fmt::Display for GraphSvg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scene;
        let (width, height) = self.size();
        let default_title = format!("task graph, {} tasks", format_count(s.task_count as u64));
        write_header(
            f,
            width,
            height,
            s.font_size,
            s.title.as_deref().unwrap_or(&default_title),
        )?;
        writeln!(f, "<defs>")?;
        for (id, color) in [("arrow", theme::EDGE), ("arrow-hl", theme::HIGHLIGHT)] {
            writeln!(
                f,
                r#"<marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{color}"/></marker>"#
            )?;
        }
        writeln!(f, "</defs>")?;
        let lines = self.title_lines();
        write_title(f, &lines, s.font_size)?;
        let dx = MARGIN;
        let dy = MARGIN + title_height(&lines, s.font_size);

        self.write_edges(f, dx, dy)?;
        if s.grouped {
            self.write_edge_labels(f, dx, dy)?;
        }
        self.write_nodes(f, dx, dy)?;
        if let Some(legend) = &s.legend {
            write_legend(
                f,
                legend,
                dx + s.layout.width + 2.0 * MARGIN,
                dy,
                s.font_size,
            )?;
        }
        writeln!(f, "</svg>")
    }
}

impl GraphSvg<'_> {
    /// Edges, as paths with arrowheads; tooltips on grouped edges.
    fn write_edges(self, f: &mut fmt::Formatter<'_>, dx: f64, dy: f64) -> fmt::Result {
        let s = self.scene;
        writeln!(
            f,
            r#"<g class="edges" fill="none" stroke="{}" stroke-width="1.2">"#,
            theme::EDGE
        )?;
        for (edge, route) in s.edges.iter().zip(&s.layout.edges) {
            f.write_str("<path d=\"")?;
            write_path_data(f, route.start(), &route.curves, dx, dy)?;
            f.write_char('"')?;
            let mut stroke_width =
                (edge.count > 1).then(|| (1.2 + (edge.count as f64).ln() * 0.6).min(6.0));
            if edge.highlighted {
                stroke_width = Some(stroke_width.unwrap_or(0.0).max(2.5));
                write!(
                    f,
                    r#" stroke="{}" marker-end="url(#arrow-hl)""#,
                    theme::HIGHLIGHT
                )?;
            } else {
                f.write_str(r#" marker-end="url(#arrow)""#)?;
            }
            if let Some(w) = stroke_width {
                write!(f, r#" stroke-width="{}""#, Num(w))?;
            }
            if s.grouped {
                let from = s
                    .nodes
                    .get(edge.from)
                    .and_then(|n| n.label.first())
                    .map_or("", String::as_str);
                let to = s
                    .nodes
                    .get(edge.to)
                    .and_then(|n| n.label.first())
                    .map_or("", String::as_str);
                let plural = if edge.count == 1 { "y" } else { "ies" };
                writeln!(
                    f,
                    "><title>{} → {}: {} dependenc{plural}</title></path>",
                    Esc(from),
                    Esc(to),
                    format_count(edge.count)
                )?;
            } else {
                writeln!(f, "/>")?;
            }
        }
        writeln!(f, "</g>")?;

        Ok(())
    }

    /// Counts on grouped edges, at the middle of the middle curve.
    fn write_edge_labels(self, f: &mut fmt::Formatter<'_>, dx: f64, dy: f64) -> fmt::Result {
        let s = self.scene;
        let size = s.font_size * 0.75;
        writeln!(
            f,
            r#"<g class="edge-labels" font-size="{}" fill="{}">"#,
            Num(size),
            theme::TEXT_MUTED
        )?;
        for (edge, route) in s.edges.iter().zip(&s.layout.edges) {
            if edge.count < 2 {
                continue;
            }
            let Some(mid) = curve_midpoint(route.start(), &route.curves) else {
                continue;
            };
            writeln!(
                f,
                r#"<text x="{}" y="{}">{}</text>"#,
                Num(mid.x + dx + 4.0),
                Num(mid.y + dy + baseline_offset(size)),
                format_count(edge.count)
            )?;
        }
        writeln!(f, "</g>")?;
        Ok(())
    }

    /// Nodes with their tooltips and labels.
    fn write_nodes(self, f: &mut fmt::Formatter<'_>, dx: f64, dy: f64) -> fmt::Result {
        let s = self.scene;
        writeln!(
            f,
            r#"<g class="nodes" stroke="{}" stroke-width="1">"#,
            theme::NODE_STROKE
        )?;
        let line = line_height(s.font_size);
        for (node, place) in s.nodes.iter().zip(&s.layout.nodes) {
            let (cx, cy) = (place.center.x + dx, place.center.y + dy);
            writeln!(
                f,
                r#"<g id="{}"><title>{}</title>"#,
                Esc(&node.id),
                EscLines(&node.tooltip)
            )?;
            let stroke = if node.highlighted {
                format!(r#" stroke="{}" stroke-width="3""#, theme::HIGHLIGHT)
            } else {
                String::new()
            };
            match node.shape {
                NodeShape::Circle => writeln!(
                    f,
                    r#"<circle cx="{}" cy="{}" r="{}" fill="{}"{stroke}/>"#,
                    Num(cx),
                    Num(cy),
                    Num(node.width / 2.0),
                    node.fill
                )?,
                NodeShape::Ellipse => writeln!(
                    f,
                    r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="{}"{stroke}/>"#,
                    Num(cx),
                    Num(cy),
                    Num(node.width / 2.0),
                    Num(node.height / 2.0),
                    node.fill
                )?,
                NodeShape::Box => writeln!(
                    f,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{stroke}/>"#,
                    Num(cx - node.width / 2.0),
                    Num(cy - node.height / 2.0),
                    Num(node.width),
                    Num(node.height),
                    node.fill
                )?,
            }
            let k = node.label.len() as f64;
            for (i, text) in node.label.iter().enumerate() {
                let y = cy + (i as f64 - (k - 1.0) / 2.0) * line;
                writeln!(
                    f,
                    r#"<text x="{}" y="{}" fill="{}" stroke="none" text-anchor="middle">{}</text>"#,
                    Num(cx),
                    Num(y + baseline_offset(s.font_size)),
                    node.fill.text_color(),
                    Esc(text)
                )?;
            }
            writeln!(f, "</g>")?;
        }
        writeln!(f, "</g>")?;

        Ok(())
    }
}

/// The point at t = ½ of the middle segment of a path.
fn curve_midpoint(start: Point, curves: &[CubicBezier]) -> Option<Point> {
    let mid = curves.len() / 2;
    let c = curves.get(mid)?;
    let p0 = if mid == 0 {
        start
    } else {
        curves.get(mid - 1)?.end
    };
    Some(Point {
        x: (p0.x + 3.0 * c.ctrl1.x + 3.0 * c.ctrl2.x + c.end.x) / 8.0,
        y: (p0.y + 3.0 * c.ctrl1.y + 3.0 * c.ctrl2.y + c.end.y) / 8.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_one_decimal_and_no_negative_zero() {
        assert_eq!(Num(12.0).to_string(), "12");
        assert_eq!(Num(12.25).to_string(), "12.3");
        assert_eq!(Num(-0.01).to_string(), "0");
        assert_eq!(Num(-3.5).to_string(), "-3.5");
        assert_eq!(Num(f64::NAN).to_string(), "0");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            Esc("a<b>&\"c'\n\u{1}").to_string(),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;\u{FFFD}"
        );
    }
}
