//! Culling for the graph view, as pure functions: which nodes and edges touch the visible rectangle.

use egui::Rect;

use super::layout::NodeBox;

/// Appends to `out` the indices of the `nodes` whose box intersects `visible` (layout units).
///
/// # Complexity
/// O(N) time, no allocation besides `out`.
pub fn visible_nodes(nodes: &[NodeBox], visible: Rect, out: &mut Vec<u32>) {
    out.extend(
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.rect.intersects(visible))
            .map(|(i, _)| i as u32),
    );
}

/// Appends to `out` the indices of the edges whose bounding box (`edge_bounds`)
/// intersects `visible`.
///
/// # Complexity
/// O(E) time, no allocation besides `out`.
pub fn visible_edges(edge_bounds: &[Rect], visible: Rect, out: &mut Vec<u32>) {
    out.extend(
        edge_bounds
            .iter()
            .enumerate()
            .filter(|(_, b)| b.intersects(visible))
            .map(|(i, _)| i as u32),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, vec2};
    use taskscope_trace::TaskId;

    /// Three 10×10 boxes at x = 0, 100, 200; edges 0→1 and 0→2 as their bounds.
    fn layout() -> (Vec<NodeBox>, Vec<Rect>) {
        let nodes = (0..3)
            .map(|i| {
                NodeBox::task_box(
                    TaskId(i),
                    Rect::from_min_size(pos2(i as f32 * 100.0, 0.0), vec2(10.0, 10.0)),
                )
            })
            .collect();
        let edges = vec![
            Rect::from_points(&[pos2(5.0, 10.0), pos2(105.0, 0.0)]),
            Rect::from_points(&[pos2(5.0, 10.0), pos2(205.0, 0.0)]),
        ];
        (nodes, edges)
    }

    #[test]
    fn only_boxes_in_view_are_kept() {
        let (l, _) = layout();
        let mut out = Vec::new();
        visible_nodes(
            &l,
            Rect::from_min_max(pos2(50.0, -5.0), pos2(150.0, 5.0)),
            &mut out,
        );
        assert_eq!(out, vec![1]);
        out.clear();
        visible_nodes(
            &l,
            Rect::from_min_max(pos2(-5.0, -5.0), pos2(300.0, 5.0)),
            &mut out,
        );
        assert_eq!(out, vec![0, 1, 2]);
        out.clear();
        visible_nodes(
            &l,
            Rect::from_min_max(pos2(0.0, 50.0), pos2(300.0, 60.0)),
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn edges_crossing_the_view_are_kept() {
        let (_, l) = layout();
        let mut out = Vec::new();
        // A window between the boxes, crossed by both edges.
        visible_edges(
            &l,
            Rect::from_min_max(pos2(40.0, 0.0), pos2(60.0, 10.0)),
            &mut out,
        );
        assert_eq!(out, vec![0, 1]);
        out.clear();
        // Past box 1: only the long edge.
        visible_edges(
            &l,
            Rect::from_min_max(pos2(150.0, 0.0), pos2(160.0, 10.0)),
            &mut out,
        );
        assert_eq!(out, vec![1]);
    }
}
