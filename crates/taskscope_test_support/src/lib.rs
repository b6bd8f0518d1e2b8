//! Checks shared by the tests of several taskscope crates (a dev-dependency only).
//!
//! [`viewer_flows`] replays, on the bytes of a trace file, how Perfetto's JSON importer
//! and Chrome DevTools' trace engine bind its flow events to slices, and compares the
//! arrows each would draw with the graph embedded in the file. Every writer of taskscope
//! files (saved traces, `convert`, and writers still to come) is checked by this one
//! function: [`viewer_flows::assert_every_dependency_is_an_arrow`].
//!
//! It depends on nothing of taskscope: it reads the file as any other viewer would.
//!
//! [`plain_chrome`] writes the events of a plain Chrome trace, for benchmarks that
//! follow one as it grows.

pub mod plain_chrome;
pub mod viewer_flows;
