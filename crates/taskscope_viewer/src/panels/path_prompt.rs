//! Typing a path instead of using the native file dialog.
//!
//! The native dialogs (rfd through the XDG desktop portal) give nothing where no
//! portal runs, e.g. under Xvfb or a bare window manager. These windows always
//! work: the "Open path" window (a path field and the recent files) and the
//! "Save as" window every export goes through (a path field, with "Browse…" for
//! the native dialog where there is one). They return what to do; the app does it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Key, Ui};

use crate::document::TraceDoc;
use crate::export::SaveWhat;

/// The path typed or pasted in `text`: surrounding blanks and quotes are dropped, a
/// `file://` URI (as file managers copy it) becomes its path with `%XX` escapes
/// decoded, a leading `~` means the home folder. `None` if nothing is left.
pub fn typed_path(text: &str) -> Option<PathBuf> {
    let mut text = text.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            text = inner.trim();
        }
    }
    let decoded;
    if let Some(rest) = text.strip_prefix("file://") {
        let rest = rest.strip_prefix("localhost").unwrap_or(rest);
        decoded = percent_decoded(rest);
        text = &decoded;
    }
    if text.is_empty() {
        return None;
    }
    let home = || std::env::var_os("HOME").filter(|h| !h.is_empty());
    if text == "~" {
        return Some(home().map_or_else(|| PathBuf::from("~"), PathBuf::from));
    }
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = home()
    {
        return Some(Path::new(&home).join(rest));
    }
    Some(PathBuf::from(text))
}

/// `text` with each `%XX` escape replaced by its byte; `text` itself when the result
/// is not UTF-8 (then it was not a URI's escaped path).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(byte)) = (b, hex) {
            out.push(byte);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Whether the native file dialogs can work: on Linux they need a D-Bus session bus
/// (for the desktop portal). Where this is false, the path windows are the way in.
pub fn native_dialogs_available() -> bool {
    !cfg!(target_os = "linux")
        || session_bus_reachable(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").as_deref(),
            std::env::var_os("XDG_RUNTIME_DIR").as_deref(),
        )
}

/// Whether a D-Bus session bus can be reached: its address is set, or its socket
/// is in the runtime folder (where the D-Bus libraries look when it is not set).
fn session_bus_reachable(address: Option<&OsStr>, runtime_dir: Option<&OsStr>) -> bool {
    address.is_some_and(|a| !a.is_empty())
        || runtime_dir.is_some_and(|dir| !dir.is_empty() && Path::new(dir).join("bus").exists())
}

/// A one-line path field with an action button; returns the path when the button
/// is clicked or Enter is pressed in the field with something typed. `focus` puts
/// the keyboard focus in the field (when its window opens).
pub fn path_field(
    ui: &mut Ui,
    text: &mut String,
    button: &str,
    width: f32,
    focus: bool,
) -> Option<PathBuf> {
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(text)
                .hint_text("/path/to/trace.json")
                .desired_width(width),
        );
        if focus {
            field.request_focus();
        }
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let clicked = ui
            .add_enabled(typed_path(text).is_some(), egui::Button::new(button))
            .clicked();
        if entered || clicked {
            typed_path(text)
        } else {
            None
        }
    })
    .inner
}

/// What the "Open path" window asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenAction {
    /// Open this file.
    Open(PathBuf),
    /// Use the native dialog instead.
    Browse,
}

/// The "Open path" window: a path field and the recent files. It also picks the
/// second run of a comparison ("Compare with").
#[derive(Debug, Default)]
pub struct OpenPrompt {
    /// The text in the path field.
    pub text: String,
    /// The run to compare the chosen file with (`None`: open the file in a tab).
    pub compare_with: Option<Arc<TraceDoc>>,
    /// Follow the chosen file as it is written (File → Follow…) instead of opening it.
    pub follow: bool,
    frames_shown: u8,
}

impl OpenPrompt {
    /// A prompt for the file to compare `base` (the baseline) with.
    pub fn compare(base: Arc<TraceDoc>) -> Self {
        Self {
            compare_with: Some(base),
            ..Self::default()
        }
    }

    /// A prompt for a file to follow while it is written.
    pub fn follow() -> Self {
        Self {
            follow: true,
            ..Self::default()
        }
    }

    /// Shows the window (`native`: whether the native dialog works here). Returns
    /// what to do and whether the window stays open.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        recent: &[PathBuf],
        native: bool,
    ) -> (Option<OpenAction>, bool) {
        let mut open = true;
        let mut action = None;
        // The first frame of a window only measures it: ask for the focus for a few frames.
        let focus = self.frames_shown < 3;
        self.frames_shown = self.frames_shown.saturating_add(1);
        let (title, prompt) = match &self.compare_with {
            None if self.follow => (
                "Follow",
                "Type or paste the path of a trace file being written (it is shown as it grows):"
                    .to_owned(),
            ),
            None => (
                "Open path",
                "Type or paste the path of a trace file:".to_owned(),
            ),
            Some(base) => (
                "Compare with",
                format!(
                    "Type or paste the path of the trace to compare {} with:",
                    base.title
                ),
            ),
        };
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 120.0))
            .show(ctx, |ui| {
                ui.label(prompt);
                let button = if self.compare_with.is_some() {
                    "Compare"
                } else if self.follow {
                    "Follow"
                } else {
                    "Open"
                };
                if let Some(path) = path_field(ui, &mut self.text, button, 400.0, focus) {
                    action = Some(OpenAction::Open(path));
                }
                browse_button(ui, native, || action = Some(OpenAction::Browse));
                if !recent.is_empty() {
                    ui.separator();
                    ui.strong("Recent files");
                    for path in recent {
                        if ui.link(path.display().to_string()).clicked() {
                            action = Some(OpenAction::Open(path.clone()));
                        }
                    }
                }
            });
        let keep = open && action.is_none();
        (action, keep)
    }
}

/// What the "Save as" window asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveAction {
    /// Write to this file.
    Save(PathBuf),
    /// Use the native dialog to choose the file.
    Browse,
    /// Give up.
    Cancel,
}

/// The "Save as" window every export goes through.
#[derive(Debug)]
pub struct SavePrompt {
    /// What to save.
    pub what: SaveWhat,
    /// The suggested file name (used when the path typed is a folder).
    pub file_name: String,
    /// The text in the path field.
    pub text: String,
    frames_shown: u8,
    /// The text last looked at on disk, and the existing file it would replace: the
    /// disk is asked when the text changes, not every frame.
    checked: Option<(String, Option<PathBuf>)>,
}

impl SavePrompt {
    /// A prompt for `what`, suggesting `file_name` in `dir`.
    pub fn new(what: SaveWhat, file_name: String, dir: &Path) -> Self {
        let text = dir.join(&file_name).display().to_string();
        Self {
            what,
            file_name,
            text,
            frames_shown: 0,
            checked: None,
        }
    }

    /// The existing file that saving would replace, if any (looked up once per text).
    fn replaced_file(&mut self) -> Option<&Path> {
        if self
            .checked
            .as_ref()
            .is_none_or(|(text, _)| *text != self.text)
        {
            let existing = self.target().filter(|t| t.is_file());
            self.checked = Some((self.text.clone(), existing));
        }
        self.checked.as_ref().and_then(|(_, file)| file.as_deref())
    }

    /// The file the typed text names: a folder means the suggested name in it.
    pub fn target(&self) -> Option<PathBuf> {
        let path = typed_path(&self.text)?;
        Some(if path.is_dir() {
            path.join(&self.file_name)
        } else {
            path
        })
    }

    /// Shows the window (`native`: whether the native dialog works here); returns
    /// what to do (`None`: keep showing it).
    pub fn show(&mut self, ctx: &egui::Context, native: bool) -> Option<SaveAction> {
        let mut open = true;
        let mut action = None;
        // The first frame of a window only measures it: ask for the focus for a few frames.
        let focus = self.frames_shown < 3;
        self.frames_shown = self.frames_shown.saturating_add(1);
        egui::Window::new("Save as")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 120.0))
            .show(ctx, |ui| {
                ui.label(format!("Save {} to:", self.file_name));
                if path_field(ui, &mut self.text, "Save", 420.0, focus).is_some() {
                    action = self.target().map(SaveAction::Save);
                }
                if let Some(existing) = self.replaced_file() {
                    ui.weak(format!(
                        "{} exists and will be replaced.",
                        existing.display()
                    ));
                }
                ui.horizontal(|ui| {
                    browse_button(ui, native, || action = Some(SaveAction::Browse));
                    if ui.button("Cancel").clicked() {
                        action = Some(SaveAction::Cancel);
                    }
                });
            });
        if open {
            action
        } else {
            Some(SaveAction::Cancel)
        }
    }
}

fn browse_button(ui: &mut Ui, available: bool, on_click: impl FnOnce()) {
    let response = ui.add_enabled(available, egui::Button::new("Browse…"));
    let response = if available {
        response.on_hover_text("choose with the system's file dialog")
    } else {
        response.on_disabled_hover_text(
            "no desktop portal (D-Bus session bus) here: type the path instead",
        )
    };
    if response.clicked() {
        on_click();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_paths_are_cleaned_up() {
        assert_eq!(typed_path("  a/b.json \n"), Some(PathBuf::from("a/b.json")));
        assert_eq!(
            typed_path("\"/x y/t.json\""),
            Some(PathBuf::from("/x y/t.json"))
        );
        assert_eq!(typed_path("'/t.json'"), Some(PathBuf::from("/t.json")));
        assert_eq!(
            typed_path("file:///tmp/t.json"),
            Some(PathBuf::from("/tmp/t.json"))
        );
        // URIs as file managers copy them: escapes decoded, `localhost` allowed.
        assert_eq!(
            typed_path("file:///tmp/my%20runs/t%C3%A9.json"),
            Some(PathBuf::from("/tmp/my runs/té.json"))
        );
        assert_eq!(
            typed_path("file://localhost/tmp/t.json"),
            Some(PathBuf::from("/tmp/t.json"))
        );
        // A `%` that is no escape, or escapes that are not UTF-8, stay as typed.
        assert_eq!(
            typed_path("file:///tmp/100%.json"),
            Some(PathBuf::from("/tmp/100%.json"))
        );
        assert_eq!(
            typed_path("file:///tmp/%FF.json"),
            Some(PathBuf::from("/tmp/%FF.json"))
        );
        assert_eq!(
            typed_path("/tmp/a%20b.json"),
            Some(PathBuf::from("/tmp/a%20b.json"))
        );
        assert_eq!(typed_path("   "), None);
        assert_eq!(typed_path("\"\""), None);
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            assert_eq!(
                typed_path("~/t.json"),
                Some(Path::new(&home).join("t.json"))
            );
        }
    }

    #[test]
    fn native_dialogs_need_a_session_bus() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = dir.path().as_os_str();
        assert!(!session_bus_reachable(None, None));
        assert!(!session_bus_reachable(Some(OsStr::new("")), Some(runtime)));
        assert!(session_bus_reachable(
            Some(OsStr::new("unix:path=/run/user/0/bus")),
            None
        ));
        std::fs::write(dir.path().join("bus"), "").unwrap();
        assert!(session_bus_reachable(None, Some(runtime)));
    }

    #[test]
    fn a_folder_means_the_suggested_name_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let what = SaveWhat::Text {
            contents: String::new(),
        };
        let mut prompt = SavePrompt::new(what, "t.stats.csv".into(), dir.path());
        assert_eq!(prompt.target(), Some(dir.path().join("t.stats.csv")));
        prompt.text = dir.path().display().to_string();
        assert_eq!(prompt.target(), Some(dir.path().join("t.stats.csv")));
        prompt.text = dir.path().join("other.csv").display().to_string();
        assert_eq!(prompt.target(), Some(dir.path().join("other.csv")));
        prompt.text = " ".into();
        assert_eq!(prompt.target(), None);
    }
}
