//! The taskscope desktop viewer: an eframe app showing a trace's task graph and
//! Gantt timeline side by side, with replay, linked selection, search,
//! statistics and run comparison.
//!
//! [`run`] opens the window. The app itself ([`app::ViewerApp`]) draws into any
//! `egui::Ui`, so tests drive it with `egui_kittest` without a window or GPU.
//! Loaded traces and views are runtime data ([`document`]); only the
//! preferences in [`settings`] are persisted.

pub mod app;
pub mod document;
pub mod export;
pub mod loader;
pub mod panels;
pub mod settings;

pub use app::{AppCommand, Demo, StartupOptions, ViewerApp};

use taskscope_trace::Trace;

/// Reads a trace file's bytes in any format the trace reader accepts; `name` names the file in errors.
pub fn parse_trace(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    Ok(Trace::from_slice(bytes, name)?)
}

/// Opens the viewer window and runs it until it is closed.
pub fn run(options: StartupOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("taskscope")
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "taskscope",
        native,
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
