//! [`TaskscopeLayerBuilder`]: where the trace goes and what it holds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tracing::Metadata;

use crate::guard::TaskscopeGuard;
use crate::layer::TaskscopeLayer;

/// Decides which spans become tasks (see [`TaskscopeLayerBuilder::span_filter`]).
pub(crate) type SpanFilter = Arc<dyn Fn(&Metadata<'_>) -> bool + Send + Sync>;

/// What the instrumented threads record (the writer's own settings live in the builder).
#[derive(Clone)]
pub(crate) struct Options {
    /// Format span fields (and `Span::record`ed ones) into the task's key.
    pub(crate) fields: bool,
    /// Record events as instants.
    pub(crate) events: bool,
    /// Record only the spans this accepts (all when `None`).
    pub(crate) span_filter: Option<SpanFilter>,
}

/// Configures a [`TaskscopeLayer`] and the [`TaskscopeGuard`] that finishes its file.
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
///     .file("run.json")
///     .build();
/// tracing_subscriber::registry().with(layer).init();
/// // ... the program runs ...
/// drop(guard); // writes run.json
/// ```
#[must_use]
pub struct TaskscopeLayerBuilder {
    pub(crate) path: Option<PathBuf>,
    pub(crate) title: Option<String>,
    pub(crate) options: Options,
    pub(crate) locations: bool,
    pub(crate) max_file_size: Option<u64>,
    pub(crate) stream_interval: Option<Duration>,
}

impl Default for TaskscopeLayerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskscopeLayerBuilder {
    /// A builder with the defaults: file `trace-<unix seconds>.json` in the working
    /// directory, fields, locations and events on, no span filter, no size limit, the
    /// streaming file rewritten every second.
    pub fn new() -> Self {
        Self {
            path: None,
            title: None,
            options: Options {
                fields: true,
                events: true,
                span_filter: None,
            },
            locations: true,
            max_file_size: None,
            stream_interval: Some(Duration::from_secs(1)),
        }
    }

    /// The trace file to write when the guard is dropped.
    ///
    /// While the program runs, a streaming file beside it (`run.partial.json` for
    /// `run.json`) holds what was recorded so far; see the [crate docs](crate#files).
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(path.as_ref().to_path_buf());
        self
    }

    /// The run's title, shown by viewers (default: the program's file name).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Whether span fields (`info_span!("fetch", url)`, and values given later with
    /// `Span::record`) are written into each task's key (default: on).
    pub fn fields(mut self, on: bool) -> Self {
        self.options.fields = on;
        self
    }

    /// Whether each task's key ends with `(target, file:line)` of its span's callsite
    /// (default: on, as `tracing-chrome`'s `include_locations`).
    pub fn locations(mut self, on: bool) -> Self {
        self.locations = on;
        self
    }

    /// Whether events (`info!`, `warn!`…) are recorded as instants on their thread's lane,
    /// named by their level, message and fields (default: on).
    pub fn events(mut self, on: bool) -> Self {
        self.options.events = on;
        self
    }

    /// Records only the spans whose callsite `filter` accepts; a span inside a span it
    /// rejects is attached to the nearest recorded ancestor.
    ///
    /// Unlike `Layer::with_filter` (which works too, and also filters events), this sees
    /// only spans and costs one call per span created.
    pub fn span_filter(
        mut self,
        filter: impl Fn(&Metadata<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.options.span_filter = Some(Arc::new(filter));
        self
    }

    /// Stops recording before the trace file would grow past `bytes`.
    ///
    /// Each span, slice, link and event is counted at an upper bound of what it takes in
    /// the file, so the file stays under the limit; once it is reached, nothing new is
    /// recorded (spans already entered still end) and the file says so in its
    /// diagnostics. Memory is bounded with it: the writer keeps about a fifth of the
    /// file's size per recorded slice.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = Some(bytes);
        self
    }

    /// How often the streaming file is rewritten while the program runs (`None`: only on
    /// [`TaskscopeGuard::flush`]). Default: every second, less often when a rewrite takes
    /// long (the writer spends at most a tenth of its time on them).
    pub fn stream_interval(mut self, interval: Option<Duration>) -> Self {
        self.stream_interval = interval;
        self
    }

    /// Starts recording: returns the layer to add to a subscriber and the guard that
    /// finishes the file when dropped.
    ///
    /// Never panics: when recording cannot start (the streaming file cannot be created, or
    /// the writer thread cannot be spawned), the layer records nothing and the guard's
    /// [`finish`](TaskscopeGuard::finish) returns the error (dropping the guard prints it).
    /// Use [`try_build`](Self::try_build) to handle it at once.
    pub fn build(self) -> (TaskscopeLayer, TaskscopeGuard) {
        crate::writer::start(&self)
    }

    /// Like [`build`](Self::build), but returns the error when recording cannot start.
    pub fn try_build(self) -> Result<(TaskscopeLayer, TaskscopeGuard), crate::Error> {
        let (layer, mut guard) = crate::writer::start(&self);
        match guard.take_start_error() {
            Some(error) => Err(error),
            None => Ok((layer, guard)),
        }
    }
}
