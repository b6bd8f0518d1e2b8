//! The taskscope desktop viewer: an eframe app showing a trace's task graph and
//! Gantt timeline side by side, with replay, linked selection, search,
//! statistics and run comparison.
//!
//! [`run`] opens the window. The app itself ([`app::ViewerApp`]) draws into any
//! `egui::Ui`, so tests drive it with `egui_kittest` without a window or GPU.
//! Loaded traces and views are runtime data ([`document`]); only the
//! preferences in [`settings`] are persisted.

#![forbid(unsafe_code)]

pub mod app;
pub mod background;
pub mod document;
pub mod drawing;
pub mod export;
pub mod follow;
pub mod loader;
pub mod panels;
pub mod settings;

pub use app::{AppCommand, Demo, StartupOptions, ViewerApp};

use taskscope_trace::Trace;

/// Reads a trace file's bytes in any format the trace reader accepts; `name` names the file in errors.
pub fn parse_trace(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    Ok(Trace::from_slice(bytes, name)?)
}

/// The viewer window's options: glow renderer, drag and drop on, and its size and
/// position remembered between sessions (eframe's `persistence` feature stores them
/// with the settings, under the app id "taskscope").
pub fn native_options() -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("taskscope")
            .with_app_id("taskscope")
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        persist_window: true,
        ..eframe::NativeOptions::default()
    }
}

/// Opens the viewer window and runs it until it is closed.
pub fn run(options: StartupOptions) -> anyhow::Result<()> {
    eframe::run_native(
        "taskscope",
        native_options(),
        Box::new(move |cc| {
            Ok(Box::new(ViewerApp::from_creation_context(
                cc,
                options,
                parse_trace,
            )))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the viewer window: {e}"))
}
