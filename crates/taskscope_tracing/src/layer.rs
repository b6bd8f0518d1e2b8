//! [`TaskscopeLayer`]: the hot path, run on the instrumented threads.
//!
//! Each callback reads the clock, finds the span's provisional task id in its extensions
//! (one lookup per enter, none per exit: the thread's stack already holds it) and appends
//! a record to the thread's buffer (see `shared`). Nothing here formats, allocates per
//! enter/exit, or waits for the writer.

use std::sync::Arc;

use tracing::span::{Attributes, Id, Record as Values};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::fields::FieldText;
use crate::record::{Record, TaskRef};
use crate::shared::{Open, Shared};

/// A `tracing-subscriber` [`Layer`] that records spans as tasks of a taskscope trace.
///
/// Made by [`TaskscopeLayerBuilder::build`](crate::TaskscopeLayerBuilder::build); see the
/// [crate docs](crate) for what it records. It composes like any layer: add it to a
/// `Registry` beside others, and filter it with `Layer::with_filter` (per-layer filters
/// are honoured: a span inside a filtered-out span is attached to its nearest recorded
/// ancestor).
pub struct TaskscopeLayer {
    pub(crate) shared: Arc<Shared>,
}

/// The task ids of a span, one per layer instance that records it (as a rule, one).
struct SpanTasks {
    first: (usize, TaskRef),
    more: Vec<(usize, TaskRef)>,
}

impl SpanTasks {
    fn get(&self, layer: usize) -> Option<TaskRef> {
        if self.first.0 == layer {
            return Some(self.first.1);
        }
        self.more.iter().find(|(l, _)| *l == layer).map(|(_, t)| *t)
    }
}

impl TaskscopeLayer {
    /// Identifies this layer's entries in span extensions.
    fn key(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    fn task_of<S>(&self, span: &SpanRef<'_, S>) -> Option<TaskRef>
    where
        S: for<'a> LookupSpan<'a>,
    {
        span.extensions().get::<SpanTasks>()?.get(self.key())
    }

    fn task_by_id<S>(&self, id: &Id, ctx: &Context<'_, S>) -> Option<TaskRef>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.task_of(&ctx.span(id)?)
    }

    fn push(&self, record: Record) {
        self.shared
            .with_buffer(|_, buffer| buffer.records.push(record));
    }
}

impl<S> Layer<S> for TaskscopeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let shared = &*self.shared;
        if !shared.recording() {
            return;
        }
        let meta = attrs.metadata();
        if let Some(filter) = &shared.options.span_filter
            && !filter(meta)
        {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        // The nearest ancestor this layer records (the parent may be filtered out).
        let parent = span.scope().skip(1).find_map(|s| self.task_of(&s));
        let mut fields = String::new();
        if shared.options.fields {
            attrs.record(&mut FieldText { out: &mut fields });
        }
        let created = shared.clock.raw();
        let Some(task) = shared.with_buffer(|lane, buffer| {
            let task = buffer.next_task(lane);
            buffer.records.push(Record::NewSpan {
                task,
                created,
                meta,
                parent,
                fields,
            });
            task
        }) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanTasks>() {
            Some(tasks) => tasks.more.push((self.key(), task)),
            None => extensions.insert(SpanTasks {
                first: (self.key(), task),
                more: Vec::new(),
            }),
        }
    }

    fn on_record(&self, id: &Id, values: &Values<'_>, ctx: Context<'_, S>) {
        if self.shared.finished() || !self.shared.options.fields {
            return;
        }
        let Some(task) = self.task_by_id(id, &ctx) else {
            return;
        };
        let mut fields = String::new();
        values.record(&mut FieldText { out: &mut fields });
        self.push(Record::Fields { task, fields });
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        if !self.shared.recording() {
            return;
        }
        if let (Some(task), Some(cause)) =
            (self.task_by_id(id, &ctx), self.task_by_id(follows, &ctx))
        {
            self.push(Record::FollowsFrom { task, cause });
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let shared = &*self.shared;
        if !shared.options.events || !shared.recording() {
            return;
        }
        let at = shared.clock.raw();
        let mut text = event.metadata().level().to_string();
        event.record(&mut FieldText { out: &mut text });
        self.push(Record::Event { at, text });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let shared = &*self.shared;
        if !shared.recording() {
            return;
        }
        let Some(task) = self.task_by_id(id, &ctx) else {
            return;
        };
        shared.with_buffer(|_, buffer| {
            buffer.stack.push(Open {
                span: id.into_u64(),
                task,
                // Read last, so that the slice does not include the layer's own work.
                start: shared.clock.raw(),
            });
        });
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        let shared = &*self.shared;
        if shared.finished() {
            return;
        }
        // Read first, for the same reason.
        let end = shared.clock.raw();
        let panicking = std::thread::panicking();
        shared.with_buffer(|_, buffer| {
            if let Some(slice) = buffer.exit(id.into_u64(), end, panicking) {
                buffer.records.push(Record::Slice(slice));
            }
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if self.shared.finished() {
            return;
        }
        if let Some(task) = self.task_by_id(&id, &ctx) {
            self.push(Record::Close { task });
        }
    }
}
