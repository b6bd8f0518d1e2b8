//! Replay: a cursor moving along the time axis.
//!
//! [`Replay`] is the play/pause/speed state that the app advances once per frame
//! with the frame's duration. Each task's state at the cursor comes from the trace
//! crate ([`taskscope_trace::index::TaskTimes::state_at`], [`RunState`]). Nothing
//! here paints.

use taskscope_trace::TaskState;
pub use taskscope_trace::index::RunState;

/// The final state recorded in the graph, as a replay state at the end of the run.
pub fn final_state(state: TaskState) -> RunState {
    match state {
        TaskState::Done => RunState::Done,
        TaskState::Failed => RunState::Failed,
        TaskState::Cancelled | TaskState::NotRun => RunState::NotRun,
    }
}

/// Play, pause and speed of the replay cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// Whether the cursor is moving.
    pub playing: bool,
    /// Where the cursor is, in ns.
    pub cursor_ns: u64,
    /// How many trace nanoseconds pass per second of wall time.
    pub ns_per_second: f64,
    /// The range the cursor moves in.
    pub start_ns: u64,
    /// The end of that range; playing stops there.
    pub end_ns: u64,
    /// Whether the cursor is shown at all (replay mode on).
    pub active: bool,
    /// The user chose the speed ([`Replay::set_speed_vs_real_time`]); until then it
    /// follows the range ([`Replay::set_range`]).
    speed_chosen: bool,
}

/// A full replay takes this many seconds at the default speed.
pub const DEFAULT_REPLAY_SECONDS: f64 = 10.0;

/// The default speed over `start_ns..end_ns`: the whole range in
/// [`DEFAULT_REPLAY_SECONDS`] (an empty range counts as 1 ns).
fn default_ns_per_second(start_ns: u64, end_ns: u64) -> f64 {
    end_ns.saturating_sub(start_ns).max(1) as f64 / DEFAULT_REPLAY_SECONDS
}

impl Replay {
    /// A stopped replay over `start_ns..end_ns`, with the cursor at the start and a speed
    /// that plays the whole range in [`DEFAULT_REPLAY_SECONDS`].
    pub fn new(start_ns: u64, end_ns: u64) -> Self {
        Self {
            playing: false,
            cursor_ns: start_ns,
            ns_per_second: default_ns_per_second(start_ns, end_ns),
            start_ns,
            end_ns,
            active: false,
            speed_chosen: false,
        }
    }

    /// Sets the speed, in trace time per wall time (1.0: as fast as the run went); it
    /// stays as chosen when the range changes.
    pub fn set_speed_vs_real_time(&mut self, speed: f64) {
        self.ns_per_second = speed * 1e9;
        self.speed_chosen = true;
    }

    /// The range becomes `start_ns..end_ns` (a followed run grows), the cursor kept
    /// within it. A speed the user has not chosen follows the range, as
    /// [`Replay::new`] sets it: a run followed from its first span would otherwise
    /// replay at the speed of its first nanoseconds.
    pub fn set_range(&mut self, start_ns: u64, end_ns: u64) {
        self.start_ns = start_ns;
        self.end_ns = end_ns;
        self.cursor_ns = self.cursor_ns.clamp(start_ns, end_ns.max(start_ns));
        if !self.speed_chosen {
            self.ns_per_second = default_ns_per_second(start_ns, end_ns);
        }
    }

    /// Starts playing (from the start if the cursor is at the end).
    pub fn play(&mut self) {
        if self.cursor_ns >= self.end_ns {
            self.cursor_ns = self.start_ns;
        }
        self.playing = true;
        self.active = true;
    }

    /// Stops moving the cursor (it stays where it is).
    pub fn pause(&mut self) {
        self.playing = false;
    }

    /// Moves the cursor to `t_ns` (clamped to the range) and shows it.
    pub fn seek(&mut self, t_ns: u64) {
        self.cursor_ns = t_ns.clamp(self.start_ns, self.end_ns);
        self.active = true;
    }

    /// Advances a playing cursor by `dt_seconds` of wall time; stops at the end.
    ///
    /// Returns whether the cursor moved (so the app knows to keep repainting).
    pub fn advance(&mut self, dt_seconds: f64) -> bool {
        if !self.playing {
            return false;
        }
        let step = (dt_seconds.max(0.0) * self.ns_per_second).round() as u64;
        self.cursor_ns = self.cursor_ns.saturating_add(step.max(1)).min(self.end_ns);
        if self.cursor_ns >= self.end_ns {
            self.playing = false;
        }
        true
    }

    /// The speed as a multiple of real time (1.0 = the trace's own pace).
    pub fn speed_vs_real_time(&self) -> f64 {
        self.ns_per_second / 1e9
    }

    /// The cursor time, if the replay is shown.
    pub fn shown_cursor(&self) -> Option<u64> {
        self.active.then_some(self.cursor_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states() {
        assert_eq!(final_state(TaskState::Cancelled), RunState::NotRun);
        assert_eq!(final_state(TaskState::Failed), RunState::Failed);
    }

    #[test]
    fn replay_advances_and_stops() {
        let mut r = Replay::new(0, 1000);
        assert_eq!(r.shown_cursor(), None);
        assert!(!r.advance(1.0));
        r.play();
        assert!(r.advance(1.0));
        assert_eq!(r.cursor_ns, 100); // 1000 ns over 10 s
        r.advance(100.0);
        assert_eq!(r.cursor_ns, 1000);
        assert!(!r.playing);
        r.play(); // from the end: restart
        assert_eq!(r.cursor_ns, 0);
        r.pause();
        r.seek(5000);
        assert_eq!(r.shown_cursor(), Some(1000));
        assert!((r.speed_vs_real_time() - 1e-7).abs() < 1e-12);
    }

    #[test]
    fn the_default_speed_follows_a_growing_range_until_the_user_chooses_one() {
        // A followed run starts empty: its first range is a nanosecond.
        let mut r = Replay::new(0, 0);
        r.set_range(0, 10_000_000_000);
        assert!((r.speed_vs_real_time() - 1.0).abs() < 1e-9, "10 s in 10 s");
        r.set_speed_vs_real_time(0.5);
        r.set_range(0, 20_000_000_000);
        assert!(
            (r.speed_vs_real_time() - 0.5).abs() < 1e-9,
            "kept as chosen"
        );
        r.cursor_ns = 30_000_000_000;
        r.set_range(0, 25_000_000_000);
        assert_eq!(r.cursor_ns, 25_000_000_000);
    }
}
