//! The demo's deploys scenario (placeholder until the feature is wired in).

use super::Demo;

/// Drive the scenario; returns summary lines.
pub async fn run(_demo: &Demo) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
