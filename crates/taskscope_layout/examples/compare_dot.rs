//! Crossing counts of our layout beside Graphviz `dot`'s, on the benchmark's
//! random layered DAGs (same generator, same seed).
//!
//! Needs `dot` on the PATH (Debian package `graphviz`); the library never does.
//! `dot (own layers)` lets dot rank the graph itself (network simplex);
//! `dot (our layers)` pins dot to our layering with `rank=same`, so the two
//! crossing minimisers are compared on the same layered graph.
//!
//! Run: `cargo run --release -p taskscope_layout --example compare_dot -- 500 1000 2000`
//! (`--ours-only` skips Graphviz, e.g. for 100,000 nodes).

use std::error::Error;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use taskscope_layout::{LayoutOptions, layout};

#[path = "../benches/support/mod.rs"]
mod support;

/// Runs `dot -v` on `text`; returns its total crossing count and wall time.
fn run_dot(text: &str, dir: &std::path::Path, name: &str) -> Result<(u64, f64), Box<dyn Error>> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    let start = Instant::now();
    let out = Command::new("dot")
        .arg("-v")
        .arg("-Tplain")
        .arg(&path)
        .output()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("dot failed on {}", path.display()).into());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    // "mincross G: 123 crossings, 0.01 secs." once per connected component.
    let crossings = stderr
        .lines()
        .filter(|l| l.starts_with("mincross ") && l.contains(" crossings"))
        .filter_map(|l| l.split(": ").nth(1)?.split(' ').next()?.parse::<u64>().ok())
        .sum();
    Ok((crossings, secs))
}

fn main() -> Result<(), Box<dyn Error>> {
    let ours_only = std::env::args().any(|a| a == "--ours-only");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![500, 1_000, 2_000]
    } else {
        sizes
    };
    let dir = tempfile::tempdir()?;
    println!(
        "| nodes | edges | ours: crossings (initial) | ours: time | dot (own layers): crossings | dot time | dot (our layers): crossings | dot time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let g = support::layout_graph(n, 42)?;
        let start = Instant::now();
        let out = layout(&g, &LayoutOptions::default())?;
        let ours = start.elapsed().as_secs_f64();

        let mut free = String::from("digraph g {\n node [shape=box fixedsize=true label=\"\"];\n");
        for (i, node) in out.nodes.iter().enumerate() {
            writeln!(
                free,
                " n{i} [width={:.3} height={:.3}];",
                node.width / 72.0,
                node.height / 72.0
            )?;
        }
        for (u, v) in g.edges() {
            writeln!(free, " n{} -> n{};", u.0, v.0)?;
        }
        let mut pinned = free.clone();
        free.push_str("}\n");
        let layers = out.stats.layers;
        let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); layers];
        for (i, node) in out.nodes.iter().enumerate() {
            if let Some(l) = by_layer.get_mut(node.layer as usize) {
                l.push(i);
            }
        }
        for members in &by_layer {
            pinned.push_str(" { rank=same;");
            for i in members {
                write!(pinned, " n{i};")?;
            }
            pinned.push_str(" }\n");
        }
        pinned.push_str("}\n");

        let row = format!(
            "| {n} | {} | {} ({}) | {ours:.3} s |",
            g.edge_count(),
            out.stats.crossings,
            out.stats.initial_crossings,
        );
        if ours_only {
            println!("{row} – | – | – | – |");
            continue;
        }
        let (dot_free, t_free) = run_dot(&free, dir.path(), &format!("free-{n}.dot"))?;
        let (dot_pinned, t_pinned) = run_dot(&pinned, dir.path(), &format!("pinned-{n}.dot"))?;
        println!("{row} {dot_free} | {t_free:.1} s | {dot_pinned} | {t_pinned:.1} s |");
    }
    Ok(())
}
