//! egui_kittest tests driving the whole viewer app (no window, no GPU), asserting on state.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_egui::RunState;
use taskscope_fixtures as synthetic;
use taskscope_trace::{SpanId, TaskId, Trace};
use taskscope_viewer::settings::Settings;
use taskscope_viewer::{StartupOptions, ViewerApp};

/// A stand-in reader: files hold a recipe word instead of JSON, so these tests do not
/// depend on the trace-file format (tested in taskscope_trace).
fn parse_recipe(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    Ok(match bytes {
        b"diamond" => synthetic::diamond()?,
        b"serial" => synthetic::layered(400, 20, 1, 5)?,
        b"parallel" => synthetic::layered(400, 20, 4, 5)?,
        _ => anyhow::bail!("{name}: unknown recipe"),
    })
}

fn write(dir: &Path, name: &str, recipe: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, recipe).unwrap();
    path
}

fn harness(options: StartupOptions) -> Harness<'static, ViewerApp> {
    let mut app = ViewerApp::new(Settings::default(), options, parse_recipe);
    app.native_dialogs = false;
    Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app)
}

/// Steps until all background work (loads, analyses, comparisons, exports) has
/// finished, or fails the test after 45 s.
fn wait_for_loads(h: &mut Harness<'_, ViewerApp>) {
    let deadline = Instant::now() + Duration::from_secs(45);
    while h.state().is_busy() {
        assert!(Instant::now() < deadline, "background work did not finish");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(3);
}

fn click(h: &mut Harness<'_, ViewerApp>, pos: Pos2) {
    h.hover_at(pos);
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run_steps(2);
}

fn span_of(trace: &Trace, task: TaskId) -> SpanId {
    SpanId(trace.spans().iter().position(|s| s.task == task).unwrap() as u32)
}

fn open_diamond() -> (tempfile::TempDir, Harness<'static, ViewerApp>) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "diamond.json", "diamond");
    let mut h = harness(StartupOptions {
        files: vec![file],
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    });
    wait_for_loads(&mut h);
    (dir, h)
}

#[test]
fn opens_a_trace_and_clicking_a_bar_lights_ancestors_in_both_views() {
    let (_dir, mut h) = open_diamond();
    assert_eq!(h.state().tabs.len(), 2, "start page + the trace");
    assert_eq!(h.state().active, 1);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert_eq!(
        h.state()
            .settings
            .recent_files
            .first()
            .map(|p| p.ends_with("diamond.json")),
        Some(true)
    );

    let add = TaskId(2);
    let bar = {
        let tab = h.state().trace_tab(1).unwrap();
        tab.timeline
            .bar_rect(&tab.doc.trace, &tab.doc.model, span_of(&tab.doc.trace, add))
            .unwrap()
    };
    click(&mut h, bar.center());
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.highlight.selected(), Some(add));
    assert!(tab.highlight.is_ancestor(TaskId(0)) && tab.highlight.is_ancestor(TaskId(1)));
    // The status line names the selection.
    assert!(h.query_by_label("add-3").is_some());

    // Clicking a node in the graph view selects in the shared highlight.
    let node = {
        let tab = h.state().trace_tab(1).unwrap();
        tab.graph
            .node_screen_rect(&tab.doc.analyses().unwrap().layout, TaskId(0))
            .unwrap()
    };
    click(&mut h, node.center());
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.highlight.selected(), Some(TaskId(0)));
    assert!(tab.highlight.is_descendant(add));
}

#[test]
fn keys_zoom_and_pan_the_timeline() {
    let (_dir, mut h) = open_diamond();
    let range =
        |h: &Harness<'_, ViewerApp>| h.state().trace_tab(1).unwrap().timeline.visible_range();
    let ns_per_px =
        |h: &Harness<'_, ViewerApp>| h.state().trace_tab(1).unwrap().timeline.view.ns_per_px;
    let before = ns_per_px(&h);
    h.key_press(Key::W);
    h.run_steps(2);
    assert!((ns_per_px(&h) * 1.5 - before).abs() < 1e-6 * before);
    let zoomed = range(&h);
    h.key_press(Key::D);
    h.run_steps(2);
    let panned = range(&h);
    assert!(panned.start > zoomed.start, "{panned:?} vs {zoomed:?}");
    h.key_press(Key::A);
    h.key_press(Key::A);
    h.run_steps(2);
    assert!(range(&h).start < panned.start);
}

#[test]
fn play_advances_the_cursor_and_node_states() {
    let (_dir, mut h) = open_diamond();
    h.get_by_label("Play").click();
    // The default speed plays the 20 ms run in 10 s; each step is 0.25 s, so 8 steps ≈ 4 ms.
    h.run_steps(8);
    let tab = h.state().trace_tab(1).unwrap();
    assert!(tab.replay.playing);
    let t = tab.replay.shown_cursor().unwrap();
    assert!((3_000_000..=6_000_000).contains(&t), "cursor at {t}");
    let state = |task| tab.doc.index.times().state_at(TaskId(task), t);
    assert_eq!(state(0), RunState::Running);
    assert_eq!(state(1), RunState::Running);
    assert_eq!(state(2), RunState::Waiting);

    // Pause, then let it run to the end: everything is done.
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(!h.state().trace_tab(1).unwrap().replay.playing);
    h.key_press(Key::Space);
    h.run_steps(60);
    let tab = h.state().trace_tab(1).unwrap();
    let t = tab.replay.shown_cursor().unwrap();
    assert_eq!(t, tab.replay.end_ns);
    assert!(!tab.replay.playing, "stops at the end");
    assert_eq!(tab.doc.index.times().state_at(TaskId(2), t), RunState::Done);
}

#[test]
fn compare_tab_shows_the_speedup() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "total_serial.json", "serial");
    let b = write(dir.path(), "total_parallel.json", "parallel");
    let mut h = harness(StartupOptions {
        compare: Some((a, b)),
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    });
    wait_for_loads(&mut h);
    let active = h.state().active;
    let summary = h
        .state()
        .compare_tab(active)
        .expect("a compare tab")
        .summary()
        .expect("the comparison finished");
    assert!(summary.speedup > 1.5, "{summary:?}");
    assert_eq!((summary.workers_a, summary.workers_b), (1, 4));
    let text = format!("speedup {:.2}×", summary.speedup);
    assert!(h.query_by_label(&text).is_some(), "{text} is shown");
    // Both timelines share one axis.
    let view = h
        .state()
        .compare_tab(active)
        .unwrap()
        .shared_view()
        .unwrap();
    assert!(view.ns_per_px > 0.0);
}

#[test]
fn a_file_that_fails_to_load_shows_its_error_and_the_app_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "broken.json", "garbage");
    let mut h = harness(StartupOptions {
        files: vec![bad, dir.path().join("missing.json")],
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    });
    wait_for_loads(&mut h);
    let errors = &h.state().errors;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("broken.json") && e.contains("unknown recipe"))
    );
    assert!(errors.iter().any(|e| e.contains("missing.json")));
    assert_eq!(h.state().tabs.len(), 1, "only the start page");
    assert!(h.query_by_label_contains("unknown recipe").is_some());
}

#[test]
fn start_page_lists_samples_and_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "diamond.json", "diamond");
    let mut h = harness(StartupOptions {
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    });
    h.run_steps(2);
    h.get_by_label("diamond.json").click();
    h.run_steps(1);
    wait_for_loads(&mut h);
    assert_eq!(h.state().tabs.len(), 2);
    assert_eq!(h.state().trace_tab(1).unwrap().doc.title, "diamond.json");

    // Search finds tasks by name and selects the first match on Enter.
    h.state_mut().active = 1;
    h.run_steps(1);
    {
        let tab = h.state_mut().trace_tab_mut(1).unwrap();
        tab.search = "inc".into();
        tab.update_search();
        tab.select_next_match();
    }
    h.run_steps(1);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.matches(), &[TaskId(0), TaskId(1)]);
    assert_eq!(tab.highlight.selected(), Some(TaskId(0)));
}

#[test]
fn help_toggles_with_question_mark_and_theme_switches() {
    let (_dir, mut h) = open_diamond();
    assert!(!h.state().show_help);
    h.key_press(Key::Questionmark);
    h.run_steps(2);
    assert!(h.state().show_help);
    assert!(h.query_by_label("Keyboard and mouse").is_some());
    h.key_press(Key::F1);
    h.run_steps(2);
    assert!(!h.state().show_help);

    assert!(h.state().settings.dark);
    h.state_mut().settings.dark = false;
    h.run_steps(2);
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
}

/// The bundled sample traces (`traces/` at the workspace root).
fn samples_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces"))
}

fn real_harness(options: StartupOptions) -> Harness<'static, ViewerApp> {
    let mut app = ViewerApp::new(Settings::default(), options, taskscope_viewer::parse_trace);
    app.native_dialogs = false;
    Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app)
}

/// The viewer with the bundled sample `name` (in `traces/`) opened and loaded.
fn open_sample(name: &str) -> Harness<'static, ViewerApp> {
    let mut h = real_harness(StartupOptions {
        files: vec![samples_dir().join(name)],
        traces_dir: Some(samples_dir()),
        ..StartupOptions::default()
    });
    wait_for_loads(&mut h);
    h
}

#[test]
fn opens_a_bundled_sample_trace_and_selects_a_task_by_clicking() {
    let mut h = open_sample("total_parallel.json");
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let (task, bar) = {
        let tab = h.state().trace_tab(1).expect("the sample opened in a tab");
        let trace = &tab.doc.trace;
        assert!(trace.spans().len() >= 3);
        // The task with the most inputs: its ancestors are lit when it is selected.
        let task = trace
            .graph()
            .tasks()
            .filter(|t| !tab.doc.index.spans_by_task().spans(*t).is_empty())
            .max_by_key(|t| trace.graph().deps(*t).len())
            .unwrap();
        let span = tab.doc.index.first_span(trace, task).unwrap();
        (
            task,
            tab.timeline.bar_rect(trace, &tab.doc.model, span).unwrap(),
        )
    };
    click(&mut h, bar.center());
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.highlight.selected(), Some(task));
    let deps = tab.doc.trace.graph().deps(task);
    assert!(!deps.is_empty());
    assert!(deps.iter().all(|d| tab.highlight.is_ancestor(*d)));
}

#[test]
fn compares_the_bundled_serial_and_parallel_runs() {
    let mut h = real_harness(StartupOptions {
        compare: Some((
            samples_dir().join("total_serial.json"),
            samples_dir().join("total_parallel.json"),
        )),
        traces_dir: Some(samples_dir()),
        ..StartupOptions::default()
    });
    wait_for_loads(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let active = h.state().active;
    let summary = h
        .state()
        .compare_tab(active)
        .expect("a compare tab")
        .summary()
        .expect("the comparison finished");
    assert!(summary.speedup > 1.0, "{summary:?}");
    assert!(h.query_by_label_contains("speedup").is_some());
}

#[test]
fn critical_path_toggle_highlights_the_path_in_both_views() {
    let mut h = open_sample("total_parallel.json");
    h.get_by_label("Critical path").click();
    h.run_steps(2);
    let tab = h.state().trace_tab(1).unwrap();
    assert!(tab.show_critical);
    let path = tab.doc.critical_tasks();
    assert!(path.len() >= 2, "{path:?}");
    assert_eq!(tab.highlight.critical_count(), path.len());
    assert!(path.iter().all(|t| tab.highlight.is_critical(*t)));
    // Every step depends on the one before it.
    for pair in path.windows(2) {
        assert!(tab.doc.trace.graph().deps(pair[1]).contains(&pair[0]));
    }
    // The status line reports its length against the wall time.
    assert!(h.query_by_label_contains("wall (").is_some());

    h.get_by_label("Critical path").click();
    h.run_steps(2);
    assert_eq!(
        h.state().trace_tab(1).unwrap().highlight.critical_count(),
        0
    );
}

#[test]
fn advisor_findings_select_the_tasks_they_name() {
    // The chain of `mul`s is a serial reduction the advisor reports.
    let mut h = open_sample("prod_chain_threads2.json");
    let finding = {
        let tab = h.state().trace_tab(1).unwrap();
        tab.doc
            .analyses()
            .unwrap()
            .findings
            .iter()
            .find(|f| !f.tasks.is_empty())
            .cloned()
            .expect("a finding that names tasks")
    };
    let message = taskscope_viewer::panels::stats::displayable(&finding.to_string());
    // The finding reads as its severity and its message, one text.
    h.get_by_label_contains(&format!(" {message}")).click();
    h.run_steps(2);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.highlight.selected(), finding.tasks.first().copied());
    assert_eq!(tab.matches(), finding.tasks.as_slice());
}
