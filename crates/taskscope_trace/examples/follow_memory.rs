//! Peak memory of following a file to its end, next to reading it whole (issue 11: a
//! follower should hold what the finished trace takes). Run each mode in its own
//! process under `/usr/bin/time -v` and compare the "Maximum resident set size":
//!
//! ```text
//! cargo build --release -p taskscope_trace --example follow_memory
//! EX=target/release/examples/follow_memory
//! $EX write /tmp/live.json 1000000   # a 10^6-span stream, its end not written
//! /usr/bin/time -v $EX follow /tmp/live.json   # 4 MiB pieces, a snapshot every 64 MiB
//! /usr/bin/time -v $EX open /tmp/live.json     # Trace::open of the same file
//! ```
//!
//! `follow` reads the file in 4 MiB pieces ([`FileTail`]) into a [`Follower`] as the
//! viewer's follower thread does, building a snapshot every 64 MiB while it holds the
//! previous one; it prints the bytes of the file the follower holds and the spans.

#![allow(clippy::print_stderr)]

use std::sync::Arc;

use taskscope_trace::format::{FileTail, Follower, StreamWriter, TailRead};
use taskscope_trace::{Span, TaskState, Trace};

const PIECE: usize = 4 << 20;
const PIECES_PER_SNAPSHOT: usize = 16;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, path, n] if mode == "write" => {
            let trace = taskscope_fixtures::layered(n.parse()?, 1000, 16, 1)?;
            let mut spans: Vec<Span> = trace.spans().to_vec();
            spans.sort_by_key(|s| s.end_ns);
            let mut stream =
                StreamWriter::create(path, Arc::new(trace.graph().clone()), trace.lanes())?;
            for chunk in spans.chunks(10_000) {
                for span in chunk {
                    stream.push_span(span, TaskState::Done);
                }
                stream.flush()?;
            }
        }
        [mode, path] if mode == "follow" => {
            let mut tail = FileTail::open(path)?;
            let mut follower = Follower::new(path);
            let mut buf = Vec::with_capacity(PIECE);
            // The trace shown: the next one is built while it is held, as a view swaps them.
            let mut shown: Option<Trace> = None;
            let mut pieces = 0;
            loop {
                buf.clear();
                match tail.read_new(&mut buf, PIECE)? {
                    TailRead::Grew(_) => follower.push(&buf)?,
                    _ => break,
                }
                pieces += 1;
                if pieces % PIECES_PER_SNAPSHOT == 0 {
                    drop(shown.replace(follower.snapshot()?));
                }
            }
            drop(shown.replace(follower.snapshot()?));
            eprintln!(
                "followed: {} spans; the follower holds {:.1} MB of the file",
                shown.map_or(0, |t| t.spans().len()),
                follower.held_file_bytes() as f64 / 1e6
            );
        }
        [mode, path] if mode == "open" => {
            let trace = Trace::open(path)?;
            eprintln!("opened: {} spans", trace.spans().len());
        }
        _ => return Err("usage: follow_memory write FILE N | follow FILE | open FILE".into()),
    }
    Ok(())
}
