//! Where a followed plain Chrome file's update time goes, at growing sizes: the
//! follower's push (parsing), its snapshot (building the trace), and the live
//! document (index, progress, graph drawing). `cargo run --release -p taskscope_viewer
//! --example follow_chrome_cost [MAX_SPANS [PIECE_BYTES [unique]]]`: pieces of 4 MiB by
//! default; `unique` names every slice differently (`t<n>`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use taskscope_trace::format::Follower;

fn main() {
    let max: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let piece: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4 << 20);
    let unique = std::env::args().nth(3).as_deref() == Some("unique");
    let mut bytes = b"[\n".to_vec();
    let mut marks = Vec::new();
    let mut step = 250_000;
    for n in 0..max {
        if unique {
            use std::io::Write as _;
            writeln!(
                bytes,
                "{{\"ph\":\"X\",\"name\":\"t{n}\",\"ts\":{n}.000,\"dur\":0.5,\"pid\":1,\"tid\":{},\"args\":{{}}}},",
                n % 16
            )
            .unwrap();
        } else {
            taskscope_test_support::plain_chrome::push_event(n, &mut bytes);
        }
        if n + 1 == step {
            marks.push(bytes.len());
            step *= 2;
        }
    }
    let mut follower = Follower::new("live.json");
    let mut at = 0;
    for (i, &mark) in marks.iter().enumerate() {
        let t = Instant::now();
        for piece in bytes[at..mark].chunks(piece) {
            follower.push(piece).unwrap();
        }
        let push = t.elapsed();
        let mb = (mark - at) as f64 / 1e6;
        at = mark;
        let t = Instant::now();
        let trace = follower.snapshot().unwrap();
        let snap = t.elapsed();
        let spans = trace.spans().len();
        // What `TraceDoc::live` builds, piece by piece.
        let t = Instant::now();
        let index = taskscope_trace::TraceIndex::new(&trace);
        let idx = t.elapsed();
        let t = Instant::now();
        let groups = index.groups(trace.graph()).len();
        let grp = t.elapsed();
        let t = Instant::now();
        let progress = taskscope_trace::analysis::run_progress(&trace, &index);
        let prog = t.elapsed();
        let t = Instant::now();
        let drawing = taskscope_viewer::document::default_drawing(&trace, &index);
        let draw = t.elapsed();
        let t = Instant::now();
        drop((trace, index, progress, drawing));
        let dropped = t.elapsed();
        // The whole live document, as the follow thread builds it, and its drop.
        let trace = follower.snapshot().unwrap();
        let t = Instant::now();
        let doc = taskscope_viewer::document::TraceDoc::live(None, trace, None);
        let live = t.elapsed();
        let t = Instant::now();
        drop(doc);
        let live_drop = t.elapsed();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        println!(
            "{spans} spans: push {:.0} ms for {mb:.0} MB ({:.0} MB/s); snapshot {:.0} ms; index {:.0} ms, {groups} groups {:.0} ms, progress {:.0} ms, drawing {:.0} ms; drop {:.0} ms; TraceDoc::live {:.0} ms, its drop {:.0} ms ({i})",
            ms(push),
            mb / push.as_secs_f64(),
            ms(snap),
            ms(idx),
            ms(grp),
            ms(prog),
            ms(draw),
            ms(dropped),
            ms(live),
            ms(live_drop),
        );
    }
}
