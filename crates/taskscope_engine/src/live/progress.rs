//! The terminal progress bar of a run, in the spirit of Dask's `ProgressBar`: nothing for
//! runs shorter than a minimum time, then one line redrawn in place — the bar, tasks
//! done of the total, the percentage, the time elapsed and an estimate of the rest — and
//! a final line when the run ends.
//!
//! This module decides the words and when the bar shows. It does not count tasks (the
//! workers do, see `super::LaneHook`) nor decide how often it is asked to redraw (the
//! watcher thread ticks it; `indicatif` limits the redraws to 10 per second).

use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use taskscope_trace::analysis::format_duration_ns;

/// How the progress bar of [`Scheduler::progress_with`](crate::Scheduler::progress_with) behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The bar appears only once a compute has run this long (Dask's `minimum`); 0.5 s by
    /// default, so quick computes print nothing.
    pub min_time: Duration,
    /// Draw even when stderr is not a terminal (e.g. into a CI log: the line is redrawn
    /// with a carriage return). Off by default: the bar shows on terminals only.
    pub force: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            min_time: Duration::from_millis(500),
            force: false,
        }
    }
}

/// How many redraws per second at most.
const REDRAWS_PER_SECOND: u8 = 10;

/// The line while a run goes on: `[########>-----------] 42% | 420/1,000 tasks | 1.20 s
/// elapsed, about 1.66 s left`.
///
/// The estimate assumes the remaining tasks take as long on average as the finished
/// ones; before any task finished there is none.
pub(crate) fn running_text(done: u64, total: u64, elapsed: Duration) -> String {
    let elapsed_ns = duration_ns(elapsed);
    let left = if done == 0 {
        "estimating the time left".to_owned()
    } else if done >= total {
        "finishing".to_owned()
    } else {
        let rest = u128::from(elapsed_ns) * u128::from(total - done) / u128::from(done);
        format!(
            "about {} left",
            format_duration_ns(u64::try_from(rest).unwrap_or(u64::MAX))
        )
    };
    format!(
        "{} | {} elapsed, {left}",
        counts(done, total),
        format_duration_ns(elapsed_ns)
    )
}

/// The final line: `[####################] 100% | 1,000/1,000 tasks | done in 2.31 s`, or
/// for a run that stopped, `[########>-----------] 40% | 400/1,000 tasks | stopped after
/// 1.02 s: a task failed`.
pub(crate) fn final_text(done: u64, total: u64, elapsed: Duration, completed: bool) -> String {
    let elapsed = format_duration_ns(duration_ns(elapsed));
    if completed {
        format!("{} | done in {elapsed}", counts(done, total))
    } else {
        format!(
            "{} | stopped after {elapsed}: a task failed",
            counts(done, total)
        )
    }
}

/// Characters of the bar between its brackets.
const BAR_WIDTH: u128 = 20;

/// `[########>-----------] 42% | 420/1,000 tasks` (the bar and the percentage rounded
/// down: full and 100% only when all are done).
fn counts(done: u64, total: u64) -> String {
    debug_assert!(total > 0, "a bar is drawn only for runs with tasks");
    let (done_wide, total_wide) = (u128::from(done.min(total)), u128::from(total.max(1)));
    let percent = done_wide * 100 / total_wide;
    let filled = done_wide * BAR_WIDTH / total_wide;
    let bar: String = (0..BAR_WIDTH)
        .map(|i| match i.cmp(&filled) {
            std::cmp::Ordering::Less => '#',
            std::cmp::Ordering::Equal => '>',
            std::cmp::Ordering::Greater => '-',
        })
        .collect();
    format!(
        "[{bar}] {percent}% | {}/{} task{}",
        taskscope_trace::analysis::format_count(done),
        taskscope_trace::analysis::format_count(total),
        if total == 1 { "" } else { "s" }
    )
}

fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Where the bar is drawn.
#[derive(Clone, Debug)]
pub(crate) enum BarTarget {
    /// stderr, when it is a terminal (else nothing), or always when forced.
    Stderr { force: bool },
    /// A test's buffer.
    #[cfg(test)]
    Captured(std::sync::Arc<parking_lot::Mutex<String>>),
}

impl BarTarget {
    /// Ends the final line where the target is not a terminal (a terminal's cursor is
    /// already past it: indicatif fills the line to the terminal's width).
    fn end_line(&self) {
        match self {
            Self::Stderr { force: false } => {}
            Self::Stderr { force: true } => {
                // Best effort, as every write of the bar: stderr may be closed.
                let _ = LineTerm::Stderr.write("\n");
            }
            #[cfg(test)]
            Self::Captured(buffer) => buffer.lock().push('\n'),
        }
    }
}

/// The progress bar of one run, ticked by the watcher thread.
pub(crate) struct Bar {
    total: u64,
    min_time: Duration,
    target: BarTarget,
    start: Instant,
    /// Created once the run outlived `min_time`.
    drawn: Option<ProgressBar>,
}

impl Bar {
    /// A bar for a run of `total` tasks starting now; it draws nothing yet.
    pub(crate) fn new(total: u64, options: &Progress, target: BarTarget) -> Self {
        Self {
            total,
            min_time: options.min_time,
            target,
            start: Instant::now(),
            drawn: None,
        }
    }

    /// Shows `done` tasks finished (once the run is old enough).
    pub(crate) fn tick(&mut self, done: u64) {
        let elapsed = self.start.elapsed();
        let total = self.total;
        if let Some(bar) = self.shown(elapsed) {
            // One call, one (rate-limited) redraw: the line is drawn whole.
            bar.set_message(running_text(done, total, elapsed));
        }
    }

    /// Ends the bar with its final line (if the run outlived the minimum time).
    pub(crate) fn finish(&mut self, done: u64, completed: bool) {
        let elapsed = self.start.elapsed();
        let total = self.total;
        let shown = if let Some(bar) = self.shown(elapsed) {
            let text = final_text(done, total, elapsed, completed);
            if completed {
                bar.finish_with_message(text);
            } else {
                bar.abandon_with_message(text);
            }
            true
        } else {
            false
        };
        if shown {
            self.target.end_line();
        }
    }

    /// The bar, created on first use once `elapsed` reached the minimum time.
    fn shown(&mut self, elapsed: Duration) -> Option<&ProgressBar> {
        if self.drawn.is_none() && elapsed >= self.min_time && self.total > 0 {
            let target = match &self.target {
                BarTarget::Stderr { force: false } => {
                    ProgressDrawTarget::stderr_with_hz(REDRAWS_PER_SECOND)
                }
                BarTarget::Stderr { force: true } => ProgressDrawTarget::term_like_with_hz(
                    Box::new(LineTerm::Stderr),
                    REDRAWS_PER_SECOND,
                ),
                #[cfg(test)]
                BarTarget::Captured(buffer) => ProgressDrawTarget::term_like(Box::new(
                    LineTerm::Buffer(std::sync::Arc::clone(buffer)),
                )),
            };
            let bar = ProgressBar::with_draw_target(Some(self.total), target);
            // The line is ours (`running_text`): indicatif draws it in place, at most
            // `REDRAWS_PER_SECOND` times a second. `wide_msg` cuts it to the terminal's
            // width (a line that wrapped would not redraw in place). The template is a
            // constant: it parses (a test draws it).
            if let Ok(style) = ProgressStyle::with_template("{wide_msg}") {
                bar.set_style(style);
            }
            self.drawn = Some(bar);
        }
        self.drawn.as_ref()
    }
}

/// A plain stream seen as a terminal: no cursor moves, each redraw starts with a carriage
/// return (`\r`).
#[derive(Debug)]
enum LineTerm {
    Stderr,
    #[cfg(test)]
    Buffer(std::sync::Arc<parking_lot::Mutex<String>>),
}

impl LineTerm {
    fn write(&self, s: &str) -> std::io::Result<()> {
        match self {
            Self::Stderr => std::io::stderr().write_all(s.as_bytes()),
            #[cfg(test)]
            Self::Buffer(buffer) => {
                buffer.lock().push_str(s);
                Ok(())
            }
        }
    }
}

impl TermLike for LineTerm {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write(s)?;
        self.write("\n")
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.write("\r")
    }

    fn flush(&self) -> std::io::Result<()> {
        match self {
            Self::Stderr => std::io::stderr().flush(),
            #[cfg(test)]
            Self::Buffer(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{final_text, running_text};

    #[test]
    fn the_words_of_a_running_bar() {
        let s = Duration::from_secs(1);
        assert_eq!(
            running_text(420, 1_000, s + s / 5),
            "[########>-----------] 42% | 420/1,000 tasks | 1.20 s elapsed, about 1.66 s left"
        );
        assert_eq!(
            running_text(0, 3, s),
            "[>-------------------] 0% | 0/3 tasks | 1.00 s elapsed, estimating the time left"
        );
        // Rounded down: not 100% before the last task.
        assert!(running_text(999, 1_000, s).starts_with("[###################>] 99% "));
        assert_eq!(
            running_text(1, 1, s),
            "[####################] 100% | 1/1 task | 1.00 s elapsed, finishing"
        );
    }

    #[test]
    fn the_words_of_a_final_line() {
        let t = Duration::from_millis(2_310);
        assert_eq!(
            final_text(1_000, 1_000, t, true),
            "[####################] 100% | 1,000/1,000 tasks | done in 2.31 s"
        );
        assert_eq!(
            final_text(400, 1_000, t, false),
            "[########>-----------] 40% | 400/1,000 tasks | stopped after 2.31 s: a task failed"
        );
    }
}
