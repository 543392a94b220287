//! Applying deploy inputs (placeholder until the feature lands).

use baton_handlers::deploys::Command;
use baton_handlers::github::GithubEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Store, Tx};
use serde_json::{json, Value};

use super::{Caller, Context};

/// A validated `/hooks/deploy` body.
pub struct DeployHook;

pub fn parse_hook(_body: &[u8]) -> std::result::Result<DeployHook, String> {
    Err("deploy hooks are not available yet".into())
}

pub fn on_hook(
    _tx: &mut Tx<'_>,
    _hook: DeployHook,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<Value> {
    Ok(json!({"ok": true}))
}

pub fn on_github(
    _tx: &mut Tx<'_>,
    _event: &GithubEvent,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<()> {
    Ok(())
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

pub fn lock_status(_store: &Store, _environment: &str, _now: UnixTime) -> Result<(bool, Value)> {
    Ok((false, json!({"locked": false})))
}
