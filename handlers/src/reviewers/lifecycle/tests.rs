//! The review lifecycle's tests: one file per file they prove
//! (`tests/decide.rs` proves `decide.rs`, …), and what they share.

mod commands;
mod decide;
mod execute;
mod hours;
mod record;
mod render;
mod settings;
mod track;

use crate::UnixTime;

/// Monday 2026-11-23 00:00 UTC.
const NOW: UnixTime = 1_795_392_000;
