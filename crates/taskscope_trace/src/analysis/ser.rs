//! `serde` helpers: the model's id newtypes serialize as their plain `u32`.
//!
//! The model types do not implement `Serialize` (the model stays free of
//! serialization choices); result structs use these through `serialize_with`.

use serde::Serializer;
use serde::ser::SerializeSeq;

use crate::model::{LaneId, TaskId};

/// A task id as a number.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes fields by reference"
)]
pub(crate) fn task_id<S: Serializer>(task: &TaskId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(task.0)
}

/// Task ids as an array of numbers.
pub(crate) fn task_ids<S: Serializer>(tasks: &[TaskId], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(tasks.len()))?;
    for task in tasks {
        seq.serialize_element(&task.0)?;
    }
    seq.end()
}

/// A lane id as a number.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes fields by reference"
)]
pub(crate) fn lane_id<S: Serializer>(lane: &LaneId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(lane.0)
}
