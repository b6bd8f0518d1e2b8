//! Settings remembered between sessions (through eframe's storage).
//!
//! Only user preferences live here; loaded traces, layouts and view state are
//! runtime data and never persisted. Every field has a default, so settings
//! written by an older or newer version still load (`#[serde(default)]`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::panels::sizes::PanelShares;

/// The storage key.
pub const STORAGE_KEY: &str = "taskscope_settings";

/// How many recent files are remembered.
pub const MAX_RECENT: usize = 10;

/// How graph nodes are coloured (persisted form of `taskscope_egui::NodeColoring`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coloring {
    /// By task name.
    #[default]
    Name,
    /// By duration.
    Duration,
    /// By worker.
    Lane,
}

impl From<Coloring> for taskscope_egui::NodeColoring {
    fn from(c: Coloring) -> Self {
        match c {
            Coloring::Name => Self::Name,
            Coloring::Duration => Self::Duration,
            Coloring::Lane => Self::Lane,
        }
    }
}

impl From<taskscope_egui::NodeColoring> for Coloring {
    fn from(c: taskscope_egui::NodeColoring) -> Self {
        match c {
            taskscope_egui::NodeColoring::Name => Self::Name,
            taskscope_egui::NodeColoring::Duration => Self::Duration,
            taskscope_egui::NodeColoring::Lane => Self::Lane,
        }
    }
}

/// The user's preferences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_excessive_bools)] // independent on/off preferences, not a state machine
pub struct Settings {
    /// Dark theme (else light).
    pub dark: bool,
    /// Recently opened files, most recent first.
    pub recent_files: Vec<PathBuf>,
    /// Graph node colouring.
    pub coloring: Coloring,
    /// Show the statistics side panel.
    pub show_stats: bool,
    /// Show the graph view next to the timeline.
    pub show_graph: bool,
    /// Draw all dependency arrows in the timeline, not only the selected task's.
    pub show_all_arrows: bool,
    /// The folder of the last export, suggested for the next one.
    pub last_dir: Option<PathBuf>,
    /// How wide the graph view and the statistics panel are, as shares of the tab's
    /// width (set by dragging their edges).
    pub panels: PanelShares,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dark: true,
            recent_files: Vec::new(),
            coloring: Coloring::Name,
            show_stats: true,
            show_graph: true,
            show_all_arrows: false,
            last_dir: None,
            panels: PanelShares::default(),
        }
    }
}

impl Settings {
    /// Moves `path` to the front of the recent files.
    pub fn add_recent(&mut self, path: &Path) {
        self.recent_files.retain(|p| p != path);
        self.recent_files.insert(0, path.to_path_buf());
        self.recent_files.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // compared values are copied or exact in binary floating point
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_and_bounded() {
        let mut s = Settings::default();
        for i in 0..15 {
            s.add_recent(Path::new(&format!("t{i}.json")));
        }
        s.add_recent(Path::new("t5.json"));
        assert_eq!(s.recent_files.len(), MAX_RECENT);
        assert_eq!(s.recent_files[0], Path::new("t5.json"));
        assert_eq!(
            s.recent_files
                .iter()
                .filter(|p| **p == Path::new("t5.json"))
                .count(),
            1
        );
    }

    #[test]
    fn missing_fields_take_defaults() {
        let s: Settings = serde_json::from_str(r#"{"dark": false, "unknown": 1}"#).unwrap();
        assert!(!s.dark);
        assert!(s.show_graph);
        assert!(s.recent_files.is_empty());
        assert_eq!(s.panels, PanelShares::default());
    }

    #[test]
    fn panel_shares_round_trip_and_missing_ones_take_defaults() {
        let mut s = Settings::default();
        s.panels.graph = 0.5;
        let text = serde_json::to_string(&s).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        let partial: Settings = serde_json::from_str(r#"{"panels": {"stats": 0.3}}"#).unwrap();
        assert_eq!(partial.panels.graph, PanelShares::default().graph);
        assert_eq!(partial.panels.stats, 0.3);
    }
}
