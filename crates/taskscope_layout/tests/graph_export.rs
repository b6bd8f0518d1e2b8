//! Graph pictures: SVG validity, PNG, DOT, export, determinism and the options.

// Helpers outside #[test] functions build fixtures; a failure there should fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use taskscope_fixtures::Crafted;
use taskscope_layout::{
    ColorBy, DotOptions, GraphDot, GraphOptions, GraphScene, GraphSvg, ImageFormat, LayoutError,
    PngOptions, RankDir, SceneNodeKind, export_graph, render_graph, render_png, text_width,
};
use taskscope_trace::{Graph, GraphBuilder, TaskId, TaskState, Trace};

/// x = inc(1); y = inc(2); z = add(x, y); w = mul(z, y) — with awkward keys.
fn graph() -> Graph {
    trace().graph().clone()
}

/// [`graph`] with x run on worker 0 for 1 µs and y on worker 1 for 3 ms.
fn trace() -> Trace {
    let mut t = Crafted::new(2);
    t.task_run("inc-<1>&\"", "inc", &[], 0, 0, 1_000);
    t.task_run("inc-2", "inc", &[], 1, 0, 3_000_000);
    t.set_state("inc-2", TaskState::Failed);
    t.not_run("add-3", "add", &["inc-<1>&\"", "inc-2"]);
    t.not_run("mul-4", "mul", &["add-3", "inc-2"]);
    t.build()
}

/// Every numeric position attribute of the SVG lies inside its viewBox.
fn assert_fits_view_box(svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let vb: Vec<f64> = root
        .attribute("viewBox")
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let (w, h) = (vb[2], vb[3]);
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        for (attr, limit) in [("x", w), ("cx", w), ("y", h), ("cy", h)] {
            if let Some(v) = node.attribute(attr) {
                let v: f64 = v.parse().unwrap();
                assert!((0.0..=limit).contains(&v), "{attr}={v} outside 0..{limit}");
            }
        }
        if let (Some(cx), Some(rx)) = (
            node.attribute("cx"),
            node.attribute("rx").or(node.attribute("r")),
        ) {
            let (cx, rx): (f64, f64) = (cx.parse().unwrap(), rx.parse().unwrap());
            assert!(cx - rx >= 0.0 && cx + rx <= w);
        }
        if node.has_tag_name("path")
            && node
                .parent()
                .is_some_and(|p| p.attribute("class") == Some("edges"))
        {
            let d = node.attribute("d").unwrap();
            for pair in d.split(['M', 'C', ' ']).filter(|s| !s.is_empty()) {
                let (x, y) = pair.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!((0.0..=w).contains(&x) && (0.0..=h).contains(&y), "{pair}");
            }
        }
    }
}

#[test]
fn svg_is_valid_xml_with_a_tooltip_per_node_and_a_fitting_view_box() {
    let t = trace();
    let options = GraphOptions::default()
        .with_color_by(ColorBy::Duration)
        .with_title("a <title> & \"quotes\"");
    let scene = GraphScene::new(t.graph(), Some(&t), &options).unwrap();
    let svg = GraphSvg::new(&scene).to_string();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // One <g id=…><title> per node, in node order.
    let groups: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("id").is_some())
        .collect();
    assert_eq!(groups.len(), scene.nodes.len());
    let first_title = groups[0]
        .children()
        .find(|c| c.has_tag_name("title"))
        .unwrap();
    assert_eq!(
        first_title.text().unwrap(),
        "inc-<1>&\"\nfunction: inc\nduration: 1.00 µs\nlane: worker 0\nstate: done"
    );
    let title = doc
        .root_element()
        .children()
        .find(|c| c.has_tag_name("title"))
        .unwrap();
    assert_eq!(title.text(), Some("a <title> & \"quotes\""));
    assert_fits_view_box(&svg);
    // Labels fit inside their nodes.
    for n in &scene.nodes {
        for line in &n.label {
            assert!(text_width(line, scene.font_size) < n.width, "{line}");
        }
    }
}

#[test]
fn every_direction_and_mode_gives_valid_fitting_svg() {
    let t = trace();
    for dir in [
        RankDir::BottomToTop,
        RankDir::TopToBottom,
        RankDir::LeftToRight,
        RankDir::RightToLeft,
    ] {
        for compact in [false, true] {
            for color_by in [
                ColorBy::None,
                ColorBy::State,
                ColorBy::Lane,
                ColorBy::Duration,
            ] {
                let options = GraphOptions::default()
                    .with_rank_dir(dir)
                    .with_compact(compact)
                    .with_color_by(color_by)
                    .with_highlight([TaskId(0), TaskId(2)]);
                let scene = GraphScene::new(t.graph(), Some(&t), &options).unwrap();
                assert_fits_view_box(&GraphSvg::new(&scene).to_string());
            }
        }
    }
}

#[test]
fn rank_directions_place_inputs_first() {
    let g = graph();
    let centre = |dir| {
        let options = GraphOptions::default()
            .with_rank_dir(dir)
            .with_compact(true);
        let s = GraphScene::new(&g, None, &options).unwrap();
        (s.layout.nodes[0].center, s.layout.nodes[2].center)
    };
    let (x, z) = centre(RankDir::BottomToTop);
    assert!(x.y > z.y);
    let (x, z) = centre(RankDir::TopToBottom);
    assert!(x.y < z.y);
    let (x, z) = centre(RankDir::LeftToRight);
    assert!(x.x < z.x);
    let (x, z) = centre(RankDir::RightToLeft);
    assert!(x.x > z.x);
}

#[test]
fn compact_mode_draws_tasks_only() {
    let g = graph();
    let full = GraphScene::new(&g, None, &GraphOptions::default()).unwrap();
    assert_eq!((full.nodes.len(), full.edges.len()), (8, 4 + 4));
    let compact = GraphScene::new(&g, None, &GraphOptions::default().with_compact(true)).unwrap();
    assert_eq!((compact.nodes.len(), compact.edges.len()), (4, 4));
    assert!(
        compact
            .nodes
            .iter()
            .all(|n| matches!(n.kind, SceneNodeKind::Task(_)))
    );
}

#[test]
fn highlight_marks_nodes_and_the_edges_between_them() {
    let g = graph();
    let options = GraphOptions::default().with_compact(true).with_highlight([
        TaskId(1),
        TaskId(2),
        TaskId(3),
    ]);
    let scene = GraphScene::new(&g, None, &options).unwrap();
    let hl: Vec<bool> = scene.nodes.iter().map(|n| n.highlighted).collect();
    assert_eq!(hl, vec![false, true, true, true]);
    let hl_edges: Vec<(usize, usize)> = scene
        .edges
        .iter()
        .filter(|e| e.highlighted)
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(hl_edges, vec![(1, 2), (2, 3), (1, 3)]);
    let dot = GraphDot::new(&scene, &DotOptions::default()).to_string();
    assert_eq!(dot.matches("penwidth=3").count(), 3);
}

#[test]
fn state_colouring_lists_the_states_present() {
    let scene = GraphScene::new(
        &graph(),
        None,
        &GraphOptions::default().with_color_by(ColorBy::State),
    )
    .unwrap();
    let legend = scene.legend.unwrap();
    let labels: Vec<&str> = legend.entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(labels, vec!["done", "failed", "not run"]);
}

#[test]
fn duration_colouring_without_timing_says_so() {
    let scene = GraphScene::new(
        &graph(),
        None,
        &GraphOptions::default().with_color_by(ColorBy::Duration),
    )
    .unwrap();
    let legend = scene.legend.unwrap();
    assert_eq!(legend.entries.len(), 1);
    assert_eq!(legend.entries[0].1, "no timing");
}

#[test]
fn grouping_threshold_and_full() {
    let g = graph();
    let options = GraphOptions {
        group_threshold: 3,
        ..GraphOptions::default()
    };
    let scene = GraphScene::new(&g, None, &options).unwrap();
    assert!(scene.grouped);
    let names: Vec<&str> = scene.nodes.iter().map(|n| n.label[0].as_str()).collect();
    assert_eq!(names, vec!["inc", "add", "mul"]);
    let counts: Vec<(usize, usize, u64)> = scene
        .edges
        .iter()
        .map(|e| (e.from, e.to, e.count))
        .collect();
    assert_eq!(counts, vec![(0, 1, 2), (0, 2, 1), (1, 2, 1)]);
    let scene = GraphScene::new(&g, None, &options.with_full(true)).unwrap();
    assert!(!scene.grouped);
}

#[test]
fn a_cyclic_graph_from_a_foreign_file_still_draws() {
    let mut b = GraphBuilder::new();
    b.add_task("a", "a", [TaskId(1)], TaskState::Done).unwrap();
    b.add_task("b", "b", [TaskId(0)], TaskState::Done).unwrap();
    b.add_task("c", "c", [TaskId(2)], TaskState::Done).unwrap();
    let g = b.build().unwrap();
    let (svg, stats) = render_graph(&g, None, ImageFormat::Svg, &GraphOptions::default()).unwrap();
    roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).unwrap();
    // a <-> b is one cycle; c -> its box -> c is another.
    assert_eq!(stats.reversed_edges, 2);
    assert_eq!(stats.self_loops, 0);
    let (svg, stats) = render_graph(
        &g,
        None,
        ImageFormat::Svg,
        &GraphOptions::default().with_compact(true),
    )
    .unwrap();
    roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).unwrap();
    assert_eq!(stats.self_loops, 1);
}

#[test]
fn same_graph_gives_byte_identical_files() {
    let t1 = trace();
    let t2 = trace();
    let options = GraphOptions::default()
        .with_color_by(ColorBy::Lane)
        .with_title("t");
    for format in [ImageFormat::Svg, ImageFormat::Dot, ImageFormat::Png] {
        let a = render_graph(t1.graph(), Some(&t1), format, &options).unwrap();
        let b = render_graph(t2.graph(), Some(&t2), format, &options).unwrap();
        assert_eq!(a.0, b.0, "{format:?}");
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn png_has_the_svg_size_and_respects_the_limits() {
    let g = graph();
    let scene = GraphScene::new(&g, None, &GraphOptions::default()).unwrap();
    let svg = GraphSvg::new(&scene);
    let (w, h) = svg.size();
    let png = render_png(&svg.to_string(), &PngOptions::default()).unwrap();
    assert_eq!(png_size(&png), (w.ceil() as u32, h.ceil() as u32));
    let small = PngOptions {
        max_side_px: 64,
        ..Default::default()
    };
    let png = render_png(&svg.to_string(), &small).unwrap();
    let (pw, ph) = png_size(&png);
    assert!(pw <= 64 && ph <= 64 && pw.max(ph) >= 63);
    assert!(matches!(
        render_png("not svg", &PngOptions::default()),
        Err(LayoutError::Render(_))
    ));
}

#[test]
fn text_width_bounds_the_rendered_glyphs() {
    use resvg::usvg;
    let mut opt = usvg::Options::default();
    opt.fontdb_mut()
        .load_font_data(taskscope_layout::font::FONT_BYTES.to_vec());
    for text in [
        "inc",
        "add",
        "transform",
        "WWWW",
        "1,024 tasks, 2.15 s",
        "_swap",
    ] {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="0" y="20" font-family="DejaVu Sans" font-size="14">{text}</text></svg>"#
        );
        let tree = usvg::Tree::from_str(&svg, &opt).unwrap();
        let rendered = f64::from(tree.root().abs_bounding_box().width());
        let measured = text_width(text, 14.0);
        assert!(
            rendered <= measured + 0.5,
            "{text}: {rendered} > {measured}"
        );
        assert!(
            rendered >= measured * 0.8,
            "{text}: {rendered} << {measured}"
        );
    }
}

#[test]
fn dot_is_valid_for_graphviz() {
    let t = trace();
    for positions in [false, true] {
        let options = GraphOptions {
            dot: DotOptions { positions },
            ..GraphOptions::default()
                .with_color_by(ColorBy::State)
                .with_title("a \"quoted\" \\ title")
        };
        let (bytes, _) = render_graph(t.graph(), Some(&t), ImageFormat::Dot, &options).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        graphviz_rust::parse(&text).unwrap();
        assert!(text.contains("rankdir=BT"));
        assert!(text.contains("shape=box"));
        assert_eq!(text.contains("pos="), positions);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.dot");
        std::fs::write(&path, &text).unwrap();
        let Ok(out) = Command::new("dot").arg("-Tsvg").arg(&path).output() else {
            eprintln!("skipping the Graphviz check: `dot` is not installed");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn export_picks_the_format_by_extension_and_writes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let g = graph();
    for name in ["g.svg", "g.PNG", "g.dot", "g.gv"] {
        let path = dir.path().join(name);
        let stats = export_graph(&g, None, &path, &GraphOptions::default()).unwrap();
        assert_eq!(stats.nodes, 8);
        let bytes = std::fs::read(&path).unwrap();
        match ImageFormat::from_path(&path).unwrap() {
            ImageFormat::Svg => assert!(bytes.starts_with(b"<?xml")),
            ImageFormat::Png => assert!(bytes.starts_with(b"\x89PNG")),
            ImageFormat::Dot => assert!(bytes.starts_with(b"digraph")),
        }
    }
    let err =
        export_graph(&g, None, dir.path().join("g.jpg"), &GraphOptions::default()).unwrap_err();
    assert!(matches!(err, LayoutError::UnknownFormat { .. }));
    assert!(err.to_string().contains("g.jpg"), "{err}");
    assert!(err.to_string().contains(".svg, .png or .dot"), "{err}");
    let err = export_graph(
        &g,
        None,
        Path::new("no-extension"),
        &GraphOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, LayoutError::UnknownFormat { .. }));
    let missing = dir.path().join("no/such/dir/g.svg");
    let err = export_graph(&g, None, &missing, &GraphOptions::default()).unwrap_err();
    assert!(matches!(err, LayoutError::Write { .. }));
    assert!(err.to_string().contains("no/such/dir/g.svg"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("g.svg"))
            .unwrap()
            .permissions()
            .mode();
        // The mode any new file gets (not a temporary file's private 0600).
        let umask = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
            })
            .unwrap_or(0o022);
        assert_eq!(mode & 0o777, 0o666 & !umask);
    }
    // Only the four pictures: no temporary file left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["g.PNG", "g.dot", "g.gv", "g.svg"]);
}

#[test]
fn an_empty_graph_exports() {
    let g = GraphBuilder::new().build().unwrap();
    for format in [ImageFormat::Svg, ImageFormat::Dot, ImageFormat::Png] {
        let (bytes, stats) = render_graph(&g, None, format, &GraphOptions::default()).unwrap();
        assert!(!bytes.is_empty());
        assert_eq!(stats.nodes, 0);
    }
}

#[test]
fn a_long_title_wraps_to_the_drawing_and_the_svg_title_keeps_it_whole() {
    let t = trace();
    let title = "sum (threads2): [z, z2].into_iter().sum(): the chain Python's sum() builds — \
                 7 tasks on 2 lanes (threads), 3.02 s wall, and then some more words so that \
                 even three lines cannot hold it all";
    let options = GraphOptions::default().with_title(title);
    let scene = GraphScene::new(t.graph(), Some(&t), &options).unwrap();
    let svg = GraphSvg::new(&scene);
    let (width, _) = svg.size();
    assert!(
        width < 700.0,
        "the title no longer sets the width: {width} px"
    );
    let text = svg.to_string();
    assert!(text.contains(&format!("<title>{}</title>", title.replace('\'', "&apos;"))));
    let lines = text.matches(r#"class="title""#).count();
    assert_eq!(lines, 3, "at most 3 lines");
    assert!(
        text.contains("…</text>"),
        "the last line says it is shortened"
    );
    assert_fits_view_box(&text);
}
