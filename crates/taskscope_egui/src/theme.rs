//! Every colour the widgets paint comes from here.
//!
//! [`Theme`] holds the dark and light palettes for the chrome (backgrounds,
//! grid, selection, replay states). Task colours are not decided here: the
//! scenes of `taskscope_layout` give every task its fill ([`rgb`] converts it),
//! the same in both themes, in every run and in every export.
//! This module does not decide *what* is highlighted, only how it looks.

use egui::Color32;
use taskscope_layout::theme::Rgb;

/// The palette of one visual theme.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Whether this is the dark theme.
    pub dark: bool,
    /// Canvas background.
    pub background: Color32,
    /// Background of every other lane, to tell lanes apart.
    pub lane_stripe: Color32,
    /// Process group header background.
    pub group_header: Color32,
    /// Main text colour.
    pub text: Color32,
    /// Secondary text (axis labels, lane names).
    pub weak_text: Color32,
    /// Text painted on top of a coloured bar.
    pub text_on_bar: Color32,
    /// Vertical grid lines of the time axis.
    pub grid: Color32,
    /// Outline of the selected task.
    pub selected: Color32,
    /// Outline of the selected task's ancestors (its inputs, transitively).
    pub ancestor: Color32,
    /// Outline of the selected task's descendants (the tasks using it, transitively).
    pub descendant: Color32,
    /// Outline of tasks on the critical path.
    pub critical: Color32,
    /// The replay cursor.
    pub cursor: Color32,
    /// Bars of the concurrency strip ("running tasks").
    pub concurrency: Color32,
    /// The worker-count line of the concurrency strip.
    pub worker_line: Color32,
    /// Dependency arrows.
    pub arrow: Color32,
    /// Graph edges.
    pub edge: Color32,
    /// Replay: a node whose inputs are not all done yet.
    pub waiting: Color32,
    /// Replay: a node running at the cursor.
    pub running: Color32,
    /// A task that never ran.
    pub not_run: Color32,
    /// How much of a colour is kept for tasks outside the current selection (0–255).
    pub dim_alpha: u8,
    /// The veil over the timeline right of the replay cursor (the future).
    pub future_veil: Color32,
}

impl Theme {
    /// The dark theme.
    pub fn dark() -> Self {
        Self {
            dark: true,
            background: Color32::from_gray(24),
            lane_stripe: Color32::from_gray(30),
            group_header: Color32::from_gray(44),
            text: Color32::from_gray(225),
            weak_text: Color32::from_gray(150),
            text_on_bar: Color32::from_gray(15),
            grid: Color32::from_gray(48),
            selected: Color32::WHITE,
            ancestor: Color32::from_rgb(110, 190, 255),
            descendant: Color32::from_rgb(255, 170, 80),
            critical: Color32::from_rgb(255, 70, 90),
            cursor: Color32::from_rgb(255, 220, 60),
            concurrency: Color32::from_rgb(90, 150, 220),
            worker_line: Color32::from_rgb(240, 120, 120),
            arrow: Color32::from_gray(235),
            edge: Color32::from_gray(110),
            waiting: Color32::from_gray(70),
            running: Color32::from_rgb(255, 200, 40),
            not_run: Color32::from_gray(55),
            dim_alpha: 60,
            future_veil: Color32::from_black_alpha(150),
        }
    }

    /// The light theme.
    pub fn light() -> Self {
        Self {
            dark: false,
            background: Color32::from_gray(250),
            lane_stripe: Color32::from_gray(238),
            group_header: Color32::from_gray(220),
            text: Color32::from_gray(20),
            weak_text: Color32::from_gray(90),
            text_on_bar: Color32::from_gray(10),
            grid: Color32::from_gray(215),
            selected: Color32::BLACK,
            ancestor: Color32::from_rgb(0, 90, 200),
            descendant: Color32::from_rgb(200, 90, 0),
            critical: Color32::from_rgb(210, 0, 40),
            cursor: Color32::from_rgb(200, 120, 0),
            concurrency: Color32::from_rgb(70, 120, 200),
            worker_line: Color32::from_rgb(200, 40, 40),
            arrow: Color32::from_gray(20),
            edge: Color32::from_gray(150),
            waiting: Color32::from_gray(215),
            running: Color32::from_rgb(255, 170, 0),
            not_run: Color32::from_gray(200),
            dim_alpha: 70,
            future_veil: Color32::from_white_alpha(170),
        }
    }

    /// The theme for egui's `dark_mode` flag.
    pub fn for_dark_mode(dark: bool) -> Self {
        if dark { Self::dark() } else { Self::light() }
    }

    /// `color` faded for tasks outside the current selection.
    pub fn dimmed(&self, color: Color32) -> Color32 {
        color.gamma_multiply_u8(self.dim_alpha)
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

/// The egui colour of a picture colour: task fills (by name, duration, lane or
/// state) are decided by `taskscope_layout`'s scenes as [`Rgb`] and painted as they
/// are, so a task has the same colour on screen as in every exported picture.
pub fn rgb(color: Rgb) -> Color32 {
    Color32::from_rgb(color.0, color.1, color.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picture_colours_convert_exactly() {
        let c = taskscope_layout::theme::name_color("inc");
        assert_eq!(rgb(c), Color32::from_rgb(c.0, c.1, c.2));
        assert_ne!(rgb(c), rgb(taskscope_layout::theme::name_color("add")));
    }

    #[test]
    fn themes_differ() {
        assert_ne!(Theme::dark().background, Theme::light().background);
        assert!(Theme::for_dark_mode(true).dark);
        assert!(!Theme::for_dark_mode(false).dark);
    }
}
