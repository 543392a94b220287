//! The `deploys` feature's decisions (placeholder until the feature lands).

use crate::command::{CommandSpec, UsageError};

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[CommandSpec] = &[];

/// A parsed subcommand of this feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {}

impl Command {
    /// Does it change configuration (admins only)?
    pub fn admin_only(&self) -> bool {
        match *self {}
    }
}

/// Parse the arguments of the subcommand `name` (one of [`COMMANDS`]).
pub fn parse_args(name: &str, _args: &[&str]) -> Result<Command, UsageError> {
    Err(UsageError::new(format!("`{name}` is not handled yet")))
}
