//! The viewer application: tabs, loading, menus, errors, and the commands panels return.
//!
//! [`ViewerApp::ui_contents`] draws one frame into any `egui::Ui`, so the same
//! code runs in the eframe window and under `egui_kittest`. Panels never change
//! app state directly: they return [`AppCommand`]s, applied after drawing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Key, KeyboardShortcut, Modifiers, Ui};
use taskscope_egui::Theme;
use taskscope_trace::analysis::CompareOptions;
use taskscope_trace::{ModelError, Trace};

use crate::document::TraceDoc;
use crate::export::{ExportJob, SaveWhat};
use crate::loader::{LoadJob, ParseFn};
use crate::panels::compare_tab::CompareTab;
use crate::panels::help;
use crate::panels::live_tab::LiveTab;
use crate::panels::path_prompt::{
    OpenAction, OpenPrompt, SaveAction, SavePrompt, native_dialogs_available,
};
use crate::panels::start_page::StartPage;
use crate::panels::trace_tab::TraceTab;
use crate::settings::{STORAGE_KEY, Settings};

/// A built-in example trace (made in memory, no file needed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demo {
    /// Two `inc`s in parallel, then `add`.
    Diamond,
    /// 400 tasks in layers on 4 workers.
    Layered,
    /// The same 400 tasks on 1 worker (compare it with `Layered`).
    LayeredSerial,
    /// 6,000 tasks in six key groups on 4 workers: the graph view shows the groups,
    /// which expand on click.
    Grouped,
}

impl Demo {
    /// Every demo, for the start page.
    pub const ALL: [Self; 4] = [
        Self::Diamond,
        Self::Layered,
        Self::LayeredSerial,
        Self::Grouped,
    ];

    /// Its name on the command line (`--demo NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Diamond => "diamond",
            Self::Layered => "layered",
            Self::LayeredSerial => "layered-serial",
            Self::Grouped => "grouped",
        }
    }

    /// The demo called `name` on the command line.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Its name on the start page and its tab.
    pub fn title(self) -> &'static str {
        match self {
            Self::Diamond => "diamond: inc, inc, add",
            Self::Layered => "layered: 400 tasks on 4 workers",
            Self::LayeredSerial => "layered: 400 tasks on 1 worker",
            Self::Grouped => "grouped: 6,000 tasks in six groups on 4 workers",
        }
    }

    /// Builds its trace.
    pub fn build(self) -> Result<Trace, ModelError> {
        match self {
            Self::Diamond => taskscope_fixtures::diamond(),
            Self::Layered => taskscope_fixtures::layered(400, 16, 4, 11),
            Self::LayeredSerial => taskscope_fixtures::layered(400, 16, 1, 11),
            Self::Grouped => taskscope_fixtures::layered(6_000, 200, 4, 7),
        }
    }
}

/// Something a panel asks the app to do.
#[derive(Clone, Debug)]
pub enum AppCommand {
    /// Open this file in a new tab.
    Open(PathBuf),
    /// Follow this file while it is written, in a new live tab.
    Follow(PathBuf),
    /// Ask for a file to follow (File → Follow…).
    PickFollow,
    /// Open a built-in example.
    OpenDemo(Demo),
    /// Open a compare tab of these two files (A is the baseline), with these options
    /// (`taskscope compare --gui --force` forces the figures between different work).
    Compare(PathBuf, PathBuf, CompareOptions),
    /// Ask for files with the native dialog (or, where there is none, the "Open path" window) and open them.
    PickFiles,
    /// Show the "Open path" window (a path field and the recent files).
    OpenPathPrompt,
    /// Ask for a file to compare the active trace with.
    PickCompare,
    /// Close the tab at this index.
    CloseTab(usize),
    /// Ask where to save a picture of `doc` (the "Save as" window) and draw it there.
    Export {
        /// The trace.
        doc: Arc<TraceDoc>,
        /// What to draw.
        kind: crate::export::ExportKind,
        /// How a graph picture looks (what the graph view shows).
        look: crate::export::GraphLook,
        /// The suggested file name.
        file_name: String,
    },
    /// Ask where to save `contents` (suggesting `file_name`) and write it atomically.
    SaveText {
        /// The suggested file name.
        file_name: String,
        /// What to write.
        contents: String,
    },
    /// Write `what` to `path` on a background thread (atomically), reporting how it went.
    SaveTo {
        /// What to write.
        what: SaveWhat,
        /// Where.
        path: PathBuf,
    },
}

/// One tab of the window.
#[derive(Debug)]
pub enum Tab {
    /// The start page.
    Start(StartPage),
    /// One trace.
    Trace(Box<TraceTab>),
    /// Two traces compared.
    Compare(Box<CompareTab>),
    /// A trace file followed while it is written.
    Live(Box<LiveTab>),
}

impl Tab {
    fn title(&self) -> String {
        match self {
            Self::Start(_) => "Start".to_owned(),
            Self::Trace(t) => t.doc.title.clone(),
            Self::Compare(c) => c.title(),
            Self::Live(l) => l.title(),
        }
    }
}

/// What a finished load is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// A new trace tab.
    Tab,
    /// One side (0 = A, 1 = B) of a pending comparison.
    Compare { id: u64, side: usize },
}

#[derive(Debug)]
struct PendingCompare {
    id: u64,
    sides: [Option<Arc<TraceDoc>>; 2],
    options: CompareOptions,
}

/// What the command line asked for at start-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StartupOptions {
    /// Files to open, one tab each.
    pub files: Vec<PathBuf>,
    /// Files to follow while they are written, one live tab each.
    pub follow: Vec<PathBuf>,
    /// Built-in examples to open, one tab each (after the files).
    pub demos: Vec<Demo>,
    /// Two files to open in a compare tab.
    pub compare: Option<(PathBuf, PathBuf)>,
    /// The options of that compare tab (`taskscope compare --gui --force`).
    pub compare_options: CompareOptions,
    /// Select the task with this key in the first trace opened.
    pub select: Option<String>,
    /// Put the replay cursor of the first trace opened at this fraction (0–1) of the run.
    pub replay_at: Option<f64>,
    /// Force the theme (`Some(true)` dark, `Some(false)` light) instead of the saved one.
    pub dark: Option<bool>,
    /// The folder the start page lists.
    pub traces_dir: Option<PathBuf>,
}

/// The default folder of sample traces: `./traces` if it exists, else the workspace's `traces/`.
pub fn default_traces_dir() -> PathBuf {
    let here = PathBuf::from("traces");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces"))
}

/// The whole application state.
#[derive(Debug)]
pub struct ViewerApp {
    /// Persisted preferences.
    pub settings: Settings,
    /// Open tabs; the start page is always first.
    pub tabs: Vec<Tab>,
    /// Index of the shown tab.
    pub active: usize,
    /// Errors to show (newest last), until dismissed.
    pub errors: Vec<String>,
    /// Messages about finished work (e.g. "Saved /tmp/t.svg"), until dismissed.
    pub notices: Vec<String>,
    /// Whether the keyboard help is open.
    pub show_help: bool,
    /// The "Open path" (or "Compare with") window, while shown.
    pub open_prompt: Option<OpenPrompt>,
    /// Whether the native file dialogs work here (else File → Open and Browse… use
    /// the path windows); see [`native_dialogs_available`].
    pub native_dialogs: bool,
    /// The "Save as" window, while shown.
    pub save_prompt: Option<SavePrompt>,
    loads: Vec<(LoadJob, Purpose)>,
    exports: Vec<ExportJob>,
    compares: Vec<PendingCompare>,
    next_compare_id: u64,
    parse: ParseFn,
    select_on_open: Option<String>,
    replay_on_open: Option<f64>,
    applied_dark: Option<bool>,
    /// `(forced, saved)` when the command line forced the theme: the saved one is kept
    /// in storage unless the user picks another theme in the window.
    theme_override: Option<(bool, bool)>,
}

impl ViewerApp {
    /// A new app with `settings`, reading files with `parse`, and starting the loads `options` asks for.
    ///
    /// Without an egui context, the background work these loads start cannot wake the
    /// window when it has news: the window shows it at its next frame. eframe's app is
    /// made by [`ViewerApp::from_creation_context`], which passes its context.
    pub fn new(settings: Settings, options: StartupOptions, parse: ParseFn) -> Self {
        Self::new_in(settings, options, parse, None)
    }

    /// [`ViewerApp::new`] whose start-up loads wake `ctx` when they have news (a live
    /// tab's new spans, a load finished).
    fn new_in(
        settings: Settings,
        options: StartupOptions,
        parse: ParseFn,
        ctx: Option<&egui::Context>,
    ) -> Self {
        let mut settings = settings;
        let theme_override = options.dark.map(|forced| (forced, settings.dark));
        if let Some(dark) = options.dark {
            settings.dark = dark;
        }
        let traces_dir = options.traces_dir.unwrap_or_else(default_traces_dir);
        let mut app = Self {
            settings,
            tabs: vec![Tab::Start(StartPage::new(traces_dir))],
            active: 0,
            errors: Vec::new(),
            notices: Vec::new(),
            show_help: false,
            open_prompt: None,
            native_dialogs: native_dialogs_available(),
            save_prompt: None,
            loads: Vec::new(),
            exports: Vec::new(),
            compares: Vec::new(),
            next_compare_id: 0,
            parse,
            select_on_open: options.select,
            replay_on_open: options.replay_at,
            applied_dark: None,
            theme_override,
        };
        for file in options.files {
            app.apply(AppCommand::Open(file), ctx);
        }
        for file in options.follow {
            app.apply(AppCommand::Follow(file), ctx);
        }
        for demo in options.demos {
            app.apply(AppCommand::OpenDemo(demo), ctx);
        }
        if let Some((a, b)) = options.compare {
            app.apply(AppCommand::Compare(a, b, options.compare_options), ctx);
        }
        app
    }

    /// The app for eframe: settings from storage, theme applied.
    pub fn from_creation_context(
        cc: &eframe::CreationContext<'_>,
        options: StartupOptions,
        parse: ParseFn,
    ) -> Self {
        let settings = Self::saved_settings(cc.storage);
        Self::new_in(settings, options, parse, Some(&cc.egui_ctx))
    }

    /// The settings saved in `storage` (defaults where there are none, or they do not parse).
    fn saved_settings(storage: Option<&dyn eframe::Storage>) -> Settings {
        storage
            .and_then(|s| eframe::get_value::<Settings>(s, STORAGE_KEY))
            .unwrap_or_default()
    }

    /// The app with the settings saved in `storage` by [`eframe::App::save`] (defaults
    /// where there are none, or they do not parse).
    pub fn from_storage(
        storage: Option<&dyn eframe::Storage>,
        options: StartupOptions,
        parse: ParseFn,
    ) -> Self {
        Self::new(Self::saved_settings(storage), options, parse)
    }

    /// Whether any file is still loading, or an open trace still waits for its analyses.
    pub fn is_loading(&self) -> bool {
        !self.loads.is_empty() || self.analysing()
    }

    /// Whether anything runs in the background: loads, analyses, comparisons, exports.
    pub fn is_busy(&self) -> bool {
        self.is_loading()
            || !self.exports.is_empty()
            || self
                .tabs
                .iter()
                .any(|t| matches!(t, Tab::Compare(c) if c.is_computing()))
    }

    /// Whether an open trace still waits for its graph layout and analyses.
    fn analysing(&self) -> bool {
        self.tabs
            .iter()
            .any(|t| matches!(t, Tab::Trace(t) if t.doc.analyses().is_none()))
    }

    /// The trace tab at `index`, if it is one.
    pub fn trace_tab(&self, index: usize) -> Option<&TraceTab> {
        match self.tabs.get(index) {
            Some(Tab::Trace(t)) => Some(t),
            _ => None,
        }
    }

    /// The trace tab at `index`, mutably.
    pub fn trace_tab_mut(&mut self, index: usize) -> Option<&mut TraceTab> {
        match self.tabs.get_mut(index) {
            Some(Tab::Trace(t)) => Some(t),
            _ => None,
        }
    }

    /// The live tab at `index`, if it is one.
    pub fn live_tab(&self, index: usize) -> Option<&LiveTab> {
        match self.tabs.get(index) {
            Some(Tab::Live(l)) => Some(l),
            _ => None,
        }
    }

    /// The compare tab at `index`, if it is one.
    pub fn compare_tab(&self, index: usize) -> Option<&CompareTab> {
        match self.tabs.get(index) {
            Some(Tab::Compare(c)) => Some(c),
            _ => None,
        }
    }

    /// Draws one frame and applies what the panels asked for.
    pub fn ui_contents(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.applied_dark != Some(self.settings.dark) {
            ctx.set_theme(if self.settings.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.applied_dark = Some(self.settings.dark);
        }
        self.poll_loads(&ctx);
        self.poll_exports();
        let mut commands = Vec::new();
        self.global_input(ui, &mut commands);

        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_bar(ui, &mut commands);
            self.tab_strip(ui, &mut commands);
        });
        if !self.errors.is_empty() {
            egui::Panel::bottom("errors").show(ui, |ui| self.errors_ui(ui));
        }
        if !self.exports.is_empty() || !self.notices.is_empty() {
            egui::Panel::bottom("exports").show(ui, |ui| self.exports_ui(ui));
        }
        if !self.loads.is_empty() {
            egui::Panel::bottom("loading").show(ui, |ui| self.loading_ui(ui));
        }
        if self.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        let theme = Theme::for_dark_mode(self.settings.dark);
        let active = self.active;
        let keyboard = !self.show_help;
        egui::CentralPanel::no_frame().show(ui, |ui| match self.tabs.get_mut(active) {
            Some(Tab::Start(page)) => {
                egui::Frame::central_panel(ui.style()).show(ui, |ui| {
                    ui.set_min_size(ui.available_size());
                    commands.extend(page.ui(ui, &self.settings));
                });
            }
            Some(Tab::Trace(tab)) => {
                commands.extend(tab.ui(ui, &mut self.settings, &theme, keyboard));
            }
            Some(Tab::Compare(tab)) => tab.ui(ui, &theme),
            Some(Tab::Live(tab)) => {
                commands.extend(tab.ui(ui, &mut self.settings, &theme, keyboard));
            }
            None => {}
        });
        self.settle_live_tabs();
        if self.show_help {
            let mut open = true;
            egui::Window::new("Keyboard and mouse")
                .open(&mut open)
                .collapsible(false)
                .show(&ctx, help::ui);
            self.show_help = open;
        }
        self.prompts_ui(&ctx, &mut commands);
        for command in commands {
            self.apply(command, Some(&ctx));
        }
    }

    fn global_input(&mut self, ui: &Ui, commands: &mut Vec<AppCommand>) {
        let typing = ui.ctx().egui_wants_keyboard_input();
        let (help, open, close, next) = ui.input_mut(|i| {
            (
                !typing && (i.key_pressed(Key::Questionmark) || i.key_pressed(Key::F1)),
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::O)),
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::W)),
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::CTRL, Key::Tab)),
            )
        });
        if help {
            self.show_help = !self.show_help;
        }
        if open {
            commands.push(AppCommand::PickFiles);
        }
        if close && self.active > 0 {
            commands.push(AppCommand::CloseTab(self.active));
        }
        if next && !self.tabs.is_empty() {
            self.active = (self.active + 1) % self.tabs.len();
        }
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        commands.extend(dropped.into_iter().map(AppCommand::Open));
    }

    fn menu_bar(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    commands.push(AppCommand::PickFiles);
                }
                if ui.button("Open path…").clicked() {
                    commands.push(AppCommand::OpenPathPrompt);
                }
                if ui
                    .button("Follow…")
                    .on_hover_text("Open a trace that is still being written and keep up with it")
                    .clicked()
                {
                    commands.push(AppCommand::PickFollow);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent_files.is_empty() {
                        ui.label("(none yet)");
                    }
                    for path in &self.settings.recent_files {
                        if ui.button(path.display().to_string()).clicked() {
                            commands.push(AppCommand::Open(path.clone()));
                        }
                    }
                });
                if self.trace_tab(self.active).is_some()
                    && ui.button("Compare active trace with…").clicked()
                {
                    commands.push(AppCommand::PickCompare);
                }
                if self.active > 0 && ui.button("Close tab  (Ctrl+W)").clicked() {
                    commands.push(AppCommand::CloseTab(self.active));
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                let mut dark = self.settings.dark;
                ui.radio_value(&mut dark, true, "Dark theme");
                ui.radio_value(&mut dark, false, "Light theme");
                self.settings.dark = dark;
                ui.separator();
                ui.checkbox(&mut self.settings.show_graph, "Graph view");
                ui.checkbox(&mut self.settings.show_stats, "Statistics panel");
                ui.checkbox(&mut self.settings.show_all_arrows, "All dependency arrows");
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keyboard and mouse  (?)").clicked() {
                    self.show_help = true;
                }
            });
        });
    }

    fn tab_strip(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        ui.horizontal_wrapped(|ui| {
            for i in 0..self.tabs.len() {
                let Some(tab) = self.tabs.get(i) else {
                    continue;
                };
                let title = tab.title();
                if ui.selectable_label(self.active == i, title).clicked() {
                    self.active = i;
                }
                if i > 0 && ui.small_button("x").on_hover_text("Close").clicked() {
                    commands.push(AppCommand::CloseTab(i));
                }
                ui.separator();
            }
        });
    }

    fn errors_ui(&mut self, ui: &mut Ui) {
        let mut dismiss = None;
        for (i, error) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                ui.colored_label(ui.visuals().error_fg_color, error);
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
    }

    fn exports_ui(&mut self, ui: &mut Ui) {
        for job in &self.exports {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Exporting {} …", job.path().display()));
            });
        }
        let mut dismiss = None;
        for (i, notice) in self.notices.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                ui.label(notice);
            });
        }
        if let Some(i) = dismiss {
            self.notices.remove(i);
        }
    }

    /// The "Open path" and "Save as" windows, when shown.
    fn prompts_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<AppCommand>) {
        if let Some(prompt) = &mut self.open_prompt {
            let (action, keep) = prompt.show(ctx, &self.settings.recent_files, self.native_dialogs);
            let base = prompt.compare_with.clone();
            let follow = prompt.follow;
            if !keep {
                self.open_prompt = None;
            }
            match (action, base) {
                (Some(OpenAction::Open(path)), None) if follow => {
                    commands.push(AppCommand::Follow(path));
                }
                (Some(OpenAction::Browse), None) if follow => commands.push(AppCommand::PickFollow),
                (Some(OpenAction::Open(path)), None) => commands.push(AppCommand::Open(path)),
                (Some(OpenAction::Open(path)), Some(base)) => {
                    self.compare_with(base, path, Some(ctx));
                }
                (Some(OpenAction::Browse), None) => commands.push(AppCommand::PickFiles),
                (Some(OpenAction::Browse), Some(base)) => {
                    if let Some(path) = rfd::FileDialog::new()
                        .add_filter("Trace files", &["json"])
                        .pick_file()
                    {
                        self.compare_with(base, path, Some(ctx));
                    }
                }
                (None, _) => {}
            }
        }
        let Some(prompt) = &mut self.save_prompt else {
            return;
        };
        match prompt.show(ctx, self.native_dialogs) {
            None => {}
            Some(SaveAction::Cancel) => self.save_prompt = None,
            Some(SaveAction::Browse) => {
                let dir = prompt
                    .target()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|d| d.is_dir());
                let mut dialog = rfd::FileDialog::new().set_file_name(&prompt.file_name);
                if let Some(dir) = dir {
                    dialog = dialog.set_directory(dir);
                }
                if let Some(path) = dialog.save_file() {
                    prompt.text = path.display().to_string();
                }
            }
            Some(SaveAction::Save(path)) => {
                if let Some(prompt) = self.save_prompt.take() {
                    commands.push(AppCommand::SaveTo {
                        what: prompt.what,
                        path,
                    });
                }
            }
        }
    }

    /// Loads `file` and opens a compare tab of `base` (the baseline) with it.
    fn compare_with(&mut self, base: Arc<TraceDoc>, file: PathBuf, ctx: Option<&egui::Context>) {
        let id = self.next_compare_id;
        self.next_compare_id += 1;
        self.compares.push(PendingCompare {
            id,
            sides: [Some(base), None],
            options: CompareOptions::default(),
        });
        self.spawn_load(file, Purpose::Compare { id, side: 1 }, ctx);
    }

    /// Starts writing `what` to `path` in the background; the outcome shows in the window.
    fn spawn_export(&mut self, what: SaveWhat, path: PathBuf, ctx: Option<&egui::Context>) {
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            self.settings.last_dir = Some(dir.to_path_buf());
        }
        let ctx = ctx.cloned();
        let repaint = move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        };
        match ExportJob::spawn(what, path, repaint) {
            Ok(job) => self.exports.push(job),
            Err(e) => self.errors.push(e),
        }
    }

    /// Collects finished exports into notices (or errors).
    fn poll_exports(&mut self) {
        let mut i = 0;
        while let Some(job) = self.exports.get_mut(i) {
            let Some(result) = job.poll() else {
                i += 1;
                continue;
            };
            let path = job.path().display().to_string();
            self.exports.remove(i);
            match result {
                Ok(()) => self.notices.push(format!("Saved {path}")),
                Err(e) => self.errors.push(e),
            }
        }
    }

    /// Opens the "Save as" window for `what`, suggesting `file_name` in the last folder used.
    fn ask_where_to_save(&mut self, what: SaveWhat, file_name: String) {
        let dir = self
            .settings
            .last_dir
            .clone()
            .filter(|d| d.is_dir())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        self.save_prompt = Some(SavePrompt::new(what, file_name, &dir));
    }

    fn loading_ui(&self, ui: &mut Ui) {
        for (job, _) in &self.loads {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "{} — {}",
                    job.path().display(),
                    job.stage().as_str()
                ));
                ui.add(
                    egui::ProgressBar::new(job.fraction_read())
                        .desired_width(200.0)
                        .show_percentage(),
                );
            });
        }
    }

    /// Collects finished loads into tabs (or errors).
    fn poll_loads(&mut self, ctx: &egui::Context) {
        let mut i = 0;
        while let Some((job, purpose)) = self.loads.get(i) {
            let Some(result) = job.poll() else {
                i += 1;
                continue;
            };
            let purpose = *purpose;
            self.loads.remove(i);
            match result {
                Ok(doc) => {
                    if let Some(path) = &doc.path {
                        // Canonical (absolute, no `..`, links resolved), so the entry still
                        // works when the app starts elsewhere and a file is listed once.
                        let path = std::fs::canonicalize(path)
                            .or_else(|_| std::path::absolute(path))
                            .unwrap_or_else(|_| path.clone());
                        self.settings.add_recent(&path);
                    }
                    self.loaded(doc, purpose, ctx);
                }
                Err(message) => {
                    self.errors.push(message);
                    if let Purpose::Compare { id, .. } = purpose {
                        self.compares.retain(|c| c.id != id);
                    }
                }
            }
        }
    }

    fn loaded(&mut self, doc: Arc<TraceDoc>, purpose: Purpose, ctx: &egui::Context) {
        match purpose {
            Purpose::Tab => self.add_trace_tab(doc),
            Purpose::Compare { id, side } => {
                let Some(pending) = self.compares.iter_mut().find(|c| c.id == id) else {
                    return;
                };
                if let Some(slot) = pending.sides.get_mut(side) {
                    *slot = Some(doc);
                }
                if let [Some(a), Some(b)] = &pending.sides {
                    let ctx = ctx.clone();
                    let options = pending.options;
                    let tab = CompareTab::new(Arc::clone(a), Arc::clone(b), options, move || {
                        ctx.request_repaint();
                    });
                    self.compares.retain(|c| c.id != id);
                    self.tabs.push(Tab::Compare(Box::new(tab)));
                    self.active = self.tabs.len() - 1;
                }
            }
        }
    }

    fn add_trace_tab(&mut self, doc: Arc<TraceDoc>) {
        let mut tab = TraceTab::new(doc);
        if let Some(key) = self.select_on_open.take() {
            let task = tab.doc.trace.graph().key_index().get(key.as_str()).copied();
            match task {
                Some(task) => tab.select(Some(task)),
                None => self
                    .errors
                    .push(format!("{}: no task has the key {key:?}", tab.doc.title)),
            }
        }
        if let Some(fraction) = self.replay_on_open.take() {
            let r = &mut tab.replay;
            let len = r.end_ns.saturating_sub(r.start_ns) as f64;
            r.seek(r.start_ns + (len * fraction.clamp(0.0, 1.0)) as u64);
        }
        self.tabs.push(Tab::Trace(Box::new(tab)));
        self.active = self.tabs.len() - 1;
    }

    fn spawn_load(&mut self, path: PathBuf, purpose: Purpose, ctx: Option<&egui::Context>) {
        let ctx = ctx.cloned();
        let repaint = move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        };
        match LoadJob::spawn(path, self.parse, repaint) {
            Ok(job) => self.loads.push((job, purpose)),
            Err(e) => self.errors.push(e),
        }
    }

    /// Opens a live tab following `path`.
    fn spawn_follow(&mut self, path: PathBuf, ctx: Option<&egui::Context>) {
        let ctx = ctx.cloned();
        let repaint = move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        };
        match LiveTab::spawn(path, self.parse, repaint) {
            Ok(tab) => {
                self.tabs.push(Tab::Live(Box::new(tab)));
                self.active = self.tabs.len() - 1;
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Turns the live tabs whose file is complete into ordinary trace tabs.
    fn settle_live_tabs(&mut self) {
        for tab in &mut self.tabs {
            if matches!(tab, Tab::Live(l) if l.is_finished()) {
                let placeholder = Tab::Start(StartPage::new(PathBuf::new()));
                if let Tab::Live(live) = std::mem::replace(tab, placeholder) {
                    *tab = Tab::Trace(Box::new(live.into_finished()));
                }
            }
        }
    }

    /// Applies one command.
    pub fn apply(&mut self, command: AppCommand, ctx: Option<&egui::Context>) {
        match command {
            AppCommand::Open(path) => self.spawn_load(path, Purpose::Tab, ctx),
            AppCommand::Follow(path) => self.spawn_follow(path, ctx),
            AppCommand::PickFollow if !self.native_dialogs => {
                self.open_prompt = Some(OpenPrompt::follow());
            }
            AppCommand::PickFollow => {
                if let Some(file) = rfd::FileDialog::new()
                    .add_filter("Trace files", &["json", "taskscope-part"])
                    .pick_file()
                {
                    self.spawn_follow(file, ctx);
                }
            }
            AppCommand::OpenDemo(demo) => match demo.build() {
                Ok(trace) => {
                    let mut doc = TraceDoc::new(None, trace);
                    demo.title().clone_into(&mut doc.title);
                    self.add_trace_tab(Arc::new(doc));
                }
                Err(e) => self.errors.push(format!("{}: {e}", demo.title())),
            },
            AppCommand::Compare(a, b, options) => {
                let id = self.next_compare_id;
                self.next_compare_id += 1;
                self.compares.push(PendingCompare {
                    id,
                    sides: [None, None],
                    options,
                });
                self.spawn_load(a, Purpose::Compare { id, side: 0 }, ctx);
                self.spawn_load(b, Purpose::Compare { id, side: 1 }, ctx);
            }
            AppCommand::PickFiles if !self.native_dialogs => {
                self.open_prompt.get_or_insert_with(OpenPrompt::default);
            }
            AppCommand::OpenPathPrompt => {
                self.open_prompt.get_or_insert_with(OpenPrompt::default);
            }
            AppCommand::PickFiles => {
                let files = rfd::FileDialog::new()
                    .add_filter("Trace files", &["json"])
                    .pick_files()
                    .unwrap_or_default();
                for file in files {
                    self.spawn_load(file, Purpose::Tab, ctx);
                }
            }
            AppCommand::PickCompare => {
                let Some(current) = self.trace_tab(self.active).map(|t| Arc::clone(&t.doc)) else {
                    return;
                };
                if !self.native_dialogs {
                    self.open_prompt = Some(OpenPrompt::compare(current));
                } else if let Some(file) = rfd::FileDialog::new()
                    .add_filter("Trace files", &["json"])
                    .pick_file()
                {
                    self.compare_with(current, file, ctx);
                }
            }
            AppCommand::SaveText {
                file_name,
                contents,
            } => self.ask_where_to_save(SaveWhat::Text { contents }, file_name),
            AppCommand::Export {
                doc,
                kind,
                look,
                file_name,
            } => self.ask_where_to_save(SaveWhat::Picture { doc, kind, look }, file_name),
            AppCommand::SaveTo { what, path } => self.spawn_export(what, path, ctx),
            AppCommand::CloseTab(i) => {
                if i > 0 && i < self.tabs.len() {
                    self.tabs.remove(i);
                    if self.active >= i {
                        self.active = self.active.saturating_sub(1);
                    }
                }
            }
        }
    }
}

impl eframe::App for ViewerApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_contents(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let mut settings = self.settings.clone();
        if let Some((forced, saved)) = self.theme_override
            && settings.dark == forced
        {
            // `--theme` is for this session only.
            settings.dark = saved;
        }
        eframe::set_value(storage, STORAGE_KEY, &settings);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// `taskscope view --follow FILE` wakes the window when the file grows: the
    /// start-up follow has the window's context (it had none, so a live tab only
    /// moved when the mouse did).
    #[test]
    fn a_start_up_follow_wakes_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        std::fs::write(&path, b"[").unwrap();
        let ctx = egui::Context::default();
        let options = StartupOptions {
            follow: vec![path.clone()],
            ..StartupOptions::default()
        };
        let app = ViewerApp::new_in(Settings::default(), options, crate::parse_trace, Some(&ctx));
        assert!(matches!(app.tabs.last(), Some(Tab::Live(_))));
        // Settle the frames egui asks for on its own, then grow the file.
        for _ in 0..10 {
            if !ctx.has_requested_repaint() {
                break;
            }
            let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
            output.textures_delta.clear();
        }
        assert!(!ctx.has_requested_repaint(), "egui kept asking for frames");
        std::fs::write(
            &path,
            br#"[{"ph":"X","name":"a","ts":0,"dur":5,"pid":1,"tid":1},"#,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ctx.has_requested_repaint() {
            assert!(
                Instant::now() < deadline,
                "the follower never woke the window"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
