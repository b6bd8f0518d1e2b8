//! Span fields and event messages as text: `message k=v k="text"`, as `tracing-subscriber`'s
//! `fmt` layer prints them.
//!
//! This module decides only the words; where they go (a task's key, an instant's name) is
//! decided by [`crate::assemble`].

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

/// Appends each visited field to `out` as ` name=value` (`message` without its name).
pub(crate) struct FieldText<'a> {
    pub(crate) out: &'a mut String,
}

impl Visit for FieldText<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.out.is_empty() {
            self.out.push(' ');
        }
        // Writing into a String cannot fail.
        let _ = if field.name() == "message" {
            write!(self.out, "{value:?}")
        } else {
            write!(self.out, "{}={value:?}", field.name())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_like_the_fmt_layer() {
        struct Collect;
        impl tracing::Subscriber for Collect {
            fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
                tracing::span::Id::from_u64(1)
            }
            fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
            fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
            fn event(&self, event: &tracing::Event<'_>) {
                let _ = self;
                let mut text = String::new();
                event.record(&mut FieldText { out: &mut text });
                TEXT.with(|t| t.replace(text));
            }
            fn enter(&self, _: &tracing::span::Id) {}
            fn exit(&self, _: &tracing::span::Id) {}
        }
        thread_local!(static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
        tracing::subscriber::with_default(Collect, || {
            tracing::info!(attempt = 2, url = "a \"b\"", "fetch {}", 7);
        });
        assert_eq!(
            TEXT.with(|t| t.borrow().clone()),
            r#"fetch 7 attempt=2 url="a \"b\"""#
        );
    }
}
