//! The app's panels. Each is a module with a `ui` function that borrows what it shows
//! and returns what the app should do ([`crate::app::AppCommand`]).

pub mod compare_tab;
pub mod help;
pub mod live_tab;
pub mod path_prompt;
pub mod progress;
pub mod sizes;
pub mod start_page;
pub mod stats;
pub mod trace_tab;
