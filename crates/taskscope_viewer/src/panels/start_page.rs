//! The start page: a path field, sample traces from `traces/`, recent files, built-in demos, and a compare picker.

use std::path::{Path, PathBuf};

use egui::Ui;
use taskscope_trace::analysis::CompareOptions;

use crate::app::{AppCommand, Demo};
use crate::panels::path_prompt::path_field;
use crate::settings::Settings;

/// The `*.json` files directly in `dir`, sorted by name (empty if the folder is missing).
pub fn list_traces(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The start page's own state: the listed samples and the compare picker.
#[derive(Debug, Default)]
pub struct StartPage {
    /// The folder listed.
    pub traces_dir: PathBuf,
    samples: Vec<PathBuf>,
    listed: bool,
    /// The text in the "Open path" field.
    pub open_path: String,
    compare_a: Option<PathBuf>,
    compare_b: Option<PathBuf>,
}

impl StartPage {
    /// A start page listing `traces_dir`.
    pub fn new(traces_dir: PathBuf) -> Self {
        Self {
            traces_dir,
            ..Self::default()
        }
    }

    /// The sample traces found (listed on the first frame, and on "Refresh").
    pub fn samples(&self) -> &[PathBuf] {
        &self.samples
    }

    /// Lists the samples folder again.
    pub fn refresh(&mut self) {
        self.samples = list_traces(&self.traces_dir);
        self.listed = true;
    }

    /// Shows the page; returns what to open.
    pub fn ui(&mut self, ui: &mut Ui, settings: &Settings) -> Vec<AppCommand> {
        if !self.listed {
            self.refresh();
        }
        let mut commands = Vec::new();
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("taskscope");
            ui.label("Open a trace to see its task graph and timeline side by side.");
            ui.horizontal(|ui| {
                if ui.button("Open file…").clicked() {
                    commands.push(AppCommand::PickFiles);
                }
                ui.weak("or drop trace files on the window, or pass them on the command line.");
            });
            ui.horizontal(|ui| {
                ui.label("Open path:");
                if let Some(path) = path_field(ui, &mut self.open_path, "Open", 420.0, false) {
                    commands.push(AppCommand::Open(path));
                }
            });
            ui.add_space(12.0);

            ui.heading("Sample traces");
            ui.horizontal(|ui| {
                ui.weak(self.traces_dir.display().to_string());
                if ui.small_button("Refresh").clicked() {
                    self.refresh();
                }
            });
            if self.samples.is_empty() {
                ui.label("No *.json files in this folder.");
            }
            for path in &self.samples {
                let name = file_name(path);
                if ui
                    .link(&name)
                    .on_hover_text(path.display().to_string())
                    .clicked()
                {
                    commands.push(AppCommand::Open(path.clone()));
                }
            }
            ui.add_space(12.0);

            if !settings.recent_files.is_empty() {
                ui.heading("Recent files");
                for path in &settings.recent_files {
                    if ui.link(path.display().to_string()).clicked() {
                        commands.push(AppCommand::Open(path.clone()));
                    }
                }
                ui.add_space(12.0);
            }

            ui.heading("Built-in examples");
            for demo in Demo::ALL {
                if ui.link(demo.title()).clicked() {
                    commands.push(AppCommand::OpenDemo(demo));
                }
            }
            ui.add_space(12.0);

            ui.heading("Compare two runs");
            let mut choices: Vec<PathBuf> = self.samples.clone();
            for p in &settings.recent_files {
                if !choices.contains(p) {
                    choices.push(p.clone());
                }
            }
            ui.horizontal(|ui| {
                pick(ui, "A (baseline)", &mut self.compare_a, &choices);
                pick(ui, "B", &mut self.compare_b, &choices);
                let ready = self.compare_a.is_some() && self.compare_b.is_some();
                if ui
                    .add_enabled(ready, egui::Button::new("Compare"))
                    .clicked()
                    && let (Some(a), Some(b)) = (&self.compare_a, &self.compare_b)
                {
                    commands.push(AppCommand::Compare(
                        a.clone(),
                        b.clone(),
                        CompareOptions::default(),
                    ));
                }
            });
        });
        commands
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn pick(ui: &mut Ui, label: &str, slot: &mut Option<PathBuf>, choices: &[PathBuf]) {
    let selected = slot
        .as_deref()
        .map_or_else(|| "choose…".to_owned(), file_name);
    egui::ComboBox::from_label(label)
        .selected_text(selected)
        .show_ui(ui, |ui| {
            for c in choices {
                ui.selectable_value(slot, Some(c.clone()), file_name(c));
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_json_files_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.json", "a.json", "notes.txt"] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let files = list_traces(dir.path());
        let names: Vec<String> = files.iter().map(|p| file_name(p)).collect();
        assert_eq!(names, vec!["a.json", "b.json"]);
        assert!(list_traces(&dir.path().join("missing")).is_empty());
    }
}
