//! Catching up on GitHub webhook deliveries Baton missed while it was down.
//!
//! GitHub does not redeliver a failed delivery by itself, but it keeps every
//! delivery of a webhook for 3 days and lists them newest first: the App's
//! (`GET /app/hook/deliveries`, with the App's JWT) and each repository or
//! organisation webhook named in `BATON_GITHUB_HOOKS`
//! (`…/hooks/{id}/deliveries`, with `GITHUB_TOKEN`). At start and every
//! `BATON_GITHUB_CATCH_UP_EVERY`, Baton reads each list back to the source's
//! checkpoint (state's `catch_up`), and for each delivery of an event it
//! handles that it did not answer with success, fetches the delivery
//! (`…/deliveries/{id}`: its request headers and payload) and applies it
//! through the webhook route's own path ([`crate::server::http::github::accept`]):
//! the same dedup by delivery id, the same transaction. Oldest first. The
//! delivery is fetched over an authenticated API, so there is no signature
//! to check.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::clients::github::{Actor, GithubSink, Method};
use crate::clients::github_app::parse_time;
use crate::config::Config;
use crate::server::app_state::AppState;
use crate::server::http::github::{accept, Accepted};

/// Deliveries per page (GitHub's maximum).
const PER_PAGE: u32 = 100;
/// Pages read back at most in one round (GitHub keeps 3 days).
const MAX_PAGES: usize = 200;

/// One webhook whose deliveries are caught up.
#[derive(Debug, Clone)]
pub struct Source {
    /// The checkpoint's key: `app`, `repos/o/r/hooks/1`, `orgs/o/hooks/2`.
    pub name: String,
    /// The list route, e.g. `/app/hook/deliveries`.
    pub route: String,
}

/// The sources configured: the App's webhook and `BATON_GITHUB_HOOKS`.
pub fn sources(config: &Config) -> Vec<Source> {
    let mut out = Vec::new();
    if config.github_app.is_some() {
        out.push(Source {
            name: "app".into(),
            route: "/app/hook/deliveries".into(),
        });
    }
    for hook in &config.github_hooks {
        let route = hook.deliveries_route();
        out.push(Source {
            name: route
                .trim_start_matches('/')
                .trim_end_matches("/deliveries")
                .to_string(),
            route,
        });
    }
    out
}

/// One entry of a deliveries list.
#[derive(Debug, Clone, Deserialize)]
struct Listed {
    id: u64,
    guid: String,
    delivered_at: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    status_code: u16,
}

/// What one round did, for the log and the tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// Applied now: deliveries Baton had missed.
    pub recovered: u64,
    /// Fetched, but their delivery id was already committed.
    pub already_had: u64,
    /// Fetched, but not applicable (unreadable payload).
    pub unreadable: u64,
}

/// Run catch-up at start and then every `every` until shutdown.
pub async fn run(
    state: Arc<AppState>,
    github: GithubSink,
    sources: Vec<Source>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match round(&state, &github, &sources).await {
            Ok(r) if r == Round::default() => {
                tracing::debug!("GitHub catch-up: nothing missed")
            }
            Ok(r) => tracing::info!(
                recovered = r.recovered,
                already_had = r.already_had,
                unreadable = r.unreadable,
                "GitHub catch-up: recovered {} missed deliveries",
                r.recovered
            ),
            Err(e) => tracing::warn!(error = %e, "GitHub catch-up failed; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
}

/// One round over every source: list, then apply the missed deliveries in
/// the order GitHub delivered them, then move each source's checkpoint to
/// where it got without a failure.
pub async fn round(
    state: &AppState,
    github: &GithubSink,
    sources: &[Source],
) -> Result<Round, String> {
    let mut missed: Vec<(usize, Listed)> = Vec::new();
    let mut listed: Vec<Vec<Listed>> = Vec::new();
    let mut problems = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let checkpoint = checkpoint_of(state, &source.name).await?;
        match list_since(github, source, checkpoint).await {
            Ok(entries) => {
                missed.extend(to_fetch(&entries).into_iter().map(|e| (index, e)));
                listed.push(entries);
            }
            Err(e) => {
                problems.push(format!("{}: {e}", source.route));
                listed.push(Vec::new());
            }
        }
    }
    missed.sort_by_key(|(_, e)| (parse_time(&e.delivered_at).unwrap_or(0), e.id));

    let mut result = Round::default();
    // The first delivery of each source that could not be applied.
    let mut stopped_at: Vec<Option<u64>> = vec![None; sources.len()];
    for (index, entry) in missed {
        if stopped_at[index].is_some() {
            continue;
        }
        let source = &sources[index];
        match catch_up_one(state, github, source, &entry).await {
            Ok(Accepted::Applied) => {
                result.recovered += 1;
                state.metrics.caught_up(&entry.event);
            }
            Ok(Accepted::Duplicate) => result.already_had += 1,
            Ok(Accepted::Ping | Accepted::Ignored { .. }) => {}
            Err(Failure::Unreadable(reason)) => {
                tracing::warn!(delivery = %entry.guid, %reason, "a missed GitHub delivery cannot be applied; skipped");
                result.unreadable += 1;
            }
            Err(Failure::Later(reason)) => {
                problems.push(format!("delivery {}: {reason}", entry.guid));
                stopped_at[index] = Some(entry.id);
            }
        }
    }
    for (index, source) in sources.iter().enumerate() {
        let done = listed[index]
            .iter()
            .filter(|e| stopped_at[index].is_none_or(|stop| e.id < stop))
            .max_by_key(|e| e.id);
        if let Some(done) = done {
            save_checkpoint(state, &source.name, done).await?;
        }
    }
    if problems.is_empty() {
        Ok(result)
    } else {
        if result != Round::default() {
            tracing::info!(
                recovered = result.recovered,
                "GitHub catch-up: recovered {} missed deliveries before a failure",
                result.recovered
            );
        }
        Err(problems.join("; "))
    }
}

/// The deliveries of `entries` to fetch: handled events, one per delivery
/// id, none that GitHub saw answered with success (Baton answers 2xx only
/// after committing).
fn to_fetch(entries: &[Listed]) -> Vec<Listed> {
    let answered: HashSet<&str> = entries
        .iter()
        .filter(|e| (200..300).contains(&e.status_code))
        .map(|e| e.guid.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut out: Vec<Listed> = entries
        .iter()
        .filter(|e| crate::clients::github_app::GITHUB_APP_EVENTS.contains(&e.event.as_str()))
        .filter(|e| !answered.contains(e.guid.as_str()))
        .cloned()
        .collect();
    // Oldest attempt of each delivery id.
    out.sort_by_key(|e| e.id);
    out.retain(|e| seen.insert(e.guid.clone()));
    out
}

async fn checkpoint_of(state: &AppState, source: &str) -> Result<Option<u64>, String> {
    let source = source.to_string();
    state
        .writer
        .run(move |tx| tx.catch_up_checkpoint(&source))
        .await
        .map(|c| c.map(|c| c.delivery_id))
        .map_err(|e| e.to_string())
}

async fn save_checkpoint(state: &AppState, source: &str, done: &Listed) -> Result<(), String> {
    let source = source.to_string();
    let checkpoint = baton_state::catch_up::CatchUpCheckpoint {
        delivery_id: done.id,
        delivered_at: done.delivered_at.clone(),
        saved_at: crate::clock::wall_now(),
    };
    state
        .writer
        .run(move |tx| tx.advance_catch_up_checkpoint(&source, &checkpoint))
        .await
        .map_err(|e| e.to_string())
}

/// The source's deliveries newer than `checkpoint`, reading pages back
/// (following `Link: rel="next"`) until one reaches it.
async fn list_since(
    github: &GithubSink,
    source: &Source,
    checkpoint: Option<u64>,
) -> Result<Vec<Listed>, String> {
    let mut route = format!("{}?per_page={PER_PAGE}", source.route);
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let answer = github
            .request(Method::Get, &route, None, Actor::App)
            .await?;
        if answer.status != 200 {
            return Err(format!(
                "GET {route} answered HTTP {}: {}",
                answer.status,
                answer.message()
            ));
        }
        let page: Vec<Listed> = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("GET {route}: not a list of deliveries ({e})"))?;
        let reached = page.iter().any(|e| checkpoint.is_some_and(|c| e.id <= c));
        out.extend(
            page.into_iter()
                .filter(|e| checkpoint.is_none_or(|c| e.id > c)),
        );
        match (reached, answer.link.as_deref().and_then(next_page)) {
            (false, Some(next)) => route = next,
            _ => return Ok(out),
        }
    }
    tracing::warn!(route = %source.route, "GitHub catch-up: stopped after {MAX_PAGES} pages");
    Ok(out)
}

/// The path and query of a `Link` header's `rel="next"` URL.
pub(crate) fn next_page(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        if !params.split(';').any(|p| p.trim() == r#"rel="next""#) {
            return None;
        }
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        let uri: axum::http::Uri = url.parse().ok()?;
        uri.path_and_query().map(|p| p.as_str().to_string())
    })
}

/// Why a delivery was not applied.
enum Failure {
    /// Its payload cannot be applied now or ever: skipped.
    Unreadable(String),
    /// GitHub or the store failed: tried again next round.
    Later(String),
}

/// Fetch one delivery and apply it as the webhook route would.
async fn catch_up_one(
    state: &AppState,
    github: &GithubSink,
    source: &Source,
    entry: &Listed,
) -> Result<Accepted, Failure> {
    let route = format!("{}/{}", source.route, entry.id);
    let answer = github
        .request(Method::Get, &route, None, Actor::App)
        .await
        .map_err(Failure::Later)?;
    if answer.status != 200 {
        return Err(Failure::Later(format!(
            "GET {route} answered HTTP {}: {}",
            answer.status,
            answer.message()
        )));
    }
    let delivery: Value = serde_json::from_slice(&answer.body)
        .map_err(|e| Failure::Unreadable(format!("GET {route}: not JSON ({e})")))?;
    let headers = &delivery["request"]["headers"];
    let header = |name: &str| {
        headers.as_object().and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        })
    };
    let kind = header("X-GitHub-Event")
        .or(delivery["event"].as_str())
        .unwrap_or(&entry.event)
        .to_string();
    let guid = header("X-GitHub-Delivery")
        .or(delivery["guid"].as_str())
        .unwrap_or(&entry.guid)
        .to_string();
    let payload = &delivery["request"]["payload"];
    if !payload.is_object() {
        return Err(Failure::Unreadable(format!(
            "GET {route}: no request payload"
        )));
    }
    let body = serde_json::to_vec(payload).unwrap_or_default();
    accept(state, &kind, &guid, &body).await.map_err(|e| {
        if e.status.is_client_error() {
            Failure::Unreadable(e.message)
        } else {
            Failure::Later(e.message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: u64, guid: &str, event: &str, status_code: u16) -> Listed {
        Listed {
            id,
            guid: guid.into(),
            delivered_at: "2026-11-26T00:00:00Z".into(),
            event: event.into(),
            status_code,
        }
    }

    #[test]
    fn only_unanswered_handled_deliveries_are_fetched_once_each() {
        let entries = [
            listed(6, "b", "pull_request", 200), // a redelivery that worked
            listed(5, "c", "star", 0),           // not handled
            listed(4, "d", "pull_request", 0),   // missed
            listed(3, "d", "pull_request", 0),   // the same, tried before
            listed(2, "b", "pull_request", 0),   // missed, then redelivered
            listed(1, "a", "workflow_run", 502), // missed
        ];
        let ids: Vec<u64> = to_fetch(&entries).iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 3]);
    }

    #[test]
    fn the_next_page_is_read_from_the_link_header() {
        let link = r#"<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12077215967>; rel="next", <https://api.github.com/app/hook/deliveries?per_page=100>; rel="first""#;
        assert_eq!(
            next_page(link).as_deref(),
            Some("/app/hook/deliveries?per_page=100&cursor=v1_12077215967")
        );
        assert_eq!(
            next_page(r#"<https://api.github.com/x?page=1>; rel="prev""#),
            None
        );
    }
}
