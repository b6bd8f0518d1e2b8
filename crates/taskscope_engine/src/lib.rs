//! delayed task graphs (work in progress).
