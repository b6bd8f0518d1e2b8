//! The keyboard help window (`?`).

use egui::Ui;

/// Every shortcut, as (keys, what they do).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("?  or  F1", "show or hide this help"),
    (
        "W / S  or  Ctrl + wheel",
        "zoom the timeline in / out about the pointer",
    ),
    (
        "A / D  or  wheel  or  drag",
        "pan the timeline left / right",
    ),
    ("F", "zoom the timeline to the selected task (or fit all)"),
    ("double-click", "fit the whole run"),
    (
        "click a bar or a node",
        "select it in both views, light its ancestors and descendants",
    ),
    ("click a merged bar", "zoom into it"),
    (
        "click a group in the graph",
        "draw its tasks one by one (laid out in the background)",
    ),
    (
        "right-click in the graph",
        "collapse the group of the task under the pointer, or all groups",
    ),
    ("click / drag the time axis", "move the replay cursor"),
    ("Space", "play / pause the replay"),
    ("Home", "replay cursor to the start"),
    ("Ctrl + O", "open trace files"),
    ("Ctrl + W", "close the tab"),
    ("Ctrl + Tab", "next tab"),
];

/// Shows the help contents.
pub fn ui(ui: &mut Ui) {
    egui::Grid::new("shortcuts")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (keys, what) in SHORTCUTS {
                ui.monospace(*keys);
                ui.label(*what);
                ui.end_row();
            }
        });
}
