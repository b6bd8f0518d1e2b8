//! With the `tracing` feature, every task runs inside a `tracing` span carrying its
//! name and key, and a program's own spans inside a task are its children.
//! (`cargo nextest run -p taskscope_engine --features tracing --test tracing_spans`;
//! `.ci/run` runs it.)
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a failed step is the failure

use std::cell::RefCell;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use taskscope_engine::{Delayed, Scheduler};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the test subscriber saw of one span.
#[derive(Clone, Debug, Default)]
struct Seen {
    target: String,
    name: &'static str,
    fields: Vec<(String, String)>,
    /// The span that was entered on this thread when this one was made.
    parent: Option<u64>,
    entered: u32,
}

static SPANS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

struct Collect;

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut seen = Seen {
            target: attrs.metadata().target().to_owned(),
            name: attrs.metadata().name(),
            parent: STACK.with(|s| s.borrow().last().copied()),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        let mut spans = SPANS.lock().unwrap();
        let index = usize::try_from(id).unwrap() - 1;
        if spans.len() <= index {
            spans.resize(index + 1, Seen::default());
        }
        spans[index] = seen;
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, id: &Id) {
        STACK.with(|s| s.borrow_mut().push(id.into_u64()));
        SPANS.lock().unwrap()[usize::try_from(id.into_u64()).unwrap() - 1].entered += 1;
    }
    fn exit(&self, id: &Id) {
        STACK.with(|s| {
            let popped = s.borrow_mut().pop();
            assert_eq!(popped, Some(id.into_u64()));
        });
    }
}

fn inc(x: u64) -> u64 {
    let _inner = tracing::info_span!("inner", x).entered();
    x + 1
}

#[test]
fn every_task_runs_in_a_span_and_user_spans_nest_under_it() {
    tracing::subscriber::set_global_default(Collect).unwrap();
    let leaves: Vec<Delayed<u64>> = (0..8)
        .map(|i| Delayed::from_fn("inc", move || inc(i)))
        .collect();
    let total = taskscope_engine::combine("total", leaves, |values: Vec<u64>| {
        values.iter().sum::<u64>()
    });
    let run = total.compute_with(&Scheduler::threads(2)).unwrap();
    assert_eq!(run.value, (1..=8).sum::<u64>());

    let spans = SPANS.lock().unwrap().clone();
    let tasks: Vec<&Seen> = spans
        .iter()
        .filter(|s| s.target == "taskscope::task")
        .collect();
    assert_eq!(tasks.len(), 9, "one span per task: {spans:#?}");
    let field = |s: &Seen, name: &str| {
        s.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let keys: std::collections::BTreeSet<String> = tasks.iter().map(|s| field(s, "key")).collect();
    let graph = run.trace.graph();
    let expected: std::collections::BTreeSet<String> = graph
        .tasks()
        .map(|t| graph.key(t).unwrap().to_owned())
        .collect();
    assert_eq!(keys, expected, "the span's key field is the task's key");
    for s in &tasks {
        assert_eq!(s.name, "task");
        assert_eq!(
            s.entered, 1,
            "each task span is entered once, around its body"
        );
        let name = field(s, "name");
        assert!(field(s, "key").starts_with(&format!("{name}-")), "{s:?}");
    }
    let inner: Vec<&Seen> = spans.iter().filter(|s| s.name == "inner").collect();
    assert_eq!(inner.len(), 8);
    for s in inner {
        let parent = &spans[usize::try_from(s.parent.expect("made inside a task")).unwrap() - 1];
        assert_eq!(parent.target, "taskscope::task");
        assert_eq!(field(parent, "name"), "inc");
    }
}
