//! egui_kittest test of follow mode: a taskscope stream grows between frames and the
//! live tab's timeline, node states and progress panel keep up; when the file is
//! complete the tab becomes an ordinary trace tab.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_egui::{GraphLayout, RunState, TimelineView};
use taskscope_trace::analysis::{format_duration_ns, run_progress};
use taskscope_trace::format::StreamWriter;
use taskscope_trace::{
    Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};
use taskscope_viewer::app::Tab;
use taskscope_viewer::panels::live_tab::LiveTab;
use taskscope_viewer::settings::Settings;
use taskscope_viewer::{StartupOptions, ViewerApp, parse_trace};

/// Six tasks in two groups (`load-0..3`, `sum-0..1`) on two workers; `load-2` fails.
fn run() -> Trace {
    let mut b = TraceBuilder::new(RunMeta {
        title: Some("live".into()),
        ..RunMeta::default()
    });
    let g = b.graph_mut();
    let mut loads = Vec::new();
    for i in 0..4 {
        let state = if i == 2 {
            TaskState::Failed
        } else {
            TaskState::Done
        };
        loads.push(g.add_task(&format!("load-{i}"), "load", [], state).unwrap());
    }
    let s0 = g
        .add_task("sum-0", "sum", [loads[0], loads[1]], TaskState::Done)
        .unwrap();
    g.add_task("sum-1", "sum", [s0, loads[3]], TaskState::Done)
        .unwrap();
    for w in 0..2 {
        b.add_lane(Lane {
            name: format!("worker {w}"),
            process: "taskscope threads".into(),
            sort_index: w,
            is_async: false,
        })
        .unwrap();
    }
    for span in spans() {
        b.add_span(span).unwrap();
    }
    b.build().unwrap()
}

/// The spans in the order they end (task, lane, start, end in ms).
fn spans() -> Vec<Span> {
    [
        (0, 0, 0, 10),
        (1, 1, 0, 12),
        (2, 0, 10, 15),
        (3, 1, 12, 20),
        (4, 0, 20, 30),
        (5, 1, 30, 40),
    ]
    .into_iter()
    .map(|(task, lane, start, end)| Span {
        start_ns: start * 1_000_000,
        end_ns: end * 1_000_000,
        task: TaskId(task),
        lane: LaneId(lane),
        kind: SpanKind::Compute,
        depth: 0,
        unclosed: false,
    })
    .collect()
}

fn live<'h>(h: &'h Harness<'_, ViewerApp>) -> &'h LiveTab {
    h.state().live_tab(1).expect("tab 1 is live")
}

/// Steps the app until `done` holds, or fails after 20 s.
fn step_until(h: &mut Harness<'_, ViewerApp>, what: &str, done: impl Fn(&ViewerApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(2);
}

fn spans_shown(app: &ViewerApp) -> usize {
    app.live_tab(1).map_or(0, |l| l.tab.doc.trace.spans().len())
}

/// A stream of `trace`'s graph and lanes in `dir` (no span yet) and the app following
/// it, once it shows the graph.
fn following(trace: &Trace, dir: &std::path::Path) -> (StreamWriter, Harness<'static, ViewerApp>) {
    let path = dir.join("run.json");
    let stream =
        StreamWriter::create(&path, Arc::new(trace.graph().clone()), trace.lanes()).unwrap();
    let app = ViewerApp::new(
        Settings::default(),
        StartupOptions {
            follow: vec![path],
            traces_dir: Some(dir.to_path_buf()),
            ..StartupOptions::default()
        },
        parse_trace,
    );
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app);
    let tasks = trace.graph().len();
    step_until(&mut h, "the graph", |a| {
        a.live_tab(1)
            .is_some_and(|l| l.tab.doc.trace.graph().len() == tasks)
    });
    (stream, h)
}

#[test]
fn the_live_tab_keeps_up_with_a_growing_stream() {
    let dir = tempfile::tempdir().unwrap();
    let trace = run();
    // The head: the whole graph, nothing finished, no estimate yet and why.
    let (mut stream, mut h) = following(&trace, dir.path());
    assert_eq!(h.state().active, 1);
    assert!(h.query_by_label_contains("0 of 6 tasks finished").is_some());
    assert!(h.query_by_label_contains("no task has finished").is_some());

    let all = spans();
    let status = |s: &Span| trace.graph().state(s.task).unwrap();
    for (shown, span) in all.iter().enumerate().take(4) {
        stream.push_span(span, status(span));
        stream.flush().unwrap();
        step_until(&mut h, "the new span", |a| spans_shown(a) == shown + 1);
        let tab = &live(&h).tab;
        let doc = &tab.doc;
        // The timeline shows the run so far up to "now", its end.
        let end = doc.model.end_ns();
        assert_eq!(end, span.end_ns);
        let visible = tab.timeline.visible_range();
        assert!(
            visible.start <= doc.model.start_ns() && visible.end >= end,
            "{visible:?} shows 0..{end}"
        );
        // The nodes: finished tasks done (or failed), the others not yet (replay states
        // at now).
        assert_eq!(tab.replay.shown_cursor(), Some(end));
        // Play replays the run so far in 10 s, as for a finished run (not at the speed
        // of the empty file the tab began with).
        let whole = (end - doc.model.start_ns()) as f64 / 1e9;
        let speed = tab.replay.speed_vs_real_time();
        assert!(
            (speed - whole / 10.0).abs() <= 1e-9 * whole,
            "{speed} for {whole} s"
        );
        for task in doc.trace.graph().tasks() {
            let finished = all.iter().take(shown + 1).any(|s| s.task == task);
            let state = doc.index.times().state_at(task, end);
            let expected = match trace.graph().state(task) {
                _ if !finished => None,
                Some(TaskState::Failed) => Some(RunState::Failed),
                _ => Some(RunState::Done),
            };
            let ended = matches!(state, RunState::Done | RunState::Failed);
            assert_eq!(ended.then_some(state), expected, "{task:?} after {shown}");
        }
    }
    // The progress panel: 4 of 6 finished, one failed, a rate and an estimate.
    let doc = Arc::clone(&live(&h).tab.doc);
    let p = run_progress(&doc.trace, &doc.index);
    assert_eq!((p.total, p.done, p.failed), (6, 3, 1));
    assert!(
        h.query_by_label_contains("4 of 6 tasks finished, 1 failed")
            .is_some()
    );
    // 4 finished in 20 ms: 200 tasks/s, so the 2 left take about 10 ms.
    let left = format!("about {} left", format_duration_ns(10_000_000));
    assert!(h.query_by_label_contains(&left).is_some(), "{left}");
    // Group names (also on the graph's nodes) and their counts.
    assert!(h.query_all_by_label("load").next().is_some());
    assert!(h.query_all_by_label("sum").next().is_some());
    assert!(h.query_by_label_contains("4 / 4").is_some());
    assert!(h.query_by_label_contains("0 / 2").is_some());

    // The user scrolls the timeline away: it stays there as the file grows.
    let away = TimelineView {
        start_ns: 1_000_000.0,
        ns_per_px: 1_000.0,
    };
    if let Some(Tab::Live(l)) = h.state_mut().tabs.get_mut(1) {
        l.tab.timeline.set_view(away);
    }
    h.run_steps(2);
    assert!(!live(&h).follow_now);
    stream.push_span(&all[4], status(&all[4]));
    stream.flush().unwrap();
    step_until(&mut h, "the fifth span", |a| spans_shown(a) == 5);
    assert_eq!(live(&h).tab.timeline.view, away);
    // And back to now.
    h.get_by_label("Back to now").click();
    h.run_steps(3);
    assert!(live(&h).follow_now);
    assert!(live(&h).tab.timeline.visible_range().end >= live(&h).tab.doc.model.end_ns());

    // The run ends: the tab becomes an ordinary one with the saved trace.
    stream.push_span(&all[5], status(&all[5]));
    stream.finish(&trace).unwrap();
    step_until(&mut h, "the finished tab", |a| a.trace_tab(1).is_some());
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.doc.trace.spans().len(), 6);
    assert_eq!(tab.doc.trace.meta().title.as_deref(), Some("live"));
    assert!(tab.doc.trace.diagnostics().is_empty());
    assert!(!tab.replay.active);
}

#[test]
fn a_stream_update_redraws_with_fresh_figures_keeps_groups_and_selection_and_no_analyses() {
    let dir = tempfile::tempdir().unwrap();
    let trace = run();
    let (mut stream, mut h) = following(&trace, dir.path());
    let first_doc = Arc::clone(&live(&h).tab.doc);
    // The user selects a task and opens the `load` group.
    if let Some(Tab::Live(l)) = h.state_mut().tabs.get_mut(1) {
        l.tab.select(Some(TaskId(4)));
        let mut options = l.tab.drawing_options();
        options.expanded.insert("load".to_owned());
        l.tab.request_drawing(options, None, || {});
    }
    step_until(&mut h, "the expanded drawing", |a| {
        a.live_tab(1).is_some_and(|l| !l.tab.is_laying_out())
    });

    // What a drawing tells of task `t`, the last line of its tooltip: its state.
    let told = |layout: &GraphLayout, t: TaskId| {
        let id = format!("t{}", t.0);
        let node = layout.scene().nodes.iter().find(|n| n.id == id).unwrap();
        node.tooltip.join("\n")
    };
    let all = spans();
    for (shown, span) in all.iter().enumerate().take(3) {
        stream.push_span(span, trace.graph().state(span.task).unwrap());
        stream.flush().unwrap();
        step_until(&mut h, "the new span and its drawing", |a| {
            spans_shown(a) == shown + 1 && a.live_tab(1).is_some_and(|l| !l.tab.is_laying_out())
        });
        let tab = &live(&h).tab;
        // The same graph: its index grew from the first update's.
        assert!(tab.doc.same_graph(&first_doc));
        // The drawings tell the newest task's figures: laid out for this update, the
        // open group's drawing too (a drawing kept from the first update would say
        // the task has not run).
        let state = trace
            .graph()
            .state(span.task)
            .unwrap()
            .as_str()
            .replace('_', " ");
        for layout in [tab.doc.drawing().unwrap(), tab.graph_layout().unwrap()] {
            let text = told(&layout, span.task);
            assert!(text.contains("duration") && text.contains(&state), "{text}");
        }
        // No analyses per update; the live bar says when they come.
        assert!(tab.doc.is_live() && tab.doc.analyses().is_none());
        assert!(h.query_by_label("· statistics at the end").is_some());
        // The open group and the selection survive.
        assert!(tab.drawing_options().expanded.contains("load"));
        assert_eq!(tab.highlight.selected(), Some(TaskId(4)));
    }
    // The user zooms the timeline in with the keyboard: "now" is left, the zoom kept
    // as the file grows, and the way back is shown.
    assert!(live(&h).follow_now);
    h.key_press(egui::Key::W);
    h.run_steps(2);
    assert!(!live(&h).follow_now);
    let zoomed = live(&h).tab.timeline.view;
    stream.push_span(&all[3], trace.graph().state(all[3].task).unwrap());
    stream.flush().unwrap();
    step_until(&mut h, "the fourth span", |a| spans_shown(a) == 4);
    assert_eq!(live(&h).tab.timeline.view, zoomed);
    assert!(h.query_by_label("Back to now").is_some());

    // The run ends: the analyses are computed once, for the complete file, and the open
    // group is opened again on its drawing.
    for span in &all[4..] {
        stream.push_span(span, trace.graph().state(span.task).unwrap());
    }
    stream.finish(&trace).unwrap();
    step_until(&mut h, "the finished tab", |a| a.trace_tab(1).is_some());
    let tab = h.state().trace_tab(1).unwrap();
    assert!(!tab.doc.is_live() && tab.doc.analyses().is_some());
    assert!(tab.drawing_options().expanded.contains("load"));
    assert_eq!(tab.highlight.selected(), Some(TaskId(4)));
}

/// A real recording of the Dask integration on a `LocalCluster` (with failed tasks),
/// written as its temporary file grows: the same bytes, in the same order.
const DASK_RUN: &[u8] =
    include_bytes!("../../taskscope_trace/tests/samples/dask/failures_cluster.json");

#[test]
fn the_dask_integrations_temporary_file_is_followed_while_it_grows_and_after_its_rename() {
    use std::io::Write;
    use taskscope_viewer::follow::{FollowJob, FollowUpdate};

    let dir = tempfile::tempdir().unwrap();
    // As `taskscope_dask` names it (`tempfile.mkstemp(prefix=".NAME.", suffix=...)`).
    let part = dir.path().join(".run.json.k3x9_q1.taskscope-part");
    let target = dir.path().join("run.json");
    let mut file = std::fs::File::create(&part).unwrap();
    let job = FollowJob::spawn(part.clone(), parse_trace, || {}).unwrap();
    let spans = |u: &FollowUpdate| match u {
        FollowUpdate::Live(d) | FollowUpdate::Finished(d) => d.trace.spans().len(),
        FollowUpdate::Failed(e) => panic!("{e}"),
    };
    let wait_for = |what: &str, accept: &dyn Fn(&FollowUpdate) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(u) = job.poll()
                && accept(&u)
            {
                return u;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // The events as they were flushed, in pieces cut anywhere (inside events too),
    // up to the end of the event array: each piece shows the spans it completes.
    let events_end = DASK_RUN
        .windows(3)
        .position(|w| w == b"\n],")
        .expect("an object-form taskscope file")
        + 1;
    let mut written = 0;
    let mut seen = 0;
    for cut in [
        events_end / 5,
        events_end / 2,
        events_end * 4 / 5,
        events_end,
    ] {
        file.write_all(&DASK_RUN[written..cut]).unwrap();
        file.flush().unwrap();
        written = cut;
        let expected = Trace::from_slice(&DASK_RUN[..cut], "run.json")
            .unwrap()
            .spans()
            .len();
        assert!(expected >= seen, "spans never go away");
        if expected > seen {
            let update = wait_for("the new spans", &|u| spans(u) == expected);
            assert!(
                matches!(update, FollowUpdate::Live(_)),
                "still being written"
            );
            seen = expected;
        }
    }
    assert!(seen > 5, "the run showed while it went ({seen} spans)");
    // The recording stops: the rest (flows, counter, the taskscope object) is written,
    // then the file is renamed onto its target at once, as the writer does.
    file.write_all(&DASK_RUN[written..]).unwrap();
    file.sync_all().unwrap();
    std::fs::rename(&part, &target).unwrap();
    let last = wait_for("the finished run", &|u| {
        matches!(u, FollowUpdate::Finished(_))
    });
    let FollowUpdate::Finished(doc) = last else {
        unreachable!()
    };
    let whole = Trace::from_slice(DASK_RUN, "run.json").unwrap();
    assert_eq!(doc.trace.spans(), whole.spans());
    assert_eq!(doc.trace.graph().len(), whole.graph().len());
    assert!(
        doc.trace
            .graph()
            .tasks()
            .any(|t| doc.trace.graph().state(t) == Some(TaskState::Failed))
    );
    assert!(!doc.is_live() && doc.analyses().is_some());
    assert!(job.status().complete);
}
