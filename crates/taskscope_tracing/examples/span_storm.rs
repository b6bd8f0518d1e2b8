//! A whole program that makes many small spans, recorded by the taskscope layer, by
//! `tracing-chrome` or by nothing: for timing whole processes, the writer threads and the
//! final files included (the criterion bench `span_cost` times the instrumented thread only).
//!
//! `cargo run --release -p taskscope_tracing --example span_storm -- taskscope|chrome|none SPANS FILE`
//!
//! Two threads each make SPANS/2 spans `work{i}` with one nested `step`, so every span is
//! created, entered, exited and closed. It prints how long recording and finishing the
//! file took.

#![allow(
    clippy::expect_used,
    reason = "an example program: a bad argument ends it"
)]

use tracing::info_span;
use tracing_subscriber::prelude::*;

fn work(spans: u64) {
    for i in 0..spans / 2 {
        let _work = info_span!("work", i).entered();
        info_span!("step").in_scope(|| {});
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let recorder = args.next().expect("taskscope, chrome or none");
    let spans: u64 = args
        .next()
        .expect("a span count")
        .parse()
        .expect("a number");
    let file = args.next().expect("an output file");
    let run = || {
        let threads: Vec<_> = (0..2)
            .map(|_| std::thread::spawn(move || work(spans / 2)))
            .collect();
        for t in threads {
            t.join().expect("a worker");
        }
    };
    // Each recorder: install it, time the program, then time finishing its file.
    let timed = |finish: Box<dyn FnOnce()>| {
        let t = std::time::Instant::now();
        run();
        eprintln!("recording {:?}", t.elapsed());
        let t = std::time::Instant::now();
        finish();
        eprintln!("finishing {:?}", t.elapsed());
    };
    match recorder.as_str() {
        "taskscope" => {
            let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
                .file(&file)
                .build();
            tracing_subscriber::registry().with(layer).init();
            timed(Box::new(|| guard.finish().expect("the trace is written")));
        }
        "chrome" => {
            let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
                .file(&file)
                .build();
            tracing_subscriber::registry().with(layer).init();
            timed(Box::new(|| drop(guard)));
        }
        _ => run(),
    }
}
