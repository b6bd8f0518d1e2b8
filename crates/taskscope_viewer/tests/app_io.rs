//! egui_kittest tests of the app's ways in and out: drag and drop, the "Open path"
//! fallback, recent files, exports in the background, comparisons in the
//! background, and settings saved and restored through eframe's storage.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_fixtures as synthetic;
use taskscope_trace::analysis::format_factor;
use taskscope_trace::{TaskId, Trace};
use taskscope_viewer::app::Tab;
use taskscope_viewer::export::{ExportKind, SaveWhat};
use taskscope_viewer::settings::{Coloring, Settings};
use taskscope_viewer::{AppCommand, StartupOptions, ViewerApp};

/// A stand-in reader: files hold a recipe word instead of JSON (the format is tested in taskscope_trace).
fn parse_recipe(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    Ok(match bytes {
        b"diamond" => synthetic::diamond()?,
        b"serial" => synthetic::layered(400, 20, 1, 5)?,
        b"parallel" => synthetic::layered(400, 20, 4, 5)?,
        b"big-serial" => synthetic::layered(20_000, 50, 1, 5)?,
        b"big-parallel" => synthetic::layered(20_000, 50, 8, 5)?,
        _ => anyhow::bail!("{name}: unknown recipe"),
    })
}

fn write(dir: &Path, name: &str, recipe: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, recipe).unwrap();
    path
}

/// The app in a test harness, with the native file dialogs off (tests never block on one).
fn harness_with(mut app: ViewerApp) -> Harness<'static, ViewerApp> {
    app.native_dialogs = false;
    Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app)
}

fn harness(dir: &Path, files: Vec<PathBuf>) -> Harness<'static, ViewerApp> {
    harness_with(ViewerApp::new(
        Settings::default(),
        StartupOptions {
            files,
            traces_dir: Some(dir.to_path_buf()),
            ..StartupOptions::default()
        },
        parse_recipe,
    ))
}

/// Steps until all background work has finished (bounded: fails after 45 s).
fn settle(h: &mut Harness<'_, ViewerApp>) {
    let deadline = Instant::now() + Duration::from_secs(45);
    while h.state().is_busy() {
        assert!(Instant::now() < deadline, "background work did not finish");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(3);
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A file dropped on the window, as the windowing integration reports it.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, ViewerApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.to_path_buf())));
    h.step();
}

#[test]
fn dropping_a_file_opens_it_in_a_new_tab() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "dropped.json", "diamond");
    let mut h = harness(dir.path(), Vec::new());
    h.run_steps(2);
    assert_eq!(h.state().tabs.len(), 1);
    drop_file(&mut h, &file);
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert_eq!(h.state().tabs.len(), 2);
    assert_eq!(h.state().active, 1);
    let tab = h.state().trace_tab(1).expect("a trace tab");
    assert_eq!(tab.doc.title, "dropped.json");
    assert_eq!(tab.doc.trace.graph().len(), 3);
    assert_eq!(h.state().settings.recent_files.first(), Some(&file));
}

#[test]
fn dropping_a_bad_file_shows_the_readers_error_and_the_app_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "garbage");
    let good = write(dir.path(), "good.json", "diamond");
    let mut h = harness(dir.path(), Vec::new());
    h.run_steps(2);
    drop_file(&mut h, &bad);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 1, "no tab for a bad file");
    let errors = &h.state().errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("bad.json") && errors[0].contains("unknown recipe"),
        "{errors:?}"
    );
    assert!(h.query_by_label_contains("unknown recipe").is_some());
    assert!(
        h.state().settings.recent_files.is_empty(),
        "a file that failed is not recent"
    );

    // Still working: the next drop opens.
    drop_file(&mut h, &good);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 2);
    assert_eq!(h.state().trace_tab(1).unwrap().doc.title, "good.json");
}

#[test]
fn the_open_path_window_opens_a_typed_path_and_recent_files() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "first.json", "diamond");
    let second = write(dir.path(), "second.json", "parallel");
    let mut h = harness(dir.path(), vec![first.clone()]);
    settle(&mut h);
    assert_eq!(h.state().active, 1, "the trace tab is shown");

    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Open path…").click();
    h.run_steps(4);
    assert!(h.state().open_prompt.is_some(), "the window is open");
    // The recent files are listed in it.
    assert!(h.query_by_label(&first.display().to_string()).is_some());
    // Paths are often pasted with quotes.
    h.state_mut().open_prompt.as_mut().unwrap().text = format!("  \"{}\" ", second.display());
    h.run_steps(1);
    h.get_by_label("Open").click();
    h.run_steps(1);
    assert!(h.state().open_prompt.is_none(), "the window closes");
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert_eq!(h.state().tabs.len(), 3);
    assert_eq!(h.state().trace_tab(2).unwrap().doc.title, "second.json");
    assert_eq!(
        h.state().settings.recent_files,
        vec![second.clone(), first.clone()]
    );

    // A recent file opens with one click.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Open path…").click();
    h.run_steps(4);
    h.get_by_label(&first.display().to_string()).click();
    h.run_steps(1);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 4);
    assert_eq!(h.state().trace_tab(3).unwrap().doc.title, "first.json");
    assert_eq!(h.state().settings.recent_files, vec![first, second]);
}

#[test]
fn without_native_dialogs_open_and_compare_with_use_the_path_window() {
    let dir = tempfile::tempdir().unwrap();
    let serial = write(dir.path(), "serial.json", "serial");
    let parallel = write(dir.path(), "parallel.json", "parallel");
    let mut h = harness(dir.path(), vec![serial]);
    settle(&mut h);

    // Ctrl+O falls back to the Open path window.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_steps(4);
    let prompt = h
        .state()
        .open_prompt
        .as_ref()
        .expect("the Open path window");
    assert!(prompt.compare_with.is_none());
    assert!(
        h.query_by_label("Type or paste the path of a trace file:")
            .is_some()
    );
    h.state_mut().open_prompt = None;
    h.run_steps(2);

    // So does "Compare with…": the typed file is compared with the active trace.
    h.get_by_label("Compare with…").click();
    h.run_steps(4);
    let base = h.state().open_prompt.as_ref().unwrap().compare_with.clone();
    assert_eq!(
        base.map(|d| d.title.clone()).as_deref(),
        Some("serial.json")
    );
    assert!(
        h.query_by_label("Type or paste the path of the trace to compare serial.json with:")
            .is_some()
    );
    h.state_mut().open_prompt.as_mut().unwrap().text = parallel.display().to_string();
    h.run_steps(1);
    h.get_by_label("Compare").click();
    h.run_steps(1);
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let active = h.state().active;
    let tab = h.state().compare_tab(active).expect("a compare tab");
    assert_eq!(tab.title(), "serial.json vs parallel.json");
    let s = tab.summary().unwrap();
    assert_eq!((s.workers_a, s.workers_b), (1, 4));
}

#[test]
fn the_start_page_path_field_opens_a_file_and_shows_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "typed.json", "diamond");
    let mut h = harness(dir.path(), Vec::new());
    h.run_steps(2);
    let set_text = |h: &mut Harness<'_, ViewerApp>, text: String| {
        let Some(Tab::Start(page)) = h.state_mut().tabs.get_mut(0) else {
            panic!("no start page");
        };
        page.open_path = text;
        h.run_steps(1);
    };
    set_text(
        &mut h,
        dir.path().join("nothing-here.json").display().to_string(),
    );
    h.get_by_label("Open").click();
    h.run_steps(1);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 1);
    assert!(
        h.state()
            .errors
            .iter()
            .any(|e| e.contains("nothing-here.json")),
        "{:?}",
        h.state().errors
    );

    set_text(&mut h, file.display().to_string());
    h.get_by_label("Open").click();
    h.run_steps(1);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 2);
    assert_eq!(h.state().trace_tab(1).unwrap().doc.title, "typed.json");
    assert_eq!(h.state().settings.recent_files, vec![file]);
}

#[test]
fn recent_files_are_remembered_as_absolute_paths() {
    // Integration tests run in the crate's folder: open a bundled sample by a relative path.
    let relative = PathBuf::from("../../traces/total_serial.json");
    assert!(relative.is_file(), "run from the crate folder");
    let mut h = harness_with(ViewerApp::new(
        Settings::default(),
        StartupOptions {
            files: vec![relative],
            traces_dir: Some(PathBuf::from("../../traces")),
            ..StartupOptions::default()
        },
        taskscope_viewer::parse_trace,
    ));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let recent = &h.state().settings.recent_files;
    assert_eq!(recent.len(), 1);
    assert!(recent[0].is_absolute(), "{recent:?}");
    assert!(recent[0].is_file(), "{recent:?}");
    assert!(
        recent[0].ends_with("traces/total_serial.json"),
        "{recent:?}"
    );
    assert!(
        !recent[0]
            .components()
            .any(|c| c == std::path::Component::ParentDir),
        "no `..` left, so one file is one entry: {recent:?}"
    );
}

/// Picks `item` in the Export menu, which opens the Save as window.
fn pick_export(h: &mut Harness<'_, ViewerApp>, item: &str) {
    h.get_by_label("Export").click();
    h.run_steps(2);
    h.get_by_label(item).click();
    h.run_steps(4);
}

/// Saves from the Save as window, to `path` if given, else to the suggested path.
fn save_as(h: &mut Harness<'_, ViewerApp>, path: Option<&Path>) {
    if let Some(path) = path {
        h.state_mut().save_prompt.as_mut().unwrap().text = path.display().to_string();
        h.run_steps(1);
    }
    h.get_by_label("Save").click();
    h.run_steps(1);
}

#[test]
fn exporting_through_the_save_as_window_runs_in_the_background_and_reports_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "diamond.json", "diamond");
    let out_dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), vec![file]);
    settle(&mut h);

    pick_export(&mut h, ExportKind::GraphSvg.label());
    let suggested = h
        .state()
        .save_prompt
        .as_ref()
        .expect("the Save as window")
        .text
        .clone();
    assert!(suggested.ends_with("diamond.graph.svg"), "{suggested}");
    assert!(h.query_by_label("Save diamond.graph.svg to:").is_some());

    let target = out_dir.path().join("picture.svg");
    save_as(&mut h, Some(&target));
    assert!(h.state().save_prompt.is_none(), "the window closes");
    settle(&mut h);

    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let svg = std::fs::read_to_string(&target).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("inc"), "{svg:.80}");
    assert_eq!(
        files_in(out_dir.path()),
        vec!["picture.svg"],
        "no temporary left"
    );
    let saved = format!("Saved {}", target.display());
    assert_eq!(h.state().notices, vec![saved.clone()]);
    assert!(h.query_by_label(&saved).is_some(), "the window says so");
    assert_eq!(
        h.state().settings.last_dir.as_deref(),
        Some(out_dir.path()),
        "the next export suggests this folder"
    );

    // The statistics as CSV, suggested in that folder now.
    pick_export(&mut h, "Statistics as CSV…");
    let prompt = h.state().save_prompt.as_ref().unwrap();
    assert_eq!(
        PathBuf::from(&prompt.text),
        out_dir.path().join("diamond.stats.csv")
    );
    save_as(&mut h, None);
    settle(&mut h);
    let csv = std::fs::read_to_string(out_dir.path().join("diamond.stats.csv")).unwrap();
    assert!(csv.lines().count() >= 3, "{csv}");
    assert_eq!(h.state().notices.len(), 2);
}

#[test]
fn an_export_to_an_unwritable_path_shows_the_error_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "diamond.json", "diamond");
    let out_dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), vec![file]);
    settle(&mut h);

    // Through the window: a folder that does not exist.
    pick_export(&mut h, ExportKind::TimelinePng.label());
    let missing = out_dir.path().join("no-such-folder").join("t.png");
    save_as(&mut h, Some(&missing));
    settle(&mut h);
    assert_eq!(h.state().errors.len(), 1, "{:?}", h.state().errors);
    assert!(
        h.state().errors[0].contains("t.png"),
        "{:?}",
        h.state().errors
    );
    assert!(h.query_by_label_contains("could not export").is_some());
    assert!(h.state().notices.is_empty());

    // Writable folder, but the name is taken by a folder: the temporary file is
    // written and the rename fails. Both a picture and a text export clean up.
    let taken = out_dir.path().join("taken.svg");
    std::fs::create_dir(&taken).unwrap();
    let doc = Arc::clone(&h.state().trace_tab(1).unwrap().doc);
    let picture = SaveWhat::Picture {
        doc,
        kind: ExportKind::GraphSvg,
        look: taskscope_viewer::export::GraphLook::default(),
    };
    let text = SaveWhat::Text {
        contents: "a,b\n".into(),
    };
    for what in [picture, text] {
        h.state_mut().apply(
            AppCommand::SaveTo {
                what,
                path: taken.clone(),
            },
            None,
        );
    }
    settle(&mut h);
    let errors = &h.state().errors;
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[1..].iter().all(|e| e.contains("taken.svg")),
        "{errors:?}"
    );
    assert_eq!(
        files_in(out_dir.path()),
        vec!["taken.svg"],
        "no temporary left"
    );
    assert!(files_in(&taken).is_empty());
    assert!(h.state().notices.is_empty());
}

#[test]
fn the_compare_tab_fills_in_from_the_background_with_the_bundled_runs() {
    let samples = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces"));
    let mut h = harness_with(ViewerApp::new(
        Settings::default(),
        StartupOptions {
            compare: Some((
                samples.join("total_serial.json"),
                samples.join("total_parallel.json"),
            )),
            traces_dir: Some(samples.clone()),
            ..StartupOptions::default()
        },
        taskscope_viewer::parse_trace,
    ));
    // Bounded: step until the comparison and the prediction are both there.
    let mut done = false;
    for _ in 0..4000 {
        h.step();
        let tab = h.state().compare_tab(h.state().active);
        if tab.is_some_and(|t| t.prediction().is_some() && t.summary().is_some()) {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(done, "the comparison did not arrive");
    h.run_steps(2);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let tab = h.state().compare_tab(h.state().active).unwrap();
    assert!(!tab.is_computing());
    assert_eq!(tab.error(), None);
    let s = tab.summary().unwrap();
    assert!(s.speedup > 1.0, "{s:?}");
    assert!(s.workers_b > s.workers_a, "{s:?}");
    let shown = format!("speedup {}", format_factor(s.speedup));
    assert!(h.query_by_label(&shown).is_some(), "{shown} is shown");
    assert!(
        h.query_by_label_contains("predicted for B's graph on k workers: 1: ")
            .is_some()
    );
    assert!(h.query_by_label("Comparing the runs…").is_none());
}

#[test]
fn closing_a_compare_tab_while_it_computes_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", "big-serial");
    let b = write(dir.path(), "b.json", "big-parallel");
    let mut h = harness_with(ViewerApp::new(
        Settings::default(),
        StartupOptions {
            compare: Some((a, b)),
            traces_dir: Some(dir.path().to_path_buf()),
            ..StartupOptions::default()
        },
        parse_recipe,
    ));
    let deadline = Instant::now() + Duration::from_secs(45);
    while h.state().compare_tab(1).is_none() {
        assert!(Instant::now() < deadline, "the traces did not load");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    // Close it in the frame it appeared (its thread has just started), then keep going.
    h.state_mut().apply(AppCommand::CloseTab(1), None);
    settle(&mut h);
    assert_eq!(h.state().tabs.len(), 1);
    assert_eq!(h.state().active, 0);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert!(!h.state().is_busy());
}

/// eframe's storage kept in memory, as the native integration keeps it in a file.
#[derive(Default)]
struct MemoryStorage(HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

#[test]
fn settings_and_recent_files_survive_save_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "remembered.json", "diamond");
    let mut h = harness(dir.path(), vec![file.clone()]);
    settle(&mut h);
    assert_eq!(h.state().settings.recent_files, vec![file.clone()]);
    // Change every preference from its default, through the View menu where it has one.
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Light theme").click();
    h.run_steps(2);
    {
        let s = &mut h.state_mut().settings;
        s.coloring = Coloring::Lane;
        s.show_stats = false;
        s.show_graph = false;
        s.show_all_arrows = true;
        s.last_dir = Some(dir.path().to_path_buf());
    }
    h.run_steps(1);
    let saved = h.state().settings.clone();
    assert!(!saved.dark);
    assert_ne!(saved, Settings::default());

    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);
    drop(h);

    let restored = ViewerApp::from_storage(
        Some(&storage),
        StartupOptions {
            traces_dir: Some(dir.path().to_path_buf()),
            ..StartupOptions::default()
        },
        parse_recipe,
    );
    assert_eq!(restored.settings, saved);
    let mut h = harness_with(restored);
    h.run_steps(2);
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    // The start page lists the recent file, and it opens from there.
    h.get_by_label(&file.display().to_string()).click();
    h.run_steps(1);
    settle(&mut h);
    assert_eq!(h.state().trace_tab(1).unwrap().doc.title, "remembered.json");

    // Nothing stored, or something unreadable: defaults, no panic.
    let empty = ViewerApp::from_storage(None, StartupOptions::default(), parse_recipe);
    assert_eq!(empty.settings, Settings::default());
    let mut garbage = MemoryStorage::default();
    eframe::Storage::set_string(
        &mut garbage,
        taskscope_viewer::settings::STORAGE_KEY,
        "not ron (".into(),
    );
    let app = ViewerApp::from_storage(Some(&garbage), StartupOptions::default(), parse_recipe);
    assert_eq!(app.settings, Settings::default());
}

#[test]
fn a_theme_forced_on_the_command_line_is_not_saved() {
    let mut storage = MemoryStorage::default();
    let light = Settings {
        dark: false,
        ..Settings::default()
    };
    eframe::set_value(
        &mut storage,
        taskscope_viewer::settings::STORAGE_KEY,
        &light,
    );
    let forced_dark = || StartupOptions {
        dark: Some(true),
        ..StartupOptions::default()
    };
    let mut app = ViewerApp::from_storage(Some(&storage), forced_dark(), parse_recipe);
    assert!(app.settings.dark, "--theme dark wins for this session");
    eframe::App::save(&mut app, &mut storage);
    let saved = ViewerApp::from_storage(Some(&storage), StartupOptions::default(), parse_recipe);
    assert!(!saved.settings.dark, "the saved light theme is kept");

    // Picking a theme in the window is saved, even when one was forced.
    eframe::set_value(
        &mut storage,
        taskscope_viewer::settings::STORAGE_KEY,
        &Settings::default(),
    );
    let mut app = ViewerApp::from_storage(Some(&storage), forced_dark(), parse_recipe);
    assert!(app.settings.dark);
    app.settings.dark = false;
    app.settings.show_stats = false;
    eframe::App::save(&mut app, &mut storage);
    let saved = ViewerApp::from_storage(Some(&storage), StartupOptions::default(), parse_recipe);
    assert!(!saved.settings.dark && !saved.settings.show_stats);
}

#[test]
fn the_window_remembers_its_state_and_uses_glow() {
    let options = taskscope_viewer::native_options();
    assert!(options.persist_window);
    assert_eq!(options.renderer, eframe::Renderer::Glow);
    assert_eq!(options.viewport.app_id.as_deref(), Some("taskscope"));
    assert_eq!(options.viewport.drag_and_drop, Some(true));
}

#[test]
fn exported_graphs_look_as_the_view_shows_them() {
    use taskscope_egui::NodeColoring;
    use taskscope_layout::ColorBy;
    use taskscope_viewer::document::TraceDoc;
    use taskscope_viewer::panels::trace_tab::TraceTab;

    let doc = Arc::new(TraceDoc::new(None, taskscope_fixtures::diamond().unwrap()));
    let mut tab = TraceTab::new(doc);
    // Nothing selected, no critical path: nothing outlined; the view's name colours
    // are the picture's (issue 14: they used to fall back to Dask's white).
    let look = tab.graph_look(NodeColoring::Name);
    assert!(look.highlight.is_empty());
    assert_eq!(look.color_by, ColorBy::Name);
    assert_eq!(look.drawing, tab.graph_layout().unwrap().options().clone());
    // inc-1 selected: it and its descendant add-3 are outlined, not the other inc.
    tab.select(Some(TaskId(0)));
    let look = tab.graph_look(NodeColoring::Duration);
    assert_eq!(look.highlight, vec![TaskId(0), TaskId(2)]);
    assert_eq!(look.color_by, ColorBy::Duration);
    assert_eq!(tab.graph_look(NodeColoring::Lane).color_by, ColorBy::Lane);
    // The critical path, when shown, is what is outlined.
    tab.set_show_critical(true);
    let look = tab.graph_look(NodeColoring::Name);
    assert_eq!(look.highlight, tab.doc.critical_tasks());
    assert!(!look.highlight.is_empty());
}
