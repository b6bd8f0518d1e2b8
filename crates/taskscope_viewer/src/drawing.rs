//! Graph drawings made off the UI thread: one [`DrawingJob`] lays a drawing out,
//! and a tab's [`DrawingQueue`] decides which request runs.
//!
//! Expanding or collapsing a group, or switching output boxes, re-lays the graph
//! out on a background thread ([`DrawingJob`], a [`Job`] sending one drawing); the
//! old drawing stays on screen meanwhile. A queue runs at most one such job: a
//! request made while one runs waits (the latest replaces an earlier waiting one)
//! and starts when the running job is taken, whose now stale drawing is dropped.
//! Requests that are certain to be refused (too many nodes, counted from the
//! groups) or that cannot change the drawing shown start no job at all. The queue
//! changes no view state: it hands each arrived drawing to its tab.

use std::fmt;
use std::sync::Arc;

use taskscope_egui::GraphLayout;
use taskscope_layout::{DrawingOptions, check_drawing_size, graph_drawing};

use crate::background::{Job, Poll};
use crate::document::TraceDoc;

/// A graph drawing being laid out on a background thread: a [`Job`] sending one
/// drawing. The thread never touches the UI.
#[derive(Debug)]
pub struct DrawingJob {
    options: DrawingOptions,
    job: Job<Result<GraphLayout, String>>,
}

impl DrawingJob {
    /// Starts laying out `doc`'s graph with `options`; `repaint` is called when done.
    /// The key groups come from the document's index, built once for every drawing.
    ///
    /// # Errors
    /// When the thread cannot be started (the message says so).
    pub fn spawn(
        doc: Arc<TraceDoc>,
        options: DrawingOptions,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let thread_options = options.clone();
        let job = Job::spawn(
            "taskscope-graph-layout",
            "laying out the graph".to_owned(),
            move |send: &dyn Fn(Result<GraphLayout, String>) -> bool| {
                // Not wanted any more when a newer request replaced this one.
                send(
                    graph_drawing(&doc.trace, &doc.index, &thread_options)
                        .map(GraphLayout::new)
                        .map_err(|e| e.to_string()),
                );
            },
            repaint,
        )?;
        Ok(Self { options, job })
    }

    /// Whether the thread has sent its result (which [`DrawingJob::poll`] then returns).
    pub fn is_finished(&self) -> bool {
        self.job.has_ended()
    }

    /// The options being laid out.
    pub fn options(&self) -> &DrawingOptions {
        &self.options
    }

    /// The drawing once ready: `None` while the thread works, then the drawing, a
    /// refusal, or a message if the thread died.
    pub fn poll(&mut self) -> Option<Result<GraphLayout, String>> {
        match self.job.poll() {
            Poll::Pending => None,
            Poll::Message(result) => Some(result),
            Poll::Finished => Some(Err("the layout thread sent no drawing".to_owned())),
            Poll::Died(message) => Some(Err(message)),
        }
    }
}

/// A request for a new graph drawing.
struct DrawingRequest {
    options: DrawingOptions,
    fit_group: Option<String>,
    /// A refresh ([`DrawingQueue::refresh`]): laid out even if the drawing shown has
    /// these options, and shown without moving the view.
    keep_view: bool,
    repaint: Box<dyn Fn() + Send + 'static>,
}

impl fmt::Debug for DrawingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DrawingRequest")
            .field("options", &self.options)
            .field("fit_group", &self.fit_group)
            .field("keep_view", &self.keep_view)
            .finish_non_exhaustive()
    }
}

/// A drawing that arrived from the background, for the tab to show.
#[derive(Debug)]
pub struct Arrived {
    /// The drawing.
    pub layout: GraphLayout,
    /// The group the request asked the view to fit, if any.
    pub fit_group: Option<String>,
    /// A refresh of the drawing shown: the view stays where it is.
    pub keep_view: bool,
}

/// One tab's graph layout requests: at most one job running, the latest request waiting.
#[derive(Debug, Default)]
pub struct DrawingQueue {
    /// A drawing being laid out, and the group to fit to when it arrives (or whether it
    /// is a refresh).
    running: Option<(DrawingJob, Option<String>, bool)>,
    /// The latest request made while `running` runs; started when it ends.
    waiting: Option<DrawingRequest>,
    /// Options chosen that the drawing shown does not depend on (output boxes
    /// toggled on the simple fallback), reported by [`DrawingQueue::latest_options`].
    unchanged: Option<DrawingOptions>,
    /// How many layout threads it started.
    started: u64,
    /// Why the last request was refused, or the error of the last layout.
    note: Option<String>,
}

impl DrawingQueue {
    /// Whether a drawing is being laid out (or a request waits for the running one).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Whether the running layout has finished and its drawing waits to be taken
    /// by [`DrawingQueue::poll`].
    pub fn is_ready(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|(job, _, _)| job.is_finished())
    }

    /// How many layout threads it has started.
    pub fn jobs_started(&self) -> u64 {
        self.started
    }

    /// Why the last request was refused or failed, if it was.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The options of the latest drawing asked for: waiting, being laid out, or
    /// (else) the one shown, `shown`.
    pub fn latest_options(&self, shown: Option<&GraphLayout>) -> DrawingOptions {
        if let Some(request) = &self.waiting {
            return request.options.clone();
        }
        if let Some((job, _, _)) = &self.running {
            return job.options().clone();
        }
        if let Some(options) = &self.unchanged {
            return options.clone();
        }
        shown.map(|l| l.options().clone()).unwrap_or_default()
    }

    /// Asks for `doc`'s graph drawn with `options` (`shown` is the drawing on
    /// screen); `fit_group` is handed back with the drawing, and `repaint` is
    /// called when it is ready.
    ///
    /// While a layout runs, the request waits instead (replacing any waiting one)
    /// and starts when the running one is taken by [`DrawingQueue::poll`]. A
    /// request that would draw more than [`taskscope_layout::FULL_LAYOUT_LIMIT`]
    /// nodes is refused at once (counted from the groups, no thread), and one that
    /// cannot change the drawing shown starts nothing.
    pub fn request(
        &mut self,
        doc: &Arc<TraceDoc>,
        shown: Option<&GraphLayout>,
        options: DrawingOptions,
        fit_group: Option<String>,
        repaint: impl Fn() + Send + 'static,
    ) {
        self.note = None;
        if let Some(groups) = shown.and_then(GraphLayout::groups)
            && let Err(e) = check_drawing_size(groups, &options)
        {
            self.note = Some(e.to_string());
            return;
        }
        let request = DrawingRequest {
            options,
            fit_group,
            keep_view: false,
            repaint: Box::new(repaint),
        };
        self.enqueue(doc, shown, request);
    }

    /// Asks for `doc`'s graph drawn again with `options`, the options of the drawing
    /// shown, because the document changed (a followed file grew: the drawing's labels,
    /// tooltips and group summaries are its figures). Queued like
    /// [`DrawingQueue::request`]; the drawing arrives with
    /// [`keep_view`](Arrived::keep_view).
    pub fn refresh(
        &mut self,
        doc: &Arc<TraceDoc>,
        options: DrawingOptions,
        repaint: impl Fn() + Send + 'static,
    ) {
        let request = DrawingRequest {
            options,
            fit_group: None,
            keep_view: true,
            repaint: Box::new(repaint),
        };
        self.enqueue(doc, None, request);
    }

    /// Starts `request`, or lets it wait for the running layout.
    fn enqueue(
        &mut self,
        doc: &Arc<TraceDoc>,
        shown: Option<&GraphLayout>,
        request: DrawingRequest,
    ) {
        if self.running.is_some() {
            self.waiting = Some(request);
        } else {
            self.start(doc, shown, request);
        }
    }

    /// Starts laying out `request`, unless the drawing shown already is what it asks for.
    fn start(&mut self, doc: &Arc<TraceDoc>, shown: Option<&GraphLayout>, request: DrawingRequest) {
        if !request.keep_view
            && let Some(layout) = shown
            && layout.same_drawing_for(&request.options)
        {
            self.unchanged = (*layout.options() != request.options).then_some(request.options);
            return;
        }
        match DrawingJob::spawn(Arc::clone(doc), request.options, request.repaint) {
            Ok(job) => {
                self.started += 1;
                self.running = Some((job, request.fit_group, request.keep_view));
            }
            Err(e) => self.note = Some(e),
        }
    }

    /// Takes the background drawing if it is ready and returns it for the tab to
    /// show, unless a different request waits: then that one starts and the
    /// overtaken drawing is dropped. A refusal or failure becomes the note.
    pub fn poll(&mut self, doc: &Arc<TraceDoc>, shown: Option<&GraphLayout>) -> Option<Arrived> {
        let (job, fit_group, keep_view) = self.running.as_mut()?;
        let result = job.poll()?;
        let mut fit_group = fit_group.take();
        let mut keep_view = *keep_view;
        let job_options = job.options().clone();
        self.running = None;
        if let Some(request) = self.waiting.take() {
            if request.options != job_options {
                self.start(doc, shown, request);
                return None;
            }
            // Asked for again while it was laid out: it is the latest after all (a
            // refresh asked meanwhile comes with the next change of the document).
            fit_group = request.fit_group;
            keep_view = request.keep_view;
        }
        match result {
            Ok(layout) => {
                self.unchanged = None;
                Some(Arrived {
                    layout,
                    fit_group,
                    keep_view,
                })
            }
            Err(message) => {
                self.note = Some(message);
                None
            }
        }
    }
}
