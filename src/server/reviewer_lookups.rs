//! The lookup task: the I/O half of a reviewer pick that waits for facts
//! from GitHub (code owners first, or an `r? @org/team`).
//!
//! A delivery that needs such a pick stores a pending pick and is answered
//! at once (the writer never waits on GitHub). This task, woken after such a
//! delivery and every `BATON_TICK_EVERY` (so a restart, or another replica's
//! pick, is resumed), reads the pending picks and, for each, fetches with
//! the installation's token:
//!
//! 1. the repository's CODEOWNERS (`.github/CODEOWNERS`, `CODEOWNERS`,
//!    `docs/CODEOWNERS` through the contents API; its stored copy is used
//!    for 10 minutes, and forgotten on a push to the default branch);
//! 2. the pull request's changed files (`GET …/pulls/{n}/files`, every page);
//! 3. the members of the teams that own a changed path, or of the `r?` team.
//!
//! Transient failures (no answer, 5xx, rate limits) are tried again; the
//! whole lookup has `BATON_LOOKUP_TIMEOUT`. Whatever it found is then
//! applied through the writer (`apply::reviewer_lookups::on_lookup_done`), which
//! picks and forgets the pending pick in one transaction: when GitHub could
//! not say in time, the pick is made without it and the log says so, so an
//! assignment is never lost. A CODEOWNERS line that cannot be read is
//! logged once, when a new text of the file is fetched.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use baton_handlers::reviewers::codeowners::{Codeowners, Team};
use baton_handlers::reviewers::lookup::{
    teams_to_look_up, CodeownersCopy, LookupFacts, PendingPick, CODEOWNERS_PATHS,
};
use serde::Deserialize;
use tokio::sync::{watch, Notify, Semaphore};

use crate::clients::github::{Actor, Answer, GithubSink, Method};
use crate::server::catch_up::next_page;
use crate::server::writer::Writer;
use baton_state::Store;

/// Pending picks read per pass.
const PASS_SIZE: usize = 200;
/// Lookups running at once.
const AT_ONCE: usize = 8;
/// Items per page (GitHub's maximum for both lists).
const PER_PAGE: u32 = 100;
/// GitHub lists at most 3,000 files of a pull request: 30 pages.
const MAX_PAGES: u32 = 30;
/// The first pause before trying a call again; it doubles, up to a second.
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// What the task needs; shared by the lookups it runs.
pub struct Lookups {
    pub store: Arc<Store>,
    pub writer: Writer,
    pub github: GithubSink,
    /// `BATON_LOOKUP_TIMEOUT`: how long one lookup may take.
    pub timeout: Duration,
    /// How often pending picks are looked at without a wake-up.
    pub every: Duration,
    /// Woken when a delivery may have stored a pending pick.
    pub wake: Arc<Notify>,
    /// Keys of the picks being looked up now (one lookup per pick).
    in_flight: Mutex<HashSet<String>>,
    running: Semaphore,
}

impl Lookups {
    pub fn new(
        store: Arc<Store>,
        writer: Writer,
        github: GithubSink,
        timeout: Duration,
        every: Duration,
        wake: Arc<Notify>,
    ) -> Lookups {
        Lookups {
            store,
            writer,
            github,
            timeout,
            every,
            wake,
            in_flight: Mutex::default(),
            running: Semaphore::new(AT_ONCE),
        }
    }
}

/// Run until shutdown: look at the pending picks at start, when woken, and
/// every `every`.
pub async fn run(lookups: Arc<Lookups>, mut shutdown: watch::Receiver<bool>) {
    loop {
        start_pending(&lookups).await;
        tokio::select! {
            _ = lookups.wake.notified() => {}
            _ = tokio::time::sleep(lookups.every) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
}

/// Start a lookup for each pending pick not already being looked up.
async fn start_pending(lookups: &Arc<Lookups>) {
    let store = lookups.store.clone();
    let pending = tokio::task::spawn_blocking(move || store.read(|tx| tx.pending_picks(PASS_SIZE)))
        .await
        .map_err(|e| e.to_string())
        .and_then(|read| read.map_err(|e| e.to_string()));
    let pending = match pending {
        Ok(pending) => pending,
        Err(e) => {
            tracing::error!(error = %e, "reading the picks waiting for a lookup failed; will try again");
            return;
        }
    };
    for pick in pending {
        let key = pick.key();
        let fresh = lookups
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone());
        if !fresh {
            continue;
        }
        let lookups = lookups.clone();
        tokio::spawn(async move {
            let _slot = lookups.running.acquire().await;
            look_up_and_pick(&lookups, &pick).await;
            lookups
                .in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        });
    }
}

/// Look up what `pick` needs (within the timeout), then pick through the
/// writer. A failed write leaves the pick pending: it is tried again.
async fn look_up_and_pick(lookups: &Lookups, pick: &PendingPick) {
    let key = pick.key();
    let (facts, fetched) = match tokio::time::timeout(lookups.timeout, look_up(lookups, pick)).await
    {
        Ok(found) => found,
        Err(_) => (
            LookupFacts {
                shortfall: Some(format!(
                    "GitHub did not answer within {} s (BATON_LOOKUP_TIMEOUT)",
                    lookups.timeout.as_secs_f64()
                )),
                ..LookupFacts::default()
            },
            None,
        ),
    };
    if let Some(why) = &facts.shortfall {
        tracing::warn!(
            pick = %key,
            reason = %why,
            "picking reviewers without the code owners or team members that could not be looked up"
        );
    }
    let now = crate::clock::now();
    let picked = lookups
        .writer
        .run(move |tx| {
            crate::apply::reviewer_lookups::on_lookup_done(tx, &key, &facts, fetched.as_ref(), now)
        })
        .await;
    match picked {
        Ok(true) => tracing::info!(pick = %pick.key(), "reviewers picked after the lookup"),
        Ok(false) => tracing::debug!(pick = %pick.key(), "pick already made elsewhere"),
        Err(e) => {
            tracing::error!(pick = %pick.key(), error = %e, "storing the pick failed; will try again")
        }
    }
}

/// Everything `pick` needs, and the CODEOWNERS copy fetched now (to keep).
/// What could not be had is left out, with the reason in `shortfall`.
async fn look_up(lookups: &Lookups, pick: &PendingPick) -> (LookupFacts, Option<CodeownersCopy>) {
    let repo = pick.pr.repo.as_str();
    let actor = pick
        .pr
        .installation
        .map_or(Actor::Repository(repo), Actor::Installation);
    let mut facts = LookupFacts::default();
    let mut fetched = None;
    if pick.needs_owners() {
        let copy = match codeowners(lookups, repo, actor).await {
            Ok((copy, fresh)) => {
                if fresh {
                    fetched = Some(copy.clone());
                }
                copy
            }
            Err(why) => {
                facts.shortfall = Some(why);
                return (facts, fetched);
            }
        };
        facts.codeowners = copy.text.as_deref().map(|text| Codeowners::parse(text).0);
        if facts.codeowners.is_some() {
            match changed_files(&lookups.github, repo, pick.pr.number, actor).await {
                Ok(files) => facts.files = files,
                Err(why) => {
                    facts.codeowners = None;
                    facts.shortfall = Some(why);
                    return (facts, fetched);
                }
            }
        }
    }
    let mut teams = BTreeMap::new();
    for team in teams_to_look_up(pick, facts.codeowners.as_ref(), &facts.files) {
        match team_members(&lookups.github, &team, actor).await {
            Ok(members) => {
                teams.insert(team, members);
            }
            Err(why) => {
                tracing::warn!(team = %team, reason = %why, "team members could not be looked up");
                facts.shortfall.get_or_insert(why);
            }
        }
    }
    facts.teams = teams;
    (facts, fetched)
}

/// `repo`'s CODEOWNERS: the stored copy while fresh, else fetched (then
/// `true`, and a new text's unreadable lines are logged).
async fn codeowners(
    lookups: &Lookups,
    repo: &str,
    actor: Actor<'_>,
) -> Result<(CodeownersCopy, bool), String> {
    let store = lookups.store.clone();
    let key = repo.to_string();
    let stored = tokio::task::spawn_blocking(move || store.read(|tx| tx.codeowners_copy(&key)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let now = crate::clock::now();
    if let Some(copy) = stored.as_ref().filter(|c| c.is_fresh(now)) {
        return Ok((copy.clone(), false));
    }
    let mut copy = CodeownersCopy {
        repo: repo.to_ascii_lowercase(),
        path: None,
        text: None,
        fetched_at: now,
    };
    for path in CODEOWNERS_PATHS {
        let route = format!("/repos/{repo}/contents/{path}");
        let answer = get(&lookups.github, &route, actor).await?;
        match answer.status {
            200 => {
                copy.path = Some(path.to_string());
                copy.text = Some(file_text(&answer).map_err(|e| format!("GET {route}: {e}"))?);
                break;
            }
            404 => continue,
            status => {
                return Err(format!(
                    "GET {route} answered HTTP {status}: {}",
                    answer.message()
                ))
            }
        }
    }
    let changed = stored.as_ref().map(|s| &s.text) != Some(&copy.text);
    if let (true, Some(text)) = (changed, &copy.text) {
        for problem in Codeowners::parse(text).1 {
            tracing::warn!(
                repo,
                file = copy.path.as_deref().unwrap_or_default(),
                %problem,
                "CODEOWNERS line skipped"
            );
        }
    }
    Ok((copy, true))
}

/// The text of a contents API answer for a file: `content` in base64
/// (with line breaks), as GitHub sends files up to 1 MB.
fn file_text(answer: &Answer) -> Result<String, String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        encoding: String,
        #[serde(default)]
        content: String,
    }
    let file: File =
        serde_json::from_slice(&answer.body).map_err(|e| format!("not a file ({e})"))?;
    if file.encoding != "base64" {
        return Err(format!(
            "the file is not given in base64 (encoding `{}`; over 1 MB?)",
            file.encoding
        ));
    }
    let packed: String = file.content.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(packed)
        .map_err(|e| format!("bad base64 ({e})"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The paths a pull request changes (a renamed file under both names).
async fn changed_files(
    github: &GithubSink,
    repo: &str,
    number: u64,
    actor: Actor<'_>,
) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Changed {
        filename: String,
        #[serde(default)]
        previous_filename: Option<String>,
    }
    let first = format!("/repos/{repo}/pulls/{number}/files?per_page={PER_PAGE}");
    let pages: Vec<Vec<Changed>> = every_page(github, &first, actor).await?;
    Ok(pages
        .into_iter()
        .flatten()
        .flat_map(|c| std::iter::once(c.filename).chain(c.previous_filename))
        .collect())
}

/// The logins of a team's members (its child teams' too, as GitHub lists).
async fn team_members(
    github: &GithubSink,
    team: &Team,
    actor: Actor<'_>,
) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Member {
        login: String,
    }
    let first = format!(
        "/orgs/{}/teams/{}/members?per_page={PER_PAGE}",
        team.org, team.slug
    );
    let pages: Vec<Vec<Member>> = every_page(github, &first, actor).await?;
    Ok(pages.into_iter().flatten().map(|m| m.login).collect())
}

/// Every page of a list, following `Link: rel="next"` (its path and query
/// only: the token goes nowhere but the configured API).
async fn every_page<T: for<'de> Deserialize<'de>>(
    github: &GithubSink,
    first: &str,
    actor: Actor<'_>,
) -> Result<Vec<T>, String> {
    let mut route = first.to_string();
    let mut pages = Vec::new();
    for _ in 0..MAX_PAGES {
        let answer = get(github, &route, actor).await?;
        if answer.status != 200 {
            return Err(format!(
                "GET {route} answered HTTP {}: {}",
                answer.status,
                answer.message()
            ));
        }
        pages.push(
            serde_json::from_slice(&answer.body)
                .map_err(|e| format!("GET {route}: not the list expected ({e})"))?,
        );
        match answer.link.as_deref().and_then(next_page) {
            Some(next) => route = next,
            None => break,
        }
    }
    Ok(pages)
}

/// One `GET`, tried again after a transient failure (no answer, 5xx, 429,
/// a rate limit) until it answers otherwise; the lookup's timeout bounds
/// the whole. Any other answer (200, 404, 403…) is returned as it is.
async fn get(github: &GithubSink, route: &str, actor: Actor<'_>) -> Result<Answer, String> {
    let mut pause = FIRST_PAUSE;
    loop {
        let wait = match github.request(Method::Get, route, None, actor).await {
            Ok(answer) if answer.status >= 500 || answer.status == 429 || answer.rate_limited => {
                tracing::debug!(route, status = answer.status, "GitHub busy; trying again");
                answer.retry_after.unwrap_or(pause)
            }
            Ok(answer) => return Ok(answer),
            Err(e) if matches!(github, GithubSink::Offline) => return Err(e),
            Err(e) => {
                tracing::debug!(route, error = %e, "GitHub unreachable; trying again");
                pause
            }
        };
        tokio::time::sleep(wait).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Answer {
        Answer {
            status: 200,
            link: None,
            retry_after: None,
            rate_limited: false,
            body: body.to_string().into(),
        }
    }

    #[test]
    fn file_text_reads_githubs_wrapped_base64() {
        // GitHub wraps the content every 60 characters.
        let text = "* @octocat\n/docs/ @octo-org/writers\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let wrapped = format!("{}\n{}\n", &encoded[..20], &encoded[20..]);
        let body = serde_json::json!({"encoding": "base64", "content": wrapped}).to_string();
        assert_eq!(file_text(&answer(&body)).unwrap(), text);
        let big = serde_json::json!({"encoding": "none", "content": ""}).to_string();
        assert!(file_text(&answer(&big)).unwrap_err().contains("over 1 MB"));
        assert!(file_text(&answer("[]")).is_err());
    }
}
