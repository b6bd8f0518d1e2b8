//! `visualize()`: the Rust twin of Dask's `z.visualize()` — a drawing of the task graph
//! as SVG, PNG or DOT (chosen by the file extension), without Graphviz.

use std::path::Path;

use taskscope_engine::{ComputeError, Delayed};
use taskscope_layout::{GraphOptions, LayoutError, LayoutStats, export_graph};
use taskscope_trace::Trace;

/// Why a drawing could not be made.
#[derive(Debug, thiserror::Error)]
pub enum VisualizeError {
    /// The graph could not be flattened (an engine bug; please report it).
    #[error(transparent)]
    Graph(#[from] ComputeError),
    /// The drawing could not be laid out or written.
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

/// Draws a task graph into a file: `.svg`, `.png` or `.dot`.
///
/// ```no_run
/// use taskscope::{delayed, Visualize};
/// fn inc(x: i64) -> i64 { x + 1 }
/// fn add(x: i64, y: i64) -> i64 { x + y }
/// let z = delayed!(add(delayed!(inc(1)), delayed!(inc(2))));
/// z.visualize("graph.svg")?; // Dask's look: circles for tasks, boxes for results, inputs below
/// # Ok::<(), taskscope::VisualizeError>(())
/// ```
pub trait Visualize {
    /// Draws with Dask's default look; returns the layout's statistics (e.g. edge crossings).
    fn visualize(&self, path: impl AsRef<Path>) -> Result<LayoutStats, VisualizeError> {
        self.visualize_with(path, &GraphOptions::default())
    }

    /// Draws with the given options (direction, compact mode, colours, highlight, title…).
    fn visualize_with(
        &self,
        path: impl AsRef<Path>,
        options: &GraphOptions,
    ) -> Result<LayoutStats, VisualizeError>;
}

impl<T> Visualize for Delayed<T>
where
    T: taskscope_engine::Data,
{
    fn visualize_with(
        &self,
        path: impl AsRef<Path>,
        options: &GraphOptions,
    ) -> Result<LayoutStats, VisualizeError> {
        let graph = self.graph()?;
        Ok(export_graph(&graph, None, path, options)?)
    }
}

/// A trace draws its graph with its measured durations and lanes available for colours.
impl Visualize for Trace {
    fn visualize_with(
        &self,
        path: impl AsRef<Path>,
        options: &GraphOptions,
    ) -> Result<LayoutStats, VisualizeError> {
        Ok(export_graph(self.graph(), Some(self), path, options)?)
    }
}
