//! What a first-contact decision changes: the record of [`Change`] (that
//! Baton introduced itself in a channel), carried in the one
//! [`Outcome`](crate::Outcome) shape every feature returns.

use crate::UnixTime;

/// What a first-contact decision writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Remember that Baton introduced itself in `channel` (at `at`).
    PutIntroduction { channel: String, at: UnixTime },
}

/// What a first-contact decision asks for.
pub type Outcome = crate::Outcome<Change>;
