//! Applying error-report inputs (placeholder until the feature lands).

use baton_handlers::errors::Command;
use baton_handlers::slack::BlockAction;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};
use serde_json::{json, Value};

use super::{Caller, Context};

/// A validated `/hooks/errors` body.
pub struct Report;

pub fn parse_report(_body: &[u8]) -> std::result::Result<Report, String> {
    Err("error reports are not available yet".into())
}

pub fn on_report(
    _tx: &mut Tx<'_>,
    _report: Report,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<Value> {
    Ok(json!({"ok": true}))
}

pub fn on_command(
    _tx: &mut Tx<'_>,
    cmd: Command,
    _caller: &Caller,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<String> {
    let _ = cmd;
    Ok("this command is not available yet".to_string())
}

pub fn on_button(
    _tx: &mut Tx<'_>,
    _action: &BlockAction,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<Option<String>> {
    Ok(None)
}

/// Close error windows and send digests; called periodically.
pub fn tick(_tx: &mut Tx<'_>, _ctx: &Context, _now: UnixTime) -> Result<()> {
    Ok(())
}
