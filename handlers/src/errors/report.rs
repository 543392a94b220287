//! Reading an error report from a request body into one [`ErrorReport`]
//! ([`parse_report`]), whichever shape it came in: Baton's own JSON
//! ([`baton`], which lists its fields) or one of Sentry's webhooks
//! ([`sentry`], which lists every field read, and also reads the events
//! Sentry's SDKs send: [`parse_sdk_event`]). A body with a `service` field
//! is Baton's JSON; one without it is read as a Sentry webhook when it has
//! one of their shapes, and otherwise refused as Baton's JSON
//! (``missing field `service` ``).
//!
//! The parts: `types` (the report and [`ReportError`]), `fields` (what both
//! shapes read alike: limits, frames, names), [`baton`], [`sentry`], and
//! `pruned` (parsing a large body keeping only the parts that are read).

use serde_json::Value;

pub mod baton;
pub(in crate::errors) mod fields;
mod pruned;
pub mod sentry;
mod types;

pub use sentry::parse_sdk_event;
pub use types::{ErrorReport, Exception, Frame, Level, ReportError, Source, Stack};

/// Parse a report body: Baton's JSON or one of Sentry's webhook shapes.
pub fn parse_report(body: &[u8]) -> Result<ErrorReport, ReportError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ReportError(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(root) = value else {
        return Err(ReportError("the body must be a JSON object".into()));
    };
    if root.contains_key("service") {
        return baton::parse_baton(&root);
    }
    if let Some(sentry) = sentry::parse_webhook(&root) {
        return sentry;
    }
    baton::parse_baton(&root)
}
